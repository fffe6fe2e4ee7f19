import type { MessagePortMain } from 'electron';
import type { HostToMain, MainToHost } from '../electron/host-messages.js';
import { StaticKeyProvider } from '../store/key-provider.js';
import { startBrowserMode } from './browser-mode.js';
import { HostOptionError, loadHostConfig, parseHostOptions } from './host-options.js';
import { KioskHost } from './kiosk-host.js';
import { createLogger } from './logger.js';

/**
 * The host process (dist/host.js). Under Electron it runs in a utilityProcess: the main process
 * sends `init` (the keystore-unwrapped master key) and then one `connect` per renderer, with a
 * MessagePort that speaks the contract. Run by hand (`node dist/host.js --browser --sim`) it serves
 * browser mode, like `kiosk start --browser`.
 */
const log = createLogger();
const started = performance.now();

process.on('uncaughtException', (err) => {
  log.fatal({ err: err.message }, 'host: uncaught exception; exiting so the supervisor restarts the host');
  process.exit(1);
});
process.on('unhandledRejection', (err) => {
  log.fatal({ err: err instanceof Error ? err.message : String(err) }, 'host: unhandled rejection; exiting so the supervisor restarts the host');
  process.exit(1);
});

async function main(): Promise<void> {
  let opts;
  try {
    opts = parseHostOptions(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`kiosk host: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(2);
  }
  const { config, source } = await loadHostConfig(opts).catch((err: unknown) => {
    process.stderr.write(`kiosk host: ${err instanceof HostOptionError ? err.message : String(err)}\n`);
    process.exit(2);
  });
  const parentPort = (process as unknown as { parentPort?: Electron.ParentPort }).parentPort;
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
  const keyProvider = init.masterKey ? new StaticKeyProvider(Buffer.from(init.masterKey, 'base64')) : undefined;
  log.info({ config: source, keystore: keyProvider ? 'safeStorage' : 'key file' }, 'host: starting under Electron');
  const host = await KioskHost.start({ config, dataDir: opts.dataDir, simulate: opts.simulate, scenarios: opts.scenarios, log, ...(keyProvider && { keyProvider }) });
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
  const ready: HostToMain = { type: 'ready', coldStartMs: performance.now() - started };
  parentPort.postMessage(ready);
  const stop = () => void host.stop().then(() => process.exit(0));
  process.once('SIGTERM', stop);
}

void main().catch((err: unknown) => {
  log.fatal({ err: err instanceof Error ? err.message : String(err) }, 'host: could not start');
  process.exit(1);
});

export type { KioskHost };
