import type { SqliteDatabase } from './database.js';

/**
 * The schema, as an ordered list of migrations. Each runs in its own transaction together with the
 * row that records it in `schema_version`, so a crash mid-migration leaves the previous version intact.
 * Never edit a released migration: append a new one.
 */
export interface Migration {
  version: number;
  description: string;
  up(db: SqliteDatabase): void;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'screenings, outbox, settings, meta',
    up(db) {
      db.exec(`
        CREATE TABLE meta (
          key   TEXT PRIMARY KEY,
          value TEXT NOT NULL
        ) STRICT;

        -- One row per started screening. In clear: only what statistics need (region code = first
        -- 6 digits of the ID number, birth year, sex) and the decision. Personal fields are
        -- AES-256-GCM ciphertexts; id_hash is the HMAC blind index of the ID number.
        CREATE TABLE screenings (
          id             TEXT    PRIMARY KEY,   -- UUIDv7, also the upload idempotency key
          checkpoint_id  TEXT    NOT NULL,
          device_id      TEXT    NOT NULL,
          started_at     TEXT    NOT NULL,
          finished_at    TEXT    NOT NULL,
          finished_ms    INTEGER NOT NULL,      -- epoch ms of finished_at: statistics and retention
          station_mode   TEXT    NOT NULL,
          outcome        TEXT    NOT NULL CHECK (outcome IN ('pass', 'hold', 'abandoned')),
          decision       TEXT    CHECK (decision IN ('PASS', 'HOLD')),
          mode           TEXT    NOT NULL,
          colour         TEXT,
          fever          INTEGER NOT NULL CHECK (fever IN (0, 1)),
          reasons        TEXT    NOT NULL,      -- JSON Reason[]
          temperatures   TEXT    NOT NULL,      -- JSON TemperatureEstimate[]
          duplicate_of   TEXT,
          policy_version TEXT    NOT NULL,
          abandon_reason TEXT,
          card_type      TEXT,
          region_code    TEXT,
          birth_year     INTEGER,
          sex            TEXT,
          id_valid       INTEGER,
          id_hash        BLOB,
          name_enc       BLOB,
          id_number_enc  BLOB,
          address_enc    BLOB,
          photo_enc      BLOB,
          card_rest_enc  BLOB                   -- the other card fields (dates, issuer, ...) as JSON
        ) STRICT;
        CREATE INDEX screenings_by_id_hash ON screenings(id_hash) WHERE id_hash IS NOT NULL;

        -- Transactional outbox (style guide section 10). The payload is encrypted: it carries the card.
        CREATE TABLE outbox (
          id              INTEGER PRIMARY KEY,
          idempotency_key TEXT    NOT NULL UNIQUE,
          kind            TEXT    NOT NULL,
          record_id       TEXT    NOT NULL,
          payload         BLOB,                -- encrypted JSON incl. schemaVersion; NULL once acknowledged
          attempts        INTEGER NOT NULL DEFAULT 0,
          next_attempt_at INTEGER NOT NULL,
          last_error      TEXT,
          created_at      INTEGER NOT NULL,
          status          TEXT    NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'dead')),
          acknowledged_at INTEGER
        ) STRICT;
        CREATE INDEX outbox_due ON outbox(status, next_attempt_at);
        CREATE INDEX outbox_by_record ON outbox(record_id);

        CREATE TABLE settings (
          key        TEXT PRIMARY KEY,
          value      TEXT NOT NULL,             -- JSON
          updated_at TEXT NOT NULL
        ) STRICT;
      `);
    },
  },
  {
    version: 2,
    description: 'outbox priority (holds and fevers first); hash-chained append-only audit log',
    up(db) {
      db.exec(`
        ALTER TABLE outbox ADD COLUMN priority INTEGER NOT NULL DEFAULT 0;
        UPDATE outbox SET priority = 1
          WHERE kind = 'screening' AND record_id IN (SELECT id FROM screenings WHERE decision = 'HOLD' OR fever = 1);
        DROP INDEX outbox_due;
        CREATE INDEX outbox_due ON outbox(status, priority DESC, next_attempt_at, id);

        CREATE TABLE audit_log (
          seq       INTEGER PRIMARY KEY,
          at        TEXT NOT NULL,
          actor     TEXT NOT NULL,
          action    TEXT NOT NULL,
          detail    TEXT NOT NULL,              -- canonical JSON, never personal data
          prev_hash TEXT NOT NULL,
          hash      TEXT NOT NULL
        ) STRICT;
        CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
          BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: UPDATE is forbidden'); END;
        CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
          BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: DELETE is forbidden'); END;
      `);
    },
  },
  {
    version: 3,
    description: 'dispositions, calibrations, device events, settings changes; statistics index',
    up(db) {
      db.exec(`
        CREATE TABLE dispositions (
          id           TEXT PRIMARY KEY,         -- UUIDv7
          screening_id TEXT NOT NULL REFERENCES screenings(id),
          staff_id     TEXT NOT NULL,
          action       TEXT NOT NULL,
          note_enc     BLOB,                     -- free text may name a person: encrypted
          at           TEXT NOT NULL,
          at_ms        INTEGER NOT NULL
        ) STRICT;
        CREATE INDEX dispositions_by_screening ON dispositions(screening_id);

        CREATE TABLE calibrations (
          id            TEXT PRIMARY KEY,
          device_id     TEXT NOT NULL,
          performed_at  TEXT NOT NULL,
          gain          REAL NOT NULL,
          offset_c      REAL NOT NULL,
          points        TEXT NOT NULL,           -- JSON [{referenceC, measuredC}]
          technician_id TEXT,
          note          TEXT
        ) STRICT;
        CREATE INDEX calibrations_by_device ON calibrations(device_id, performed_at);

        CREATE TABLE device_events (
          id        TEXT PRIMARY KEY,
          device_id TEXT NOT NULL,
          at        TEXT NOT NULL,
          kind      TEXT NOT NULL,
          detail    TEXT NOT NULL                -- JSON, no personal data
        ) STRICT;
        CREATE INDEX device_events_by_time ON device_events(at);

        CREATE TABLE settings_changes (
          id        TEXT PRIMARY KEY,
          at        TEXT NOT NULL,
          actor     TEXT NOT NULL,
          key       TEXT NOT NULL,
          old_value TEXT,                        -- JSON; secrets recorded as "[redacted]"
          new_value TEXT
        ) STRICT;

        -- Covering index: the per-hour statistics read only this index, only the rows in range.
        CREATE INDEX screenings_stats ON screenings(finished_ms, outcome, fever);
      `);
    },
  },
  {
    version: 4,
    description: 'per-quarter-hour screening counts kept by trigger (statistics without scanning records); drop unused outbox_by_record',
    up(db) {
      db.exec(`
        -- Counts per 15-minute bucket (finished_ms / 900000). Every UTC offset in use is a multiple of
        -- 15 minutes, so local hours are sums of whole buckets in any time zone. Counts hold no
        -- personal data and are kept when retention purges the records themselves.
        CREATE TABLE screening_counts (
          bucket    INTEGER PRIMARY KEY,
          passed    INTEGER NOT NULL DEFAULT 0,
          held      INTEGER NOT NULL DEFAULT 0,
          fever     INTEGER NOT NULL DEFAULT 0,
          abandoned INTEGER NOT NULL DEFAULT 0
        ) STRICT;
        INSERT INTO screening_counts (bucket, passed, held, fever, abandoned)
          SELECT finished_ms / 900000, SUM(outcome = 'pass'), SUM(outcome = 'hold'), SUM(fever), SUM(outcome = 'abandoned')
            FROM screenings GROUP BY finished_ms / 900000;
        CREATE TRIGGER screenings_count AFTER INSERT ON screenings
        BEGIN
          INSERT INTO screening_counts (bucket, passed, held, fever, abandoned)
            VALUES (NEW.finished_ms / 900000, NEW.outcome = 'pass', NEW.outcome = 'hold', NEW.fever, NEW.outcome = 'abandoned')
            ON CONFLICT(bucket) DO UPDATE SET
              passed = passed + excluded.passed, held = held + excluded.held,
              fever = fever + excluded.fever, abandoned = abandoned + excluded.abandoned;
        END;
        DROP INDEX outbox_by_record;
      `);
    },
  },
  {
    version: 5,
    description: 'keyed seals: a MAC per screening row and per audit entry (store-seal.ts); rows already there are sealed once by KioskStore.open',
    up(db) {
      // Nullable on purpose: NULL columns are left out of a row's seal (store-seal.ts), so a later
      // migration that adds a screenings column must add it nullable too, or every old seal breaks.
      db.exec(`
        ALTER TABLE screenings ADD COLUMN mac BLOB;
        ALTER TABLE audit_log ADD COLUMN mac TEXT;
      `);
    },
  },
  {
    version: 6,
    description: 'screenings: which lists the decision consulted (standalone kiosks consult none)',
    up(db) {
      db.exec(`
        -- JSON {source: 'standalone' | 'file' | ..., refreshedAt}; NULL for records made before.
        ALTER TABLE screenings ADD COLUMN lists TEXT;
      `);
    },
  },
  {
    version: 7,
    description: 'consoles: accounts, sign-in attempts, sessions; hold re-checks; manual registrations; calibration runs and drift checks; site body-temperature model fits',
    up(db) {
      db.exec(`
        -- Named console accounts. The PIN is kept only as an scrypt hash (technician-credentials.ts).
        CREATE TABLE accounts (
          id             TEXT PRIMARY KEY,                 -- UUIDv7
          name           TEXT NOT NULL UNIQUE COLLATE NOCASE,
          role           TEXT NOT NULL CHECK (role IN ('staff', 'technician')),
          pin_hash       TEXT NOT NULL,
          created_at     TEXT NOT NULL,
          created_by     TEXT NOT NULL,
          pin_changed_at TEXT NOT NULL,
          disabled_at    TEXT
        ) STRICT;

        -- Every sign-in attempt (the lock-out counters are computed from these, so a restart resets nothing).
        CREATE TABLE sign_in_attempts (
          id         INTEGER PRIMARY KEY,
          account_id TEXT,                                  -- NULL: the name is no account
          at_ms      INTEGER NOT NULL,
          kind       TEXT NOT NULL CHECK (kind IN ('failure', 'success', 'unlock')),
          origin     TEXT NOT NULL
        ) STRICT;
        CREATE INDEX sign_in_attempts_by_time ON sign_in_attempts(at_ms);
        CREATE INDEX sign_in_attempts_by_account ON sign_in_attempts(account_id, at_ms);

        -- Console sessions (bound to one connection; nothing here is a bearer secret).
        CREATE TABLE console_sessions (
          id         TEXT PRIMARY KEY,
          account_id TEXT NOT NULL REFERENCES accounts(id),
          origin     TEXT NOT NULL,
          started_at TEXT NOT NULL,
          ended_at   TEXT,
          end_reason TEXT
        ) STRICT;

        -- A hold's resolution: the re-check with a contact thermometer travels with the disposition.
        ALTER TABLE dispositions ADD COLUMN recheck_c REAL;
        ALTER TABLE dispositions ADD COLUMN recheck_method TEXT;
        CREATE INDEX screenings_holds ON screenings(finished_ms) WHERE outcome = 'hold';

        -- People registered by staff without a readable card. Personal fields encrypted; id_hash is the
        -- blind index of the document number.
        CREATE TABLE manual_registrations (
          id                  TEXT PRIMARY KEY,
          at                  TEXT NOT NULL,
          at_ms               INTEGER NOT NULL,
          staff_id            TEXT NOT NULL,
          document_type       TEXT NOT NULL,
          number_check        TEXT NOT NULL CHECK (number_check IN ('valid', 'no-rule')),
          id_hash             BLOB NOT NULL,
          document_number_enc BLOB NOT NULL,
          name_enc            BLOB NOT NULL,
          phone_enc           BLOB,
          screening_id        TEXT
        ) STRICT;
        CREATE INDEX manual_registrations_by_screening ON manual_registrations(screening_id) WHERE screening_id IS NOT NULL;

        -- The whole blackbody run behind a calibration (kind, blackbody, ambient, verification ...), JSON.
        ALTER TABLE calibrations ADD COLUMN run TEXT;

        CREATE TABLE calibration_checks (
          id             TEXT PRIMARY KEY,
          calibration_id TEXT NOT NULL REFERENCES calibrations(id),
          device_id      TEXT NOT NULL,
          at             TEXT NOT NULL,
          reference_c    REAL NOT NULL,
          error_c        REAL NOT NULL,
          limit_c        REAL NOT NULL,
          flagged        INTEGER NOT NULL CHECK (flagged IN (0, 1)),
          readings       TEXT NOT NULL,                     -- JSON raw readings
          technician_id  TEXT
        ) STRICT;
        CREATE INDEX calibration_checks_by_calibration ON calibration_checks(calibration_id, at);

        -- Site skin-to-body model fits against a clinical thermometer (no identities: pairs of numbers).
        CREATE TABLE site_model_fits (
          id            TEXT PRIMARY KEY,
          at            TEXT NOT NULL,
          technician_id TEXT NOT NULL,
          model         TEXT NOT NULL,                      -- JSON SkinToBodyModel
          pairs         TEXT NOT NULL,                      -- JSON [{skinC, ambientC, clinicalC, estimateC, residualC}]
          residual_sd_c REAL NOT NULL,
          uncertainty_c REAL NOT NULL,
          clinical      TEXT NOT NULL                       -- JSON {method, thermometer}
        ) STRICT;
      `);
    },
  },
  {
    version: 8,
    description: 'privacy: manual registrations found by the blind index of their number (a person\'s requests) and by age (retention)',
    up(db) {
      db.exec(`
        CREATE INDEX manual_registrations_by_id_hash ON manual_registrations(id_hash);
        CREATE INDEX manual_registrations_unlinked ON manual_registrations(at_ms) WHERE screening_id IS NULL;
      `);
    },
  },
];

