import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { CAPTURED_REPLIES, CORRUPTED_SELECT_REPLY } from '../fixtures/idcard/sample-cards.js';

/** The hex fixture files, checked byte for byte against docs/protocols/sam-reader.md §12 (idcard-sam-frame.test.ts). */
const fixture = (type: string) => readFileSync(new URL(`../fixtures/idcard/read-base-${type}.hex`, import.meta.url), 'utf8');

// Spawns the built CLI (`npm test` builds first; run `npm run build` when running this file alone).
const root = fileURLToPath(new URL('../..', import.meta.url));
const kiosk = (args: string[], input?: string) =>
  spawnSync(process.execPath, ['bin/kiosk.js', 'decode', 'idcard', ...args], { cwd: root, input: input ?? '', encoding: 'utf8', timeout: 20_000 });
const jsonLines = (s: string) => s.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, any>);

beforeAll(() => {
  expect(existsSync(`${root}/dist/cli.js`), 'dist/cli.js missing: run npm run build').toBe(true);
});

describe('kiosk decode idcard', () => {
  it('decodes spaced, upper-case hex given as arguments, one JSON line per frame', () => {
    const r = kiosk(['AA AA AA 96 69 00 04 00 00 90 94', 'AAAAAA9669000400008084']);
    expect(r.status).toBe(0);
    expect(jsonLines(r.stdout)).toEqual([
      { frame: CAPTURED_REPLIES.statusOk, sw3: '90', status: 'success' },
      { frame: CAPTURED_REPLIES.findFailed, sw3: '80', status: 'no card found (or card already read and not lifted)' },
    ]);
  });

  it('decodes a full read from stdin with the card fields and no photo bytes', () => {
    const r = kiosk([], `ff 00 ${fixture('resident')}\n`);
    expect(r.status).toBe(0);
    const [line] = jsonLines(r.stdout);
    expect(line).toMatchObject({
      sw3: '90',
      status: 'success',
      layout: 'read-base',
      card: {
        type: 'resident',
        name: '测试样',
        sex: 'female',
        idNumber: '11010519491231002X',
        idNumberValid: true,
        birthDate: '1949-12-31',
        validFrom: '2015-06-01',
        validUntil: 'long-term',
        nationCode: '01',
        nation: '汉',
        photo: { bytes: 1024, wltMagic: true },
      },
    });
    expect(line!.frame).toHaveLength(1295 * 2);
    expect(line!.card.photoWlt).toBeUndefined();
    expect(line!.card.rawText).toBeUndefined();
  });

  it('prints the fields of a foreign card, English name whole', () => {
    const r = kiosk([fixture('foreign-2017').replace(/\s+/g, '')]);
    expect(jsonLines(r.stdout)[0]!.card).toMatchObject({ type: 'foreign-2017', englishName: 'SAMPLE, JOHN MIDDLE EXAMPLE', nationality: 'CAN' });
  });

  it('reports a bad checksum as an error line, skips garbage and resyncs', () => {
    const bad = CAPTURED_REPLIES.statusOk.slice(0, -2) + '95';
    const r = kiosk([`${bad} 01 02 03 ${CORRUPTED_SELECT_REPLY} ${CAPTURED_REPLIES.selectOk}`]);
    expect(r.status).toBe(0);
    expect(jsonLines(r.stdout)).toEqual([
      { error: 'checksum', frame: bad },
      { frame: CAPTURED_REPLIES.selectOk, sw3: '90', status: 'success', sn: '0000000000000000' },
    ]);
  });

  it('names host→SAM commands', () => {
    const r = kiosk(['AAAAAA96690003200122 AAAAAA9669000360 04 67']);
    expect(jsonLines(r.stdout)).toEqual([
      { frame: 'aaaaaa96690003200122', command: '20 01', name: 'find card' },
      { frame: 'aaaaaa96690003600467', command: '60 04', name: 'set SAM baud 9600' },
    ]);
  });

  it('exits 2 with a one-line fix for odd-length or non-hex input', () => {
    const odd = kiosk(['AA A']);
    expect(odd.status).toBe(2);
    expect(odd.stderr.trim().split('\n')).toHaveLength(1);
    expect(odd.stderr).toMatch(/odd number of hex digits \(3\).*two digits/);
    const bad = kiosk([], 'AA GG\n');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/"G" at character 4, which is not a hex digit/);
    expect(bad.stdout).toBe('');
  });

  it('exits 1 when no frame is found', () => {
    const r = kiosk(['00 11 22']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/no SAM frame/);
  });
});
