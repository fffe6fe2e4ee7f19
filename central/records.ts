import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { HmacIdHasher } from '../main/engine/id-hasher.js';
import { maskIdNumber, maskName } from '../main/store/masking.js';
import { aadFor, type PersonalDataCipher } from '../main/store/personal-data-cipher.js';
import { uploadContentHash, type RecordKind, type RecordResult, type UploadItem } from './api.js';
import type { CentralDatabase, Sql } from './db/central-database.js';

const isoTime = z.iso.datetime({ offset: true });
const colour = z.enum(['red', 'orange', 'yellow', 'blue']).nullable();

/**
 * What central needs of each kind of record (the kiosk's own shapes, main/engine/screening-record.ts
 * and main/store/*): the fields it files the record by. Other fields are kept as sent.
 */
const RECORD_SCHEMAS = {
  screening: z.looseObject({
    checkpointId: z.string().min(1).max(64),
    deviceId: z.string().min(1).max(64),
    finishedAt: isoTime,
    outcome: z.enum(['pass', 'hold', 'abandoned']),
    decision: z.enum(['PASS', 'HOLD']).nullable(),
    fever: z.boolean(),
    colour,
    reasons: z.array(z.looseObject({ code: z.string().max(64) })).max(50),
    card: z.looseObject({ idNumber: z.string().max(40), name: z.string().max(200) }).nullable(),
  }),
  disposition: z.looseObject({ screeningId: z.uuid(), staffId: z.string().min(1).max(64), action: z.string().min(1).max(64), note: z.string().max(2000).nullable(), at: isoTime }),
  calibration: z.looseObject({ deviceId: z.string().min(1).max(64), performedAt: isoTime, gain: z.number(), offsetC: z.number() }),
  'device-event': z.looseObject({ deviceId: z.string().min(1).max(64), at: isoTime, kind: z.string().min(1).max(64) }),
  'settings-change': z.looseObject({ at: isoTime, actor: z.string().min(1).max(64), key: z.string().min(1).max(200) }),
  'manual-registration': z.looseObject({
    id: z.uuid(),
    at: isoTime,
    staffId: z.string().min(1).max(64),
    documentType: z.string().min(1).max(32),
    numberCheck: z.enum(['valid', 'no-rule']),
    documentNumber: z.string().min(1).max(64),
    name: z.string().min(1).max(200),
    phone: z.string().max(32).nullable(),
  }),
  'registration-link': z.strictObject({ registrationId: z.uuid(), screeningId: z.uuid() }),
  'calibration-check': z.looseObject({ id: z.uuid(), calibrationId: z.uuid(), deviceId: z.string().min(1).max(64), at: isoTime, referenceC: z.number(), errorC: z.number(), limitC: z.number() }),
  'site-model-fit': z.looseObject({ id: z.uuid(), at: isoTime, technicianId: z.string().min(1).max(64), model: z.looseObject({ kind: z.string().min(1).max(64) }) }),
  erasure: z.strictObject({
    requestId: z.uuid(),
    requestedAt: isoTime,
    reference: z.string().min(1).max(200),
    recordIds: z.array(z.string().regex(/^[0-9a-f-]{36}(\.[0-9a-f-]{36})?$/)).max(10_000),
    idHash: z.string().regex(/^[0-9a-f]{64}$/).nullable(),
  }),
} satisfies Record<RecordKind, z.ZodType>;

/**
 * The key a record carries itself, which must equal the upload id: its `id`; an erasure's
 * `requestId`; a registration link's two ids joined by "." (main/store/manual-registrations.ts).
 */
function ownKey(kind: RecordKind, record: Record<string, unknown>): unknown {
  switch (kind) {
    case 'erasure':
      return record.requestId;
    case 'registration-link':
      return `${String(record.registrationId)}.${String(record.screeningId)}`;
    default:
      return record.id;
  }
}

/**
 * The `records` row id for a record key: the UUID itself, or for a registration link's pair a UUID
 * derived from it (SHA-256, RFC 9562 version 8 layout), so one link is one row whatever retries.
 */
