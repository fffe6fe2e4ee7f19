/**
 * Engine cost per screening: a card and five readings in → the result event out (record built,
 * committed to an in-memory sink that resolves at once, decision emitted). Real timers, the system
 * clock, a 100 000-entry watchlist and 50 key regions. Also the pure decide() on its own.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { ThermoReading } from '../drivers/thermometer/reading.js';
import type { IdCard } from '../drivers/idcard/id-card.js';
import { parseKioskConfig } from '../main/config/kiosk-config.js';
import { StaticCalibrationSource } from '../main/engine/calibration-source.js';
import { HmacIdHasher } from '../main/engine/id-hasher.js';
import { decide, decisionIdentityOf, decisionPolicyOf } from '../main/engine/policy.js';
import { ScreeningEngine } from '../main/engine/screening-engine.js';
import type { ScreeningRecord } from '../main/engine/screening-record.js';
import { StaticWatchlistSource, watchlistSnapshot, type WatchlistEntry } from '../main/engine/watchlist-source.js';
import { percentiles, type BenchResult } from './bench-result.js';

const SCREENINGS = 5000;
const WARMUP = 500;

export async function run(): Promise<BenchResult> {
  const parsed = parseKioskConfig({ checkpoint: { id: 'bench', name: 'bench' }, temperature: { model: { kind: 'constant-offset', offsetC: 0.6 } } });
  if (!parsed.ok) throw new Error(parsed.problems.join('; '));
  const config = parsed.config;
  const hasher = new HmacIdHasher(randomBytes(32));
  const entries: WatchlistEntry[] = [];
  for (let i = 0; i < 100_000; i++) entries.push({ hmac: randomBytes(32).toString('hex'), colour: (['red', 'orange', 'yellow', 'blue'] as const)[i % 4]!, listId: 'bench', updatedAt: new Date().toISOString() });
  const regions = Array.from({ length: 50 }, (_, i) => ({ prefix: String(4201 + i), colour: 'orange' as const }));
  const watchlist = new StaticWatchlistSource(watchlistSnapshot(entries, regions, new Date().toISOString()));
  let committed = 0;
  const engine = new ScreeningEngine({
    config,
    sink: { commit: async () => void committed++ },
    watchlist,
    hasher,
    calibration: new StaticCalibrationSource({ id: 'cal', deviceId: 'thermo-0', kind: 'two-point', gain: 1.01, offset: -0.2, createdAt: new Date().toISOString(), validUntil: '2999-01-01T00:00:00Z' }),
  });
  const ids = ['11010519491231002X', '810000199408230021', '830000199201300022', '932682198501010017', '911124198108030024'];
  const card = (i: number): IdCard => ({
    type: 'resident', name: '测试', sex: 'male', sexCode: '1', idNumber: ids[i % ids.length]!, idNumberValid: true, birthDate: '1990-01-01',
    validFrom: '2020-01-01', validUntil: 'long-term', photoWlt: new Uint8Array(0), hasUnusualCharacters: false, nationCode: '01', nation: '汉', address: '虚构地址', issuer: '虚构',
  });
  const reading = (c: number): ThermoReading => ({ deviceId: 'thermo-0', protocol: 'gy-mcu90614', objectC: c, ambientC: 24, outOfRange: false, monotonicMs: performance.now(), raw: '' });

  const times: number[] = [];
  let pass = 0;
  for (let i = 0; i < SCREENINGS + WARMUP; i++) {
    const done = new Promise<ScreeningRecord>((resolve) => engine.once('result', (e) => resolve(e.record)));
    const t0 = performance.now();
    engine.onIdentity({ deviceId: 'idcard-0', card: card(i), monotonicMs: t0, source: 'sam' });
    for (const c of [36.1, 36.2, 36.15, 36.3, 36.2]) engine.onReading(reading(c));
    const rec = await done;
    const dt = performance.now() - t0;
    if (i >= WARMUP) times.push(dt);
    if (rec.decision === 'PASS') pass++;
  }
  await engine.stop();

  // decide() alone.
  const policy = decisionPolicyOf(config);
  const snapshot = watchlist.snapshot();
  const est = { samples: [], medianC: 36.4, maxC: 36.5, estimateC: 37.0, model: { name: 'constant-offset', params: { offsetC: 0.6 } }, calibrationId: 'cal', attempt: 1 };
  const identity = decisionIdentityOf(card(0), hasher.hashIdNumber(ids[0]!), 'sam');
  const decideTimes: number[] = [];
  for (let i = 0; i < 20_000; i++) {
    const t0 = performance.now();
    decide(policy, { requireIdentity: true, identity, attempts: [est], remeasureAvailable: true, watchlist: snapshot, calibration: 'valid', now: new Date(), duplicateOf: null, deviceFault: null });
    decideTimes.push(performance.now() - t0);
  }

  const p = percentiles(times);
  const d = percentiles(decideTimes.slice(2000));
  return {
    figures: {
      'engine per screening, median': { value: Number(p.median.toFixed(4)), unit: 'ms', goal: '< 1 ms', met: p.median < 1 },
      'engine per screening, p99': { value: Number(p.p99.toFixed(4)), unit: 'ms' },
      'decide() alone, median': { value: Number((d.median * 1000).toFixed(2)), unit: 'µs' },
      'decide() alone, p99': { value: Number((d.p99 * 1000).toFixed(2)), unit: 'µs' },
    },
    notes: { screenings: SCREENINGS, warmup: WARMUP, passes: pass, watchlistEntries: entries.length, keyRegions: regions.length, recordsCommitted: committed, maxMs: p.max },
  };
}