export const LATEST_SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

export function currentSchemaVersion(db: SqliteDatabase): number {
  const exists = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'").get();
  if (!exists) return 0;
  const row = db.prepare('SELECT MAX(version) AS v FROM schema_version').get() as { v: number | null };
  return row.v ?? 0;
}

/**
 * Brings the schema up to `target` (default: the latest). Returns the versions applied.
 * A database written by a newer build is refused with a clear message and left untouched.
 */
export function migrate(
  db: SqliteDatabase,
  options: { target?: number; now?: () => Date; migrations?: readonly Migration[] } = {},
): number[] {
  const migrations = options.migrations ?? MIGRATIONS;
  const latest = migrations[migrations.length - 1]?.version ?? 0;
  const target = options.target ?? latest;
  const now = options.now ?? (() => new Date());
  db.exec(`CREATE TABLE IF NOT EXISTS schema_version (
    version     INTEGER PRIMARY KEY,
    applied_at  TEXT NOT NULL,
    description TEXT NOT NULL
  ) STRICT`);
  const current = currentSchemaVersion(db);
  if (current > latest) {
    throw new Error(
      `the database has schema version ${current} but this kiosk build only knows up to ${latest}; ` +
        'install the newer kiosk software (nothing was changed)',
    );
  }
  const applied: number[] = [];
  for (const m of migrations) {
    if (m.version <= current || m.version > target) continue;
    db.transaction(() => {
      m.up(db);
      db.prepare('INSERT INTO schema_version (version, applied_at, description) VALUES (?, ?, ?)').run(m.version, now().toISOString(), m.description);
    }).immediate();
    applied.push(m.version);
  }
  return applied;
}
