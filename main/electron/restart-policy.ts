/**
 * When to try again after a crash, and when to stop: the host supervisor and the renderer watchdog
 * share it. Failures in a row are counted; a run that lasted `stableMs` clears the count. Each
 * retry waits longer (the last delay repeats); after `maxFailures` in a row the caller gives up and
 * exits non-zero, so systemd applies its own restart backoff instead of a restart loop here.
 */
export interface RestartPolicyOptions {
  /** Delay before the 1st, 2nd ... retry; the last one repeats. */
  delaysMs: readonly number[];
  /** Give up at this many failures in a row. */
  maxFailures: number;
  /** A run at least this long counts as healthy: the next failure is the first again. */
  stableMs: number;
  now?: () => number;
}

export type RestartDecision = { action: 'retry'; delayMs: number; failures: number } | { action: 'give-up'; failures: number };

export class RestartPolicy {
  private failuresInRow = 0;
  private startedAt: number | null = null;
  private readonly now: () => number;

  constructor(private readonly opts: RestartPolicyOptions) {
    if (opts.delaysMs.length === 0 || opts.maxFailures < 1) throw new Error('a restart policy needs at least one delay and maxFailures >= 1');
    this.now = opts.now ?? (() => performance.now());
  }

  /** A (re)start began now. */
  started(): void {
    this.startedAt = this.now();
  }

  /** The current run failed: retry after a delay, or give up. */
  failed(): RestartDecision {
    if (this.startedAt !== null && this.now() - this.startedAt >= this.opts.stableMs) this.failuresInRow = 0;
    this.startedAt = null;
    this.failuresInRow += 1;
    if (this.failuresInRow >= this.opts.maxFailures) return { action: 'give-up', failures: this.failuresInRow };
    const delays = this.opts.delaysMs;
    return { action: 'retry', delayMs: delays[Math.min(this.failuresInRow - 1, delays.length - 1)]!, failures: this.failuresInRow };
  }
}
