import Database from 'better-sqlite3';
import { chmodSync, existsSync, mkdirSync, readdirSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseKioskConfig } from '../../main/config/kiosk-config.js';
import { KioskHost } from '../../main/host/kiosk-host.js';
import { ID_KEY_FILE } from '../../main/host/local-lists.js';
import { createLogger } from '../../main/host/logger.js';
import { FileKeyProvider } from '../../main/store/key-provider.js';
import { KioskStore } from '../../main/store/kiosk-store.js';
import { EmptyDatabaseError } from '../../main/store/store-errors.js';
import { runCli } from '../fixtures/cli/run-cli.js';
import { screeningRecord } from '../fixtures/store/screening-records.js';
import { tempDataDir } from '../fixtures/store/temp-data-dir.js';

/** Issue 9 items 7, 14 and 15 (data file modes): the store's files before SQLite sees them. */

let data: ReturnType<typeof tempDataDir>;
beforeEach(() => {
  data = tempDataDir();
});
afterEach(() => data.cleanup());

const db = () => join(data.dir, 'kiosk.db');
const mode = (f: string) => statSync(f).mode & 0o777;

/** A store with records and an export in its audit log, closed. */
async function storeWithHistory(): Promise<void> {
  const store = await KioskStore.open({ dataDir: data.dir, maintenanceIntervalMs: 0 });
  for (let i = 0; i < 3; i++) await store.records.commit(screeningRecord({ fever: i === 1 }, i));
  store.audit.append('cli', 'export', { count: 3 });
  store.close();
}

describe('9.7 zero-length kiosk.db', () => {
  it('9.7 zero-length kiosk.db: opening the store refuses it, naming the file and the fix, and changes nothing', async () => {
    await storeWithHistory();
    truncateSync(db(), 0);
    const err = await KioskStore.open({ dataDir: data.dir, maintenanceIntervalMs: 0 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EmptyDatabaseError);
    expect((err as Error).message).toContain(`the kiosk database ${db()} is empty (0 bytes), but a store existed here (kiosk.db.id (the store marker), kiosk.key (the store key))`);
    expect((err as Error).message).toContain('Restore kiosk.db from a backup');
    expect(statSync(db()).size).toBe(0);
  });

  it('9.7 zero-length kiosk.db: the host holds everyone for staff instead of starting an empty store', async () => {
    await storeWithHistory();
    // A kiosk's data directory also holds the deployment's ID key (made with the store by the host).
    await new FileKeyProvider(data.dir, ID_KEY_FILE).getKey({ create: true });
    truncateSync(db(), 0);
    const lines: Array<Record<string, unknown>> = [];
    const log = createLogger({ destination: new Writable({ write: (c, _e, done) => (lines.push(...String(c).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>)), done()) }) });
    const config = parseKioskConfig({ checkpoint: { id: 'cp-1', name: '测试' } });
    if (!config.ok) throw new Error(config.problems.join('\n'));
    const host = await KioskHost.start({ config: config.config, dataDir: data.dir, simulate: true, scenarios: [], log, simulationStart: 'immediately' });
    try {
      expect(host.health().store).toBe('unavailable');
      expect(lines.some((l) => l.level === 50 && String(l.err).includes('is empty (0 bytes), but a store existed here'))).toBe(true);
      expect(statSync(db()).size).toBe(0);
    } finally {
      await host.stop();
    }
  });

  it('9.7 zero-length kiosk.db: `kiosk export` refuses it; `kiosk audit verify` says what it is (9.14: not "schema too old")', async () => {
    await storeWithHistory();
    truncateSync(db(), 0);
    const exported = await runCli(['export', '--from', '2020-01-01', '--to', '2030-01-01', '--data', data.dir]);
    expect(exported.status).toBe(1);
    expect(exported.stderr).toContain('is empty (0 bytes), but a store existed here');
    expect(exported.stdout).toBe('');
    const verify = await runCli(['audit', 'verify', '--data', data.dir]);
    expect(verify.status).toBe(1);
    expect(verify.stderr).toContain('is empty (0 bytes), but a store existed here');
    expect(verify.stderr).not.toContain('schema too old');
    expect(statSync(db()).size).toBe(0);
  });

  it('9.7 a new, empty SQLite file put in place of the store is refused too', async () => {
    await storeWithHistory();
    for (const f of readdirSync(data.dir)) if (f.startsWith('kiosk.db-')) throw new Error(`left over: ${f}`);
    const fresh = new Database(`${db()}.new`);
    fresh.pragma('journal_mode = WAL');
    fresh.exec('CREATE TABLE x (y)');
    fresh.close();
    writeFileSync(db(), Buffer.alloc(0));
    const { renameSync } = await import('node:fs');
    renameSync(`${db()}.new`, db());
    await expect(KioskStore.open({ dataDir: data.dir, maintenanceIntervalMs: 0 })).rejects.toThrow(/holds no kiosk store, but kiosk\.db\.id shows one existed here/);
  });

  it('9.7 a first start stays a first start: an empty data directory, or an empty file with no store evidence', async () => {
    let store = await KioskStore.open({ dataDir: data.dir, maintenanceIntervalMs: 0 });
    store.close();
    const other = tempDataDir();
    try {
      writeFileSync(join(other.dir, 'kiosk.db'), Buffer.alloc(0));
      store = await KioskStore.open({ dataDir: other.dir, maintenanceIntervalMs: 0 });
      expect(store.audit.list().map((e) => e.action)).toEqual(['store.created']);
      store.close();
    } finally {
      other.cleanup();
    }
  });
});

