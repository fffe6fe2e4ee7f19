import { EventEmitter } from 'node:events';
import type { Transform } from 'node:stream';
import type { DeviceStatus } from '../device-status.js';
import { monotonicNow, type MonotonicClock } from '../monotonic-clock.js';
import { AsyncMutex } from '../protocol/async-mutex.js';
import { WaitCancelledError, Waitress, WaitTimeoutError } from '../protocol/waitress.js';
import type { Link, LinkState } from '../transport/link.js';
import { resolveAsciiOptions, type AsciiLineOptions } from './ascii-line-codec.js';
import { frameHex } from './frame-hex.js';
import { gyCommand, GY_MODELS, type GyModel } from './gy-mcu90614-commands.js';
import { OPTRIS_COMMANDS, OPTRIS_REPLY_LENGTH, optrisReading } from './optris-ct-codec.js';
import { OPTRIS_CT_LT_RANGE, type RatedRange } from './rated-range.js';
import type { ThermoDecoded, ThermoProtocol, ThermoReading } from './reading.js';
import { createThermoDecoder, type ThermoDecoderOptions } from './thermo-decoder.js';
import {
  DEFAULT_POLL_INTERVAL_MS,
  MISSED_REPLIES_BEFORE_OFFLINE,
  resolveThermoTimeouts,
  type ThermoTimeouts,
} from './thermo-timeouts.js';

export { createThermoDecoder, type ThermoDecoderOptions } from './thermo-decoder.js';
export { defaultBaudFor } from './default-baud.js';
export type { ThermoTimeouts } from './thermo-timeouts.js';
export type { AsciiLineOptions } from './ascii-line-codec.js';

export interface ThermometerDriverOptions {
  link: Link;
  deviceId: string;
  protocol: ThermoProtocol;
  /** gy: default continuous; optris: query only; ascii: query when `ascii.query` is set, else continuous. */
  mode?: 'query' | 'continuous';
  /** Query mode: pause between queries. Continuous mode: the expected frame interval. Default 200 ms. */
  pollIntervalMs?: number;
  timeouts?: Partial<ThermoTimeouts>;
  ascii?: AsciiLineOptions;
  clock?: MonotonicClock;
  /** GY board model (rated range; default baud via defaultBaudFor). Default 'gy-mcu90614'. */
  gyModel?: GyModel;
  /** Optris: after each target reading, also read the head temperature (`02`) as ambientC. Default false. */
  optrisHeadTemperature?: boolean;
  /** Overrides the rated range of a binary protocol (ASCII: `ascii.ratedRange`). */
  ratedRange?: RatedRange;
  /**
   * GY: when no valid frame has come since the link went online and the device stays silent,
   * switch the link between the family's two speeds (9600 / 115200,
   * docs/protocols/gy-mcu90614.md §1) and re-send the mode command. Needs `link.setBaudRate`. Default true.
   */
  autoBaud?: boolean;
}

export interface ThermometerDriverEvents {
  reading: [ThermoReading];
  status: [DeviceStatus];
  problem: [{ code: string; message: string }];
}

interface OptrisPending {
  bytes: number[];
  cancel: (reason: string) => void;
  interByteTimer?: ReturnType<typeof setTimeout>;
}

type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

/** Attaches the rejection handler at once, so a timeout during a slow write is never "unhandled". */
const settle = <T>(p: Promise<T>): Promise<Settled<T>> =>
  p.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );

/**
 * Driver for one serial IR thermometer (GY-MCU90614/90615, Optris CT, ASCII pyrometers and modules).
 *
 * - Decodes with the protocol's parser and emits every valid frame as a `reading`, values exactly
 *   as decoded; values outside the rated range carry `outOfRange: true` and are never changed.
 * - Query mode: one query in flight (AsyncMutex); the reply waiter is registered BEFORE the write
 *   (Waitress). `MISSED_REPLIES_BEFORE_OFFLINE` unanswered queries → status offline.
 * - Continuous mode: no valid frame for `timeouts.noDataMs` → status offline 'no data' (the mode
 *   command is re-sent each time, to wake a board that lost it); frames returning → online.
 * - Optris replies have no header: framed by request (flush, send, take 2 bytes); a reply cut
 *   short is discarded after `timeouts.interByteMs`, and bytes outside a request are ignored, so a
 *   stray or missing byte never shifts later readings.
 * - Follows the link: offline → status offline with the link's reason; online again → re-sends
 *   the mode command and resumes. Status becomes online with the first valid frame.
 * - GY speed auto-detect (`autoBaud`): silent since the link came online → alternate the link
 *   between 115200 and 9600 baud (`link.setBaudRate`) and re-send the mode command.
 * - Calls `link.noteAlive()` on every valid frame. Nothing throws out of the event loop: failures
 *   become `problem` events.
 *
 * The driver owns the link: `start()` opens it, `stop()` closes it.
 */
