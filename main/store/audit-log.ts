import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-json.js';
import type { SqliteDatabase } from './database.js';

/** Detail values: scalars only, and never personal data (counts, ranges, setting names, actor ids). */
export type AuditDetail = Record<string, string | number | boolean | null>;

export interface AuditEntry {
  seq: number;
  at: string;
  actor: string;
  action: string;
  detail: AuditDetail;
  prevHash: string;
  hash: string;
}

export type AuditVerification =
  | { ok: true; entries: number }
  | { ok: false; entries: number; firstBrokenSeq: number; reason: string };

export const AUDIT_GENESIS_HASH = '0'.repeat(64);
const HEAD_KEY = 'audit_head';

interface AuditRow {
  seq: number;
  at: string;
  actor: string;
  action: string;
  detail: string;
  prev_hash: string;
  hash: string;
}

/** hash = sha256(prevHash || canonical entry), hex. The entry includes its sequence number. */
export function auditEntryHash(prevHash: string, entry: { seq: number; at: string; actor: string; action: string; detail: AuditDetail }): string {
  return createHash('sha256')
    .update(prevHash, 'utf8')
    .update(canonicalJson({ seq: entry.seq, at: entry.at, actor: entry.actor, action: entry.action, detail: entry.detail }), 'utf8')
    .digest('hex');
}

/**
 * The append-only audit log: who did what to the kiosk's data (exports, settings, purges, key
 * creation). Each entry is hash-chained to the one before; triggers refuse UPDATE and DELETE, and the
 * chain makes edits done around the triggers (with a raw SQLite tool) detectable. The head
 * (last seq and hash) is also kept in `meta`, so cutting entries off the end is detected too.
 */
export class AuditLog {
  constructor(
    private readonly db: SqliteDatabase,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Appends one entry. Joins the caller's transaction when there is one (then it commits with it). */
  append(actor: string, action: string, detail: AuditDetail = {}): AuditEntry {
    const run = this.db.transaction((): AuditEntry => {
      const last = this.db.prepare('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1').get() as { seq: number; hash: string } | undefined;
      const seq = (last?.seq ?? 0) + 1;
      const prevHash = last?.hash ?? AUDIT_GENESIS_HASH;
      const at = this.now().toISOString();
      const hash = auditEntryHash(prevHash, { seq, at, actor, action, detail });
      this.db
        .prepare('INSERT INTO audit_log (seq, at, actor, action, detail, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?)')
        .run(seq, at, actor, action, canonicalJson(detail), prevHash, hash);
      this.db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(HEAD_KEY, `${seq}:${hash}`);
      return { seq, at, actor, action, detail, prevHash, hash };
    });
    return this.db.inTransaction ? run() : run.immediate();
  }

  /** The most recent entries, newest last. */
  list(limit = 100): AuditEntry[] {
    const rows = this.db.prepare('SELECT * FROM (SELECT * FROM audit_log ORDER BY seq DESC LIMIT ?) ORDER BY seq').all(limit) as AuditRow[];
    return rows.map(toEntry);
  }

  verify(): AuditVerification {
    return verifyAuditChain(this.db);
  }
}

function toEntry(r: AuditRow): AuditEntry {
  return { seq: r.seq, at: r.at, actor: r.actor, action: r.action, detail: JSON.parse(r.detail) as AuditDetail, prevHash: r.prev_hash, hash: r.hash };
}

/**
 * Walks the chain in sequence order; names the first entry that is missing, altered or out of place.
 * Runs in one read transaction, so entries appended meanwhile by the host are not half-seen.
 */
export function verifyAuditChain(db: SqliteDatabase): AuditVerification {
  return db.transaction(() => verifySnapshot(db))();
}

function verifySnapshot(db: SqliteDatabase): AuditVerification {
  let expectedSeq = 1;
  let prev = AUDIT_GENESIS_HASH;
  let count = 0;
  for (const row of db.prepare('SELECT seq, at, actor, action, detail, prev_hash, hash FROM audit_log ORDER BY seq').iterate() as IterableIterator<AuditRow>) {
    count++;
    if (row.seq !== expectedSeq) {
      return { ok: false, entries: count, firstBrokenSeq: expectedSeq, reason: `entry ${expectedSeq} is missing (next entry found is ${row.seq})` };
    }
    if (row.prev_hash !== prev) {
      return { ok: false, entries: count, firstBrokenSeq: row.seq, reason: `entry ${row.seq} does not link to entry ${row.seq - 1} (moved, replaced or reordered)` };
    }
    let detail: AuditDetail;
    try {
      detail = JSON.parse(row.detail) as AuditDetail;
    } catch {
      return { ok: false, entries: count, firstBrokenSeq: row.seq, reason: `entry ${row.seq} has unreadable detail` };
    }
    if (canonicalJson(detail) !== row.detail || auditEntryHash(prev, { seq: row.seq, at: row.at, actor: row.actor, action: row.action, detail }) !== row.hash) {
      return { ok: false, entries: count, firstBrokenSeq: row.seq, reason: `entry ${row.seq} was altered (its hash does not match its content)` };
    }
    prev = row.hash;
    expectedSeq++;
  }
  const head = db.prepare('SELECT value FROM meta WHERE key = ?').get(HEAD_KEY) as { value: string } | undefined;
  if (head) {
    const [seqText, hash] = head.value.split(':');
    const headSeq = Number(seqText);
    if (headSeq !== count || hash !== prev) {
      if (headSeq > count) {
        return { ok: false, entries: count, firstBrokenSeq: count + 1, reason: `entries ${count + 1}..${headSeq} were removed from the end (the recorded head is entry ${headSeq})` };
      }
      if (headSeq < count) {
        return { ok: false, entries: count, firstBrokenSeq: headSeq + 1, reason: `entries after ${headSeq} were added outside the audit log API` };
      }
      return { ok: false, entries: count, firstBrokenSeq: count, reason: `entry ${count} does not match the recorded head hash` };
    }
  } else if (count > 0) {
    return { ok: false, entries: count, firstBrokenSeq: 1, reason: 'the audit head record is missing' };
  }
  return { ok: true, entries: count };
}
