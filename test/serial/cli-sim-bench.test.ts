import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { IdentityRead } from '../../drivers/idcard/id-card.js';
import { IdCardDriver } from '../../drivers/idcard/idcard-driver.js';
import { SamFrameParser } from '../../drivers/idcard/sam-frame-parser.js';
import type { SamFrame } from '../../drivers/idcard/sam-frame.js';
import { isSocatAvailable } from '../../drivers/sim/pty-pair.js';
import type { ThermoReading } from '../../drivers/thermometer/reading.js';
import { ThermometerDriver } from '../../drivers/thermometer/thermometer-driver.js';
import { SerialLink } from '../../drivers/transport/serial-link.js';
import { nextEvents, ptyDir } from './link-fixtures.js';

/**
 * `kiosk sim` at a bench (issue 8 item 4), as a technician runs it: the built CLI on a pty, the
 * kiosk's drivers on the other end with the real serialport bindings. `--repeat` plays the scenario
 * round after round; in a terminal, keys place and lift the card and bring people. The terminal is
 * util-linux `script` (a pty for the simulator's stdin). Every wait follows an event: a line the
 * simulator prints, an identity or a reading the driver emits.
 */
const root = fileURLToPath(new URL('../..', import.meta.url));
const kiosk = join(root, 'bin', 'kiosk.js');
const socat = isSocatAvailable();
const hasScript = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;

let tmp: ReturnType<typeof ptyDir>;
const cleanups: Array<() => Promise<void> | void> = [];
beforeAll(() => {
  if (!existsSync(join(root, 'dist', 'cli.js'))) throw new Error('dist/cli.js is missing: run `npm run build` first (npm test does)');
  tmp = ptyDir('bench');
});
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
afterAll(() => tmp?.remove());

interface Sim {
  child: ChildProcessWithoutNullStreams;
  /** Everything printed so far (stdout and stderr; through `script` they are one terminal). */
  output: () => string;
  /** Resolves when the output contains `text` (after `from`). */
  printed: (text: string | RegExp, timeoutMs?: number) => Promise<void>;
  exited: Promise<number | null>;
}

function run(command: string, args: string[]): Sim {
  const child = spawn(command, args, { env: { ...process.env, KIOSK_SIM_DIR: tmp.dir } });
  let out = '';
  const waiters = new Set<() => void>();
  const onData = (c: Buffer) => {
    out += c.toString('utf8');
    for (const w of [...waiters]) w();
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  cleanups.push(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
  });
  const printed = (text: string | RegExp, timeoutMs = 30_000) =>
    new Promise<void>((resolve, reject) => {
      const test = () => (typeof text === 'string' ? out.includes(text) : text.test(out));
      const check = () => {
        if (!test()) return;
        clearTimeout(timer);
        waiters.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`kiosk sim did not print ${String(text)} within ${timeoutMs} ms; output:\n${out}`));
      }, timeoutMs);
      waiters.add(check);
      check();
    });
  return { child, output: () => out, printed, exited };
}

/** `kiosk sim ...` in a terminal: util-linux `script` gives it a pty as stdin; keys are written to script's stdin. */
const inTerminal = (simArgs: string[]) => run('script', ['-q', '-e', '-c', [process.execPath, kiosk, 'sim', ...simArgs].map((a) => `'${a}'`).join(' '), '/dev/null']);

async function open<T extends { start(): Promise<void>; stop(): Promise<void> }>(make: (link: SerialLink) => T, path: string, baudRate: number): Promise<{ driver: T; link: SerialLink }> {
  const link = new SerialLink({ path, baudRate, reconnect: { initialDelayMs: 50, maxDelayMs: 250 }, watchdogMs: 5000 });
  const driver = make(link);
  cleanups.push(async () => {
    await driver.stop();
    await link.close();
  });
  await driver.start();
  return { driver, link };
}

/** Resolves at the next SAM reply with this SW3 on the link (frames parsed as the driver parses them). */
function samReply(link: SerialLink, sw3: number, timeoutMs = 30_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const parser = new SamFrameParser();
    const timer = setTimeout(() => {
      link.off('data', feed);
      reject(new Error(`no SAM reply with SW3 ${sw3.toString(16)} within ${timeoutMs} ms`));
    }, timeoutMs);
    const feed = (b: Buffer) => parser.write(b);
    parser.on('data', (f: SamFrame) => {
      if (f.body[2] !== sw3) return;
      clearTimeout(timer);
      link.off('data', feed);
      resolve();
    });
    link.on('data', feed);
  });
}

/** Resolves when the driver is online (now or at its next status). */
function online(driver: { online: boolean; on(e: 'status', l: () => void): unknown; off(e: 'status', l: () => void): unknown }): Promise<void> {
  return new Promise((resolve) => {
    const check = () => {
      if (!driver.online) return;
      driver.off('status', check);
      resolve();
    };
    driver.on('status', check);
    check();
  });
}

