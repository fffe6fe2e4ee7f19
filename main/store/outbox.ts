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

/**
 * The one meaning of "acknowledged", as SQL: when central acknowledged the record with this
 * idempotency key (epoch ms), NULL while it has not. Central answered `stored` or `duplicate` for it
 * and `markAcknowledged` recorded when (`acknowledged_at`; the status is then 'sent' and the payload
 * erased). A row that went out (`first_sent_at`) without such an answer is not acknowledged.
 * Retention (retention.ts) asks only this: a record is purged N days after it, with every
 * disposition of it; what it never says of a record is kept and flagged as undelivered.
 */
export function acknowledgedAtSql(idempotencyKey: string): string {
  return `(SELECT ack.acknowledged_at FROM outbox ack WHERE ack.idempotency_key = ${idempotencyKey})`;
}

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
  /** Epoch ms of the first upload attempt (the row is frozen from then on), or null if never sent. */
  firstSentAt: number | null;
}

/** What the heartbeat reports about the queue. */
export interface OutboxBacklog extends OutboxCounts {
  /** Epoch ms the oldest unsent (pending) record was queued, or null when none is waiting. */
  oldestPendingAt: number | null;
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
  first_sent_at: number | null;
}

const ROW_COLUMNS = 'idempotency_key, kind, record_id, payload, priority, attempts, created_at, next_attempt_at, last_error, first_sent_at';

/**
 * The transactional outbox (main/store/README.md). Rows are written by the record modules in the
 * same transaction as their record (`enqueue`); the uploader reads `nextBatch`, then reports each row
 * as acknowledged (2xx), failed (retry later) or dead (non-retryable 4xx: kept, surfaced to staff,
 * never blocks later rows). Payloads carry personal data and are encrypted; an acknowledged row's
 * payload is erased at once (the record itself stays until retention purges it).
 */
export class Outbox {
  private readonly insert;
  private readonly enqueueListeners = new Set<() => void>();

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
    for (const listener of this.enqueueListeners) listener();
  }

  /**
   * Calls `listener` whenever a row is enqueued. It runs inside the record's transaction, before the
   * commit: schedule the read (setImmediate), never read or write the database from the listener.
   * Returns the function that removes it.
   */
  onEnqueue(listener: () => void): () => void {
    this.enqueueListeners.add(listener);
    return () => this.enqueueListeners.delete(listener);
  }

  /**
   * Freezes rows as they go out for the first time: records when they were first sent and the
   * SHA-256 of the content sent, and leases them until `leaseUntil`. A row already frozen keeps its
   * first values; the rows whose content now hashes differently from what was first sent are returned
   * (they must not go out again).
   */
  markSent(sent: ReadonlyArray<{ idempotencyKey: string; sha256: string }>, at: number = this.now(), leaseUntil: number = at): string[] {
    // next_attempt_at moves to the end of the lease: while the request is out, nextBatch does not hand
    // the rows out again; after a crash they fall due when the lease ends (central answers duplicate).
    const freeze = this.db.prepare(
      `UPDATE outbox SET first_sent_at = COALESCE(first_sent_at, ?), sent_sha256 = COALESCE(sent_sha256, ?), next_attempt_at = MAX(next_attempt_at, ?)
        WHERE idempotency_key = ? RETURNING sent_sha256`,
    );
    return this.db
      .transaction(() =>
        sent.filter((s) => (freeze.get(at, s.sha256, Math.trunc(leaseUntil), s.idempotencyKey) as { sent_sha256: string } | undefined)?.sent_sha256 !== s.sha256).map((s) => s.idempotencyKey),
      )
      .immediate();
  }

  /** Pending rows due now: urgent first, then oldest first. */
  nextBatch(limit: number, now: number = this.now()): OutboxItem[] {
    const rows = this.db
      .prepare(
        `SELECT ${ROW_COLUMNS}
           FROM outbox WHERE status = 'pending' AND next_attempt_at <= ?
          ORDER BY priority DESC, next_attempt_at, id LIMIT ?`,
      )
      .all(now, limit) as OutboxRow[];
    const items: OutboxItem[] = [];
    for (const r of rows) {
      try {
        items.push(this.toItem(r));
      } catch (err) {
        // A payload that no longer decrypts (damaged on disk) can never be sent: dead letter, with why.
        this.markDead(r.idempotency_key, `payload cannot be read: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    return items;
  }

  /** Central acknowledged these (answered `stored` or `duplicate`), at `at`: see `acknowledgedAtSql`. Returns how many rows changed. */
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
        `SELECT ${ROW_COLUMNS} FROM outbox WHERE status = 'dead' ORDER BY id LIMIT ?`,
      )
      .all(limit) as OutboxRow[];
    // A dead row may be dead because its payload cannot be read: show it anyway, without the payload.
    return rows.map((r) => {
      try {
        return this.toItem(r);
      } catch {
        return this.toItem({ ...r, payload: null });
      }
    });
  }

  /** Puts a dead row back in the queue (after the cause was fixed). */
  requeue(idempotencyKey: string, at: number = this.now()): boolean {
    return this.db.prepare(`UPDATE outbox SET status = 'pending', next_attempt_at = ? WHERE idempotency_key = ? AND status = 'dead'`).run(at, idempotencyKey).changes === 1;
  }

  /** How many rows are dead letters (refused for good, kept for the technician). Reads the status index only. */
  deadCount(): number {
    return this.db.prepare("SELECT COUNT(*) FROM outbox WHERE status = 'dead'").pluck().get() as number;
  }

  counts(): OutboxCounts {
    const rows = this.db.prepare('SELECT status, COUNT(*) AS n FROM outbox GROUP BY status').all() as Array<{ status: keyof OutboxCounts; n: number }>;
    const counts: OutboxCounts = { pending: 0, dead: 0, sent: 0 };
    for (const r of rows) counts[r.status] = r.n;
    return counts;
  }

  /**
   * Makes every pending row due now (a new uplink process: leases and backoffs of the previous one
   * mean nothing any more). Returns how many rows changed.
   */
  releaseLeases(now: number = this.now()): number {
    return this.db.prepare("UPDATE outbox SET next_attempt_at = ? WHERE status = 'pending' AND next_attempt_at > ?").run(now, now).changes;
  }

  /** Counts plus the age of the oldest unsent record (the heartbeat's backlog). */
  backlog(): OutboxBacklog {
    const oldest = this.db.prepare("SELECT MIN(created_at) FROM outbox WHERE status = 'pending'").pluck().get() as number | null;
    return { ...this.counts(), oldestPendingAt: oldest ?? null };
  }

  /** When the earliest pending row falls due (epoch ms), or null when nothing is pending. */
  nextDueAt(): number | null {
    return (this.db.prepare("SELECT MIN(next_attempt_at) FROM outbox WHERE status = 'pending'").pluck().get() as number | null) ?? null;
  }

  /** When central acknowledged a row (epoch ms), or null (not acknowledged, or no such row). */
  acknowledgedAt(idempotencyKey: string): number | null {
    return (this.db.prepare('SELECT acknowledged_at FROM outbox WHERE idempotency_key = ?').pluck().get(idempotencyKey) as number | null | undefined) ?? null;
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
      firstSentAt: r.first_sent_at,
    };
  }
}
