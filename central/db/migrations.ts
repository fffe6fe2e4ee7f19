import type { CentralDatabase } from './central-database.js';

/**
 * Central's schema, as ordered migrations that PostgreSQL 15 and PGlite (18) both run. Each runs in
 * its own transaction together with its row in `central_schema_version`, under an advisory lock, so
 * several central instances starting at once against one PostgreSQL apply each migration once.
 * Never edit a released migration: append a new one.
 */
export interface CentralMigration {
  version: number;
  description: string;
  sql: string;
}

export const CENTRAL_MIGRATIONS: readonly CentralMigration[] = [
  {
    version: 1,
    description: 'checkpoints, kiosks, records (idempotent by id), conflicts, lists and versions, admins, sessions, audit',
    sql: `
      CREATE TABLE checkpoints (
        id         text PRIMARY KEY,
        name       text,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      -- token_hash: SHA-256 of the kiosk's bearer token (256 random bits); the token itself is never stored.
      CREATE TABLE kiosks (
        id               text PRIMARY KEY,
        checkpoint_id    text NOT NULL REFERENCES checkpoints(id),
        token_hash       text NOT NULL UNIQUE,
        enrolled_at      timestamptz NOT NULL DEFAULT now(),
        first_contact_at timestamptz,
        last_seen_at     timestamptz,
        heartbeat        jsonb,
        audit_head       jsonb
      );
      -- Every record a kiosk uploaded, once: the kiosk's UUIDv7 is the key. content_hash is the SHA-256
      -- of the canonical JSON sent; the same id with another hash is a conflict, never an overwrite.
      -- Personal data (the card, a disposition's note) is kept only encrypted (personal_enc) and as
      -- masks for screens and exports; id_hash is the keyed hash lists use.
      CREATE TABLE records (
        id            uuid PRIMARY KEY,
        kind          text NOT NULL,
        kiosk_id      text NOT NULL REFERENCES kiosks(id),
        checkpoint_id text NOT NULL,
        content_hash  text NOT NULL,
        received_at   timestamptz NOT NULL DEFAULT now(),
        occurred_at   timestamptz NOT NULL,
        outcome       text,
        decision      text,
        fever         boolean,
        colour        text,
        screening_id  uuid,
        action        text,
        id_masked     text,
        name_masked   text,
        id_hash       text,
        body          jsonb NOT NULL,
        personal_enc  bytea
      );
      CREATE INDEX records_screenings_by_checkpoint ON records (checkpoint_id, occurred_at) WHERE kind = 'screening';
      CREATE INDEX records_by_screening ON records (screening_id) WHERE screening_id IS NOT NULL;
      CREATE INDEX records_by_kind_time ON records (kind, occurred_at);
      CREATE TABLE record_conflicts (
        seq          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        record_id    uuid NOT NULL,
        kiosk_id     text NOT NULL,
        at           timestamptz NOT NULL DEFAULT now(),
        held_hash    text NOT NULL,
        offered_hash text NOT NULL
      );
      -- Lists: keyed hashes only (HMAC-SHA256 with the deployment's ID key), never ID numbers.
      CREATE TABLE list_entries (
        hmac       text NOT NULL,
        list_id    text NOT NULL,
        colour     text NOT NULL,
        reason     text,
        updated_at timestamptz NOT NULL,
        expires_at timestamptz,
        PRIMARY KEY (hmac, list_id)
      );
      CREATE TABLE key_regions (
        prefix text PRIMARY KEY,
        colour text NOT NULL,
        reason text
      );
      -- Each list version as distributed: the signed delta body and its Ed25519 signature.
      CREATE TABLE list_versions (
        version    bigint PRIMARY KEY,
        hash       text NOT NULL,
        body       jsonb NOT NULL,
        signature  text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE admins (
        username        text PRIMARY KEY,
        password_hash   text NOT NULL,
        failed_attempts integer NOT NULL DEFAULT 0,
        locked_until    timestamptz,
        created_at      timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE admin_sessions (
        token_hash text PRIMARY KEY,
        username   text NOT NULL REFERENCES admins(username),
        expires_at timestamptz NOT NULL
      );
      CREATE TABLE admin_audit (
        seq    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        at     timestamptz NOT NULL DEFAULT now(),
        actor  text NOT NULL,
        action text NOT NULL,
        detail jsonb NOT NULL
      );
    `,
  },
  {
    version: 2,
    description: 'audit anchors: the kiosks whose audit head did not continue the anchored one',
    sql: `
      -- kiosks.audit_head is the anchor: the last audit head that continued the one before it.
      -- A head that rewound, diverged from or replaced the anchored chain is kept here (never deleted).
      CREATE TABLE audit_anchor_alerts (
        seq      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        kiosk_id text NOT NULL REFERENCES kiosks(id),
        at       timestamptz NOT NULL DEFAULT now(),
        problem  text NOT NULL CHECK (problem IN ('rewound', 'diverged', 'replaced')),
        message  text NOT NULL,
        anchor   jsonb NOT NULL,
        head     jsonb NOT NULL
      );
      CREATE INDEX audit_anchor_alerts_by_kiosk ON audit_anchor_alerts (kiosk_id, at);
    `,
  },
];

const LOCK_ID = 7_311_011; // any constant: the migration lock for this schema

export async function migrateCentral(db: CentralDatabase, migrations: readonly CentralMigration[] = CENTRAL_MIGRATIONS): Promise<number[]> {
  const applied: number[] = [];
  await db.query(`CREATE TABLE IF NOT EXISTS central_schema_version (
    version     integer PRIMARY KEY,
    applied_at  timestamptz NOT NULL DEFAULT now(),
    description text NOT NULL
  )`);
  const latest = migrations[migrations.length - 1]?.version ?? 0;
  for (const m of migrations) {
    await db.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [LOCK_ID]);
      const [row] = await tx.query<{ v: number | null }>('SELECT MAX(version)::int AS v FROM central_schema_version');
      const current = row?.v ?? 0;
      if (current > latest) throw new Error(`central's database has schema version ${current}, newer than this build knows (${latest}); install the newer central (nothing was changed)`);
      if (m.version <= current) return;
      await tx.exec(m.sql);
      await tx.query('INSERT INTO central_schema_version (version, description) VALUES ($1, $2)', [m.version, m.description]);
      applied.push(m.version);
    });
  }
  return applied;
}
