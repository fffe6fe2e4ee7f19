import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConsoleService } from '../../main/console/console-service.js';
import { HostEventSchema, UiCommandSchema } from '../../main/contract/messages.js';
import type { ScreeningRecord } from '../../main/engine/screening-record.js';
import { createLogger } from '../../main/host/logger.js';
import { PrivacyService } from '../../main/privacy/privacy-service.js';
import { KioskStore } from '../../main/store/kiosk-store.js';
import { consoleConnection, standInConsoleHost, testConfig } from '../fixtures/console/stand-in-host.js';
import { SAMPLE_PEOPLE, screeningRecord } from '../fixtures/store/screening-records.js';
import { tempDataDir } from '../fixtures/store/temp-data-dir.js';

/**
 * Issue 15 items 1 and 4 on the consoles, server side: the staff console's notice page, and a
 * person's requests on the technician console (lookup, export, deletion, the processing summary)
 * through the console command path, on a real store with synthetic people. Staff are refused by the
 * host, not only by a hidden button; every reply passes the contract (identities masked).
 */
const STAFF = { name: 'wang.fang', pin: '246813' };
const TECH = { name: 'tech.li', pin: '135792' };
const ASKED = SAMPLE_PEOPLE[0]!; // 11010519491231002X, 张三
const REFERENCE = 'REQ-2026-0042';

let data: ReturnType<typeof tempDataDir>;
let store: KioskStore;
let service: ConsoleService;
let logs: string[];
let asked: ScreeningRecord[];
let others: ScreeningRecord[];

beforeEach(async () => {
  data = tempDataDir('kiosk-console-privacy-');
  store = await KioskStore.open({ dataDir: data.dir, maintenanceIntervalMs: 0 });
  store.accounts.setPin({ ...STAFF, role: 'staff' }, 'test');
  store.accounts.setPin({ ...TECH, role: 'technician' }, 'test');
  // Three screenings of the person who asks (one a fever hold with a disposition), two of others.
  asked = [screeningRecord({ finishedAt: '2026-11-20T08:00:00.000Z' }, 0), screeningRecord({ finishedAt: '2026-11-21T08:00:00.000Z', fever: true }, 0), screeningRecord({ finishedAt: '2026-11-22T08:00:00.000Z' }, 0)];
  others = [screeningRecord({ finishedAt: '2026-11-20T09:00:00.000Z' }, 1), screeningRecord({ finishedAt: '2026-11-21T09:00:00.000Z', fever: true }, 2)];
  for (const r of [...asked, ...others]) await store.records.commit(r);
  await store.dispositions.record({ screeningId: asked[1]!.id, staffId: 'staff:wang.fang', action: 'handed-to-medical', note: '送发热门诊', at: '2026-11-21T08:05:00.000Z' });
  await store.dispositions.record({ screeningId: others[1]!.id, staffId: 'staff:wang.fang', action: 'released', note: null, at: '2026-11-21T09:05:00.000Z' });
  logs = [];
  const log = createLogger({ level: 'debug', destination: new Writable({ write: (chunk, _enc, done) => (logs.push(String(chunk)), done()) }) });
  const config = testConfig();
  const privacy = new PrivacyService({ config, store: () => store, hasher: () => null });
  service = new ConsoleService(standInConsoleHost({ store, dataDir: data.dir, config, log, privacy }).host);
});
afterEach(async () => {
  await service.stop();
  store.close();
  data.cleanup();
});

/** A signed-in console; every event it receives must pass the contract, as the contract server requires before sending. */
function signedIn(account: { name: string; pin: string }) {
  const ui = consoleConnection(service, `ws#${account.name}`);
  ui.send({ type: 'console.signIn', ...account });
  expect(ui.last()).toMatchObject({ type: 'console.session', name: account.name });
  return {
    ...ui,
    reply: (cmd: Record<string, unknown>) => {
      // The console would send only what the contract accepts.
      expect(UiCommandSchema.safeParse({ ...cmd, id: 1 }).success, `${String(cmd.type)} is a valid command`).toBe(true);
      ui.send(cmd);
      const e = ui.last()!;
      expect(HostEventSchema.safeParse(e).success, `${e.type} passes the contract`).toBe(true);
      return e;
    },
  };
}

