import Database from 'better-sqlite3';
import { copyFileSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../main/store/database.js';
import { KioskStore } from '../../main/store/kiosk-store.js';
import { DatabaseCorruptError } from '../../main/store/store-errors.js';
import { tempDataDir } from '../fixtures/store/temp-data-dir.js';

let data: ReturnType<typeof tempDataDir>;
beforeEach(() => {
  data = tempDataDir();
});
afterEach(() => data.cleanup());

describe('openDatabase', () => {
  it('sets WAL, synchronous=FULL, foreign keys and a busy timeout', () => {
    const db = openDatabase(join(data.dir, 'a.db'));
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('synchronous', { simple: true })).toBe(2);
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('busy_timeout', { simple: true })).toBe(10000);
    db.close();
  });

  it('preserves a copy and explains when the integrity check fails', () => {
    const file = join(data.dir, 'kiosk.db');
    const db = new Database(file);
    db.pragma('journal_mode = DELETE');
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT); CREATE INDEX t_v ON t(v);');
    const insert = db.prepare('INSERT INTO t (v) VALUES (?)');
    db.transaction(() => {
      for (let i = 0; i < 2000; i++) insert.run(`value-${i}`);
    })();
    const pageSize = db.pragma('page_size', { simple: true }) as number;
    const root = (db.prepare("SELECT rootpage FROM sqlite_master WHERE name = 't_v'").get() as { rootpage: number }).rootpage;
    db.close();
    // Damage the index: scribble over the cell area of its root page.
    const bytes = readFileSync(file);
    bytes.fill(0x5a, (root - 1) * pageSize + 200, root * pageSize - 8);
    writeFileSync(file, bytes);
    const damaged = readFileSync(file);

    let err: unknown;
    try {
      openDatabase(file, { now: () => new Date('2026-11-28T10:00:00Z') });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DatabaseCorruptError);
    const e = err as DatabaseCorruptError;
    expect(e.message).toMatch(/failed its integrity check .* a copy was preserved at .*kiosk\.db\.corrupt-2026-11-28T10-00-00-000Z/);
    // Exactly what SQLite itself says of the damaged file when asked directly (on a copy of the
    // preserved copy): here the check cannot even finish, SQLITE_CORRUPT "database disk image is malformed".
    const probe = join(data.dir, 'probe.db');
    copyFileSync(e.preservedCopy, probe);
    const direct = new Database(probe);
    let findings: string[];
    try {
      findings = (direct.pragma('integrity_check') as Array<{ integrity_check: string }>).map((r) => r.integrity_check);
    } catch (sqliteErr) {
      findings = [`${(sqliteErr as { code: string }).code}: ${(sqliteErr as Error).message}`];
    }
    direct.close();
    expect(findings).not.toEqual(['ok']);
    expect(e.problems).toEqual(findings);
    expect(readFileSync(e.preservedCopy).equals(damaged)).toBe(true);
    expect(readFileSync(file).equals(damaged)).toBe(true);
  });

  it('treats a file that is not a database the same way', async () => {
    const file = join(data.dir, 'kiosk.db');
    writeFileSync(file, Buffer.alloc(8192, 0x41));
    await expect(KioskStore.open({ dataDir: data.dir, maintenanceIntervalMs: 0 })).rejects.toBeInstanceOf(DatabaseCorruptError);
    const copies = readdirSync(data.dir).filter((f) => f.startsWith('kiosk.db.corrupt-'));
    expect(copies).toHaveLength(1);
    expect(readFileSync(join(data.dir, copies[0]!)).equals(Buffer.alloc(8192, 0x41))).toBe(true);
    expect(existsSync(file)).toBe(true);
  });
});
