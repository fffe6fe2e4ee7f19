/**
 * Engine cost per screening (issue 14 item 5): a card and its thermometer readings in → the result
 * event out (identity hashed, duplicate window, temperature pipeline and the default body model,
 * lists and key regions consulted, record built, committed, decision emitted). In the bench
 * process, real timers and the system clock, the kiosk's default configuration, list-fed with a
 * 100,000-entry list and one key region.
 *
 * Travellers are distinct synthetic people (bench/rig/synthetic-people.ts, valid by the ID-number
 * module): ~6 % listed (red, orange, yellow, blue), 3 % from the key region, 2 % febrile — whose first
 * window is at or above the threshold, so the engine asks for the re-measurement and gets a second
 * window. Readings are what the simulator's forehead physics gives for a 36.6 °C or 38.5 °C person
 * in a 25 °C room, with noise; each traveller's card comes during the previous result, as at a busy
 * station.
 *
 * Two sinks: (1) a mocked one resolving at once: the engine's own cost; (2) the real store
 * (KioskStore in the bench directory: encryption, seal, outbox, fsync): what a screening costs end
 * to end without devices. Then decide() alone.
 *
 * KIOSK_BENCH_ENGINE_SCREENINGS (default 5000; smoke 300) after 500 (smoke 50) of warm-up; the store
 * figure uses 3000 (smoke 100).
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { parseKioskConfig, type KioskConfig } from '../main/config/kiosk-config.js';
import { HmacIdHasher } from '../main/engine/id-hasher.js';
import { decide, decisionIdentityOf, decisionPolicyOf } from '../main/engine/policy.js';
import type { RecordSink } from '../main/engine/record-sink.js';
import { watchlistSnapshot, type WatchlistSnapshot } from '../main/engine/watchlist-source.js';
import { KioskStore } from '../main/store/kiosk-store.js';
import { StaticKeyProvider } from '../main/store/key-provider.js';
import type { BenchContext, BenchResult } from './bench-result.js';
import { EngineFeed } from './rig/engine-feed.js';
import { BENCH_KEY_REGIONS, benchWatchlist, DEFAULT_MIX, syntheticPerson, type SyntheticPerson } from './rig/synthetic-people.js';
import { round, summarize, type Summary } from './sample-statistics.js';

const LIST_ENTRIES = 100_000;

interface Run {
  perScreening: Summary;
  outcomes: Record<string, number>;
  remeasured: number;
}

function benchConfig(): KioskConfig {
  const r = parseKioskConfig({ checkpoint: { id: 'bench', name: '基准' }, lists: { source: 'file' } });
  if (!r.ok) throw new Error(r.problems.join('; '));
  return r.config;
}

/** Screens `count` travellers after `warmup` through an engine with `sink`; times card → result. */
async function screen(config: KioskConfig, sink: RecordSink, hasher: HmacIdHasher, lists: WatchlistSnapshot, people: SyntheticPerson[], warmup: number, count: number): Promise<Run> {
  const feed = new EngineFeed(config, sink, hasher, lists);
  const times: number[] = [];
  const outcomes: Record<string, number> = {};
  let remeasured = 0;
  for (let i = 0; i < warmup + count; i++) {
    const t0 = performance.now();
    const r = await feed.screen(people[i]!);
    const dt = performance.now() - t0;
    if (i >= warmup) {
      times.push(dt);
      if (r.remeasured) remeasured++;
      const key = `${r.record.decision}${r.record.reasons.length ? ` ${r.record.reasons.map((x) => x.code).join('+')}` : ''}`;
      outcomes[key] = (outcomes[key] ?? 0) + 1;
    }
    await EngineFeed.nextTurn();
  }
  await feed.stop();
  return { perScreening: summarize(times), outcomes, remeasured };
}

