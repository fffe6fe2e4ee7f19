import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ExportNotAuthorisedError } from '../../main/store/export.js';
import { KioskStore } from '../../main/store/kiosk-store.js';
import { screeningRecord } from '../fixtures/store/screening-records.js';
import { tempDataDir } from '../fixtures/store/temp-data-dir.js';

const root = join(import.meta.dirname, '..', '..');
const PIN = '482916';
let data: ReturnType<typeof tempDataDir>;
let store: KioskStore;

/** Local noon of a day, so the local-date range of the CLI contains it whatever the time zone. */
const localNoon = (y: number, m: number, d: number) => new Date(y, m - 1, d, 12).toISOString();

beforeEach(async () => {
  data = tempDataDir();
  store = await KioskStore.open({ dataDir: data.dir, maintenanceIntervalMs: 0 });
  await store.records.commit(screeningRecord({ finishedAt: localNoon(2026, 11, 2) }, 0));
  const held = screeningRecord({ finishedAt: localNoon(2026, 11, 3), fever: true }, 1);
  await store.records.commit(held);
  await store.dispositions.record({ screeningId: held.id, staffId: 'staff-2', action: 'remeasured', note: '李小龙 waited' });
  await store.dispositions.record({ screeningId: held.id, staffId: 'staff-2', action: 'referred', note: null });
  await store.records.commit(screeningRecord({ finishedAt: localNoon(2026, 11, 9) }, 2));
  await store.settings.setTechnicianPin(PIN, 'tech-1');
});
afterEach(() => {
  store.close();
  data.cleanup();
});

function collect(fn: (w: (c: string) => void) => unknown): string {
  let out = '';
  fn((c) => (out += c));
  return out;
}

describe('export (API)', () => {
  const range = { from: new Date(2026, 10, 1), to: new Date(2026, 10, 4) };

  it('is masked by default and audited', () => {
    const out = collect((w) => store.exportScreenings({ ...range, format: 'jsonl', actor: 'staff-1' }, w));
    const rows = out.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(rows.map((r) => r.idNumber)).toEqual(['110105********002X', '810000********0021']);
    expect(rows.map((r) => r.name)).toEqual(['张*', '李**']);
    expect(rows[1]).toMatchObject({ fever: true, decision: 'HOLD', reasons: 'FEVER', temperatureC: 38.1, dispositions: 'remeasured;referred' });
    expect(out).not.toContain('waited');
    expect(out).not.toContain('11010519491231002X');
    expect(out).not.toContain('示例路');
    expect(store.audit.list().at(-1)).toMatchObject({ actor: 'staff-1', action: 'export', detail: { masked: true, count: 2, format: 'jsonl' } });
  });

  it('is unmasked only with the technician PIN; a wrong PIN is refused and audited', () => {
    expect(() => store.exportScreenings({ ...range, format: 'csv', unmasked: true, technicianPin: '000000', actor: 'x' }, () => {})).toThrow(ExportNotAuthorisedError);
    expect(store.audit.list().at(-1)).toMatchObject({ action: 'export.refused', detail: { reason: 'wrong-technician-pin' } });
    const out = collect((w) => store.exportScreenings({ ...range, format: 'csv', unmasked: true, technicianPin: PIN, actor: 'tech-1' }, w));
    const lines = out.trim().split('\n');
    expect(lines[0]).toBe('id,finishedAt,checkpointId,deviceId,outcome,decision,colour,fever,temperatureC,reasons,cardType,name,idNumber,address,birthYear,sex,dispositions,integrity');
    expect(lines).toHaveLength(3);
    expect(out).toContain('11010519491231002X');
    expect(out).toContain('张三');
    expect(store.audit.list().at(-1)).toMatchObject({ action: 'export', detail: { masked: false, count: 2 } });
    expect(store.audit.verify().ok).toBe(true);
  });
});

describe('kiosk export (CLI)', () => {
  const env = { ...process.env };
  delete env.KIOSK_TECHNICIAN_PIN;
  const kiosk = (...args: string[]) => spawnSync(process.execPath, [join(root, 'bin', 'kiosk.js'), 'export', ...args], { encoding: 'utf8', timeout: 30_000, env });

  it('exports a masked CSV for a date range and audits it', () => {
    store.close();
    const r = kiosk('--from', '2026-11-01', '--to', '2026-11-03', '--data', data.dir);
    expect(r.stderr).toMatch(/exported 2 screening\(s\), masked/);
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(r.stdout).toContain('110105********002X');
    expect(r.stdout).not.toContain('11010519491231002X');
    const j = kiosk('--from', '2026-11-09', '--to', '2026-11-09', '--format', 'jsonl', '--data', data.dir);
    expect(j.status).toBe(0);
    expect(JSON.parse(j.stdout.trim()).idNumber).toBe('830000********0022');
  });

  it('a data directory whose key is lost: a clear error, exit 1, and no new key', () => {
    store.close();
    rmSync(join(data.dir, 'kiosk.key'));
    const r = kiosk('--from', '2026-11-01', '--to', '2026-11-30', '--data', data.dir);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/holds data encrypted with a key that is missing .* No new key was made/);
    expect(r.stdout).toBe('');
    expect(existsSync(join(data.dir, 'kiosk.key'))).toBe(false);
  });

  it('exports unmasked only with the technician PIN', () => {
    store.close();
    const wrong = kiosk('--from', '2026-11-01', '--to', '2026-11-30', '--unmasked', '--technician-pin', '111111', '--data', data.dir);
    expect(wrong.status).toBe(1);
    expect(wrong.stderr).toMatch(/technician PIN is wrong/);
    expect(wrong.stdout).toBe('');
    const right = kiosk('--from', '2026-11-01', '--to', '2026-11-30', '--unmasked', '--technician-pin', PIN, '--data', data.dir);
    expect(right.status).toBe(0);
    expect(right.stdout).toContain('830000199201300022');
  });

  it('runs while the host keeps the store open, and the audit chain stays whole', async () => {
    const r = kiosk('--from', '2026-11-01', '--to', '2026-11-30', '--format', 'jsonl', '--data', data.dir);
    expect(r.status).toBe(0);
    expect(r.stdout.trim().split('\n')).toHaveLength(3);
    expect(store.audit.list().at(-1)).toMatchObject({ actor: 'cli', action: 'export', detail: { count: 3 } });
    await store.settings.set('retentionDays', 21, 'tech-1'); // the host appends after the CLI did
    expect(store.audit.verify()).toMatchObject({ ok: true });
    await store.records.commit(screeningRecord({ finishedAt: localNoon(2026, 11, 10) }));
  });

  it('rejects bad dates and options with one line and exit 2', () => {
    store.close();
    for (const [args, message] of [
      [['--from', '2026-13-01', '--to', '2026-11-30'], /--from "2026-13-01" is not a date: use YYYY-MM-DD/],
      [['--from', '2026-02-30', '--to', '2026-03-01'], /--from "2026-02-30" is not a date/],
      [['--from', 'yesterday', '--to', '2026-11-30'], /not a date/],
      [['--to', '2026-11-30'], /--from is required/],
      [['--from', '2026-11-30', '--to', '2026-11-01'], /is before --from/],
      [['--from', '2026-11-01', '--to', '2026-11-30', '--format', 'xml'], /--format "xml" is not supported/],
      [['--from', '2026-11-01', '--to', '2026-11-30', '--unmasked'], /needs the technician PIN/],
    ] as const) {
      const r = kiosk(...args, '--data', data.dir);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(message);
    }
  });
});
