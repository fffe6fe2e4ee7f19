import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startBrowserServer, type BrowserServer } from './browser-server.js';
import type { HostOptions } from './host-options.js';
import type { KioskConfig } from '../config/kiosk-config.js';
import { KioskHost } from './kiosk-host.js';
import type { Logger } from './logger.js';
import { startServiceWatchdog } from './service-watchdog.js';

/** The built renderer beside this bundle (dist/cli.js or dist/host.js → dist/renderer). */
export function defaultRendererDir(): string {
  return join(dirname(fileURLToPath(import.meta.url)), 'renderer');
}

export interface RunningBrowserMode {
  host: KioskHost;
  server: BrowserServer;
  stop(): Promise<void>;
}

/** Starts the host and the loopback server for a browser (Chromium in kiosk mode, or a test). */
export async function startBrowserMode(opts: HostOptions, config: KioskConfig, log: Logger, rendererDir = defaultRendererDir()): Promise<RunningBrowserMode> {
  const host = await KioskHost.start({ config, dataDir: opts.dataDir, simulate: opts.simulate, scenarios: opts.scenarios, log });
  let server: BrowserServer;
  try {
    server = await startBrowserServer({ port: opts.port, rendererDir, contract: host.contract, log, health: () => host.health() });
  } catch (err) {
    await host.stop();
    throw err;
  }
  // Under systemd (the browser-mode unit): READY=1, then keep-alives while the host is healthy.
  const watchdog = startServiceWatchdog(host, log);
  return {
    host,
    server,
    stop: async () => {
      watchdog?.stop();
      await server.close();
      await host.stop();
    },
  };
}
