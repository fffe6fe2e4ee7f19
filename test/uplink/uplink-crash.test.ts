import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import type { RunningCentral } from '../../central/central-service.js';
import { seedEmbeddedDatabase, startTestCentral, tempDir } from '../central/central-fixture.js';
import { FaultProxy } from './fault-proxy.js';
import { centralIds, CHECKPOINT } from './uplink-fixture.js';

/**
 * Crashes mid-upload: the kiosk killed (SIGKILL) while a batch is on the wire and started again;
 * central killed (SIGKILL) while a batch is on the wire and started again on the same data. Central
 * ends with every record exactly once, and the holds went before the older passes.
 */
const ROOT = join(import.meta.dirname, '..', '..');
const CLI = join(ROOT, 'bin', 'kiosk.js');
const cleanups: Array<() => Promise<void> | void> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

function lines(proc: ChildProcess): { next(match: (l: string) => boolean): Promise<string> } {
  const waiting = new Set<{ match: (l: string) => boolean; resolve: (l: string) => void }>();
  createInterface({ input: proc.stdout! }).on('line', (l) => {
    for (const w of [...waiting]) if (w.match(l)) (waiting.delete(w), w.resolve(l));
  });
  return { next: (match) => new Promise((resolve) => waiting.add({ match, resolve })) };
}

function kioskChild(args: string[]): { proc: ChildProcess; out: ReturnType<typeof lines> } {
  const proc = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'uplink-kiosk-child.ts'), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  cleanups.push(() => void (proc.exitCode === null && proc.kill('SIGKILL')));
  return { proc, out: lines(proc) };
}

/**
 * A kiosk child with `records` queued, uploading through a proxy whose first upload is forwarded to
 * central but answered only after a minute: resolves once that batch is on the wire.
 */
async function kioskWithBatchOnTheWire(centralUrl: string, kioskId: string, token: string, records: number) {
  const proxy = await new FaultProxy(centralUrl).start();
  cleanups.push(() => proxy.close());
  proxy.faults.push({ kind: 'slow', ms: 60_000 });
  const dataDir = tempDir('crash-kiosk-');
  cleanups.push(() => dataDir.cleanup());
  const kiosk = kioskChild([dataDir.dir, proxy.url, kioskId, token, String(records), CHECKPOINT]);
  await proxy.next((r) => r.path.endsWith('/records'));
  return { proxy, kiosk, dataDir: dataDir.dir };
}

const exited = (p: ChildProcess) => new Promise((r) => (p.exitCode !== null ? r(p.exitCode) : p.once('exit', r)));

describe('crash mid-upload', () => {
  it('kiosk SIGKILLed while a batch is on the wire, restarted: every record once, holds first', async () => {
    const data = tempDir('crash-central-');
    const central: RunningCentral = await startTestCentral({ dataDir: data.dir, databaseUrl: null });
    cleanups.push(async () => (await central.stop(), data.cleanup()));
    const { token } = await central.kiosks.enroll({ checkpointId: CHECKPOINT, kioskId: 'crash-kiosk', actor: 'test' });
    // The first batch is stored by central but its answer is held back: the kiosk dies waiting for it.
    const { proxy, kiosk: first, dataDir } = await kioskWithBatchOnTheWire(central.url, 'crash-kiosk', token, 300);
    first.proc.kill('SIGKILL');
    await exited(first.proc);
    const firstBatch = proxy.uploads()[0]!.ids;
    expect(firstBatch).toHaveLength(100);
    const again = kioskChild([dataDir, proxy.url, 'crash-kiosk', token, '0', CHECKPOINT]);
    await again.out.next((l) => l === 'drained');
    const ids = await centralIds(central, 'crash-kiosk');
    // The fifteen holds (every 20th record, the newest at the end) led the first batch, ahead of older passes.
    const holds = (await central.db.query<{ id: string }>("SELECT id::text AS id FROM records WHERE kiosk_id = 'crash-kiosk' AND decision = 'HOLD'")).map((r) => r.id);
    expect(holds).toHaveLength(15);
    expect([...firstBatch.slice(0, 15)].sort()).toEqual([...holds].sort());
    expect(ids).toHaveLength(300);
    expect(new Set(ids).size).toBe(300);
    // The resent first batch was acknowledged as duplicates, never as conflicts.
    const [c] = await central.db.query<{ n: number }>('SELECT COUNT(*)::int AS n FROM record_conflicts');
    expect(c!.n).toBe(0);
    const resent = proxy.uploads().slice(1).flatMap((u) => u.ids);
    expect(resent).toEqual(expect.arrayContaining(firstBatch));
    again.proc.kill('SIGTERM');
    await exited(again.proc);
  }, 120_000);

  it('central SIGKILLed while a batch is on the wire, restarted on the same data: every record once', async () => {
    const data = tempDir('crash-central2-');
    await seedEmbeddedDatabase(data.dir);
    const startProc = async (port: number) => {
      const proc = spawn(process.execPath, [CLI, 'central', 'start', '--data', data.dir, '--port', String(port)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
      cleanups.push(() => void (proc.exitCode === null && proc.kill('SIGKILL')));
      const url = await lines(proc).next(() => true);
      return { proc, url };
    };
    // Enrol first (the embedded database is single-process).
    const enroll = spawn(process.execPath, [CLI, 'central', 'enroll', '--data', data.dir, '--checkpoint', CHECKPOINT, '--kiosk', 'k2', '--url', 'http://127.0.0.1:1'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    const { token } = JSON.parse(await lines(enroll).next(() => true)) as { token: string };
    await exited(enroll);
    let central = await startProc(0);
    const port = Number(new URL(central.url).port);
    const { kiosk } = await kioskWithBatchOnTheWire(central.url, 'k2', token, 250);
    central.proc.kill('SIGKILL');
    await exited(central.proc);
    central = await startProc(port);
    await kiosk.out.next((l) => l === 'drained');
    kiosk.proc.kill('SIGTERM');
    await exited(kiosk.proc);
    central.proc.kill('SIGTERM');
    await exited(central.proc);
    // Count on the stopped central's own database.
    const { openCentralData } = await import('../../central/central-service.js');
    const d = await openCentralData({ dataDir: data.dir });
    try {
      const rows = await d.db.query<{ id: string }>("SELECT id::text AS id FROM records WHERE kiosk_id = 'k2'");
      expect(rows).toHaveLength(250);
      expect(new Set(rows.map((r) => r.id)).size).toBe(250);
    } finally {
      await d.release();
      data.cleanup();
    }
  }, 180_000);
});
