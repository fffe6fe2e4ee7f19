import type { HmacIdHasher } from '../main/engine/id-hasher.js';
import { cardTypeOfNumber, checkIdNumber, normaliseIdNumber } from '../drivers/idcard/id-number.js';
import { describeIssue } from '../main/config/kiosk-config.js';
import {
  CentralPolicySchema,
  LIST_GENESIS_HASH,
  listDeltaHash,
  type CentralPolicy,
  type ListDeltaBody,
  type ListEntryChange,
  type ListsResponse,
  type SignedListDelta,
} from './api.js';
import { auditAdminAction } from './admin-audit.js';
import type { CentralKeys } from './central-keys.js';
import type { CentralDatabase, Sql } from './db/central-database.js';

type Colour = 'red' | 'orange' | 'yellow' | 'blue';
const COLOURS = new Set<string>(['red', 'orange', 'yellow', 'blue']);
const COLOUR_WORDS: Record<string, Colour> = { 红: 'red', 橙: 'orange', 黄: 'yellow', 蓝: 'blue' };

/** At most this many entry changes per list version, so no delta grows beyond a few MB. */
export const MAX_CHANGES_PER_VERSION = 5000;
/** At most this many versions per list response. */
const MAX_VERSIONS_PER_RESPONSE = 20;

/** A policy central may not push (a field it may not set, a value out of range). Nothing is published then. */
export class CentralPolicyError extends Error {
  override name = 'CentralPolicyError';
}

/** A CSV line that cannot be imported: the line number and what to fix. Nothing is imported then. */
export class ListImportError extends Error {
  override name = 'ListImportError';
}

export interface ImportedEntry {
  hmac: string;
  colour: Colour;
  reason: string | null;
  expiresAt: string | null;
}

/**
 * Parses a list CSV: a header naming `id_number` and `colour` (`reason`, `expires_at` optional),
 * then one person per line. ID numbers are judged by drivers/idcard/id-number.ts (resident, HK/Macau/
 * Taiwan permit, foreigner 2017 and 2023 cards), normalised and turned into keyed hashes at once: the
 * plaintext is never stored or returned. Colours: red/orange/yellow/blue or 红/橙/黄/蓝.
 */
export function parseListCsv(text: string, hasher: HmacIdHasher, now = new Date()): ImportedEntry[] {
  const rows = parseCsv(text);
  const header = (rows.shift() ?? []).map((h) => h.trim().toLowerCase());
  const col = (name: string) => header.indexOf(name);
  if (col('id_number') < 0 || col('colour') < 0) throw new ListImportError('line 1: the header must name the columns id_number and colour (reason and expires_at are optional)');
  const out: ImportedEntry[] = [];
  rows.forEach((cells, i) => {
    const line = i + 2;
    if (cells.every((c) => c.trim() === '')) return;
    const idNumber = normaliseIdNumber(cells[col('id_number')] ?? '');
    // Judged by the kiosk's one ID-number module (all four card families), so a list never holds a
    // number no kiosk could read from a card.
    const type = cardTypeOfNumber(idNumber);
    const check = checkIdNumber(type, idNumber);
    if (!check.valid) throw new ListImportError(`line ${line}: id_number is not a valid ${type} card number (${check.problem}); fix that line`);
    const colour = parseColour(cells[col('colour')] ?? '', line);
    const reason = col('reason') >= 0 ? (cells[col('reason')] ?? '').trim() || null : null;
    const expiresText = col('expires_at') >= 0 ? (cells[col('expires_at')] ?? '').trim() : '';
    let expiresAt: string | null = null;
    if (expiresText !== '') {
      const ms = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(expiresText) ? `${expiresText}T23:59:59+08:00` : expiresText);
      if (!Number.isFinite(ms)) throw new ListImportError(`line ${line}: expires_at "${expiresText}" is not a date (YYYY-MM-DD or an ISO time)`);
      if (ms <= now.getTime()) throw new ListImportError(`line ${line}: expires_at ${expiresText} is already past; drop the line or correct the date`);
      expiresAt = new Date(ms).toISOString();
    }
    out.push({ hmac: hasher.hashIdNumber(idNumber), colour, reason, expiresAt });
  });
  return out;
}

