import { EventEmitter } from 'node:events';
import { rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BindingInterface } from '@serialport/bindings-interface' with { 'resolution-mode': 'require' }; // its exports map has no ESM types
import { SerialPortStream } from '@serialport/stream';
import { PtyPair } from './pty-pair.js';
import type { SimulatedDevice } from './simulated-device.js';

/**
 * Where `kiosk sim --pty` puts its links by default (`$KIOSK_SIM_DIR`, else `<tmp>/kiosk-sim`), so
 * `kiosk ports` can list running simulators next to real ports.
 */
export function defaultSimDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.KIOSK_SIM_DIR ?? join(tmpdir(), 'kiosk-sim');
}

/** The suffix of the simulator-side link next to a host link (`<hostPath>.device`). */
export const DEVICE_LINK_SUFFIX = '.device';

/** Suffix of the kiosk-side link while the simulator side is not open yet. */
export const STARTING_SUFFIX = '.starting';

/** Where a hosted simulator lives. */
export type SimEndpoint =
  /** A fresh socat pair: the kiosk opens `hostPath`, the simulator sits on `devicePath` (default `<hostPath>.device`). */
  | { kind: 'pty'; hostPath: string; devicePath?: string }
  /** A real serial port on a bench (null-modem cable to the kiosk's port). */
  | { kind: 'port'; path: string };

export interface SimHostOptions {
  device: SimulatedDevice;
  endpoint: SimEndpoint;
  /** Line speed of the device-side port (irrelevant on ptys, real on a bench). Default 9600. */
  baudRate?: number;
  /** serialport binding for the device side; default the platform binding. */
  binding?: BindingInterface;
}

export interface SimHostEvents {
  /** The device pulled its cable: the host-side port is gone for `forMs`. */
  unplugged: [{ forMs: number }];
  /** The port is back (same paths). */
  replugged: [];
  /** Something went wrong on the simulator side (kept running where it could). */
  problem: [Error];
}

/**
 * Runs a SimulatedDevice behind a real serial port, so the kiosk (or a test) opens the other end
 * with the real `serialport` bindings and sees exactly what a USB adapter would deliver.
 *
 * On the device's `unplug` event it kills socat — the host's port really disappears and its reads
 * fail — waits `forMs`, and recreates the pair at the SAME link paths, so a SerialLink configured
 * with that path recovers on its own. On a bench port it closes the device side for `forMs`.
 *
 * The host starts the device once its port is open and stops it on `stop()`. It never touches
 * modem-control lines (ptys have none).
 */
export class SimHost extends EventEmitter<SimHostEvents> {
  private pair: PtyPair | undefined;
  private port: SerialPortStream | undefined;
  private replugTimer: NodeJS.Timeout | undefined;
  private wakeReplug: (() => void) | undefined;
  private unplugging = false;
  private stopped = false;
  private readonly onTransmit = (bytes: Buffer) => this.transmit(bytes);
  private readonly onUnplug = ({ forMs }: { forMs: number }) => void this.unplug(forMs);

  private constructor(private readonly options: SimHostOptions) {
    super();
  }

  static async start(options: SimHostOptions): Promise<SimHost> {
    const host = new SimHost(options);
    try {
      await host.plugIn();
    } catch (err) {
      await host.stop();
      throw err;
    }
    options.device.on('transmit', host.onTransmit);
    options.device.on('unplug', host.onUnplug);
    options.device.start();
    return host;
  }

  /** The path the kiosk should open. */
  get hostPath(): string {
    const e = this.options.endpoint;
    return e.kind === 'pty' ? e.hostPath : e.path;
  }

  /** The path the simulator itself has open. */
  get devicePath(): string {
    const e = this.options.endpoint;
    return e.kind === 'pty' ? (e.devicePath ?? `${e.hostPath}${DEVICE_LINK_SUFFIX}`) : e.path;
  }

  get device(): SimulatedDevice {
    return this.options.device;
  }

  /** Stops the device, closes its port and removes the pty pair. Safe to call twice. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    const { device } = this.options;
    device.off('transmit', this.onTransmit);
    device.off('unplug', this.onUnplug);
    device.stop();
    if (this.replugTimer) clearTimeout(this.replugTimer);
    this.wakeReplug?.();
    await this.unplugPort();
  }

  private async plugIn(): Promise<void> {
    const { endpoint } = this.options;
    // socat makes the kiosk's end under a temporary name; it is renamed into place (atomically)
    // once the simulator's end is open, so whoever opens hostPath finds a device that listens —
    // opening a tty discards its unread input, so bytes sent earlier would be lost.
    if (endpoint.kind === 'pty') this.pair = await PtyPair.start({ linkA: this.devicePath, linkB: `${endpoint.hostPath}${STARTING_SUFFIX}` });
    const binding = this.options.binding ?? (await import('serialport')).SerialPort.binding;
    const port = new SerialPortStream({ binding, path: this.devicePath, baudRate: this.options.baudRate ?? 9600, autoOpen: false });
    port.on('error', (err: Error) => this.emit('problem', new Error(`simulator port ${this.devicePath}: ${err.message}`)));
    const failed = await new Promise<Error | null>((resolve) => port.open(resolve));
    if (failed) throw new Error(`cannot open the simulator side ${this.devicePath}: ${failed.message}`);
    port.on('data', (bytes: Buffer) => this.options.device.receive(bytes));
    if (this.pair && endpoint.kind === 'pty') await rename(this.pair.linkB, endpoint.hostPath);
    port.on('close', (err?: Error | null) => {
      if (this.port === port && !this.unplugging && !this.stopped) {
        this.port = undefined;
        this.emit('problem', new Error(`simulator port ${this.devicePath} closed unexpectedly${err ? `: ${err.message}` : ''}`));
      }
    });
    this.port = port;
  }

  private async unplugPort(): Promise<void> {
    const port = this.port;
    this.port = undefined;
    if (port?.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
    const pair = this.pair;
    this.pair = undefined;
    await pair?.stop();
    // The kiosk's end was renamed from the name socat knows: remove it ourselves.
    if (pair && this.options.endpoint.kind === 'pty') await rm(this.options.endpoint.hostPath, { force: true });
  }

  private transmit(bytes: Buffer): void {
    // Bytes sent while unplugged go nowhere, as on a pulled cable.
    const port = this.port;
    if (!port || this.unplugging) return;
    port.write(bytes, (err) => {
      if (err) this.emit('problem', new Error(`simulator write failed: ${err.message}`));
    });
  }

  private async unplug(forMs: number): Promise<void> {
    if (this.unplugging || this.stopped) return;
    this.unplugging = true;
    try {
      await this.unplugPort();
      this.emit('unplugged', { forMs });
      await new Promise<void>((resolve) => {
        this.wakeReplug = resolve;
        this.replugTimer = setTimeout(resolve, forMs);
      });
      this.replugTimer = undefined;
      this.wakeReplug = undefined;
      if (this.stopped) return;
      await this.plugIn();
      if (this.stopped) {
        await this.unplugPort();
        return;
      }
      this.emit('replugged');
    } catch (err) {
      this.emit('problem', err instanceof Error ? err : new Error(String(err)));
    } finally {
      this.unplugging = false;
    }
  }
}
