import { describe, expect, it } from 'vitest';
import { gyCommand, GY_MODELS, type GyCommand } from '../../drivers/thermometer/gy-mcu90614-commands.js';
import { GyMcu90614Parser, type GyParserOutput } from '../../drivers/thermometer/gy-mcu90614-parser.js';
import { createThermoDecoder } from '../../drivers/thermometer/thermo-decoder.js';
import type { ThermoDecoded } from '../../drivers/thermometer/reading.js';
import { collect } from '../fixtures/thermo/collect.js';
import { GY_COMMAND_VECTORS, GY_VECTORS, gyFrame, hex } from '../fixtures/thermo/vectors.js';

const frames = (out: GyParserOutput[]) => out.filter((o) => !('error' in o));

describe('GyMcu90614Parser: the vectors of docs/protocols/gy-mcu90614.md §6', () => {
  for (const v of GY_VECTORS) {
    it(`decodes ${v.name} → ${v.objectC} / ${v.ambientC}`, async () => {
      const out = await collect<GyParserOutput>(new GyMcu90614Parser(), [hex(v.frame)]);
      expect(out).toEqual([{ objectC: v.objectC, ambientC: v.ambientC, raw: hex(v.frame) }]);
    });
  }

  it('reads values as SIGNED: 0xFE0C is -5.00, not 650.36', async () => {
    const [f] = await collect<GyParserOutput>(new GyMcu90614Parser(), [hex('5A 5A 45 04 FE 0C 08 98 A7')]);
    expect(f).toMatchObject({ objectC: -5 });
  });

  it('decodes the extremes of int16 exactly', async () => {
    const out = await collect<GyParserOutput>(new GyMcu90614Parser(), [gyFrame(-32768, 32767)]);
    expect(out).toEqual([{ objectC: -327.68, ambientC: 327.67, raw: gyFrame(-32768, 32767) }]);
  });
});

describe('GyMcu90614Parser: framing', () => {
  const stream = Buffer.concat(GY_VECTORS.map((v) => hex(v.frame)));

  it('decodes three frames split at every byte boundary', async () => {
    for (let cut = 1; cut < stream.length; cut++) {
      const out = await collect<GyParserOutput>(new GyMcu90614Parser(), [stream.subarray(0, cut), stream.subarray(cut)]);
      expect(out.map((o) => ('objectC' in o ? o.objectC : NaN)), `cut at ${cut}`).toEqual([31.92, 34.56, -5]);
    }
  });

  it('decodes a stream fed one byte at a time', async () => {
    const chunks = [...stream].map((b) => Buffer.from([b]));
    const out = await collect<GyParserOutput>(new GyMcu90614Parser(), chunks);
    expect(frames(out)).toHaveLength(3);
  });

  it('skips garbage, including false header starts, and resyncs', async () => {
    const input = Buffer.concat([
      hex('00 FF 5A 13 5A 5A 77'),
      hex(GY_VECTORS[0].frame),
      hex('5A 5A 45 01 02'),
      hex(GY_VECTORS[1].frame),
      hex('5A 5A 45'),
      hex(GY_VECTORS[2].frame),
      hex('5A'),
    ]);
    const out = await collect<GyParserOutput>(new GyMcu90614Parser(), [input]);
    expect(out.map((o) => ('objectC' in o ? o.objectC : o.error))).toEqual([31.92, 34.56, -5]);
  });

  it('drops a frame with a bad checksum and still finds the frame right behind it', async () => {
    const bad = hex('5A 5A 45 04 0C 78 0D 19 A8');
    const out = await collect<GyParserOutput>(new GyMcu90614Parser(), [Buffer.concat([bad, hex(GY_VECTORS[1].frame)])]);
    expect(out).toEqual([{ objectC: 34.56, ambientC: 25, raw: hex(GY_VECTORS[1].frame) }]);
  });

  it('finds a real frame hidden behind a false full header (slides one byte, not nine)', async () => {
    const real = hex(GY_VECTORS[0].frame);
    // A false header whose 9-byte window swallows the start of the real frame.
    const input = Buffer.concat([hex('5A 5A 45 04 01'), real]);
    const out = await collect<GyParserOutput>(new GyMcu90614Parser({ reportBadFrames: true }), [input]);
    expect(out.map((o) => ('objectC' in o ? o.objectC : o.error))).toEqual(['checksum', 31.92]);
  });

  it('reports bad frames when asked, with the 9 bytes as received', async () => {
    const bad = hex('5A 5A 45 04 0C 78 0D 19 A8');
    const out = await collect<GyParserOutput>(new GyMcu90614Parser({ reportBadFrames: true }), [bad]);
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ error: 'checksum', raw: bad });
    expect((out[0] as { message: string }).message).toContain('A8');
  });

  it('reports a frame cut off at the end of input as incomplete', async () => {
    const out = await collect<GyParserOutput>(new GyMcu90614Parser({ reportBadFrames: true }), [hex('5A 5A 45 04 0C 78')]);
    expect(out).toEqual([expect.objectContaining({ error: 'incomplete', raw: hex('5A 5A 45 04 0C 78') })]);
  });

  it('keeps its buffer bounded under a long run of garbage', async () => {
    const parser = new GyMcu90614Parser();
    const garbage = Buffer.alloc(100_000, 0x5a);
    const out = await collect<GyParserOutput>(parser, [garbage, hex(GY_VECTORS[0].frame)]);
    expect(frames(out)).toHaveLength(1);
    // What is carried between chunks is never a whole frame's worth of bytes.
    expect((parser as unknown as { carry: Buffer }).carry.length).toBeLessThan(9);
  });
});

