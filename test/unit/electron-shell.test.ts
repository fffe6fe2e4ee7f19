import { EventEmitter } from 'node:events';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

/**
 * The Electron main process with `electron` mocked: no binary needed. Checks the window options,
 * the guards on every web contents, the IPC sender check, the host utilityProcess restart and the
 * renderer crash policy.
 */

const h = vi.hoisted(() => {
  const { EventEmitter: EE } = require('node:events') as typeof import('node:events');
  class FakeWebContents extends EE {
    static nextId = 1;
    id = FakeWebContents.nextId++;
    openHandler: ((d: { url: string }) => { action: string }) | null = null;
    reload = vi.fn();
    send = vi.fn();
    postMessage = vi.fn();
    forcefullyCrashRenderer = vi.fn();
    isDestroyed = () => false;
    setWindowOpenHandler(fn: (d: { url: string }) => { action: string }) {
      this.openHandler = fn;
    }
  }
  class FakeWindow extends EE {
    static created: FakeWindow[] = [];
    webContents = new FakeWebContents();
    loadURL = vi.fn(async () => {});
    show = vi.fn();
    focus = vi.fn();
    isDestroyed = () => false;
    constructor(readonly options: Record<string, unknown>) {
      super();
      FakeWindow.created.push(this);
    }
  }
  class FakeChild extends EE {
    postMessage = vi.fn();
    kill = vi.fn();
  }
  const children: FakeChild[] = [];
  const app = Object.assign(new EE(), {
    lock: true,
    requestSingleInstanceLock: vi.fn(() => app.lock),
    quit: vi.fn(),
    relaunch: vi.fn(),
    exit: vi.fn(),
    setName: vi.fn(),
    readyResolve: null as null | (() => void),
    whenReady: vi.fn(() => new Promise<void>((r) => (app.readyResolve = r))),
  });
  const session = {
    defaultSession: {
      setPermissionRequestHandler: vi.fn(),
      setPermissionCheckHandler: vi.fn(),
      setDevicePermissionHandler: vi.fn(),
    },
  };
  return { FakeWebContents, FakeWindow, FakeChild, children, app, session };
});

vi.mock('electron', () => ({
  app: h.app,
  BrowserWindow: h.FakeWindow,
  ipcMain: new EventEmitter(),
  Menu: { setApplicationMenu: vi.fn() },
  session: h.session,
  safeStorage: { isEncryptionAvailable: () => false },
  protocol: { registerSchemesAsPrivileged: vi.fn(), handle: vi.fn() },
  net: { fetch: vi.fn() },
  utilityProcess: {
    fork: vi.fn(() => {
      const c = new h.FakeChild();
      h.children.push(c);
      return c;
    }),
  },
  MessageChannelMain: class {
    port1 = { name: 'port1' };
    port2 = { name: 'port2' };
  },
}));

const electron = await import('electron');
const { runShell } = await import('../../main/electron/shell.js');
const { IpcChannel } = await import('../../main/electron/channels.js');

async function boot() {
  const logs: string[] = [];
  const shell = runShell({ distDir: '/opt/kiosk/dist', hostArgs: ['--sim'], dataDir: '/tmp/none', log: (m) => logs.push(m) });
  h.app.readyResolve?.();
  await Promise.resolve();
  await new Promise((r) => setImmediate(r));
  const win = h.FakeWindow.created.at(-1)!;
  // What Electron does for every web contents it creates.
  h.app.emit('web-contents-created', {}, win.webContents);
  return { shell, win, logs };
}

function trustedEvent(wc: InstanceType<typeof h.FakeWebContents>, url = 'kiosk://app/index.html', parent: unknown = null) {
  return { sender: wc, senderFrame: { url, parent } };
}

