import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CENTRAL_POLICY_FIELDS, withCentralPolicy } from '../../main/config/central-policy.js';
import { PolicyConfigSchema } from '../../main/config/kiosk-config.js';
import { decisionPolicyOf, policyVersionOf } from '../../main/engine/policy.js';
import { config, feed, identity, makeCard, makeEngine, SAMPLE_ID_HK } from '../fixtures/engine/harness.js';

/**
 * Central's policy (issue 11): the fields central may set, judged by the kiosk's own config schema,
 * laid over the kiosk's policy section, and put in force between screenings, never during one.
 */
beforeEach(() => {
  vi.useFakeTimers({ now: new Date('2026-11-28T09:00:00+08:00') });
});
afterEach(() => {
  vi.useRealTimers();
});

const local = config().policy;

describe('withCentralPolicy', () => {
  it('lays central’s fields over the kiosk’s policy section; the rest stays the kiosk’s', () => {
    const r = withCentralPolicy(local, { version: '2026-12-01.1', mode: 'soft', feverThresholdC: 37.0, colourActions: { blue: 'hold' }, watchlistMaxAgeHours: 48, staleWatchlist: 'pass-flagged' });
    expect(r).toEqual({
      ok: true,
      inForce: {
        version: '2026-12-01.1',
        policy: {
          ...local,
          mode: 'soft',
          feverThresholdC: 37.0,
          colourActions: { red: 'hold', orange: 'hold', yellow: 'hold-for-registration', blue: 'hold' },
          watchlistMaxAgeHours: 48,
          staleWatchlist: 'pass-flagged',
        },
      },
    });
    // The defaults of the configuration reference (docs/configuration.md) are what stays.
    expect(local).toMatchObject({ name: 'default', version: '1', remeasureOnce: true, invalidId: 'hold', cardExpired: 'hold' });
    expect(CENTRAL_POLICY_FIELDS).toEqual(['mode', 'feverThresholdC', 'colourActions', 'watchlistMaxAgeHours', 'staleWatchlist']);
  });

  it('refuses whole, naming the field: a field central may not set, a value outside the config’s range, no version', () => {
    expect(withCentralPolicy(local, { version: 'v2', invalidId: 'pass-with-notice' })).toEqual({ ok: false, problems: ['central policy: (top level): unknown field "invalidId"; fix: remove it or correct the spelling'] });
    // The configuration allows 36–40 °C (PolicyConfigSchema.feverThresholdC).
    expect(withCentralPolicy(local, { version: 'v2', feverThresholdC: 41 })).toEqual({ ok: false, problems: ['central policy: feverThresholdC: 41 is out of range; fix: use a value of at most 40'] });
    expect(withCentralPolicy(local, { version: 'v2', colourActions: { purple: 'hold' } })).toMatchObject({ ok: false, problems: [expect.stringContaining('unknown field "colourActions.purple"')] });
    expect(withCentralPolicy(local, { feverThresholdC: 37 })).toMatchObject({ ok: false, problems: [expect.stringMatching(/^central policy: version: missing/)] });
    // What the config schema itself refuses, central cannot set either.
    expect(PolicyConfigSchema.safeParse({ feverThresholdC: 41 }).success).toBe(false);
  });

  it('a record’s policy version names the kiosk’s policy and central’s', () => {
    const r = withCentralPolicy(local, { version: '2026-12-01.1', feverThresholdC: 37.0 });
    if (!r.ok) throw new Error(r.problems.join('; '));
    expect(policyVersionOf(decisionPolicyOf(config()))).toBe('default@1');
    expect(policyVersionOf(decisionPolicyOf(config(), r.inForce))).toBe('default@1+central@2026-12-01.1');
  });
});

describe('the engine swaps its policy between screenings', () => {
  const central = () => {
    const r = withCentralPolicy(local, { version: 'c1', feverThresholdC: 36.8 });
    if (!r.ok) throw new Error(r.problems.join('; '));
    return decisionPolicyOf(config(), r.inForce);
  };

  it('between screenings: the next decision is central’s', async () => {
    const h = makeEngine();
    h.engine.setPolicy(central());
    expect(h.engine.policyVersion).toBe('default@1+central@c1');
    h.engine.onIdentity(identity());
    await feed(h.engine, 37.0, 10); // 37.0 ≥ 36.8: a fever under central's threshold (37.3 locally)
    const [rec] = h.results();
    expect(rec!.decision).toBe('HOLD');
    expect(rec!.reasons.map((r) => r.code)).toContain('FEVER');
    expect(rec!.policyVersion).toBe('default@1+central@c1');
  });

  it('mid-screening: the screening under way ends under the policy it began with; the next one is central’s', async () => {
    const h = makeEngine();
    h.engine.onIdentity(identity());
    expect(h.engine.state).toBe('measuring');
    h.engine.setPolicy(central());
    expect(h.engine.policyVersion).toBe('default@1'); // not yet
    await feed(h.engine, 37.0, 10);
    const [first] = h.results();
    expect(first!.decision).toBe('PASS'); // 37.0 < 37.3, the policy it began with
    expect(first!.policyVersion).toBe('default@1');
    expect(h.engine.policyVersion).toBe('default@1+central@c1');
    h.engine.onIdentity(identity(makeCard({ idNumber: SAMPLE_ID_HK })));
    await feed(h.engine, 37.0, 10);
    const second = h.results()[1]!;
    expect(second.decision).toBe('HOLD');
    expect(second.reasons.map((r) => r.code)).toContain('FEVER');
    expect(second.policyVersion).toBe('default@1+central@c1');
  });
});
