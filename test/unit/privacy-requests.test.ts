import { createHash, createHmac } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { parseKioskConfig, type KioskConfig } from '../../main/config/kiosk-config.js';
import { HmacIdHasher } from '../../main/engine/id-hasher.js';
import type { ScreeningRecord } from '../../main/engine/screening-record.js';
import { PrivacyService } from '../../main/privacy/privacy-service.js';
import { KioskStore } from '../../main/store/kiosk-store.js';
import type { ErasureRequest } from '../../main/store/subject-data.js';
import { runCli } from '../fixtures/cli/run-cli.js';
import { SAMPLE_PEOPLE, screeningRecord } from '../fixtures/store/screening-records.js';
import { containsText, tempDataDir } from '../fixtures/store/temp-data-dir.js';

/**
 * Issue 15 item 4: a person's requests, answered by ID number through the keyed blind index:
 * lookup, export, deletion (CLI and the API the consoles call); afterwards nothing about the person
 * remains but the audit entries.
 */

const PIN = '482916';
const ASKED = SAMPLE_PEOPLE[0]!; // 11010519491231002X, 张三
const OTHER = SAMPLE_PEOPLE[1]!;

let data: ReturnType<typeof tempDataDir>;
let asked: ScreeningRecord[];
let others: ScreeningRecord[];
let noteId: string;

beforeEach(async () => {
  vi.stubEnv('KIOSK_TECHNICIAN_PIN', '');
  data = tempDataDir();
  const store = await KioskStore.open({ dataDir: data.dir, maintenanceIntervalMs: 0 });
  await store.settings.setTechnicianPin(PIN, 'tech-1');
  asked = [screeningRecord({ finishedAt: '2026-11-20T08:00:00.000Z' }, 0), screeningRecord({ finishedAt: '2026-11-21T08:00:00.000Z', fever: true }, 0), screeningRecord({ finishedAt: '2026-11-22T08:00:00.000Z' }, 0)];
  others = [screeningRecord({ finishedAt: '2026-11-20T09:00:00.000Z' }, 1), screeningRecord({ finishedAt: '2026-11-21T09:00:00.000Z', fever: true }, 2)];
  for (const r of [...asked, ...others]) await store.records.commit(r);
  noteId = (await store.dispositions.record({ screeningId: asked[1]!.id, staffId: 'staff-7', action: 'referred', note: '送发热门诊', at: '2026-11-21T08:05:00.000Z' })).id;
  await store.dispositions.record({ screeningId: others[1]!.id, staffId: 'staff-7', action: 'released', note: null, at: '2026-11-21T09:05:00.000Z' });
  store.close();
});
afterEach(() => {
  vi.unstubAllEnvs();
  data.cleanup();
});

const withStore = async <T>(f: (s: KioskStore) => T | Promise<T>): Promise<T> => {
  const store = await KioskStore.open({ dataDir: data.dir, maintenanceIntervalMs: 0 });
  try {
    return await f(store);
  } finally {
    store.close();
  }
};