/** Parses a key-region CSV: header `prefix,colour` (`reason` optional); prefix = 2–6 region-code digits. */
export function parseRegionCsv(text: string): Array<{ prefix: string; colour: Colour; reason: string | null }> {
  const rows = parseCsv(text);
  const header = (rows.shift() ?? []).map((h) => h.trim().toLowerCase());
  const p = header.indexOf('prefix');
  const c = header.indexOf('colour');
  const r = header.indexOf('reason');
  if (p < 0 || c < 0) throw new ListImportError('line 1: the header must name the columns prefix and colour (reason is optional)');
  const out: Array<{ prefix: string; colour: Colour; reason: string | null }> = [];
  rows.forEach((cells, i) => {
    if (cells.every((x) => x.trim() === '')) return;
    const prefix = (cells[p] ?? '').trim();
    if (!/^\d{2,6}$/.test(prefix)) throw new ListImportError(`line ${i + 2}: prefix "${prefix}" must be 2–6 digits of a region code (e.g. 4201)`);
    out.push({ prefix, colour: parseColour(cells[c] ?? '', i + 2), reason: r >= 0 ? (cells[r] ?? '').trim() || null : null });
  });
  return out;
}

function parseColour(text: string, line: number): Colour {
  const t = text.trim().toLowerCase();
  const c = COLOUR_WORDS[t] ?? (COLOURS.has(t) ? (t as Colour) : null);
  if (!c) throw new ListImportError(`line ${line}: colour "${text}" is not red, orange, yellow or blue (红/橙/黄/蓝)`);
  return c;
}

/** RFC 4180 CSV: quoted fields, doubled quotes, CRLF or LF. A UTF-8 BOM is ignored. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  const s = text.replace(/^\uFEFF/, '');
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    if (quoted) {
      if (ch === '"' && s[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"' && field === '') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && s[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += ch;
  }
  if (quoted) throw new ListImportError('the file ends inside a quoted field; close the quote');
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

/**
 * The lists: current entries and key regions, and every change as a signed version (Ed25519 over
 * the canonical body, chained by hash). Publishing takes an exclusive lock on list_versions, so two
 * central instances never issue the same version number.
 */
export class Lists {
  constructor(
    private readonly db: CentralDatabase,
    private readonly keys: CentralKeys,
  ) {}

