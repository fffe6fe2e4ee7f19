import { seededRandom } from './seeded-random.js';
import type { ThermometerSimulatorOptions } from './thermometer-simulator.js';
import { ThermometerSimulator } from './thermometer-simulator.js';

/**
 * A bench for calibrating against: a simulated blackbody (cavity radiator at a set-point) and the
 * thermometer's sensor error, so the calibration wizard and `kiosk calibrate` run on the real
 * driver path and must find a known answer.
 *
 * - Sensor error: what the device reports for a scene at T is `gain·T + offsetC + noise`, noise
 *   uniform in ±noiseC (a fresh draw per reading). It applies to every scene — blackbody and people —
 *   so screenings after a calibration are measurably corrected by it.
 * - Blackbody: once set, its temperature moves from where it was to the set-point as a first-order
 *   system (time constant `timeConstantMs`), as a real source settles; while it is in front of the
 *   sensor it fills the field of view, whoever stands there.
 */
export interface SensorError {
  gain: number;
  offsetC: number;
  noiseC: number;
}

export const NO_SENSOR_ERROR: SensorError = { gain: 1, offsetC: 0, noiseC: 0 };

export class SimulatedBlackbody {
  private target: number | null = null;
  private from = 25;
  private changedAt = 0;

  constructor(
    readonly timeConstantMs = 400,
    private readonly now: () => number = () => performance.now(),
    private readonly roomC = 25,
  ) {}

  get setPointC(): number | null {
    return this.target;
  }

  /** Sets the set-point, or takes the blackbody away (null). */
  set(setPointC: number | null): void {
    const current = this.temperatureC() ?? this.roomC;
    this.from = current;
    this.changedAt = this.now();
    this.target = setPointC;
  }

  /** The blackbody's own "at temperature" indication: within `toleranceC` of its set-point. */
  settled(toleranceC = 0.005): boolean {
    const t = this.temperatureC();
    return t !== null && this.target !== null && Math.abs(t - this.target) <= toleranceC;
  }

  /** The cavity's temperature now, or null when no blackbody is in front of the sensor. */
  temperatureC(): number | null {
    if (this.target === null) return null;
    const t = this.now() - this.changedAt;
    return this.target + (this.from - this.target) * Math.exp(-t / this.timeConstantMs);
  }
}

export class SimulatedBench {
  readonly blackbody: SimulatedBlackbody;
  private readonly random: () => number;

  constructor(
    readonly sensor: SensorError = NO_SENSOR_ERROR,
    options: { seed?: number; blackbody?: SimulatedBlackbody } = {},
  ) {
    this.random = seededRandom(options.seed ?? 7);
    this.blackbody = options.blackbody ?? new SimulatedBlackbody();
  }

  /** What the sensor reports for a scene at `sceneC`. */
  sense(sceneC: number): number {
    const noise = this.sensor.noiseC === 0 ? 0 : (this.random() * 2 - 1) * this.sensor.noiseC;
    return this.sensor.gain * sceneC + this.sensor.offsetC + noise;
  }
}

/**
 * The thermometer simulator on a bench: the person physics of ThermometerSimulator, replaced by the
 * blackbody while one is set, both seen through the sensor error.
 */
export class BenchThermometerSimulator extends ThermometerSimulator {
  constructor(
    options: ThermometerSimulatorOptions,
    readonly bench: SimulatedBench,
  ) {
    super(options);
  }

  protected override objectTemperature(): number {
    return this.bench.sense(this.bench.blackbody.temperatureC() ?? super.objectTemperature());
  }
}
