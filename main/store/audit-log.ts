import { createHash } from 'node:crypto';
import { compareWithAnchor, type AnchorCheck, type AuditHead } from './audit-anchor.js';
import { canonicalJson } from './canonical-json.js';
import type { SqliteDatabase } from './database.js';
import type { StoreSeal } from './store-seal.js';

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
  /** Keyed link to the entry before (StoreSeal.auditMac). */
  mac: string;
}

export type AuditVerification =
  | { ok: true; entries: number }
  | { ok: false; entries: number; firstBrokenSeq: number; reason: string };

export const AUDIT_GENESIS_HASH = '0'.repeat(64);
const HEAD_KEY = 'audit_head';
/** meta key holding the store's id (also in `kiosk.db.id` beside the database). */
export const STORE_ID_KEY = 'store_id';
/** meta key set when the store's rows and entries were sealed (at creation, or once on upgrade). */
export const SEALED_KEY = 'sealed_at';
/** The audit action of the one-time sealing of a store written before seals existed. */
export const SEALED_ACTION = 'store.sealed';

interface AuditRow {
  seq: number;
  at: string;
  actor: string;
  action: string;
  detail: string;
  prev_hash: string;
  hash: string;
  mac: string | null;
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
 * creation). Each entry is hash-chained to the one before, and keyed-chained with a MAC whose key
 * the database does not hold (store-seal.ts): triggers refuse UPDATE and DELETE, the hash chain
 * shows careless edits, and the keyed chain shows edits by anyone without the key, even when every
 * hash and the head were recomputed. The head (seq, hash, mac) is kept in `meta`; `signedHead()`
 * is what central anchors (audit-anchor.ts), which is what shows a rewind.
 */
