import { describe, expect, it } from 'vitest';
import { parseKioskConfig, type KioskConfig } from '../../main/config/kiosk-config.js';
import type { CalibrationState } from '../../main/engine/calibration-source.js';
import { decide, decisionPolicyOf, type DecisionIdentity, type DecisionInput, type DecisionPolicy } from '../../main/engine/policy.js';
import type { TemperatureEstimate, WatchColour } from '../../main/engine/screening-record.js';
import { watchlistSnapshot, type KeyRegion, type WatchlistEntry } from '../../main/engine/watchlist-source.js';
import { hasher, SAMPLE_ID } from '../fixtures/engine/harness.js';

const NOW = new Date('2026-11-28T10:00:00+08:00');
const FRESH = new Date(NOW.getTime() - 3_600_000).toISOString();

function policy(overrides: Record<string, unknown> = {}, calibration: Record<string, unknown> = {}): DecisionPolicy {
  const r = parseKioskConfig({ checkpoint: { id: 'cp', name: 'cp' }, policy: overrides, calibration });
  if (!r.ok) throw new Error(r.problems.join('; '));
  return decisionPolicyOf(r.config as KioskConfig);
}

function est(estimateC: number, attempt = 1): TemperatureEstimate {
  return { samples: [], medianC: estimateC, maxC: estimateC, estimateC, model: { name: 'constant-offset', params: { offsetC: 0 } }, calibrationId: 'cal-1', attempt };
}

const ID: DecisionIdentity = {
  idNumber: SAMPLE_ID,
  cardType: 'resident',
  idHmac: hasher.hashIdNumber(SAMPLE_ID),
  dates: { validFrom: '2016-01-01', validUntil: 'long-term', birthDate: '1949-12-31' },
};
const withDates = (dates: Partial<DecisionIdentity['dates']>): DecisionIdentity => ({ ...ID, dates: { ...ID.dates, ...dates } });

function input(over: Partial<DecisionInput> & { entries?: WatchlistEntry[]; keyRegions?: KeyRegion[]; refreshedAt?: string | null } = {}): DecisionInput {
  const { entries = [], keyRegions = [], refreshedAt = FRESH, ...rest } = over;
  return {
    requireIdentity: true,
    identity: ID,
    attempts: [est(36.6)],
    remeasureAvailable: true,
    watchlist: watchlistSnapshot(entries, keyRegions, refreshedAt),
    calibration: 'valid',
    now: NOW,
    duplicateOf: null,
    deviceFault: null,
    ...rest,
  };
}

const entry = (colour: WatchColour, id = SAMPLE_ID): WatchlistEntry => ({ hmac: hasher.hashIdNumber(id), colour, listId: `list-${colour}`, updatedAt: FRESH });
const codes = (d: ReturnType<typeof decide>) => d.reasons.map((r) => r.code);

describe('temperature threshold (default 37.3 °C, re-measure once)', () => {
  it.each([
    [36.0, 'final', 'PASS'],
    [37.29, 'final', 'PASS'],
    [37.3, 'remeasure', null],
    [39.5, 'remeasure', null],
  ] as const)('first attempt %s °C → %s %s', (c, next, decision) => {
    const d = decide(policy(), input({ attempts: [est(c)] }));
    expect(d.next).toBe(next);
    expect(d.decision).toBe(decision);
  });

  it.each([
    [[37.5, 37.3], 'HOLD', ['FEVER'], true],
    [[37.5, 37.2], 'PASS', ['REMEASURE'], false],
    [[38.5, 39.0], 'HOLD', ['FEVER'], true],
  ] as const)('attempts %j → %s %j', (values, decision, reasonCodes, fever) => {
    const d = decide(policy(), input({ attempts: values.map((v, i) => est(v, i + 1)), remeasureAvailable: false }));
    expect(d.decision).toBe(decision);
    expect(codes(d)).toEqual(reasonCodes);
    expect(d.fever).toBe(fever);
  });

  it('re-measure unavailable (timed out) → HOLD FEVER at once', () => {
    expect(decide(policy(), input({ attempts: [est(37.8)], remeasureAvailable: false }))).toMatchObject({ next: 'final', decision: 'HOLD', fever: true });
  });

  it('remeasureOnce false → HOLD on the first elevated attempt', () => {
    expect(decide(policy({ remeasureOnce: false }), input({ attempts: [est(37.3)] })).decision).toBe('HOLD');
  });

  it.each([
    [36.0, 36.0, 'remeasure'],
    [38.0, 37.9, 'final'],
    [40.0, 39.99, 'final'],
  ] as const)('threshold %s: %s °C → %s', (threshold, c, next) => {
    expect(decide(policy({ feverThresholdC: threshold }), input({ attempts: [est(c)] })).next).toBe(next);
  });

  it('no attempt → HOLD NO_TEMPERATURE with where it timed out', () => {
    const d = decide(policy(), input({ attempts: [], timedOutIn: 'measuring' }));
    expect(d.decision).toBe('HOLD');
    expect(d.reasons[0]).toMatchObject({ code: 'NO_TEMPERATURE', messageKey: 'reason.noTemperature', detail: { timedOutIn: 'measuring' } });
  });
});

