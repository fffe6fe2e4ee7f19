/**
 * Steady-state memory of the host (issue 14 item 3): the host as its own process on the real-device
 * path at real pace (KioskRig and TravellerQueue, as in screening.bench.ts: distinct people, busy
 * station), for a bounded stretch with cable pulls (card reader and thermometer in turn, 2 s each)
 * and renderer reloads between travellers. At the end of the warm-up the host is asked for one full
 * collection (it runs with --expose-gc), so the garbage of start-up (parsing the lists file) is not
 * read as a fall; from 30 s later (the freed pages are back with the OS) its resident set is read
 * from /proc/<pid>/status every 10 s, with nothing done to the process, and least-squares lines
 * through those samples give the growth per hour and per 10,000 screenings. A second full
 * collection at the end gives the heap's growth between the two.
 *
 * KIOSK_BENCH_MEMORY_MINUTES (default 10; smoke 1.5) of which the first KIOSK_BENCH_MEMORY_WARMUP_MINUTES
 * (default 2; smoke 0.5) are warm-up.
 */
import { readFileSync } from 'node:fs';
import type { BenchContext, BenchResult } from './bench-result.js';
import { KioskRig } from './rig/kiosk-rig.js';
import { monotonicMs } from './rig/monotonic-ms.js';
import { DEFAULT_MIX, syntheticPerson } from './rig/synthetic-people.js';
import { TravellerQueue } from './rig/traveller-queue.js';
import { linearFit, round, type LinearFit } from './sample-statistics.js';

const RSS_EVERY_MS = 10_000;
const SETTLE_AFTER_GC_MS = 30_000;
const UNPLUG_EVERY_MS = 150_000;
const UNPLUG_FOR_MS = 2000;
const RELOAD_EVERY_MS = 120_000;
const MIB = 2 ** 20;
/** Bytes per MB (the goal's unit) over bytes per MiB. */
const MB_PER_MIB = MIB / 1e6;

interface Sample {
  atMs: number;
  screenings: number;
  bytes: number;
}

function residentBytes(pid: number): number {
  const kb = /^VmRSS:\s+(\d+)\s+kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  if (kb === undefined) throw new Error(`no VmRSS for process ${pid}`);
  return Number(kb) * 1024;
}

/** Slopes of `samples` (MiB) against hours and against screenings (per 10,000). */
function growth(samples: Sample[]): { perHour: LinearFit; per10k: LinearFit } | null {
  if (samples.length < 3 || samples[0]!.screenings === samples[samples.length - 1]!.screenings) return null;
  const t0 = samples[0]!.atMs;
  const mib = samples.map((s) => s.bytes / MIB);
  const perHour = linearFit(samples.map((s) => (s.atMs - t0) / 3_600_000), mib);
  const per = linearFit(samples.map((s) => s.screenings / 10_000), mib);
  return { perHour, per10k: per };
}

