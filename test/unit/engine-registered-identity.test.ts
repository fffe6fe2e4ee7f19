import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { config, feed, identity, makeEngine } from '../fixtures/engine/harness.js';

/** A person registered by staff (no readable card) enters the same workflow as a card read. */
const T = { identifyingMs: 10_000, measuringMs: 10_000, remeasuringMs: 20_000, resultMs: 3000 };

beforeEach(() => {
  vi.useFakeTimers({ now: new Date('2026-11-28T09:00:00+08:00') });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('registered identity', () => {
  it('from idle: identifying → measuring → PASS; the record has no card and carries the registration id', async () => {
    const h = makeEngine({ config: config({ screening: { timeouts: T } }) });
    h.engine.start();
    expect(h.engine.onRegisteredIdentity({ registrationId: 'reg-1', idNumber: 'E12345678', cardType: null })).toBe(true);
    expect(h.engine.state).toBe('measuring');
    await feed(h.engine, 36.5);
    expect(h.transitions().slice(0, 2)).toEqual(['idle>identifying:identity-registered', 'identifying>measuring:identity-accepted']);
    const [rec] = h.results();
    expect(rec).toMatchObject({ decision: 'PASS', card: null, registrationId: 'reg-1' });
    expect(h.events.find((e) => e.name === 'started')?.payload).toMatchObject({ trigger: 'registration' });
  });

  it('not while a screening is under way; a fever is held like any other', async () => {
    const h = makeEngine({ config: config({ screening: { timeouts: T } }) });
    h.engine.start();
    h.engine.onIdentity(identity());
    expect(h.engine.onRegisteredIdentity({ registrationId: 'reg-2', idNumber: 'E1', cardType: null })).toBe(false);
    await feed(h.engine, 36.5);
    await vi.advanceTimersByTimeAsync(T.resultMs);
    expect(h.engine.state).toBe('idle');
    expect(h.engine.onRegisteredIdentity({ registrationId: 'reg-3', idNumber: 'E12345678', cardType: null })).toBe(true);
    await feed(h.engine, 38.4);
    await feed(h.engine, 38.3);
    const rec = h.results().at(-1)!;
    expect(rec).toMatchObject({ decision: 'HOLD', registrationId: 'reg-3', fever: true });
    expect(rec.reasons.map((r) => r.code)).toContain('FEVER');
  });
});
