import { EventEmitter } from 'node:events';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { tempDataDir } from '../fixtures/store/temp-data-dir.js';

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
    commandLine: { getSwitchValue: vi.fn((name: string) => (name === 'ozone-platform' ? 'wayland' : '')), appendSwitch: vi.fn() },
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
  /**
   * safeStorage as under cage by default (no desktop: basic_text). Only the asynchronous calls
   * exist here; the deprecated synchronous ones throw, so any use of them fails a test.
   */
  const safeStorage = {
    backend: 'basic_text' as string,
    available: true,
    getSelectedStorageBackend: vi.fn(() => safeStorage.backend),
    isAsyncEncryptionAvailable: vi.fn(async () => safeStorage.available),
    encryptStringAsync: vi.fn(async (s: string) => Buffer.from(`wrapped:${Buffer.from(s).toString('hex')}`)),
    decryptStringAsync: vi.fn(async (b: Buffer) => {
      const t = b.toString();
      if (!t.startsWith('wrapped:')) throw new Error('Error while decrypting the ciphertext provided to safeStorage.decryptString.');
      return { result: Buffer.from(t.slice(8), 'hex').toString(), shouldReEncrypt: false };
    }),
    isEncryptionAvailable: vi.fn(() => {
      throw new Error('deprecated synchronous safeStorage call');
    }),
    encryptString: vi.fn(() => {
      throw new Error('deprecated synchronous safeStorage call');
    }),
    decryptString: vi.fn(() => {
      throw new Error('deprecated synchronous safeStorage call');
    }),
  };
  return { FakeWebContents, FakeWindow, FakeChild, children, app, session, safeStorage };
});

vi.mock('electron', () => ({
  app: h.app,
  BrowserWindow: h.FakeWindow,
  ipcMain: new EventEmitter(),
  Menu: { setApplicationMenu: vi.fn() },
  session: h.session,
  safeStorage: h.safeStorage,
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

let data: ReturnType<typeof tempDataDir>;

async function boot(faultScreenMs = 60_000) {
  const logs: string[] = [];
  const shell = runShell({ distDir: '/opt/kiosk/dist', hostArgs: ['--sim'], dataDir: data.dir, log: (m) => logs.push(m), faultScreenMs });
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
  data = tempDataDir('kiosk-shell-');
  h.safeStorage.backend = 'basic_text';
  h.safeStorage.available = true;
  h.FakeWindow.created.length = 0;
  h.children.length = 0;
  h.app.removeAllListeners();
  (electron.ipcMain as unknown as EventEmitter).removeAllListeners();
  h.app.lock = true;
  vi.clearAllMocks();
});
afterEach(() => {
  vi.useRealTimers();
  data.cleanup();
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
    // Speech synthesis (the recordings' fallback) can speak on Linux only through speech-dispatcher.
    if (process.platform === 'linux') expect(h.app.commandLine.appendSwitch).toHaveBeenCalledWith('enable-speech-dispatcher');
    expect(win.loadURL).toHaveBeenCalledWith('kiosk://app/index.html');
    expect(electron.protocol.handle).toHaveBeenCalledWith('kiosk', expect.any(Function));
    win.emit('ready-to-show');
    expect(win.show).toHaveBeenCalled();
  });

  it('quits a second instance without opening a window', async () => {
    h.app.lock = false;
    const shell = runShell({ distDir: '/d', hostArgs: [], dataDir: data.dir, log: () => {} });
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
    await vi.waitFor(() => expect(first.postMessage).toHaveBeenCalledWith({ type: 'init', key: { masterKey: expect.any(String), source: 'file' } }));
    first.emit('message', { type: 'ready', coldStartMs: 50 });
    (electron.ipcMain as unknown as EventEmitter).emit(IpcChannel.RequestHostPort, trustedEvent(win.webContents));
    expect(win.webContents.postMessage).toHaveBeenCalledTimes(1);

    first.emit('exit', 1);
    expect(win.webContents.send).toHaveBeenCalledWith(IpcChannel.HostState, 'starting');
    expect(h.children).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(250);
    expect(h.children).toHaveLength(2);
    const second = h.children[1]!;
    second.emit('message', { type: 'ready', coldStartMs: 40 });
    // The renderer gets a fresh port to the new host without asking again.
    expect(win.webContents.postMessage).toHaveBeenCalledTimes(2);
    expect(second.postMessage).toHaveBeenCalledWith({ type: 'connect' }, [{ name: 'port1' }]);
  });

  it('reloads a crashed renderer after a growing delay, then exits non-zero for systemd (never app.relaunch)', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { win } = await boot();
    const wc = win.webContents;
    wc.emit('render-process-gone', {}, { reason: 'clean-exit', exitCode: 0 });
    expect(wc.reload).not.toHaveBeenCalled();
    wc.emit('render-process-gone', {}, { reason: 'crashed', exitCode: 139 });
    await vi.advanceTimersByTimeAsync(499);
    expect(wc.reload).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(wc.reload).toHaveBeenCalledTimes(1);
    wc.emit('render-process-gone', {}, { reason: 'crashed', exitCode: 139 });
    await vi.advanceTimersByTimeAsync(4999);
    expect(wc.reload).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(wc.reload).toHaveBeenCalledTimes(2);
    wc.emit('render-process-gone', {}, { reason: 'oom', exitCode: 0 });
    expect(h.app.exit).toHaveBeenCalledWith(4);
    expect(h.app.relaunch).not.toHaveBeenCalled();
    expect(h.children[0]!.kill).toHaveBeenCalled(); // the host is stopped before the exit
  });

  it('a renderer that stayed up a minute starts its count again', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    const { win } = await boot();
    const wc = win.webContents;
    for (let i = 0; i < 5; i++) {
      wc.emit('render-process-gone', {}, { reason: 'crashed', exitCode: 139 });
      await vi.advanceTimersByTimeAsync(61_000);
    }
    expect(wc.reload).toHaveBeenCalledTimes(5);
    expect(h.app.exit).not.toHaveBeenCalled();
  });
});

