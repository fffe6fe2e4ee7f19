import { EventEmitter } from 'node:events';
import { fstat } from 'node:fs';
import { stat } from 'node:fs/promises';
import { promisify } from 'node:util';
import type { BindingInterface } from '@serialport/bindings-interface' with { 'resolution-mode': 'require' }; // its exports map has no ESM types
import { SerialPortStream } from '@serialport/stream';
import { ExponentialBackoff, noJitterGenerator, type IBackoff } from 'cockatiel';
import type { Link, LinkEvents, LinkState } from './link.js';
import { describeMatch, hasCriteria, listSerialPorts, matchPort, type DiscoveredPort, type PortMatch } from './port-discovery.js';

export interface ReconnectOptions {
  /** First delay after a failure. Default 250 ms. */
  initialDelayMs: number;
  /** Longest delay between attempts. Default 10 000 ms. */
  maxDelayMs: number;
}

export interface SerialLinkOptions {
  /** Port to open (`/dev/ttyUSB0`, `/dev/serial/by-id/...`, a pseudo-terminal link). Give this or `match`. */
  path?: string;
  /** Find the port by USB identity on every attempt (the tty number may change after an unplug). */
  match?: PortMatch;
  baudRate: number;
  /** The serialport binding; default the platform binding (`@serialport/bindings-cpp`). Tests pass MockBinding. */
  binding?: BindingInterface;
  /** Backoff between attempts (exponential, no jitter). */
  reconnect?: ReconnectOptions;
  /**
   * Liveness watchdog: no data and no `noteAlive()` for this long → close and reopen. Unplugging a USB
   * adapter does not always fire `close`; this catches it. Off when unset.
   */
  watchdogMs?: number;
  /** Port listing used with `match`; default `listSerialPorts()` (works without udevadm). */
  list?: () => Promise<DiscoveredPort[]>;
  /**
   * While online, check the device node this often: if the path vanished or names another device,
   * or the node behind the open descriptor was removed (link count 0), the port is gone even though
   * no read failed — after a hang-up, Linux reads on a tty return end-of-file forever and `close`
   * never fires. Default 500 ms with the platform binding; off (`false`) by default when a binding
   * is injected, whose paths need not exist on disk.
   */
  presenceCheckMs?: number | false;
}

const fstatAsync = promisify(fstat);

const DEFAULT_RECONNECT: ReconnectOptions = { initialDelayMs: 250, maxDelayMs: 10_000 };

/**
 * A Link over a real serial port, supervised: it opens the port (by path or by USB identity),
 * reports every change as a typed `state` event, and after an unplug, an I/O error or a silent
 * watchdog period it closes and retries with exponential backoff, forever, until `close()`.
 *
 * Nothing escapes to the event loop: open, list, read and write failures all become
 * `{ state: 'offline', reason, retryInMs }`.
 */
export class SerialLink extends EventEmitter<LinkEvents> implements Link {
  readonly id: string;
  private stateNow: LinkState = { state: 'offline', reason: 'not opened yet' };
  private readonly binding: BindingInterface | undefined;
  private readonly backoffFactory: ExponentialBackoff<number>;
  private backoff: IBackoff<unknown> | undefined;
  private baudRate: number;
  private port: SerialPortStream | undefined;
  /** Bumped on every attempt and teardown, so events from a port we already gave up on are ignored. */
  private generation = 0;
  private attempt = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private watchdogTimer: NodeJS.Timeout | undefined;
  private presenceTimer: NodeJS.Timeout | undefined;
  private readonly presenceCheckMs: number | false;
  private started = false;
  private closed = false;

  constructor(private readonly options: SerialLinkOptions) {
    super();
    if (options.path === undefined && (options.match === undefined || !hasCriteria(options.match))) {
      throw new TypeError('SerialLink: give "path" (e.g. /dev/serial/by-id/...) or "match" with at least one of vendorId, productId, serialNumber, byIdContains');
    }
    if (!Number.isInteger(options.baudRate) || options.baudRate <= 0) {
      throw new TypeError(`SerialLink: "baudRate" must be a positive integer, got ${String(options.baudRate)}`);
    }
    if (options.watchdogMs !== undefined && !(options.watchdogMs > 0)) {
      throw new TypeError(`SerialLink: "watchdogMs" must be > 0 when set, got ${String(options.watchdogMs)}`);
    }
    const reconnect = options.reconnect ?? DEFAULT_RECONNECT;
    if (!(reconnect.initialDelayMs > 0) || !(reconnect.maxDelayMs >= reconnect.initialDelayMs)) {
      throw new TypeError('SerialLink: "reconnect" needs initialDelayMs > 0 and maxDelayMs >= initialDelayMs');
    }
    this.id = options.path ?? `usb(${describeMatch(options.match ?? {})})`;
    this.binding = options.binding;
    this.presenceCheckMs = options.presenceCheckMs ?? (options.binding ? false : 500);
    this.baudRate = options.baudRate;
    this.backoffFactory = new ExponentialBackoff({ generator: noJitterGenerator, initialDelay: reconnect.initialDelayMs, maxDelay: reconnect.maxDelayMs });
  }

