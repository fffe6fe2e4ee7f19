import { seededRandom } from '../../drivers/sim/seeded-random.js';
import type { KioskRig } from './kiosk-rig.js';
import { monotonicMs } from './monotonic-ms.js';
import type { ScreeningStages } from './rig-messages.js';
import type { SyntheticPerson } from './synthetic-people.js';

/**
 * How long the people themselves take, drawn uniformly from these ranges (ms): a busy station,
 * someone always waiting. `stepUpMs`: the previous traveller has lifted their card and stepped
 * away → the next faces the thermometer and lays their card on the reader. `readResultMs`: the
 * result is on screen → the traveller has read it, lifts the card and steps away.
 */
export interface TravellerTimings {
  stepUpMs: readonly [number, number];
  readResultMs: readonly [number, number];
}

export const BUSY_STATION: TravellerTimings = { stepUpMs: [600, 1200], readResultMs: [600, 1200] };

/** One traveller's passage through the kiosk (monotonic ms; stages from the host process). */
export interface Passage {
  person: SyntheticPerson;
  /** The card lay on the reader (in the card simulator's process). */
  tapAt: number;
  /** The reader's find reply 9F (card found), last byte written. */
  cardFoundAt: number | null;
  /** The read-base reply (1295 bytes), last byte written. */
  readBaseAt: number | null;
  stages: ScreeningStages | null;
  /** The card was lifted and the traveller stepped away. */
  leftAt: number;
  stepUpMs: number;
  readResultMs: number;
  /** Why the passage did not end in a painted result. */
  failure?: string;
}

/** No painted result this long after the tap: the passage failed (counted, the next one comes). */
const RESULT_TIMEOUT_MS = 45_000;

/**
 * Travellers through a KioskRig one after another, as at a busy station: each steps up and taps
 * while the previous result may still be on screen, waits for the painted result, reads it, lifts
 * the card and steps away.
 */
export class TravellerQueue {
  private readonly random: () => number;

  constructor(
    private readonly rig: KioskRig,
    private readonly timings: TravellerTimings = BUSY_STATION,
    seed = 11,
  ) {
    this.random = seededRandom(seed);
  }

  private draw([lo, hi]: readonly [number, number]): number {
    return lo + (hi - lo) * this.random();
  }

  async pass(person: SyntheticPerson): Promise<Passage> {
    const { card, thermo, host } = this.rig;
    const stepUpMs = this.draw(this.timings.stepUpMs);
    const readResultMs = this.draw(this.timings.readResultMs);
    await sleep(stepUpMs);
    // The host reports each screening once its result is painted; this traveller's is the first
    // whose card was decoded after their tap.
    const seen: ScreeningStages[] = [];
    let wake: (() => void) | undefined;
    const onScreening = (s: ScreeningStages) => {
      seen.push(s);
      wake?.();
    };
    host.on('screening', onScreening);
    let tapAt: number;
    let stages: ScreeningStages | null = null;
    try {
      thermo.present(person.subject);
      tapAt = await card.place(person.card);
      const deadline = monotonicMs() + RESULT_TIMEOUT_MS;
      for (;;) {
        stages = seen.find((s) => (s.identityAt ?? s.startedAt) >= tapAt) ?? null;
        const left = deadline - monotonicMs();
        if (stages || left <= 0) break;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
    } finally {
      host.off('screening', onScreening);
    }
    await sleep(stages ? readResultMs : 0);
    await card.lift();
    thermo.present('none');
    const leftAt = monotonicMs();
    const passage: Passage = {
      person,
      tapAt,
      cardFoundAt: card.frameAfter('card-found', tapAt),
      readBaseAt: card.frameAfter('read-base', tapAt),
      stages,
      leftAt,
      stepUpMs,
      readResultMs,
    };
    if (!stages) passage.failure = `no result within ${RESULT_TIMEOUT_MS} ms`;
    else if (stages.abandoned) passage.failure = `abandoned (${stages.reasons.join(',') || 'no reason'})`;
    else if (stages.paintedAt === null) passage.failure = 'result never painted';
    return passage;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
