/**
 * Decode cost of one 1295-byte read-base reply (SamFrameParser + reply split + text decode), as a
 * ratio to its wire time at 115200 8N1: 1295 bytes × 10 bits / 115200 = 112.4 ms. Goal < 1 %.
 * The frame arrives in 64-byte chunks, as a USB-serial adapter delivers it.
 */
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { buildReadBaseReply } from '../drivers/idcard/card-text-encoder.js';
import { decodeReadBasePayload } from '../drivers/idcard/read-base-reply.js';
import { SamFrameParser } from '../drivers/idcard/sam-frame-parser.js';
import type { SamFrame } from '../drivers/idcard/sam-frame.js';
import { decodeSamResponse } from '../drivers/idcard/sam-response.js';
import { SAMPLE_CARDS } from '../test/fixtures/idcard/sample-cards.js';
import type { BenchResult } from './bench-result.js';
import { summarize } from './sample-statistics.js';

const BAUD = 115200;
const CHUNK = 64;

export async function run(): Promise<BenchResult> {
  const frames = SAMPLE_CARDS.map((c) => buildReadBaseReply(c));
  const chunked = frames.map((f) => {
    const parts: Buffer[] = [];
    for (let i = 0; i < f.length; i += CHUNK) parts.push(f.subarray(i, i + CHUNK));
    return parts;
  });
  const parser = new SamFrameParser();
  let last: SamFrame | undefined;
  parser.on('data', (f: SamFrame) => {
    last = f;
  });
  let sink = 0;
  const decodeOne = (parts: Buffer[]) => {
    for (const p of parts) parser.feed(p);
    const r = decodeSamResponse(last!)!;
    const { card } = decodeReadBasePayload(r.data, 'read-base');
    sink += card.idNumber.length;
  };

  for (let i = 0; i < 2000; i++) decodeOne(chunked[i % chunked.length]!); // warm-up
  const samples: number[] = [];
  const N = 20_000;
  for (let i = 0; i < N; i++) {
    const t0 = performance.now();
    decodeOne(chunked[i % chunked.length]!);
    samples.push(performance.now() - t0);
  }
  if (sink === 0) throw new Error('nothing decoded');
  const p = summarize(samples);
  const wireMs = (1295 * 10 * 1000) / BAUD;
  const ratioMedian = (p.p50 / wireMs) * 100;
  const ratioP99 = (p.p99 / wireMs) * 100;
  const round = (x: number, d: number) => Number(x.toFixed(d));
  return {
    scope: 'In the bench process, no I/O: a 1295-byte read-base reply fed in 64-byte chunks to SamFrameParser, then the reply split and the card text decoded (the driver\'s decode path), after 2,000 frames of warm-up; compared with the frame\'s wire time at 115200 8N1. Excludes: the serial port, the driver\'s command exchange (see serial-latency).',
    figures: {
      'decode per frame, p50': { value: round(p.p50 * 1000, 1), unit: 'µs', samples: p.n },
      'decode per frame, p99': { value: round(p.p99 * 1000, 1), unit: 'µs', samples: p.n },
      'wire time of the frame at 115200 8N1': { value: round(wireMs, 1), unit: 'ms' },
      'decode / wire time, p50': { value: round(ratioMedian, 4), unit: '%', goal: '< 1 %', met: ratioMedian < 1 },
      'decode / wire time, p99': { value: round(ratioP99, 4), unit: '%', goal: '< 1 %', met: ratioP99 < 1 },
    },
    notes: { loadAverage1m: loadavg()[0], frames: N, chunkBytes: CHUNK, cardTypes: SAMPLE_CARDS.map((c) => c.type) },
  };
}