export class AuditLog {
  constructor(
    private readonly db: SqliteDatabase,
    private readonly seal: StoreSeal,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Appends one entry. Joins the caller's transaction when there is one (then it commits with it). */
  append(actor: string, action: string, detail: AuditDetail = {}): AuditEntry {
    const run = this.db.transaction((): AuditEntry => {
      const last = this.db.prepare('SELECT seq, hash, mac FROM audit_log ORDER BY seq DESC LIMIT 1').get() as { seq: number; hash: string; mac: string | null } | undefined;
      const seq = (last?.seq ?? 0) + 1;
      const prevHash = last?.hash ?? AUDIT_GENESIS_HASH;
      // An unsealed last entry is chained on as it is; verify() reports it.
      const prevMac = last?.mac ?? AUDIT_GENESIS_HASH;
      const at = this.now().toISOString();
      const hash = auditEntryHash(prevHash, { seq, at, actor, action, detail });
      const mac = this.seal.auditMac(prevMac, { seq, at, actor, action, detail });
      this.db
        .prepare('INSERT INTO audit_log (seq, at, actor, action, detail, prev_hash, hash, mac) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
        .run(seq, at, actor, action, canonicalJson(detail), prevHash, hash, mac);
      writeHead(this.db, seq, hash, mac);
      return { seq, at, actor, action, detail, prevHash, hash, mac };
    });
    return this.db.inTransaction ? run() : run.immediate();
  }

  /** The most recent entries, newest last. */
  list(limit = 100): AuditEntry[] {
    const rows = this.db.prepare('SELECT * FROM (SELECT * FROM audit_log ORDER BY seq DESC LIMIT ?) ORDER BY seq').all(limit) as AuditRow[];
    return rows.map(toEntry);
  }

  verify(): AuditVerification {
    return verifyAuditChain(this.db, this.seal);
  }

  /**
   * The head to anchor outside the kiosk: store id, last sequence number and its keyed MAC. The
   * uplink's heartbeat sends it to central (docs/store-integrity.md).
   */
  signedHead(): AuditHead {
    return this.db.transaction(() => {
      const last = this.db.prepare('SELECT seq, mac FROM audit_log ORDER BY seq DESC LIMIT 1').get() as { seq: number; mac: string | null } | undefined;
      return { storeId: readStoreId(this.db), seq: last?.seq ?? 0, mac: last?.mac ?? AUDIT_GENESIS_HASH };
    })();
  }

  /** Compares the log as it is now with a head anchored earlier (by central). */
  checkAnchor(anchor: AuditHead): AnchorCheck {
    return compareWithAnchor(anchor, this.signedHead(), (seq) => this.macAt(seq));
  }

  /** The keyed MAC of the entry at `seq`, or null (no such entry, or unsealed): the link the heartbeat sends for central's anchor. */
  macAt(seq: number): string | null {
    return (this.db.prepare('SELECT mac FROM audit_log WHERE seq = ?').pluck().get(seq) as string | null | undefined) ?? null;
  }
}

function writeHead(db: SqliteDatabase, seq: number, hash: string, mac: string): void {
  db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(HEAD_KEY, `${seq}:${hash}:${mac}`);
}

export function readStoreId(db: SqliteDatabase): string {
  const row = db.prepare('SELECT value FROM meta WHERE key = ?').get(STORE_ID_KEY) as { value: string } | undefined;
  return row?.value ?? '';
}

function toEntry(r: AuditRow): AuditEntry {
  return { seq: r.seq, at: r.at, actor: r.actor, action: r.action, detail: JSON.parse(r.detail) as AuditDetail, prevHash: r.prev_hash, hash: r.hash, mac: r.mac ?? '' };
}

/**
 * Seals a log written before seals existed: computes every entry's keyed link in order. Runs once,
 * inside the caller's transaction (KioskStore.open); the append-only UPDATE trigger is lifted for
 * that transaction only and put back exactly as it was. Returns the number of entries sealed.
 */
export function sealAuditChain(db: SqliteDatabase, seal: StoreSeal): number {
  const trigger = db.prepare("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'audit_log_no_update'").pluck().get() as string | undefined;
  if (trigger) db.exec('DROP TRIGGER audit_log_no_update');
  const rows = db.prepare('SELECT seq, at, actor, action, detail, hash FROM audit_log ORDER BY seq').all() as AuditRow[];
  const update = db.prepare('UPDATE audit_log SET mac = ? WHERE seq = ?');
  let prev = AUDIT_GENESIS_HASH;
  for (const r of rows) {
    prev = seal.auditMac(prev, { seq: r.seq, at: r.at, actor: r.actor, action: r.action, detail: JSON.parse(r.detail) as unknown });
    update.run(prev, r.seq);
  }
  const last = rows.at(-1);
  if (last) writeHead(db, last.seq, last.hash, prev);
  if (trigger) db.exec(trigger);
  return rows.length;
}

/**
 * Walks the chain in sequence order; names the first entry that is missing, altered, unsealed or
 * out of place. Runs in one read transaction, so entries appended meanwhile by the host are not
 * half-seen.
 */
export function verifyAuditChain(db: SqliteDatabase, seal: StoreSeal): AuditVerification {
  return db.transaction(() => verifySnapshot(db, seal))();
}

function verifySnapshot(db: SqliteDatabase, seal: StoreSeal): AuditVerification {
  let expectedSeq = 1;
  let prev = AUDIT_GENESIS_HASH;
  let prevMac = AUDIT_GENESIS_HASH;
  let count = 0;
  let createdSealed = false;
  let sealedAt: number | null = null;
  const broken = (seq: number, reason: string): AuditVerification => ({ ok: false, entries: count, firstBrokenSeq: seq, reason });
  for (const row of db.prepare('SELECT seq, at, actor, action, detail, prev_hash, hash, mac FROM audit_log ORDER BY seq').iterate() as IterableIterator<AuditRow>) {
    count++;
    if (row.seq !== expectedSeq) return broken(expectedSeq, `entry ${expectedSeq} is missing (next entry found is ${row.seq})`);
    if (row.prev_hash !== prev) return broken(row.seq, `entry ${row.seq} does not link to entry ${row.seq - 1} (moved, replaced or reordered)`);
    let detail: AuditDetail;
    try {
      detail = JSON.parse(row.detail) as AuditDetail;
    } catch {
      return broken(row.seq, `entry ${row.seq} has unreadable detail`);
    }
    const entry = { seq: row.seq, at: row.at, actor: row.actor, action: row.action, detail };
    if (canonicalJson(detail) !== row.detail || auditEntryHash(prev, entry) !== row.hash) {
      return broken(row.seq, `entry ${row.seq} was altered (its hash does not match its content)`);
    }
    if (row.mac === null) return broken(row.seq, `entry ${row.seq} has no seal (written or altered outside the kiosk software)`);
    const mac = seal.auditMac(prevMac, entry);
    if (mac !== row.mac) {
      return broken(row.seq, `entry ${row.seq} was altered or forged: its seal does not match (the hashes may have been recomputed, but not the keyed seal)`);
    }
    // Sealing happens once in a store's life: at creation (detail.sealed) or at the upgrade that
    // introduced seals. Another one means seals were stripped and the store re-sealed around a change.
    if (row.action === 'store.created' && detail.sealed === true) createdSealed = true;
    if (row.action === SEALED_ACTION) {
      if (createdSealed || sealedAt !== null) {
        return broken(row.seq, `entry ${row.seq} re-sealed a store that was already sealed${sealedAt !== null ? ` (at entry ${sealedAt})` : ' at creation'}: seals were stripped from it, so rows changed before this entry cannot be trusted`);
      }
      sealedAt = row.seq;
    }
    prev = row.hash;
    prevMac = mac;
    expectedSeq++;
  }
  const head = db.prepare('SELECT value FROM meta WHERE key = ?').get(HEAD_KEY) as { value: string } | undefined;
  if (head) {
    const [seqText, hash, mac] = head.value.split(':');
    const headSeq = Number(seqText);
    if (headSeq !== count || hash !== prev || (mac !== undefined && count > 0 && mac !== prevMac)) {
      if (headSeq > count) return broken(count + 1, `entries ${count + 1}..${headSeq} were removed from the end (the recorded head is entry ${headSeq})`);
      if (headSeq < count) return broken(headSeq + 1, `entries after ${headSeq} were added outside the audit log API`);
      return broken(count, `entry ${count} does not match the recorded head`);
    }
  } else if (count > 0) {
    return broken(1, 'the audit head record is missing');
  }
  return { ok: true, entries: count };
}
