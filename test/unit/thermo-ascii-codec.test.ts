import { describe, expect, it } from 'vitest';
import {
  AsciiLineParser,
  decodeAsciiLine,
  resolveAsciiOptions,
} from '../../drivers/thermometer/ascii-line-codec.js';
import type { ThermoDecoded } from '../../drivers/thermometer/reading.js';
import { collect } from '../fixtures/thermo/collect.js';

const defaults = resolveAsciiOptions();
const decode = (line: string, opts = defaults) => decodeAsciiLine(line, opts);

describe('ASCII line codec: default patterns', () => {
  it.each([
    ['!T36.5', 36.5],
    ['!1T=36.5', 36.5],
    ['024!T36.5', 36.5],
    ['!T-12.3', -12.3],
    ['!T125', 125],
  ])('Raytek reply %s → %d °C', (line, celsius) => {
    expect(decode(line)).toEqual({ kind: 'reading', objectC: celsius, outOfRange: false, raw: line });
  });

  it.each([
    ['T:36.5', 36.5],
    ['TO=34.56', 34.56],
    ['BT: 37.1', 37.1],
    ['temp=36.9', 36.9],
    ['Temp : 35', 35],
  ])('text module %s → %d °C', (line, celsius) => {
    expect(decode(line)).toMatchObject({ kind: 'reading', objectC: celsius });
  });

  it('reads the ambient of a module line into ambientC', () => {
    expect(decode('T:34.55 TA:25.00')).toEqual({ kind: 'reading', objectC: 34.55, ambientC: 25, outOfRange: false, raw: 'T:34.55 TA:25.00' });
    expect(decode('TO=34.5, amb=24.1')).toMatchObject({ objectC: 34.5, ambientC: 24.1 });
  });

  it('refuses a line glued to a fragment of an earlier one rather than misread it', () => {
    expect(decode('!T3!T36.5')).toMatchObject({ kind: 'failure', code: 'unparsable' });
    expect(decode('T:3T:34.5')).toMatchObject({ kind: 'failure', code: 'unparsable' });
    expect(decode('AMBIENT:25.0')).toMatchObject({ kind: 'failure', code: 'unparsable' });
  });

  it('15 ASCII line `T:37,9` decodes as 37.0: a decimal comma is read as the decimal it is', () => {
    expect(decode('T:37,9')).toEqual({ kind: 'reading', objectC: 37.9, outOfRange: false, raw: 'T:37,9' });
    expect(decode('!T37,9')).toMatchObject({ kind: 'reading', objectC: 37.9 });
    expect(decode('T:34,55 TA:25,00')).toMatchObject({ objectC: 34.55, ambientC: 25 });
    // A comma followed by a blank or a label is a separator, as before.
    expect(decode('T:37, TA:25.0')).toMatchObject({ objectC: 37, ambientC: 25 });
    expect(decode('TO=34.5,amb=24.1')).toMatchObject({ objectC: 34.5, ambientC: 24.1 });
  });

  it('15 ASCII line `T:37,9` decodes as 37.0: a pattern that stops inside a number refuses the line, never truncates', () => {
    const integerOnly = resolveAsciiOptions({ pattern: /T:(\d+)/ });
    expect(decode('T:37,9', integerOnly)).toMatchObject({ kind: 'failure', code: 'unparsable', message: expect.stringContaining('fix ascii.pattern') });
    expect(decode('T:37.9', integerOnly)).toMatchObject({ kind: 'failure', code: 'unparsable' });
    expect(decode('T:37', integerOnly)).toMatchObject({ kind: 'reading', objectC: 37 });
    // Ambiguous: "36,25.0" is neither 36.25 nor 36 for certain.
    expect(decode('T:36,25.0')).toMatchObject({ kind: 'failure', code: 'unparsable' });
    const ambientCut = resolveAsciiOptions({ pattern: /^OBJ (\d+\.\d+) AMB (?<ambient>\d+)/ });
    expect(decode('OBJ 34.10 AMB 24,5', ambientCut)).toMatchObject({ kind: 'failure', code: 'unparsable' });
  });

  it('strips the CR of CRLF lines from the raw text', () => {
    expect(decode('!T36.5\r')).toMatchObject({ objectC: 36.5, raw: '!T36.5' });
  });

  it('reports Raytek "*" replies as a device error, not a reading', () => {
    expect(decode('*Syntax error')).toEqual({
      kind: 'failure',
      code: 'device-error',
      message: 'device reported an error: *Syntax error',
      raw: '*Syntax error',
    });
    expect(decode('024*')).toMatchObject({ kind: 'failure', code: 'device-error' });
  });

  it('reports a line without a temperature as unparsable and ignores blank lines', () => {
    expect(decode('!E0.975')).toMatchObject({ kind: 'failure', code: 'unparsable' });
    expect(decode('hello')).toMatchObject({ kind: 'failure', code: 'unparsable' });
    expect(decode('')).toBeNull();
    expect(decode('  \r')).toBeNull();
  });

  it('flags a value outside the rated range without changing it', () => {
    expect(decode('!T1200.0')).toMatchObject({ objectC: 1200, outOfRange: true });
    const narrow = resolveAsciiOptions({ ratedRange: { objectC: [32, 42.9] } });
    expect(decode('T:31.0', narrow)).toMatchObject({ objectC: 31, outOfRange: true });
  });
});

