import type { EventEmitter } from 'node:events';

/**
 * A byte link to one serial device: a real port (SerialLink), an in-process pair (MemoryLink) or
 * anything else that moves bytes. Drivers depend only on this interface.
 *
 * Events:
 * - `state` (LinkState): connecting / online / offline, with a reason when offline.
 * - `data` (Buffer): bytes from the device.
 *
 * A link never throws out of the event loop: failures become an `offline` state and the link
 * retries by itself until `close()` is called.
 */
export type LinkState =
  | { state: 'connecting'; attempt: number }
  | { state: 'online'; path: string }
  | { state: 'offline'; reason: string; retryInMs?: number };

export interface LinkEvents {
  state: [LinkState];
  data: [Buffer];
}

export interface Link extends EventEmitter<LinkEvents> {
  /** Human-readable identity (configured path or USB match), safe for logs. */
  readonly id: string;
  readonly current: LinkState;
  /** Starts connecting; resolves once the first attempt finished (online or offline). */
  open(): Promise<void>;
  /** Writes bytes; rejects when the link is not online. */
  write(bytes: Uint8Array): Promise<void>;
  /** Discards bytes received but not yet delivered, where the link can (a real port's input buffer). */
  flushInput(): Promise<void>;
  /** Drivers call this on every valid frame; it feeds the link's liveness watchdog. */
  noteAlive(): void;
  /** Stops for good: closes the port and cancels any reconnect. */
  close(): Promise<void>;
  /** Changes the line speed (after a set-baud command); the link reopens at the new rate. */
  setBaudRate?(baudRate: number): Promise<void>;
}
