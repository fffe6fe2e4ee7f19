import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { HmacIdHasher } from '../../main/engine/id-hasher.js';
import { SAMPLE_ID, SAMPLE_ID_HK } from '../fixtures/engine/harness.js';

const root = join(import.meta.dirname, '..', '..');
const config = join(root, 'test/fixtures/engine/kiosk-config.json');
const dir = mkdtempSync(join(tmpdir(), 'kiosk-policy-'));
let n = 0;

function tryCase(c: unknown, ...extra: string[]) {
  const file = join(dir, `case-${n++}.json`);
  writeFileSync(file, JSON.stringify(c));
  const r = spawnSync(process.execPath, [join(root, 'bin/kiosk.js'), 'policy', 'try', '--config', config, ...extra, file], { cwd: root, encoding: 'utf8', timeout: 20_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, json: () => JSON.parse(r.stdout) as Record<string, any> };
}

beforeAll(() => {
  if (!existsSync(join(root, 'dist/cli.js'))) throw new Error('dist/cli.js is missing: run `npm run build` (npm test does it first)');
});

describe('kiosk policy try', () => {
  it('normal temperature, valid card → PASS, and the ID number is never printed', () => {
    const r = tryCase({ idNumber: SAMPLE_ID, samplesC: [36.2, 36.3, 36.25, 36.3, 36.2], ambientC: 24 });
    expect(r.status).toBe(0);
    const j = r.json();
    expect(j).toMatchObject({ decision: 'PASS', next: 'final', colour: null, fever: false, policyVersion: 'yk-2020@3', message: { zh: '体温正常 请通行' } });
    expect(j.temperatures[0].estimateC).toBe(36.25 + 0.5);
    expect(r.stdout).not.toContain(SAMPLE_ID);
  });

  it('the fixture fever case asks for a re-measurement and shows the HOLD it would become', () => {
    const file = join(root, 'test/fixtures/engine/case-fever.json');
    const r = spawnSync(process.execPath, [join(root, 'bin/kiosk.js'), 'policy', 'try', '--config', config, file], { cwd: root, encoding: 'utf8', timeout: 20_000 });
    expect(r.status).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({ decision: null, next: 'remeasure', reasons: [{ code: 'REMEASURE' }], ifNotRemeasured: { decision: 'HOLD', reasons: [{ code: 'FEVER' }] } });
  });

  it('fever confirmed on re-measure → HOLD FEVER; normal on re-measure → PASS with notice', () => {
    const hold = tryCase({ idNumber: SAMPLE_ID, samplesC: [37.5, 37.5, 37.5], remeasureSamplesC: [37.4, 37.4, 37.4] }).json();
    expect(hold).toMatchObject({ decision: 'HOLD', fever: true, reasons: [{ code: 'FEVER', message: { zh: '体温异常', en: 'Elevated temperature' } }] });
    expect(hold.temperatures).toHaveLength(2);
    const pass = tryCase({ idNumber: SAMPLE_ID, samplesC: [37.5, 37.5, 37.5], remeasureSamplesC: [36.4, 36.4, 36.4] }).json();
    expect(pass).toMatchObject({ decision: 'PASS', reasons: [{ code: 'REMEASURE', effect: 'notice' }] });
  });

  it('watchlist by ID number and by HMAC, key regions, invalid ID, expired card', () => {
    expect(tryCase({ idNumber: SAMPLE_ID, samplesC: [36.2, 36.2, 36.2], watchlist: [{ idNumber: SAMPLE_ID, colour: 'orange' }] }).json()).toMatchObject({ decision: 'HOLD', colour: 'orange' });
    const key = Buffer.alloc(32, 7);
    const keyFile = join(dir, 'id.key');
    writeFileSync(keyFile, key.toString('hex'));
    const hmac = new HmacIdHasher(key).hashIdNumber(SAMPLE_ID);
    expect(tryCase({ idNumber: SAMPLE_ID, samplesC: [36.2, 36.2, 36.2], watchlist: [{ hmac, colour: 'blue' }] }, '--hmac-key-file', keyFile).json()).toMatchObject({
      decision: 'PASS',
      colour: 'blue',
      flaggedForStaff: true,
      message: { zh: '请通行 工作人员已收到提示' },
    });
    expect(tryCase({ idNumber: SAMPLE_ID_HK, samplesC: [36.2, 36.2, 36.2], keyRegions: [{ prefix: '81', colour: 'red' }] }).json()).toMatchObject({ decision: 'HOLD', colour: 'red', reasons: [{ code: 'KEY_REGION' }] });
    expect(tryCase({ idNumber: '110105194912310021', samplesC: [36.2, 36.2, 36.2] }).json()).toMatchObject({ decision: 'HOLD', reasons: [{ code: 'INVALID_ID' }] });
    expect(tryCase({ idNumber: SAMPLE_ID, samplesC: [36.2, 36.2, 36.2], cardValidUntil: '2001-01-01' }).json()).toMatchObject({ decision: 'HOLD', reasons: [{ code: 'CARD_EXPIRED' }] });
  });

  it('no card, no subject, missing calibration, stale list', () => {
    expect(tryCase({ samplesC: [36.2, 36.2, 36.2] }).json()).toMatchObject({ decision: 'HOLD', reasons: [{ code: 'NO_IDENTITY' }] });
    expect(tryCase({ idNumber: SAMPLE_ID, samplesC: [23, 23.5, 24], ambientC: 23 }).json()).toMatchObject({ decision: 'HOLD', reasons: [{ code: 'NO_TEMPERATURE' }] });
    expect(tryCase({ idNumber: SAMPLE_ID, samplesC: [36.2, 36.2, 36.2], calibration: 'missing' }).json()).toMatchObject({ decision: 'HOLD', reasons: [{ code: 'CALIBRATION_MISSING' }] });
    expect(tryCase({ idNumber: SAMPLE_ID, samplesC: [36.2, 36.2, 36.2], watchlistAgeHours: 30 }).json()).toMatchObject({ decision: 'HOLD', reasons: [{ code: 'WATCHLIST_STALE' }] });
  });

  it('bad cases exit 2 naming the field; HMAC entries without a key say how to fix it', () => {
    const bad = tryCase({ idNumber: SAMPLE_ID, samplesC: [], watchlist: [{ idNumber: SAMPLE_ID, colour: 'green' }] });
    expect(bad.status).toBe(2);
    expect(bad.stdout).toMatch(/^samplesC: \[\] is out of range; fix: use a length of at least 1 entries$/m);
    expect(bad.stdout).toMatch(/watchlist\[0\]/);
    const noKey = tryCase({ idNumber: SAMPLE_ID, samplesC: [36.2], watchlist: [{ hmac: 'a'.repeat(64), colour: 'red' }] });
    expect(noKey.status).toBe(2);
    expect(noKey.stderr).toMatch(/--hmac-key-file/);
    const r = spawnSync(process.execPath, [join(root, 'bin/kiosk.js'), 'policy', 'try', join(dir, 'case-0.json')], { cwd: root, encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--config FILE/);
  });
});