export function storageIdOf(key: string): string {
  if (!key.includes('.')) return key;
  const h = createHash('sha256').update(`registration-link:${key}`, 'utf8').digest();
  h[6] = (h[6]! & 0x0f) | 0x80;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
}

/** One row for the `records` table. */
interface RecordRow {
  /** The upload id (the kiosk's outbox key); `id` is the row's, storageIdOf(key). */
  key: string;
  id: string;
  kind: RecordKind;
  contentHash: string;
  occurredAt: string;
  outcome: string | null;
  decision: string | null;
  fever: boolean | null;
  colour: string | null;
  screeningId: string | null;
  action: string | null;
  idMasked: string | null;
  nameMasked: string | null;
  idHash: string | null;
  body: string;
  personalEnc: Buffer | null;
}

export interface KioskIdentity {
  kioskId: string;
  checkpointId: string;
}

/**
 * Idempotent ingest. Each record is checked on its own (a bad one is `invalid`, the rest of the batch
 * goes on); then, in one transaction, new ids are inserted (`ON CONFLICT (id) DO NOTHING`) and every
 * id that was already there is compared by content hash: the same content is `duplicate`
 * (acknowledged again), different content is `conflict` — refused, recorded in record_conflicts and
 * never overwritten. Concurrent uploads of one id (a kiosk retrying at another instance) are safe:
 * the primary key admits one row, the loser sees it committed.
 */
export class RecordIngest {
  constructor(
    private readonly db: CentralDatabase,
    private readonly cipher: PersonalDataCipher,
    private readonly hasher: HmacIdHasher,
  ) {}

  async ingest(kiosk: KioskIdentity, items: readonly UploadItem[]): Promise<RecordResult[]> {
    const results = new Map<string, RecordResult>();
    const rows: RecordRow[] = [];
    const seen = new Map<string, string>();
    for (const item of items) {
      const checked = this.toRow(kiosk, item);
      if ('error' in checked) {
        results.set(item.id, { id: item.id, status: 'invalid', error: checked.error });
        continue;
      }
      const earlier = seen.get(item.id);
      if (earlier !== undefined) {
        // The same id twice in one batch: the first copy decides.
        if (earlier !== checked.contentHash) results.set(item.id, { id: item.id, status: 'conflict', error: 'the same id appears twice in this batch with different content' });
        continue;
      }
      seen.set(item.id, checked.contentHash);
      rows.push(checked);
    }
    if (rows.length > 0) {
      await this.db.transaction(async (tx) => {
        // A record a person's erasure already named (an upload that was under way when the kiosk
        // erased it) is never stored again.
        const erasedBy = new Map(
          (
            await tx.query<{ key: string; request: string }>(
              `SELECT k AS key, e.id::text AS request FROM records e, jsonb_array_elements_text(e.body->'recordIds') AS k
                WHERE e.kind = 'erasure' AND e.kiosk_id = $1 AND k = ANY($2::text[])`,
              [kiosk.kioskId, rows.map((r) => r.key)],
            )
          ).map((r) => [r.key, r.request] as const),
        );
        const toStore = rows.filter((r) => {
          const request = erasedBy.get(r.key);
          if (request === undefined) return true;
          results.set(r.key, { id: r.key, status: 'invalid', error: `erased at the person's request (erasure ${request}); central keeps no copy` });
          return false;
        });
        if (toStore.length === 0) return;
        const inserted = new Set((await tx.query<{ id: string }>(insertSql(toStore.length), toStore.flatMap((r) => rowParams(kiosk, r)))).map((r) => r.id));
        const rest = toStore.filter((r) => !inserted.has(r.id));
        const held = new Map(
          rest.length === 0
            ? []
            : (await tx.query<{ id: string; content_hash: string }>('SELECT id::text AS id, content_hash FROM records WHERE id = ANY($1::uuid[])', [rest.map((r) => r.id)])).map((r) => [r.id, r.content_hash] as const),
        );
        for (const r of toStore) {
          if (inserted.has(r.id)) {
            results.set(r.key, { id: r.key, status: 'stored' });
            if (r.kind === 'erasure') await this.erase(tx, kiosk, r);
            continue;
          }
          const heldHash = held.get(r.id);
          if (heldHash === r.contentHash) {
            results.set(r.key, { id: r.key, status: 'duplicate' });
          } else {
            results.set(r.key, { id: r.key, status: 'conflict', error: 'central already holds a different record with this id; it was not overwritten' });
            await tx.query('INSERT INTO record_conflicts (record_id, kiosk_id, held_hash, offered_hash) VALUES ($1, $2, $3, $4)', [r.id, kiosk.kioskId, heldHash ?? '', r.contentHash]);
          }
        }
      });
    }
    return items.map((i) => results.get(i.id) ?? { id: i.id, status: 'conflict', error: 'the same id appears twice in this batch with different content' });
  }

