/**
 * Time as the engine sees it: a monotonic clock for durations, a wall clock for records, and
 * timers. The default clock calls the global `setTimeout` at call time (not a captured reference),
 * so `vi.useFakeTimers()` drives it in tests.
 */
export interface TimerHandle {
  cancel(): void;
}

export interface Clock {
  /** Milliseconds from a monotonic source: never jumps when the wall clock is set. */
  monotonicMs(): number;
  /** Wall-clock time, for records and card/calibration expiry. */
  now(): Date;
  /** Calls `fn` once after `ms` milliseconds. */
  setTimer(ms: number, fn: () => void): TimerHandle;
}

export const systemClock: Clock = {
  monotonicMs: () => performance.now(),
  now: () => new Date(),
  setTimer(ms, fn) {
    const handle = setTimeout(fn, ms);
    return { cancel: () => clearTimeout(handle) };
  },
};

/**
 * A clock whose monotonic reading follows `Date.now()`: under fake timers both advance together,
 * so tests see consistent durations. Production uses `systemClock`.
 */
export const dateDrivenClock: Clock = {
  monotonicMs: () => Date.now(),
  now: () => new Date(),
  setTimer: systemClock.setTimer,
};

/** The local calendar date (YYYY-MM-DD) of a wall-clock time: ID cards expire on local dates. */
export function localDate(at: Date): string {
  const y = String(at.getFullYear()).padStart(4, '0');
  const m = String(at.getMonth() + 1).padStart(2, '0');
  const d = String(at.getDate()).padStart(2, '0');
  return `${y}-${m}-${d}`;
}
