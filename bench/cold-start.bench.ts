/**
 * Cold start (issue 14 item 6): the built host (`node dist/host.js --browser`, what `kiosk start
 * --browser` runs) started on the data directory of a kiosk that has screened a busy station for
 * its whole retention period (bench/rig/retention-store.ts: 14 days × 10,000 screenings through the
 * store's own write path), from the technician's configuration (SAM and GY-MCU90614 simulators in
 * processes of their own behind socat pseudo-terminals, list-fed); the store's full
 * `integrity_check` runs at every open, as always. Chromium is already running (its own start is
 * not counted) and opens the URL the moment it is printed.
 *
 * Clock: process start (just before spawn, in the bench process) → the URL printed (serving) →
 * the first idle screen painted → the first idle screen painted with both devices online (a
 * traveller can be screened). The page stamps a paint after requestAnimationFrame + a task, on the
 * wall clock (performance.timeOrigin + now, Chromium and Node alike). Before each start the
 * database's pages are dropped from the OS page cache (`dd iflag=nocache`), as after a reboot; the
 * programs and libraries stay cached.
 *
 * Starts: clean (the previous run stopped with SIGTERM); after a SIGKILL of the host while it
 * served travellers (its WAL as it was); after a SIGKILL of a writer whose WAL had grown to 1000
 * pages, the most the kiosk's autocheckpoint lets it hold (the longest recovery).
 *
 * KIOSK_BENCH_COLD_STARTS (default 4 clean, 2 of each SIGKILL kind; smoke 1 each).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, openSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import Database from 'better-sqlite3';
import { openBrowser } from '../test/e2e/kiosk-harness.js';
import type { BenchContext, BenchResult, Figure } from './bench-result.js';
import { forkRigChild, nextMessage, ROOT } from './rig/child-process.js';
import { writeBenchConfig } from './rig/kiosk-rig.js';
import { copyDataDir, databaseBytes, retentionDataDir, retentionSpec } from './rig/retention-store.js';
import { SimProcess } from './rig/sim-process.js';
import { DEFAULT_MIX, syntheticPerson } from './rig/synthetic-people.js';
import { sleep } from './rig/traveller-queue.js';
import { round, summarize } from './sample-statistics.js';

/** Wall-clock ms with sub-ms precision, comparable with Chromium's performance.timeOrigin + now(). */
const wallMs = () => performance.timeOrigin + performance.now();
/** SQLite's default autocheckpoint: 1000 pages of 4 KiB, plus the WAL header. */
const FULL_WAL_BYTES = 1000 * (4096 + 24) + 32;

interface Start {
  kind: 'clean' | 'after SIGKILL of the serving host' | 'after SIGKILL with a 1000-page WAL';
  servingMs: number;
  idleMs: number;
  readyMs: number;
  walBytesAtStart: number;
}

/** Drops a file's pages from the OS page cache (GNU dd: fadvise DONTNEED), after flushing it. */
function dropFromCache(file: string): void {
  if (!existsSync(file)) return;
  execFileSync('sync', [file]);
  execFileSync('dd', [`if=${file}`, 'iflag=nocache', 'count=0', 'status=none']);
}

function dropDatabaseFromCache(dataDir: string): void {
  for (const f of ['kiosk.db', 'kiosk.db-wal', 'kiosk.db-shm']) dropFromCache(join(dataDir, f));
}

/**
 * Records in the page, on the wall clock, when an idle screen and an idle screen with both devices
 * online were first painted (after requestAnimationFrame + a task, as the renderer reports its
 * paints). Plain JavaScript text: a function from this file would be serialised with tsx's helpers.
 */
const STAMP_PAINTS = `
window.__paints = {};
function stamp(k) {
  if (window.__paints[k] !== undefined) return;
  requestAnimationFrame(function () {
    setTimeout(function () {
      if (window.__paints[k] === undefined) window.__paints[k] = performance.timeOrigin + performance.now();
    }, 0);
  });
}
document.addEventListener('DOMContentLoaded', function () {
  var root = document.getElementById('app');
  function check() {
    if (root.dataset.host !== 'ready' || root.dataset.screen !== 'idle') return;
    stamp('idle');
    if (root.querySelectorAll('.device[data-state="online"]').length === 2) stamp('ready');
  }
  check();
  new MutationObserver(check).observe(root, { attributes: true, childList: true, subtree: true });
});
`;