  /**
   * A person's erasure (docs/privacy.md): deletes this kiosk's records the request names and, when
   * the kiosk knew the keyed hash of the person's number, this kiosk's other records of that number
   * (copies of screenings or registrations it no longer lists). The erasure record itself stays,
   * with what was deleted, so a late upload of a named record is refused.
   */
  private async erase(tx: Sql, kiosk: KioskIdentity, r: RecordRow): Promise<void> {
    const request = JSON.parse(r.body) as { recordIds: string[]; idHash: string | null };
    const ids = request.recordIds.map(storageIdOf);
    const deleted = await tx.query<{ id: string }>(
      `DELETE FROM records WHERE kiosk_id = $1 AND kind <> 'erasure' AND (id = ANY($2::uuid[]) OR ($3::text IS NOT NULL AND id_hash = $3::text)) RETURNING id::text AS id`,
      [kiosk.kioskId, ids, request.idHash],
    );
    // Dispositions and links of a deleted screening go with it.
    const screenings = deleted.map((d) => d.id);
    const dependants = screenings.length === 0 ? [] : await tx.query<{ id: string }>(`DELETE FROM records WHERE kiosk_id = $1 AND screening_id = ANY($2::uuid[]) RETURNING id::text AS id`, [kiosk.kioskId, screenings]);
    await tx.query(`UPDATE records SET body = body || jsonb_build_object('deletedAtCentral', $2::int) WHERE id = $1::uuid`, [r.id, deleted.length + dependants.length]);
  }

