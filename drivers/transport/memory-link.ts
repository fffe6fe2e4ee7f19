import { EventEmitter } from 'node:events';
import type { SimulatedDevice } from '../sim/simulated-device.js';
import type { Link, LinkEvents, LinkState } from './link.js';

export interface MemoryLinkOptions {
  /** Shown as the link id and online path (`memory:<name>`). Default: the device kind. */
  name?: string;
}

/**
 * A Link wired in-process to a SimulatedDevice: what the host writes goes to `device.receive`, what
 * the device transmits arrives as `data`. Bytes cross asynchronously (a microtask), like a port,
 * so a driver never sees a reply inside its own `write` call.
 *
 * The device's `unplug` event is honoured as a cable pull: the link goes offline with a reason,
 * bytes in both directions are dropped, and after `forMs` it reconnects by itself.
 *
 * The link does not start or stop the device: whoever made the device owns its script.
 */
export class MemoryLink extends EventEmitter<LinkEvents> implements Link {
  readonly id: string;
  private stateNow: LinkState = { state: 'offline', reason: 'not opened yet' };
  private attempt = 0;
  private replugTimer: NodeJS.Timeout | undefined;
  /** Bumped by flushInput/unplug/close: deliveries queued before are dropped. */
  private epoch = 0;
  private opened = false;
  private closed = false;
  private readonly onTransmit = (bytes: Buffer) => this.deliver(bytes);
  private readonly onUnplug = ({ forMs }: { forMs: number }) => this.unplug(forMs);

  constructor(
    readonly device: SimulatedDevice,
    options: MemoryLinkOptions = {},
  ) {
    super();
    this.id = `memory:${options.name ?? device.kind}`;
  }

  get current(): LinkState {
    return this.stateNow;
  }

  async open(): Promise<void> {
    if (this.closed) throw new Error(`link ${this.id} was closed; create a new MemoryLink`);
    if (this.opened) return;
    this.opened = true;
    this.device.on('transmit', this.onTransmit);
    this.device.on('unplug', this.onUnplug);
    this.plugIn();
  }

  async write(bytes: Uint8Array): Promise<void> {
    if (this.stateNow.state !== 'online') {
      throw new Error(`link ${this.id} is ${this.stateNow.state}${this.stateNow.state === 'offline' ? `: ${this.stateNow.reason}` : ''}`);
    }
    const copy = Buffer.from(bytes);
    const epoch = this.epoch;
    queueMicrotask(() => {
      if (epoch === this.epoch && this.stateNow.state === 'online') this.device.receive(copy);
    });
  }

  async flushInput(): Promise<void> {
    this.epoch++;
  }

  noteAlive(): void {
    // An in-process device cannot vanish silently: unplugs are announced, so no watchdog is needed.
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.epoch++;
    if (this.replugTimer) clearTimeout(this.replugTimer);
    this.replugTimer = undefined;
    this.device.off('transmit', this.onTransmit);
    this.device.off('unplug', this.onUnplug);
    this.setState({ state: 'offline', reason: 'closed by host' });
  }

  private deliver(bytes: Buffer): void {
    if (this.stateNow.state !== 'online') return; // nobody is listening on an unplugged cable
    const copy = Buffer.from(bytes);
    const epoch = this.epoch;
    queueMicrotask(() => {
      if (epoch === this.epoch && this.stateNow.state === 'online') this.emit('data', copy);
    });
  }

  private unplug(forMs: number): void {
    if (this.closed) return;
    this.epoch++;
    if (this.replugTimer) clearTimeout(this.replugTimer);
    this.setState({ state: 'offline', reason: `device unplugged (simulated, back in ${forMs} ms)`, retryInMs: forMs });
    this.replugTimer = setTimeout(() => {
      this.replugTimer = undefined;
      this.plugIn();
    }, forMs);
  }

  private plugIn(): void {
    if (this.closed) return;
    this.attempt++;
    this.setState({ state: 'connecting', attempt: this.attempt });
    this.attempt = 0;
    this.setState({ state: 'online', path: this.id });
  }

  private setState(state: LinkState): void {
    this.stateNow = state;
    this.emit('state', state);
  }
}
