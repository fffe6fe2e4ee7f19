import { createPublicKey, verify } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIST_GENESIS_HASH, listDeltaHash, signedBytes, uploadContentHash, type UploadItem } from '../../central/api.js';
import type { RunningCentral } from '../../central/central-service.js';
import { exportScreenings } from '../../central/export.js';
import { parseListCsv } from '../../central/lists.js';
import type { KioskIdentity } from '../../central/records.js';
import { mod112CheckChar } from '../../drivers/idcard/id-number.js';
import { HmacIdHasher } from '../../main/engine/id-hasher.js';
import { cardToJson } from '../../main/store/id-card-codec.js';
import { screeningRecord, SAMPLE_PEOPLE } from '../fixtures/store/screening-records.js';
import { backends, startTestCentral, tempDir } from './central-fixture.js';

/** An upload item as the kiosk's outbox holds it (the card as the store serialises it). */
function item(overrides: Parameters<typeof screeningRecord>[0] = {}, i = 0): UploadItem {
  const r = screeningRecord({ checkpointId: 'cp-ingest', ...overrides }, i);
  return { id: r.id, kind: 'screening', schemaVersion: 1, record: JSON.parse(JSON.stringify({ ...r, card: r.card ? cardToJson(r.card) : null })) as Record<string, unknown> };
}