describe('kiosk privacy lookup | export | delete', () => {
  it('looks up by ID number read from stdin (masked), every lookup audited without the number', async () => {
    // Lower case x and blanks as a technician might type them.
    const r = await runCli(['privacy', 'lookup', '--json', '--data', data.dir], ` ${ASKED.idNumber.toLowerCase()} \n${PIN}\n`);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const found = JSON.parse(r.stdout) as { identity: { idNumber: string; name: string }; screenings: Array<{ id: string; dispositions: number; decision: string; photoKept: boolean; delivery: string }> };
    expect(found.identity).toEqual({ idNumber: '110105********002X', name: '张*' });
    expect(found.screenings.map((s) => s.id)).toEqual(asked.map((a) => a.id));
    expect(found.screenings.map((s) => [s.decision, s.dispositions, s.photoKept, s.delivery])).toEqual([
      ['PASS', 0, false, 'pending'],
      ['HOLD', 1, false, 'pending'],
      ['PASS', 0, false, 'pending'],
    ]);
    expect(r.stdout).not.toContain(ASKED.idNumber);
    expect(r.stdout).not.toContain(ASKED.name);
    const text = await runCli(['privacy', 'lookup', '--data', data.dir], `${OTHER.idNumber}\n${PIN}\n`);
    expect(text.stdout).toContain('李** 810000********0021: 1 screening(s)');
    const nobody = await runCli(['privacy', 'lookup', '--data', data.dir], `110101199003074477\n${PIN}\n`);
    expect(nobody.stdout).toBe('nothing is held about this ID number\n');
    await withStore((s) => {
      const entries = s.audit.list(5).filter((e) => e.action === 'privacy.subject.lookup');
      expect(entries.map((e) => e.detail)).toEqual([
        { screenings: 3, registrations: 0 },
        { screenings: 1, registrations: 0 },
        { screenings: 0, registrations: 0 },
      ]);
      expect(JSON.stringify(s.audit.list(1000))).not.toContain(ASKED.idNumber.slice(6, 14));
    });
  });

  it('exports everything held about the person, in full, to a 0600 file, and nothing of anyone else', async () => {
    const file = join(data.dir, 'subject-export.json');
    const r = await runCli(['privacy', 'export', '--request', 'REQ-2026-0042', '--output', file, '--data', data.dir], `${ASKED.idNumber}\n${PIN}\n`);
    expect(r.status, r.stderr).toBe(0);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const doc = JSON.parse(readFileSync(file, 'utf8')) as {
      reference: string;
      records: Array<{ id: string; screening: { card: { idNumber: string; name: string; address: string; photoWltBase64?: string } }; reasons: Array<{ code: string; zh: string }>; dispositions: Array<{ action: string; note: string | null }> }>;
    };
    expect(doc.reference).toBe('REQ-2026-0042');
    expect(doc.records.map((x) => x.id)).toEqual(asked.map((a) => a.id));
    for (const x of doc.records) expect(x.screening.card).toMatchObject({ idNumber: ASKED.idNumber, name: ASKED.name, address: ASKED.address });
    expect(doc.records[1]!.reasons).toEqual([{ code: 'FEVER', zh: '体温异常', en: 'Elevated temperature' }]);
    expect(doc.records[1]!.dispositions).toEqual([{ action: 'referred', at: '2026-11-21T08:05:00.000Z', note: '送发热门诊' }]);
    // No photo is kept by default, so none is exported; no other person's data, no staff id.
    expect(doc.records[0]!.screening.card.photoWltBase64).toBeUndefined();
    const text = readFileSync(file, 'utf8');
    for (const p of [OTHER, SAMPLE_PEOPLE[2]!]) for (const v of [p.idNumber, p.name, p.address]) expect(text).not.toContain(v);
    expect(text).not.toContain('staff-7');
    // An existing file is never overwritten.
    const again = await runCli(['privacy', 'export', '--request', 'REQ-2026-0042', '--output', file, '--data', data.dir], `${ASKED.idNumber}\n${PIN}\n`);
    expect(again.status).toBe(2);
    expect(again.stderr).toContain('exists already');
    await withStore((s) => expect(s.audit.list(10).filter((e) => e.action === 'privacy.subject.export').map((e) => [e.actor, e.detail])).toEqual([['cli', { reference: 'REQ-2026-0042', screenings: 3, registrations: 0 }]]));
  });

  it('deletes everything about the person: afterwards only the audit entry remains, the chain verifies, others are untouched', async () => {
    const before = await withStore((s) => ({
      ciphertexts: s.db.prepare('SELECT name_enc, id_number_enc, address_enc, card_rest_enc FROM screenings WHERE id IN (?, ?, ?)').raw().all(...asked.map((a) => a.id)).flat() as Buffer[],
      noteEnc: s.db.prepare('SELECT note_enc FROM dispositions WHERE id = ?').pluck().get(noteId) as Buffer,
      counts: s.db.prepare('SELECT SUM(passed), SUM(held) FROM screening_counts').raw().get() as number[],
    }));
    const r = await runCli(['privacy', 'delete', '--request', 'REQ-2026-0043', '--data', data.dir], `${ASKED.idNumber}\n${PIN}\n`);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    // Standalone (no central service) and nothing acknowledged: no erasure request is queued.
    expect(r.stdout).toMatch(/^deleted 3 screening\(s\), 1 disposition\(s\), 0 registration\(s\), 4 upload row\(s\); audit entry \d+\n$/);

    await withStore((s) => {
      expect(s.subjects.find(ASKED.idNumber)).toEqual({ screenings: [], registrations: [] });
      const ids = [...asked.map((a) => a.id), noteId];
      const where = ids.map(() => '?').join(',');
      expect(s.db.prepare(`SELECT COUNT(*) FROM screenings WHERE id IN (${where})`).pluck().get(...ids)).toBe(0);
      expect(s.db.prepare(`SELECT COUNT(*) FROM dispositions WHERE id IN (${where})`).pluck().get(...ids)).toBe(0);
      expect(s.db.prepare(`SELECT COUNT(*) FROM outbox WHERE record_id IN (${where})`).pluck().get(...ids)).toBe(0);
      // Others untouched; the statistics counts (not personal) stay as they were.
      expect(others.map((o) => s.records.get(o.id)?.id)).toEqual(others.map((o) => o.id));
      // Theirs (2 screenings, 1 disposition) and the PIN's settings change.
      expect(s.outbox.counts()).toEqual({ pending: 4, dead: 0, sent: 0 });
      expect(s.db.prepare('SELECT SUM(passed), SUM(held) FROM screening_counts').raw().get()).toEqual(before.counts);
      // The audit entry: counts, the request, a digest of the ids; no number, name or record id.
      const entry = s.audit.list(1)[0]!;
      expect(entry).toMatchObject({ actor: 'cli', action: 'privacy.subject.delete', detail: { reference: 'REQ-2026-0043', screenings: 3, dispositions: 1, registrations: 0, outboxRows: 4, erasureRequest: null } });
      // The digest as docs/privacy.md defines it: SHA-256 of the sorted ids, one per line.
      expect(entry.detail.recordsDigest).toBe(createHash('sha256').update([...ids].sort().join('\n')).digest('hex'));
      const log = JSON.stringify(s.audit.list(1000));
      for (const id of ids) expect(log).not.toContain(id);
      expect(log).not.toContain(ASKED.idNumber);
      const v = s.verifyIntegrity();
      expect(v.chain.ok).toBe(true);
      expect(v.records).toEqual({ checked: 2, altered: [], unsealed: [] });
    });
    // Not even the ciphertexts linger: secure_delete zeroed the pages, the WAL was truncated.
    for (const f of ['kiosk.db', 'kiosk.db-wal'].map((n) => join(data.dir, n)).filter((f) => existsSync(f))) {
      const bytes = readFileSync(f);
      for (const c of [...before.ciphertexts, before.noteEnc]) expect(bytes.includes(c.subarray(1, 29)), `a deleted ciphertext in ${f}`).toBe(false);
      for (const v of [ASKED.idNumber, ASKED.name, ASKED.address]) expect(containsText(bytes, v)).toBe(false);
    }
  });

  it('refuses without the right PIN (audited), and never takes the ID number or the PIN from the command line', async () => {
    const wrong = await runCli(['privacy', 'delete', '--request', 'REQ-1', '--data', data.dir], `${ASKED.idNumber}\n000000\n`);
    expect(wrong.status).toBe(1);
    expect(wrong.stderr).toContain('the technician PIN is wrong');
    const argv = await runCli(['privacy', 'lookup', ASKED.idNumber, '--data', data.dir], `${PIN}\n`);
    expect(argv.status).toBe(2);
    expect(argv.stderr).toContain('never given on the command line');
    expect(argv.stderr).not.toContain(ASKED.idNumber);
    const noRequest = await runCli(['privacy', 'delete', '--data', data.dir], `${ASKED.idNumber}\n${PIN}\n`);
    expect(noRequest.stderr).toContain('needs --request REF');
    const personalRef = await runCli(['privacy', 'delete', '--request', ASKED.idNumber, '--data', data.dir], `${ASKED.idNumber}\n${PIN}\n`);
    expect(personalRef.status).toBe(2);
    expect(personalRef.stderr).toContain('like an ID or phone number');
    expect(personalRef.stderr).not.toContain(ASKED.idNumber);
    const empty = await runCli(['privacy', 'lookup', '--data', data.dir], '\n');
    expect(empty.stderr).toContain('no ID number was given');
    await withStore((s) => {
      expect(s.subjects.find(ASKED.idNumber).screenings).toHaveLength(3);
      expect(s.audit.list(10).filter((e) => e.action === 'privacy.refused').map((e) => e.detail)).toEqual([{ request: 'delete', reason: 'wrong-technician-pin' }]);
    });
  });
});

