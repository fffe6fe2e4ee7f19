import { EventEmitter } from 'node:events';
import type { IdCardSimulator } from './idcard-simulator.js';
import type { SimulatedDevice, SimulatedDeviceEvents } from './simulated-device.js';
import type { Subject, ThermometerSimulator } from './thermometer-simulator.js';

export interface BenchSessionOptions {
  /** A simulator built with `autoPlay: false`: powered up, answering, nobody there. */
  device: IdCardSimulator | ThermometerSimulator;
  /** Play the device's scenario in rounds; false = nobody comes unless a key brings them. */
  scripted: boolean;
  /** After a round, pause `pauseMs` and play it again, until stopped. */
  repeat: boolean;
  pauseMs: number;
  /**
   * When the first round starts: 'kiosk' = at the first bytes the kiosk sends (it has opened the port
   * and is listening); 'now' = at once (devices the kiosk never writes to, such as streaming ASCII modules).
   */
  startOn: 'kiosk' | 'now';
}

/** What a bench session reports besides the device's own events (`BenchSession.progress`). */
export interface BenchProgressEvents {
  /** A round of the scenario starts (1, 2, ...). */
  round: [number];
  /** The kiosk has spoken to the device for the first time. */
  kiosk: [];
  /** A round ended; the next starts in `ms` (repeat only). */
  pause: [{ ms: number }];
}

/**
 * A simulator on a technician's bench (`kiosk sim`): the scenario does not play into the void
 * before the kiosk has opened its port, plays again and again with `repeat`, and the technician
 * can place and lift a card or bring a normal or febrile person in front of the thermometer at any
 * time. Bytes and unplugs pass straight through to the device; `done` is emitted once a round ends
 * and no further round is coming.
 */
export class BenchSession extends EventEmitter<SimulatedDeviceEvents> implements SimulatedDevice {
  readonly kind: 'idcard' | 'thermometer';
  readonly progress = new EventEmitter<BenchProgressEvents>();
  private rounds = 0;
  private kioskSeen = false;
  private running = false;
  private pauseTimer: NodeJS.Timeout | undefined;
  private readonly onTransmit = (b: Buffer) => this.emit('transmit', b);
  private readonly onUnplug = (u: { forMs: number }) => this.emit('unplug', u);
  private readonly onDone = () => this.roundDone();

  constructor(private readonly opts: BenchSessionOptions) {
    super();
    this.kind = opts.device.kind;
  }

  get scenario() {
    return this.opts.device.scenario;
  }

  /** Rounds started so far. */
  get round(): number {
    return this.rounds;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    const d = this.opts.device;
    d.on('transmit', this.onTransmit);
    d.on('unplug', this.onUnplug);
    d.on('done', this.onDone);
    d.start();
    if (this.opts.startOn === 'now') this.playRound();
  }

  stop(): void {
    this.running = false;
    if (this.pauseTimer) clearTimeout(this.pauseTimer);
    this.pauseTimer = undefined;
    const d = this.opts.device;
    d.off('transmit', this.onTransmit);
    d.off('unplug', this.onUnplug);
    d.off('done', this.onDone);
    d.stop();
  }

  receive(bytes: Buffer): void {
    if (!this.running) return;
    if (!this.kioskSeen) {
      this.kioskSeen = true;
      this.progress.emit('kiosk');
      if (this.opts.startOn === 'kiosk') this.playRound();
    }
    this.opts.device.receive(bytes);
  }

  /** Plays the scenario again from its start, now (a pause in progress is cut short). */
  replay(): void {
    if (this.running && this.opts.scripted) this.playRound();
  }

  /** Bench key: a card is laid on the reader (card readers only; returns whether it applied). */
  placeCard(): boolean {
    if (this.opts.device.kind !== 'idcard') return false;
    (this.opts.device as IdCardSimulator).placeCard();
    return true;
  }

  liftCard(): boolean {
    if (this.opts.device.kind !== 'idcard') return false;
    (this.opts.device as IdCardSimulator).liftCard();
    return true;
  }

  /** Bench key: a normal or febrile person steps in front of the thermometer, or steps away ('none'). */
  present(subject: Subject): boolean {
    if (this.opts.device.kind !== 'thermometer') return false;
    (this.opts.device as ThermometerSimulator).present(subject);
    return true;
  }

  private playRound(): void {
    if (!this.running || !this.opts.scripted) return;
    if (this.pauseTimer) clearTimeout(this.pauseTimer);
    this.pauseTimer = undefined;
    this.rounds += 1;
    this.progress.emit('round', this.rounds);
    this.opts.device.play();
  }

  private roundDone(): void {
    if (!this.running) return;
    if (!this.opts.repeat) {
      this.emit('done');
      return;
    }
    this.progress.emit('pause', { ms: this.opts.pauseMs });
    this.pauseTimer = setTimeout(() => {
      this.pauseTimer = undefined;
      this.playRound();
    }, this.opts.pauseMs);
  }
}
