import type { MessagePortMain } from 'electron';
import type { HostToMain, MainToHost } from '../electron/host-messages.js';
import { StaticKeyProvider } from '../store/key-provider.js';
import { startBrowserMode } from './browser-mode.js';
import { HostOptionError, loadHostConfig, parseHostOptions } from './host-options.js';
import { KioskHost } from './kiosk-host.js';
import { createLogger } from './logger.js';
import { startServiceWatchdog } from './service-watchdog.js';

/**
 * The host process (dist/host.js). Under Electron it runs in a utilityProcess: the main process
 * sends `init` (the master key it resolved from the data directory's key source) and then one
 * `connect` per renderer, with a MessagePort that speaks the contract. Run by hand
 * (`node dist/host.js --browser --sim`) it serves browser mode, like `kiosk start --browser`.
 *
 * Whatever stops the host from starting (a bad option or configuration, a key that cannot be had,
 * a native module built for another runtime) is reported once, with its reason: as the `fatal`
 * message to the Electron supervisor, which shows it and stops restarting a host that cannot start,
 * or on stderr with exit 1 (2 for bad options) when run by hand.
 */
const log = createLogger();
const started = performance.now();
const parentPort = (process as unknown as { parentPort?: Electron.ParentPort }).parentPort;

/** How long a host that reported `fatal` waits to be stopped by its supervisor before it exits by itself. */
const FATAL_EXIT_GRACE_MS = 5000;

function fatal(what: string, err: unknown, exitCode = 1): void {
  const message = err instanceof Error ? err.message : String(err);
  log.fatal({ err: message }, `host: ${what}`);
  if (!parentPort) {
    process.stderr.write(`kiosk host: ${message}\n`);
    process.exit(exitCode);
  }
  // The supervisor stops this process when it has the message (a message posted right before
  // process.exit may never leave); without it, leave after a grace period.
  parentPort.postMessage({ type: 'fatal', message } satisfies HostToMain);
  setTimeout(() => process.exit(exitCode), FATAL_EXIT_GRACE_MS).unref();
}

process.on('uncaughtException', (err) => fatal('uncaught exception; exiting so the supervisor restarts the host', err));
process.on('unhandledRejection', (err) => fatal('unhandled rejection; exiting so the supervisor restarts the host', err));

async function main(): Promise<void> {
  let opts;
  try {
    opts = parseHostOptions(process.argv.slice(2));
  } catch (err) {
    fatal('bad options', err, 2);
    return;
  }
  let loaded;
  try {
    loaded = await loadHostConfig(opts);
  } catch (err) {
    fatal('bad configuration', err, err instanceof HostOptionError ? 2 : 1);
    return;
  }
  const { config, source } = loaded;
  if (!parentPort) {
    const running = await startBrowserMode(opts, config, log);
    // Listen for the stop signal before printing: whoever reads the URL may signal at once.
    const stop = () => void running.stop().then(() => process.exit(0));
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    process.stdout.write(`${running.server.url}\n`);
    return;
  }

  const init = await new Promise<Extract<MainToHost, { type: 'init' }>>((resolve) => {
    const on = (e: Electron.MessageEvent) => {
      const msg = e.data as MainToHost;
      if (msg?.type !== 'init') return;
      parentPort.off('message', on);
      resolve(msg);
    };
    parentPort.on('message', on);
  });
  const keyProvider = new StaticKeyProvider(Buffer.from(init.key.masterKey, 'base64'), init.key.source);
  log.info({ config: source, keySource: init.key.source }, 'host: starting under Electron');
  const host = await KioskHost.start({ config, dataDir: opts.dataDir, simulate: opts.simulate, scenarios: opts.scenarios, log, keyProvider });
  let peers = 0;
  parentPort.on('message', (e: Electron.MessageEvent) => {
    const msg = e.data as MainToHost;
    if (msg?.type !== 'connect') return;
    const port: MessagePortMain | undefined = e.ports[0];
    if (!port) return;
    const label = `port#${++peers}`;
    const peer = host.contract.attach({ send: (event) => port.postMessage(event), close: () => port.close() }, label);
    port.on('message', (m) => peer.receive(m.data));
    port.on('close', () => peer.detach());
    port.start();
    log.info({ peer: label }, 'host: renderer connected');
  });
  // Under systemd (the kiosk unit): READY=1, then keep-alives while the host is healthy.
  const watchdog = startServiceWatchdog(host, log);
  // Listen for the stop signal before saying ready: the supervisor may stop the host at once.
  const stop = () => {
    watchdog?.stop();
    void host.stop().then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  const ready: HostToMain = { type: 'ready', coldStartMs: performance.now() - started };
  parentPort.postMessage(ready);
}

void main().catch((err: unknown) => fatal('could not start', err));

export type { KioskHost };
