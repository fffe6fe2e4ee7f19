import { describe, expect, it } from 'vitest';
import { compareWithCentral, type CentralRow } from '../../bench/soak/central-check.js';
import { FAULT_RATES, planFaults, type FaultKind } from '../../bench/soak/fault-plan.js';
import type { LoggedProblem } from '../../bench/soak/kiosk-process.js';
import { auditLog, GRACE_MS, type FaultWindow } from '../../bench/soak/log-audit.js';
import { slope, steadyGrowth, type ResourceSample } from '../../bench/soak/resources.js';
import { travellerCard } from '../../bench/soak/soak-devices.js';
import type { ShownResult } from '../../bench/soak/ui-observer.js';
import { isValidIdNumber } from '../../drivers/idcard/id-number.js';

/** The soak's own logic (bench/soak/): its schedule, its log audit and its growth figures must be right for its verdict to mean anything. */
const ALL = new Set<FaultKind>(['unplug', 'garbage', 'disk-full', 'kill']);

describe('the fault plan', () => {
  it('100,000 screenings: every kind at its rate, one fault at a time, none in the warm-up, none past the end', () => {
    const plan = planFaults(100_000, 7, ALL);
    const count = (k: FaultKind) => plan.filter((f) => f.kind === k).length;
    // Rates per 1,000 (FAULT_RATES) × 100: a few may fall off the end after spreading.
    expect(count('garbage')).toBeGreaterThanOrEqual(FAULT_RATES.garbage * 100 - 5);
    expect(count('unplug')).toBeGreaterThanOrEqual(FAULT_RATES.unplug * 100 - 5);
    expect(count('disk-full')).toBe(10);
    expect(count('kill')).toBe(7);
    for (let i = 1; i < plan.length; i++) expect(plan[i]!.at).toBeGreaterThanOrEqual(plan[i - 1]!.at + (plan[i - 1]!.spell ?? 0) + 12);
    expect(plan[0]!.at).toBeGreaterThanOrEqual(200);
    for (const f of plan) expect(f.at + (f.spell ?? 0)).toBeLessThan(100_000);
    expect(new Set(plan.filter((f) => f.kind === 'unplug').map((f) => f.device))).toEqual(new Set(['idcard', 'thermometer']));
  });

  it('a short run still meets every available kind at least once; an unavailable kind (central) never', () => {
    const plan = planFaults(400, 1, new Set(['unplug', 'garbage', 'kill']));
    expect(new Set(plan.map((f) => f.kind))).toEqual(new Set(['unplug', 'garbage', 'kill']));
    expect(plan.some((f) => f.kind === 'central-outage' || f.kind === 'disk-full')).toBe(false);
  });

  it('with a central: two outages at least even in a short run, one stopped in order and one killed, each a spell', () => {
    const plan = planFaults(300, 1, new Set([...ALL, 'central-outage']));
    const outages = plan.filter((f) => f.kind === 'central-outage');
    expect(outages).toHaveLength(2);
    expect(outages.map((f) => f.signal).sort()).toEqual(['SIGKILL', 'SIGTERM']);
    for (const f of outages) {
      expect(f.midScreening).toBe(false);
      expect(f.spell).toBe(10); // 300 / 50 = 6, raised to the 10-screening minimum
    }
    // 100,000: 0.1 per 1,000 (FAULT_RATES) → 10, half of them each way.
    const long = planFaults(100_000, 7, new Set([...ALL, 'central-outage'])).filter((f) => f.kind === 'central-outage');
    expect(long).toHaveLength(10);
    expect(long.filter((f) => f.signal === 'SIGKILL')).toHaveLength(5);
  });

  it('is the same for the same seed, and differs for another', () => {
    expect(planFaults(5000, 3, ALL)).toEqual(planFaults(5000, 3, ALL));
    expect(planFaults(5000, 3, ALL)).not.toEqual(planFaults(5000, 4, ALL));
  });
});