describe('watchlist colours (matched by HMAC)', () => {
  it.each([
    ['red', 'HOLD', 'hold'],
    ['orange', 'HOLD', 'hold'],
    ['yellow', 'HOLD', 'hold-for-registration'],
    ['blue', 'PASS', 'pass-with-notice'],
  ] as const)('%s with default actions → %s (%s)', (colour, decision, action) => {
    const d = decide(policy(), input({ entries: [entry(colour)] }));
    expect(d.decision).toBe(decision);
    expect(d.colour).toBe(colour);
    expect(d.reasons[0]).toMatchObject({ code: 'WATCHLIST', colour, messageKey: 'reason.watchlist', detail: { listId: `list-${colour}`, action } });
    expect(d.flaggedForStaff).toBe(true);
  });

  it('each colour action is set by policy', () => {
    const p = policy({ colourActions: { red: 'pass-with-notice', blue: 'hold' } });
    expect(decide(p, input({ entries: [entry('red')] })).decision).toBe('PASS');
    expect(decide(p, input({ entries: [entry('blue')] })).decision).toBe('HOLD');
  });

  it('another person on the list does not match', () => {
    const d = decide(policy(), input({ entries: [entry('red', '810000199408230021')] }));
    expect(d.decision).toBe('PASS');
    expect(d.colour).toBeNull();
  });

  it('the most severe colour wins across lists and key regions', () => {
    const d = decide(policy(), input({ entries: [entry('blue'), entry('orange')], keyRegions: [{ prefix: '1101', colour: 'yellow' }] }));
    expect(d.colour).toBe('orange');
    expect(codes(d)).toEqual(['WATCHLIST', 'WATCHLIST', 'KEY_REGION']);
  });

  it('the list holds no plaintext: the snapshot is keyed by 64-hex HMACs', () => {
    const snap = watchlistSnapshot([entry('red')], [], FRESH);
    for (const k of snap.byHmac.keys()) {
      expect(k).toMatch(/^[0-9a-f]{64}$/);
      expect(k).not.toContain(SAMPLE_ID);
    }
  });
});

describe('key regions (prefix of the ID number)', () => {
  it.each([
    ['110105', 'red', 'HOLD', true],
    ['11', 'blue', 'PASS', true],
    ['4201', 'red', 'PASS', false],
  ] as const)('prefix %s (%s) → %s (matches: %s)', (prefix, colour, decision, matches) => {
    const d = decide(policy(), input({ keyRegions: [{ prefix, colour }] }));
    expect(d.decision).toBe(decision);
    expect(d.reasons).toEqual(matches ? [expect.objectContaining({ code: 'KEY_REGION', colour, detail: { prefix, action: colour === 'red' ? 'hold' : 'pass-with-notice' } })] : []);
  });

  it("a foreigner's 2023 number carries no region code: 9 + province 32 is not region 93", () => {
    const foreign: DecisionIdentity = { ...ID, idNumber: '932682198501010017', cardType: 'foreign-2023' };
    expect(decide(policy(), input({ identity: foreign, keyRegions: [{ prefix: '93', colour: 'red' }] })).reasons).toEqual([]);
  });
});

