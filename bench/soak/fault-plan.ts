import { seededRandom } from '../../drivers/sim/seeded-random.js';

/**
 * The faults the soak injects and when: a seeded schedule over the run, one fault at a time (each is
 * injected, then the kiosk's recovery is awaited, before the next), so every error the host logs can
 * be traced to the fault that caused it (log-audit.ts).
 */
export type DeviceKind = 'idcard' | 'thermometer';

export type FaultKind =
  /** The device's USB cable pulled for a moment (socat killed: the port really disappears). */
  | 'unplug'
  /** Random bytes on the line between or inside frames. */
  | 'garbage'
  /** The data directory's filesystem full for a spell of screenings, then space freed. */
  | 'disk-full'
  /** The host killed with SIGKILL (power cut, OOM killer) and started again on the same data. */
  | 'kill'
  /**
   * The central service gone for a spell of screenings (stopped with SIGTERM or killed with
   * SIGKILL, alternately), then started again on the same port and data: the kiosk screens on,
   * its records wait in the outbox. Scheduled when the soak runs a central (not with --no-central).
   */
  | 'central-outage';

export interface PlannedFault {
  /** Injected before the screening with this index (0-based) … */
  at: number;
  kind: FaultKind;
  device?: DeviceKind;
  /** … or while it is under way (after the card is placed). */
  midScreening: boolean;
  /** disk-full and central-outage: how many screenings the spell lasts. */
  spell?: number;
  /** central-outage: how central goes away. */
  signal?: 'SIGTERM' | 'SIGKILL';
}

/** Faults per 1,000 screenings. */
export const FAULT_RATES: Readonly<Record<FaultKind, number>> = {
  unplug: 1.5,
  garbage: 4,
  'disk-full': 0.1,
  kill: 0.07,
  'central-outage': 0.1,
};

/** Faults of a kind in any run, at least: a short run still exercises every recovery path (both ways central goes away). */
const AT_LEAST: Readonly<Partial<Record<FaultKind, number>>> = { 'central-outage': 2 };

/** Screenings between two faults, at least (recovery and a few clean screenings in between). */
const MIN_GAP = 12;

/**
 * The schedule for `total` screenings: each available kind at its rate (at least once, a central
 * outage at least twice, so a short run exercises every recovery path), at seeded random places after a warm-up, never two within
 * MIN_GAP screenings (a disk spell counts as its length).
 */
export function planFaults(total: number, seed: number, available: ReadonlySet<FaultKind>): PlannedFault[] {
  const random = seededRandom(seed);
  const warmUp = Math.min(200, Math.floor(total / 10));
  const lastAt = Math.max(warmUp + 1, total - 20);
  const faults: PlannedFault[] = [];
  const devices: DeviceKind[] = ['idcard', 'thermometer'];
  for (const kind of (Object.keys(FAULT_RATES) as FaultKind[]).filter((k) => available.has(k))) {
    const count = Math.max(AT_LEAST[kind] ?? 1, Math.round((FAULT_RATES[kind] * total) / 1000));
    for (let i = 0; i < count; i++) {
      const spell = kind === 'disk-full' || kind === 'central-outage' ? Math.min(100, Math.max(10, Math.floor(total / 50))) : undefined;
      faults.push({
        at: warmUp + Math.floor(random() * (lastAt - warmUp)),
        kind,
        ...(kind === 'unplug' || kind === 'garbage' ? { device: devices[i % 2]! } : {}),
        midScreening: kind !== 'disk-full' && kind !== 'central-outage' && random() < 0.5,
        ...(spell !== undefined && { spell }),
        ...(kind === 'central-outage' && { signal: i % 2 === 0 ? 'SIGTERM' : 'SIGKILL' }),
      });
    }
  }
  faults.sort((a, b) => a.at - b.at);
  // Spread them out: one fault at a time.
  let next = 0;
  for (const f of faults) {
    f.at = Math.max(f.at, next);
    next = f.at + (f.spell ?? 0) + MIN_GAP;
  }
  return faults.filter((f) => f.at + (f.spell ?? 0) < total);
}
