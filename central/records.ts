import { z } from 'zod';
import type { HmacIdHasher } from '../main/engine/id-hasher.js';
import { maskIdNumber, maskName } from '../main/store/masking.js';
import { aadFor, type PersonalDataCipher } from '../main/store/personal-data-cipher.js';
import { uploadContentHash, type RecordKind, type RecordResult, type UploadItem } from './api.js';
import type { CentralDatabase } from './db/central-database.js';

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
} satisfies Record<RecordKind, z.ZodType>;

/** One row for the `records` table. */
interface RecordRow {
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
        const inserted = new Set((await tx.query<{ id: string }>(insertSql(rows.length), rows.flatMap((r) => rowParams(kiosk, r)))).map((r) => r.id));
        const rest = rows.filter((r) => !inserted.has(r.id));
        const held = new Map(
          rest.length === 0
            ? []
            : (await tx.query<{ id: string; content_hash: string }>('SELECT id, content_hash FROM records WHERE id = ANY($1::uuid[])', [rest.map((r) => r.id)])).map((r) => [r.id, r.content_hash] as const),
        );
        for (const r of rows) {
          if (inserted.has(r.id)) {
            results.set(r.id, { id: r.id, status: 'stored' });
            continue;
          }
          const heldHash = held.get(r.id);
          if (heldHash === r.contentHash) {
            results.set(r.id, { id: r.id, status: 'duplicate' });
          } else {
            results.set(r.id, { id: r.id, status: 'conflict', error: 'central already holds a different record with this id; it was not overwritten' });
            await tx.query('INSERT INTO record_conflicts (record_id, kiosk_id, held_hash, offered_hash) VALUES ($1, $2, $3, $4)', [r.id, kiosk.kioskId, heldHash ?? '', r.contentHash]);
          }
        }
      });
    }
    return items.map((i) => results.get(i.id) ?? { id: i.id, status: 'conflict', error: 'the same id appears twice in this batch with different content' });
  }

  private toRow(kiosk: KioskIdentity, item: UploadItem): RecordRow | { error: string } {
    const r = RECORD_SCHEMAS[item.kind].safeParse(item.record);
    if (!r.success) {
      const i = r.error.issues[0]!;
      return { error: `${item.kind} ${item.id}: ${i.path.join('.') || '(record)'}: ${i.message}`.slice(0, 500) };
    }
    if (item.record.id !== item.id) return { error: `${item.kind} ${item.id}: record.id ${JSON.stringify(item.record.id)} differs from the upload id` };
    const contentHash = uploadContentHash(item);
    const base = { id: item.id, kind: item.kind, contentHash, outcome: null, decision: null, fever: null, colour: null, screeningId: null, action: null, idMasked: null, nameMasked: null, idHash: null, personalEnc: null };
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
        return { ...base, occurredAt: (r.data as { at: string }).at, body: JSON.stringify(item.record) };
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