describe('host supervisor: giving up', () => {
  async function spawnAndFail(child: InstanceType<typeof h.FakeChild>, reason: string | null, code = 1) {
    child.emit('spawn');
    await vi.waitFor(() => expect(child.postMessage).toHaveBeenCalledWith(expect.objectContaining({ type: 'init' })));
    if (reason !== null) {
      child.emit('message', { type: 'fatal', message: reason });
      expect(child.kill).toHaveBeenCalled(); // the host waits to be stopped once its reason is out
    }
    child.emit('exit', code);
  }

  it('after a few fast failures: stops restarting, shows the fault with its reason, exits non-zero', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { win, logs } = await boot(30_000);
    (electron.ipcMain as unknown as EventEmitter).emit(IpcChannel.RequestHostPort, trustedEvent(win.webContents));
    const reason = 'better-sqlite3 was built for Node.js 20 (ABI 115), but this runtime is Electron 45.5.0, which needs Electron 45 (ABI 150)';
    const delays = [250, 1000, 4000];
    for (let i = 0; i < 4; i++) {
      await spawnAndFail(h.children[i]!, reason);
      if (i < 3) {
        expect(win.webContents.send).toHaveBeenLastCalledWith(IpcChannel.HostState, 'starting');
        await vi.advanceTimersByTimeAsync(delays[i]!);
        expect(h.children).toHaveLength(i + 2);
      }
    }
    expect(win.webContents.send).toHaveBeenLastCalledWith(IpcChannel.HostState, 'fault', reason);
    await vi.advanceTimersByTimeAsync(120_000);
    expect(h.children).toHaveLength(4); // no fifth host
    expect(h.app.exit).toHaveBeenCalledWith(3);
    expect(logs.join('\n')).toContain(`giving up: ${reason}`);
    // A renderer that (re)loads now sees the fault at once.
    (electron.ipcMain as unknown as EventEmitter).emit(IpcChannel.RequestHostPort, trustedEvent(win.webContents));
    expect(win.webContents.send).toHaveBeenLastCalledWith(IpcChannel.HostState, 'fault', reason);
  });

  it('keeps the fault screen up for the given time before exiting', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    await boot(30_000);
    for (let i = 0; i < 4; i++) {
      await spawnAndFail(h.children[i]!, null, 134);
      await vi.advanceTimersByTimeAsync(4000);
    }
    await vi.advanceTimersByTimeAsync(25_000);
    expect(h.app.exit).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(h.app.exit).toHaveBeenCalledWith(3);
  });

  it('a host that stayed up a minute is restarted again (the failure count starts over)', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    await boot();
    for (let i = 0; i < 6; i++) {
      const c = h.children[i]!;
      c.emit('spawn');
      await vi.waitFor(() => expect(c.postMessage).toHaveBeenCalled());
      c.emit('message', { type: 'ready', coldStartMs: 10 });
      await vi.advanceTimersByTimeAsync(61_000);
      c.emit('exit', 1);
      await vi.advanceTimersByTimeAsync(250);
    }
    expect(h.children).toHaveLength(7);
    expect(h.app.exit).not.toHaveBeenCalled();
  });
});