beforeEach(() => {
  h.FakeWindow.created.length = 0;
  h.children.length = 0;
  h.app.removeAllListeners();
  (electron.ipcMain as unknown as EventEmitter).removeAllListeners();
  h.app.lock = true;
  vi.clearAllMocks();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('Electron shell', () => {
  it('creates one hardened kiosk window with no menu', async () => {
    const { win } = await boot();
    expect(h.FakeWindow.created).toHaveLength(1);
    expect(win.options).toMatchObject({ kiosk: true, show: false });
    expect(win.options.webPreferences).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      devTools: false,
      disableBlinkFeatures: 'Auxclick',
      preload: '/opt/kiosk/dist/electron/preload.cjs',
    });
    expect(electron.Menu.setApplicationMenu).toHaveBeenCalledWith(null);
    expect(win.loadURL).toHaveBeenCalledWith('kiosk://app/index.html');
    expect(electron.protocol.handle).toHaveBeenCalledWith('kiosk', expect.any(Function));
    win.emit('ready-to-show');
    expect(win.show).toHaveBeenCalled();
  });

  it('quits a second instance without opening a window', async () => {
    h.app.lock = false;
    const shell = runShell({ distDir: '/d', hostArgs: [], dataDir: '/tmp/none', log: () => {} });
    expect(shell).toBeNull();
    expect(h.app.quit).toHaveBeenCalled();
    expect(h.FakeWindow.created).toHaveLength(0);
  });

  it('denies every permission request and check', async () => {
    await boot();
    const s = h.session.defaultSession;
    const cb = vi.fn();
    s.setPermissionRequestHandler.mock.calls[0]![0]({}, 'media', cb);
    expect(cb).toHaveBeenCalledWith(false);
    expect(s.setPermissionCheckHandler.mock.calls[0]![0]()).toBe(false);
    expect(s.setDevicePermissionHandler.mock.calls[0]![0]()).toBe(false);
  });

  it('refuses navigation away, new windows and webviews', async () => {
    const { win } = await boot();
    const wc = win.webContents;
    const away = { preventDefault: vi.fn() };
    wc.emit('will-navigate', away, 'https://evil.example/');
    expect(away.preventDefault).toHaveBeenCalled();
    const lookalike = { preventDefault: vi.fn() };
    wc.emit('will-navigate', lookalike, 'kiosk://app.evil.example/index.html');
    expect(lookalike.preventDefault).toHaveBeenCalled();
    const fileNav = { preventDefault: vi.fn() };
    wc.emit('will-navigate', fileNav, 'file:///etc/passwd');
    expect(fileNav.preventDefault).toHaveBeenCalled();
    const own = { preventDefault: vi.fn() };
    wc.emit('will-navigate', own, 'kiosk://app/index.html');
    expect(own.preventDefault).not.toHaveBeenCalled();
    expect(wc.openHandler?.({ url: 'https://evil.example/' })).toEqual({ action: 'deny' });
    const webview = { preventDefault: vi.fn() };
    wc.emit('will-attach-webview', webview);
    expect(webview.preventDefault).toHaveBeenCalled();
  });

  it('hands a host port only to the main frame of its own window on its own origin', async () => {
    const { win } = await boot();
    const child = h.children[0]!;
    child.emit('message', { type: 'ready', coldStartMs: 123 });
    const ipc = electron.ipcMain as unknown as EventEmitter;
    const stranger = new h.FakeWebContents();
    ipc.emit(IpcChannel.RequestHostPort, trustedEvent(stranger));
    ipc.emit(IpcChannel.RequestHostPort, trustedEvent(win.webContents, 'kiosk://app/index.html', { url: 'kiosk://app/' }));
    ipc.emit(IpcChannel.RequestHostPort, trustedEvent(win.webContents, 'https://evil.example/'));
    ipc.emit(IpcChannel.RequestHostPort, { sender: win.webContents, senderFrame: null });
    expect(child.postMessage).not.toHaveBeenCalledWith({ type: 'connect' }, expect.anything());
    expect(win.webContents.postMessage).not.toHaveBeenCalled();
    expect(stranger.postMessage).not.toHaveBeenCalled();

    ipc.emit(IpcChannel.RequestHostPort, trustedEvent(win.webContents));
    expect(child.postMessage).toHaveBeenCalledWith({ type: 'connect' }, [{ name: 'port1' }]);
    expect(win.webContents.postMessage).toHaveBeenCalledWith(IpcChannel.HostPort, null, [{ name: 'port2' }]);
  });

  it('starts the host in a utilityProcess, restarts it after a crash and shows "starting" meanwhile', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { win } = await boot();
    expect(electron.utilityProcess.fork).toHaveBeenCalledWith('/opt/kiosk/dist/host.js', ['--electron', '--sim'], expect.objectContaining({ serviceName: 'kiosk-host' }));
    const first = h.children[0]!;
    first.emit('spawn');
    await new Promise((r) => setImmediate(r));
    expect(first.postMessage).toHaveBeenCalledWith({ type: 'init', masterKey: null });
    first.emit('message', { type: 'ready', coldStartMs: 50 });
    (electron.ipcMain as unknown as EventEmitter).emit(IpcChannel.RequestHostPort, trustedEvent(win.webContents));
    expect(win.webContents.postMessage).toHaveBeenCalledTimes(1);

    first.emit('exit', 1);
    expect(win.webContents.send).toHaveBeenCalledWith(IpcChannel.HostState, 'starting');
    expect(h.children).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1000);
    expect(h.children).toHaveLength(2);
    const second = h.children[1]!;
    second.emit('message', { type: 'ready', coldStartMs: 40 });
    // The renderer gets a fresh port to the new host without asking again.
    expect(win.webContents.postMessage).toHaveBeenCalledTimes(2);
    expect(second.postMessage).toHaveBeenCalledWith({ type: 'connect' }, [{ name: 'port1' }]);
  });

  it('reloads a crashed renderer once, then restarts the app if it dies again', async () => {
    const { win } = await boot();
    const wc = win.webContents;
    wc.emit('render-process-gone', {}, { reason: 'clean-exit', exitCode: 0 });
    expect(wc.reload).not.toHaveBeenCalled();
    wc.emit('render-process-gone', {}, { reason: 'crashed', exitCode: 139 });
    expect(wc.reload).toHaveBeenCalledTimes(1);
    expect(h.app.relaunch).not.toHaveBeenCalled();
    wc.emit('render-process-gone', {}, { reason: 'oom', exitCode: 0 });
    expect(h.app.relaunch).toHaveBeenCalledTimes(1);
    expect(h.app.exit).toHaveBeenCalledWith(1);
  });
});