export class ThermometerDriver extends EventEmitter<ThermometerDriverEvents> {
  readonly deviceId: string;
  readonly protocol: ThermoProtocol;
  readonly mode: 'query' | 'continuous';
  readonly pollIntervalMs: number;
  readonly timeouts: ThermoTimeouts;

  private readonly link: Link;
  private readonly clock: MonotonicClock;
  private readonly decoderOptions: ThermoDecoderOptions;
  private decoder: Transform | undefined;
  private readonly query: Buffer | undefined;
  private readonly optrisHead: boolean;
  private readonly optrisRange: RatedRange;
  private readonly mutex = new AsyncMutex();
  private readonly replies = new Waitress<ThermoDecoded>();
  private readonly optrisReplies = new Waitress<Buffer>();
  private optrisPending: OptrisPending | undefined;
  private statusNow: DeviceStatus;
  private running = false;
  private flowing = false;
  private missedReplies = 0;
  /** A valid frame has arrived since the link last came online (the line speed is right). */
  private validSinceOnline = false;
  private readonly baudCandidates: readonly number[];
  private baudAttempt = 0;
  private pollTimer: ReturnType<typeof setTimeout> | undefined;
  private watchdog: ReturnType<typeof setTimeout> | undefined;

  private readonly onLinkState = (state: LinkState) => this.guard('link-state', () => this.followLink(state));
  private readonly onLinkData = (bytes: Buffer) => this.guard('link-data', () => this.receive(bytes));

  constructor(options: ThermometerDriverOptions) {
    super();
    const { link, deviceId, protocol, pollIntervalMs = DEFAULT_POLL_INTERVAL_MS } = options;
    if (!deviceId) throw new TypeError('deviceId must be a non-empty string');
    if (!Number.isFinite(pollIntervalMs) || pollIntervalMs <= 0) {
      throw new TypeError(`pollIntervalMs must be a positive number of milliseconds, got ${pollIntervalMs}`);
    }
    this.link = link;
    this.deviceId = deviceId;
    this.protocol = protocol;
    this.pollIntervalMs = pollIntervalMs;
    this.timeouts = resolveThermoTimeouts(pollIntervalMs, options.timeouts);
    this.clock = options.clock ?? monotonicNow;
    this.optrisHead = options.optrisHeadTemperature ?? false;
    this.optrisRange = options.ratedRange ?? OPTRIS_CT_LT_RANGE;
    if (options.mode !== undefined && options.mode !== 'query' && options.mode !== 'continuous') {
      throw new TypeError(`mode must be "query" or "continuous", got ${JSON.stringify(options.mode)}`);
    }
    if (options.gyModel !== undefined && !Object.hasOwn(GY_MODELS, options.gyModel)) {
      throw new TypeError(`gyModel must be one of ${Object.keys(GY_MODELS).join(', ')}, got ${JSON.stringify(options.gyModel)}`);
    }

    switch (protocol) {
      case 'gy-mcu90614':
        this.mode = options.mode ?? 'continuous';
        this.query = gyCommand('query');
        break;
      case 'optris-ct':
        if (options.mode === 'continuous') {
          throw new TypeError('mode: Optris CT answers only when asked; use mode "query" (or leave it out)');
        }
        this.mode = 'query';
        this.query = Buffer.from([OPTRIS_COMMANDS.targetTemperature]);
        break;
      case 'ascii': {
        const ascii = resolveAsciiOptions(options.ascii);
        this.mode = options.mode ?? (ascii.query !== undefined ? 'query' : 'continuous');
        if (this.mode === 'query' && ascii.query === undefined) {
          throw new TypeError('ascii.query is needed in query mode (e.g. "?T\\r"); leave mode out for a streaming device');
        }
        this.query = ascii.query !== undefined ? Buffer.from(ascii.query, 'latin1') : undefined;
        break;
      }
      default:
        throw new TypeError(`protocol ${JSON.stringify(protocol)} is unknown: use gy-mcu90614, optris-ct or ascii`);
    }

    const gy = GY_MODELS[options.gyModel ?? 'gy-mcu90614'];
    this.baudCandidates = protocol === 'gy-mcu90614' && (options.autoBaud ?? true) ? [gy.alternateBaud, gy.defaultBaud] : [];
    this.decoderOptions = {
      ...(options.ascii ? { ascii: options.ascii } : {}),
      gyModel: options.gyModel ?? 'gy-mcu90614',
      ...(options.ratedRange ? { ratedRange: options.ratedRange } : {}),
    };
    this.decoder = this.makeDecoder();

    this.statusNow = { deviceId, kind: 'thermometer', state: 'offline', reason: 'not started', atMs: this.clock() };
  }