export async function run(ctx: BenchContext): Promise<BenchResult> {
  const count = Number(process.env.KIOSK_BENCH_ENGINE_SCREENINGS ?? (ctx.smoke ? 300 : 5000));
  const warmup = ctx.smoke ? 50 : 500;
  const storeCount = ctx.smoke ? 100 : 3000;
  const config = benchConfig();
  const hasher = new HmacIdHasher(randomBytes(32));
  const people = Array.from({ length: warmup + count }, (_, i) => syntheticPerson(i, DEFAULT_MIX));
  const lists = watchlistSnapshot(benchWatchlist(people, hasher, LIST_ENTRIES, new Date()).entries, BENCH_KEY_REGIONS, new Date().toISOString());

  const mocked = await screen(config, { commit: async () => undefined }, hasher, lists, people, warmup, count);

  const store = await KioskStore.open({ dataDir: ctx.dir, keyProvider: new StaticKeyProvider(randomBytes(32)), maintenanceIntervalMs: 0 });
  let stored: Run;
  try {
    stored = await screen(config, store.records, hasher, lists, people, warmup, storeCount);
  } finally {
    store.close();
  }

  // decide() alone, on the prepared inputs of listed and unlisted travellers.
  const policy = decisionPolicyOf(config);
  const est = { samples: [], medianC: 35.2, maxC: 35.3, estimateC: 36.9, model: { name: 'linear-heat-balance', version: 1, params: { k: 0.19 } }, calibrationId: 'bench-cal', attempt: 1 };
  const inputs = people.slice(0, 1000).map((p) => decisionIdentityOf(p.card, hasher.hashIdNumber(p.card.idNumber), 'sam'));
  const decideTimes: number[] = [];
  for (let i = 0; i < 22_000; i++) {
    const t0 = performance.now();
    decide(policy, { requireIdentity: true, identity: inputs[i % inputs.length]!, attempts: [est], remeasureAvailable: true, watchlist: lists, calibration: 'valid', now: new Date(), duplicateOf: null, deviceFault: null });
    if (i >= 2000) decideTimes.push(performance.now() - t0);
  }
  const d = summarize(decideTimes);
  const m = mocked.perScreening;
  const s = stored.perScreening;
  return {
    scope:
      'In the bench process, no devices: identity and readings injected into the ScreeningEngine (real timers, system clock, default configuration and body model, list-fed: 100,000-entry list and a key region), ' +
      'distinct valid synthetic travellers with ~10 % listed or from the key region and 2 % febrile (re-measured). Time from the card to the result event. ' +
      '"mocked sink": the record commit resolves at once (the engine alone). "real store": KioskStore in the bench directory (encryption, seal, outbox, synchronous=FULL fsync). ' +
      'Excludes: drivers and serial I/O, the host, the screen (see screening.bench).',
    figures: {
      'engine per screening, mocked sink, p50': { value: round(m.p50, 4), unit: 'ms', goal: '< 1 ms', met: m.p50 < 1, samples: m.n },
      'engine per screening, mocked sink, p95': { value: round(m.p95, 4), unit: 'ms', samples: m.n },
      'engine per screening, mocked sink, p99': { value: round(m.p99, 4), unit: 'ms', samples: m.n },
      'engine per screening, real store (durable commit), p50': { value: round(s.p50, 3), unit: 'ms', samples: s.n },
      'engine per screening, real store (durable commit), p95': { value: round(s.p95, 3), unit: 'ms', samples: s.n },
      'engine per screening, real store (durable commit), p99': { value: round(s.p99, 3), unit: 'ms', samples: s.n },
      'decide() alone (100,000-entry list), p50': { value: round(d.p50 * 1000, 2), unit: 'µs', samples: d.n },
      'decide() alone (100,000-entry list), p99': { value: round(d.p99 * 1000, 2), unit: 'µs', samples: d.n },
    },
    notes: { warmup, mockedOutcomes: mocked.outcomes, mockedRemeasured: mocked.remeasured, storeOutcomes: stored.outcomes, storeRemeasured: stored.remeasured, listEntries: LIST_ENTRIES, mix: DEFAULT_MIX, mocked: m, store: s, decide: d },
  };
}
