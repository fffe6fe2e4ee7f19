import type { SqliteDatabase } from './database.js';
import { aadFor, type PersonalDataCipher } from './personal-data-cipher.js';

/** `erasure`: a person's deletion request for central (subject-data.ts): record ids and the deployment's ID hash, never the number. */
export type OutboxKind =
  | 'screening'
  | 'disposition'
  | 'calibration'
  | 'device-event'
  | 'settings-change'
  | 'manual-registration'
  | 'registration-link'
  | 'calibration-check'
  | 'site-model-fit'
  | 'erasure';

/** Bump when the payload shape changes; queued rows keep the version they were written with. */
export const OUTBOX_PAYLOAD_SCHEMA_VERSION = 1;

/** Holds and fevers (and dispositions of them) go first. */
export const PRIORITY_URGENT = 1;
export const PRIORITY_NORMAL = 0;

export interface OutboxPayload<T = unknown> {
  schemaVersion: number;
  kind: OutboxKind;
  record: T;
}

export interface OutboxItem {
  /** The record's UUIDv7: send it as the `Idempotency-Key` header on every attempt. */
  idempotencyKey: string;
  kind: OutboxKind;
  recordId: string;
  payload: OutboxPayload;
  priority: number;
  attempts: number;
  createdAt: number;
  nextAttemptAt: number;
  lastError: string | null;
}

export interface OutboxCounts {
  pending: number;
  dead: number;
  sent: number;
}

interface OutboxRow {
  idempotency_key: string;
  kind: OutboxKind;
  record_id: string;
  payload: Buffer | null;
  priority: number;
  attempts: number;
  created_at: number;
  next_attempt_at: number;
  last_error: string | null;
}

/**
 * The transactional outbox (main/store/README.md). Rows are written by the record modules in the
 * same transaction as their record (`enqueue`); the uploader reads `nextBatch`, then reports each row
 * as acknowledged (2xx), failed (retry later) or dead (non-retryable 4xx: kept, surfaced to staff,
 * never blocks later rows). Payloads carry personal data and are encrypted; an acknowledged row's
 * payload is erased at once (the record itself stays until retention purges it).
 */
export class Outbox {
  private readonly insert;

  constructor(
    private readonly db: SqliteDatabase,
    private readonly cipher: PersonalDataCipher,
    private readonly now: () => number = Date.now,
  ) {
    this.insert = db.prepare(
      `INSERT INTO outbox (idempotency_key, kind, record_id, payload, priority, next_attempt_at, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    );
  }

  /** Called inside the record's transaction. */
  enqueue(kind: OutboxKind, recordId: string, record: unknown, priority: number): void {
    const payload: OutboxPayload = { schemaVersion: OUTBOX_PAYLOAD_SCHEMA_VERSION, kind, record };
    const at = this.now();
    this.insert.run(recordId, kind, recordId, this.cipher.encryptText(JSON.stringify(payload), aadFor('outbox', 'payload', recordId)), priority, at, at);
  }

  /** Pending rows due now: urgent first, then oldest first. */
  nextBatch(limit: number, now: number = this.now()): OutboxItem[] {
    const rows = this.db
      .prepare(
        `SELECT idempotency_key, kind, record_id, payload, priority, attempts, created_at, next_attempt_at, last_error
           FROM outbox WHERE status = 'pending' AND next_attempt_at <= ?
          ORDER BY priority DESC, next_attempt_at, id LIMIT ?`,
      )
      .all(now, limit) as OutboxRow[];
    return rows.map((r) => this.toItem(r));
  }

  /** The central service confirmed these (2xx). Returns how many rows changed. */
  markAcknowledged(idempotencyKeys: readonly string[], at: number = this.now()): number {
    const stmt = this.db.prepare(
      `UPDATE outbox SET status = 'sent', acknowledged_at = ?, payload = NULL, last_error = NULL
        WHERE idempotency_key = ? AND status != 'sent'`,
    );
    return this.db.transaction(() => idempotencyKeys.reduce((n, key) => n + stmt.run(at, key).changes, 0)).immediate();
  }

  /** A retryable failure (network, 408, 429, 5xx): try again at `retryAt` (epoch ms). */
  markFailed(idempotencyKey: string, error: string, retryAt: number): void {
    this.db
      .prepare(
        `UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_attempt_at = ?
          WHERE idempotency_key = ? AND status = 'pending'`,
      )
      .run(error.slice(0, 500), Math.trunc(retryAt), idempotencyKey);
  }

  /** A non-retryable rejection: dead letter. The record is kept and never purged. */
  markDead(idempotencyKey: string, error: string): void {
    this.db
      .prepare(`UPDATE outbox SET attempts = attempts + 1, last_error = ?, status = 'dead' WHERE idempotency_key = ? AND status = 'pending'`)
      .run(error.slice(0, 500), idempotencyKey);
  }

  /** Dead-lettered rows, for the staff screen. */
  deadLetters(limit = 100): OutboxItem[] {
    const rows = this.db
      .prepare(
        `SELECT idempotency_key, kind, record_id, payload, priority, attempts, created_at, next_attempt_at, last_error
           FROM outbox WHERE status = 'dead' ORDER BY id LIMIT ?`,
      )
      .all(limit) as OutboxRow[];
    return rows.map((r) => this.toItem(r));
  }

  /** Puts a dead row back in the queue (after the cause was fixed). */
  requeue(idempotencyKey: string, at: number = this.now()): boolean {
    return this.db.prepare(`UPDATE outbox SET status = 'pending', next_attempt_at = ? WHERE idempotency_key = ? AND status = 'dead'`).run(at, idempotencyKey).changes === 1;
  }

  counts(): OutboxCounts {
    const rows = this.db.prepare('SELECT status, COUNT(*) AS n FROM outbox GROUP BY status').all() as Array<{ status: keyof OutboxCounts; n: number }>;
    const counts: OutboxCounts = { pending: 0, dead: 0, sent: 0 };
    for (const r of rows) counts[r.status] = r.n;
    return counts;
  }

  /** The status of one row, or null when there is none. */
  status(idempotencyKey: string): 'pending' | 'sent' | 'dead' | null {
    const row = this.db.prepare('SELECT status FROM outbox WHERE idempotency_key = ?').get(idempotencyKey) as { status: 'pending' | 'sent' | 'dead' } | undefined;
    return row?.status ?? null;
  }

  private toItem(r: OutboxRow): OutboxItem {
    const payload = r.payload
      ? (JSON.parse(this.cipher.decryptText(r.payload, aadFor('outbox', 'payload', r.idempotency_key))) as OutboxPayload)
      : { schemaVersion: OUTBOX_PAYLOAD_SCHEMA_VERSION, kind: r.kind, record: null };
    return {
      idempotencyKey: r.idempotency_key,
      kind: r.kind,
      recordId: r.record_id,
      payload,
      priority: r.priority,
      attempts: r.attempts,
      createdAt: r.created_at,
      nextAttemptAt: r.next_attempt_at,
      lastError: r.last_error,
    };
  }
}
