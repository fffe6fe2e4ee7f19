import { circuitBreaker, ConsecutiveBreaker, ExponentialBackoff, fullJitterGenerator, handleAll, isBrokenCircuitError, type IBackoff } from 'cockatiel';
import { EventEmitter } from 'node:events';
import { MAX_BATCH_BYTES, MAX_BATCH_RECORDS, uploadContentHash, type RecordResult, type UploadItem } from '../../central/api.js';
import type { Logger } from '../host/logger.js';
import type { Outbox, OutboxItem } from '../store/outbox.js';
import { CentralRequestError, type CentralClient } from './central-client.js';

export interface UploadDispatcherOptions {
  outbox: Outbox;
  client: Pick<CentralClient, 'upload'>;
  log: Logger;
  /** Backoff after a failed attempt: full jitter between 0 and min(maxDelayMs, initialDelayMs·2^n) (default 1 s … 5 min). */
  initialDelayMs?: number;
  maxDelayMs?: number;
  /** The circuit opens after this many failed attempts in a row (default 5) ... */
  breakerThreshold?: number;
  /** ... and lets one attempt through after this long (default 60 s). */
  halfOpenAfterMs?: number;
  /** With nothing due, look again this often (default 5 s): catches rows whose retry time came. */
  idlePollMs?: number;
  /** Collect a burst of new records this long before sending (default 20 ms). */
  coalesceMs?: number;
  /** Batches on the wire at once (default 3): while central stores one, the next is prepared and sent. */
  maxInFlight?: number;
  /** How long a batch on the wire keeps its rows from being handed out again (default 60 s; the request timeout is shorter). */
  leaseMs?: number;
  now?: () => number;
}

export interface UploadDispatcherEvents {
  /** A batch went through: how many were acknowledged and dead-lettered. */
  batch: [{ acknowledged: number; dead: number; retry: number; ms: number }];
  /** A record central refused for good (conflict, invalid): the technician sees it in the dead letters. */
  'dead-letter': [{ idempotencyKey: string; kind: string; reason: string }];
  /** An attempt failed; the next is not before `retryAt`. */
  failure: [{ error: string; retryAt: number; consecutive: number }];
  /** The circuit opened (central looks down) or closed again. */
  circuit: ['open' | 'closed'];
  /** Nothing is due any more (the backlog is drained, or waits for retries). */
  idle: [];
}

/**
 * Sends the outbox to central in batches of due rows, urgent first (holds, fevers, staff
 * resolutions), at most 100 records or 256 KiB of JSON, up to `maxInFlight` batches on the wire
 * (their rows leased meanwhile, so none is in two batches). Each row is frozen before its first send
 * (time and content hash: its content never changes afterwards, so every retry is the same request
 * central may already hold), and carries its record id as the idempotency key.
 *
 * Per record: stored/duplicate → acknowledged (payload erased; retention may purge it later);
 * conflict/invalid → dead letter (kept, shown to the technician, never silently dropped, never
 * blocking later rows). Per attempt: network errors, timeouts, garbage, 408/429/5xx → everything in
 * the batch waits for a backoff with full jitter (cockatiel), or for Retry-After when central sends
 * one; a circuit breaker stops attempts for a while after repeated failures. 413 halves the batch;
 * a 400 for a batch sends its rows one by one so the bad one is found.
 *
 * Woken by every enqueue (a hold reaches central within a second when online), by its idle poll, and
 * at start.
 */
export class UploadDispatcher extends EventEmitter<UploadDispatcherEvents> {
  private readonly opts: Required<Omit<UploadDispatcherOptions, 'outbox' | 'client' | 'log'>> & Pick<UploadDispatcherOptions, 'outbox' | 'client' | 'log'>;
  private readonly backoffFactory: ExponentialBackoff<unknown>;
  private readonly breaker;
  private backoff: IBackoff<unknown> | undefined;
  private consecutiveFailures = 0;
  private retryAt = 0;
  private maxRecords = MAX_BATCH_RECORDS;
  private running = false;
  private loop: Promise<void> | null = null;
  private wakeUp: (() => void) | null = null;
  private woken = false;
  private readonly abort = new AbortController();
  private readonly inFlight = new Set<Promise<void>>();
  private unsubscribe: (() => void) | null = null;

