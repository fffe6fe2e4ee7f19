import { app, ipcMain, Menu, safeStorage, session, type BrowserWindow, type IpcMainEvent } from 'electron';
import { join } from 'node:path';
import { databaseExists, resolveMasterKey } from '../store/key-source.js';
import type { KeySourceKind } from '../store/key-provider.js';
import { registerAppScheme, serveRenderer } from './app-protocol.js';
import { APP_ENTRY_URL, IpcChannel } from './channels.js';
import { ShellExit } from './exit-codes.js';
import { HostSupervisor } from './host-supervisor.js';
import { createKioskWindow } from './kiosk-window.js';
import { platformSwitchWarning } from './launch-switches.js';
import { watchRenderer } from './renderer-watchdog.js';
import { safeStorageKeystore } from './safe-storage-keystore.js';
import { isTrustedSender } from './trusted-sender.js';
import { denyAllPermissions, guardWebContents } from './web-contents-guards.js';

export interface ShellOptions {
  /** The dist/ folder: host.js, electron/preload.cjs and renderer/ live there. */
  distDir: string;
  /** Extra host arguments (from the launcher: --sim, --data, --config, --scenario). */
  hostArgs: string[];
  /** The data directory: its recorded key source decides where the master key comes from. */
  dataDir: string;
  log?(msg: string): void;
  /** How long the fault screen stays before the app exits for systemd to restart it (default 60 s). */
  faultScreenMs?: number;
}

export interface Shell {
  supervisor: HostSupervisor;
  window(): BrowserWindow | null;
}

/**
 * The Electron main process: one kiosk window, the host in a utilityProcess, every web contents
 * guarded, every IPC sender checked. Returns null in a second instance (which quits).
 */
export function runShell(opts: ShellOptions): Shell | null {
  const log = opts.log ?? ((msg: string) => process.stderr.write(`kiosk-shell: ${msg}\n`));
  if (!app.requestSingleInstanceLock()) {
    log('another kiosk instance is running; quitting');
    app.quit();
    return null;
  }
  registerAppScheme();
  // The voice prompts are recorded; speech synthesis is only their fallback, and on Linux Chromium
  // speaks only through speech-dispatcher, and only with this switch (electron/electron#4452).
  if (process.platform === 'linux') app.commandLine.appendSwitch('enable-speech-dispatcher');
  Menu.setApplicationMenu(null);
  app.on('web-contents-created', (_event, contents) => guardWebContents(contents, log));

  let win: BrowserWindow | null = null;
  const ourWebContents = new Set<number>();
  // The key is resolved once per run, after app ready (safeStorage picks its Linux backend then),
  // with the asynchronous safeStorage calls, while the window is already being created.
  let key: Promise<{ masterKey: string; source: KeySourceKind }> | null = null;
  const resolveKey = () =>
    (key ??= resolveMasterKey(opts.dataDir, safeStorageKeystore(safeStorage), { create: !databaseExists(opts.dataDir) }).then((r) => {
      for (const note of r.notes) log(`key: ${note}`);
      if (r.created) log(`key: a new data directory (${opts.dataDir}); its key is kept in the ${r.source === 'file' ? 'key file' : 'OS keystore'}`);
      return { masterKey: r.key.toString('base64'), source: r.source };
    }));
  const supervisor = new HostSupervisor({
    hostScript: join(opts.distDir, 'host.js'),
    args: ['--electron', ...opts.hostArgs],
    resolveKey,
    log,
    onGiveUp: () => {
      // The renderers show the fault and its reason; then exit non-zero for systemd's backoff.
      setTimeout(() => app.exit(ShellExit.HostGaveUp), opts.faultScreenMs ?? 60_000);
    },
  });

  app.on('second-instance', () => {
    if (win && !win.isDestroyed()) win.focus();
  });

  ipcMain.on(IpcChannel.RequestHostPort, (event: IpcMainEvent) => {
    if (!isTrustedSender(event, ourWebContents)) {
      log('refused an IPC message from an untrusted sender');
      return;
    }
    supervisor.attachRenderer(event.sender);
  });

  const createWindow = () => {
    win = createKioskWindow(join(opts.distDir, 'electron', 'preload.cjs'));
    const id = win.webContents.id;
    ourWebContents.add(id);
    win.on('closed', () => {
      ourWebContents.delete(id);
      win = null;
    });
    win.once('ready-to-show', () => win?.show());
    watchRenderer(win, {
      log,
      exitForRestart: () => {
        supervisor.stop();
        app.exit(ShellExit.RendererGaveUp);
      },
    });
    void win.loadURL(APP_ENTRY_URL);
  };

  const switchWarning = platformSwitchWarning(process.platform, (name) => app.commandLine.getSwitchValue(name));
  if (switchWarning) log(switchWarning);

  void app.whenReady().then(() => {
    serveRenderer(join(opts.distDir, 'renderer'));
    denyAllPermissions(session.defaultSession);
    supervisor.start();
    createWindow();
  });
  app.on('window-all-closed', () => {
    supervisor.stop();
    app.quit();
  });
  return { supervisor, window: () => win };
}