  private toRow(kiosk: KioskIdentity, item: UploadItem): RecordRow | { error: string } {
    const r = RECORD_SCHEMAS[item.kind].safeParse(item.record);
    if (!r.success) {
      const i = r.error.issues[0]!;
      return { error: `${item.kind} ${item.id}: ${i.path.join('.') || '(record)'}: ${i.message}`.slice(0, 500) };
    }
    const own = ownKey(item.kind, item.record);
    if (own !== item.id) return { error: `${item.kind} ${item.id}: the record's own id ${JSON.stringify(own)} differs from the upload id` };
    const contentHash = uploadContentHash(item);
    const base = { key: item.id, id: storageIdOf(item.id), kind: item.kind, contentHash, outcome: null, decision: null, fever: null, colour: null, screeningId: null, action: null, idMasked: null, nameMasked: null, idHash: null, personalEnc: null };
    const aad = aadFor('records', 'personal', item.id);
    switch (item.kind) {
      case 'screening': {
        const s = r.data as z.infer<(typeof RECORD_SCHEMAS)['screening']>;
        if (s.checkpointId !== kiosk.checkpointId) return { error: `screening ${item.id}: checkpointId "${s.checkpointId}" is not the checkpoint this kiosk is enrolled at ("${kiosk.checkpointId}")` };
        const { card, ...rest } = item.record;
        return {
          ...base,
          occurredAt: s.finishedAt,
          outcome: s.outcome,
          decision: s.decision,
          fever: s.fever,
          colour: s.colour,
          idMasked: s.card ? maskIdNumber(s.card.idNumber) : null,
          nameMasked: s.card ? maskName(s.card.name) : null,
          idHash: s.card ? this.hasher.hashIdNumber(s.card.idNumber) : null,
          body: JSON.stringify({ ...rest, card: card ? { masked: true } : null }),
          personalEnc: card ? this.cipher.encryptText(JSON.stringify({ card }), aad) : null,
        };
      }
      case 'disposition': {
        const d = r.data as z.infer<(typeof RECORD_SCHEMAS)['disposition']>;
        const { note, ...rest } = item.record;
        return {
          ...base,
          occurredAt: d.at,
          screeningId: d.screeningId,
          action: d.action,
          body: JSON.stringify({ ...rest, note: note === null ? null : { masked: true } }),
          personalEnc: typeof note === 'string' ? this.cipher.encryptText(JSON.stringify({ note }), aad) : null,
        };
      }
      case 'calibration':
        return { ...base, occurredAt: (r.data as { performedAt: string }).performedAt, body: JSON.stringify(item.record) };
      case 'device-event':
      case 'settings-change':
      case 'calibration-check':
      case 'site-model-fit':
        return { ...base, occurredAt: (r.data as { at: string }).at, body: JSON.stringify(item.record) };
      case 'manual-registration': {
        const m = r.data as z.infer<(typeof RECORD_SCHEMAS)['manual-registration']>;
        const { documentNumber, name, phone, ...rest } = item.record;
        return {
          ...base,
          occurredAt: m.at,
          idMasked: maskIdNumber(m.documentNumber),
          nameMasked: maskName(m.name),
          idHash: this.hasher.hashIdNumber(m.documentNumber),
          body: JSON.stringify({ ...rest, documentNumber: { masked: true }, name: { masked: true }, phone: phone === null ? null : { masked: true } }),
          personalEnc: this.cipher.encryptText(JSON.stringify({ documentNumber, name, phone }), aad),
        };
      }
      case 'registration-link': {
        const l = r.data as z.infer<(typeof RECORD_SCHEMAS)['registration-link']>;
        // A link has no time of its own: filed at its arrival.
        return { ...base, occurredAt: new Date().toISOString(), screeningId: l.screeningId, body: JSON.stringify(item.record) };
      }
      case 'erasure': {
        const e = r.data as z.infer<(typeof RECORD_SCHEMAS)['erasure']>;
        return { ...base, occurredAt: e.requestedAt, idHash: e.idHash, action: 'erasure', body: JSON.stringify(item.record) };
      }
    }
  }
}

const COLUMNS = ['id', 'kind', 'kiosk_id', 'checkpoint_id', 'content_hash', 'occurred_at', 'outcome', 'decision', 'fever', 'colour', 'screening_id', 'action', 'id_masked', 'name_masked', 'id_hash', 'body', 'personal_enc'];
const CASTS: Record<string, string> = { id: '::uuid', occurred_at: '::timestamptz', screening_id: '::uuid', body: '::jsonb', fever: '::boolean', personal_enc: '::bytea' };

function insertSql(n: number): string {
  const tuples: string[] = [];
  for (let i = 0; i < n; i++) tuples.push(`(${COLUMNS.map((c, j) => `$${i * COLUMNS.length + j + 1}${CASTS[c] ?? ''}`).join(', ')})`);
  return `INSERT INTO records (${COLUMNS.join(', ')}) VALUES ${tuples.join(', ')} ON CONFLICT (id) DO NOTHING RETURNING id::text AS id`;
}

function rowParams(kiosk: KioskIdentity, r: RecordRow): unknown[] {
  return [r.id, r.kind, kiosk.kioskId, kiosk.checkpointId, r.contentHash, r.occurredAt, r.outcome, r.decision, r.fever, r.colour, r.screeningId, r.action, r.idMasked, r.nameMasked, r.idHash, r.body, r.personalEnc];
}
