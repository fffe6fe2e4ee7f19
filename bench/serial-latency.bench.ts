/**
 * Serial latency and poll jitter per protocol (issue 14 item 7), device in its own process: the
 * project's simulator (bench/rig/sim-child.ts) behind a socat pseudo-terminal stamps each reply
 * when the write of its last byte completed in its own process (before socat relays it); the
 * kiosk's driver, built from a configuration exactly as the host builds it (device-drivers.ts:
 * SerialLink with the real serialport bindings at the protocol's default line speed, the
 * protocol's decoder), runs in the bench process, which does nothing else, and stamps its
 * `reading` / `identity` event. Both stamps read the machine's monotonic clock.
 *
 * - Thermometers: GY-MCU90614 streaming (10 frames/s), Optris CT and Raytek-style ASCII queried
 *   (poll 200 ms, the default), ASCII module lines streaming (10/s). Last byte → reading; jitter
 *   of the poll as the device sees the queries arrive (query modes) or of the readings as the
 *   driver delivers them (streams): the spread of the intervals around their median.
 * - SAM reader: read-base reply (1295 bytes) last byte → identity decoded, distinct cards laid and
 *   lifted one after another. The simulator's own delays before it answers are cut to 0.1 (they
 *   come before the clock starts) and the reader polls every 100 ms, to gather samples quickly.
 *
 * KIOSK_BENCH_SERIAL_SAMPLES (default 300; smoke 30) per device after 50 (smoke 5) of warm-up.
 */
import { join } from 'node:path';
import type { IdentityRead } from '../drivers/idcard/id-card.js';
import type { ThermoDecoded, ThermoProtocol, ThermoReading } from '../drivers/thermometer/reading.js';
import { createThermoDecoder } from '../drivers/thermometer/thermo-decoder.js';
import { isSocatAvailable } from '../drivers/sim/pty-pair.js';
import { parseKioskConfig, type KioskConfig } from '../main/config/kiosk-config.js';
import { asciiOptionsOf, idcardReaderFor, serialLinkFor, thermometerDriverFor } from '../main/host/device-drivers.js';
import type { BenchContext, BenchResult, Figure } from './bench-result.js';
import { monotonicMs } from './rig/monotonic-ms.js';
import type { SimEvent } from './rig/rig-messages.js';
import { SimProcess } from './rig/sim-process.js';
import { PLAIN_MIX, syntheticPerson } from './rig/synthetic-people.js';
import { round, summarize, type Summary } from './sample-statistics.js';

interface ThermoCase {
  label: string;
  protocol: ThermoProtocol;
  asciiQuery?: string;
  /** What the jitter is of: queries arriving at the device, or readings reaching the driver. */
  jitterOf: 'queries' | 'readings';
}

const CASES: ThermoCase[] = [
  { label: 'GY-MCU90614 stream @9600', protocol: 'gy-mcu90614', jitterOf: 'readings' },
  { label: 'Optris CT query @115200', protocol: 'optris-ct', jitterOf: 'queries' },
  { label: 'ASCII Raytek ?T query @9600', protocol: 'ascii', asciiQuery: '?T\r', jitterOf: 'queries' },
  { label: 'ASCII module line stream @9600', protocol: 'ascii', jitterOf: 'readings' },
];

function config(devices: Record<string, unknown>): KioskConfig {
  const r = parseKioskConfig({ checkpoint: { id: 'bench', name: 'bench' }, devices });
  if (!r.ok) throw new Error(r.problems.join('\n'));
  return r.config;
}

/** The spread of intervals around their median: |interval − median|. */
function jitter(times: number[]): { interval: Summary; deviation: Summary } | null {
  if (times.length < 3) return null;
  const intervals = times.slice(1).map((t, i) => t - times[i]!);
  const interval = summarize(intervals);
  return { interval, deviation: summarize(intervals.map((x) => Math.abs(x - interval.p50))) };
}

