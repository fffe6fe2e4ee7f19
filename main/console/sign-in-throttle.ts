/**
 * When a console sign-in may be tried (OWASP ASVS 2.2.1: anti-automation, at most 100 failed
 * attempts an hour). The facts (failures and their times) are kept by the store; this is the policy:
 *
 * - per account, counting failures since its last success or unlock (n):
 *   n ≤ 1 → no wait; 2 ≤ n < `lockAfter` → wait 2^(n−2) s after the last failure (1, 2, 4 s ...);
 *   n ≥ `lockAfter` → locked for `lockMs` after the last failure (each further failure locks again);
 * - for the whole kiosk: once `maxFailuresPerHour` failures lie within the last hour, nothing more is
 *   even checked until the oldest of them is an hour old. Refused attempts are not failures, so no
 *   60-minute window can ever hold more than `maxFailuresPerHour` failures.
 */
export interface ThrottlePolicy {
  lockAfter: number;
  lockMs: number;
  maxFailuresPerHour: number;
  maxDelayMs: number;
}

export const DEFAULT_THROTTLE: ThrottlePolicy = { lockAfter: 5, lockMs: 15 * 60_000, maxFailuresPerHour: 100, maxDelayMs: 60_000 };

const HOUR_MS = 3_600_000;

export interface ThrottleFacts {
  /** This account's failures since its last success or unlock, and when the last one was. */
  consecutiveFailures(accountId: string | null): { count: number; lastAtMs: number | null };
  /** Times of every failure at or after `sinceMs`, oldest first. */
  failuresSince(sinceMs: number): number[];
}

export type ThrottleVerdict =
  | { allowed: true }
  | { allowed: false; reason: 'wait' | 'locked' | 'rate-limit'; retryAfterMs: number };

/** The wait imposed after `n` consecutive failures (ms), or null when the account is locked instead. */
export function delayAfter(n: number, policy: ThrottlePolicy = DEFAULT_THROTTLE): number | null {
  if (n >= policy.lockAfter) return null;
  if (n < 2) return 0;
  return Math.min(2 ** (n - 2) * 1000, policy.maxDelayMs);
}

export class SignInThrottle {
  constructor(
    private readonly facts: ThrottleFacts,
    private readonly policy: ThrottlePolicy = DEFAULT_THROTTLE,
  ) {}

  check(accountId: string | null, nowMs: number): ThrottleVerdict {
    const recent = this.facts.failuresSince(nowMs - HOUR_MS + 1);
    if (recent.length >= this.policy.maxFailuresPerHour) {
      const oldest = recent[recent.length - this.policy.maxFailuresPerHour]!;
      return { allowed: false, reason: 'rate-limit', retryAfterMs: oldest + HOUR_MS - nowMs };
    }
    const { count, lastAtMs } = this.facts.consecutiveFailures(accountId);
    if (lastAtMs === null) return { allowed: true };
    const delay = delayAfter(count, this.policy);
    if (delay === null) {
      const until = lastAtMs + this.policy.lockMs;
      return until > nowMs ? { allowed: false, reason: 'locked', retryAfterMs: until - nowMs } : { allowed: true };
    }
    const until = lastAtMs + delay;
    return until > nowMs ? { allowed: false, reason: 'wait', retryAfterMs: until - nowMs } : { allowed: true };
  }
}