  get online(): boolean {
    return this.statusNow.state === 'online';
  }

  get status(): DeviceStatus {
    return this.statusNow;
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.link.on('state', this.onLinkState);
    this.link.on('data', this.onLinkData);
    if (this.link.current.state === 'online') this.followLink(this.link.current);
    try {
      await this.link.open();
    } catch (err) {
      this.problem('open', `cannot open ${this.link.id}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.stopFlow('driver stopped');
    this.link.off('state', this.onLinkState);
    this.link.off('data', this.onLinkData);
    this.decoder?.destroy();
    try {
      await this.link.close();
    } catch (err) {
      this.problem('close', `closing ${this.link.id} failed: ${err instanceof Error ? err.message : String(err)}`);
    }
    this.setStatus('offline', 'driver stopped');
  }

  // ---- link state -------------------------------------------------------------------------

  private followLink(state: LinkState): void {
    if (!this.running) return;
    if (state.state === 'online') {
      if (this.flowing) return;
      this.setStatus('connecting', `${this.link.id} online, waiting for the first reading`);
      this.startFlow();
    } else if (state.state === 'offline') {
      this.stopFlow(state.reason);
      this.setStatus('offline', state.reason);
    } else {
      this.stopFlow('link reconnecting');
      this.setStatus('connecting', `connecting to ${this.link.id} (attempt ${state.attempt})`);
    }
  }

  /**
   * A fresh parser, so no fragment from before a reconnect is glued to the first bytes after it
   * (for text lines that could make a wrong number). Optris is framed by request: no parser.
   */
  private makeDecoder(): Transform | undefined {
    if (this.protocol === 'optris-ct') return undefined;
    const decoder = createThermoDecoder(this.protocol, this.decoderOptions);
    decoder.on('data', (d: ThermoDecoded) => {
      if (this.decoder === decoder) this.guard('decode', () => this.onDecoded(d));
    });
    decoder.on('error', (err: Error) => this.problem('decoder', err.message));
    return decoder;
  }

  private startFlow(): void {
    this.flowing = true;
    this.validSinceOnline = false;
    if (this.decoder) {
      this.decoder.destroy();
      this.decoder = this.makeDecoder();
    }
    this.missedReplies = 0;
    if (this.mode === 'continuous') {
      this.sendModeCommand();
      this.armWatchdog();
    } else {
      this.schedulePoll(0);
    }
  }

  private stopFlow(reason: string): void {
    this.flowing = false;
    if (this.pollTimer) clearTimeout(this.pollTimer);
    if (this.watchdog) clearTimeout(this.watchdog);
    this.pollTimer = undefined;
    this.watchdog = undefined;
    this.dropOptrisPending();
    this.replies.cancelAll(reason);
    this.optrisReplies.cancelAll(reason);
  }

  /** Continuous mode: GY boards are told to stream; ASCII streaming devices need nothing. */
  private sendModeCommand(): void {
    if (this.protocol !== 'gy-mcu90614') return;
    const command = gyCommand('continuous');
    void this.mutex.run(async () => {
      try {
        await this.link.write(command);
      } catch (err) {
        this.problem('write', `cannot send the continuous-mode command ${frameHex(command)}: ${errorText(err)}`);
      }
    });
  }

  private armWatchdog(): void {
    if (this.watchdog) clearTimeout(this.watchdog);
    this.watchdog = setTimeout(() => {
      this.watchdog = undefined;
      if (!this.flowing) return;
      this.setStatus('offline', `no data for ${this.timeouts.noDataMs} ms`);
      void this.tryNextBaud().finally(() => this.sendModeCommand());
      this.armWatchdog();
    }, this.timeouts.noDataMs);
  }

  /** GY only, while nothing valid has come at the current speed: try the family's other speed. */
  private async tryNextBaud(): Promise<void> {
    if (this.validSinceOnline || this.baudCandidates.length === 0 || !this.link.setBaudRate) return;
    const baud = this.baudCandidates[this.baudAttempt++ % this.baudCandidates.length]!;
    this.problem('baud', `no valid frame from ${this.link.id} yet; trying ${baud} baud`);
    try {
      await this.link.setBaudRate(baud);
    } catch (err) {
      this.problem('baud', `cannot switch ${this.link.id} to ${baud} baud: ${errorText(err)}`);
    }
  }

  // ---- query mode -------------------------------------------------------------------------

  private schedulePoll(delayMs: number): void {
    if (this.pollTimer) clearTimeout(this.pollTimer);
    this.pollTimer = setTimeout(() => {
      this.pollTimer = undefined;
      void this.mutex
        .run(() => (this.protocol === 'optris-ct' ? this.pollOptris() : this.pollLine()))
        .catch((err: unknown) => this.problem('poll', errorText(err)))
        .finally(() => {
          if (this.flowing && !this.pollTimer) this.schedulePoll(this.pollIntervalMs);
        });
    }, delayMs);
  }

  /** GY query (`A5 15 BA`) or ASCII query: the next reading (or device error) answers it. */
  private async pollLine(): Promise<void> {
    if (!this.flowing || !this.query) return;
    const what = `query ${this.protocol === 'ascii' ? JSON.stringify(this.query.toString('latin1')) : frameHex(this.query)}`;
    const handle = this.replies.waitFor(
      (d) => d.kind === 'reading' || d.code === 'device-error',
      this.timeouts.replyMs,
      what,
    );
    const reply = settle(handle.promise);
    try {
      await this.link.write(this.query);
    } catch (err) {
      handle.cancel();
      this.problem('write', `cannot send ${what}: ${errorText(err)}`);
      return;
    }
    const result = await reply;
    if (result.ok) this.missedReplies = 0;
    else this.onQueryFailed(result.error);
  }

  /** Optris: flush, `01` → 2 bytes; optionally `02` → 2 bytes head temperature. */
  private async pollOptris(): Promise<void> {
    if (!this.flowing) return;
    await this.link.flushInput();
    const target = await this.optrisRead(OPTRIS_COMMANDS.targetTemperature, 'target temperature (01)');
    if (!target) return;
    let head: Buffer | undefined;
    if (this.optrisHead) head = await this.optrisRead(OPTRIS_COMMANDS.headTemperature, 'head temperature (02)');
    this.onDecoded(optrisReading(target, head, this.optrisRange));
  }

  private async optrisRead(command: number, what: string): Promise<Buffer | undefined> {
    const handle = this.optrisReplies.waitFor(() => true, this.timeouts.replyMs, what);
    this.optrisPending = { bytes: [], cancel: handle.cancel };
    const reply = settle(handle.promise);
    try {
      await this.link.write(Uint8Array.of(command));
    } catch (err) {
      this.dropOptrisPending();
      handle.cancel();
      this.problem('write', `cannot send ${what}: ${errorText(err)}`);
      return undefined;
    }
    const result = await reply;
    this.dropOptrisPending();
    if (result.ok) {
      this.missedReplies = 0;
      return result.value;
    }
    this.onQueryFailed(result.error);
    return undefined;
  }

  private onOptrisBytes(bytes: Buffer): void {
    let i = 0;
    const pending = this.optrisPending;
    if (pending) {
      for (; i < bytes.length && pending.bytes.length < OPTRIS_REPLY_LENGTH; i++) pending.bytes.push(bytes[i]!);
      if (pending.interByteTimer) clearTimeout(pending.interByteTimer);
      if (pending.bytes.length === OPTRIS_REPLY_LENGTH) {
        this.optrisPending = undefined;
        this.link.noteAlive();
        this.optrisReplies.resolve(Buffer.from(pending.bytes));
      } else {
        pending.interByteTimer = setTimeout(() => {
          if (this.optrisPending !== pending) return;
          this.optrisPending = undefined;
          const partial = frameHex(Uint8Array.from(pending.bytes));
          this.problem('incomplete', `Optris reply cut short (${partial}) after ${this.timeouts.interByteMs} ms; discarded`);
          pending.cancel('partial reply discarded');
        }, this.timeouts.interByteMs);
      }
    }
    if (i < bytes.length) {
      this.problem('stray-bytes', `ignored ${bytes.length - i} byte(s) outside a reply: ${frameHex(bytes.subarray(i))}`);
    }
  }

  private dropOptrisPending(): void {
    if (this.optrisPending?.interByteTimer) clearTimeout(this.optrisPending.interByteTimer);
    this.optrisPending = undefined;
  }

  private onQueryFailed(error: unknown): void {
    if (error instanceof WaitCancelledError) {
      // Link went away (status already follows it) or a partial Optris reply was discarded.
      if (!this.flowing) return;
    } else if (error instanceof WaitTimeoutError) {
      this.problem('timeout', error.message);
    } else {
      this.problem('poll', errorText(error));
    }
    this.missedReplies += 1;
    if (this.missedReplies >= MISSED_REPLIES_BEFORE_OFFLINE && this.flowing) {
      this.setStatus('offline', `no reply to ${this.missedReplies} queries in a row`);
      if (this.missedReplies % MISSED_REPLIES_BEFORE_OFFLINE === 0) void this.tryNextBaud();
    }
  }

  // ---- inbound ----------------------------------------------------------------------------

  private receive(bytes: Buffer): void {
    if (this.protocol === 'optris-ct') this.onOptrisBytes(bytes);
    else this.decoder?.write(bytes);
  }

  private onDecoded(d: ThermoDecoded): void {
    if (d.kind === 'failure') {
      if (d.code === 'device-error') this.link.noteAlive(); // the device answered: it is alive
      this.problem(d.code, `${d.message} [${d.raw}]`);
      this.replies.resolve(d);
      return;
    }
    this.link.noteAlive();
    this.validSinceOnline = true;
    if (this.flowing) {
      if (this.mode === 'continuous') this.armWatchdog();
      this.setStatus('online');
    }
    const reading: ThermoReading = {
      deviceId: this.deviceId,
      protocol: this.protocol,
      objectC: d.objectC,
      ...(d.ambientC !== undefined ? { ambientC: d.ambientC } : {}),
      outOfRange: d.outOfRange,
      monotonicMs: this.clock(),
      raw: d.raw,
    };
    this.replies.resolve(d);
    this.emit('reading', reading);
  }

  // ---- helpers ----------------------------------------------------------------------------

  private setStatus(state: DeviceStatus['state'], reason?: string): void {
    if (this.statusNow.state === state && this.statusNow.reason === reason) return;
    this.statusNow = { deviceId: this.deviceId, kind: 'thermometer', state, ...(reason !== undefined ? { reason } : {}), atMs: this.clock() };
    this.emit('status', this.statusNow);
  }

  private problem(code: string, message: string): void {
    this.emit('problem', { code, message });
  }

  /** Runs an event handler; anything it throws (a listener included) becomes a `problem`, never an uncaught error. */
  private guard(where: string, work: () => void): void {
    try {
      work();
    } catch (err) {
      try {
        this.problem('internal', `${where}: ${errorText(err)}`);
      } catch {
        // a throwing 'problem' listener: nothing more can be reported
      }
    }
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