  get current(): LinkState {
    return this.stateNow;
  }

  async open(): Promise<void> {
    if (this.closed) throw new Error(`link ${this.id} was closed; create a new SerialLink`);
    if (this.started) return;
    this.started = true;
    await this.connect();
  }

  async write(bytes: Uint8Array): Promise<void> {
    const port = this.port;
    if (this.stateNow.state !== 'online' || !port) {
      throw new Error(`link ${this.id} is ${this.stateNow.state}${this.stateNow.state === 'offline' ? `: ${this.stateNow.reason}` : ''}`);
    }
    await new Promise<void>((resolve, reject) => {
      port.write(Buffer.from(bytes), (err) => (err ? reject(new Error(`write to ${this.id} failed: ${err.message}`)) : resolve()));
    });
  }

  async flushInput(): Promise<void> {
    const port = this.port;
    if (this.stateNow.state !== 'online' || !port) return;
    // tcflush discards both directions: let the output drain first so a command just written is not lost.
    await new Promise<void>((resolve) => port.drain(() => resolve()));
    await new Promise<void>((resolve) => port.flush(() => resolve()));
  }

  noteAlive(): void {
    this.armWatchdog();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.clearTimers();
    const port = this.port;
    this.generation++;
    this.port = undefined;
    if (port) await closePort(port);
    this.setState({ state: 'offline', reason: 'closed by host' });
  }

  async setBaudRate(baudRate: number): Promise<void> {
    if (!Number.isInteger(baudRate) || baudRate <= 0) throw new TypeError(`SerialLink: baud rate must be a positive integer, got ${baudRate}`);
    this.baudRate = baudRate;
    const port = this.port;
    if (!port || this.stateNow.state !== 'online') return; // the next attempt opens at the new rate
    const updated = await new Promise<boolean>((resolve) => port.update({ baudRate }, (err) => resolve(!err)));
    if (!updated) this.drop(`could not change the speed to ${baudRate} baud; reopening`);
  }

  // ---- supervision ---------------------------------------------------------------------------

  private async connect(): Promise<void> {
    if (this.closed) return;
    const generation = ++this.generation;
    this.attempt++;
    this.setState({ state: 'connecting', attempt: this.attempt });

    let path: string;
    try {
      path = await this.resolvePath();
    } catch (err) {
      if (generation === this.generation) this.retryLater(messageOf(err));
      return;
    }
    if (generation !== this.generation || this.closed) return;

    const port = new SerialPortStream({ binding: this.binding ?? (await platformBinding()), path, baudRate: this.baudRate, autoOpen: false });
    // An 'error' event without a listener would crash the process: every one becomes a reconnect.
    port.on('error', (err: Error) => {
      if (generation === this.generation) this.drop(`port error: ${err.message}`);
    });
    const opened = await new Promise<Error | null>((resolve) => port.open((err) => resolve(err)));
    if (generation !== this.generation || this.closed) {
      if (!opened) await closePort(port);
      return;
    }
    if (opened) {
      this.retryLater(`cannot open ${path}: ${opened.message}`);
      return;
    }

    this.port = port;
    port.on('data', (chunk: Buffer) => {
      if (generation !== this.generation) return;
      this.armWatchdog();
      this.emit('data', chunk);
    });
    port.on('close', (err?: Error | null) => {
      if (generation !== this.generation) return;
      this.port = undefined;
      const disconnected = err && (err as { disconnected?: boolean }).disconnected;
      this.drop(disconnected ? `disconnected (${err.message})` : `port closed${err ? ` (${err.message})` : ''}`);
    });
    this.backoff = undefined;
    this.attempt = 0;
    this.setState({ state: 'online', path });
    this.armWatchdog();
    await this.watchPresence(path, port, generation);
  }