describe('9.14 a corrupt database is preserved once', () => {
  async function corrupt(): Promise<void> {
    await storeWithHistory();
    // Overwrite the middle of the file (the pages after the header) with garbage.
    const fd = (await import('node:fs')).openSync(db(), 'r+');
    const { writeSync, closeSync } = await import('node:fs');
    writeSync(fd, Buffer.alloc(4096, 0xa5), 0, 4096, 4096);
    closeSync(fd);
  }
  const copies = () => readdirSync(data.dir).filter((f) => f.startsWith('kiosk.db.corrupt-') && !f.endsWith('-wal') && !f.endsWith('-shm'));

  it('9.14 corrupt database: three read-only `audit verify` runs and an export make one copy, then name it', async () => {
    await corrupt();
    const first = await runCli(['audit', 'verify', '--data', data.dir]);
    expect(first.status).toBe(1);
    expect(first.stderr).toMatch(/failed its integrity check .* a copy was preserved at .*kiosk\.db\.corrupt-/);
    expect(copies()).toHaveLength(1);
    for (let i = 0; i < 2; i++) {
      const again = await runCli(['audit', 'verify', '--data', data.dir]);
      expect(again.stderr).toContain(`a copy was preserved earlier at ${join(data.dir, copies()[0]!)}`);
    }
    await runCli(['export', '--from', '2020-01-01', '--to', '2030-01-01', '--data', data.dir]);
    expect(copies()).toHaveLength(1);
    expect(mode(join(data.dir, copies()[0]!))).toBe(0o600);
  });

  it('9.14 a zero-length database is reported as empty, not as "schema too old"', async () => {
    writeFileSync(db(), Buffer.alloc(0));
    const r = await runCli(['audit', 'verify', '--data', data.dir]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`the kiosk database ${db()} is empty (0 bytes): no store was ever written to it`);
    expect(r.stderr).not.toContain('schema too old');
  });
});

describe('15 data files are private', () => {
  it('15 data file modes: kiosk.db, its WAL and SHM, the marker and an export file are 0600, the data dir 0700', async () => {
    const store = await KioskStore.open({ dataDir: data.dir, maintenanceIntervalMs: 0 });
    await store.records.commit(screeningRecord({ finishedAt: new Date(2026, 10, 3, 12).toISOString() }));
    expect(mode(data.dir)).toBe(0o700);
    for (const f of ['kiosk.db', 'kiosk.db-wal', 'kiosk.db-shm', 'kiosk.db.id', 'kiosk.key']) expect([f, mode(join(data.dir, f))]).toEqual([f, 0o600]);
    store.close();
    const out = join(data.dir, 'export.csv');
    const r = await runCli(['export', '--from', '2026-11-01', '--to', '2026-11-30', '--data', data.dir, '--output', out]);
    expect(r.status).toBe(0);
    expect(mode(out)).toBe(0o600);
    const again = await runCli(['export', '--from', '2026-11-01', '--to', '2026-11-30', '--data', data.dir, '--output', out]);
    expect(again.status).toBe(2);
    expect(again.stderr).toContain('exists already');
  });

  it('15 data file modes: a store left 0644 by an older build is narrowed to 0600 when opened', async () => {
    const dir = join(data.dir, 'old');
    mkdirSync(dir, { mode: 0o755 });
    chmodSync(dir, 0o755);
    let store = await KioskStore.open({ dataDir: dir, maintenanceIntervalMs: 0 });
    store.close();
    chmodSync(dir, 0o755);
    chmodSync(join(dir, 'kiosk.db'), 0o644);
    store = await KioskStore.open({ dataDir: dir, maintenanceIntervalMs: 0 });
    expect(mode(dir)).toBe(0o700);
    expect(mode(join(dir, 'kiosk.db'))).toBe(0o600);
    expect(existsSync(join(dir, 'kiosk.db-wal')) ? mode(join(dir, 'kiosk.db-wal')) : 0o600).toBe(0o600);
    store.close();
  });
});
