import { EventEmitter } from 'node:events';
import type { DeviceStatus } from '../device-status.js';
import { monotonicNow, type MonotonicClock } from '../monotonic-clock.js';
import { WaitTimeoutError } from '../protocol/waitress.js';
import type { Link, LinkState } from '../transport/link.js';
import { decodeUcs2, trimPadding } from './card-text-decoder.js';
import type { IdentityRead } from './id-card.js';
import { decodeReadBasePayload } from './read-base-reply.js';
import { formatSamId, SAM_COMMANDS, SAM_PROBE_RATES, type SamCommand } from './sam-commands.js';
import { SamCorruptReplyError, SamProtocol, type SamTimeouts } from './sam-protocol.js';
import type { SamResponse } from './sam-response.js';
import { describeSw3, hex2, SW3 } from './sw3.js';

export interface IdCardDriverOptions {
  link: Link;
  deviceId: string;
  /** Pause between find-card polls. Default 300 ms (no faster, per vendor advice). */
  pollIntervalMs?: number;
  timeouts?: Partial<SamTimeouts>;
  /** Read with `30 10` (base info + fingerprint) instead of `30 01`. Default false. */
  readFingerprint?: boolean;
  /** After a read, also ask for the appended address (`30 03`). Default false. */
  readNewAddress?: boolean;
  clock?: MonotonicClock;
  /** Periodic SAM status check (`11 FF`) while online. Default 3000 ms. */
  statusCheckEveryMs?: number;
  /**
   * When the SAM does not answer the status command and the link can change speed
   * (`link.setBaudRate`), try the next rate in the probe order 115200, 57600, 38400, 19200, 9600
   * (a rate set earlier persists in the SAM; docs/protocols/sam-reader.md §1). Default false.
   */
  probeBaudRates?: boolean;
  /** Send `61 FF 50` (cap each RF transfer at 80 bytes) after the first status 90, as hevz does. Default false. */
  setMaxRfBytes?: boolean;
  /** Consecutive unanswered commands before the device is reported offline ('no reply'). Default 3. */
  timeoutsBeforeOffline?: number;
}

export type IdCardProblemCode = 'read-failed' | 'sam-fault' | 'timeout' | 'bad-reply';

export interface IdCardDriverEvents {
  identity: [IdentityRead];
  /** A card was found and selected; its read is under way (UIs show "reading"). No card data. */
  'card-found': [{ deviceId: string; monotonicMs: number }];
  status: [DeviceStatus];
  problem: [{ code: IdCardProblemCode; message: string }];
}

const REMOVE_CARD = 'remove the card and place it again';

/**
 * The SAM ID-card reader driver.
 *
 * Startup: status `11 FF` (SW3 60 → offline 'SAM self-test failed'; optional rate probing), optional
 * `61 FF 50`, then the SAM id `12 FF` once.
 * Poll loop: find `20 01` → on 9F select `20 02` → on 90 read `30 01` (or `30 10`) → optional `30 03`.
 * A card is read ONCE and not again until it has been lifted: at least one find answered 80 after
 * the last read (the SAM itself answers 80 for a card already read; docs/protocols/sam-reader.md §11 item 1).
 * Reading errors become `problem` events (prompt: remove the card), the loop keeps going. Timeouts
 * never throw; repeated ones report the device offline ('no reply'). Link outages are followed
 * (status events) and the driver resumes by itself. No personal data is ever put in a message.
 */
export class IdCardDriver extends EventEmitter<IdCardDriverEvents> {
  readonly deviceId: string;
  private readonly link: Link;
  private readonly protocol: SamProtocol;
  private readonly clock: MonotonicClock;
  private readonly pollIntervalMs: number;
  private readonly statusCheckEveryMs: number;
  private readonly timeoutsBeforeOffline: number;
  private readonly readCommand: SamCommand;
  private readonly readNewAddress: boolean;
  private readonly probeBaudRates: boolean;
  private readonly setMaxRfBytes: boolean;
  /** Index in SAM_PROBE_RATES of the rate being tried. */
  private probeIndex = 0;
  private baudRateValue: number | undefined;

  private running = false;
  private loopDone: Promise<void> | undefined;
  private wakeUp: (() => void) | undefined;
  private status: DeviceStatus | undefined;
  /** SAM answered status 90 since the link last came online. */
  private samOk = false;
  private lastStatusCheckMs = -Infinity;
  /** A card was read and no find 80 has been seen since. */
  private awaitingLift = false;
  private consecutiveTimeouts = 0;
  private samIdValue: string | undefined;

  private readonly onLinkState = (s: LinkState) => this.followLink(s);