/** The next `n` readings that satisfy `pred` (skipping others); rejects after `timeoutMs`. */
function readings(driver: ThermometerDriver, n: number, pred: (r: ThermoReading) => boolean, timeoutMs = 30_000): Promise<ThermoReading[]> {
  return new Promise((resolve, reject) => {
    const got: ThermoReading[] = [];
    const timer = setTimeout(() => {
      driver.off('reading', on);
      reject(new Error(`expected ${n} matching readings within ${timeoutMs} ms, got ${got.length}`));
    }, timeoutMs);
    const on = (r: ThermoReading) => {
      if (!pred(r)) return;
      got.push(r);
      if (got.length < n) return;
      clearTimeout(timer);
      driver.off('reading', on);
      resolve(got);
    };
    driver.on('reading', on);
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const cardReader = (link: SerialLink) => new IdCardDriver({ link, deviceId: 'idcard-bench', pollIntervalMs: 30 });

describe.skipIf(!socat)(`kiosk sim at a bench${socat ? '' : ' (skipped: socat is not installed)'}`, () => {
  it('--repeat: the kiosk reads the card of round after round, the scenario starting when the kiosk speaks', async () => {
    const path = join(tmp.dir, 'idcard-repeat');
    const sim = run(process.execPath, [kiosk, 'sim', 'idcard', '--scenario', 'normal', '--repeat', '--pause', '0.2', '--time-scale', '0.3', '--link', path]);
    await sim.printed(`${path}\n`);
    await sim.printed('waiting for the kiosk to open the port and speak');
    expect(sim.output()).not.toContain('round 1');
    const { driver: reader } = await open(cardReader, path, 115200);
    const reads = await nextEvents<IdentityRead>(reader, 'identity', 3, 30_000);
    expect(reads.map((r) => r.card.idNumber)).toEqual(['11010519491231002X', '11010519491231002X', '11010519491231002X']);
    await sim.printed('round 3: scenario normal starts');
    expect(sim.output()).toMatch(/the kiosk is talking to the device\n[^]*round 1: scenario normal starts\n[^]*round played out; the next starts in 0.2 s\n[^]*round 2/);
    expect(sim.output()).not.toContain('played out; the device stays connected and idle');
  });

  it.skipIf(!hasScript)('keys (idcard): c places a card, l lifts it, c again is a new read; q quits and removes the pty', async () => {
    const path = join(tmp.dir, 'idcard-keys');
    const sim = inTerminal(['idcard', '--link', path]);
    await sim.printed('keys: c card, l lift, r replay, ? help, q quit');
    const { driver: reader, link } = await open(cardReader, path, 115200);
    await online(reader);
    const first = nextEvents<IdentityRead>(reader, 'identity', 1, 30_000);
    sim.child.stdin.write('c');
    await sim.printed('card placed on the reader');
    expect((await first)[0]!.card.idNumber).toBe('11010519491231002X');
    // A card read stays read until it is lifted; lifted and laid down again, it is a new read. The
    // driver counts a card as new only after a find answered 80 since the read (docs/protocols/sam-reader.md §11 item 1):
    // the SAM answers 80 for the card it has read, so wait for that answer before lifting.
    await samReply(link, 0x80);
    const second = nextEvents<IdentityRead>(reader, 'identity', 1, 30_000);
    sim.child.stdin.write('l');
    await sim.printed('card lifted');
    sim.child.stdin.write('c');
    expect((await second)[0]!.card.idNumber).toBe('11010519491231002X');
    sim.child.stdin.write('q');
    expect(await sim.exited).toBe(0);
    expect(sim.output()).toContain('stopped (quit key)');
    expect(existsSync(path)).toBe(false);
  });

  it.skipIf(!hasScript)('keys (thermo): n brings a normal person, f a febrile one, x nobody; the kiosk reads each', async () => {
    const path = join(tmp.dir, 'thermo-keys');
    const sim = inTerminal(['thermo', '--protocol', 'gy-mcu90614', '--link', path]);
    await sim.printed('keys: n normal, f fever, x none, r replay, ? help, q quit');
    const { driver: thermo } = await open((link) => new ThermometerDriver({ link, deviceId: 'thermo-bench', protocol: 'gy-mcu90614' }), path, 9600);
    // Nobody in front: the scene behind (a wall near room temperature). 30 °C lies between it and any skin.
    const empty = await readings(thermo, 3, () => true);
    expect(empty.every((r) => r.objectC < 30)).toBe(true);
    sim.child.stdin.write('n');
    await sim.printed('a person with a normal temperature is in front of the thermometer');
    const normal = await readings(thermo, 5, (r) => r.objectC > 30);
    sim.child.stdin.write('f');
    await sim.printed('a febrile person is in front of the thermometer');
    // Frames already on the wire when the key was pressed may still be the normal person's: take later ones.
    const febrile = (await readings(thermo, 8, (r) => r.objectC > 30)).slice(3);
    expect(median(febrile.map((r) => r.objectC))).toBeGreaterThan(median(normal.map((r) => r.objectC)));
    sim.child.stdin.write('x');
    await sim.printed('nobody in front of the thermometer');
    await readings(thermo, 3, (r) => r.objectC < 30);
    sim.child.stdin.write('q');
    expect(await sim.exited).toBe(0);
  });
});
