import { EventEmitter } from 'node:events';
import { buildReadBaseReply, syntheticWlt } from '../idcard/card-text-encoder.js';
import type { IdCard, ResidentCard } from '../idcard/id-card.js';
import { buildSamFrame } from '../idcard/sam-frame.js';
import { SamFrameParser } from '../idcard/sam-frame-parser.js';
import type { SamFrame } from '../idcard/sam-frame.js';
import { SW3 } from '../idcard/sw3.js';
import type { ScenarioName, SimulatedDevice, SimulatedDeviceEvents } from './simulated-device.js';
import { seededRandom } from './seeded-random.js';

/** A fictitious resident card with the GB 11643 sample number (docs/protocols/sam-reader.md §7.3). */
export const DEFAULT_SIM_CARD: ResidentCard = {
  type: 'resident',
  name: '模拟测试',
  sex: 'female',
  sexCode: '2',
  nationCode: '01',
  nation: '汉',
  birthDate: '1949-12-31',
  address: '模拟省样本市示例区测试路1号',
  idNumber: '11010519491231002X',
  idNumberValid: true,
  issuer: '样本市公安局示例分局',
  validFrom: '2016-01-01',
  validUntil: 'long-term',
  photoWlt: syntheticWlt(),
  hasUnusualCharacters: false,
};

export interface IdCardSimulatorOptions {
  scenario: ScenarioName;
  /** The card placed on the reader. Default DEFAULT_SIM_CARD. */
  card?: IdCard;
  /** Multiplies every delay (script and replies). Tests use small values (0.05–0.2). Default 1. */
  timeScale?: number;
  /** Fingerprint bytes returned for `30 10` (0, 512 or 1024). Default none (0 bytes). */
  fingerprint?: Uint8Array;
  /** Seed of the noise generator (garbage scenario). Default 1. */
  seed?: number;
  /** The SAM fails its self-test: every command is answered with SW3 60. Default false. */
  selfTestFails?: boolean;
  /** Play the scenario's script on `start()`. False: the reader powers up empty and waits for `play()` or `placeCard()`. Default true. */
  autoPlay?: boolean;
}

/** Unscaled timings in ms: realistic but short. */
export const SIM_TIMINGS = {
  /** Card arrives after start. */
  placeAfter: 500,
  /** A card stays this long before it is lifted (normal, fever, garbage, slow). */
  dwell: 1500,
  /** bad-checksum: the person lifts the card after the failed read and puts it back. */
  liftAfterFailedRead: 4000,
  replaceAfterLift: 600,
  /** unplug: the half reply is on the wire this long before the cable is out. */
  partialBeforeUnplug: 20,
  /** unplug: how long the cable is out. */
  unplugFor: 1000,
  /** unplug: the card stays long enough to be read after the replug. */
  unplugDwell: 4000,
  /** Reply latency of control commands (status, find, select). */
  controlReply: 5,
  /** Read base info: RF authentication + transfer + 1295 bytes on the wire at 115200 (≈112 ms). */
  readReply: 300,
  /** slow: bytes per chunk and gap between chunks. */
  slowChunkBytes: 16,
  slowChunkGap: 4,
  /** After the last scripted event, the scenario is done. */
  tail: 500,
  /** no-card / card-left: total scenario length. */
  idleScenario: 2500,
} as const;

/**
 * A simulated SAM reader speaking real bytes: it parses host commands with SamFrameParser and
 * answers with frames built by buildSamFrame, like a SAM — status 90, find 9F when a card is
 * present and not yet read since it was placed (80 otherwise), select 90, read base 1295 bytes
 * (or the 30 10 variants), new address (91 unless the card has `newAddress`), and so on. See `SIM_TIMINGS` for the script.
 */
export class IdCardSimulator extends EventEmitter<SimulatedDeviceEvents> implements SimulatedDevice {
  readonly kind = 'idcard' as const;
  readonly scenario: ScenarioName;
  private card: IdCard;
  private readonly timeScale: number;
  private readonly fingerprint: Uint8Array;
  private readonly parser = new SamFrameParser();
  private readonly timers = new Set<NodeJS.Timeout>();
  private rng: () => number;
  private readonly selfTestFails: boolean;
  private readonly autoPlay: boolean;
  /** Timers of the script being played (a new `play()` replaces them). */
  private readonly scriptTimers = new Set<NodeJS.Timeout>();

  private cardPresent = false;
  /** The SAM answered a read for the present card: find says 80 until it is lifted. */
  private readSinceLift = false;
  private found = false;
  private selected = false;
  private readRepliesSent = 0;
  private unplugged = false;
  private running = false;
  /** Pending output (replies are sent in order even when chunked). */
  private sendChain: Promise<void> = Promise.resolve();

