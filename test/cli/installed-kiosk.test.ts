import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { isSocatAvailable } from '../../drivers/sim/pty-pair.js';

/**
 * What an installed kiosk runs, run here for real: the technician's `kiosk` wrapper
 * (packaging/linux/kiosk), `kiosk start --chromium` as the browser-mode unit starts it, and the
 * host's systemd notifications through the real systemd-notify to a notification socket.
 */
const ROOT = join(import.meta.dirname, '..', '..');
const tmp = mkdtempSync(join(tmpdir(), 'kiosk-installed-'));
chmodSync(tmp, 0o755); // the kiosk's user (nobody, below) must reach the stand-in app and the wrapper
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
/**
 * The wrapper as installed (/usr/bin/kiosk, 0755): a copy outside the checkout, whose directories
 * may be closed to the kiosk's user (a clone in a 0700 temporary directory), since run as root it
 * runs itself again as that user.
 */
const WRAPPER = join(tmp, 'kiosk');
copyFileSync(join(ROOT, 'packaging', 'linux', 'kiosk'), WRAPPER);
chmodSync(WRAPPER, 0o755);

/** A stand-in for /opt/CheckpointKiosk/checkpoint-kiosk: prints what it was run with. */
function fakeApp(): string {
  const dir = mkdtempSync(join(tmp, 'app-'));
  chmodSync(dir, 0o755);
  const bin = join(dir, 'checkpoint-kiosk');
  writeFileSync(bin, '#!/bin/sh\necho "user=$(id -un) run_as_node=$ELECTRON_RUN_AS_NODE data=$KIOSK_DATA_DIR args=$*"\n');
  chmodSync(bin, 0o755);
  return dir;
}

