import Database from 'better-sqlite3';
import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { compareWithAnchor, type AuditHead } from '../../main/store/audit-anchor.js';
import { auditEntryHash, type AuditDetail } from '../../main/store/audit-log.js';
import { KioskStore } from '../../main/store/kiosk-store.js';
import { runCli } from '../fixtures/cli/run-cli.js';
import { screeningRecord } from '../fixtures/store/screening-records.js';
import { tempDataDir } from '../fixtures/store/temp-data-dir.js';

/**
 * Issue 9 item 8: records and the audit chain are verifiable with a key the database does not hold,
 * and the chain's head can be anchored outside the kiosk so a rewind shows.
 */

let data: ReturnType<typeof tempDataDir>;
let store: KioskStore | null;
const localNoon = (d: number) => new Date(2026, 10, d, 12).toISOString();

beforeEach(async () => {
  data = tempDataDir();
  store = await KioskStore.open({ dataDir: data.dir, maintenanceIntervalMs: 0 });
});
afterEach(() => {
  store?.close();
  data.cleanup();
});

/** What someone with the database file and a SQLite tool can do, with the store closed. */
function raw(): Database.Database {
  store?.close();
  store = null;
  return new Database(join(data.dir, 'kiosk.db'));
}

async function fever(): Promise<string> {
  const held = screeningRecord({ finishedAt: localNoon(3), fever: true }, 1);
  await store!.records.commit(held);
  await store!.records.commit(screeningRecord({ finishedAt: localNoon(4) }, 0));
  return held.id;
}

describe('9.8 forgery', () => {
  it('9.8 forgery: a screening row edited from HOLD/FEVER to PASS is caught by `kiosk audit verify` and flagged by `kiosk export`', async () => {
    const id = await fever();
    const db = raw();
    db.prepare(
      "UPDATE screenings SET outcome = 'pass', decision = 'PASS', fever = 0, reasons = '[]', temperatures = replace(temperatures, '38.1', '36.5') WHERE id = ?",
    ).run(id);
    db.close();

    const verify = await runCli(['audit', 'verify', '--data', data.dir]);
    expect(verify.status).toBe(1);
    expect(verify.stdout).toContain('audit log intact: 1 entry verified');
    expect(verify.stdout).toContain(`records ALTERED: 1 of 2 screening record(s) do not match their seals`);
    expect(verify.stdout).toContain(`${id} (altered)`);

    const exported = await runCli(['export', '--from', '2026-11-01', '--to', '2026-11-30', '--format', 'jsonl', '--data', data.dir]);
    expect(exported.status).toBe(1);
    const rows = exported.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(rows.find((r) => r.id === id)).toMatchObject({ decision: 'PASS', integrity: 'altered' });
    expect(rows.filter((r) => r.integrity === 'ok')).toHaveLength(1);
    expect(exported.stderr).toContain(`ALTERED record ${id}`);
  });

  it('9.8 forgery: a row whose seal was removed is caught too', async () => {
    const id = await fever();
    const db = raw();
    db.prepare("UPDATE screenings SET decision = 'PASS', mac = NULL WHERE id = ?").run(id);
    db.close();
    store = await KioskStore.open({ dataDir: data.dir, maintenanceIntervalMs: 0 });
    expect(store.verifyIntegrity().records).toEqual({ checked: 2, altered: [], unsealed: [id] });
  });

  it('9.8 forgery: dropping the triggers, deleting an entry and recomputing every hash and audit_head no longer verifies', async () => {
    const s = store!;
    s.audit.append('tech-1', 'export', { count: 5 });
    s.audit.append('tech-2', 'settings.change', { key: 'policy' });
    s.audit.append('tech-3', 'export', { count: 7 });
    const db = raw();
    // The attacker removes entry 3 and rebuilds the unkeyed chain and head exactly as the code would.
    db.exec('DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;');
    db.prepare('DELETE FROM audit_log WHERE seq = 3').run();
    db.prepare('UPDATE audit_log SET seq = seq - 1 WHERE seq > 3').run();
    const rows = db.prepare('SELECT seq, at, actor, action, detail FROM audit_log ORDER BY seq').all() as Array<{ seq: number; at: string; actor: string; action: string; detail: string }>;
    let prev = '0'.repeat(64);
    for (const r of rows) {
      const hash = auditEntryHash(prev, { ...r, detail: JSON.parse(r.detail) as AuditDetail });
      db.prepare('UPDATE audit_log SET prev_hash = ?, hash = ? WHERE seq = ?').run(prev, hash, r.seq);
      prev = hash;
    }
    const last = rows.at(-1)!;
    const oldHead = (db.prepare("SELECT value FROM meta WHERE key = 'audit_head'").pluck().get() as string).split(':');
    const macOfLast = db.prepare('SELECT mac FROM audit_log WHERE seq = ?').pluck().get(last.seq) as string;
    db.prepare("UPDATE meta SET value = ? WHERE key = 'audit_head'").run(`${last.seq}:${prev}:${macOfLast}`);
    db.close();
    expect(oldHead).toHaveLength(3);

    const verify = await runCli(['audit', 'verify', '--data', data.dir]);
    expect(verify.status).toBe(1);
    expect(verify.stdout).toMatch(/audit log BROKEN at entry 3: entry 3 was altered or forged: its seal does not match/);
  });

  it('9.8 forgery: stripping every seal so the store is sealed again is reported', async () => {
    const id = await fever();
    const db = raw();
    db.exec('DROP TRIGGER audit_log_no_update;');
    db.prepare("UPDATE screenings SET decision = 'PASS' WHERE id = ?").run(id);
    db.exec("UPDATE screenings SET mac = NULL; UPDATE audit_log SET mac = NULL; DELETE FROM meta WHERE key = 'sealed_at';");
    db.close();
    store = await KioskStore.open({ dataDir: data.dir, maintenanceIntervalMs: 0 }); // seals what it finds, once
    const r = store.verifyIntegrity();
    expect(r.chain).toMatchObject({ ok: false, firstBrokenSeq: 2, reason: expect.stringMatching(/re-sealed a store that was already sealed at creation/) });
  });

  it('9.8 the seal key is not in the database: neither the master key nor the derived keys appear in kiosk.db', async () => {
    await fever();
    store!.close();
    store = null;
    const key = readFileSync(join(data.dir, 'kiosk.key'));
    const file = readFileSync(join(data.dir, 'kiosk.db'));
    expect(file.includes(key)).toBe(false);
    expect(file.includes(Buffer.from(key.toString('hex')))).toBe(false);
  });
});