  constructor(options: IdCardDriverOptions) {
    super();
    const { pollIntervalMs = 300, statusCheckEveryMs = 3000, timeoutsBeforeOffline = 3 } = options;
    if (!(pollIntervalMs > 0)) throw new TypeError(`pollIntervalMs must be > 0, got ${String(pollIntervalMs)}`);
    if (!(statusCheckEveryMs > 0)) throw new TypeError(`statusCheckEveryMs must be > 0, got ${String(statusCheckEveryMs)}`);
    if (!(Number.isInteger(timeoutsBeforeOffline) && timeoutsBeforeOffline >= 1)) {
      throw new TypeError(`timeoutsBeforeOffline must be an integer >= 1, got ${String(timeoutsBeforeOffline)}`);
    }
    this.link = options.link;
    this.deviceId = options.deviceId;
    this.clock = options.clock ?? monotonicNow;
    this.pollIntervalMs = pollIntervalMs;
    this.statusCheckEveryMs = statusCheckEveryMs;
    this.timeoutsBeforeOffline = timeoutsBeforeOffline;
    this.readCommand = options.readFingerprint ? SAM_COMMANDS.readBaseFingerprint : SAM_COMMANDS.readBase;
    this.readNewAddress = options.readNewAddress ?? false;
    this.probeBaudRates = options.probeBaudRates ?? false;
    this.setMaxRfBytes = options.setMaxRfBytes ?? false;
    this.protocol = new SamProtocol(this.link, options.timeouts ? { timeouts: options.timeouts } : {});
  }

  /** True while the SAM answers and its last status was 90. */
  get online(): boolean {
    return this.status?.state === 'online';
  }

  /** The rate the SAM answered at, when found by probing (`probeBaudRates`). */
  get baudRate(): number | undefined {
    return this.baudRateValue;
  }

  /** SAM id (`12 FF`) as `dd.dd-u32-u32-u32` (see formatSamId), once read. */
  get samId(): string | undefined {
    return this.samIdValue;
  }

