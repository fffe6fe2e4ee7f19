import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KioskStore } from '../../main/store/kiosk-store.js';
import { newRecordId } from '../../main/store/record-id.js';
import { foreignCard, SAMPLE_PEOPLE, screeningRecord, withoutPhoto } from '../fixtures/store/screening-records.js';
import { containsText, tempDataDir } from '../fixtures/store/temp-data-dir.js';

let data: ReturnType<typeof tempDataDir>;
let store: KioskStore;

beforeEach(async () => {
  data = tempDataDir();
  store = await KioskStore.open({ dataDir: data.dir, maintenanceIntervalMs: 0 });
});
afterEach(() => {
  store.close();
  data.cleanup();
});

describe('screenings', () => {
  it('commits a screening and its outbox row together, and reads it back decrypted (no photo by default)', async () => {
    const record = screeningRecord();
    await store.records.commit(record);
    expect(store.records.get(record.id)).toEqual(withoutPhoto(record));
    const [item] = store.outbox.nextBatch(10);
    expect(item?.idempotencyKey).toBe(record.id);
    expect(item?.kind).toBe('screening');
    expect(item?.payload.schemaVersion).toBe(1);
    const uploaded = item?.payload.record as { card: Record<string, unknown> };
    expect(uploaded.card.idNumber).toBe(record.card!.idNumber);
    // Minimum data: the upload carries no photo, and the row no photo column.
    expect(Object.keys(uploaded.card)).not.toContain('photoWltBase64');
    expect(store.db.prepare('SELECT photo_enc FROM screenings WHERE id = ?').pluck().get(record.id)).toBeNull();
  });

  it('keeps and uploads the photo when the site turns it on', async () => {
    store.close();
    store = await KioskStore.open({ dataDir: data.dir, maintenanceIntervalMs: 0, collection: { storePhoto: true } });
    const record = screeningRecord();
    await store.records.commit(record);
    expect(store.records.get(record.id)?.card?.photoWlt).toEqual(record.card!.photoWlt);
    const photo = store.db.prepare('SELECT photo_enc FROM screenings WHERE id = ?').pluck().get(record.id) as Buffer;
    // 1 format byte + 12 nonce + 1024 photo bytes + 16 tag, and not the photo in clear.
    expect(photo.length).toBe(1 + 12 + 1024 + 16);
    expect(photo.includes(Buffer.from(record.card!.photoWlt).subarray(0, 64))).toBe(false);
    const uploaded = store.outbox.nextBatch(1)[0]?.payload.record as { card: { photoWltBase64: string } };
    expect(Buffer.from(uploaded.card.photoWltBase64, 'base64')).toEqual(Buffer.from(record.card!.photoWlt));
  });

  it('round-trips a foreign card with an English name (its fingerprints are never kept), and a record without a card', async () => {
    const foreign = screeningRecord({ card: foreignCard() });
    const noCard = screeningRecord({ card: null, outcome: 'abandoned', decision: null, abandonReason: 'timeout' });
    await store.records.commit(foreign);
    await store.records.commit(noCard);
    const back = store.records.get(foreign.id)!;
    expect(back).toEqual(withoutPhoto(foreign));
    expect(back.card).not.toHaveProperty('fingerprint');
    expect(store.records.get(noCard.id)).toEqual(noCard);
  });

  it('keeps the raw text block only when the decoded text lost rare characters', async () => {
    const raw = new Uint8Array(256).fill(0x20);
    const plain = screeningRecord({}, 0);
    plain.card = { ...plain.card!, rawText: raw };
    const rare = screeningRecord({}, 1);
    rare.card = { ...rare.card!, rawText: raw, hasUnusualCharacters: true };
    await store.records.commit(plain);
    await store.records.commit(rare);
    expect(store.records.get(plain.id)!.card).not.toHaveProperty('rawText');
    expect(store.records.get(rare.id)!.card!.rawText).toEqual(raw);
  });

  it('keeps only region code, birth year and sex in clear', async () => {
    const record = screeningRecord();
    await store.records.commit(record);
    const row = store.db.prepare('SELECT region_code, birth_year, sex, name_enc, id_number_enc FROM screenings WHERE id = ?').get(record.id) as Record<string, unknown>;
    expect(row.region_code).toBe('110105');
    expect(row.birth_year).toBe(1949);
    expect(row.sex).toBe('female');
    expect(Buffer.isBuffer(row.name_enc)).toBe(true);
  });

  it("a foreigner's 2023 number has no region code in clear (9 + province + nationality is not a region); an impossible birth date no birth year", async () => {
    const foreign = screeningRecord({ card: foreignCard() });
    const oddBirth = screeningRecord({}, 1);
    oddBirth.card = { ...oddBirth.card!, birthDate: '19491399' };
    await store.records.commit(foreign);
    await store.records.commit(oddBirth);
    const row = (id: string) => store.db.prepare('SELECT region_code, birth_year, id_valid FROM screenings WHERE id = ?').get(id) as Record<string, unknown>;
    expect(row(foreign.id)).toEqual({ region_code: null, birth_year: 1985, id_valid: 1 });
    expect(row(oddBirth.id)).toMatchObject({ birth_year: null });
  });

  it('finds repeat visits through the blind index', async () => {
    const a = screeningRecord({}, 0);
    const b = screeningRecord({}, 1);
    const c = screeningRecord({}, 0);
    for (const r of [a, b, c]) await store.records.commit(r);
    expect(store.records.idsForIdNumber(SAMPLE_PEOPLE[0]!.idNumber)).toEqual([a.id, c.id].sort());
  });

  it('treats a second commit of the same id as done (no duplicate, no second outbox row)', async () => {
    const record = screeningRecord();
    await store.records.commit(record);
    await store.records.commit(record);
    expect(store.records.count()).toBe(1);
    expect(store.outbox.counts().pending).toBe(1);
  });

  it('refuses an id that is not a UUIDv7, and an unparseable finishedAt, writing nothing', async () => {
    await expect(store.records.commit(screeningRecord({ id: 'not-a-uuid' }))).rejects.toThrow(/UUIDv7/);
    await expect(store.records.commit(screeningRecord({ finishedAt: 'yesterday' }))).rejects.toThrow(/finishedAt/);
    expect(store.records.count()).toBe(0);
    expect(store.outbox.counts().pending).toBe(0);
  });

  it('rolls back the record when its outbox row cannot be written', async () => {
    const record = screeningRecord();
    // An outbox row already holding this idempotency key makes the outbox insert fail inside the transaction.
    store.db.prepare("INSERT INTO outbox (idempotency_key, kind, record_id, payload, next_attempt_at, created_at) VALUES (?, 'screening', ?, NULL, 0, 0)").run(record.id, record.id);
    await expect(store.records.commit(record)).rejects.toThrow(/UNIQUE/);
    expect(store.records.get(record.id)).toBeNull();
  });

  it('commits concurrent screenings together (group commit), and a bad one fails alone', async () => {
    const good = Array.from({ length: 40 }, (_, i) => screeningRecord({ fever: i % 4 === 0 }, i));
    const bad = screeningRecord();
    store.db.prepare("INSERT INTO outbox (idempotency_key, kind, record_id, payload, next_attempt_at, created_at) VALUES (?, 'screening', ?, NULL, 0, 0)").run(bad.id, bad.id);
    const results = await Promise.allSettled([...good.slice(0, 20), bad, ...good.slice(20)].map((r) => store.records.commit(r)));
    expect(results.filter((r) => r.status === 'rejected')).toHaveLength(1);
    expect(results[20]!.status).toBe('rejected');
    for (const r of good) expect(store.records.get(r.id)).toEqual(withoutPhoto(r));
    expect(store.records.get(bad.id)).toBeNull();
    expect(store.outbox.counts().pending).toBe(41);
  });

  it('leaves no plaintext ID number, name or address in the database or WAL files', async () => {
    for (let i = 0; i < 30; i++) await store.records.commit(screeningRecord({ fever: i % 5 === 0 }, i));
    const files = ['kiosk.db', 'kiosk.db-wal'].map((f) => join(data.dir, f)).filter((f) => existsSync(f));
    expect(files).toContain(join(data.dir, 'kiosk.db'));
    for (const file of files) {
      const bytes = readFileSync(file);
      for (const p of SAMPLE_PEOPLE) {
        for (const secret of [p.idNumber, p.name, p.address, p.idNumber.slice(6, 14)]) expect(containsText(bytes, secret), `${secret} in ${file}`).toBe(false);
      }
    }
  });
});