  /**
   * Imports a list: the CSV's people are upserted under `listId`; with `replace`, people of that list
   * missing from the CSV are removed. Publishes as many versions as needed; returns them.
   */
  async importList(listId: string, entries: readonly ImportedEntry[], opts: { replace: boolean; actor: string }): Promise<number[]> {
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(listId)) throw new ListImportError(`list id "${listId}" is not valid: letters, digits, ".", "_" or "-"`);
    return this.db.transaction(async (tx) => {
      await tx.query('LOCK TABLE list_versions IN EXCLUSIVE MODE');
      const held = new Map(
        (await tx.query<{ hmac: string; colour: string; expires_at: Date | null; reason: string | null }>('SELECT hmac, colour, expires_at, reason FROM list_entries WHERE list_id = $1', [listId])).map((r) => [
          r.hmac,
          r,
        ]),
      );
      const now = new Date().toISOString();
      const upsert: ListEntryChange[] = [];
      const reasons = new Map<string, string | null>();
      const inFile = new Set<string>();
      for (const e of entries) {
        inFile.add(e.hmac);
        reasons.set(e.hmac, e.reason);
        const h = held.get(e.hmac);
        const heldExpiry = h?.expires_at ? new Date(h.expires_at).toISOString() : null;
        if (h && h.colour === e.colour && heldExpiry === e.expiresAt && h.reason === e.reason) continue;
        upsert.push({ hmac: e.hmac, listId, colour: e.colour, updatedAt: now, expiresAt: e.expiresAt });
      }
      const remove = opts.replace ? [...held.keys()].filter((h) => !inFile.has(h)).map((hmac) => ({ hmac, listId })) : [];
      const versions: number[] = [];
      for (let i = 0; i < Math.max(upsert.length, remove.length); i += MAX_CHANGES_PER_VERSION) {
        versions.push(await this.publish(tx, { upsert: upsert.slice(i, i + MAX_CHANGES_PER_VERSION), remove: remove.slice(i, i + MAX_CHANGES_PER_VERSION), keyRegions: null, policy: null }));
      }
      // Bulk upsert, 5,000 rows a statement (arrays unnested server-side: one round trip each).
      for (let i = 0; i < upsert.length; i += MAX_CHANGES_PER_VERSION) {
        const part = upsert.slice(i, i + MAX_CHANGES_PER_VERSION);
        await tx.query(
          `INSERT INTO list_entries (hmac, list_id, colour, reason, updated_at, expires_at)
           SELECT h, $1, c, r, $5::timestamptz, e FROM unnest($2::text[], $3::text[], $4::text[], $6::timestamptz[]) AS t(h, c, r, e)
           ON CONFLICT (hmac, list_id) DO UPDATE SET colour = EXCLUDED.colour, reason = EXCLUDED.reason, updated_at = EXCLUDED.updated_at, expires_at = EXCLUDED.expires_at`,
          [listId, part.map((u) => u.hmac), part.map((u) => u.colour), part.map((u) => reasons.get(u.hmac) ?? null), now, part.map((u) => u.expiresAt)],
        );
      }
      if (remove.length > 0) await tx.query('DELETE FROM list_entries WHERE list_id = $1 AND hmac = ANY($2::text[])', [listId, remove.map((r) => r.hmac)]);
      await auditAdminAction(tx, opts.actor, 'lists.import', { listId, rows: entries.length, upserted: upsert.length, removed: remove.length, versions: versions.join(',') });
      return versions;
    });
  }

  /** Replaces the key regions (one new version). */
  async importKeyRegions(regions: ReadonlyArray<{ prefix: string; colour: Colour; reason: string | null }>, actor: string): Promise<number> {
    return this.db.transaction(async (tx) => {
      await tx.query('LOCK TABLE list_versions IN EXCLUSIVE MODE');
      const version = await this.publish(tx, { upsert: [], remove: [], keyRegions: regions.map((r) => ({ prefix: r.prefix, colour: r.colour })), policy: null });
      await tx.query('DELETE FROM key_regions');
      for (const r of regions) await tx.query('INSERT INTO key_regions (prefix, colour, reason) VALUES ($1, $2, $3)', [r.prefix, r.colour, r.reason]);
      await auditAdminAction(tx, actor, 'regions.import', { regions: regions.length, version });
      return version;
    });
  }

  /**
   * Pushes central's policy to every kiosk (one new version). Only the fields central may set, each
   * within the kiosk configuration's own bounds (CentralPolicySchema); anything else is refused with
   * one line per problem (CentralPolicyError) and nothing is published.
   */
  async setPolicy(received: unknown, actor: string): Promise<number> {
    const parsed = CentralPolicySchema.safeParse(received, { reportInput: true });
    if (!parsed.success) throw new CentralPolicyError(parsed.error.issues.map((i) => describeIssue(i)).join('; '));
    const policy: CentralPolicy = parsed.data;
    return this.db.transaction(async (tx) => {
      await tx.query('LOCK TABLE list_versions IN EXCLUSIVE MODE');
      const version = await this.publish(tx, { upsert: [], remove: [], keyRegions: null, policy });
      await auditAdminAction(tx, actor, 'policy.set', { policyVersion: policy.version, version });
      return version;
    });
  }

  /** Signs and stores the next version. Call inside a transaction holding the list_versions lock. */
  private async publish(tx: Sql, change: Pick<ListDeltaBody, 'upsert' | 'remove' | 'keyRegions' | 'policy'>): Promise<number> {
    const [last] = await tx.query<{ version: number; hash: string }>('SELECT version::int AS version, hash FROM list_versions ORDER BY version DESC LIMIT 1');
    const body: ListDeltaBody = { version: (last?.version ?? 0) + 1, prevHash: last?.hash ?? LIST_GENESIS_HASH, issuedAt: new Date().toISOString(), ...change };
    await tx.query('INSERT INTO list_versions (version, hash, body, signature) VALUES ($1, $2, $3::jsonb, $4)', [body.version, listDeltaHash(body), JSON.stringify(body), this.keys.sign('list-delta', body)]);
    return body.version;
  }

  async latestVersion(): Promise<number> {
    const [row] = await this.db.query<{ v: number | null }>('SELECT MAX(version)::int AS v FROM list_versions');
    return row?.v ?? 0;
  }

  /** The versions after `after` (a bounded page), and a head signed now for this kiosk. */
  async since(after: number, kioskId: string): Promise<ListsResponse> {
    const rows = await this.db.query<{ body: ListDeltaBody; signature: string }>('SELECT body, signature FROM list_versions WHERE version > $1 ORDER BY version LIMIT $2', [after, MAX_VERSIONS_PER_RESPONSE + 1]);
    const more = rows.length > MAX_VERSIONS_PER_RESPONSE;
    const deltas: SignedListDelta[] = rows.slice(0, MAX_VERSIONS_PER_RESPONSE).map((r) => ({ body: r.body, signature: r.signature }));
    const [last] = await this.db.query<{ version: number; hash: string }>('SELECT version::int AS version, hash FROM list_versions ORDER BY version DESC LIMIT 1');
    const headBody = { kioskId, version: last?.version ?? 0, hash: last?.hash ?? LIST_GENESIS_HASH, issuedAt: new Date().toISOString() };
    return { deltas, more, head: { body: headBody, signature: this.keys.sign('list-head', headBody) } };
  }

  /** Entries per list and colour (for the dashboard: counts only). */
  async summary(): Promise<Array<{ listId: string; colour: string; entries: number }>> {
    const rows = await this.db.query<{ list_id: string; colour: string; n: number }>('SELECT list_id, colour, COUNT(*)::int AS n FROM list_entries GROUP BY list_id, colour ORDER BY list_id, colour');
    return rows.map((r) => ({ listId: r.list_id, colour: r.colour, entries: r.n }));
  }
}
