import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GyMcu90614Parser, type GyParserOutput } from '../../drivers/thermometer/gy-mcu90614-parser.js';
import { collect } from '../fixtures/thermo/collect.js';
import { gyFrame } from '../fixtures/thermo/vectors.js';

/** Independent checksum test: low byte of the sum of bytes 0..7 equals byte 8. */
const sumOk = (f: Buffer) => f.length === 9 && (f.subarray(0, 8).reduce((a, b) => a + b, 0) & 0xff) === f[8];

/** Splits `data` at the given cut points (any order, duplicates allowed). */
function chunk(data: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (data.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let last = 0;
  for (const p of points) {
    out.push(data.subarray(last, p));
    last = p;
  }
  out.push(data.subarray(last));
  return out.filter((c) => c.length > 0);
}

const int16 = fc.integer({ min: -32768, max: 32767 });
/** Garbage that cannot contain a whole header 5A 5A 45 04 (so it cannot hide a frame of its own). */
const garbage = fc
  .uint8Array({ maxLength: 40 })
  .map((a) => Buffer.from(a))
  .filter((b) => b.indexOf(Buffer.from([0x5a, 0x5a, 0x45, 0x04])) === -1);
const cuts = fc.array(fc.nat(), { maxLength: 12 });

describe('GyMcu90614Parser properties', () => {
  it('never throws on any byte stream at any chunking, and every emitted frame has a valid checksum', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), cuts, fc.boolean(), async (bytes, cutPoints, report) => {
        const out = await collect<GyParserOutput>(new GyMcu90614Parser({ reportBadFrames: report }), chunk(Buffer.from(bytes), cutPoints));
        for (const o of out) {
          if ('error' in o) {
            expect(report).toBe(true);
          } else {
            expect(sumOk(o.raw)).toBe(true);
            expect(o.raw.subarray(0, 4)).toEqual(Buffer.from([0x5a, 0x5a, 0x45, 0x04]));
            expect(o.objectC).toBe(o.raw.readInt16BE(4) / 100);
            expect(o.ambientC).toBe(o.raw.readInt16BE(6) / 100);
          }
        }
      }),
      { numRuns: 500 },
    );
  });

  it('frames that are surrounded by garbage all come out, in order, unchanged, at any chunking', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(garbage, int16, int16), { minLength: 1, maxLength: 8 }),
        garbage,
        cuts,
        async (parts, tail, cutPoints) => {
          const sent = parts.map(([, o, a]) => gyFrame(o, a));
          const data = Buffer.concat([...parts.flatMap(([g], i) => [g, sent[i]!]), tail]);
          const out = await collect<GyParserOutput>(new GyMcu90614Parser(), chunk(data, cutPoints));
          // Garbage directly in front of a frame may end in header bytes that, with the frame,
          // form a false header: the parser slides past it, so exactly the sent frames remain.
          expect(out.map((o) => ('raw' in o ? o.raw.toString('hex') : ''))).toEqual(sent.map((f) => f.toString('hex')));
          expect(out.map((o) => ('objectC' in o ? o.objectC : NaN))).toEqual(parts.map(([, o]) => o / 100));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('drops frames with a wrong checksum and keeps the good ones around them', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(int16, int16, fc.boolean()), { minLength: 1, maxLength: 10 }), cuts, async (specs, cutPoints) => {
        const data = Buffer.concat(specs.map(([o, a, bad]) => gyFrame(o, a, bad)));
        const out = await collect<GyParserOutput>(new GyMcu90614Parser(), chunk(data, cutPoints));
        const expected = specs.filter(([, , bad]) => !bad).map(([o, a]) => gyFrame(o, a).toString('hex'));
        expect(out.map((o) => o.raw.toString('hex'))).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });
});
