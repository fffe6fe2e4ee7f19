/**
 * Lists (issue 14 item 8): a 1,000,000-entry lists file (the format the uplink leaves in the data
 * directory, main/host/local-lists.ts) loaded as the host loads it (loadWatchlist: read, JSON,
 * schema, date checks, the index by HMAC) and swapped while travellers are screened, in a process
 * of its own (bench/rig/lists-child.ts, a clean heap): time, memory, and the longest event-loop
 * stall, with the card → result time of the traveller whose readings arrived behind the swap.
 *
 * Today the host loads the lists once, at start; swapping them in service comes with the uplink
 * (branch i11). The swap measured here is what doing it on the host's event loop costs:
 * loadWatchlist + StaticWatchlistSource.replace, synchronously.
 * TODO(after the i11 uplink merge): backlog catch-up after an outage, and the time for an urgent
 * HOLD to reach central (docs/bench.md).
 *
 * KIOSK_BENCH_LIST_ENTRIES (default 1,000,000; smoke 50,000).
 */
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { HmacIdHasher } from '../main/engine/id-hasher.js';
import { WATCHLIST_FILE } from '../main/host/local-lists.js';
import type { BenchContext, BenchResult } from './bench-result.js';
import { forkRigChild, nextMessage } from './rig/child-process.js';
import { benchWatchlist, DEFAULT_MIX, syntheticPerson } from './rig/synthetic-people.js';
import { round, summarize } from './sample-statistics.js';

interface ListsReport {
  type: 'lists';
  entries: number;
  fileMiB: number;
  loadMs: number;
  swapMs: number;
  swapScreeningMs: number;
  memory: { before: Mem; loaded: Mem; after: Mem; maxRssMiB: number };
  loopStallMs: { withoutSwap: number; duringSwap: number };
  screeningMs: number[];
}
interface Mem {
  rssMiB: number;
  heapUsedMiB: number;
  externalMiB: number;
}

export async function run(ctx: BenchContext): Promise<BenchResult> {
  const entries = Number(process.env.KIOSK_BENCH_LIST_ENTRIES ?? (ctx.smoke ? 50_000 : 1_000_000));
  const travellers = ctx.smoke ? 200 : 2000;
  const dataDir = join(ctx.dir, 'data');
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const listed = Array.from({ length: travellers }, (_, i) => syntheticPerson(i, DEFAULT_MIX)).filter((p) => p.listColour);
  const t0 = performance.now();
  writeFileSync(join(dataDir, WATCHLIST_FILE), JSON.stringify(benchWatchlist(listed, new HmacIdHasher(randomBytes(32)), entries, new Date())), { mode: 0o600 });
  const writeS = (performance.now() - t0) / 1000;
  const child = forkRigChild('lists-child.ts', { dataDir, travellers }, join(ctx.dir, 'lists.log'), ['--expose-gc']);
  let r: ListsReport;
  try {
    r = await nextMessage(child, (m: ListsReport) => (m.type === 'lists' ? m : undefined), 900_000, 'lists child');
  } finally {
    if (child.exitCode === null) child.kill();
  }
  const others = summarize(r.screeningMs);
  const m = r.memory;
  return {
    scope:
      `In a process of its own: loadWatchlist of a ${r.entries.toLocaleString('en')}-entry lists file (${round(r.fileMiB)} MiB; the host's loading path: read, JSON.parse, zod schema, dates, the index by HMAC) from the bench directory; ` +
      `then ${travellers} travellers through a ScreeningEngine (mocked sink, real timers, list-fed) with the same file, re-dated, loaded and swapped in on the event loop while one of them is measured. ` +
      'Memory after a forced full collection. Excludes: the host\'s other work, the disk read being cold (the file was just written). The in-service swap does not exist in the host yet (uplink, i11): this is its cost if done on the event loop.',
    figures: {
      [`loading the ${r.entries.toLocaleString('en')}-entry lists file`]: { value: round(r.loadMs), unit: 'ms' },
      'heap held by the loaded lists (after full GC)': { value: round(m.loaded.heapUsedMiB - m.before.heapUsedMiB, 1), unit: 'MiB' },
      'resident memory added by loading the lists (after full GC)': { value: round(m.loaded.rssMiB - m.before.rssMiB, 1), unit: 'MiB' },
      'peak resident memory of the process (two lists during the swap)': { value: round(m.maxRssMiB, 1), unit: 'MiB' },
      'swap while screening: load + replace on the event loop': { value: round(r.swapMs), unit: 'ms' },
      'longest event-loop stall during the swap (how late a 5 ms timer fired)': { value: round(r.loopStallMs.duringSwap), unit: 'ms' },
      'longest event-loop stall while screening without a swap': { value: round(r.loopStallMs.withoutSwap, 2), unit: 'ms' },
      'card → result of the traveller measured during the swap': { value: round(r.swapScreeningMs), unit: 'ms' },
      'card → result of the other travellers, p99 (no devices: injected events)': { value: round(others.p99, 3), unit: 'ms', samples: others.n },
    },
    notes: { entries: r.entries, fileMiB: round(r.fileMiB, 1), fileBytes: statSync(join(dataDir, WATCHLIST_FILE)).size, writeFileSeconds: round(writeS, 1), memory: r.memory, loopStallMs: r.loopStallMs, travellers, listedTravellers: listed.length },
  };
}