describe('ASCII line codec: options', () => {
  it('converts °F to °C by formula only', () => {
    const f = resolveAsciiOptions({ unit: 'F' });
    expect((decode('!T97.7', f) as { objectC: number }).objectC).toBeCloseTo(36.5, 10);
    expect((decode('!T212', f) as { objectC: number }).objectC).toBeCloseTo(100, 10);
    expect((decode('T:-40 TA:32', f) as { objectC: number; ambientC: number })).toMatchObject({ objectC: -40, ambientC: 0 });
  });

  it('uses a custom pattern: first group = value, named group "ambient"', () => {
    const opts = resolveAsciiOptions({ pattern: /^OBJ (\d+\.\d+) AMB (?<ambient>\d+\.\d+)$/ });
    expect(decode('OBJ 34.10 AMB 24.20', opts)).toMatchObject({ objectC: 34.1, ambientC: 24.2 });
    expect(decode('!T36.5', opts)).toMatchObject({ kind: 'failure', code: 'unparsable' });
  });

  it('ignores g/y flags so one line does not affect the next', () => {
    const opts = resolveAsciiOptions({ pattern: /T:(\d+)/g });
    expect(decode('T:36', opts)).toMatchObject({ objectC: 36 });
    expect(decode('T:37', opts)).toMatchObject({ objectC: 37 });
  });

  it('rejects bad options with the field named', () => {
    expect(() => resolveAsciiOptions({ pattern: /T:\d+/ })).toThrow(/ascii\.pattern .* no capture group/);
    expect(() => resolveAsciiOptions({ unit: 'K' as 'C' })).toThrow(/ascii\.unit/);
    expect(() => resolveAsciiOptions({ delimiter: '' })).toThrow(/ascii\.delimiter/);
    expect(() => resolveAsciiOptions({ query: '' })).toThrow(/ascii\.query/);
  });
});

describe('AsciiLineParser (ReadlineParser)', () => {
  const text = Buffer.from('!T36.5\r\n*Syntax error\r\n\r\nT:34.55 TA:25.00\r\n!1T=97.7', 'latin1');

  it('frames lines split at every byte boundary and decodes a last line without terminator', async () => {
    for (let cut = 1; cut < text.length; cut++) {
      const out = await collect<ThermoDecoded>(new AsciiLineParser(), [text.subarray(0, cut), text.subarray(cut)]);
      expect(
        out.map((d) => (d.kind === 'reading' ? d.objectC : d.code)),
        `cut at ${cut}`,
      ).toEqual([36.5, 'device-error', 34.55, 97.7]);
    }
  });

  it('honours a custom delimiter', async () => {
    const out = await collect<ThermoDecoded>(new AsciiLineParser({ delimiter: '\r' }), [Buffer.from('!T36.5\r!T36.6\r')]);
    expect(out.map((d) => d.kind === 'reading' && d.objectC)).toEqual([36.5, 36.6]);
  });

  it('drops an endless line once it passes maxLineBytes and resyncs on the next line end', async () => {
    const junk = Buffer.alloc(1000, 0x41);
    const out = await collect<ThermoDecoded>(new AsciiLineParser({ maxLineBytes: 64 }), [junk, Buffer.from('\r\n!T36.5\r\n')]);
    expect(out[0]).toMatchObject({ kind: 'failure', code: 'overflow' });
    expect(out.at(-1)).toMatchObject({ kind: 'reading', objectC: 36.5 });
  });
});