describe('a person registered by staff without a readable card', () => {
  const PASSPORT = 'E12345678';
  it('is found by the document number (blind index), exported with the registration, and deleted with the screening that measured them', async () => {
    const { screening, registration } = await withStore(async (s) => {
      const registration = await s.registrations.record({ staffId: 'staff:wang', documentType: 'passport', numberCheck: 'no-rule', documentNumber: PASSPORT, name: 'Jane Roe', phone: '13912345678' });
      const screening = screeningRecord({ card: null, registrationId: registration.id, finishedAt: '2026-11-23T08:00:00.000Z' });
      await s.records.commit(screening);
      s.registrations.linkScreening(registration.id, screening.id);
      await s.accounts.setPin({ name: 'tech.li', role: 'technician', pin: '135792' }, 'cli');
      return { screening, registration };
    });
    // A technician account's PIN works too, and the audit names the account.
    const found = await runCli(['privacy', 'lookup', '--json', '--data', data.dir], `${PASSPORT.toLowerCase()}\n135792\n`);
    expect(found.status, found.stderr).toBe(0);
    const lookup = JSON.parse(found.stdout) as { identity: unknown; screenings: Array<{ id: string }>; registrations: Array<{ id: string; documentType: string; screeningId: string }> };
    expect(lookup.identity).toEqual({ idNumber: 'E1*****78', name: 'J*** R**' });
    expect(lookup.screenings.map((x) => x.id)).toEqual([screening.id]);
    expect(lookup.registrations).toMatchObject([{ id: registration.id, documentType: 'passport', screeningId: screening.id }]);

    const exported = await runCli(['privacy', 'export', '--request', 'REQ-2026-0050', '--data', data.dir], `${PASSPORT}\n135792\n`);
    const doc = JSON.parse(exported.stdout) as { registrations: Array<{ registration: Record<string, unknown> }> };
    expect(doc.registrations[0]!.registration).toMatchObject({ documentNumber: PASSPORT, name: 'Jane Roe', phone: '13912345678', screeningId: screening.id });
    expect(doc.registrations[0]!.registration).not.toHaveProperty('staffId');

    const deleted = await runCli(['privacy', 'delete', '--request', 'REQ-2026-0051', '--data', data.dir], `${PASSPORT}\n135792\n`);
    // The screening, the registration, and three upload rows: screening, registration, link.
    expect(deleted.stdout).toMatch(/^deleted 1 screening\(s\), 0 disposition\(s\), 1 registration\(s\), 3 upload row\(s\); audit entry \d+\n$/);
    await withStore((s) => {
      expect(s.subjects.find(PASSPORT)).toEqual({ screenings: [], registrations: [] });
      expect(s.records.get(screening.id)).toBeNull();
      expect(s.db.prepare('SELECT COUNT(*) FROM outbox WHERE record_id LIKE ?').pluck().get(`${registration.id}%`)).toBe(0);
      expect(s.audit.list(1)[0]).toMatchObject({ actor: 'technician:tech.li', action: 'privacy.subject.delete', detail: { screenings: 1, registrations: 1, outboxRows: 3 } });
      // Everyone else is still there.
      expect(s.records.count()).toBe(asked.length + others.length);
      expect(s.verifyIntegrity().chain.ok).toBe(true);
    });
    for (const f of ['kiosk.db', 'kiosk.db-wal'].map((n) => join(data.dir, n)).filter((f) => existsSync(f))) {
      for (const v of [PASSPORT, 'Jane Roe', '13912345678']) expect(containsText(readFileSync(f), v), `${v} in ${f}`).toBe(false);
    }
  });
});