describe('shell: the key source', () => {
  it('a new data directory under cage (basic_text): a key file, never the keystore; only async safeStorage calls', async () => {
    const { shell } = await boot();
    const child = h.children[0]!;
    child.emit('spawn');
    await vi.waitFor(() => expect(child.postMessage).toHaveBeenCalledWith({ type: 'init', key: { masterKey: expect.any(String), source: 'file' } }));
    expect(existsSync(join(data.dir, 'kiosk.key'))).toBe(true);
    expect(existsSync(join(data.dir, 'kiosk.key.safe'))).toBe(false);
    expect(h.safeStorage.encryptStringAsync).not.toHaveBeenCalled();
    expect(h.safeStorage.isEncryptionAvailable).not.toHaveBeenCalled();
    expect(h.safeStorage.encryptString).not.toHaveBeenCalled();
    expect(h.safeStorage.decryptString).not.toHaveBeenCalled();
    shell?.supervisor.stop();
  });

  it('a new data directory with a real keystore: the key is wrapped; a later run without the keystore is a fault, not a new key', async () => {
    h.safeStorage.backend = 'gnome_libsecret';
    await boot();
    const child = h.children[0]!;
    child.emit('spawn');
    await vi.waitFor(() => expect(child.postMessage).toHaveBeenCalledWith({ type: 'init', key: { masterKey: expect.any(String), source: 'keystore' } }));
    const sent = (child.postMessage.mock.calls[0]![0] as { key: { masterKey: string } }).key.masterKey;
    // The host would now create the database; stand in for it.
    writeFileSync(join(data.dir, 'kiosk.db'), '');
    const before = readdirSync(data.dir).sort();

    // Next run: the secret service did not come up.
    h.children.length = 0;
    h.FakeWindow.created.length = 0;
    h.app.removeAllListeners();
    (electron.ipcMain as unknown as EventEmitter).removeAllListeners();
    h.safeStorage.available = false;
    const { win } = await boot();
    (electron.ipcMain as unknown as EventEmitter).emit(IpcChannel.RequestHostPort, trustedEvent(win.webContents));
    h.children[0]!.emit('spawn');
    await vi.waitFor(() => expect(win.webContents.send).toHaveBeenLastCalledWith(IpcChannel.HostState, 'fault', expect.stringMatching(/wrapped by the OS keystore \(gnome_libsecret\), which is not available now/)));
    expect(h.children[0]!.postMessage).not.toHaveBeenCalled();
    expect(h.children[0]!.kill).toHaveBeenCalled();
    expect(readdirSync(data.dir).sort()).toEqual(before);

    // And once the keystore is back, the same key as before.
    h.children.length = 0;
    h.app.removeAllListeners();
    (electron.ipcMain as unknown as EventEmitter).removeAllListeners();
    h.safeStorage.available = true;
    await boot();
    h.children[0]!.emit('spawn');
    await vi.waitFor(() => expect(h.children[0]!.postMessage).toHaveBeenCalledWith({ type: 'init', key: { masterKey: sent, source: 'keystore' } }));
  });

  it('an existing database whose key is gone: the fault screen says so and no key is minted', async () => {
    writeFileSync(join(data.dir, 'kiosk.db'), 'SQLite format 3\u0000');
    const { win } = await boot();
    (electron.ipcMain as unknown as EventEmitter).emit(IpcChannel.RequestHostPort, trustedEvent(win.webContents));
    h.children[0]!.emit('spawn');
    await vi.waitFor(() => expect(win.webContents.send).toHaveBeenLastCalledWith(IpcChannel.HostState, 'fault', expect.stringMatching(/key that is missing .* No new key was made/)));
    expect(readdirSync(data.dir)).toEqual(['kiosk.db']);
  });
});

