import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { SerialPort } from 'serialport';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildSamFrame, verifySamFrame } from '../../drivers/idcard/sam-frame.js';
import { isSocatAvailable, PtyPair } from '../../drivers/sim/pty-pair.js';
import { GY_FRAME_HEADER, GY_FRAME_LENGTH, gyChecksum } from '../../drivers/thermometer/gy-mcu90614-parser.js';
import { ptyDir } from './link-fixtures.js';

/** `kiosk ports` and `kiosk sim` as a technician runs them: `node bin/kiosk.js` (built by `npm test`). */
const root = fileURLToPath(new URL('../..', import.meta.url));
const kiosk = join(root, 'bin', 'kiosk.js');
const socat = isSocatAvailable();

let tmp: ReturnType<typeof ptyDir>;
const running: ChildProcessWithoutNullStreams[] = [];
const openPorts: SerialPort[] = [];

beforeAll(() => {
  if (!existsSync(join(root, 'dist', 'cli.js'))) throw new Error('dist/cli.js is missing: run `npm run build` first (npm test does)');
  tmp = ptyDir('cli');
});
afterEach(async () => {
  await Promise.all(openPorts.splice(0).map((p) => new Promise<void>((resolve) => (p.isOpen ? p.close(() => resolve()) : resolve()))));
  for (const child of running.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    }
  }
});
afterAll(() => tmp?.remove());

const env = () => ({ ...process.env, KIOSK_SIM_DIR: tmp.dir });

function runKiosk(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [kiosk, ...args], { env: env(), encoding: 'utf8', timeout: 30_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Starts `kiosk sim ...` and resolves with the first stdout line (the port to open). */
async function startSim(args: string[]): Promise<{ child: ChildProcessWithoutNullStreams; path: string; stderr: () => string }> {
  const child = spawn(process.execPath, [kiosk, 'sim', ...args], { env: env() });
  running.push(child);
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const lines = createInterface({ input: child.stdout });
  const path = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`kiosk sim printed no path within 20 s; stderr: ${stderr}`)), 20_000);
    lines.once('line', (line) => {
      clearTimeout(timer);
      resolve(line);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`kiosk sim exited with ${code} before printing a path; stderr: ${stderr}`));
    });
  });
  return { child, path, stderr: () => stderr };
}

async function openPort(path: string, baudRate: number): Promise<SerialPort> {
  const port = new SerialPort({ path, baudRate, autoOpen: false });
  openPorts.push(port);
  await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
  return port;
}

/** Collects bytes from a port until `done` says enough. */
function readUntil(port: SerialPort, done: (all: Buffer) => boolean, timeoutMs = 20_000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let all = Buffer.alloc(0);
    const timer = setTimeout(() => {
      port.off('data', on);
      reject(new Error(`expected bytes did not arrive within ${timeoutMs} ms; got ${all.toString('hex')}`));
    }, timeoutMs);
    const on = (chunk: Buffer) => {
      all = Buffer.concat([all, chunk]);
      if (!done(all)) return;
      clearTimeout(timer);
      port.off('data', on);
      resolve(all);
    };
    port.on('data', on);
  });
}

/** Every complete GY frame with a valid checksum in a byte stream. */
function validGyFrames(bytes: Buffer): Buffer[] {
  const frames: Buffer[] = [];
  for (let i = bytes.indexOf(GY_FRAME_HEADER); i >= 0 && i + GY_FRAME_LENGTH <= bytes.length; i = bytes.indexOf(GY_FRAME_HEADER, i + 1)) {
    const frame = bytes.subarray(i, i + GY_FRAME_LENGTH);
    if (gyChecksum(frame) === frame[GY_FRAME_LENGTH - 1]) frames.push(frame);
  }
  return frames;
}

/**
 * Frames of a thermometer facing an empty scene indoors: object and ambient (signed 0.01 °C,
 * big-endian, docs/protocols/gy-mcu90614.md §2) at room temperature, between 10 and 40 °C.
 */
function expectRoomScene(frames: Buffer[]): void {
  for (const f of frames) {
    expect(f.readInt16BE(4) / 100, f.toString('hex')).toBeGreaterThan(10);
    expect(f.readInt16BE(4) / 100, f.toString('hex')).toBeLessThan(40);
    expect(f.readInt16BE(6) / 100, f.toString('hex')).toBeGreaterThan(10);
    expect(f.readInt16BE(6) / 100, f.toString('hex')).toBeLessThan(40);
  }
}

describe('kiosk ports', () => {
  it('lists ports as JSON lines without failing, whatever udev can do here', () => {
    const r = runKiosk(['ports', '--json', '--no-sim']);
    expect(r.status, r.stderr).toBe(0);
    for (const line of r.stdout.split('\n').filter(Boolean)) {
      const port = JSON.parse(line) as { path: string; source: string };
      expect(typeof port.path).toBe('string');
      expect(['udev', 'sysfs', 'configured']).toContain(port.source);
    }
  });

  it('prints a table by default and rejects unknown options with exit 2', () => {
    const table = runKiosk(['ports', '--no-sim']);
    expect(table.status).toBe(0);
    expect(table.stdout.split('\n')[0]).toMatch(/^(PATH\s+USB ID\s+SERIAL|no serial ports found)/);
    const bad = runKiosk(['ports', '--jsn']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/kiosk ports: .*--jsn/);
  });
});

