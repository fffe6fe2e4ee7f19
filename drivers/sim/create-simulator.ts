import { SAM_DEFAULT_BAUD } from '../idcard/default-baud.js';
import type { IdCard } from '../idcard/id-card.js';
import { defaultBaudFor } from '../thermometer/default-baud.js';
import { THERMO_PROTOCOLS, type ThermoProtocol } from '../thermometer/reading.js';
import { BenchThermometerSimulator, type SimulatedBench } from './blackbody.js';
import { IdCardSimulator } from './idcard-simulator.js';
import { SCENARIOS, type ScenarioName, type SimulatedDevice } from './simulated-device.js';
import { ThermometerSimulator, type SimulatedScene, type ThermometerSimulatorOptions } from './thermometer-simulator.js';

export type SimulatorKind = 'idcard' | 'thermo';
export const SIMULATOR_KINDS: readonly SimulatorKind[] = ['idcard', 'thermo'];

export interface CreateSimulatorOptions {
  scenario: ScenarioName;
  /** Thermometer protocol (thermo only). Default 'gy-mcu90614'. */
  protocol?: ThermoProtocol;
  /** Multiplies every scripted delay: 0.1 plays ten times faster. Default 1. */
  timeScale?: number;
  /** PRNG seed of the noise / temperature model. Default 1. */
  seed?: number;
  /** ID card: the card on the reader (default the simulator's synthetic card). */
  card?: IdCard;
  /** Thermometer, ASCII protocol: query / line style / unit. */
  ascii?: ThermometerSimulatorOptions['ascii'];
  /** Thermometer: a sensor error and a blackbody to calibrate against (blackbody.ts). */
  bench?: SimulatedBench;
  /** Thermometer: the room and the people (default a 25 °C room). */
  scene?: SimulatedScene;
  /** Thermometer, GY: streams from power-up (GY-MCU90614 yes, GY-MCU90615 no). */
  gyAutoOutput?: boolean;
  /** Play the scenario on `start()` (default true); false: powered up and idle until `play()` (bench sessions). */
  autoPlay?: boolean;
}

/** A bad simulator request: says what is wrong and lists the valid names. */
export class SimulatorOptionError extends Error {
  override name = 'SimulatorOptionError';
}

/** The SAM module's factory rate; thermometers per protocol (GY-MCU90614 9600, Optris 115200, ASCII 9600). */
export { SAM_DEFAULT_BAUD };

/**
 * Makes the simulator of one device kind. Thin on purpose: the two simulators own their scripts;
 * this only validates names and picks the class, for `kiosk sim`, the host's simulation mode and tests.
 */
export function createSimulator(kind: SimulatorKind, options: CreateSimulatorOptions): IdCardSimulator | ThermometerSimulator {
  if (!SIMULATOR_KINDS.includes(kind)) throw new SimulatorOptionError(`unknown device kind "${String(kind)}"; valid: ${SIMULATOR_KINDS.join(', ')}`);
  if (!SCENARIOS.includes(options.scenario)) {
    throw new SimulatorOptionError(`unknown scenario "${String(options.scenario)}"; valid: ${SCENARIOS.join(', ')}`);
  }
  if (options.protocol !== undefined && !THERMO_PROTOCOLS.includes(options.protocol)) {
    throw new SimulatorOptionError(`unknown thermometer protocol "${String(options.protocol)}"; valid: ${THERMO_PROTOCOLS.join(', ')}`);
  }
  const common = {
    scenario: options.scenario,
    ...(options.timeScale !== undefined && { timeScale: options.timeScale }),
    ...(options.seed !== undefined && { seed: options.seed }),
    ...(options.autoPlay !== undefined && { autoPlay: options.autoPlay }),
  };
  if (kind === 'idcard') {
    if (options.protocol !== undefined) throw new SimulatorOptionError('a protocol applies to thermometers only; the ID-card reader always speaks SAM frames');
    return new IdCardSimulator({ ...common, ...(options.card && { card: options.card }) });
  }
  const thermo = {
    ...common,
    protocol: options.protocol ?? 'gy-mcu90614',
    ...(options.ascii && { ascii: options.ascii }),
    ...(options.gyAutoOutput !== undefined && { gyAutoOutput: options.gyAutoOutput }),
    ...(options.scene && { scene: options.scene }),
  };
  return options.bench ? new BenchThermometerSimulator(thermo, options.bench) : new ThermometerSimulator(thermo);
}

/** The line speed a simulated device of this kind runs at by default (matters on bench ports only). */
export function defaultSimulatorBaud(kind: SimulatorKind, protocol: ThermoProtocol = 'gy-mcu90614'): number {
  return kind === 'idcard' ? SAM_DEFAULT_BAUD : defaultBaudFor(protocol);
}
