import type { SqliteDatabase } from './database.js';
import { aadFor, type PersonalDataCipher } from './personal-data-cipher.js';

/** A list entry as the kiosk holds it (known only by the keyed hash of the ID number). */
export interface HeldListEntry {
  hmac: string;
  listId: string;
  colour: 'red' | 'orange' | 'yellow' | 'blue';
  updatedAt: string;
  expiresAt: string | null;
}

export interface HeldKeyRegion {
  prefix: string;
  colour: HeldListEntry['colour'];
}

/** One applied list version (the chain the kiosk has verified). */
export interface AppliedListVersion {
  version: number;
  hash: string;
  prevHash: string;
  issuedAt: string;
  upsert: readonly HeldListEntry[];
  remove: ReadonlyArray<{ hmac: string; listId: string }>;
  /** The full set of key regions when this version changed them, else null. */
  keyRegions: readonly HeldKeyRegion[] | null;
  /** Central's policy (JSON) when this version carries one, else null. */
  policy: unknown;
}

export interface ListState {
  /** The last version applied (0 = none yet) and its hash (the genesis hash for none). */
  version: number;
  hash: string;
  /** When central last vouched (signed head) that `version` was current, or null if never. */
  refreshedAt: string | null;
}

const GENESIS = '0'.repeat(64);
const ID_KEY = 'central.id_key';
const SIGNING_KEY = 'central.signing_key';
const LIST_VERSION = 'lists.version';
const LIST_HASH = 'lists.hash';
const LIST_REFRESHED = 'lists.refreshed_at';
const LAST_UPLOAD = 'records.last_upload_at';
const POLICY = 'central.policy';

/**
 * What the kiosk holds from its central service (store migration 7): the pinned list-signing key,
 * the deployment's ID key (encrypted like personal data), the lists and key regions as of the last
 * applied version, the chain of versions, and central's policy. The uplink verifies a delta's
 * signature and chain before calling `applyListVersion`, which re-checks the chain and applies the
 * whole version in one transaction (all or nothing).
 */
export class CentralState {
  constructor(
    private readonly db: SqliteDatabase,
    private readonly cipher: PersonalDataCipher,
    private readonly now: () => Date = () => new Date(),
  ) {}

  private get(key: string): string | undefined {
    return (this.db.prepare('SELECT value FROM uplink_state WHERE key = ?').pluck().get(key) as string | undefined) ?? undefined;
  }