describe('createThermoDecoder("gy-mcu90614")', () => {
  it('emits readings with hex raw frames and checksum failures in stream order', async () => {
    const input = Buffer.concat([hex(GY_VECTORS[0].frame), hex('5A 5A 45 04 0C 78 0D 19 A8'), hex(GY_VECTORS[2].frame)]);
    const out = await collect<ThermoDecoded>(createThermoDecoder('gy-mcu90614'), [input]);
    expect(out).toEqual([
      { kind: 'reading', objectC: 31.92, ambientC: 33.53, outOfRange: false, raw: '5A 5A 45 04 0C 78 0D 19 A7' },
      expect.objectContaining({ kind: 'failure', code: 'checksum', raw: '5A 5A 45 04 0C 78 0D 19 A8' }),
      { kind: 'reading', objectC: -5, ambientC: 22, outOfRange: false, raw: '5A 5A 45 04 FE 0C 08 98 A7' },
    ]);
  });

  it('flags values outside the rated range (object -70…380, ambient -40…125) without changing them', async () => {
    const cold = gyFrame(-8000, 2500); // object -80.00
    const hotAmbient = gyFrame(3000, 13000); // ambient 130.00
    const edge = gyFrame(-7000, 12500); // exactly the limits: in range
    const out = await collect<ThermoDecoded>(createThermoDecoder('gy-mcu90614'), [cold, hotAmbient, edge]);
    expect(out).toEqual([
      expect.objectContaining({ objectC: -80, ambientC: 25, outOfRange: true }),
      expect.objectContaining({ objectC: 30, ambientC: 130, outOfRange: true }),
      expect.objectContaining({ objectC: -70, ambientC: 125, outOfRange: false }),
    ]);
  });

  it('uses the GY-MCU90615 range for that model', async () => {
    const out = await collect<ThermoDecoded>(createThermoDecoder('gy-mcu90614', { gyModel: 'gy-mcu90615' }), [gyFrame(12000, 2500)]);
    expect(out[0]).toMatchObject({ objectC: 120, outOfRange: true });
  });
});

describe('GY commands and models', () => {
  for (const v of GY_COMMAND_VECTORS) {
    it(`${v.command} is ${v.bytes}`, () => {
      expect(gyCommand(v.command as GyCommand)).toEqual(hex(v.bytes));
    });
  }

  it('knows each model’s default line speed', () => {
    expect(GY_MODELS['gy-mcu90614'].defaultBaud).toBe(9600);
    expect(GY_MODELS['gy-mcu90615'].defaultBaud).toBe(115200);
  });
});