export async function run(ctx: BenchContext): Promise<BenchResult> {
  const minutes = Number(process.env.KIOSK_BENCH_MEMORY_MINUTES ?? (ctx.smoke ? 1.5 : 10));
  const warmupMinutes = Number(process.env.KIOSK_BENCH_MEMORY_WARMUP_MINUTES ?? (ctx.smoke ? 0.5 : 2));
  const expectedPeople = Math.ceil(minutes * 30) + 50;
  const rig = await KioskRig.start({ dir: ctx.dir, people: expectedPeople, mix: DEFAULT_MIX, listEntries: 100_000 });
  const queue = new TravellerQueue(rig, undefined, 23);
  const pid = rig.host.pid;
  const rss: Sample[] = [];
  const heap: Array<NodeJS.MemoryUsage & { screenings: number }> = [];
  const events: string[] = [];
  let screenings = 0;
  let failures = 0;
  const t0 = monotonicMs();
  const end = t0 + minutes * 60_000;
  const warm = t0 + warmupMinutes * 60_000;
  let nextRss = Number.POSITIVE_INFINITY; // from the end of the warm-up
  let nextUnplug = t0 + UNPLUG_EVERY_MS;
  let nextReload = t0 + RELOAD_EVERY_MS;
  let unplugCard = true;
  const sampler = setInterval(() => {
    const now = monotonicMs();
    if (now >= nextRss) {
      rss.push({ atMs: now, screenings, bytes: residentBytes(pid) });
      nextRss += RSS_EVERY_MS;
    }
  }, 500);
  try {
    for (let i = 0; monotonicMs() < end; i++) {
      const p = await queue.pass(syntheticPerson(i, DEFAULT_MIX));
      if (p.stages && !p.stages.abandoned) screenings++;
      if (p.failure) failures++;
      const now = monotonicMs();
      // Between travellers: the heap reading, a cable pull, a renderer reload, as they fall due.
      if (now >= warm && heap.length === 0) {
        heap.push({ ...(await rig.host.memory(true)), screenings });
        // The collection hands pages back to the OS over the next seconds: sample once that is done.
        nextRss = monotonicMs() + SETTLE_AFTER_GC_MS;
      }
      if (now >= nextUnplug) {
        const sim = unplugCard ? rig.card : rig.thermo;
        events.push(`${round((now - t0) / 1000)} s: ${unplugCard ? 'card reader' : 'thermometer'} unplugged for ${UNPLUG_FOR_MS} ms`);
        await sim.unplug(UNPLUG_FOR_MS);
        await rig.host.waitFor((h) => h.devices.length === 2 && h.devices.every((d) => d.state === 'online'), 60_000, 'both devices online after the replug');
        unplugCard = !unplugCard;
        nextUnplug += UNPLUG_EVERY_MS;
      }
      if (now >= nextReload) {
        events.push(`${round((now - t0) / 1000)} s: renderer reloaded`);
        await rig.browser.page.reload();
        await rig.browser.page.waitForFunction(() => document.getElementById('app')?.dataset.host === 'ready', undefined, { timeout: 30_000 });
        nextReload += RELOAD_EVERY_MS;
      }
      if (i % 25 === 0) process.stderr.write(`  ${round((now - t0) / 60_000)} min: ${screenings} screenings, host RSS ${round(residentBytes(pid) / MIB)} MiB\n`);
    }
    heap.push({ ...(await rig.host.memory(true)), screenings });
  } finally {
    clearInterval(sampler);
    await rig.stop();
  }

  const steadyRss = rss;
  const g = growth(steadyRss);
  const spanMin = steadyRss.length > 1 ? (steadyRss[steadyRss.length - 1]!.atMs - steadyRss[0]!.atMs) / 60_000 : 0;
  const steadyScreenings = steadyRss.length > 1 ? steadyRss[steadyRss.length - 1]!.screenings - steadyRss[0]!.screenings : 0;
  const figures: BenchResult['figures'] = {};
  if (g) {
    const per10kMB = g.per10k.slope * MB_PER_MIB;
    figures['host RSS growth per 10,000 screenings (least squares after warm-up)'] = {
      value: round(g.per10k.slope, 2),
      unit: `MiB (± ${round(g.per10k.slopeStdError, 2)} s.e.)`,
      goal: '< 10 MB per 10,000 screenings',
      met: per10kMB < 10,
      samples: g.per10k.n,
    };
    figures['host RSS growth per hour at real pace (least squares after warm-up)'] = { value: round(g.perHour.slope, 2), unit: `MiB/h (± ${round(g.perHour.slopeStdError, 2)} s.e.)`, samples: g.perHour.n };
  }
  const [h0, h1] = [heap[0], heap[1]];
  if (h0 && h1 && h1.screenings > h0.screenings) {
    figures['host heap after full GC, growth per 10,000 screenings (end vs end of warm-up)'] = { value: round(((h1.heapUsed - h0.heapUsed) / MIB / (h1.screenings - h0.screenings)) * 10_000, 2), unit: 'MiB', samples: h1.screenings - h0.screenings };
  }
  if (steadyRss.length > 0) {
    figures['host RSS at the end of warm-up'] = { value: round(steadyRss[0]!.bytes / MIB, 1), unit: 'MiB' };
    figures['host RSS at the end'] = { value: round(steadyRss[steadyRss.length - 1]!.bytes / MIB, 1), unit: 'MiB' };
  }
  return {
    scope:
      'The host process alone (its /proc VmRSS; the bench, the simulators and Chromium are other processes), on the real-device path at real pace: ' +
      `${round(spanMin, 1)} min and ${steadyScreenings} screenings after a ${warmupMinutes} min warm-up, with cable pulls and renderer reloads. ` +
      'The growth per 10,000 screenings is a line through a bounded stretch, extrapolated: read it with its standard error. Interventions: one forced full collection at the end of the warm-up and one at the end (heap readings).',
    figures,
    notes: {
      minutes,
      warmupMinutes,
      screenings,
      failures,
      events,
      rssSamples: rss.map((s) => ({ s: round((s.atMs - t0) / 1000), screenings: s.screenings, mib: round(s.bytes / MIB, 2) })),
      heapAfterGc: heap.map((m) => ({ screenings: m.screenings, heapUsedMiB: round(m.heapUsed / MIB, 2), externalMiB: round(m.external / MIB, 2), arrayBuffersMiB: round(m.arrayBuffers / MIB, 2), rssMiB: round(m.rss / MIB, 2) })),
      fits: g,
    },
  };
}
