import { EventEmitter } from 'node:events';
import type { Link, LinkEvents, LinkState } from './link.js';

export interface TapEvent {
  direction: 'rx' | 'tx';
  bytes: Buffer;
}


/**
 * A Link in front of another, made by a factory: the driver keeps this one while the link behind
 * it can be replaced — `reconnect()` closes it and opens a fresh one (the technician's "reconnect",
 * or another port chosen from the live list). Every byte in both directions is also emitted as
 * `tap` on `taps` (the serial monitor listens; nobody else needs to).
 *
 * State and data events of the inner link pass through; a replaced link's late events are ignored.
 */
export class TappedLink extends EventEmitter<LinkEvents> implements Link {
  /** Every byte both ways, for the technician's serial monitor. */
  readonly taps = new EventEmitter<{ tap: [TapEvent] }>();
  private inner: Link;
  private stateNow: LinkState;
  private opened = false;
  private closed = false;
  private readonly forward: { state: (s: LinkState) => void; data: (b: Buffer) => void };

  constructor(private factory: () => Link) {
    super();
    this.inner = factory();
    this.stateNow = this.inner.current;
    this.forward = {
      state: (s) => {
        this.stateNow = s;
        this.emit('state', s);
      },
      data: (b) => {
        if (this.taps.listenerCount('tap') > 0) this.taps.emit('tap', { direction: 'rx', bytes: Buffer.from(b) });
        this.emit('data', b);
      },
    };
    this.attach(this.inner);
  }

  get id(): string {
    return this.inner.id;
  }

  get current(): LinkState {
    return this.stateNow;
  }

  /** The link currently behind this one (tests; the bench reads its id). */
  get link(): Link {
    return this.inner;
  }

  async open(): Promise<void> {
    this.opened = true;
    await this.inner.open();
  }

  async write(bytes: Uint8Array): Promise<void> {
    await this.inner.write(bytes);
    if (this.taps.listenerCount('tap') > 0) this.taps.emit('tap', { direction: 'tx', bytes: Buffer.from(bytes) });
  }

  flushInput(): Promise<void> {
    return this.inner.flushInput();
  }

  noteAlive(): void {
    this.inner.noteAlive();
  }

  async setBaudRate(baudRate: number): Promise<void> {
    await this.inner.setBaudRate?.(baudRate);
  }

  /** Closes the link behind and opens a new one (from `factory`, or the original factory again). */
  async reconnect(factory?: () => Link): Promise<void> {
    if (this.closed) throw new Error(`link ${this.id} was closed`);
    if (factory) this.factory = factory;
    const old = this.inner;
    this.detach(old);
    await old.close().catch(() => undefined); // the old port is gone either way; its errors end with it
    this.inner = this.factory();
    this.attach(this.inner);
    this.forward.state({ state: 'offline', reason: 'reconnecting (technician)' });
    if (this.opened) await this.inner.open();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.inner.close();
  }

  private attach(link: Link): void {
    link.on('state', this.forward.state);
    link.on('data', this.forward.data);
  }

  private detach(link: Link): void {
    link.off('state', this.forward.state);
    link.off('data', this.forward.data);
  }
}