describe('outbox', () => {
  it('hands out holds and fevers first, then oldest first', async () => {
    const pass1 = screeningRecord();
    const hold = screeningRecord({ fever: true });
    const pass2 = screeningRecord();
    const softHold = screeningRecord({ outcome: 'hold', decision: 'HOLD', fever: false });
    for (const r of [pass1, hold, pass2, softHold]) await store.records.commit(r);
    expect(store.outbox.nextBatch(10).map((i) => i.idempotencyKey)).toEqual([hold.id, softHold.id, pass1.id, pass2.id]);
    expect(store.outbox.nextBatch(2).map((i) => i.priority)).toEqual([1, 1]);
  });

  it('acknowledges, retries later and dead-letters without blocking other rows', async () => {
    const [a, b, c] = [screeningRecord(), screeningRecord(), screeningRecord()];
    for (const r of [a, b, c]) await store.records.commit(r);
    const now = Date.now();
    expect(store.outbox.markAcknowledged([a.id])).toBe(1);
    expect(store.outbox.markAcknowledged([a.id])).toBe(0);
    store.outbox.markFailed(b.id, 'HTTP 503', now + 60_000);
    store.outbox.markDead(c.id, 'HTTP 422 schema');
    expect(store.outbox.nextBatch(10, now)).toEqual([]);
    const later = store.outbox.nextBatch(10, now + 60_000);
    expect(later.map((i) => [i.idempotencyKey, i.attempts, i.lastError])).toEqual([[b.id, 1, 'HTTP 503']]);
    expect(store.outbox.counts()).toEqual({ pending: 1, dead: 1, sent: 1 });
    expect(store.outbox.deadLetters().map((i) => i.idempotencyKey)).toEqual([c.id]);
    // An acknowledged row keeps no payload.
    expect(store.db.prepare('SELECT payload FROM outbox WHERE idempotency_key = ?').get(a.id)).toEqual({ payload: null });
    expect(store.outbox.requeue(c.id, now)).toBe(true);
    expect(store.outbox.status(c.id)).toBe('pending');
  });
});