describe('the log audit', () => {
  const line = (msg: string, time: number, fields: Record<string, unknown> = {}, level = 40): LoggedProblem => ({ time, level, msg, fields, generation: 1, raw: msg });
  const disk: FaultWindow = { kind: 'disk-full', start: 1000, end: 2000 };
  const unplugThermo: FaultWindow = { kind: 'unplug', device: 'thermometer', start: 5000, end: 6000 };

  it('explains a line by a fault of the right kind and device, within its window and grace', () => {
    const r = auditLog([line('store: records are waiting in memory for the disk; everyone is held for staff until they are written', 1500, {}, 50), line('thermometer: problem', 6000 + GRACE_MS)], [disk, unplugThermo]);
    expect(r.unexplained).toEqual([]);
    expect(Object.values(r.explained).reduce((a, b) => a + b, 0)).toBe(2);
  });

  it('leaves unexplained: a line outside every window, on the wrong device, of no known kind, or fatal', () => {
    const r = auditLog(
      [
        line('store: records are waiting in memory for the disk; everyone is held', 2000 + GRACE_MS + 1, {}, 50),
        line('idcard: problem', 5500),
        line('store: a waiting record failed again with an unexpected error; it is kept', 1500, {}, 50),
        line('host: uncaught exception', 1500, {}, 60),
      ],
      [disk, unplugThermo],
    );
    expect(r.unexplained.map((l) => l.msg)).toEqual([
      'store: records are waiting in memory for the disk; everyone is held',
      'idcard: problem',
      'store: a waiting record failed again with an unexpected error; it is kept',
      'host: uncaught exception',
    ]);
  });

  it('out of service is explained by the disk only for STORE_UNAVAILABLE, and by the set-up only for a missing calibration', () => {
    const msg = 'service: out of service; travellers use the staffed lane';
    const setup: FaultWindow = { kind: 'setup', start: 0, end: 500 };
    expect(auditLog([line(msg, 1500, { problems: [{ code: 'STORE_UNAVAILABLE' }] })], [disk, setup]).unexplained).toEqual([]);
    expect(auditLog([line(msg, 1500, { problems: [{ code: 'CALIBRATION_EXPIRED' }] })], [disk, setup]).unexplained).toHaveLength(1);
    expect(auditLog([line(msg, 100, { problems: [{ code: 'CALIBRATION_MISSING' }] })], [disk, setup]).unexplained).toEqual([]);
  });
});

describe('the log audit, central outages', () => {
  const line = (msg: string, time: number, level = 40): LoggedProblem => ({ time, level, msg, fields: {}, generation: 1, raw: msg });
  const outage: FaultWindow = { kind: 'central-outage', start: 1000, end: 2000 };

  it('explains the uplink\'s retries (warnings) during an outage and until its backlog was delivered, plus the grace', () => {
    const r = auditLog(['uplink: upload failed; will retry', 'uplink: heartbeat failed', 'uplink: circuit open — central keeps failing; attempts paused', 'uplink: list update failed; will retry'].map((m) => line(m, 1500)).concat(line('uplink: upload failed; will retry', 2000 + GRACE_MS)), [outage]);
    expect(r.unexplained).toEqual([]);
  });

  it('the set-up explains a central-fed kiosk\'s first start: waiting for the ID key, and sending to central recorded as collecting more (mode only)', () => {
    const setup: FaultWindow = { kind: 'setup', start: 0, end: 500 };
    const privacy = 'privacy: this configuration collects or keeps more personal information than before; recorded in the audit log';
    const out = 'service: out of service; travellers use the staffed lane';
    const at = (msg: string, fields: Record<string, unknown>, time = 100): LoggedProblem => ({ ...line(msg, time), fields });
    expect(auditLog([at(out, { problems: [{ code: 'ID_KEY_AWAITED' }, { code: 'CALIBRATION_MISSING' }] }), at(privacy, { widened: ['mode'] })], [setup]).unexplained).toEqual([]);
    // The photo kept, or the same line after the set-up (a restart widens nothing), is not the set-up's.
    expect(auditLog([at(privacy, { widened: ['mode', 'storePhoto'] }), at(privacy, { widened: ['mode'] }, 500 + GRACE_MS + 1)], [setup]).unexplained).toHaveLength(2);
  });

  it('does not explain: the same retry outside any outage, a refused token (error level), or an outage blamed for a device problem', () => {
    const r = auditLog(
      [line('uplink: upload failed; will retry', 2000 + GRACE_MS + 1), line('uplink: heartbeat failed', 1500, 50), line('uplink: central refused the kiosk token; re-enrol the kiosk (kiosk central enroll) and update central.token', 1500, 50), line('idcard: problem', 1500)],
      [outage],
    );
    expect(r.unexplained.map((l) => l.msg)).toEqual(['uplink: upload failed; will retry', 'uplink: heartbeat failed', 'uplink: central refused the kiosk token; re-enrol the kiosk (kiosk central enroll) and update central.token', 'idcard: problem']);
  });
});