describe('kiosk sim: bad input', () => {
  it('an unknown scenario exits 2 with one line listing the valid ones', () => {
    const r = runKiosk(['sim', 'thermo', '--scenario', 'sunny']);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('unknown scenario "sunny"; valid scenarios: normal, fever, no-card, card-left, garbage, bad-checksum, unplug, slow');
  });

  it('an unknown protocol or device kind exits 2 naming the valid ones', () => {
    const p = runKiosk(['sim', 'thermo', '--scenario', 'normal', '--protocol', 'modbus']);
    expect(p.status).toBe(2);
    expect(p.stderr).toContain('unknown protocol "modbus"; valid protocols: gy-mcu90614, optris-ct, ascii');
    const k = runKiosk(['sim', 'scale', '--scenario', 'normal']);
    expect(k.status).toBe(2);
    expect(k.stderr).toMatch(/idcard\|thermo/);
  });
});

describe.skipIf(!socat)('kiosk sim --pty' + (socat ? '' : ' (skipped: socat is not installed)'), () => {
  it('thermo: prints a path that exists, real GY frames arrive on it, ports lists it, SIGTERM cleans up', async () => {
    const link = join(tmp.dir, 'thermo-a');
    const sim = await startSim(['thermo', '--scenario', 'normal', '--protocol', 'gy-mcu90614', '--pty', '--link', link, '--time-scale', '0.2']);
    expect(sim.path).toBe(link);
    expect(existsSync(sim.path)).toBe(true);

    const port = await openPort(sim.path, 9600);
    const bytes = await readUntil(port, (all) => validGyFrames(all).length >= 3);
    expectRoomScene(validGyFrames(bytes));

    const listed = runKiosk(['ports', '--json']);
    expect(listed.status).toBe(0);
    const paths = listed.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { path: string; source: string });
    expect(paths).toContainEqual({ path: link, source: 'configured' });
    expect(paths.some((p) => p.path.endsWith('.device'))).toBe(false);

    await new Promise<void>((resolve) => port.close(() => resolve()));
    const exited = new Promise<number | null>((resolve) => sim.child.once('exit', (code) => resolve(code)));
    sim.child.kill('SIGTERM');
    expect(await exited, `kiosk sim stderr: ${sim.stderr()}`).toBe(0);
    expect(existsSync(link)).toBe(false);
    expect(existsSync(`${link}.device`)).toBe(false);
    expect(sim.stderr()).toContain('stopped (SIGTERM)');
  });

  it('idcard: answers a real SAM status command with a valid frame (SW3 90)', async () => {
    const sim = await startSim(['idcard', '--scenario', 'no-card', '--link', join(tmp.dir, 'idcard-a')]);
    const port = await openPort(sim.path, 115200);
    const reply = readUntil(port, (all) => all.length >= 7 && all.length >= 7 + all.readUInt16BE(5));
    port.write(buildSamFrame([0x11, 0xff]));
    const frame = verifySamFrame(await reply);
    expect('error' in frame).toBe(false);
    if (!('error' in frame)) expect([...frame.body]).toEqual([0x00, 0x00, 0x90]);
  });

  it('refuses a link path another simulator is using', async () => {
    const link = join(tmp.dir, 'shared');
    await startSim(['thermo', '--scenario', 'normal', '--link', link]);
    const second = runKiosk(['sim', 'thermo', '--scenario', 'normal', '--link', link]);
    expect(second.status).toBe(1);
    expect(second.stderr).toContain(`${link} is in use`);
  });

  it('--port PATH: runs on an existing port (a pty pair stands in for a null-modem cable)', async () => {
    const cable = await PtyPair.start({ linkA: join(tmp.dir, 'cable-sim'), linkB: join(tmp.dir, 'cable-kiosk') });
    try {
      const sim = await startSim(['thermo', '--scenario', 'normal', '--port', cable.linkA, '--time-scale', '0.2']);
      expect(sim.path).toBe(cable.linkA);
      const port = await openPort(cable.linkB, 9600);
      const bytes = await readUntil(port, (all) => validGyFrames(all).length >= 3);
      expectRoomScene(validGyFrames(bytes));
      const exited = new Promise<number | null>((resolve) => sim.child.once('exit', (code) => resolve(code)));
      sim.child.kill('SIGINT');
      expect(await exited, `kiosk sim stderr: ${sim.stderr()}`).toBe(0);
      expect(existsSync(cable.linkA)).toBe(true); // a port it did not create is left alone
    } finally {
      await Promise.all(openPorts.splice(0).map((p) => new Promise<void>((resolve) => (p.isOpen ? p.close(() => resolve()) : resolve()))));
      await cable.stop();
    }
  });
});