  constructor(options: UploadDispatcherOptions) {
    super();
    this.opts = {
      initialDelayMs: 1000,
      maxDelayMs: 300_000,
      breakerThreshold: 5,
      halfOpenAfterMs: 60_000,
      idlePollMs: 5000,
      coalesceMs: 20,
      maxInFlight: 3,
      leaseMs: 60_000,
      now: Date.now,
      ...options,
    };
    this.backoffFactory = new ExponentialBackoff({ generator: fullJitterGenerator, initialDelay: this.opts.initialDelayMs, maxDelay: this.opts.maxDelayMs });
    this.breaker = circuitBreaker(handleAll, { halfOpenAfter: this.opts.halfOpenAfterMs, breaker: new ConsecutiveBreaker(this.opts.breakerThreshold) });
    this.breaker.onBreak(() => {
      this.opts.log.warn({ after: this.opts.breakerThreshold }, 'uplink: circuit open — central keeps failing; attempts paused');
      this.emit('circuit', 'open');
    });
    this.breaker.onReset(() => {
      this.opts.log.info({}, 'uplink: circuit closed — central answers again');
      this.emit('circuit', 'closed');
    });
  }

  get circuitOpen(): boolean {
    return this.breaker.state !== 0; // CircuitState.Closed
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.unsubscribe = this.opts.outbox.onEnqueue(() => this.wake());
    this.opts.outbox.releaseLeases(this.opts.now());
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.unsubscribe?.();
    this.abort.abort();
    this.wake();
    await this.loop;
    await Promise.allSettled([...this.inFlight]);
  }