describe('shell: command line', () => {
  it('warns when started on Linux without the explicit Wayland switch', async () => {
    const { platformSwitchWarning } = await import('../../main/electron/launch-switches.js');
    expect(platformSwitchWarning('linux', () => 'wayland')).toBeNull();
    expect(platformSwitchWarning('linux', () => '')).toMatch(/without --ozone-platform=wayland/);
    expect(platformSwitchWarning('linux', () => 'x11')).toMatch(/"x11"/);
    expect(platformSwitchWarning('darwin', () => '')).toBeNull();
  });

  it('parses --data=DIR and --data DIR alike, and the host reads the same directory from what the shell passes on', async () => {
    const { parseShellArgs } = await import('../../main/electron/shell-args.js');
    const { parseHostOptions } = await import('../../main/host/host-options.js');
    const env = { KIOSK_DATA_DIR: '/var/lib/elsewhere' };
    const eq = parseShellArgs(['electron', 'main.cjs', '--ozone-platform=wayland', '--', '--data=/srv/kiosk', '--sim'], env);
    const sp = parseShellArgs(['electron', 'main.cjs', '--', '--data', '/srv/kiosk', '--sim'], env);
    expect(eq.dataDir).toBe('/srv/kiosk');
    expect(sp).toEqual(eq);
    expect(parseHostOptions(['--electron', ...eq.hostArgs], {}).dataDir).toBe('/srv/kiosk');
    // No --data: the environment's, written out for the host.
    const none = parseShellArgs(['electron', 'main.cjs'], env);
    expect(none.dataDir).toBe('/var/lib/elsewhere');
    expect(parseHostOptions(none.hostArgs, {}).dataDir).toBe('/var/lib/elsewhere');
    expect(() => parseShellArgs(['electron', 'main.cjs', '--', '--dta=/x'], env)).toThrow();
  });

  it('passes scenario, config and simulation on to the host unchanged', async () => {
    const { parseHostOptions, hostArgsFor } = await import('../../main/host/host-options.js');
    const opts = parseHostOptions(['--browser', '--port=8080', '--data', '/d', '--config=/c.json', '--scenario', 'normal,fever'], {});
    const args = hostArgsFor(opts);
    expect(args).not.toContain('--browser');
    expect(args.some((a) => a.startsWith('--port'))).toBe(false);
    const again = parseHostOptions(args, {});
    expect(again).toMatchObject({ dataDir: '/d', configFile: '/c.json', simulate: true, scenarioSpec: 'normal,fever' });
    expect(again.scenarios).toEqual(opts.scenarios);
  });
});