  /** Polls the device node of an open port; see `presenceCheckMs`. */
  private async watchPresence(path: string, port: SerialPortStream, generation: number): Promise<void> {
    const every = this.presenceCheckMs;
    if (every === false) return;
    const identity = await nodeIdentity(path);
    if (generation !== this.generation) return;
    if (identity === undefined) {
      this.drop(`${path} vanished right after opening`);
      return;
    }
    const check = async () => {
      const [now, hungUp] = await Promise.all([nodeIdentity(path), openNodeRemoved(port)]);
      if (generation !== this.generation) return;
      if (now === undefined) this.drop(`disconnected (${path} vanished: device unplugged)`);
      else if (hungUp) this.drop(`disconnected (the device node opened at ${path} was removed: unplugged; a new one took its place)`);
      else if (now !== identity) this.drop(`disconnected (${path} now names another device)`);
      else this.presenceTimer = setTimeout(() => void check(), every);
    };
    this.presenceTimer = setTimeout(() => void check(), every);
  }

  private async resolvePath(): Promise<string> {
    if (this.options.path !== undefined) return this.options.path;
    const match = this.options.match ?? {};
    let ports: DiscoveredPort[];
    try {
      ports = await (this.options.list ?? listSerialPorts)();
    } catch (err) {
      throw new Error(`cannot list serial ports: ${messageOf(err)}`);
    }
    const found = matchPort(ports, match);
    if (found.length === 0) {
      const seen = ports.map((p) => (p.vendorId ? `${p.path} (${p.vendorId}:${p.productId ?? '?'})` : p.path)).join(', ') || 'none';
      throw new Error(`no serial port matches ${describeMatch(match)}; ports seen: ${seen}`);
    }
    if (found.length > 1) {
      throw new Error(`${found.length} serial ports match ${describeMatch(match)} (${found.map((p) => p.path).join(', ')}); add serialNumber or byIdContains, or configure a /dev/serial/by-path link`);
    }
    const port = found[0]!;
    return port.byId ?? port.path;
  }

  /** The port failed while online (or the watchdog fired): tear it down and retry. */
  private drop(reason: string): void {
    if (this.closed) return;
    const port = this.port;
    this.port = undefined;
    this.generation++;
    if (port) void closePort(port);
    this.retryLater(reason);
  }

  private retryLater(reason: string): void {
    if (this.closed) return;
    this.clearTimers();
    this.backoff = (this.backoff ?? this.backoffFactory).next(undefined);
    const retryInMs = this.backoff.duration;
    this.setState({ state: 'offline', reason, retryInMs });
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.connect();
    }, retryInMs);
  }

  private armWatchdog(): void {
    const ms = this.options.watchdogMs;
    if (ms === undefined || this.stateNow.state !== 'online') return;
    if (this.watchdogTimer) clearTimeout(this.watchdogTimer);
    this.watchdogTimer = setTimeout(() => {
      this.watchdogTimer = undefined;
      this.drop(`watchdog: no data from the device for ${ms} ms`);
    }, ms);
  }

  private clearTimers(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.watchdogTimer) clearTimeout(this.watchdogTimer);
    if (this.presenceTimer) clearTimeout(this.presenceTimer);
    this.retryTimer = undefined;
    this.watchdogTimer = undefined;
    this.presenceTimer = undefined;
  }

  private setState(state: LinkState): void {
    this.stateNow = state;
    if (state.state !== 'online' && this.watchdogTimer) {
      clearTimeout(this.watchdogTimer);
      this.watchdogTimer = undefined;
    }
    this.emit('state', state);
  }
}

let platformBindingPromise: Promise<BindingInterface> | undefined;

/** The native binding, loaded on first use so tests on MockBinding never load it. */
function platformBinding(): Promise<BindingInterface> {
  platformBindingPromise ??= import('serialport').then((m) => m.SerialPort.binding);
  return platformBindingPromise;
}

function closePort(port: SerialPortStream): Promise<void> {
  return new Promise((resolve) => {
    if (!port.isOpen) {
      resolve();
      return;
    }
    try {
      port.close(() => resolve());
    } catch {
      resolve(); // already closing: nothing left to release
    }
  });
}

/** `dev:ino:rdev` of what a path (following links) names now, or undefined when it is gone. */
async function nodeIdentity(path: string): Promise<string | undefined> {
  try {
    const st = await stat(path);
    return `${st.dev}:${st.ino}:${st.rdev}`;
  } catch {
    return undefined;
  }
}

/**
 * Whether the device node behind the open descriptor has been removed (link count 0): a USB tty
 * after an unplug, or a pseudo-terminal whose other end closed — even when a new device now sits
 * at the same path under the same number. Uses the descriptor of the platform binding
 * (`LinuxPortBinding.fd`, `DarwinPortBinding.fd`); bindings without one are never reported.
 */
async function openNodeRemoved(port: SerialPortStream): Promise<boolean> {
  const fd = (port.port as { fd?: unknown } | undefined)?.fd;
  if (typeof fd !== 'number') return false;
  try {
    return (await fstatAsync(fd)).nlink === 0;
  } catch {
    return false; // closed meanwhile: the close path reports it
  }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
