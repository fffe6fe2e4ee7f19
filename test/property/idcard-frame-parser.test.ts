import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SamFrame } from '../../drivers/idcard/sam-frame.js';
import { SamFrameParser } from '../../drivers/idcard/sam-frame-parser.js';
import { referenceChecksumOk, referenceReadBaseReply, referenceSamFrame } from '../fixtures/idcard/reference-frames.js';
import { SAMPLE_CARDS } from '../fixtures/idcard/sample-cards.js';

/** The preamble of docs/protocols/sam-reader.md §2, written out (not the driver's constant). */
const SAM_PREAMBLE = Buffer.from([0xaa, 0xaa, 0xaa, 0x96, 0x69]);

/** Splits `bytes` at the given cut points (sorted, deduplicated, clipped). */
function chunk(bytes: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let prev = 0;
  for (const p of points) {
    out.push(bytes.subarray(prev, p));
    prev = p;
  }
  out.push(bytes.subarray(prev));
  return out;
}

function run(chunks: Buffer[]): SamFrame[] {
  const parser = new SamFrameParser();
  const frames: SamFrame[] = [];
  parser.on('data', (f) => frames.push(f));
  for (const c of chunks) parser.write(c);
  return frames;
}

/** Noise that cannot contain the preamble (so "the frames in the stream" is well defined). */
const noise = fc.uint8Array({ maxLength: 64 }).filter((b) => Buffer.from(b).indexOf(SAM_PREAMBLE) < 0);
/** Short frames with random bodies (no preamble inside). */
const frameArb = fc
  .uint8Array({ minLength: 2, maxLength: 80 })
  .map((body) => referenceSamFrame(body))
  .filter((f) => f.indexOf(SAM_PREAMBLE, 1) < 0);

/** Noise between frames must not end in a prefix of the preamble... unless followed by a full one. */
const cuts = fc.array(fc.nat(), { maxLength: 20 });

describe('SamFrameParser (property)', () => {
  it('never throws and never emits a frame whose checksum fails, on any byte stream', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), cuts, (bytes, c) => {
        const frames = run(chunk(Buffer.from(bytes), c));
        for (const f of frames) {
          expect(f.bytes.subarray(0, 5).equals(SAM_PREAMBLE)).toBe(true);
          expect(f.bytes.length).toBe(7 + f.bytes.readUInt16BE(5));
          expect(referenceChecksumOk(f.bytes)).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('also survives streams rich in preamble bytes', () => {
    const preambleish = fc.array(fc.constantFrom(0xaa, 0x96, 0x69, 0x00, 0x03, 0x04, 0xff), { maxLength: 400 });
    fc.assert(
      fc.property(preambleish, cuts, (bytes, c) => {
        for (const f of run(chunk(Buffer.from(bytes), c))) {
          expect(referenceChecksumOk(f.bytes)).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('recovers every valid frame embedded in garbage, with arbitrary chunking', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(noise, frameArb), { minLength: 1, maxLength: 8 }), noise, cuts, (pairs, tail, c) => {
        // Garbage ending in AA/AA AA/AA AA AA/... would merge with the next preamble only into the
        // same preamble, so it is allowed; the frame list is what must come out.
        const stream = Buffer.concat([...pairs.flatMap(([n, f]) => [Buffer.from(n), f]), Buffer.from(tail)]);
        const frames = run(chunk(stream, c));
        expect(frames.map((f) => f.bytes.toString('hex'))).toEqual(pairs.map(([, f]) => f.toString('hex')));
      }),
      { numRuns: 300 },
    );
  });

  it('recovers full card reads between garbage, split anywhere', () => {
    const replies = SAMPLE_CARDS.map((c) => referenceReadBaseReply(c));
    fc.assert(
      fc.property(fc.array(fc.tuple(noise, fc.constantFrom(...replies)), { minLength: 1, maxLength: 3 }), cuts, (pairs, c) => {
        const stream = Buffer.concat(pairs.flatMap(([n, f]) => [Buffer.from(n), f]));
        const frames = run(chunk(stream, c));
        expect(frames.map((f) => f.bytes.length)).toEqual(pairs.map(([, f]) => f.length));
        frames.forEach((f, i) => expect(f.bytes.equals(pairs[i]![1])).toBe(true));
      }),
      { numRuns: 100 },
    );
  });
});
