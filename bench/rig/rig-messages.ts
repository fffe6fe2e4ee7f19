import type { IdCard } from '../../drivers/idcard/id-card.js';
import type { Subject } from '../../drivers/sim/thermometer-simulator.js';
import type { ThermoProtocol } from '../../drivers/thermometer/reading.js';
import type { Health } from '../../main/contract/messages.js';

/**
 * What the bench rig's processes say to each other (Node IPC, structured clone): a simulator
 * process (sim-child.ts) and a host process (host-child.ts) talk with the bench process that drives
 * them. Every time is monotonic-ms.ts (CLOCK_MONOTONIC, the same in every process).
 */

export interface SimChildOptions {
  kind: 'idcard' | 'thermo';
  /** The path the kiosk opens (a socat pty; the simulator sits on `<hostPath>.device`). */
  hostPath: string;
  protocol?: ThermoProtocol;
  /** ASCII thermometer: the query it answers (Raytek style), or none to stream lines. */
  asciiQuery?: string;
  /** Multiplies the simulator's scripted delays (1 = real timings). */
  timeScale?: number;
  seed?: number;
  /** Report every write and every command received (thermometer latency and jitter); the card reader always reports its replies. */
  stampAll?: boolean;
}

export type SimCommand =
  | { type: 'place'; card: IdCard }
  | { type: 'lift' }
  | { type: 'present'; subject: Subject }
  | { type: 'unplug'; forMs: number }
  | { type: 'stop' };

/** A SAM reply the card reader wrote: find answered 9F / 80, or the read-base reply. */
export type CardFrameKind = 'card-found' | 'no-card' | 'read-base' | 'other';

export type SimEvent =
  | { type: 'ready'; hostPath: string; pid: number }
  /** The card lies on the reader from `atMs` (the tap). */
  | { type: 'placed'; atMs: number }
  | { type: 'lifted'; atMs: number }
  /** The card reader's reply frames, stamped when the write of their last byte completed. */
  | { type: 'card-frame'; atMs: number; frame: CardFrameKind }
  /** stampAll: bytes whose write completed at `atMs` (the binding's write resolved: handed to the kernel). */
  | { type: 'written'; atMs: number; bytes: Uint8Array }
  /** stampAll: bytes the device received from the kiosk at `atMs`. */
  | { type: 'received'; atMs: number; bytes: Uint8Array }
  | { type: 'unplugged'; atMs: number }
  | { type: 'replugged'; atMs: number }
  | { type: 'problem'; message: string };

export interface HostChildOptions {
  configFile: string;
  dataDir: string;
  rendererDir: string;
}

/** The stages of one screening as the host saw them (monotonic ms; null = did not happen). */
export interface ScreeningStages {
  screeningId: string;
  /** The card reader driver decoded the card (the identity event). */
  identityAt: number | null;
  startedAt: number;
  /** Each measurement window: from entering measuring / re-measuring to its end. */
  windows: Array<{ from: number; to: number | null }>;
  decidingAt: number | null;
  commitStartAt: number | null;
  commitEndAt: number | null;
  resultAt: number | null;
  /** The result screen published to the UIs (contract broadcast) and its sequence number. */
  screenAt: number | null;
  screenSeq: number | null;
  /** The renderer's report that a frame showing the result was painted, as received by the host. */
  paintedAt: number | null;
  decision: 'PASS' | 'HOLD' | null;
  reasons: string[];
  storage: string | null;
  abandoned: boolean;
}

export type HostCommand =
  | { type: 'calibrate'; id: number }
  | { type: 'health'; id: number }
  /** memoryUsage(), after a full collection when `gc` (the host runs with --expose-gc). */
  | { type: 'memory'; id: number; gc: boolean }
  | { type: 'stop'; id: number };

export type HostEvent =
  | { type: 'ready'; url: string; pid: number }
  | { type: 'screening'; stages: ScreeningStages }
  | { type: 'reply'; id: number; health?: Health; memory?: NodeJS.MemoryUsage; error?: string }
  | { type: 'fatal'; message: string };
