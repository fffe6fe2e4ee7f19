/**
 * Serialises async work: one holder at a time, waiters served in arrival order. One mutex per
 * port keeps exactly one command in flight on a serial line (zigbee-herdsman's AsyncMutex shape).
 */
export class AsyncMutex {
  private tail: Promise<void> = Promise.resolve();
  private held = 0;

  /** True while a holder is running or waiting. */
  get locked(): boolean {
    return this.held > 0;
  }

  /** Runs `work` when every earlier holder has finished; a failing holder does not block the next. */
  run<T>(work: () => Promise<T>): Promise<T> {
    this.held += 1;
    const result = this.tail.then(work);
    this.tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result.finally(() => {
      this.held -= 1;
    });
  }
}
