import { EventEmitter } from 'node:events';
import type { SimulatedBench } from '../../drivers/sim/blackbody.js';
import { createSimulator } from '../../drivers/sim/create-simulator.js';
import { SCENARIOS, type ScenarioName, type SimulatedDevice, type SimulatedDeviceEvents } from '../../drivers/sim/simulated-device.js';
import type { ThermoProtocol } from '../../drivers/thermometer/reading.js';
import { SIM_SCRIPT_MS, type ThermometerSimulatorOptions } from '../../drivers/sim/thermometer-simulator.js';

/** One simulated person: the card reader's scenario and the thermometer's. */
export interface ScenarioStep {
  idcard: ScenarioName;
  thermometer: ScenarioName;
}

/**
 * Parses `--scenario a,b,c`: each entry is one person. `fever` plays fever on both devices;
 * `no-card/unplug` plays `no-card` on the card reader and `unplug` on the thermometer.
 * Throws with the list of valid names on a typo.
 */
export function parseScenarioList(text: string): ScenarioStep[] {
  const steps = text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (steps.length === 0) throw new Error(`--scenario needs at least one name; valid: ${SCENARIOS.join(', ')}`);
  return steps.map((entry) => {
    const parts = entry.split('/');
    if (parts.length > 2) throw new Error(`--scenario entry "${entry}" has more than one "/"; write <scenario> or <card-reader scenario>/<thermometer scenario>`);
    for (const p of parts) {
      if (!(SCENARIOS as readonly string[]).includes(p)) throw new Error(`unknown scenario "${p}" in --scenario; valid: ${SCENARIOS.join(', ')}`);
    }
    const [idcard, thermometer = idcard] = parts as [ScenarioName, ScenarioName?];
    return { idcard, thermometer };
  });
}

/**
 * A stable SimulatedDevice the host's MemoryLink stays wired to, while the simulator behind it is
 * swapped for each person. Bytes and unplugs pass straight through.
 */
export class SimulatorSocket extends EventEmitter<SimulatedDeviceEvents> implements SimulatedDevice {
  private inner: SimulatedDevice | null = null;
  private readonly onTransmit = (b: Buffer) => this.emit('transmit', b);
  private readonly onUnplug = (u: { forMs: number }) => this.emit('unplug', u);
  private readonly onDone = () => this.emit('done');

  constructor(readonly kind: 'idcard' | 'thermometer') {
    super();
  }

  get scenario(): ScenarioName {
    return this.inner?.scenario ?? 'no-card';
  }

  /** Stops the current simulator and starts `next` in its place. */
  swap(next: SimulatedDevice): void {
    if (this.inner) {
      this.inner.off('transmit', this.onTransmit);
      this.inner.off('unplug', this.onUnplug);
      this.inner.off('done', this.onDone);
      this.inner.stop();
    }
    this.inner = next;
    next.on('transmit', this.onTransmit);
    next.on('unplug', this.onUnplug);
    next.on('done', this.onDone);
    next.start();
  }

  receive(bytes: Buffer): void {
    this.inner?.receive(bytes);
  }

  start(): void {
    this.inner?.start();
  }

  stop(): void {
    this.inner?.stop();
  }
}

export interface ScenarioConductorOptions {
  steps: ScenarioStep[];
  protocol: ThermoProtocol;
  /** What the simulated thermometer must speak to match the configured driver (ASCII query, GY power-up output). */
  thermometer?: Pick<ThermometerSimulatorOptions, 'ascii' | 'gyAutoOutput'>;
  timeScale: number;
  /** The simulated thermometer's bench (sensor error, blackbody); none: an ideal sensor. */
  bench?: SimulatedBench;
  /** Resolves once the screening engine is back in idle (the previous person's result has gone). */
  waitForIdle(): Promise<void>;
  log(step: number, step_: ScenarioStep): void;
}

/**
 * Plays simulated people one after another: both simulators of a step run their script; when both
 * are done and the engine is back in idle, the next person steps up. After the last one the
 * simulators stay connected and idle (the devices keep answering, nobody is there).
 */
export class ScenarioConductor extends EventEmitter<{ step: [number, ScenarioStep]; finished: [] }> {
  readonly card = new SimulatorSocket('idcard');
  readonly thermometer = new SimulatorSocket('thermometer');
  private stopped = false;
  private index = -1;

  constructor(private readonly opts: ScenarioConductorOptions) {
    super();
  }

  get stepIndex(): number {
    return this.index;
  }

  private vacancyTimer: ReturnType<typeof setInterval> | null = null;

  /**
   * Powers the simulated devices up with nobody there: the card reader answers "no card", the
   * thermometer streams the empty scene. The thermometer simulator's script always brings a person
   * at `SIM_SCRIPT_MS.subjectArrives`, so a fresh one replaces it well before that, until `start()`.
   */
  powerOn(): void {
    this.card.swap(createSimulator('idcard', { scenario: 'no-card', timeScale: this.opts.timeScale }));
    const vacantThermometer = () =>
      this.thermometer.swap(createSimulator('thermo', { ...this.opts.thermometer, scenario: 'normal', protocol: this.opts.protocol, timeScale: this.opts.timeScale, ...(this.opts.bench && { bench: this.opts.bench }) }));
    vacantThermometer();
    this.vacancyTimer = setInterval(vacantThermometer, Math.max(50, (SIM_SCRIPT_MS.subjectArrives * this.opts.timeScale) / 2));
  }

  /** Starts the first person and returns; the rest follow by themselves. */
  start(): void {
    this.stopVacancy();
    void this.run();
  }

  private stopVacancy(): void {
    if (this.vacancyTimer) clearInterval(this.vacancyTimer);
    this.vacancyTimer = null;
  }

  /**
   * A person registered by staff (no card) walks up to the thermometer: a fresh thermometer
   * simulator of that scenario takes the sensor's place (the person arrives after its usual lead-in).
   */
  walkUp(scenario: ScenarioName = 'normal'): void {
    this.stopVacancy();
    this.thermometer.swap(createSimulator('thermo', { scenario, protocol: this.opts.protocol, timeScale: this.opts.timeScale, ...(this.opts.bench && { bench: this.opts.bench }) }));
  }

  stop(): void {
    this.stopVacancy();
    this.stopped = true;
    this.card.stop();
    this.thermometer.stop();
  }

  private async run(): Promise<void> {
    for (let i = 0; i < this.opts.steps.length && !this.stopped; i++) {
      const step = this.opts.steps[i]!;
      this.index = i;
      const cardDone = new Promise<void>((r) => this.card.once('done', () => r()));
      const thermoDone = new Promise<void>((r) => this.thermometer.once('done', () => r()));
      this.card.swap(createSimulator('idcard', { scenario: step.idcard, timeScale: this.opts.timeScale, seed: i + 1 }));
      this.thermometer.swap(createSimulator('thermo', { ...this.opts.thermometer, scenario: step.thermometer, protocol: this.opts.protocol, timeScale: this.opts.timeScale, seed: i + 1, ...(this.opts.bench && { bench: this.opts.bench }) }));
      this.opts.log(i, step);
      this.emit('step', i, step);
      await Promise.all([cardDone, thermoDone]);
      if (this.stopped) return;
      await this.opts.waitForIdle();
    }
    if (!this.stopped) this.emit('finished');
  }
}