function wrapper(args: string[], env: Record<string, string>): { status: number | null; stdout: string; stderr: string } {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('KIOSK_'))) as Record<string, string>;
  const r = spawnSync('sh', [WRAPPER, ...args], { env: { ...clean, KIOSK_DEFAULTS_FILE: join(tmp, 'no-defaults'), ...env }, encoding: 'utf8', timeout: 30_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('the installed `kiosk` command (packaging/linux/kiosk)', () => {
  it("runs the CLI on the app's runtime as Node, on the service's data directory by default", () => {
    const app = fakeApp();
    const r = wrapper(['doctor', '--json'], { KIOSK_APP_DIR: app, KIOSK_USER: 'root' });
    expect(r.stdout.trim()).toBe(`user=root run_as_node=1 data=/var/lib/checkpoint-kiosk args=${app}/resources/app.asar/bin/kiosk.js doctor --json`);
  });

  it('takes the data directory from /etc/default/checkpoint-kiosk, and an exported KIOSK_DATA_DIR over it', () => {
    const app = fakeApp();
    const defaults = join(tmp, 'defaults');
    writeFileSync(defaults, 'KIOSK_DATA_DIR=/srv/kiosk-data\nKIOSK_USER=root\n');
    expect(wrapper(['ports'], { KIOSK_APP_DIR: app, KIOSK_DEFAULTS_FILE: defaults }).stdout).toContain('data=/srv/kiosk-data args=');
    expect(wrapper(['ports'], { KIOSK_APP_DIR: app, KIOSK_DEFAULTS_FILE: defaults, KIOSK_DATA_DIR: '/tmp/elsewhere' }).stdout).toContain('data=/tmp/elsewhere args=');
  });

  it.skipIf(process.getuid?.() !== 0)('run as root, it switches to the kiosk\'s user first (here: nobody)', () => {
    const app = fakeApp();
    const r = wrapper(['audit', 'verify'], { KIOSK_APP_DIR: app, KIOSK_USER: 'nobody' });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe(`user=nobody run_as_node=1 data=/var/lib/checkpoint-kiosk args=${app}/resources/app.asar/bin/kiosk.js audit verify`);
  });

  it('on a kiosk without Electron it runs the source tree\'s CLI on the system Node.js', () => {
    const r = wrapper(['doctor', '--help'], { KIOSK_APP_DIR: join(tmp, 'no-electron'), KIOSK_SOURCE_DIR: ROOT, KIOSK_USER: 'root' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^usage: kiosk doctor/);
  });
});

describe('kiosk start --browser --chromium (the browser-mode unit)', () => {
  /** A stand-in for chromium: records its arguments, then exits or waits to be stopped. */
  function fakeChromium(mode: 'exit' | 'wait'): { path: string; argsFile: string } {
    const argsFile = join(tmp, `chromium-args-${mode}`);
    const path = join(tmp, `chromium-${mode}`);
    writeFileSync(path, `#!/bin/sh\necho $$ > ${argsFile}.pid\nprintf '%s\\n' "$@" > ${argsFile}\n${mode === 'wait' ? 'exec sleep 60' : 'exit 0'}\n`);
    chmodSync(path, 0o755);
    return { path, argsFile };
  }

  function start(chromium: string) {
    const data = mkdtempSync(join(tmp, 'data-'));
    const p = spawn(process.execPath, [join(ROOT, 'bin', 'kiosk.js'), 'start', '--browser', '--sim', '--port', '0', '--data', data, '--chromium', chromium], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, XDG_RUNTIME_DIR: tmp, KIOSK_LOG_LEVEL: 'warn' },
    });
    let stderr = '';
    p.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const url = new Promise<string>((resolve, reject) => {
      createInterface({ input: p.stdout }).once('line', resolve);
      p.once('exit', (code) => reject(new Error(`kiosk exited ${code} before its URL: ${stderr}`)));
    });
    const exited = new Promise<number | null>((resolve) => p.once('exit', (code) => resolve(code)));
    return { p, url, exited, stderr: () => stderr };
  }

  it('opens the printed URL in chromium full screen; when chromium ends, the host stops and the command exits 4', async () => {
    const chromium = fakeChromium('exit');
    const k = start(chromium.path);
    const url = await k.url;
    expect(await k.exited, k.stderr()).toBe(4);
    const args = readFileSync(chromium.argsFile, 'utf8').trim().split('\n');
    expect(args.at(-1)).toBe(url);
    expect(args).toEqual(expect.arrayContaining(['--kiosk', '--ozone-platform=wayland', `--user-data-dir=${join(tmp, 'checkpoint-kiosk-chromium')}`]));
    expect(k.stderr()).toContain('the kiosk browser ended');
  });

  it('a stop signal ends chromium as well, with exit 0', async () => {
    const chromium = fakeChromium('wait');
    const k = start(chromium.path);
    await k.url;
    // Wait for the browser to be running (it writes its arguments first).
    for (let i = 0; i < 200 && !existsSync(chromium.argsFile); i++) await new Promise((r) => setTimeout(r, 25));
    const browserPid = Number(readFileSync(`${chromium.argsFile}.pid`, 'utf8'));
    k.p.kill('SIGTERM');
    expect(await k.exited, k.stderr()).toBe(0);
    // The stand-in browser (exec'd into `sleep`, same pid) is gone too.
    expect(() => process.kill(browserPid, 0)).toThrow(expect.objectContaining({ code: 'ESRCH' }));
  });
});

const notifyTools = isSocatAvailable() && spawnSync('systemd-notify', ['--version']).status === 0;

describe.skipIf(!notifyTools)(`systemd notifications from the host${notifyTools ? '' : ': skipped, needs socat and systemd-notify'}`, () => {
  it('under a unit (NOTIFY_SOCKET, WATCHDOG_USEC) the host says READY=1 with its status, then WATCHDOG=1 keep-alives', async () => {
    const socket = join(tmp, 'notify.sock');
    mkdirSync(tmp, { recursive: true });
    // socat stands in for systemd's notification socket and prints each datagram.
    const receiver = spawn('socat', ['-u', `UNIX-RECV:${socket}`, '-'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let received = '';
    receiver.stdout.on('data', (c: Buffer) => (received += c.toString()));
    for (let i = 0; i < 200 && !existsSync(socket); i++) await new Promise((r) => setTimeout(r, 10));
    const data = mkdtempSync(join(tmp, 'data-'));
    const kiosk = spawn(process.execPath, [join(ROOT, 'bin', 'kiosk.js'), 'start', '--browser', '--sim', '--port', '0', '--data', data], {
      stdio: ['ignore', 'ignore', 'ignore'],
      env: { ...process.env, NOTIFY_SOCKET: socket, WATCHDOG_USEC: '2000000', KIOSK_LOG_LEVEL: 'warn' },
    });
    try {
      const deadline = Date.now() + 20_000;
      while (!(received.includes('READY=1') && received.split('WATCHDOG=1').length > 2) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(received).toMatch(/READY=1\nSTATUS=in service, 0 screenings since start/);
      expect(received.split('WATCHDOG=1').length - 1).toBeGreaterThanOrEqual(2);
    } finally {
      kiosk.kill('SIGTERM');
      receiver.kill('SIGTERM');
      await new Promise((r) => kiosk.once('exit', r));
    }
  }, 40_000);
});
