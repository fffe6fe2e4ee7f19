import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AUDIT_GENESIS_HASH, auditEntryHash } from '../../main/store/audit-log.js';
import { KioskStore } from '../../main/store/kiosk-store.js';
import { tempDataDir } from '../fixtures/store/temp-data-dir.js';

const root = join(import.meta.dirname, '..', '..');
let data: ReturnType<typeof tempDataDir>;
let store: KioskStore;

beforeEach(async () => {
  data = tempDataDir();
  store = await KioskStore.open({ dataDir: data.dir, maintenanceIntervalMs: 0 });
  // Entry 1 is store.created; add four more.
  for (let i = 0; i < 4; i++) store.audit.append(`tech-${i}`, 'test.action', { n: i, ok: true });
});
afterEach(() => {
  store.close();
  data.cleanup();
});

/** What an attacker with a raw SQLite tool does first: drop the append-only triggers. */
function dropTriggers(): void {
  store.db.exec('DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;');
}

function kioskAuditVerify(): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(root, 'bin', 'kiosk.js'), 'audit', 'verify', '--data', data.dir], { encoding: 'utf8', timeout: 30_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('audit log', () => {
  it('chains every entry to the one before, from the genesis hash', () => {
    const entries = store.audit.list();
    expect(entries.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(entries[0]!.prevHash).toBe(AUDIT_GENESIS_HASH);
    for (let i = 1; i < entries.length; i++) expect(entries[i]!.prevHash).toBe(entries[i - 1]!.hash);
    expect(store.audit.verify()).toEqual({ ok: true, entries: 5 });
  });

  it('refuses UPDATE and DELETE through SQL (append-only triggers)', () => {
    expect(() => store.db.prepare("UPDATE audit_log SET actor = 'x' WHERE seq = 2").run()).toThrow(/append-only/);
    expect(() => store.db.prepare('DELETE FROM audit_log WHERE seq = 2').run()).toThrow(/append-only/);
  });

  it('detects an edited entry', () => {
    dropTriggers();
    store.db.prepare("UPDATE audit_log SET actor = 'someone-else' WHERE seq = 3").run();
    expect(store.audit.verify()).toMatchObject({ ok: false, firstBrokenSeq: 3, reason: expect.stringMatching(/altered/) });
  });

  it('detects an edit that recomputes the entry hash, at that entry (its keyed seal no longer matches)', () => {
    dropTriggers();
    store.db.prepare('UPDATE audit_log SET detail = ? WHERE seq = 3').run('{"n":99,"ok":true}');
    const row = store.db.prepare('SELECT * FROM audit_log WHERE seq = 3').get() as { at: string; actor: string; action: string; prev_hash: string };
    const forged = auditEntryHash(row.prev_hash, { seq: 3, at: row.at, actor: row.actor, action: row.action, detail: { n: 99, ok: true } });
    store.db.prepare('UPDATE audit_log SET hash = ? WHERE seq = 3').run(forged);
    expect(store.audit.verify()).toMatchObject({ ok: false, firstBrokenSeq: 3, reason: expect.stringMatching(/seal does not match/) });
  });

  it('detects a deleted entry', () => {
    dropTriggers();
    store.db.prepare('DELETE FROM audit_log WHERE seq = 2').run();
    expect(store.audit.verify()).toMatchObject({ ok: false, firstBrokenSeq: 2, reason: expect.stringMatching(/missing/) });
  });

  it('detects entries cut off the end', () => {
    dropTriggers();
    store.db.prepare('DELETE FROM audit_log WHERE seq >= 4').run();
    expect(store.audit.verify()).toMatchObject({ ok: false, firstBrokenSeq: 4 });
  });

  it('detects reordered entries', () => {
    dropTriggers();
    const a = store.db.prepare('SELECT * FROM audit_log WHERE seq = 2').get() as Record<string, unknown>;
    const b = store.db.prepare('SELECT * FROM audit_log WHERE seq = 3').get() as Record<string, unknown>;
    const put = store.db.prepare('UPDATE audit_log SET at = @at, actor = @actor, action = @action, detail = @detail, prev_hash = @prev_hash, hash = @hash WHERE seq = @target');
    put.run({ ...b, target: 2 });
    put.run({ ...a, target: 3 });
    expect(store.audit.verify()).toMatchObject({ ok: false, firstBrokenSeq: 2 });
  });

  it('`kiosk audit verify` exits 0 when intact and names the first broken entry otherwise', async () => {
    store.close();
    const ok = kioskAuditVerify();
    expect(ok.stdout).toMatch(/audit log intact: 5 entries/);
    expect(ok.status).toBe(0);

    store = await KioskStore.open({ dataDir: data.dir, maintenanceIntervalMs: 0 });
    dropTriggers();
    store.db.prepare("UPDATE audit_log SET action = 'export' WHERE seq = 4").run();
    store.close();
    const broken = kioskAuditVerify();
    expect(broken.status).toBe(1);
    expect(broken.stdout).toMatch(/audit log BROKEN at entry 4: entry 4 was altered/);
    store = await KioskStore.open({ dataDir: data.dir, maintenanceIntervalMs: 0 }); // for afterEach
  });

  it('`kiosk audit verify` explains a missing database and a bad subcommand (exit 2)', () => {
    const r = spawnSync(process.execPath, [join(root, 'bin', 'kiosk.js'), 'audit', 'verify', '--data', join(data.dir, 'nowhere')], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/no kiosk database at .*--data DIR/);
    const r2 = spawnSync(process.execPath, [join(root, 'bin', 'kiosk.js'), 'audit', 'check'], { encoding: 'utf8' });
    expect(r2.status).toBe(2);
    expect(r2.stderr).toMatch(/unknown subcommand "check"/);
  });
});