  /** Look at the outbox now (a new record, a technician's requeue, connectivity back). */
  wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  private sleep(ms: number): Promise<void> {
    if (this.woken || !this.running) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, Math.max(0, ms));
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = done;
    }).then(() => {
      this.wakeUp = null;
    });
  }

  private async run(): Promise<void> {
    while (this.running) {
      try {
        await this.step();
      } catch (err) {
        // A store error (disk, lock) must not end the loop or reach the process: log, back off, go on.
        this.consecutiveFailures++;
        this.backoff = (this.backoff ?? this.backoffFactory).next(undefined);
        this.retryAt = this.opts.now() + this.backoff.duration;
        this.opts.log.error({ err: err instanceof Error ? err.message : String(err), retryInMs: this.backoff.duration }, 'uplink: the outbox could not be read; will retry');
      }
    }
  }

  private async step(): Promise<void> {
    const now = this.opts.now();
    if (this.retryAt > now) {
      // Backing off: a new record does not cut the wait short (that is the point of backing off).
      this.woken = false;
      await this.sleep(this.retryAt - now);
      return;
    }
    if (this.inFlight.size >= this.opts.maxInFlight) {
      await Promise.race(this.inFlight);
      return;
    }
    this.woken = false;
    const batch = this.nextBatch();
    if (batch.length === 0) {
      if (this.inFlight.size > 0) {
        // The rest is on the wire: wait for one answer (or a new record) before looking again.
        await Promise.race([...this.inFlight, this.sleep(this.opts.idlePollMs)]);
        return;
      }
      this.emit('idle');
      const due = this.opts.outbox.nextDueAt();
      await this.sleep(due === null ? this.opts.idlePollMs : Math.min(this.opts.idlePollMs, Math.max(0, due - this.opts.now())));
      if (this.woken) await new Promise((r) => setTimeout(r, this.opts.coalesceMs));
      return;
    }
    const sending = this.send(batch).finally(() => {
      this.inFlight.delete(sending);
      this.wake();
    });
    this.inFlight.add(sending);
  }

  /** Due rows in priority order, within the record and byte limits; a row too big to ever send is dead-lettered. */
  private nextBatch(): Array<{ row: OutboxItem; item: UploadItem; sha256: string }> {
    const rows = this.opts.outbox.nextBatch(this.maxRecords, this.opts.now());
    const out: Array<{ row: OutboxItem; item: UploadItem; sha256: string }> = [];
    let bytes = '{"records":[]}'.length;
    for (const row of rows) {
      const item: UploadItem = { id: row.idempotencyKey, kind: row.kind, schemaVersion: row.payload.schemaVersion, record: row.payload.record as Record<string, unknown> };
      const size = Buffer.byteLength(JSON.stringify(item)) + 1;
      if (size + '{"records":[]}'.length > MAX_BATCH_BYTES) {
        this.deadLetter(row, `record is ${size} bytes, more than one upload may carry (${MAX_BATCH_BYTES})`);
        continue;
      }
      if (bytes + size > MAX_BATCH_BYTES) break;
      bytes += size;
      out.push({ row, item, sha256: uploadContentHash(item) });
    }
    return out;
  }

  private async send(batch: Array<{ row: OutboxItem; item: UploadItem; sha256: string }>): Promise<void> {
    const started = this.opts.now();
    // Freeze before the first byte leaves: a row whose content no longer matches what went out is never resent.
    const changed = new Set(this.opts.outbox.markSent(batch.map((b) => ({ idempotencyKey: b.row.idempotencyKey, sha256: b.sha256 })), started, started + this.opts.leaseMs));
    for (const b of batch) if (changed.has(b.row.idempotencyKey)) this.deadLetter(b.row, 'content differs from what was first sent (a record is frozen once sent)');
    const sending = batch.filter((b) => !changed.has(b.row.idempotencyKey));
    if (sending.length === 0) return;
    try {
      const res = await this.breaker.execute(() => this.opts.client.upload({ records: sending.map((b) => b.item) }, this.abort.signal));
      this.succeeded();
      this.apply(sending, res.results, this.opts.now() - started);
    } catch (err) {
      if (!this.running) return; // stopped mid-request: the rows stay pending, due when their lease ends
      this.failed(sending, err);
    }
  }

  private apply(batch: Array<{ row: OutboxItem; item: UploadItem }>, results: readonly RecordResult[], ms: number): void {
    const byId = new Map(results.map((r) => [r.id, r]));
    const ack: string[] = [];
    let dead = 0;
    let retry = 0;
    for (const { row } of batch) {
      const r = byId.get(row.idempotencyKey);
      if (!r) {
        retry++;
        this.opts.outbox.markFailed(row.idempotencyKey, 'central sent no result for this record', this.opts.now() + this.opts.initialDelayMs);
      } else if (r.status === 'stored' || r.status === 'duplicate') ack.push(row.idempotencyKey);
      else {
        dead++;
        this.deadLetter(row, `${r.status}: ${r.error ?? 'refused by central'}`);
      }
    }
    this.opts.outbox.markAcknowledged(ack);
    if (this.maxRecords < MAX_BATCH_RECORDS) this.maxRecords = Math.min(MAX_BATCH_RECORDS, this.maxRecords * 2);
    this.opts.log.debug({ acknowledged: ack.length, dead, retry, ms }, 'uplink: batch delivered');
    this.emit('batch', { acknowledged: ack.length, dead, retry, ms });
  }

  private succeeded(): void {
    this.backoff = undefined;
    this.consecutiveFailures = 0;
    this.retryAt = 0;
  }

  private failed(batch: Array<{ row: OutboxItem }>, err: unknown): void {
    const now = this.opts.now();
    const release = () => {
      for (const { row } of batch) this.opts.outbox.markFailed(row.idempotencyKey, err instanceof Error ? err.message : String(err), now);
    };
    if (err instanceof CentralRequestError && !err.retryable) {
      if (err.status === 413 && batch.length > 1) {
        release();
        this.maxRecords = Math.max(1, Math.floor(batch.length / 2));
        this.opts.log.warn({ records: batch.length, next: this.maxRecords }, 'uplink: central refused the batch as too large; sending smaller batches');
        return;
      }
      if ((err.status === 400 || err.status === 413 || err.status === 422) && batch.length > 1) {
        release();
        this.maxRecords = 1;
        this.opts.log.warn({ records: batch.length, status: err.status }, 'uplink: central refused the batch; sending its records one by one to find the bad one');
        return;
      }
      if (err.status === 400 || err.status === 413 || err.status === 422) {
        for (const { row } of batch) this.deadLetter(row, err.message);
        return;
      }
    }
    // Everything else waits and is tried again: the record is not at fault (401/403 included: fix the token).
    this.consecutiveFailures++;
    this.backoff = (this.backoff ?? this.backoffFactory).next(undefined);
    const fromRetryAfter = err instanceof CentralRequestError ? err.retryAfterMs : null;
    const delay = fromRetryAfter ?? (isBrokenCircuitError(err) ? this.opts.halfOpenAfterMs : this.backoff.duration);
    this.retryAt = now + delay;
    const message = err instanceof Error ? err.message : String(err);
    for (const { row } of batch) this.opts.outbox.markFailed(row.idempotencyKey, message, this.retryAt);
    const level = err instanceof CentralRequestError && (err.status === 401 || err.status === 403) ? 'error' : 'warn';
    this.opts.log[level]({ err: message, records: batch.length, retryInMs: delay, consecutive: this.consecutiveFailures }, level === 'error' ? 'uplink: central refused the kiosk token; re-enrol the kiosk (kiosk central enroll) and update central.token' : 'uplink: upload failed; will retry');
    this.emit('failure', { error: message, retryAt: this.retryAt, consecutive: this.consecutiveFailures });
  }

  private deadLetter(row: OutboxItem, reason: string): void {
    this.opts.outbox.markDead(row.idempotencyKey, reason);
    this.opts.log.error({ recordId: row.idempotencyKey, kind: row.kind, reason }, 'uplink: record refused for good; kept as a dead letter for the technician');
    this.emit('dead-letter', { idempotencyKey: row.idempotencyKey, kind: row.kind, reason });
  }
}
