import { app, ipcMain, Menu, safeStorage, session, type BrowserWindow, type IpcMainEvent } from 'electron';
import { join } from 'node:path';
import { SafeStorageKeyProvider } from '../store/key-provider.js';
import { registerAppScheme, serveRenderer } from './app-protocol.js';
import { APP_ENTRY_URL, IpcChannel } from './channels.js';
import { HostSupervisor } from './host-supervisor.js';
import { createKioskWindow } from './kiosk-window.js';
import { watchRenderer } from './renderer-watchdog.js';
import { isTrustedSender } from './trusted-sender.js';
import { denyAllPermissions, guardWebContents } from './web-contents-guards.js';

export interface ShellOptions {
  /** The dist/ folder: host.js, electron/preload.cjs and renderer/ live there. */
  distDir: string;
  /** Extra host arguments (from the launcher: --sim, --data, --config, --scenario). */
  hostArgs: string[];
  /** Data directory for the keystore-wrapped key. */
  dataDir: string;
  log?(msg: string): void;
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
  Menu.setApplicationMenu(null);
  app.on('web-contents-created', (_event, contents) => guardWebContents(contents, log));

  let win: BrowserWindow | null = null;
  const ourWebContents = new Set<number>();
  const supervisor = new HostSupervisor({
    hostScript: join(opts.distDir, 'host.js'),
    args: ['--electron', ...opts.hostArgs],
    masterKey: async () => {
      if (!safeStorage.isEncryptionAvailable()) return null;
      return (await new SafeStorageKeyProvider(safeStorage, opts.dataDir).getKey()).toString('base64');
    },
    log,
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
      restartApp: () => {
        app.relaunch();
        app.exit(1);
      },
    });
    void win.loadURL(APP_ENTRY_URL);
  };

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
