import type { EventEmitter } from 'node:events';

/** Scenario names every simulator understands (each interprets them for its own device). */
export const SCENARIOS = ['normal', 'fever', 'no-card', 'card-left', 'garbage', 'bad-checksum', 'unplug', 'slow'] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

export interface SimulatedDeviceEvents {
  /** Bytes the device sends to the host. */
  transmit: [Buffer];
  /** The device vanishes (cable pulled) for `forMs`, then returns. Hosts of the simulator act on it. */
  unplug: [{ forMs: number }];
  /** The scripted scenario has played out (the device keeps answering, idle). */
  done: [];
}

/**
 * A simulator speaking a device's real bytes. It is transport-agnostic: something feeds it the
 * bytes the host wrote (`receive`) and forwards what it `transmit`s — an in-process MemoryLink,
 * a socat pseudo-terminal, or a real serial port on a bench.
 */
export interface SimulatedDevice extends EventEmitter<SimulatedDeviceEvents> {
  readonly kind: 'idcard' | 'thermometer';
  readonly scenario: ScenarioName;
  /** Bytes written by the host. */
  receive(bytes: Buffer): void;
  start(): void;
  stop(): void;
}