/** Decodes what the device wrote, in order, each reading stamped with the write that completed it. */
async function framesWritten(protocol: ThermoProtocol, cfg: KioskConfig, writes: Array<{ atMs: number; bytes: Uint8Array }>): Promise<Array<{ atMs: number; objectC: number }>> {
  const ascii = asciiOptionsOf(cfg.devices.thermometer);
  const decoder = createThermoDecoder(protocol, ascii ? { ascii } : {});
  const out: Array<{ atMs: number; objectC: number }> = [];
  let current = 0;
  decoder.on('data', (d: ThermoDecoded) => {
    if (d.kind === 'reading') out.push({ atMs: current, objectC: d.objectC });
  });
  for (const w of writes) {
    current = w.atMs;
    decoder.write(Buffer.from(w.bytes));
    await new Promise((r) => setImmediate(r));
  }
  decoder.destroy();
  return out;
}

/**
 * Pairs each reading with the earliest frame of the same value written before it, in order (frames
 * skipped were never read: written before the port was open, or lost). Latency per reading, or
 * null when no frame matches.
 */
function pair(frames: Array<{ atMs: number; objectC: number }>, readings: Array<{ atMs: number; objectC: number }>): { latencies: Array<number | null>; skipped: number } {
  const latencies: Array<number | null> = [];
  let j = 0;
  let skipped = 0;
  for (const r of readings) {
    let k = j;
    while (k < frames.length && !(frames[k]!.objectC === r.objectC && frames[k]!.atMs <= r.atMs)) k++;
    if (k === frames.length) {
      latencies.push(null);
      continue;
    }
    skipped += k - j;
    latencies.push(r.atMs - frames[k]!.atMs);
    j = k + 1;
  }
  return { latencies, skipped };
}

