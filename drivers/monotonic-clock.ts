/** Milliseconds from a monotonic clock (never jumps with wall-clock changes). */
export type MonotonicClock = () => number;

export const monotonicNow: MonotonicClock = () => performance.now();
