import type { KeySourceKind } from '../store/key-provider.js';

/**
 * Messages between the Electron main process and the host running in a utilityProcess, over its
 * parentPort. Application traffic does not use this: it flows over MessagePorts handed out with
 * `connect`, one per renderer, and speaks the contract.
 */
export type MainToHost =
  /**
   * First message: the master key the shell resolved from the data directory's recorded key source
   * (main/store/key-source.ts), base64, and where it is kept.
   */
  | { type: 'init'; key: { masterKey: string; source: KeySourceKind } }
  /** A new UI connection; the port travels in `ports[0]`. */
  | { type: 'connect' };

export type HostToMain =
  | { type: 'ready'; coldStartMs: number }
  /** The host cannot start or run; `message` says why and how to fix it (no personal data). */
  | { type: 'fatal'; message: string };