describe('9.8 anchoring the chain head', () => {
  const head = (seq: number, mac: string, storeId = 's-1'): AuditHead => ({ storeId, seq, mac });

  it('9.8 anchor: compareWithAnchor tells a continued chain from a rewound, diverged or replaced one', () => {
    const macs = new Map([
      [5, 'm5'],
      [6, 'm6'],
      [7, 'm7'],
    ]);
    const at = (seq: number) => macs.get(seq) ?? null;
    expect(compareWithAnchor(head(5, 'm5'), head(7, 'm7'), at)).toEqual({ ok: true, seq: 7, appendedSince: 2 });
    expect(compareWithAnchor(head(7, 'm7'), head(7, 'm7'), at)).toEqual({ ok: true, seq: 7, appendedSince: 0 });
    expect(compareWithAnchor(head(8, 'm8'), head(7, 'm7'), at)).toMatchObject({ ok: false, problem: 'rewound' });
    expect(compareWithAnchor(head(6, 'other'), head(7, 'm7'), at)).toMatchObject({ ok: false, problem: 'diverged' });
    expect(compareWithAnchor(head(7, 'other'), head(7, 'm7'), at)).toMatchObject({ ok: false, problem: 'diverged' });
    expect(compareWithAnchor(head(4, 'm4'), head(7, 'm7'), at)).toMatchObject({ ok: false, problem: 'diverged', message: expect.stringContaining('entry 4 is missing') });
    expect(compareWithAnchor(head(5, 'm5', 's-2'), head(7, 'm7'), at)).toMatchObject({ ok: false, problem: 'replaced' });
  });

  it('9.8 anchor: putting back an older copy of the database is a rewind; appending to it is a divergence', async () => {
    const s = store!;
    const file = join(data.dir, 'kiosk.db');
    s.db.pragma('wal_checkpoint(TRUNCATE)');
    copyFileSync(file, join(data.dir, 'backup.db'));
    const early = s.signedHead();
    expect(early).toMatchObject({ seq: 1, mac: expect.stringMatching(/^[0-9a-f]{64}$/), storeId: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    s.audit.append('cli', 'export', { count: 3 });
    s.audit.append('cli', 'export', { count: 4 });
    const anchored = s.signedHead(); // what central received with the last heartbeat
    expect(s.checkAnchor(early)).toEqual({ ok: true, seq: 3, appendedSince: 2 });
    expect(s.checkAnchor(anchored)).toEqual({ ok: true, seq: 3, appendedSince: 0 });
    s.close();
    store = null;

    copyFileSync(join(data.dir, 'backup.db'), file);
    store = await KioskStore.open({ dataDir: data.dir, maintenanceIntervalMs: 0 });
    expect(store.checkAnchor(anchored)).toMatchObject({ ok: false, problem: 'rewound' });
    // The forger appends two other entries, to the anchored length: the keyed MACs differ.
    store.audit.append('cli', 'export', { count: 0 });
    store.audit.append('cli', 'export', { count: 0 });
    expect(store.signedHead().seq).toBe(anchored.seq);
    expect(store.checkAnchor(anchored)).toMatchObject({ ok: false, problem: 'diverged' });
    // The local chain itself is consistent: only the anchor shows it.
    expect(store.audit.verify()).toEqual({ ok: true, entries: 3 });
  });
});