describe('the central check', () => {
  const shownResult = (id: string, decision: 'PASS' | 'HOLD', reasons: string[] = []): ShownResult => ({ id, decision, reasons, generation: 1, at: 0 });
  const row = (id: string, decision: 'PASS' | 'HOLD', reasons = ''): CentralRow => ({ id, decision, reasons });
  const shown = new Map([shownResult('a', 'PASS'), shownResult('b', 'HOLD', ['FEVER']), shownResult('c', 'PASS'), shownResult('d', 'HOLD', ['FEVER', 'WATCHLIST'])].map((s) => [s.id, s]));
  // 'e' was stored but never shown (abandoned).
  const stored = new Set(['a', 'b', 'c', 'd', 'e']);

  it('passes when central holds every stored screening once, as shown', () => {
    const c = compareWithCentral(shown, stored, [row('a', 'PASS'), row('b', 'HOLD', 'FEVER'), row('c', 'PASS'), row('d', 'HOLD', 'FEVER WATCHLIST'), { id: 'e', decision: null, reasons: '' }]);
    expect(c).toEqual({ missing: [], repeated: [], differ: [], storedNotOnCentral: [], unknownOnCentral: [], holdsShown: 2, holdsOnCentral: 2 });
  });

  it('finds a screening missing on central, one there twice, one changed, one never stored; a hold missing or doubled is not counted as arrived', () => {
    const c = compareWithCentral(shown, stored, [row('a', 'PASS'), row('b', 'HOLD', 'FEVER'), row('b', 'HOLD', 'FEVER'), row('c', 'HOLD', 'FEVER'), row('x', 'PASS'), { id: 'e', decision: null, reasons: '' }]);
    expect(c.missing).toEqual(['d']);
    expect(c.repeated).toEqual(['b']);
    expect(c.differ).toEqual(['c: shown PASS , on central HOLD FEVER']);
    expect(c.unknownOnCentral).toEqual(['x']);
    expect(c.storedNotOnCentral).toEqual(['d']);
    expect(c.holdsShown).toBe(2);
    expect(c.holdsOnCentral).toBe(0); // b is there twice, d not at all
  });
});

describe('growth at steady state', () => {
  it('slope: least squares, checked by hand on (0,1), (1,3), (2,5) → 2', () => {
    expect(slope([[0, 1], [1, 3], [2, 5]])).toBe(2);
    expect(slope([[1, 1]])).toBeNaN();
  });

  it('pools lifetimes by their own intercepts: two lifetimes each growing 1 MB per 10,000 give 1, whatever their starting sizes', () => {
    const samples: ResourceSample[] = [];
    for (const [generation, base] of [[1, 100e6], [2, 300e6]] as const) {
      for (let n = 0; n <= 20_000; n += 1000) samples.push({ generation, screenings: n, rssBytes: base + (n / 10_000) * 1e6, fds: 30, at: 0 });
    }
    const g = steadyGrowth(samples, 2000);
    expect(g.rssMbPer10k).toBeCloseTo(1, 9);
    expect(g.fdsPer10k).toBe(0);
    expect(g.fdRange).toBe(0);
    expect(g.screenings).toBe(2 * 18_000);
    expect(g.longestLifetime).toBe(18_000);
  });
});

describe('the travellers', () => {
  it('each has a distinct card number that the kiosk\'s own ID-number module accepts', () => {
    const numbers = Array.from({ length: 5000 }, (_, i) => travellerCard(i * 20).idNumber);
    expect(new Set(numbers).size).toBe(numbers.length);
    for (const n of numbers.slice(0, 200)) expect(isValidIdNumber('resident', n)).toBe(true);
  });
});
