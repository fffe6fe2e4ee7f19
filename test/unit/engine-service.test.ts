import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { listSourceOf } from '../../main/config/list-source.js';
import type { Calibration } from '../../main/engine/calibration-source.js';
import type { ServiceEvent } from '../../main/engine/engine-events.js';
import { STANDALONE_LISTS, StaticWatchlistSource } from '../../main/engine/watchlist-source.js';
import { parsePolicyCase, runPolicyCase } from '../../main/engine/policy-case.js';
import { loadWatchlist } from '../../main/host/local-lists.js';
import { config, feed, identity, makeEngine, SAMPLE_ID, validCalibration } from '../fixtures/engine/harness.js';

/**
 * Honest states: a thermometer without a valid calibration puts the kiosk out of service (the
 * default policy) and it comes back by itself once one is recorded; a kiosk with no list source is
 * standalone and says so in every record.
 */

const NOW = new Date('2026-11-28T09:00:00+08:00');
beforeEach(() => {
  vi.useFakeTimers({ now: NOW });
});
afterEach(() => {
  vi.useRealTimers();
});

/** A calibration source the test changes, as the store does when a calibration is recorded. */
class MutableCalibration {
  constructor(public value: Calibration | null) {}
  current(): Calibration | null {
    return this.value;
  }
}

function engineWith(calibration: MutableCalibration, overrides: Record<string, unknown> = {}) {
  const h = makeEngine({ config: config(overrides), calibrationSource: calibration });
  const service: ServiceEvent[] = [];
  h.engine.on('service', (e) => service.push(e));
  return { ...h, service };
}

describe('out of service while the thermometer has no valid calibration (default policy)', () => {
  it('no calibration: out of service at start, prompts the staffed lane, screens nobody', async () => {
    const cal = new MutableCalibration(null);
    const h = engineWith(cal);
    h.engine.start();
    expect(h.engine.state).toBe('out-of-service');
    expect(h.engine.inService).toBe(false);
    expect(h.service.at(-1)).toEqual({ inService: false, problems: [{ cause: 'calibration', code: 'CALIBRATION_MISSING', messageKey: 'reason.calibrationMissing', detail: { deviceId: 'thermo-0' } }] });
    expect(h.prompts()).toEqual(['prompt.outOfService']);
    h.engine.onIdentity(identity());
    await feed(h.engine, 36.5);
    expect(h.engine.state).toBe('out-of-service');
    expect(h.results()).toEqual([]);
    expect(h.sink.records).toEqual([]);
  });

  it('a calibration recorded → back to idle by itself (no polling: calibrationChanged), then screens', async () => {
    const cal = new MutableCalibration(null);
    const h = engineWith(cal);
    h.engine.start();
    cal.value = validCalibration({ createdAt: NOW.toISOString(), validUntil: new Date(NOW.getTime() + 365 * 86_400_000).toISOString() });
    h.engine.calibrationChanged();
    expect(h.engine.state).toBe('idle');
    expect(h.transitions()).toEqual(['idle>out-of-service:out-of-service', 'out-of-service>idle:back-in-service']);
    expect(h.service.at(-1)).toEqual({ inService: true, problems: [] });
    expect(h.prompts().at(-1)).toBe('prompt.presentCard');
    h.engine.onIdentity(identity());
    await feed(h.engine, 36.5);
    expect(h.results()[0]!.decision).toBe('PASS');
  });

  it('goes out of service the moment the calibration expires, also a year ahead (a timer longer than 24.8 days is re-armed)', async () => {
    const validUntil = new Date(NOW.getTime() + 40 * 86_400_000);
    const cal = new MutableCalibration(validCalibration({ validUntil: validUntil.toISOString() }));
    const h = engineWith(cal);
    h.engine.start();
    expect(h.engine.state).toBe('idle');
    await vi.advanceTimersByTimeAsync(validUntil.getTime() - NOW.getTime() - 1000);
    expect(h.engine.state).toBe('idle');
    await vi.advanceTimersByTimeAsync(1000);
    expect(h.engine.state).toBe('out-of-service');
    expect(h.engine.serviceProblems.map((p) => p.code)).toEqual(['CALIBRATION_EXPIRED']);
  });

  it('a screening under way when the calibration lapses finishes (HOLD, never PASS), then the kiosk is out of service', async () => {
    const validUntil = new Date(NOW.getTime() + 250);
    const cal = new MutableCalibration(validCalibration({ validUntil: validUntil.toISOString() }));
    const h = engineWith(cal);
    h.engine.start();
    h.engine.onIdentity(identity());
    await feed(h.engine, 36.5);
    const [rec] = h.results();
    expect(rec!.decision).toBe('HOLD');
    expect(rec!.reasons.map((r) => [r.code, r.effect])).toEqual([['CALIBRATION_EXPIRED', 'hold']]);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(h.engine.state).toBe('out-of-service');
  });

  it('a drift flag puts it out of service too', () => {
    const h = engineWith(new MutableCalibration(validCalibration({ driftFlagged: true })));
    h.engine.start();
    expect(h.engine.serviceProblems.map((p) => p.code)).toEqual(['CALIBRATION_DRIFT']);
  });

  it.each([
    ['hold-for-staff', 'HOLD', 'hold'],
    ['pass-with-warning', 'PASS', 'notice'],
  ] as const)('policy %s keeps screening without a calibration: %s with CALIBRATION_MISSING as %s', async (policy, decision, effect) => {
    const h = engineWith(new MutableCalibration(null), { calibration: { whenMissingOrExpired: policy } });
    h.engine.start();
    expect(h.engine.state).toBe('idle');
    expect(h.engine.inService).toBe(true);
    h.engine.onIdentity(identity());
    await feed(h.engine, 36.5);
    const [rec] = h.results();
    expect(rec!.decision).toBe(decision);
    expect(rec!.reasons.map((r) => [r.code, r.effect])).toEqual([['CALIBRATION_MISSING', effect]]);
  });

  it('causes add up: the kiosk returns to idle only when every cause is gone', () => {
    const cal = new MutableCalibration(null);
    const h = engineWith(cal);
    h.engine.start();
    h.engine.setServiceProblem('store', { code: 'STORE_UNAVAILABLE', messageKey: 'notice.storeNotOpen' });
    cal.value = validCalibration();
    h.engine.calibrationChanged();
    expect(h.engine.state).toBe('out-of-service');
    expect(h.engine.serviceProblems.map((p) => p.cause)).toEqual(['store']);
    h.engine.setServiceProblem('store', null);
    expect(h.engine.state).toBe('idle');
  });
});