describe('erasure requests for central (the API the consoles call)', () => {
  const ID_KEY = Buffer.alloc(32, 9);
  const central = (c: KioskConfig) => ({ ...c, central: { url: 'https://central.example', kioskId: 'kiosk-1', token: 'kt_' } }) as KioskConfig;
  const config = (() => {
    const r = parseKioskConfig({ checkpoint: { id: 'cp-1', name: '测试卡口' } });
    if (!r.ok) throw new Error(r.problems.join('; '));
    return r.config;
  })();

  it('a kiosk with a central service queues one with the record ids and the deployment hash, never the number', async () => {
    await withStore(async (s) => {
      const privacy = new PrivacyService({ config: central(config), store: () => s, hasher: () => new HmacIdHasher(ID_KEY) });
      const dispositionIds = s.dispositions.idsForScreening(asked[1]!.id);
      const r = privacy.erase(ASKED.idNumber, { actor: 'tech.li', reference: 'REQ-2026-0044' });
      expect(r).toMatchObject({ screenings: 3, dispositions: 1, outboxRows: 4 });
      expect(r.erasureRequestId).not.toBeNull();
      const [item] = s.outbox.nextBatch(10).filter((i) => i.kind === 'erasure');
      expect(item?.idempotencyKey).toBe(r.erasureRequestId);
      expect(item?.priority).toBe(1);
      const request = item!.payload.record as ErasureRequest;
      expect(request.recordIds.sort()).toEqual([...asked.map((a) => a.id), ...dispositionIds].sort());
      // The hash central's lists use: HMAC-SHA256 of the normalised number with the deployment key.
      expect(request.idHash).toBe(createHmac('sha256', ID_KEY).update(ASKED.idNumber).digest('hex'));
      expect(request.reference).toBe('REQ-2026-0044');
      expect(JSON.stringify(item!.payload)).not.toContain(ASKED.idNumber);
      // The raw outbox payload is encrypted like every other.
      const raw = s.db.prepare('SELECT payload FROM outbox WHERE idempotency_key = ?').pluck().get(r.erasureRequestId) as Buffer;
      expect(raw.includes(Buffer.from(request.idHash!))).toBe(false);
      expect(s.audit.list(1)[0]).toMatchObject({ actor: 'tech.li', action: 'privacy.subject.delete', detail: { erasureRequest: r.erasureRequestId } });
    });
  });

  it('a standalone kiosk queues one only when central had acknowledged one of the records', async () => {
    await withStore((s) => {
      const privacy = new PrivacyService({ config, store: () => s, hasher: () => null });
      s.outbox.markAcknowledged([others[0]!.id]);
      expect(privacy.erase(OTHER.idNumber, { actor: 'cli', reference: 'REQ-7' }).erasureRequestId).not.toBeNull();
      expect(privacy.erase(SAMPLE_PEOPLE[2]!.idNumber, { actor: 'cli', reference: 'REQ-8' }).erasureRequestId).toBeNull();
      expect(s.outbox.nextBatch(10).filter((i) => i.kind === 'erasure').map((i) => (i.payload.record as ErasureRequest).idHash)).toEqual([null]);
    });
  });

  it('forgets the hold photo of a deleted person at once', async () => {
    await withStore((s) => {
      const privacy = new PrivacyService({ config, store: () => s, hasher: () => null });
      privacy.holdPhotos.keep(asked[1]!.id, new Uint8Array([1, 2, 3]));
      expect(privacy.holdPhoto(asked[1]!.id, { actor: 'staff-7' })).toEqual(new Uint8Array([1, 2, 3]));
      expect(s.audit.list(1)[0]).toMatchObject({ actor: 'staff-7', action: 'privacy.photo.shown', detail: { screeningId: asked[1]!.id } });
      privacy.erase(ASKED.idNumber, { actor: 'cli', reference: 'REQ-9' });
      expect(privacy.holdPhoto(asked[1]!.id, { actor: 'staff-7' })).toBeNull();
    });
  });
});

describe('kiosk privacy report', () => {
  it('prints the live processing summary: fields, retention, counts, oldest record, last purge', async () => {
    const r = await runCli(['privacy', 'report', '--json', '--data', data.dir]);
    expect(r.status, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(report).toMatchObject({
      deliveryMode: 'standalone',
      retention: { days: 14, counted: 'from the screening' },
      collected: { photoKept: false },
      // 5 screenings + 2 dispositions + the settings change that set the PIN wait for upload.
      held: { screenings: 5, withCard: 5, withPhoto: 0, dispositions: 2, oldestFinishedAt: '2026-11-20T08:00:00.000Z', outbox: { pending: 8, dead: 0, sent: 0 } },
      undeliveredPastRetention: { screenings: 0, oldestFinishedAt: null },
      lastPurge: null,
    });
    expect((report.collected as { card: string[] }).card).toContain('ID number');
    const text = await runCli(['privacy', 'report', '--data', data.dir]);
    expect(text.stdout).toContain('retention:          14 days, counted from the screening');
    expect(text.stdout).toContain('held now:           5 screening(s) (5 with a card, 0 with a photo), 2 disposition(s)');
    expect(text.stdout).toContain('last purge:         never');
  });
});