  constructor(opts: IdCardSimulatorOptions) {
    super();
    this.scenario = opts.scenario;
    this.card = opts.card ?? DEFAULT_SIM_CARD;
    this.timeScale = opts.timeScale ?? 1;
    if (!(this.timeScale > 0)) throw new TypeError(`timeScale must be > 0, got ${String(opts.timeScale)}`);
    this.fingerprint = opts.fingerprint ?? new Uint8Array(0);
    this.rng = seededRandom(opts.seed ?? 1);
    this.selfTestFails = opts.selfTestFails ?? false;
    this.autoPlay = opts.autoPlay ?? true;
    this.parser.on('data', (frame: SamFrame) => this.onCommand(frame));
    this.parser.on('rejected', (r) => {
      if (r.reason === 'checksum') this.reply([0x00, 0x00, SW3.COMMAND_CHECKSUM_ERROR]);
    });
  }

  /** Whether a card lies on the reader now (for tests and the sim CLI). */
  get hasCard(): boolean {
    return this.cardPresent;
  }

  receive(bytes: Buffer): void {
    if (!this.running || this.unplugged) return;
    this.parser.write(bytes);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    if (this.autoPlay) this.play();
    if (this.scenario === 'garbage') this.noiseLoop();
  }

  /**
   * Plays the scenario's script from now (`SIM_TIMINGS`), replacing one still playing; `done` at its
   * end. Each play is a fresh person: the first read of a play is the one `bad-checksum` corrupts.
   */
  play(): void {
    if (!this.running) return;
    for (const t of this.scriptTimers) clearTimeout(t);
    this.scriptTimers.clear();
    this.readRepliesSent = 0;
    const T = SIM_TIMINGS;
    const at = (ms: number, fn: () => void) => this.at(ms, fn, this.scriptTimers);
    switch (this.scenario) {
      case 'normal':
      case 'fever':
      case 'garbage':
      case 'slow':
        at(T.placeAfter, () => this.place());
        at(T.placeAfter + T.dwell, () => this.lift());
        at(T.placeAfter + T.dwell + T.tail, () => this.emit('done'));
        break;
      case 'no-card':
        at(T.idleScenario, () => this.emit('done'));
        break;
      case 'card-left':
        at(T.placeAfter, () => this.place());
        at(T.idleScenario, () => this.emit('done'));
        break;
      case 'bad-checksum': {
        const lift = T.placeAfter + T.liftAfterFailedRead;
        const back = lift + T.replaceAfterLift;
        at(T.placeAfter, () => this.place());
        at(lift, () => this.lift());
        at(back, () => this.place());
        at(back + T.dwell, () => this.lift());
        at(back + T.dwell + T.tail, () => this.emit('done'));
        break;
      }
      case 'unplug':
        at(T.placeAfter, () => this.place());
        at(T.placeAfter + T.unplugDwell, () => this.lift());
        at(T.placeAfter + T.unplugDwell + T.tail, () => this.emit('done'));
        break;
    }
  }

  /**
   * Someone lays a card on the reader (bench keys). `card` is that person's card (a different
   * traveller); without it, the card the reader was given. Nothing happens if one is there already.
   */
  placeCard(card?: IdCard): void {
    if (!this.running || this.cardPresent) return;
    if (card) this.card = card;
    this.place();
  }

  /** The card is taken off the reader (bench keys). */
  liftCard(): void {
    if (this.running && this.cardPresent) this.lift();
  }

  stop(): void {
    this.running = false;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.scriptTimers.clear();
    this.parser.reset();
  }

  private place(): void {
    this.cardPresent = true;
    this.readSinceLift = false;
    this.found = false;
    this.selected = false;
  }

  private lift(): void {
    this.cardPresent = false;
    this.readSinceLift = false;
    this.found = false;
    this.selected = false;
  }

  private onCommand(frame: SamFrame): void {
    const [cmd, para] = [frame.body[0], frame.body[1]];
    const status = (sw3: number) => this.reply([0x00, 0x00, sw3]);
    if (this.selfTestFails) return status(SW3.SELF_TEST_FAILED);
    switch (`${hex(cmd)} ${hex(para)}`) {
      case '10 FF': // reset
        this.found = false;
        this.selected = false;
        return status(SW3.SUCCESS);
      case '11 FF':
        return status(SW3.SUCCESS);
      case '12 FF': {
        const id = Buffer.alloc(16);
        id[0] = 5;
        id[2] = 1;
        id.writeUInt32LE(20260101, 4);
        id.writeUInt32LE(1234567, 8);
        id.writeUInt32LE(890123456, 12);
        return this.reply([0x00, 0x00, SW3.SUCCESS, ...id]);
      }
      case '20 01':
        if (this.cardPresent && !this.readSinceLift) {
          this.found = true;
          return this.reply([0x00, 0x00, SW3.CARD_FOUND, 0, 0, 0, 0]);
        }
        this.found = false;
        return status(SW3.NO_CARD);
      case '20 02':
        if (this.cardPresent && this.found) {
          this.selected = true;
          return this.reply([0x00, 0x00, SW3.SUCCESS, 0, 0, 0, 0, 0, 0, 0, 0]);
        }
        return status(SW3.SELECT_FAILED);
      case '30 01':
      case '30 10':
        return this.readBase(para === 0x10);
      case '30 03':
        if (!this.cardPresent || !this.readSinceLift) return status(SW3.READ_FAILED);
        if (!this.card.newAddress) return status(SW3.NO_CONTENT);
        return this.reply([0x00, 0x00, SW3.SUCCESS, ...newAddressBytes(this.card.newAddress)]);
      case '61 FF':
        return status(SW3.SUCCESS);
      default:
        if (cmd === 0x60 && para !== undefined && para <= 4) return status(SW3.SUCCESS);
        return status(SW3.UNKNOWN_COMMAND);
    }
  }