describe('card checks', () => {
  it('invalid ID number → HOLD INVALID_ID (or notice by policy)', () => {
    // Check character of 11010519491231002 is X (GB 11643 appendix), not 1.
    const bad = { ...ID, idNumber: '110105194912310021' };
    expect(codes(decide(policy(), input({ identity: bad })))).toEqual(['INVALID_ID']);
    expect(decide(policy(), input({ identity: bad })).reasons[0]!.detail).toEqual({ problem: 'check-character' });
    expect(decide(policy(), input({ identity: bad })).decision).toBe('HOLD');
    expect(decide(policy({ invalidId: 'pass-with-notice' }), input({ identity: bad })).decision).toBe('PASS');
  });

  it.each([
    ['2026-11-27', 'HOLD'],
    ['2026-11-28', 'PASS'], // valid through its last day
    ['2030-01-01', 'PASS'],
    ['long-term', 'PASS'],
  ] as const)('card valid until %s → %s', (validUntil, decision) => {
    expect(decide(policy(), input({ identity: withDates({ validUntil }) })).decision).toBe(decision);
  });

  it('a 2017 foreigner card (3 letters + 12 digits, no check character) is a valid number: PASS', () => {
    const foreign = { ...ID, idNumber: 'CAN110075010101', cardType: 'foreign-2017' as const };
    expect(decide(policy(), input({ identity: foreign }))).toMatchObject({ decision: 'PASS', reasons: [] });
    // The same number on a resident card is not a resident number.
    expect(codes(decide(policy(), input({ identity: { ...foreign, cardType: 'resident' } })))).toEqual(['INVALID_ID']);
  });

  // 9.10: dates were compared as strings: '2099-13-99' and 'ABCDEFGH' sort after today, and the
  // validity start was never looked at. Each is an INVALID_CARD_DATE with its reason, held by policy.invalidId.
  it.each([
    ['expiry 20991399', { validUntil: '20991399' }, 'validUntil', 'impossible-date'],
    ['expiry 2099-13-99 (as the old decoder reformatted it)', { validUntil: '2099-13-99' }, 'validUntil', 'impossible-date'],
    ['expiry ABCDEFGH', { validUntil: 'ABCDEFGH' }, 'validUntil', 'not-a-date'],
    ['expiry 30 February', { validUntil: '20270230' }, 'validUntil', 'impossible-date'],
    ['valid only from 2099', { validFrom: '20990101' }, 'validFrom', 'not-yet-valid'],
    ['valid from tomorrow', { validFrom: '2026-11-29' }, 'validFrom', 'not-yet-valid'],
    ['born in the future', { birthDate: '2030-01-01' }, 'birthDate', 'in-the-future'],
    ['blank expiry on a SAM card', { validUntil: '' }, 'validUntil', 'missing'],
    ['ends before it starts', { validFrom: '2020-01-01', validUntil: '2019-12-31' }, 'validUntil', 'ends-before-start'],
  ] as const)('9.10 card date accepted as a string compare: %s → HOLD INVALID_CARD_DATE', (_name, dates, field, problem) => {
    const d = decide(policy(), input({ identity: withDates(dates) }));
    expect(d.decision).toBe('HOLD');
    expect(d.reasons.find((r) => r.code === 'INVALID_CARD_DATE')).toMatchObject({ effect: 'hold', detail: { field, problem } });
    expect(decide(policy({ invalidId: 'pass-with-notice' }), input({ identity: withDates(dates) })).reasons.find((r) => r.code === 'INVALID_CARD_DATE')?.effect).toBe('notice');
  });

  it('several impossible dates on one card are one INVALID_CARD_DATE reason naming them all', () => {
    const d = decide(policy(), input({ identity: withDates({ validFrom: '20990101', validUntil: '20991399' }) }));
    expect(d.reasons).toEqual([expect.objectContaining({ code: 'INVALID_CARD_DATE', detail: { field: 'validUntil', problem: 'impossible-date', also: 'validFrom:not-yet-valid' } })]);
  });

  it('real dates pass: valid from today, a leap day, born today; a line reader gives no dates to check', () => {
    // NOW is 2026-11-28 in China (UTC+8); 2024 is a leap year.
    expect(decide(policy(), input({ identity: withDates({ validFrom: '20261128', birthDate: '2026-11-28' }) })).decision).toBe('PASS');
    expect(codes(decide(policy(), input({ identity: withDates({ validFrom: '20040229', validUntil: '20240229' }) })))).toEqual(['CARD_EXPIRED']);
    expect(decide(policy(), input({ identity: withDates({ validFrom: '2024-02-29', validUntil: '2044-02-29' }) })).decision).toBe('PASS');
    expect(decide(policy(), input({ identity: { ...ID, dates: { validFrom: null, validUntil: null, birthDate: null } } })).decision).toBe('PASS');
  });

  it('no identity where the mode needs one → HOLD NO_IDENTITY; temp-only → PASS', () => {
    expect(codes(decide(policy(), input({ identity: null })))).toEqual(['NO_IDENTITY']);
    expect(decide(policy(), input({ identity: null, requireIdentity: false })).decision).toBe('PASS');
  });
});

