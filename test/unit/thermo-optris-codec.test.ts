import { describe, expect, it } from 'vitest';
import { decodeOptrisTemperature, OPTRIS_COMMANDS, OptrisReplyParser, type OptrisParserOutput } from '../../drivers/thermometer/optris-ct-codec.js';
import { createThermoDecoder } from '../../drivers/thermometer/thermo-decoder.js';
import type { ThermoDecoded } from '../../drivers/thermometer/reading.js';
import { collect } from '../fixtures/thermo/collect.js';
import { hex, OPTRIS_VECTORS } from '../fixtures/thermo/vectors.js';

describe('Optris CT codec', () => {
  for (const v of OPTRIS_VECTORS) {
    it(`${v.name}: ${v.reply} → ${v.celsius} °C`, () => {
      const [hi, lo] = hex(v.reply);
      expect(decodeOptrisTemperature(hi!, lo!)).toBe(v.celsius);
    });
  }

  it('decodes below-zero and the full 16-bit range by the formula alone', () => {
    expect(decodeOptrisTemperature(0x00, 0x00)).toBe(-100);
    expect(decodeOptrisTemperature(0x03, 0x84)).toBe(-10); // 900
    expect(decodeOptrisTemperature(0xff, 0xff)).toBe(6453.5);
  });

  it('reads with command 01 and the head temperature with 02', () => {
    expect(OPTRIS_COMMANDS.targetTemperature).toBe(0x01);
    expect(OPTRIS_COMMANDS.headTemperature).toBe(0x02);
  });

  it('splits a capture of replies into pairs, at any chunking, and reports a lone last byte', async () => {
    const capture = hex('04 D3 05 55 04');
    for (let cut = 1; cut < capture.length; cut++) {
      const out = await collect<OptrisParserOutput>(new OptrisReplyParser(), [capture.subarray(0, cut), capture.subarray(cut)]);
      expect(out.map((o) => ('temperatureC' in o ? o.temperatureC : o.error)), `cut at ${cut}`).toEqual([23.5, 36.5, 'incomplete']);
    }
  });

  it('createThermoDecoder flags a target outside the CT LT range (-50…975 °C), value unchanged', async () => {
    const out = await collect<ThermoDecoded>(createThermoDecoder('optris-ct'), [hex('00 00 05 55')]);
    expect(out).toEqual([
      { kind: 'reading', objectC: -100, outOfRange: true, raw: '00 00' },
      { kind: 'reading', objectC: 36.5, outOfRange: false, raw: '05 55' },
    ]);
  });
});
