import { performance } from 'node:perf_hooks';
import type { ThermoReading } from '../../drivers/thermometer/reading.js';
import { foreheadSkinC } from '../../drivers/sim/forehead-physics.js';
import { seededRandom } from '../../drivers/sim/seeded-random.js';
import type { KioskConfig } from '../../main/config/kiosk-config.js';
import { StaticCalibrationSource } from '../../main/engine/calibration-source.js';
import type { IdHasher } from '../../main/engine/id-hasher.js';
import type { RecordSink } from '../../main/engine/record-sink.js';
import { ScreeningEngine } from '../../main/engine/screening-engine.js';
import type { ScreeningRecord } from '../../main/engine/screening-record.js';
import { StaticWatchlistSource, type WatchlistSnapshot } from '../../main/engine/watchlist-source.js';
import type { SyntheticPerson } from './synthetic-people.js';

const ROOM_C = 25;
/** Body temperatures of the simulated people (drivers/sim/thermometer-simulator.ts DEFAULT_SCENE). */
const BODY_C = { normal: 36.6, fever: 38.5 } as const;

/**
 * Feeds travellers into a ScreeningEngine without devices, as the drivers would: the card, then
 * one window of readings (what the simulator's forehead physics gives for the person in a 25 °C
 * room, with noise), and a second window when the engine asks for a re-measurement. Each card comes
 * during the previous result, as at a busy station.
 */
export class EngineFeed {
  readonly engine: ScreeningEngine;
  /** The lists the engine consults (replace() swaps them). */
  readonly lists: StaticWatchlistSource;
  private readonly noise = seededRandom(5);

  constructor(
    private readonly config: KioskConfig,
    sink: RecordSink,
    hasher: IdHasher,
    lists: WatchlistSnapshot,
  ) {
    const now = Date.now();
    this.lists = new StaticWatchlistSource(lists);
    this.engine = new ScreeningEngine({
      config,
      sink,
      watchlist: this.lists,
      hasher,
      calibration: new StaticCalibrationSource({ id: 'bench-cal', deviceId: config.devices.thermometer.id, kind: 'two-point', gain: 1, offset: 0, createdAt: new Date(now).toISOString(), validUntil: new Date(now + 7 * 86_400_000).toISOString() }),
    });
    this.engine.start();
  }

  private reading(bodyC: number): ThermoReading {
    return {
      deviceId: this.config.devices.thermometer.id,
      protocol: 'gy-mcu90614',
      objectC: foreheadSkinC(bodyC, ROOM_C) + (this.noise() - 0.5) * 0.2,
      ambientC: ROOM_C + (this.noise() - 0.5) * 0.1,
      outOfRange: false,
      monotonicMs: performance.now(),
      raw: '',
    };
  }

  private window(bodyC: number): void {
    for (let k = 0; k < this.config.temperature.samples; k++) this.engine.onReading(this.reading(bodyC));
  }

  /**
   * One traveller: resolves with their record once the result is out, and whether they were
   * re-measured. `beforeReadings` is awaited between the card and the readings (the readings arrive
   * later, as from a real thermometer).
   */
  async screen(p: SyntheticPerson, beforeReadings?: () => Promise<void>): Promise<{ record: ScreeningRecord; remeasured: boolean }> {
    const engine = this.engine;
    let remeasured = false;
    const onTransition = (e: { to: string }) => {
      if (e.to !== 're-measuring') return;
      remeasured = true;
      setImmediate(() => this.window(BODY_C[p.subject]));
    };
    let onAbandoned: (() => void) | undefined;
    const done = new Promise<ScreeningRecord>((resolve, reject) => {
      engine.once('result', (e) => resolve(e.record));
      onAbandoned = () => reject(new Error(`traveller ${p.index} was abandoned: the injected events no longer fit the engine`));
      engine.once('abandoned', onAbandoned);
    });
    engine.on('transition', onTransition);
    try {
      engine.onIdentity({ deviceId: this.config.devices.idcard.id, card: p.card, monotonicMs: performance.now(), source: 'sam' });
      if (beforeReadings) await beforeReadings();
      this.window(BODY_C[p.subject]);
      return { record: await done, remeasured };
    } finally {
      engine.off('transition', onTransition);
      engine.off('abandoned', onAbandoned!);
    }
  }

  /** Lets the result be on screen for one turn of the event loop (the next card comes during it). */
  static nextTurn(): Promise<void> {
    return new Promise((r) => setImmediate(r));
  }

  stop(): Promise<void> {
    return this.engine.stop();
  }
}
