/**
 * A typed registry of "wait for a matching inbound message" (zigbee-herdsman's Waitress shape).
 *
 * Two phases so a fast reply is never missed: `waitFor()` registers the matcher BEFORE the request
 * is written and returns a handle; `handle.promise` settles when a message matches, on timeout, or
 * when the waitress is cancelled (port closed). Timeouts use the injected timer functions so tests
 * can drive them with fake timers.
 */
export class WaitTimeoutError extends Error {
  constructor(
    readonly what: string,
    readonly timeoutMs: number,
  ) {
    super(`no reply to ${what} within ${timeoutMs} ms`);
    this.name = 'WaitTimeoutError';
  }
}

export class WaitCancelledError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'WaitCancelledError';
  }
}

export interface WaitHandle<T> {
  readonly id: number;
  readonly promise: Promise<T>;
  /** Stops waiting without settling as a timeout (the promise rejects with WaitCancelledError). */
  cancel(reason?: string): void;
}

interface Pending<M> {
  id: number;
  matches: (message: M) => boolean;
  resolve: (message: M) => void;
  reject: (err: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}

export class Waitress<M> {
  private nextId = 1;
  private readonly pending = new Map<number, Pending<M>>();

  /** Registers a waiter. `what` names the request in the timeout message. */
  waitFor(matches: (message: M) => boolean, timeoutMs: number, what: string): WaitHandle<M> {
    const id = this.nextId++;
    let entry!: Pending<M>;
    const promise = new Promise<M>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new WaitTimeoutError(what, timeoutMs));
      }, timeoutMs);
      entry = { id, matches, resolve, reject, timer };
    });
    this.pending.set(id, entry);
    return {
      id,
      promise,
      cancel: (reason = `wait for ${what} cancelled`) => this.settle(id, (p) => p.reject(new WaitCancelledError(reason))),
    };
  }

  /** Offers an inbound message; resolves the oldest matching waiter. Returns true if one matched. */
  resolve(message: M): boolean {
    for (const p of this.pending.values()) {
      if (p.matches(message)) {
        this.settle(p.id, (q) => q.resolve(message));
        return true;
      }
    }
    return false;
  }

  /** Rejects every waiter (the port went away). */
  cancelAll(reason: string): void {
    for (const id of [...this.pending.keys()]) this.settle(id, (p) => p.reject(new WaitCancelledError(reason)));
  }

  get size(): number {
    return this.pending.size;
  }

  private settle(id: number, act: (p: Pending<M>) => void): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    clearTimeout(p.timer);
    act(p);
  }
}