  /** Opens the link (if not yet) and starts the poll loop. The link's owner closes the link. */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.link.on('state', this.onLinkState);
    this.protocol.attach();
    this.setStatus('connecting');
    try {
      await this.link.open();
    } catch (err) {
      this.running = false;
      this.link.off('state', this.onLinkState);
      this.protocol.detach('link could not be opened');
      throw err;
    }
    this.followLink(this.link.current);
    this.loopDone = this.loop();
  }

  /** Stops polling and waits for the command in flight to settle. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.link.off('state', this.onLinkState);
    this.protocol.detach('ID-card driver stopped');
    this.wake();
    await this.loopDone;
    this.loopDone = undefined;
  }

  private async loop(): Promise<void> {
    while (this.running) {
      let pause = this.pollIntervalMs;
      try {
        if (this.link.current.state !== 'online') {
          await this.sleep(Infinity); // woken by the link state change
          continue;
        }
        if (!this.samOk || this.clock() - this.lastStatusCheckMs >= this.statusCheckEveryMs) {
          if (!(await this.checkSam())) pause = Math.max(this.pollIntervalMs, Math.min(this.statusCheckEveryMs, 1000));
        } else {
          await this.pollCard();
        }
      } catch (err) {
        this.onRequestError(err);
      }
      if (this.running) await this.sleep(pause);
    }
  }

  /** `11 FF`: 90 → online; 60 → offline 'SAM self-test failed'. Returns whether the SAM is usable. */
  private async checkSam(): Promise<boolean> {
    let r: SamResponse;
    try {
      r = await this.request(SAM_COMMANDS.status);
    } catch (err) {
      if (err instanceof WaitTimeoutError) await this.tryNextBaudRate();
      throw err;
    }
    this.lastStatusCheckMs = this.clock();
    if (r.sw3 === SW3.SUCCESS) {
      const first = !this.samOk;
      if (this.probeBaudRates && this.link.setBaudRate) this.baudRateValue = SAM_PROBE_RATES[this.probeIndex];
      this.samOk = true;
      this.setStatus('online');
      if (first && this.setMaxRfBytes) {
        const rf = await this.request(SAM_COMMANDS.setMaxRf);
        if (rf.sw3 !== SW3.SUCCESS) {
          this.emit('problem', { code: 'sam-fault', message: `set max RF bytes refused (SW3 ${hex2(rf.sw3)}: ${describeSw3(rf.sw3).meaning})` });
        }
      }
      if (first && this.samIdValue === undefined) await this.readSamId();
      return true;
    }
    this.samOk = false;
    const reason = r.sw3 === SW3.SELF_TEST_FAILED ? 'SAM self-test failed' : `SAM status ${hex2(r.sw3)}: ${describeSw3(r.sw3).meaning}`;
    if (this.status?.reason !== reason) this.emit('problem', { code: 'sam-fault', message: reason });
    this.setStatus('offline', reason);
    return false;
  }

  /** Probe order (§1): after an unanswered status, reopen the link at the next rate. */
  private async tryNextBaudRate(): Promise<void> {
    if (!this.probeBaudRates || !this.link.setBaudRate || this.samOk) return;
    this.probeIndex = (this.probeIndex + 1) % SAM_PROBE_RATES.length;
    await this.link.setBaudRate(SAM_PROBE_RATES[this.probeIndex]!);
  }

  private async readSamId(): Promise<void> {
    try {
      const r = await this.request(SAM_COMMANDS.samId);
      if (r.sw3 === SW3.SUCCESS && r.data.length >= 16) this.samIdValue = formatSamId(r.data);
    } catch (err) {
      // Optional information: a SAM that does not answer 12 FF still reads cards.
      if (!(err instanceof WaitTimeoutError)) throw err;
    }
  }

  private async pollCard(): Promise<void> {
    const find = await this.request(SAM_COMMANDS.findCard);
    if (find.sw3 === SW3.NO_CARD) {
      this.awaitingLift = false; // no card, or the read card has left the field
      return;
    }
    if (find.sw3 !== SW3.CARD_FOUND || this.awaitingLift) return;

    const select = await this.request(SAM_COMMANDS.selectCard);
    if (select.sw3 !== SW3.SUCCESS) {
      this.emit('problem', { code: 'read-failed', message: `select card failed (SW3 ${hex2(select.sw3)}): ${REMOVE_CARD}` });
      return;
    }
    this.emit('card-found', { deviceId: this.deviceId, monotonicMs: this.clock() });
    let read: SamResponse;
    try {
      read = await this.request(this.readCommand);
    } catch (err) {
      if (err instanceof SamCorruptReplyError) {
        this.emit('problem', { code: 'bad-reply', message: `${err.message}: ${REMOVE_CARD}` });
        return;
      }
      if (err instanceof WaitTimeoutError) {
        this.noteTimeout();
        this.emit('problem', { code: 'timeout', message: `${err.message}: ${REMOVE_CARD}` });
        return;
      }
      throw err;
    }
    if (read.sw3 !== SW3.SUCCESS) {
      this.emit('problem', {
        code: 'read-failed',
        message: `${this.readCommand.description} failed (SW3 ${hex2(read.sw3)}: ${describeSw3(read.sw3).meaning}): ${REMOVE_CARD}`,
      });
      return;
    }
    let decoded;
    try {
      decoded = decodeReadBasePayload(read.data, this.readCommand.name === 'read-base' ? 'read-base' : 'read-base-fingerprint');
    } catch (err) {
      // The message names lengths and flags only, never field contents.
      this.emit('problem', { code: 'bad-reply', message: `${err instanceof Error ? err.message : String(err)}: ${REMOVE_CARD}` });
      return;
    }
    this.awaitingLift = true;
    const monotonicMs = this.clock();
    const card = decoded.card;
    if (this.readNewAddress) {
      const extra = await this.request(SAM_COMMANDS.readNewAddress).catch((err: unknown) => {
        if (err instanceof WaitTimeoutError) return undefined; // the base read already succeeded
        throw err;
      });
      if (extra?.sw3 === SW3.SUCCESS && extra.data.length > 0) {
        const text = trimPadding(decodeUcs2(extra.data));
        if (text) card.newAddress = text;
      }
    }
    this.emit('identity', { deviceId: this.deviceId, card, monotonicMs, source: 'sam' });
  }

  private async request(command: SamCommand): Promise<SamResponse> {
    const r = await this.protocol.request(command);
    if (this.consecutiveTimeouts > 0) {
      this.consecutiveTimeouts = 0;
    }
    return r;
  }

  private onRequestError(err: unknown): void {
    if (!this.running) return;
    if (err instanceof WaitTimeoutError) {
      this.noteTimeout();
      return;
    }
    if (err instanceof SamCorruptReplyError) {
      this.emit('problem', { code: 'bad-reply', message: err.message });
      return;
    }
    // Cancelled waits and failed writes: the link went offline; followLink() reports it.
    if (this.link.current.state !== 'online') return;
    this.emit('problem', { code: 'bad-reply', message: err instanceof Error ? err.message : String(err) });
  }

  private noteTimeout(): void {
    this.consecutiveTimeouts++;
    if (this.consecutiveTimeouts >= this.timeoutsBeforeOffline) {
      this.samOk = false; // the next answer is checked with a status command before going online
      this.setStatus('offline', 'no reply');
    }
  }

  private followLink(s: LinkState): void {
    if (!this.running) return;
    if (s.state === 'online') {
      this.wake();
      return;
    }
    this.samOk = false;
    this.protocol.cancel(`link ${s.state}`);
    if (s.state === 'offline') this.setStatus('offline', s.reason);
    else this.setStatus('connecting');
    this.wake();
  }

  private setStatus(state: DeviceStatus['state'], reason?: string): void {
    if (this.status && this.status.state === state && this.status.reason === reason) return;
    this.status = { deviceId: this.deviceId, kind: 'idcard', state, ...(reason ? { reason } : {}), atMs: this.clock() };
    this.emit('status', this.status);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = Number.isFinite(ms) ? setTimeout(done, ms) : undefined;
      function done() {
        if (timer) clearTimeout(timer);
        resolve();
      }
      this.wakeUp = () => {
        this.wakeUp = undefined;
        done();
      };
    });
  }

  private wake(): void {
    this.wakeUp?.();
  }
}