async function thermometerCase(c: ThermoCase, ctx: BenchContext, samples: number, warmup: number) {
  const sim = await SimProcess.start({ kind: 'thermo', hostPath: join(ctx.dir, `thermo-${c.protocol}${c.asciiQuery ? '-q' : ''}`), protocol: c.protocol, ...(c.asciiQuery && { asciiQuery: c.asciiQuery }), stampAll: true, seed: 3 }, join(ctx.dir, 'sim.log'));
  const cfg = config({ thermometer: { source: 'serial', path: sim.hostPath, protocol: c.protocol, ...(c.asciiQuery && { ascii: { query: c.asciiQuery } }) } });
  const writes: Array<{ atMs: number; bytes: Uint8Array }> = [];
  const queries: number[] = [];
  sim.on('event', (e: SimEvent) => {
    if (e.type === 'written') writes.push(e);
    if (e.type === 'received') queries.push(e.atMs);
  });
  const link = serialLinkFor(cfg.devices.thermometer, 'thermometer');
  const driver = thermometerDriverFor(cfg.devices.thermometer, link);
  const readings: Array<{ atMs: number; objectC: number }> = [];
  let firstAt = 0;
  const enough = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${c.label}: ${readings.length} readings in 10 min`)), 600_000);
    driver.on('reading', (r: ThermoReading) => {
      readings.push({ atMs: monotonicMs(), objectC: r.objectC });
      if (readings.length === warmup) firstAt = readings[readings.length - 1]!.atMs;
      if (readings.length >= warmup + samples) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  const problems: string[] = [];
  driver.on('problem', (p) => problems.push(p.code));
  sim.present('normal');
  await driver.start();
  await enough;
  const lastAt = readings[readings.length - 1]!.atMs;
  await driver.stop();
  await link.close();
  await sim.stop();

  const frames = await framesWritten(c.protocol, cfg, writes);
  const paired = pair(frames, readings);
  const latencies = paired.latencies.filter((l, i): l is number => l !== null && readings[i]!.atMs >= firstAt);
  const unmatched = paired.latencies.filter((l) => l === null).length;
  const measured = readings.filter((r) => r.atMs >= firstAt);
  const j = jitter(c.jitterOf === 'queries' ? queries.filter((t) => t >= firstAt && t <= lastAt) : measured.map((r) => r.atMs));
  return { latency: summarize(latencies), jitter: j, unmatched, lostFrames: paired.skipped, problems, readings: readings.length, framesWritten: frames.length };
}

async function samCase(ctx: BenchContext, samples: number, warmup: number) {
  const sim = await SimProcess.start({ kind: 'idcard', hostPath: join(ctx.dir, 'idcard'), timeScale: 0.1 }, join(ctx.dir, 'sim.log'));
  const cfg = config({ idcard: { source: 'serial', path: sim.hostPath, sam: { pollIntervalMs: 100 } } });
  const link = serialLinkFor(cfg.devices.idcard, 'idcard');
  const reader = idcardReaderFor(cfg.devices.idcard, link);
  const problems: string[] = [];
  reader.on('problem', (p) => problems.push(p.code));
  let onIdentity: ((at: number) => void) | null = null;
  reader.on('identity', (_r: IdentityRead) => onIdentity?.(monotonicMs()));
  await reader.start();
  const latencies: number[] = [];
  let missing = 0;
  try {
    for (let i = 0; i < warmup + samples; i++) {
      const identity = new Promise<number>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`card ${i}: no identity within 10 s`)), 10_000);
        onIdentity = (at) => {
          clearTimeout(t);
          resolve(at);
        };
      });
      const tapAt = await sim.place(syntheticPerson(i, PLAIN_MIX).card);
      const at = await identity;
      const written = sim.frameAfter('read-base', tapAt);
      if (written === null) missing++;
      else if (i >= warmup) latencies.push(at - written);
      const liftedAt = await sim.lift();
      // The reader must see the card gone (find answered 80) before the next card can be read.
      while (sim.frameAfter('no-card', liftedAt) === null) await new Promise((r) => setTimeout(r, 20));
    }
  } finally {
    await reader.stop();
    await link.close();
    await sim.stop();
  }
  return { latency: summarize(latencies), missing, problems };
}

export async function run(ctx: BenchContext): Promise<BenchResult> {
  if (!isSocatAvailable()) throw new Error('socat is not installed: no pseudo-terminal pair can be made (apt-get install socat)');
  const samples = Number(process.env.KIOSK_BENCH_SERIAL_SAMPLES ?? (ctx.smoke ? 30 : 300));
  const warmup = ctx.smoke ? 5 : 50;
  const figures: Record<string, Figure> = {};
  const notes: Record<string, unknown> = { samplesPerDevice: samples, warmup };
  const add = (key: string, s: Summary, digits = 3) => {
    figures[`${key}, p50`] = { value: round(s.p50, digits), unit: 'ms', samples: s.n };
    figures[`${key}, p99`] = { value: round(s.p99, digits), unit: 'ms', samples: s.n };
    figures[`${key}, max`] = { value: round(s.max, digits), unit: 'ms', samples: s.n };
  };
  for (const c of CASES) {
    process.stderr.write(`  ${c.label}...\n`);
    const r = await thermometerCase(c, ctx, samples, warmup);
    add(`${c.label}: last byte written → reading`, r.latency);
    if (r.jitter) {
      figures[`${c.label}: ${c.jitterOf === 'queries' ? 'poll interval (queries at the device)' : 'reading interval (at the driver)'}, p50`] = { value: round(r.jitter.interval.p50, 2), unit: 'ms', samples: r.jitter.interval.n };
      figures[`${c.label}: jitter |interval − p50|, p99`] = { value: round(r.jitter.deviation.p99, 2), unit: 'ms', samples: r.jitter.deviation.n };
      figures[`${c.label}: jitter |interval − p50|, max`] = { value: round(r.jitter.deviation.max, 2), unit: 'ms', samples: r.jitter.deviation.n };
    }
    notes[c.label] = { readings: r.readings, framesWritten: r.framesWritten, unmatchedReadings: r.unmatched, framesNotRead: r.lostFrames, problems: r.problems, interval: r.jitter?.interval };
  }
  process.stderr.write('  SAM read-base...\n');
  const sam = await samCase(ctx, Math.max(10, Math.round(samples)), ctx.smoke ? 2 : 20);
  add('SAM read-base (1295 bytes) last byte written → identity decoded', sam.latency);
  notes.sam = { cardsWithoutStampedReply: sam.missing, problems: sam.problems, simulatorTimeScale: 0.1, pollIntervalMs: 100 };
  return {
    scope:
      'Device simulator in its own process behind a socat pseudo-terminal; the clock starts when the write of the reply\'s last byte completed in that process (before socat relays it) ' +
      'and stops at the driver\'s event in the bench process (real serialport bindings, SerialLink, the protocol\'s parser and decoder; nothing else runs there). ' +
      'Includes: the kernel pty layers and the socat relay, the bindings\' poll and read, parsing, decoding. Excludes: wire time at the line speed and USB-serial adapter latency ' +
      '(a pty delivers at once; an FTDI-style adapter may hold bytes up to its latency timer), the host\'s other work (see screening.bench for the stages inside the running kiosk).',
    figures,
    notes,
  };
}
