import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StaticKeyProvider } from '../../main/store/key-provider.js';
import { KioskStore } from '../../main/store/kiosk-store.js';
import { currentSchemaVersion, LATEST_SCHEMA_VERSION, migrate, MIGRATIONS, type Migration } from '../../main/store/migrations.js';
import { aadFor, PersonalDataCipher } from '../../main/store/personal-data-cipher.js';
import { newRecordId } from '../../main/store/record-id.js';
import { totals } from '../../main/store/statistics.js';
import { tempDataDir } from '../fixtures/store/temp-data-dir.js';

const KEY = Buffer.alloc(32, 9);
let data: ReturnType<typeof tempDataDir>;
beforeEach(() => {
  data = tempDataDir();
});
afterEach(() => data.cleanup());

const tableNames = (db: Database.Database) => (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all() as string[]).filter((n) => !n.startsWith('sqlite_'));

/** Writes a held screening and its outbox row the way a build at `version` did (raw SQL, v1 columns). */
function seedOldDatabase(file: string, version: number): { id: string } {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  migrate(db, { target: version });
  const cipher = new PersonalDataCipher(KEY);
  const id = newRecordId();
  const aad = (c: string) => aadFor('screenings', c, id);
  db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)').run('key_check', cipher.keyCheckValue());
  db.prepare(
    `INSERT INTO screenings (id, checkpoint_id, device_id, started_at, finished_at, finished_ms, station_mode, outcome, decision, mode,
       colour, fever, reasons, temperatures, duplicate_of, policy_version, card_type, region_code, birth_year, sex, id_valid, id_hash,
       name_enc, id_number_enc, address_enc, photo_enc, card_rest_enc)
     VALUES (?, 'CP', 'dev', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:05.000Z', ?, 'card-then-temp', 'hold', 'HOLD', 'hard',
       NULL, 1, '[]', '[]', NULL, 'p1', 'resident', '110105', 1949, 'female', 1, ?, ?, ?, ?, ?, ?)`,
  ).run(
    id,
    Date.parse('2026-01-01T00:00:05.000Z'),
    cipher.blindIndex('11010519491231002X'),
    cipher.encryptText('张三', aad('name')),
    cipher.encryptText('11010519491231002X', aad('id_number')),
    cipher.encryptText('北京市示例路1号', aad('address')),
    cipher.encrypt(Buffer.alloc(1024, 1), aad('photo')),
    cipher.encryptText(JSON.stringify({ type: 'resident', sex: 'female', sexCode: '2', idNumberValid: true, birthDate: '1949-12-31', validFrom: '2015-01-01', validUntil: 'long-term', hasUnusualCharacters: false, nationCode: '01', nation: '汉', issuer: '示例' }), aad('card_rest')),
  );
  const payload = cipher.encryptText(JSON.stringify({ schemaVersion: 1, kind: 'screening', record: { id } }), aadFor('outbox', 'payload', id));
  if (version >= 2) {
    db.prepare("INSERT INTO outbox (idempotency_key, kind, record_id, payload, priority, next_attempt_at, created_at) VALUES (?, 'screening', ?, ?, 1, 0, 0)").run(id, id, payload);
  } else {
    db.prepare("INSERT INTO outbox (idempotency_key, kind, record_id, payload, next_attempt_at, created_at) VALUES (?, 'screening', ?, ?, 0, 0)").run(id, id, payload);
  }
  db.close();
  return { id };
}

describe('migrations', () => {
  it('are numbered 1, 2, 3, ... and the latest is the last of them; the released 1–4 are all there', () => {
    expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
    expect(LATEST_SCHEMA_VERSION).toBe(MIGRATIONS.at(-1)!.version);
    expect(MIGRATIONS.slice(0, 4).map((m) => m.version)).toEqual([1, 2, 3, 4]);
  });

  it('build the latest schema from an empty database, recording every version', () => {
    const db = new Database(':memory:');
    expect(migrate(db)).toEqual(MIGRATIONS.map((m) => m.version));
    expect(currentSchemaVersion(db)).toBe(LATEST_SCHEMA_VERSION);
    expect(tableNames(db)).toEqual([
      'accounts',
      'audit_log',
      'calibration_checks',
      'calibrations',
      'console_sessions',
      'device_events',
      'dispositions',
      'manual_registrations',
      'meta',
      'outbox',
      'schema_version',
      'screening_counts',
      'screenings',
      'settings',
      'settings_changes',
      'sign_in_attempts',
      'site_model_fits',
    ]);
    expect(migrate(db)).toEqual([]);
  });

  for (let from = 1; from < LATEST_SCHEMA_VERSION; from++) {
    it(`upgrade a database written at version ${from} without losing its records`, async () => {
      const { id } = seedOldDatabase(join(data.dir, 'kiosk.db'), from);
      const store = await KioskStore.open({ dataDir: data.dir, keyProvider: new StaticKeyProvider(KEY), maintenanceIntervalMs: 0 });
      try {
        expect(currentSchemaVersion(store.db)).toBe(LATEST_SCHEMA_VERSION);
        const record = store.records.get(id);
        expect(record?.card?.idNumber).toBe('11010519491231002X');
        expect(record?.card?.name).toBe('张三');
        const [item] = store.outbox.nextBatch(5, Date.now());
        expect(item?.idempotencyKey).toBe(id);
        // Held: urgent (v2 backfills the priority of rows written by a v1 build).
        expect(item?.priority).toBe(1);
        const d = await store.dispositions.record({ screeningId: id, staffId: 'staff-1', action: 'released', note: null });
        expect(store.dispositions.forScreening(id)).toEqual([d]);
        expect(store.audit.verify().ok).toBe(true);
        // v4 backfilled the statistics counts from the records already there.
        expect(totals(store.stats.hourly(new Date('2026-01-01T00:00:00Z'), new Date('2026-01-01T01:00:00Z')))).toMatchObject({ held: 1, fever: 1 });
      } finally {
        store.close();
      }
    });
  }

  it('roll back a migration that fails, leaving the previous version', () => {
    const db = new Database(':memory:');
    const broken: Migration[] = [
      ...MIGRATIONS.slice(0, 1),
      {
        version: 2,
        description: 'broken',
        up(d) {
          d.exec('CREATE TABLE half_done (x INTEGER)');
          throw new Error('boom');
        },
      },
    ];
    expect(() => migrate(db, { migrations: broken })).toThrow('boom');
    expect(currentSchemaVersion(db)).toBe(1);
    expect(tableNames(db)).not.toContain('half_done');
  });

  it('refuse a database from a newer build and change nothing', () => {
    const db = new Database(':memory:');
    migrate(db);
    db.prepare("INSERT INTO schema_version (version, applied_at, description) VALUES (?, 'x', 'future')").run(LATEST_SCHEMA_VERSION + 1);
    expect(() => migrate(db)).toThrow(/schema version \d+ but this kiosk build only knows up to \d+.*nothing was changed/);
  });
});