  private readBase(withFingerprint: boolean): void {
    if (!this.cardPresent || !this.selected) {
      this.reply([0x00, 0x00, SW3.READ_FAILED]);
      return;
    }
    this.selected = false;
    this.found = false;
    this.readSinceLift = true;
    const frame = buildReadBaseReply(this.card, withFingerprint ? { fingerprint: this.fingerprint } : {});
    this.readRepliesSent++;
    const first = this.readRepliesSent === 1;
    if (this.scenario === 'bad-checksum' && first) {
      frame[frame.length - 1]! ^= 0x5a;
    }
    if (this.scenario === 'unplug' && first) {
      // The cable is pulled while the reply is on the wire: part of it goes out, then nothing.
      // The part that made it reaches the host before the cable is out.
      this.send(frame.subarray(0, Math.floor(frame.length / 2)), SIM_TIMINGS.readReply, () =>
        this.at(SIM_TIMINGS.partialBeforeUnplug, () => this.unplug()),
      );
      return;
    }
    this.send(frame, SIM_TIMINGS.readReply);
  }

  private unplug(): void {
    const forMs = SIM_TIMINGS.unplugFor * this.timeScale;
    this.unplugged = true;
    this.parser.reset();
    // Power is lost: the SAM forgets the card state; the card is still on the reader.
    this.readSinceLift = false;
    this.found = false;
    this.selected = false;
    this.emit('unplug', { forMs });
    this.at(SIM_TIMINGS.unplugFor, () => {
      this.unplugged = false;
    });
  }

  private reply(body: number[]): void {
    this.send(buildSamFrame(body), SIM_TIMINGS.controlReply);
  }

  /** Queues `bytes` after `delay` (scaled), chunked and/or noisy per scenario. */
  private send(bytes: Buffer, delay: number, after?: () => void): void {
    this.sendChain = this.sendChain.then(async () => {
      await this.wait(delay);
      if (!this.running || this.unplugged) return;
      if (this.scenario === 'garbage') this.transmit(this.noise());
      if (this.scenario === 'slow') {
        for (let i = 0; i < bytes.length; i += SIM_TIMINGS.slowChunkBytes) {
          if (!this.running || this.unplugged) return;
          this.transmit(bytes.subarray(i, i + SIM_TIMINGS.slowChunkBytes));
          if (i + SIM_TIMINGS.slowChunkBytes < bytes.length) await this.wait(SIM_TIMINGS.slowChunkGap);
        }
      } else {
        this.transmit(bytes);
      }
      if (this.scenario === 'garbage') this.transmit(this.noise());
      after?.();
    });
  }

  private transmit(bytes: Buffer): void {
    if (bytes.length > 0) this.emit('transmit', Buffer.from(bytes));
  }

  /** Line noise between replies, every ~100 ms (garbage scenario). */
  private noiseLoop(): void {
    this.at(100, () => {
      if (!this.running) return;
      this.sendChain = this.sendChain.then(() => {
        if (this.running && !this.unplugged) this.transmit(this.noise());
      });
      this.noiseLoop();
    });
  }

  /** 1–12 random bytes that never contain the preamble's first byte AA (so noise cannot fake a frame start). */
  private noise(): Buffer {
    const n = 1 + Math.floor(this.rng() * 12);
    const out = Buffer.alloc(n);
    for (let i = 0; i < n; i++) {
      let b = Math.floor(this.rng() * 256);
      if (b === 0xaa) b = 0x55;
      out[i] = b;
    }
    return out;
  }

  private at(ms: number, fn: () => void, also?: Set<NodeJS.Timeout>): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      also?.delete(t);
      if (this.running) fn();
    }, ms * this.timeScale);
    this.timers.add(t);
    also?.add(t);
  }

  private wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.timers.delete(t);
        resolve();
      }, ms * this.timeScale);
      this.timers.add(t);
    });
  }
}

/** 70 bytes of UCS-2LE, right-padded with U+0020 (§5.7; the frame size is unconfirmed). */
function newAddressBytes(text: string): Buffer {
  const out = Buffer.alloc(70);
  for (let i = 0; i < 70; i += 2) out.writeUInt16LE(0x20, i);
  const bytes = Buffer.from(text, 'utf16le');
  if (bytes.length > 70) throw new RangeError(`new address needs ${bytes.length / 2} characters; the field holds 35`);
  bytes.copy(out, 0);
  return out;
}

function hex(n: number | undefined): string {
  return (n ?? 0).toString(16).padStart(2, '0').toUpperCase();
}

