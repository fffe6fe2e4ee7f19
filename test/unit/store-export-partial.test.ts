import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KioskStore } from '../../main/store/kiosk-store.js';
import { runCli } from '../fixtures/cli/run-cli.js';
import { screeningRecord } from '../fixtures/store/screening-records.js';
import { tempDataDir } from '../fixtures/store/temp-data-dir.js';

/** Issue 9 item 9: one damaged encrypted value stopped the whole export (5 of 22 rows, exit 1, no audit entry). */

let data: ReturnType<typeof tempDataDir>;
let ids: string[];
beforeEach(async () => {
  data = tempDataDir();
  const store = await KioskStore.open({ dataDir: data.dir, maintenanceIntervalMs: 0 });
  ids = [];
  for (let i = 0; i < 22; i++) {
    const r = screeningRecord({ finishedAt: new Date(2026, 10, 1 + i, 12).toISOString(), fever: i % 7 === 3 }, i);
    await store.records.commit(r);
    ids.push(r.id);
  }
  store.close();
  // One damaged value: a bit flipped inside the ciphertext of the sixth record's name.
  const db = new Database(join(data.dir, 'kiosk.db'));
  const enc = db.prepare('SELECT name_enc FROM screenings WHERE id = ?').pluck().get(ids[5]) as Buffer;
  enc[20]! ^= 0x01;
  db.prepare('UPDATE screenings SET name_enc = ? WHERE id = ?').run(enc, ids[5]);
  db.close();
});
afterEach(() => data.cleanup());

describe('9.9 partial export', () => {
  it('9.9 damaged value: every readable record is exported, the damaged one is named by id, the export is audited as partial', async () => {
    const r = await runCli(['export', '--from', '2026-11-01', '--to', '2026-11-30', '--data', data.dir]);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(1 + 22);
    const header = lines[0]!.split(',');
    const at = (line: string, column: string) => line.split(',')[header.indexOf(column)];
    const damaged = lines.find((l) => l.startsWith(ids[5]!))!;
    // The clear part of the damaged record is there; its personal fields are left empty.
    expect(at(damaged, 'decision')).toBe('PASS');
    expect(at(damaged, 'name')).toBe('');
    expect(at(damaged, 'idNumber')).toBe('');
    expect(at(damaged, 'integrity')).toBe('altered;unreadable:name_enc');
    expect(lines.slice(1).filter((l) => at(l, 'integrity') === 'ok')).toHaveLength(21);
    expect(lines.slice(1).filter((l) => /\*/.test(at(l, 'name') ?? ''))).toHaveLength(21);

    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`damaged record ${ids[5]}: a stored value could not be read`);
    expect(r.stderr).toContain('partial export: 1 damaged and 1 altered record(s) of 22');

    const store = await KioskStore.open({ dataDir: data.dir, maintenanceIntervalMs: 0 });
    try {
      const last = store.audit.list().at(-1)!;
      expect(last).toMatchObject({ actor: 'cli', action: 'export', detail: { count: 22, partial: true, damaged: 1, altered: 1, recordIds: ids[5], masked: true } });
      expect(store.audit.verify().ok).toBe(true);
    } finally {
      store.close();
    }
  });

  it('9.9 damaged value: the JSON lines export carries the same flags', async () => {
    const r = await runCli(['export', '--from', '2026-11-01', '--to', '2026-11-30', '--format', 'jsonl', '--data', data.dir]);
    const rows = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(rows).toHaveLength(22);
    expect(rows.map((x) => x.id)).toEqual(ids);
    expect(rows[5]).toMatchObject({ id: ids[5], name: '', cardType: '', integrity: 'altered;unreadable:name_enc' });
  });
});