  private put(key: string, value: string): void {
    this.db.prepare('INSERT INTO uplink_state (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(key, value);
  }

  /** When central last acknowledged records of this kiosk (ISO time), or null: the consoles' "last upload", kept across restarts. */
  lastUploadAt(): string | null {
    return this.get(LAST_UPLOAD) ?? null;
  }

  markUploaded(at: Date = this.now()): void {
    this.put(LAST_UPLOAD, at.toISOString());
  }

  /** Central's Ed25519 public key (SPKI DER, base64) pinned at first contact, or null. */
  signingKey(): string | null {
    return this.get(SIGNING_KEY) ?? null;
  }

  /** The deployment's ID key, or null before first contact. */
  idKey(): Buffer | null {
    const stored = this.get(ID_KEY);
    return stored === undefined ? null : this.cipher.decrypt(Buffer.from(stored, 'base64'), aadFor('uplink_state', 'value', ID_KEY));
  }

  /**
   * Pins what first contact delivered. A kiosk pins once: a different signing key or ID key later is
   * refused (returns the name of what differs) and nothing is changed; re-enrolment clears the pins.
   */
  pinEnrollment(signingKey: string, idKey: Buffer): { ok: true } | { ok: false; differs: 'signing key' | 'ID key' } {
    return this.db
      .transaction((): { ok: true } | { ok: false; differs: 'signing key' | 'ID key' } => {
        const pinned = this.signingKey();
        const key = this.idKey();
        if (pinned !== null && pinned !== signingKey) return { ok: false, differs: 'signing key' };
        if (key !== null && !key.equals(idKey)) return { ok: false, differs: 'ID key' };
        if (pinned === null) this.put(SIGNING_KEY, signingKey);
        if (key === null) this.put(ID_KEY, this.cipher.encrypt(idKey, aadFor('uplink_state', 'value', ID_KEY)).toString('base64'));
        return { ok: true };
      })
      .immediate();
  }

  /** Forgets the pins, the lists and their versions (re-enrolment with another central). */
  resetEnrollment(): void {
    this.db
      .transaction(() => {
        this.db.exec('DELETE FROM uplink_state; DELETE FROM central_list_entries; DELETE FROM central_key_regions; DELETE FROM central_list_versions;');
      })
      .immediate();
  }

  listState(): ListState {
    return { version: Number(this.get(LIST_VERSION) ?? 0), hash: this.get(LIST_HASH) ?? GENESIS, refreshedAt: this.get(LIST_REFRESHED) ?? null };
  }

  /**
   * Applies one verified version in one transaction. Refuses (throws, nothing changed) a version that
   * does not continue the chain held: the uplink checked it already; this is the store's own guard.
   */
  applyListVersion(v: AppliedListVersion): void {
    this.db
      .transaction(() => {
        const held = this.listState();
        if (v.version !== held.version + 1 || v.prevHash !== held.hash) {
          throw new Error(`list version ${v.version} (after ${v.prevHash.slice(0, 12)}…) does not continue version ${held.version} (${held.hash.slice(0, 12)}…)`);
        }
        const upsert = this.db.prepare(
          `INSERT INTO central_list_entries (hmac, list_id, colour, updated_at, expires_at) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT(hmac, list_id) DO UPDATE SET colour = excluded.colour, updated_at = excluded.updated_at, expires_at = excluded.expires_at`,
        );
        const remove = this.db.prepare('DELETE FROM central_list_entries WHERE hmac = ? AND list_id = ?');
        for (const e of v.upsert) upsert.run(e.hmac, e.listId, e.colour, e.updatedAt, e.expiresAt);
        for (const r of v.remove) remove.run(r.hmac, r.listId);
        if (v.keyRegions !== null) {
          this.db.exec('DELETE FROM central_key_regions');
          const region = this.db.prepare('INSERT INTO central_key_regions (prefix, colour) VALUES (?, ?)');
          for (const k of v.keyRegions) region.run(k.prefix, k.colour);
        }
        if (v.policy !== null) this.put(POLICY, JSON.stringify(v.policy));
        this.db
          .prepare('INSERT INTO central_list_versions (version, hash, prev_hash, issued_at, applied_at, upserts, removals) VALUES (?, ?, ?, ?, ?, ?, ?)')
          .run(v.version, v.hash, v.prevHash, v.issuedAt, this.now().toISOString(), v.upsert.length, v.remove.length);
        this.put(LIST_VERSION, String(v.version));
        this.put(LIST_HASH, v.hash);
      })
      .immediate();
  }

  /** Central vouched (signed head) that the held version is current as of `issuedAt`. */
  markRefreshed(issuedAt: string): void {
    this.put(LIST_REFRESHED, issuedAt);
  }

  entries(): HeldListEntry[] {
    const rows = this.db.prepare('SELECT hmac, list_id, colour, updated_at, expires_at FROM central_list_entries').all() as Array<{
      hmac: string;
      list_id: string;
      colour: HeldListEntry['colour'];
      updated_at: string;
      expires_at: string | null;
    }>;
    return rows.map((r) => ({ hmac: r.hmac, listId: r.list_id, colour: r.colour, updatedAt: r.updated_at, expiresAt: r.expires_at }));
  }

  keyRegions(): HeldKeyRegion[] {
    return this.db.prepare('SELECT prefix, colour FROM central_key_regions ORDER BY prefix').all() as HeldKeyRegion[];
  }

  /** The applied versions, oldest first. */
  versions(): Array<{ version: number; hash: string; prevHash: string; issuedAt: string; appliedAt: string }> {
    return (
      this.db.prepare('SELECT version, hash, prev_hash, issued_at, applied_at FROM central_list_versions ORDER BY version').all() as Array<{
        version: number;
        hash: string;
        prev_hash: string;
        issued_at: string;
        applied_at: string;
      }>
    ).map((r) => ({ version: r.version, hash: r.hash, prevHash: r.prev_hash, issuedAt: r.issued_at, appliedAt: r.applied_at }));
  }

  /** Central's policy as last received (JSON), or null. */
  policy(): unknown {
    const p = this.get(POLICY);
    return p === undefined ? null : (JSON.parse(p) as unknown);
  }
}