describe.each(backends())('central on $name', (backend) => {
  let central: RunningCentral;
  let kiosk: KioskIdentity;
  let data: ReturnType<typeof tempDir>;
  let drop: () => Promise<void>;
  beforeAll(async () => {
    data = tempDir('central-ingest-');
    const db = await backend.create();
    drop = db.drop;
    central = await startTestCentral({ dataDir: data.dir, databaseUrl: db.url });
    const enrolled = await central.kiosks.enroll({ checkpointId: 'cp-ingest', kioskId: 'kiosk-a', actor: 'test' });
    kiosk = (await central.kiosks.authenticate(enrolled.token))!;
  }, 60_000);
  afterAll(async () => {
    await central?.stop();
    await drop?.();
    data?.cleanup();
  });

  it('stores a batch once: the same content again is a duplicate, different content a conflict that overwrites nothing', async () => {
    const a = item({}, 0);
    const b = item({ fever: true, decision: 'HOLD', outcome: 'hold' }, 1);
    expect(await central.ingest.ingest(kiosk, [a, b])).toEqual([
      { id: a.id, status: 'stored' },
      { id: b.id, status: 'stored' },
    ]);
    expect(await central.ingest.ingest(kiosk, [b, a])).toEqual([
      { id: b.id, status: 'duplicate' },
      { id: a.id, status: 'duplicate' },
    ]);
    const altered: UploadItem = { ...a, record: { ...a.record, policyVersion: 'edited-after-sending' } };
    const [r] = await central.ingest.ingest(kiosk, [altered]);
    expect(r).toMatchObject({ id: a.id, status: 'conflict' });
    const rows = await central.db.query<{ content_hash: string; n: number }>('SELECT content_hash, COUNT(*) OVER ()::int AS n FROM records WHERE id = $1', [a.id]);
    expect(rows).toEqual([{ content_hash: uploadContentHash(a), n: 1 }]);
    const conflicts = await central.db.query<{ held_hash: string; offered_hash: string }>('SELECT held_hash, offered_hash FROM record_conflicts WHERE record_id = $1', [a.id]);
    expect(conflicts).toEqual([{ held_hash: uploadContentHash(a), offered_hash: uploadContentHash(altered) }]);
  });

  it('answers a partly bad batch record by record: the bad ones invalid, the rest stored', async () => {
    const good = item({}, 2);
    const otherCheckpoint = item({ checkpointId: 'somewhere-else' }, 3);
    const broken: UploadItem = { ...item({}, 4), record: { ...item({}, 4).record, finishedAt: 'yesterday' } };
    const mismatchedId: UploadItem = { ...item({}, 5), id: '0190a0a0-0000-7000-8000-00000000abcd' };
    const res = await central.ingest.ingest(kiosk, [good, otherCheckpoint, broken, mismatchedId]);
    expect(res.map((r) => r.status)).toEqual(['stored', 'invalid', 'invalid', 'invalid']);
    expect(res[1]!.error).toMatch(/not the checkpoint this kiosk is enrolled at/);
    expect(res[2]!.error).toMatch(/finishedAt/);
    expect(res[3]!.error).toMatch(/differs from the upload id/);
    const [n] = await central.db.query<{ n: number }>('SELECT COUNT(*)::int AS n FROM records WHERE id = ANY($1::uuid[])', [[good.id, otherCheckpoint.id, broken.id]]);
    expect(n!.n).toBe(1);
  });

  it('keeps one row per id when the same batch arrives twice at once', async () => {
    const batch = Array.from({ length: 30 }, (_, i) => item({}, 10 + i));
    const [x, y] = await Promise.all([central.ingest.ingest(kiosk, batch), central.ingest.ingest(kiosk, batch)]);
    const statuses = [...x!, ...y!].map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 'stored')).toHaveLength(30);
    expect(statuses.filter((s) => s === 'duplicate')).toHaveLength(30);
    const [n] = await central.db.query<{ n: number }>('SELECT COUNT(*)::int AS n FROM records WHERE id = ANY($1::uuid[])', [batch.map((b) => b.id)]);
    expect(n!.n).toBe(30);
  });

  it('keeps personal data only encrypted and masked; exports masked', async () => {
    const person = SAMPLE_PEOPLE[0]!;
    const rows = await central.db.query<{ body: string; id_masked: string; name_masked: string; enc: Buffer | Uint8Array }>(
      "SELECT body::text AS body, id_masked, name_masked, personal_enc AS enc FROM records WHERE kind = 'screening' AND id_masked IS NOT NULL LIMIT 5",
    );
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) {
      expect(r.body).not.toContain(person.idNumber);
      expect(r.body).not.toContain(person.name);
      expect(Buffer.from(r.enc).toString('latin1')).not.toContain(person.idNumber);
      expect(r.id_masked).toMatch(/^\d{6}\*{8}[\dX]{4}$/);
    }
    let out = '';
    const { count } = await exportScreenings(central.db, { from: new Date('2000-01-01'), to: new Date('2100-01-01'), format: 'jsonl', actor: 'test' }, (c) => (out += c));
    expect(count).toBeGreaterThanOrEqual(30);
    expect(out).not.toContain(person.idNumber);
    expect(out).toContain('110105********002X');
  });

  it('publishes list imports as signed, hash-chained versions holding keyed hashes only', async () => {
    const csv = 'id_number,colour,reason,expires_at\n11010519491231002X,red,synthetic,2099-12-31\n810000199408230021,橙,synthetic,\n';
    const hasher = new HmacIdHasher(central.keys.idKey);
    const entries = parseListCsv(csv, hasher);
    expect(entries.map((e) => e.hmac)).toEqual([hasher.hashIdNumber('11010519491231002x'), hasher.hashIdNumber('810000199408230021')]);
    const before = await central.lists.latestVersion();
    const versions = await central.lists.importList('red-test', entries, { replace: false, actor: 'test' });
    expect(versions).toEqual([before + 1]);
    // Importing the same file again changes nothing: no new version.
    expect(await central.lists.importList('red-test', entries, { replace: false, actor: 'test' })).toEqual([]);
    const res = await central.lists.since(0, 'kiosk-a');
    const key = createPublicKey({ key: Buffer.from(central.keys.listSigningPublicKey, 'base64'), format: 'der', type: 'spki' });
    let prev = LIST_GENESIS_HASH;
    for (const d of res.deltas) {
      expect(verify(null, signedBytes('list-delta', d.body), key, Buffer.from(d.signature, 'base64'))).toBe(true);
      expect(d.body.prevHash).toBe(prev);
      prev = listDeltaHash(d.body);
    }
    expect(res.head.body).toMatchObject({ kioskId: 'kiosk-a', version: before + 1, hash: prev });
    expect(verify(null, signedBytes('list-head', res.head.body), key, Buffer.from(res.head.signature, 'base64'))).toBe(true);
    const stored = await central.db.query<{ t: string }>('SELECT row_to_json(l)::text AS t FROM list_entries l');
    for (const s of stored) expect(s.t).not.toMatch(/11010519491231002X|810000199408230021/);
    // Replacing the list with one person removes the other.
    const [v] = await central.lists.importList('red-test', entries.slice(0, 1), { replace: true, actor: 'test' });
    const last = (await central.lists.since(v! - 1, 'kiosk-a')).deltas[0]!.body;
    expect(last.remove).toEqual([{ hmac: entries[1]!.hmac, listId: 'red-test' }]);
  });

  it('splits a big import into versions of at most 5,000 changes', async () => {
    // Synthetic resident numbers (region 990000 does not exist) that pass the ID-number module: a real
    // birth date (one day per 1,000 people from 1990-01-01), a sequence number, the MOD 11-2 check.
    const rows = Array.from({ length: 12_000 }, (_, i) => {
      const birth = new Date(Date.UTC(1990, 0, 1) + Math.floor(i / 1000) * 86_400_000).toISOString().slice(0, 10).replaceAll('-', '');
      const first17 = `990000${birth}${String(i % 1000).padStart(3, '0')}`;
      return `${first17}${mod112CheckChar(first17)},yellow`;
    });
    const hasher = new HmacIdHasher(central.keys.idKey);
    const versions = await central.lists.importList('bulk', parseListCsv(`id_number,colour\n${rows.join('\n')}\n`, hasher), { replace: false, actor: 'test' });
    expect(versions).toHaveLength(3);
    const res = await central.lists.since(versions[0]! - 1, 'kiosk-a');
    expect(res.deltas.map((d) => d.body.upsert.length)).toEqual([5000, 5000, 2000]);
    const [n] = await central.db.query<{ n: number }>("SELECT COUNT(*)::int AS n FROM list_entries WHERE list_id = 'bulk'");
    expect(n!.n).toBe(12_000);
  });
});