describe('other records', () => {
  it('records a disposition linked to its screening, with an encrypted note, sent urgently', async () => {
    const held = screeningRecord({ fever: true });
    await store.records.commit(held);
    const d = await store.dispositions.record({ screeningId: held.id, staffId: 'staff-7', action: 'referred', note: '张三 sent to the fever clinic' });
    expect(store.dispositions.forScreening(held.id)).toEqual([d]);
    expect(store.outbox.nextBatch(10).find((i) => i.idempotencyKey === d.id)?.priority).toBe(1);
    const raw = store.db.prepare('SELECT note_enc FROM dispositions WHERE id = ?').get(d.id) as { note_enc: Buffer };
    expect(containsText(raw.note_enc, '张三')).toBe(false);
  });

  it('refuses a disposition for a screening that does not exist', async () => {
    await expect(store.dispositions.record({ screeningId: newRecordId(), staffId: 's', action: 'released', note: null })).rejects.toThrow(/does not exist/);
    expect(store.outbox.counts().pending).toBe(0);
  });

  it('records calibrations, device events and settings changes with outbox rows', async () => {
    const cal = await store.calibrations.record({ deviceId: 'thermo-1', gain: 1.01, offsetC: 0.3, points: [{ referenceC: 37, measuredC: 36.4 }], technicianId: 'tech-1' });
    expect(store.calibrations.latest('thermo-1')).toEqual(cal);
    const ev = await store.deviceEvents.record({ deviceId: 'thermo-1', kind: 'offline', detail: { port: '/dev/ttyUSB0' } });
    expect(store.deviceEvents.recent(5)).toEqual([ev]);
    const change = await store.settings.set('retentionDays', 21, 'tech-1');
    expect(store.settings.get('retentionDays')).toBe(21);
    expect(store.settings.history('retentionDays')).toEqual([change]);
    expect(store.outbox.nextBatch(10).map((i) => i.kind).sort()).toEqual(['calibration', 'device-event', 'settings-change']);
    expect(store.audit.list().map((e) => e.action)).toContain('settings.change');
  });

  it('stores the technician PIN only as an scrypt hash and never shows it in changes', async () => {
    await store.settings.setTechnicianPin('482916', 'tech-1');
    expect(store.settings.verifyTechnicianPin('482916')).toBe(true);
    expect(store.settings.verifyTechnicianPin('000000')).toBe(false);
    expect(String(store.settings.get('technician.pinHash'))).toMatch(/^scrypt\$/);
    expect(store.settings.history().map((c) => c.newValue)).toEqual(['[redacted]']);
    expect(store.settings.all()).toEqual({});
    await expect(store.settings.setTechnicianPin('12', 'tech-1')).rejects.toThrow(/at least 6/);
  });
});
