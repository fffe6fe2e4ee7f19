/**
 * Serial read latency: the last byte of a read-base reply (1295 bytes) written to a pseudo-terminal
 * → the decoded `identity` event of an IdCardDriver on a SerialLink (real serialport bindings,
 * kernel tty layer, socat relay, SAM frame parser, card text decoder).
 *
 * The device side is a minimal SAM written here over the project's frame functions, so the clock
 * starts exactly after the write callback of the whole reply (data handed to the OS) and stops in
 * the identity listener. Each round: place the card → find 9F → select 90 → read → identity →
 * find 80 (lifted) → place again.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SerialPort } from 'serialport';
import { buildReadBaseReply } from '../drivers/idcard/card-text-encoder.js';
import { IdCardDriver } from '../drivers/idcard/idcard-driver.js';
import { buildSamFrame, type SamFrame } from '../drivers/idcard/sam-frame.js';
import { SamFrameParser } from '../drivers/idcard/sam-frame-parser.js';
import { SW3 } from '../drivers/idcard/sw3.js';
import { SAM_DEFAULT_BAUD } from '../drivers/sim/create-simulator.js';
import { DEFAULT_SIM_CARD } from '../drivers/sim/idcard-simulator.js';
import { isSocatAvailable, PtyPair } from '../drivers/sim/pty-pair.js';
import { SerialLink } from '../drivers/transport/serial-link.js';
import { percentiles, type BenchResult } from './bench-result.js';

const READS = 200;

export async function run(): Promise<BenchResult> {
  if (!isSocatAvailable()) return { figures: {}, notes: { skipped: 'socat is not installed: no pseudo-terminal pair can be made' } };

  const dir = mkdtempSync(join(tmpdir(), 'kiosk-bench-'));
  const pair = await PtyPair.start({ linkA: join(dir, 'sam'), linkB: join(dir, 'host') });
  const sam = new SerialPort({ path: pair.linkA, baudRate: SAM_DEFAULT_BAUD, autoOpen: false });
  await new Promise<void>((resolve, reject) => sam.open((err) => (err ? reject(err) : resolve())));

  const reply = buildReadBaseReply(DEFAULT_SIM_CARD);
  const samples: number[] = [];
  let writtenAt = 0;
  /** Read replies whose write callback has fired; an identity must never come before its own. */
  let repliesWritten = 0;
  let identityBeforeWriteCallback = 0;
  let cardPresent = true;
  let found = false;
  let read = false;

  const send = (frame: Buffer, after?: () => void) => sam.write(frame, () => after?.());
  const status = (sw3: number) => send(buildSamFrame([0x00, 0x00, sw3]));
  const parser = new SamFrameParser();
  sam.pipe(parser);
  parser.on('data', (frame: SamFrame) => {
    const command = frame.body.subarray(0, 2).toString('hex');
    switch (command) {
      case '11ff':
        return status(SW3.SUCCESS);
      case '12ff':
        return send(buildSamFrame([0x00, 0x00, SW3.SUCCESS, ...new Uint8Array(16)]));
      case '2001':
        if (cardPresent && !read) {
          found = true;
          return send(buildSamFrame([0x00, 0x00, SW3.CARD_FOUND, 0, 0, 0, 0]));
        }
        if (read) {
          // The driver has now seen the card lifted (find 80): put it back for the next round.
          read = false;
          cardPresent = samples.length < READS;
        }
        return status(SW3.NO_CARD);
      case '2002':
        return found ? send(buildSamFrame([0x00, 0x00, SW3.SUCCESS, 0, 0, 0, 0, 0, 0, 0, 0])) : status(SW3.SELECT_FAILED);
      case '3001':
        found = false;
        read = true;
        return send(reply, () => {
          writtenAt = performance.now();
          repliesWritten++;
        });
      default:
        return status(SW3.UNKNOWN_COMMAND);
    }
  });

  const link = new SerialLink({ path: pair.linkB, baudRate: SAM_DEFAULT_BAUD });
  const driver = new IdCardDriver({ link, deviceId: 'bench', pollIntervalMs: 5, statusCheckEveryMs: 60_000 });
  const finished = new Promise<void>((resolve) => {
    driver.on('identity', () => {
      const now = performance.now();
      if (repliesWritten !== samples.length + identityBeforeWriteCallback + 1) {
        identityBeforeWriteCallback++; // no honest start time for this one: not sampled
        return;
      }
      samples.push(now - writtenAt);
      if (samples.length >= READS) resolve();
    });
  });
  const problems: string[] = [];
  driver.on('problem', (p) => problems.push(p.code));

  const startedAt = performance.now();
  await driver.start();
  await finished;
  const elapsedMs = performance.now() - startedAt;
  await driver.stop();
  await link.close();
  await new Promise<void>((resolve) => sam.close(() => resolve()));
  await pair.stop();
  rmSync(dir, { recursive: true, force: true });

  const p = percentiles(samples);
  const round = (ms: number) => Math.round(ms * 1000) / 1000;
  return {
    figures: {
      'read-base last byte → identity, median': { value: round(p.median), unit: 'ms' },
      'read-base last byte → identity, p99': { value: round(p.p99), unit: 'ms' },
      'read-base last byte → identity, max': { value: round(p.max), unit: 'ms' },
    },
    notes: {
      reads: samples.length,
      identityBeforeWriteCallback,
      replyBytes: reply.length,
      problems,
      elapsedMs: Math.round(elapsedMs),
      path: 'write callback on the device pty → socat → host pty → SerialLink → SamFrameParser → card text decode → identity',
    },
  };
}