class HostRun {
  private constructor(
    readonly proc: ChildProcess,
    readonly url: string,
    readonly servingAt: number,
  ) {}

  static async start(configFile: string, dataDir: string, logFile: string): Promise<{ run: HostRun; t0: number }> {
    const t0 = wallMs();
    const proc = spawn(process.execPath, [join(ROOT, 'dist', 'host.js'), '--browser', '--port', '0', '--config', configFile, '--data', dataDir], { stdio: ['ignore', 'pipe', openSync(logFile, 'a')] });
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the host printed no URL within 180 s')), 180_000);
      createInterface({ input: proc.stdout! }).once('line', (line) => {
        clearTimeout(timer);
        resolve(line.trim());
      });
      proc.once('exit', (code) => reject(new Error(`the host exited (${code}) before serving; see ${logFile}`)));
    });
    return { run: new HostRun(proc, url, wallMs()), t0 };
  }

  async stop(signal: 'SIGTERM' | 'SIGKILL'): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    const exited = new Promise((r) => this.proc.once('exit', r));
    this.proc.kill(signal);
    const killer = setTimeout(() => this.proc.kill('SIGKILL'), 20_000);
    await exited;
    clearTimeout(killer);
  }
}

export async function run(ctx: BenchContext): Promise<BenchResult> {
  const clean = Number(process.env.KIOSK_BENCH_COLD_STARTS ?? (ctx.smoke ? 1 : 4));
  const killed = ctx.smoke ? 1 : Math.max(1, Math.round(clean / 2));
  const spec = retentionSpec(ctx.smoke);
  process.stderr.write(`  retention database (${spec.days} days × ${spec.perDay})...\n`);
  const built = await retentionDataDir(ctx.shared, spec, (text) => process.stderr.write(`  ${text}\n`));
  const dataDir = copyDataDir(built.dataDir, join(ctx.dir, 'data'));
  const dbFile = join(dataDir, 'kiosk.db');
  const log = join(ctx.dir, 'host.log');

  // The integrity check alone, on a cold and on a warm page cache.
  const check = (): number => {
    const db = new Database(dbFile, { readonly: true });
    try {
      const t0 = performance.now();
      db.pragma('integrity_check');
      return performance.now() - t0;
    } finally {
      db.close();
    }
  };
  dropDatabaseFromCache(dataDir);
  const integrityCold = check();
  const integrityWarm = check();

  const card = await SimProcess.start({ kind: 'idcard', hostPath: join(ctx.dir, 'ports', 'idcard') }, join(ctx.dir, 'sim.log'));
  const thermo = await SimProcess.start({ kind: 'thermo', hostPath: join(ctx.dir, 'ports', 'thermo'), protocol: 'gy-mcu90614' }, join(ctx.dir, 'sim.log'));
  const configFile = writeBenchConfig(join(ctx.dir, 'kiosk.json'), card.hostPath, thermo.hostPath);
  const browser = await openBrowser(['--autoplay-policy=no-user-gesture-required']);
  await browser.page.addInitScript({ content: STAMP_PAINTS });
  const starts: Start[] = [];
  let travellers = 0;

  /** One measured start; leaves the host running. */
  const measure = async (kind: Start['kind']): Promise<HostRun> => {
    await browser.page.goto('about:blank');
    const walBytesAtStart = existsSync(`${dbFile}-wal`) ? statSync(`${dbFile}-wal`).size : 0;
    dropDatabaseFromCache(dataDir);
    const { run, t0 } = await HostRun.start(configFile, dataDir, log);
    let paints: Record<string, number>;
    try {
      await browser.page.goto(run.url);
      await browser.page.waitForFunction(() => (window as unknown as { __paints: Record<string, number> }).__paints.ready !== undefined, undefined, { timeout: 180_000, polling: 50 });
      paints = await browser.page.evaluate(() => (window as unknown as { __paints: Record<string, number> }).__paints);
    } catch (err) {
      const screen = await browser.page.evaluate(() => `${JSON.stringify((window as unknown as { __paints?: unknown }).__paints)} ${document.getElementById('app')?.dataset.screen} ${document.getElementById('app')?.innerText ?? ''}`).catch(() => '');
      await run.stop('SIGKILL');
      throw new Error(`${kind} start: ${err instanceof Error ? err.message : String(err)}; the screen shows: ${screen.replace(/\s+/g, ' ').slice(0, 300)}`);
    }
    starts.push({ kind, servingMs: run.servingAt - t0, idleMs: paints.idle! - t0, readyMs: paints.ready! - t0, walBytesAtStart });
    process.stderr.write(`  ${kind}: serving ${Math.round(run.servingAt - t0)} ms, ready and painted ${Math.round(paints.ready! - t0)} ms\n`);
    return run;
  };

  try {
    for (let i = 0; i < clean; i++) await (await measure('clean')).stop('SIGTERM');
    for (let i = 0; i < killed; i++) {
      // A host serving travellers (each distinct), killed between two of them.
      const serving = await measure('clean');
      for (let k = 0; k < (ctx.smoke ? 2 : 10); k++) {
        const p = syntheticPerson(900_000 + travellers++, DEFAULT_MIX);
        thermo.present(p.subject);
        await card.place(p.card);
        await sleep(2500);
        await card.lift();
        thermo.present('none');
        await sleep(800);
      }
      await serving.stop('SIGKILL');
      await (await measure('after SIGKILL of the serving host')).stop('SIGTERM');
    }
    for (let i = 0; i < killed; i++) {
      const writer = forkRigChild('wal-writer-child.ts', { dataDir, walBytes: FULL_WAL_BYTES }, join(ctx.dir, 'wal-writer.log'));
      await nextMessage(writer, (m: { type: string }) => (m.type === 'wal-full' ? m : undefined), 300_000, 'WAL writer');
      const gone = new Promise((r) => writer.once('exit', r));
      writer.kill('SIGKILL');
      await gone;
      await (await measure('after SIGKILL with a 1000-page WAL')).stop('SIGTERM');
    }
  } finally {
    await browser.close();
    await Promise.all([card.stop(), thermo.stop()]);
  }

  const figures: Record<string, Figure> = {};
  const kinds: Start['kind'][] = ['clean', 'after SIGKILL of the serving host', 'after SIGKILL with a 1000-page WAL'];
  for (const kind of kinds) {
    // The clean starts that preceded a kill are measured too; the figure takes all clean ones.
    const of = starts.filter((s) => s.kind === kind);
    if (of.length === 0) continue;
    const serving = summarize(of.map((s) => s.servingMs));
    const idle = summarize(of.map((s) => s.idleMs));
    const ready = summarize(of.map((s) => s.readyMs));
    figures[`${kind}: process start → serving (URL printed), p50`] = { value: round(serving.p50), unit: 'ms', samples: serving.n };
    figures[`${kind}: process start → first idle screen painted, p50`] = { value: round(idle.p50), unit: 'ms', samples: idle.n };
    figures[`${kind}: process start → idle painted with both devices online, p50`] = { value: round(ready.p50), unit: 'ms', samples: ready.n };
    figures[`${kind}: process start → idle painted with both devices online, max`] = { value: round(ready.max), unit: 'ms', samples: ready.n };
  }
  figures['integrity_check of the database alone, cold page cache'] = { value: round(integrityCold), unit: 'ms' };
  figures['integrity_check of the database alone, warm page cache'] = { value: round(integrityWarm), unit: 'ms' };
  return {
    scope:
      `The built host (dist/host.js --browser) on a retention-sized data directory (${built.rows} screenings, ${round(built.databaseBytes / 2 ** 20)} MiB: ${spec.days} days × ${spec.perDay} a day), ` +
      'serial devices on pseudo-terminals (simulators in their own processes), list-fed; the full integrity_check at open included; the database dropped from the page cache before each start. ' +
      'Includes: Node start and module loading, the store\'s open (integrity check, key check, migrations, WAL recovery after a SIGKILL), the lists file, the devices coming online, Chromium loading and painting the page. ' +
      'Excludes: Chromium\'s own start (already running), the Electron shell, programs and libraries read from disk (they stay cached).',
    figures,
    notes: {
      starts: starts.map((s) => ({ ...s, servingMs: round(s.servingMs), idleMs: round(s.idleMs), readyMs: round(s.readyMs) })),
      retentionDatabase: { ...built, spec, mib: round(built.databaseBytes / 2 ** 20), afterBenchMiB: round(databaseBytes(dataDir) / 2 ** 20) },
      fullWalBytes: FULL_WAL_BYTES,
      cardSimProblems: card.problems,
      thermoSimProblems: thermo.problems,
    },
  };
}
