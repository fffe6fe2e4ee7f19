import { describe, expect, it } from 'vitest';
import { DEFAULT_THROTTLE, delayAfter, SignInThrottle, type ThrottleFacts } from '../../main/console/sign-in-throttle.js';

/** The throttle's facts kept in memory, as the store keeps them in sign_in_attempts. */
class MemoryFacts implements ThrottleFacts {
  readonly attempts: Array<{ account: string | null; atMs: number; kind: 'failure' | 'success' | 'unlock' }> = [];
  consecutiveFailures(account: string | null) {
    let count = 0;
    let lastAtMs: number | null = null;
    for (let i = this.attempts.length - 1; i >= 0; i--) {
      const a = this.attempts[i]!;
      if (a.account !== account) continue;
      if (a.kind !== 'failure') break;
      count++;
      lastAtMs ??= a.atMs;
    }
    return { count, lastAtMs };
  }
  failuresSince(sinceMs: number) {
    return this.attempts.filter((a) => a.kind === 'failure' && a.atMs >= sinceMs).map((a) => a.atMs);
  }
}

const HOUR = 3_600_000;

describe('sign-in throttle', () => {
  it('waits grow 0, 0, 1, 2, 4 s after consecutive failures, then the account is locked for 15 minutes', () => {
    // Hand-computed from the policy: n ≤ 1 → 0; 2 ≤ n < 5 → 2^(n−2) s; n ≥ 5 → locked.
    expect([0, 1, 2, 3, 4].map((n) => delayAfter(n))).toEqual([0, 0, 1000, 2000, 4000]);
    expect(delayAfter(5)).toBeNull();
    const facts = new MemoryFacts();
    const throttle = new SignInThrottle(facts);
    let t = 1_000_000;
    expect(throttle.check('a', t)).toEqual({ allowed: true });
    facts.attempts.push({ account: 'a', atMs: t, kind: 'failure' });
    expect(throttle.check('a', t)).toEqual({ allowed: true });
    facts.attempts.push({ account: 'a', atMs: t, kind: 'failure' });
    expect(throttle.check('a', t + 400)).toEqual({ allowed: false, reason: 'wait', retryAfterMs: 600 });
    t += 1000;
    expect(throttle.check('a', t)).toEqual({ allowed: true });
    facts.attempts.push({ account: 'a', atMs: t, kind: 'failure' });
    expect(throttle.check('a', t + 1999)).toMatchObject({ allowed: false, reason: 'wait', retryAfterMs: 1 });
    t += 2000;
    facts.attempts.push({ account: 'a', atMs: t, kind: 'failure' });
    t += 4000;
    facts.attempts.push({ account: 'a', atMs: t, kind: 'failure' });
    expect(throttle.check('a', t + 60_000)).toEqual({ allowed: false, reason: 'locked', retryAfterMs: 15 * 60_000 - 60_000 });
    // Another account is not affected.
    expect(throttle.check('b', t + 60_000)).toEqual({ allowed: true });
    // After the lock: one more try; its failure locks again at once.
    expect(throttle.check('a', t + 15 * 60_000)).toEqual({ allowed: true });
    facts.attempts.push({ account: 'a', atMs: t + 15 * 60_000, kind: 'failure' });
    expect(throttle.check('a', t + 15 * 60_000 + 1)).toMatchObject({ allowed: false, reason: 'locked' });
  });

  it('a success or a technician unlock starts the count again', () => {
    const facts = new MemoryFacts();
    const throttle = new SignInThrottle(facts);
    for (let i = 0; i < 5; i++) facts.attempts.push({ account: 'a', atMs: 1000 * i, kind: 'failure' });
    expect(throttle.check('a', 5000)).toMatchObject({ reason: 'locked' });
    facts.attempts.push({ account: 'a', atMs: 6000, kind: 'unlock' });
    expect(throttle.check('a', 6000)).toEqual({ allowed: true });
    facts.attempts.push({ account: 'a', atMs: 7000, kind: 'failure' });
    expect(facts.consecutiveFailures('a').count).toBe(1);
  });

  it('never lets more than 100 failures into any hour, however many accounts an attacker cycles through', () => {
    const facts = new MemoryFacts();
    const throttle = new SignInThrottle(facts);
    // 60 accounts (and unknown names), each tried as soon as the throttle allows, for 5 hours, every 100 ms.
    const accounts = [...Array.from({ length: 60 }, (_, i) => `acct-${i}`), null];
    let refused = 0;
    for (let t = 0; t < 5 * HOUR; t += 100) {
      const account = accounts[(t / 100) % accounts.length]!;
      const v = throttle.check(account, t);
      if (v.allowed) facts.attempts.push({ account, atMs: t, kind: 'failure' });
      else refused++;
    }
    const failures = facts.attempts.map((a) => a.atMs);
    expect(failures.length).toBeGreaterThan(100); // the attacker did get tries over 5 hours ...
    let worst = 0;
    for (let i = 0, j = 0; i < failures.length; i++) {
      while (failures[i]! - failures[j]! >= HOUR) j++;
      worst = Math.max(worst, i - j + 1);
    }
    expect(worst).toBeLessThanOrEqual(DEFAULT_THROTTLE.maxFailuresPerHour); // ... but never more than 100 in any hour
    expect(worst).toBe(100);
    expect(refused).toBeGreaterThan(0);
  });
});