describe('standalone kiosk (no list source configured)', () => {
  it('listSourceOf: no lists section → standalone; lists.source file → file; a central section → central', () => {
    expect(listSourceOf(config())).toBe('standalone');
    expect(listSourceOf(config({ lists: { source: 'file' } }))).toBe('file');
    const central = { url: 'https://central.example:8443', kioskId: 'kiosk-1', token: `kt_${'A'.repeat(43)}` };
    expect(listSourceOf(config({ central }))).toBe('central');
    // Both at once is a configuration error naming the fix, not a silent choice.
    expect(() => config({ central, lists: { source: 'file' } })).toThrow(/lists: .*a kiosk enrolled with central screens against the lists central pushes: remove the "lists" section/);
    // The host never reads a lists file for a central-fed kiosk.
    expect(() => loadWatchlist(tmpdir(), config({ central }))).toThrow(/takes its lists from the uplink/);
  });

  it('kiosk policy try for a central-fed configuration consults lists: none received is stale', async () => {
    const central = { url: 'https://central.example:8443', kioskId: 'kiosk-1', token: `kt_${'A'.repeat(43)}` };
    const c = parsePolicyCase({ idNumber: SAMPLE_ID, samplesC: [36.5, 36.5, 36.5], ambientC: 24, watchlist: [], watchlistAgeHours: 100 });
    if (!c.ok) throw new Error(c.problems.join('; '));
    const fed = runPolicyCase(config({ central }), c.value).decision;
    expect(fed.reasons.map((r) => r.code)).toEqual(['WATCHLIST_STALE']);
  });

  it('consults no lists: never WATCHLIST_STALE, and the record says the lists were not consulted', async () => {
    const h = makeEngine();
    (h.watchlist as StaticWatchlistSource).replace(STANDALONE_LISTS);
    h.engine.onIdentity(identity());
    await feed(h.engine, 36.5);
    const [rec] = h.results();
    expect(rec!.decision).toBe('PASS');
    expect(rec!.reasons).toEqual([]);
    expect(rec!.lists).toEqual({ source: 'standalone', refreshedAt: null });
  });

  it('a kiosk that expects lists and never received any is stale (and says which lists it consulted)', async () => {
    const h = makeEngine({ refreshedAt: null });
    h.engine.onIdentity(identity());
    await feed(h.engine, 36.5);
    const [rec] = h.results();
    expect(rec!.reasons.map((r) => r.code)).toEqual(['WATCHLIST_STALE']);
    expect(rec!.lists).toEqual({ source: 'file', refreshedAt: null });
  });

  it('kiosk policy try decides as the kiosk would: a standalone configuration ignores the lists of the case', () => {
    const c = parsePolicyCase({ idNumber: SAMPLE_ID, samplesC: [36.5, 36.5, 36.5], ambientC: 24, watchlist: [{ idNumber: SAMPLE_ID, colour: 'red' }], watchlistAgeHours: 100 });
    if (!c.ok) throw new Error(c.problems.join('; '));
    expect(runPolicyCase(config(), c.value).decision).toMatchObject({ decision: 'PASS', reasons: [] });
    const fed = runPolicyCase(config({ lists: { source: 'file' } }), c.value).decision;
    expect(fed.decision).toBe('HOLD');
    expect(fed.reasons.map((r) => r.code)).toEqual(['WATCHLIST', 'WATCHLIST_STALE']);
  });

  it('the host loads no lists for a standalone kiosk, even with a lists file in the data directory (and says it ignores it)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiosk-lists-'));
    try {
      const file = join(dir, 'watchlist.json');
      writeFileSync(file, JSON.stringify({ refreshedAt: NOW.toISOString(), entries: [], keyRegions: [] }));
      const standalone = loadWatchlist(dir, config());
      expect(standalone).toMatchObject({ source: 'standalone', file: null, ignoredFile: file });
      expect(standalone.snapshot.source).toBe('standalone');
      const fed = loadWatchlist(dir, config({ lists: { source: 'file' } }));
      expect(fed).toMatchObject({ source: 'file', file, ignoredFile: null });
      expect(fed.snapshot.refreshedAt).toBe(NOW.toISOString());
      const none = loadWatchlist(join(dir, 'elsewhere'), config({ lists: { source: 'file' } }));
      expect(none.snapshot.refreshedAt).toBeNull();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
