/**
 * Messages between the Electron main process and the host running in a utilityProcess, over its
 * parentPort. Application traffic does not use this: it flows over MessagePorts handed out with
 * `connect`, one per renderer, and speaks the contract.
 */
export type MainToHost =
  /** First message: the master key unwrapped from the OS keystore (base64), when available. */
  | { type: 'init'; masterKey: string | null }
  /** A new UI connection; the port travels in `ports[0]`. */
  | { type: 'connect' };

export type HostToMain = { type: 'ready'; coldStartMs: number } | { type: 'fatal'; message: string };
