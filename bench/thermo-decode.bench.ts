/**
 * Decode cost of one thermometer frame through the same decoder the driver uses
 * (createThermoDecoder), as a ratio to the frame's wire time (8N1 = 10 bits per byte). Goal < 1 %.
 *
 * | Frame                         | Bytes | Baud   | Wire time |
 * |-------------------------------|-------|--------|-----------|
 * | GY-MCU90614 `5A 5A 45 04 ...` | 9     | 9600   | 9.375 ms  |
 * | Optris CT reply `05 55`       | 2     | 115200 | 0.174 ms  |
 * | ASCII line `!T36.5\r\n`       | 8     | 9600   | 8.333 ms  |
 *
 * GY and ASCII: each sample writes one frame into the stream decoder the driver uses and waits
 * until the decoded reading comes out (stream scheduling included): what the driver pays per frame.
 * Optris: the driver frames replies by request and decodes them with `optrisReading` (no stream),
 * so that is what the goal is measured on (one call per sample); the stream path the CLI uses is reported as well, for information.
 */
import { performance } from 'node:perf_hooks';
import type { ThermoDecoded, ThermoProtocol } from '../drivers/thermometer/reading.js';
import { optrisReading } from '../drivers/thermometer/optris-ct-codec.js';
import { OPTRIS_CT_LT_RANGE } from '../drivers/thermometer/rated-range.js';
import { createThermoDecoder } from '../drivers/thermometer/thermo-decoder.js';
import type { BenchResult, Figure } from './bench-result.js';
import { summarize } from './sample-statistics.js';

interface Case {
  label: string;
  protocol: ThermoProtocol;
  frames: Buffer[];
  baud: number;
}

const gyFrame = (objectRaw: number) => {
  const f = Buffer.from([0x5a, 0x5a, 0x45, 0x04, 0, 0, 0x09, 0xc4, 0]);
  f.writeInt16BE(objectRaw, 4);
  f[8] = f.subarray(0, 8).reduce((a, b) => a + b, 0) & 0xff;
  return f;
};

const CASES: Case[] = [
  { label: 'GY 9-byte frame @9600', protocol: 'gy-mcu90614', baud: 9600, frames: [3431, 3456, 3480, 2590].map(gyFrame) },
  { label: 'Optris 2-byte reply @115200', protocol: 'optris-ct', baud: 115200, frames: ['0555', '0557', '04D3'].map((h) => Buffer.from(h, 'hex')) },
  { label: 'ASCII line @9600', protocol: 'ascii', baud: 9600, frames: ['!T36.5\r\n', '!T34.4\r\n', '!T25.9\r\n'].map((s) => Buffer.from(s, 'latin1')) },
];

async function measure(c: Case, n: number): Promise<number[]> {
  const decoder = createThermoDecoder(c.protocol);
  let wake: (() => void) | undefined;
  let readings = 0;
  decoder.on('data', (d: ThermoDecoded) => {
    if (d.kind !== 'reading') throw new Error(`bench frame did not decode: ${d.message}`);
    readings += 1;
    wake?.();
  });
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const frame = c.frames[i % c.frames.length]!;
    const t0 = performance.now();
    const out = new Promise<void>((resolve) => (wake = resolve));
    decoder.write(frame);
    await out;
    samples.push(performance.now() - t0);
  }
  if (readings !== n) throw new Error(`${c.label}: ${readings} readings for ${n} frames`);
  decoder.destroy();
  return samples;
}

/** The driver's Optris path: one optrisReading call per sample. */
function measureOptrisDriverPath(frames: Buffer[], n: number): number[] {
  const samples: number[] = [];
  let sink = 0;
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const d = optrisReading(frames[i % frames.length]!, undefined, OPTRIS_CT_LT_RANGE);
    samples.push(performance.now() - t0);
    if (d.kind === 'reading') sink += d.objectC;
  }
  if (sink === 0) throw new Error('nothing decoded');
  return samples;
}

export async function run(): Promise<BenchResult> {
  const figures: Record<string, Figure> = {};
  const round = (x: number, d: number) => Number(x.toFixed(d));
  const notes: Record<string, unknown> = {};
  for (const c of CASES) {
    await measure(c, 5_000); // warm-up
    const N = 50_000;
    const viaStream = c.protocol === 'optris-ct';
    const streamP = summarize(await measure(c, N));
    if (viaStream) {
      figures[`${c.label}: via stream decoder (CLI path) p50`] = { value: round(streamP.p50 * 1000, 2), unit: 'µs' };
      figures[`${c.label}: via stream decoder (CLI path) p99`] = { value: round(streamP.p99 * 1000, 2), unit: 'µs' };
      measureOptrisDriverPath(c.frames, 2_000); // warm-up
    }
    const p = viaStream ? summarize(measureOptrisDriverPath(c.frames, 50_000)) : streamP;
    const wireMs = ((c.frames[0]!.length * 10) / c.baud) * 1000;
    const ratioMedian = (p.p50 / wireMs) * 100;
    const ratioP99 = (p.p99 / wireMs) * 100;
    figures[`${c.label}: decode p50`] = { value: round(p.p50 * 1000, 2), unit: 'µs' };
    figures[`${c.label}: decode p99`] = { value: round(p.p99 * 1000, 2), unit: 'µs' };
    figures[`${c.label}: wire time`] = { value: round(wireMs, 3), unit: 'ms' };
    figures[`${c.label}: decode/wire p50`] = { value: round(ratioMedian, 4), unit: '%', goal: '< 1 %', met: ratioMedian < 1 };
    figures[`${c.label}: decode/wire p99`] = { value: round(ratioP99, 4), unit: '%', goal: '< 1 %', met: ratioP99 < 1 };
    notes[c.label] = { samples: N, bytes: c.frames[0]!.length, baud: c.baud };
  }
  return {
    scope: 'In the bench process, no I/O: one frame at a time through the decoder the driver uses (GY and ASCII: the stream decoder, waiting for its output; Optris: optrisReading per reply, as the driver frames replies by request), after 5,000 frames of warm-up; compared with the frame\'s wire time at the protocol\'s default line speed. Excludes: the serial port and the driver (see serial-latency).',
    figures,
    notes,
  };
}