const auditOf = (action: string) => store.audit.list(1000).filter((e) => e.action === action);

describe('the staff console: the privacy notice', () => {
  it('answers staff with the notice the idle screen shows (the default text docs/privacy.md quotes)', () => {
    const ui = signedIn(STAFF);
    const e = ui.reply({ type: 'console.privacyNotice' });
    if (e.type !== 'console.privacyNotice') throw new Error(`got ${e.type}`);
    expect(e.notice.short.zh).toBe('个人信息告知：本机采集身份证件信息和体温，仅用于疫情防控，检测14天后自动删除。处理者：本检测点的设置单位。咨询：现场工作人员。');
    expect(e.notice.short.en).toBe(
      'Privacy: this kiosk records your ID card details and temperature for epidemic control only, deleted 14 days after the screening. Operator: the authority that runs this checkpoint. Questions: the staff at this checkpoint.',
    );
    expect(e.notice.sections.map((s) => s.heading.zh)).toEqual(['处理目的', '收集的信息', '保存期限', '处理者和联系方式', '您的权利', '保护措施']);
    // Over the LAN too (a staff command), and never without a session.
    const lan = consoleConnection(service, 'lan:lan#1', 'lan');
    lan.send({ type: 'console.privacyNotice' });
    expect(lan.last()).toMatchObject({ type: 'console.denied', reason: 'signed-out' });
    lan.send({ type: 'console.signIn', ...STAFF });
    lan.send({ type: 'console.privacyNotice' });
    expect(lan.last()).toMatchObject({ type: 'console.privacyNotice', notice: { short: e.notice.short } });
  });
});