describe('watchlist age', () => {
  it.each([
    [FRESH, 'hold-for-staff', 'PASS', []],
    [new Date(NOW.getTime() - 25 * 3_600_000).toISOString(), 'hold-for-staff', 'HOLD', ['WATCHLIST_STALE']],
    [new Date(NOW.getTime() - 25 * 3_600_000).toISOString(), 'pass-flagged', 'PASS', ['WATCHLIST_STALE']],
    [null, 'hold-for-staff', 'HOLD', ['WATCHLIST_STALE']],
  ] as const)('refreshed %s, behaviour %s → %s', (refreshedAt, staleWatchlist, decision, reasonCodes) => {
    const d = decide(policy({ staleWatchlist }), input({ refreshedAt }));
    expect(d.decision).toBe(decision);
    expect(codes(d)).toEqual(reasonCodes);
  });

  it('9.10 a list refreshedAt in the future is accepted: beyond 5 minutes of clock skew it is stale with a reason', () => {
    const future = decide(policy(), input({ refreshedAt: new Date(NOW.getTime() + 3_600_000).toISOString() }));
    expect(future.decision).toBe('HOLD');
    expect(future.reasons[0]).toMatchObject({ code: 'WATCHLIST_STALE', detail: { problem: 'refreshed-in-the-future', ageHours: -1 } });
    // Two minutes ahead is clock skew between central and the kiosk, not a wrong date.
    expect(decide(policy(), input({ refreshedAt: new Date(NOW.getTime() + 120_000).toISOString() })).decision).toBe('PASS');
  });
});

describe('calibration', () => {
  it.each([
    ['valid', 'hold-for-staff', 'PASS', []],
    ['missing', 'hold-for-staff', 'HOLD', ['CALIBRATION_MISSING']],
    ['expired', 'hold-for-staff', 'HOLD', ['CALIBRATION_EXPIRED']],
    ['drift', 'hold-for-staff', 'HOLD', ['CALIBRATION_DRIFT']],
    ['missing', 'pass-with-warning', 'PASS', ['CALIBRATION_MISSING']],
    ['expired', 'pass-with-warning', 'PASS', ['CALIBRATION_EXPIRED']],
  ] as const)('%s with %s → %s', (state, behaviour, decision, reasonCodes) => {
    const d = decide(policy({}, { whenMissingOrExpired: behaviour }), input({ calibration: state as CalibrationState }));
    expect(d.decision).toBe(decision);
    expect(codes(d)).toEqual(reasonCodes);
  });
});

describe('HARD and SOFT modes', () => {
  it.each([
    ['hard', { entries: [entry('red')] }, 'HOLD'],
    ['soft', { entries: [entry('red')] }, 'PASS'],
    ['soft', { attempts: [est(38), est(38, 2)], remeasureAvailable: false }, 'PASS'],
    ['soft', { identity: withDates({ validUntil: '2000-01-01' }) }, 'PASS'],
    // SOFT never passes anyone unscreened, unidentified or after a device fault.
    ['soft', { attempts: [] }, 'HOLD'],
    ['soft', { identity: null }, 'HOLD'],
    ['soft', { deviceFault: 'thermo-0' }, 'HOLD'],
    ['soft', { attempts: [], entries: [entry('red')] }, 'HOLD'],
  ] as const)('%s, %j → %s', (mode, over, decision) => {
    const d = decide(policy({ mode }), input(over as Partial<DecisionInput>));
    expect(d.decision).toBe(decision);
    expect(d.mode).toBe(mode);
    expect(d.flaggedForStaff).toBe(true);
  });
});

describe('combinations', () => {
  it('fever + red watchlist + expired card + duplicate: all reasons, HOLD, colour red', () => {
    const d = decide(
      policy(),
      input({ attempts: [est(38.2), est(38.4, 2)], remeasureAvailable: false, entries: [entry('red')], identity: withDates({ validUntil: '2020-01-01' }), duplicateOf: 'prev-id' }),
    );
    expect(d.decision).toBe('HOLD');
    expect(d.colour).toBe('red');
    expect(codes(d)).toEqual(['FEVER', 'CARD_EXPIRED', 'WATCHLIST', 'DUPLICATE']);
    expect(d.reasons.map((r) => r.effect)).toEqual(['hold', 'hold', 'hold', 'notice']);
  });

  it('device fault with an elevated reading does not ask for a re-measure', () => {
    const d = decide(policy(), input({ attempts: [est(38)], deviceFault: 'thermo-0' }));
    expect(d).toMatchObject({ next: 'final', decision: 'HOLD' });
    expect(codes(d)).toEqual(['DEVICE_FAULT', 'FEVER']);
  });

  it('blue notice + duplicate → PASS flagged for staff; a clean case is not flagged', () => {
    expect(decide(policy(), input({ entries: [entry('blue')], duplicateOf: 'x' }))).toMatchObject({ decision: 'PASS', flaggedForStaff: true });
    expect(decide(policy(), input())).toMatchObject({ decision: 'PASS', flaggedForStaff: false, reasons: [], policyVersion: 'default@1' });
  });

  it('is pure: the same input gives the same output', () => {
    const i = input({ entries: [entry('yellow')], keyRegions: [{ prefix: '1101', colour: 'blue' }] });
    expect(decide(policy(), i)).toEqual(decide(policy(), i));
  });
});