describe("a person's requests on the technician console", () => {
  it('refuses staff in the host for every request (audited), and nothing is read, written or deleted', () => {
    const ui = signedIn(STAFF);
    const commands = [
      { type: 'console.privacyReport' },
      { type: 'console.subjectLookup', idNumber: ASKED.idNumber, reference: REFERENCE },
      { type: 'console.subjectExport', idNumber: ASKED.idNumber, reference: REFERENCE },
      { type: 'console.subjectErase', idNumber: ASKED.idNumber, reference: REFERENCE, confirmed: true },
    ];
    for (const cmd of commands) expect(ui.reply(cmd)).toMatchObject({ type: 'console.denied', reason: 'role' });
    expect(auditOf('console.refused').map((e) => [e.actor, e.detail.command])).toEqual(commands.map((c) => ['staff:wang.fang', c.type]));
    expect(store.audit.list(1000).filter((e) => e.action.startsWith('privacy.'))).toEqual([]);
    expect(store.subjects.find(ASKED.idNumber).screenings).toEqual(asked.map((a) => a.id).sort());
    expect(readdirSync(data.dir)).not.toContain('privacy-exports');
  });

  it('lookup: counts and masked records of the person, found by the blind index; audited once, with the reference', () => {
    const ui = signedIn(TECH);
    // As a technician might type it: lower-case x, blanks around.
    const e = ui.reply({ type: 'console.subjectLookup', idNumber: ` ${ASKED.idNumber.toLowerCase()} `, reference: REFERENCE });
    if (e.type !== 'console.subjectLookup') throw new Error(`got ${e.type}`);
    expect(e.reference).toBe(REFERENCE);
    expect(e.lookup.identity).toEqual({ idNumber: '110105********002X', name: '张*' });
    expect(e.lookup.screenings.map((s) => s.id)).toEqual(asked.map((a) => a.id));
    expect(e.lookup.screenings.map((s) => [s.decision, s.fever, s.dispositions, s.photoKept, s.delivery])).toEqual([
      ['PASS', false, 0, false, 'pending'],
      ['HOLD', true, 1, false, 'pending'],
      ['PASS', false, 0, false, 'pending'],
    ]);
    expect(e.lookup.registrations).toEqual([]);
    const reply = JSON.stringify(e);
    for (const secret of [ASKED.idNumber, ASKED.name, ASKED.address]) expect(reply).not.toContain(secret);
    expect(auditOf('privacy.subject.lookup').map((a) => [a.actor, a.detail])).toEqual([['technician:tech.li', { reference: REFERENCE, screenings: 3, registrations: 0 }]]);
    // Someone the kiosk never saw: nothing held.
    const nobody = ui.reply({ type: 'console.subjectLookup', idNumber: '110101199003074477', reference: REFERENCE });
    expect(nobody).toMatchObject({ type: 'console.subjectLookup', lookup: { identity: null, screenings: [], registrations: [] } });
  });

  it('refuses a bad ID number or reference by field, without echoing the number, and reads nothing', () => {
    const ui = signedIn(TECH);
    expect(ui.reply({ type: 'console.subjectLookup', idNumber: '1101-0519 4912', reference: REFERENCE })).toMatchObject({ type: 'console.invalid', field: 'idNumber' });
    expect(ui.reply({ type: 'console.subjectLookup', idNumber: ASKED.idNumber, reference: '' })).toMatchObject({ type: 'console.invalid', field: 'reference' });
    // The person's own number is not a reference.
    const asRef = ui.reply({ type: 'console.subjectExport', idNumber: ASKED.idNumber, reference: `REQ-${ASKED.idNumber}` });
    expect(asRef).toMatchObject({ type: 'console.invalid', field: 'reference' });
    expect(JSON.stringify(ui.events)).not.toContain(ASKED.idNumber.slice(6, 14));
    expect(store.audit.list(1000).filter((e) => e.action.startsWith('privacy.subject'))).toEqual([]);
    // A deletion without the explicit confirmation is not a command the contract accepts.
    expect(UiCommandSchema.safeParse({ type: 'console.subjectErase', id: 1, idNumber: ASKED.idNumber, reference: REFERENCE }).success).toBe(false);
    expect(UiCommandSchema.safeParse({ type: 'console.subjectErase', id: 1, idNumber: ASKED.idNumber, reference: REFERENCE, confirmed: false }).success).toBe(false);
  });

  it('export: everything about the person, in full, to a new 0600 file in <data>/privacy-exports/, named by the request; audited once', () => {
    const ui = signedIn(TECH);
    const e = ui.reply({ type: 'console.subjectExport', idNumber: ASKED.idNumber, reference: '公函/2026/17' });
    if (e.type !== 'console.subjectExported') throw new Error(`got ${e.type}`);
    expect(e).toMatchObject({ reference: '公函/2026/17', screenings: 3, registrations: 0 });
    const dir = join(data.dir, 'privacy-exports');
    expect(e.path.startsWith(`${dir}/公函_2026_17-`)).toBe(true);
    expect(e.path.endsWith('.json')).toBe(true);
    expect(readdirSync(dir)).toHaveLength(1);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(e.path).mode & 0o777).toBe(0o600);
    const text = readFileSync(e.path, 'utf8');
    expect(Buffer.byteLength(text)).toBe(e.bytes);
    const doc = JSON.parse(text) as { reference: string; records: Array<{ id: string; screening: { card: { idNumber: string; name: string; address: string } }; dispositions: Array<{ action: string; note: string | null }> }> };
    expect(doc.reference).toBe('公函/2026/17');
    expect(doc.records.map((r) => r.id)).toEqual(asked.map((a) => a.id));
    for (const r of doc.records) expect(r.screening.card).toMatchObject({ idNumber: ASKED.idNumber, name: ASKED.name, address: ASKED.address });
    expect(doc.records[1]!.dispositions).toEqual([{ action: 'handed-to-medical', at: '2026-11-21T08:05:00.000Z', note: '送发热门诊' }]);
    for (const p of SAMPLE_PEOPLE.slice(1)) for (const v of [p.idNumber, p.name, p.address]) expect(text).not.toContain(v);
    // What the console receives names the file and the counts, never the contents.
    expect(JSON.stringify(e)).not.toContain(ASKED.name);
    expect(auditOf('privacy.subject.export').map((a) => [a.actor, a.detail])).toEqual([['technician:tech.li', { reference: '公函/2026/17', screenings: 3, registrations: 0 }]]);
  });

  it('delete (confirmed): the person is gone; only the audit entries remain, the chain verifies, others are untouched', () => {
    const ui = signedIn(TECH);
    const looked = ui.reply({ type: 'console.subjectLookup', idNumber: ASKED.idNumber, reference: REFERENCE });
    expect(looked).toMatchObject({ type: 'console.subjectLookup', lookup: { screenings: asked.map((a) => ({ id: a.id })) } });
    const e = ui.reply({ type: 'console.subjectErase', idNumber: ASKED.idNumber, reference: REFERENCE, confirmed: true });
    if (e.type !== 'console.subjectErased') throw new Error(`got ${e.type}`);
    // 3 screenings, their 1 disposition, and an upload row for each of the 4 (standalone: no erasure request).
    expect(e.erased).toMatchObject({ screenings: 3, dispositions: 1, registrations: 0, outboxRows: 4, erasureRequestId: null });
    expect(store.subjects.find(ASKED.idNumber)).toEqual({ screenings: [], registrations: [] });
    const ids = asked.map((a) => a.id);
    const where = ids.map(() => '?').join(',');
    expect(store.db.prepare(`SELECT COUNT(*) FROM screenings WHERE id IN (${where})`).pluck().get(...ids)).toBe(0);
    expect(store.db.prepare(`SELECT COUNT(*) FROM dispositions WHERE screening_id IN (${where})`).pluck().get(...ids)).toBe(0);
    expect(others.map((o) => store.records.get(o.id)?.id)).toEqual(others.map((o) => o.id));
    // The audit entry the service wrote, once: counts and the reference, no number, no record id.
    const deleted = auditOf('privacy.subject.delete');
    expect(deleted.map((a) => [a.seq, a.actor, a.detail.reference, a.detail.screenings])).toEqual([[e.erased.auditSeq, 'technician:tech.li', REFERENCE, 3]]);
    const audit = JSON.stringify(store.audit.list(1000));
    for (const secret of [ASKED.idNumber, ASKED.idNumber.slice(6, 14), ASKED.name, ...ids]) expect(audit).not.toContain(secret);
    expect(store.verifyIntegrity().chain.ok).toBe(true);
    // Looked up again: nothing held.
    expect(ui.reply({ type: 'console.subjectLookup', idNumber: ASKED.idNumber, reference: REFERENCE })).toMatchObject({ lookup: { identity: null, screenings: [], registrations: [] } });
    // Nothing the host logged holds the person's data.
    expect(logs.join('')).not.toContain(ASKED.idNumber.slice(6, 14));
  });

  it('the processing summary: counts of what was stored, retention in force, no personal data', () => {
    const ui = signedIn(TECH);
    const e = ui.reply({ type: 'console.privacyReport' });
    if (e.type !== 'console.privacyReport') throw new Error(`got ${e.type}`);
    expect(e.report.deliveryMode).toBe('standalone');
    expect(e.report.retention.days).toBe(14);
    expect(e.report.held).toMatchObject({ screenings: 5, withCard: 5, withPhoto: 0, dispositions: 2, registrations: 0, oldestFinishedAt: '2026-11-20T08:00:00.000Z' });
    // Each screening and disposition waits for upload (5 + 2).
    expect(e.report.held.outbox).toEqual({ pending: 7, dead: 0, sent: 0 });
    expect(e.report.collected.photoKept).toBe(false);
    const reply = JSON.stringify(e);
    for (const p of SAMPLE_PEOPLE) for (const v of [p.idNumber, p.name]) expect(reply).not.toContain(v);
    expect(store.audit.list(1000).filter((a) => a.action.startsWith('privacy.'))).toEqual([]);
  });
});
