import { EventEmitter } from 'node:events';
import { GY_COMMAND_CODES, GY_COMMAND_HEADER } from '../thermometer/gy-mcu90614-commands.js';
import { GY_FRAME_HEADER, gyChecksum } from '../thermometer/gy-mcu90614-parser.js';
import { OPTRIS_COMMANDS } from '../thermometer/optris-ct-codec.js';
import type { ThermoProtocol } from '../thermometer/reading.js';
import type { ScenarioName, SimulatedDevice, SimulatedDeviceEvents } from './simulated-device.js';
import { foreheadSkinC, TYPICAL_TISSUE_CONDUCTANCE } from './forehead-physics.js';
import { seededRandom } from './seeded-random.js';

/**
 * A forehead IR thermometer speaking the real bytes of the GY-MCU90614 (frames, `A5 45` / `A5 15`
 * commands), the Optris CT (`01` → 2 bytes, `02` head temperature) and ASCII (Raytek `?T\r` →
 * `!T36.5\r\n`, or streaming `T:36.50 TA:25.00` lines) protocols.
 *
 * The scene (noise from a seeded PRNG: the same seed plays the same bytes):
 *
 * | Situation              | Object (skin / scene) °C                                | Note                                  |
 * |------------------------|---------------------------------------------------------|---------------------------------------|
 * | nobody in front        | ambient + 0.2 … 1.8                                     | the wall behind: "no subject"         |
 * | `normal` person        | foreheadSkinC(36.6 °C body, ambient) ± 0.1              | forehead-physics.ts: the heat balance |
 * | `fever` person         | foreheadSkinC(38.5 °C body, ambient) ± 0.1              | of the skin, not the kiosk's model    |
 * | ambient / sensor / head| ambient ± 0.05 (default ambient 25 °C)                  |                                       |
 *
 * The person's skin comes from their body temperature and the room through the simulator's own
 * physics (forehead-physics.ts), so a kiosk screening simulated people exercises its body model.
 * The sensor reads its scene exactly (no gain or offset error): its true calibration is the identity.
 *
 * Script (ms, multiplied by `timeScale`): 0 idle, 1500 a person steps up, 4500 they leave,
 * 5000 `done` (the device keeps answering afterwards, idle). `unplug` cuts the first frame after
 * 2500 in the middle and pulls the cable for 1500 ms. Scenario effects on the wire:
 *
 * - `normal`, `no-card`, `card-left`: the normal person (the card scenarios concern the reader).
 * - `fever`: the fever person.
 * - `garbage`: noise bytes after every frame / reply / line (GY noise includes false header starts
 *   `5A`, `5A 5A`, `5A 5A 45`); the frames themselves are intact.
 * - `bad-checksum`: every 5th GY frame has a wrong SUM; every 5th ASCII line is corrupted
 *   (digits replaced by `?`); Optris replies carry no checksum, so they stay intact.
 * - `unplug`: see above; while unplugged nothing is sent and commands are ignored.
 * - `slow`: replies to queries come 150 ms late, and every transmission trickles byte by byte
 *   (GY 3 ms, Optris 40 ms, ASCII 5 ms between bytes).
 *
 * This is test equipment: it may produce any value. The driver never alters values.
 */
export interface ThermometerSimulatorOptions {
  protocol: ThermoProtocol;
  scenario: ScenarioName;
  /** Multiplies every scripted delay and interval: 0.1 plays ten times faster. Default 1. */
  timeScale?: number;
  ascii?: {
    /** The query the device answers (e.g. '?T\r'). Without one it streams lines every 100 ms. */
    query?: string;
    /** 'raytek': `!T34.5`; 'module': `T:34.50 TA:25.00`. Default 'raytek' with a query, else 'module'. */
    style?: 'raytek' | 'module';
    /** Unit it reports in. Default 'C'. */
    unit?: 'C' | 'F';
  };
  /** PRNG seed. Default 1. */
  seed?: number;
  /** GY: streams frames from power-up (GY-MCU90614 yes, GY-MCU90615 no). Default true. */
  gyAutoOutput?: boolean;
  /** The room and the people in it. */
  scene?: SimulatedScene;
  /** Play the scenario's script on `start()`. False: nobody is in front until `play()` or `present()`. Default true. */
  autoPlay?: boolean;
}

export interface SimulatedScene {
  /** Room (and sensor) temperature, °C. Default 25. */
  ambientC?: number;
  /** Body (core) temperature of the `normal` person, °C. Default 36.6. */
  normalBodyC?: number;
  /** Body temperature of the `fever` person, °C. Default 38.5. */
  feverBodyC?: number;
  /** The person's core-to-skin conductance, W/(m²·K) (forehead-physics.ts). Default 55. */
  tissueConductance?: number;
}

/**
 * The rooms the simulated people are modelled in: 16–32 °C, the operating range of screening
 * kiosks (docs/configuration.md). Tests sweep it; the kiosk's default plausibility bounds lie 1 °C
 * beyond it (the sensor's ambient reading has its own error).
 */
export const SIMULATED_AMBIENT_RANGE_C = [16, 32] as const;

/** The scene when nothing is said: a 25 °C room, a 36.6 °C and a 38.5 °C person. */
export const DEFAULT_SCENE: Required<SimulatedScene> = { ambientC: 25, normalBodyC: 36.6, feverBodyC: 38.5, tissueConductance: TYPICAL_TISSUE_CONDUCTANCE };

/** Sensor noise, ± °C: object (skin) and ambient readings. */
const OBJECT_NOISE_C = 0.1;
const AMBIENT_NOISE_C = 0.05;

export const SIM_SCRIPT_MS = { subjectArrives: 1500, unplugAt: 2500, unplugFor: 1500, subjectLeaves: 4500, done: 5000 } as const;
export const SIM_FRAME_INTERVAL_MS = 100;
const SLOW_REPLY_DELAY_MS = 150;
const SLOW_BYTE_GAP_MS: Record<ThermoProtocol, number> = { 'gy-mcu90614': 3, 'optris-ct': 40, ascii: 5 };


export type Subject = 'none' | 'normal' | 'fever';

export class ThermometerSimulator extends EventEmitter<SimulatedDeviceEvents> implements SimulatedDevice {
  readonly kind = 'thermometer' as const;
  readonly protocol: ThermoProtocol;
  readonly scenario: ScenarioName;
  private readonly timeScale: number;
  private readonly random: () => number;
  private readonly asciiQuery: string | undefined;
  private readonly asciiStyle: 'raytek' | 'module';
  private readonly asciiUnit: 'C' | 'F';
  private readonly gyAutoOutput: boolean;
  private readonly scene: Required<SimulatedScene>;
  private readonly autoPlay: boolean;
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();
  /** Timers of the script being played (a new `play()` replaces them). */
  private readonly scriptTimers = new Set<ReturnType<typeof setTimeout>>();
  private streamTimer: ReturnType<typeof setInterval> | undefined;
  private running = false;
  private subject: Subject = 'none';
  private gyContinuous = false;
  private unplugged = false;
  private cutNextTransmission = false;
  private framesSent = 0;
  private inbound = Buffer.alloc(0);
  private asciiInbound = '';
  /** Slow scenario: bytes waiting to trickle out, in order. */
  private trickle: number[] = [];
  private trickling = false;

  constructor(opts: ThermometerSimulatorOptions) {
    super();
    this.protocol = opts.protocol;
    this.scenario = opts.scenario;
    this.timeScale = opts.timeScale ?? 1;
    if (!(this.timeScale > 0)) throw new TypeError(`timeScale must be > 0, got ${opts.timeScale}`);
    this.random = seededRandom(opts.seed ?? 1);
    this.asciiQuery = opts.ascii?.query;
    this.asciiStyle = opts.ascii?.style ?? (this.asciiQuery ? 'raytek' : 'module');
    this.asciiUnit = opts.ascii?.unit ?? 'C';
    this.gyAutoOutput = opts.gyAutoOutput ?? true;
    this.scene = { ...DEFAULT_SCENE, ...opts.scene };
    this.autoPlay = opts.autoPlay ?? true;
  }

  /** Who is in front of the sensor now (for tests that compare readings with the script). */
  get currentSubject(): Subject {
    return this.subject;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.powerUp();
    if (this.autoPlay) this.play();
  }

  /** Plays the scenario's script from now (`SIM_SCRIPT_MS`), replacing one still playing; `done` at its end. */
  play(): void {
    if (!this.running) return;
    for (const t of this.scriptTimers) clearTimeout(t);
    this.scriptTimers.clear();
    const after = (ms: number, fn: () => void) => this.after(ms, fn, this.scriptTimers);
    const personKind: Subject = this.scenario === 'fever' ? 'fever' : 'normal';
    after(SIM_SCRIPT_MS.subjectArrives, () => (this.subject = personKind));
    after(SIM_SCRIPT_MS.subjectLeaves, () => (this.subject = 'none'));
    let doneAt: number = SIM_SCRIPT_MS.done;
    if (this.scenario === 'unplug') {
      after(SIM_SCRIPT_MS.unplugAt, () => {
        this.cutNextTransmission = true;
        // Query devices cut their next reply; if none is asked for within 1 s, pull the cable anyway.
        after(1000, () => {
          if (this.cutNextTransmission) {
            this.cutNextTransmission = false;
            this.pullCable();
          }
        });
      });
      doneAt = Math.max(doneAt, SIM_SCRIPT_MS.unplugAt + 1000 + SIM_SCRIPT_MS.unplugFor + 500);
    }
    after(doneAt, () => this.emit('done'));
  }

  /** Brings a person (normal or febrile) in front of the sensor, or nobody (bench keys). */
  present(subject: Subject): void {
    if (this.running) this.subject = subject;
  }

  stop(): void {
    this.running = false;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.scriptTimers.clear();
    if (this.streamTimer) clearInterval(this.streamTimer);
    this.streamTimer = undefined;
    this.trickle = [];
  }

  receive(bytes: Buffer): void {
    if (!this.running || this.unplugged) return;
    if (this.protocol === 'gy-mcu90614') this.receiveGy(bytes);
    else if (this.protocol === 'optris-ct') this.receiveOptris(bytes);
    else this.receiveAscii(bytes);
  }

  // ---- power, streaming -------------------------------------------------------------------

  private powerUp(): void {
    this.gyContinuous = this.protocol === 'gy-mcu90614' && this.gyAutoOutput;
    if (this.streamTimer) clearInterval(this.streamTimer);
    this.streamTimer = setInterval(() => this.streamTick(), this.scaled(SIM_FRAME_INTERVAL_MS));
  }

  private streamTick(): void {
    if (this.unplugged) return;
    if (this.protocol === 'gy-mcu90614' && this.gyContinuous) this.transmitFrame(this.gyFrame());
    else if (this.protocol === 'ascii' && this.asciiQuery === undefined) this.transmitFrame(this.asciiLine());
  }

  // ---- GY-MCU90614 ------------------------------------------------------------------------

  private receiveGy(bytes: Buffer): void {
    this.inbound = Buffer.concat([this.inbound, bytes]).subarray(-64);
    for (;;) {
      const at = this.inbound.indexOf(GY_COMMAND_HEADER);
      if (at === -1 || this.inbound.length - at < 3) {
        if (at === -1) this.inbound = Buffer.alloc(0);
        return;
      }
      const code = this.inbound[at + 1]!;
      const sum = this.inbound[at + 2]!;
      if (((GY_COMMAND_HEADER + code) & 0xff) !== sum) {
        this.inbound = this.inbound.subarray(at + 1);
        continue;
      }
      this.inbound = this.inbound.subarray(at + 3);
      if (code === GY_COMMAND_CODES.continuous) this.gyContinuous = true;
      else if (code === GY_COMMAND_CODES.query) {
        this.gyContinuous = false;
        this.reply(() => this.gyFrame());
      }
      // Baud and auto-output commands take effect after a power cycle: accepted silently.
    }
  }

  private gyFrame(): Buffer {
    const frame = Buffer.alloc(9);
    GY_FRAME_HEADER.copy(frame, 0);
    frame.writeInt16BE(Math.round(this.objectTemperature() * 100), 4);
    frame.writeInt16BE(Math.round(this.ambientTemperature() * 100), 6);
    this.framesSent += 1;
    const wrong = this.scenario === 'bad-checksum' && this.framesSent % 5 === 0;
    frame[8] = (gyChecksum(frame) + (wrong ? 1 : 0)) & 0xff;
    return frame;
  }

  // ---- Optris CT --------------------------------------------------------------------------

  private receiveOptris(bytes: Buffer): void {
    for (const b of bytes) {
      if (b === OPTRIS_COMMANDS.targetTemperature || b === OPTRIS_COMMANDS.currentTargetTemperature) {
        this.reply(() => this.optrisReply(this.objectTemperature()));
      } else if (b === OPTRIS_COMMANDS.headTemperature) {
        this.reply(() => this.optrisReply(this.ambientTemperature()));
      }
      // Other commands (emissivity, SET ...) are outside what the kiosk uses: no answer.
    }
  }

  private optrisReply(celsius: number): Buffer {
    const value = Math.round(celsius * 10) + 1000;
    return Buffer.from([(value >> 8) & 0xff, value & 0xff]);
  }

  // ---- ASCII ------------------------------------------------------------------------------

  private receiveAscii(bytes: Buffer): void {
    this.asciiInbound = (this.asciiInbound + bytes.toString('latin1')).slice(-256);
    if (this.asciiQuery === undefined) return;
    for (;;) {
      const at = this.asciiInbound.indexOf(this.asciiQuery);
      const cr = this.asciiInbound.indexOf('\r');
      if (at !== -1 && (cr === -1 || at <= cr)) {
        const junk = this.asciiInbound.slice(0, at).trim();
        if (junk) this.reply(() => Buffer.from('*Syntax error\r\n'));
        this.asciiInbound = this.asciiInbound.slice(at + this.asciiQuery.length);
        this.reply(() => this.asciiLine());
      } else if (cr !== -1) {
        if (this.asciiInbound.slice(0, cr).trim()) this.reply(() => Buffer.from('*Syntax error\r\n'));
        this.asciiInbound = this.asciiInbound.slice(cr + 1);
      } else {
        return;
      }
    }
  }

  private asciiLine(): Buffer {
    const inUnit = (c: number) => (this.asciiUnit === 'F' ? (c * 9) / 5 + 32 : c);
    const object = inUnit(this.objectTemperature());
    const ambient = inUnit(this.ambientTemperature());
    let line = this.asciiStyle === 'raytek' ? `!T${object.toFixed(1)}` : `T:${object.toFixed(2)} TA:${ambient.toFixed(2)}`;
    this.framesSent += 1;
    if (this.scenario === 'bad-checksum' && this.framesSent % 5 === 0) line = line.replace(/\d/g, '?');
    return Buffer.from(`${line}\r\n`, 'latin1');
  }

  // ---- temperatures -----------------------------------------------------------------------

  private uniform(min: number, max: number): number {
    return min + (max - min) * this.random();
  }

  protected objectTemperature(): number {
    const { ambientC, normalBodyC, feverBodyC, tissueConductance } = this.scene;
    switch (this.subject) {
      case 'none':
        return ambientC + this.uniform(0.2, 1.8);
      case 'normal':
        return foreheadSkinC(normalBodyC, ambientC, tissueConductance) + this.uniform(-OBJECT_NOISE_C, OBJECT_NOISE_C);
      case 'fever':
        return foreheadSkinC(feverBodyC, ambientC, tissueConductance) + this.uniform(-OBJECT_NOISE_C, OBJECT_NOISE_C);
    }
  }

  private ambientTemperature(): number {
    return this.scene.ambientC + this.uniform(-AMBIENT_NOISE_C, AMBIENT_NOISE_C);
  }

  // ---- wire -------------------------------------------------------------------------------

  /** A reply to a command: late in the slow scenario; built when it is sent. */
  private reply(build: () => Buffer): void {
    if (this.scenario === 'slow') this.after(SLOW_REPLY_DELAY_MS, () => this.transmitFrame(build()));
    else this.transmitFrame(build());
  }

  private transmitFrame(frame: Buffer): void {
    if (!this.running || this.unplugged) return;
    if (this.cutNextTransmission) {
      this.cutNextTransmission = false;
      this.send(frame.subarray(0, Math.ceil(frame.length / 2)));
      this.pullCable();
      return;
    }
    this.send(frame);
    if (this.scenario === 'garbage') this.send(this.noise());
  }

  private noise(): Buffer {
    if (this.protocol === 'ascii') return Buffer.from('#~@\x07junk\r\n', 'latin1');
    const bytes: number[] = [];
    if (this.protocol === 'gy-mcu90614') {
      const falseStart = Math.floor(this.random() * 4); // 0..3 bytes of a header, never the whole header
      bytes.push(...GY_FRAME_HEADER.subarray(0, falseStart));
    }
    const n = 1 + Math.floor(this.random() * 5);
    for (let i = 0; i < n; i++) {
      let b = Math.floor(this.random() * 256);
      if (b === GY_FRAME_HEADER[0]) b = 0x00;
      bytes.push(b);
    }
    return Buffer.from(bytes);
  }

  private send(bytes: Buffer): void {
    if (this.scenario !== 'slow') {
      this.emit('transmit', Buffer.from(bytes));
      return;
    }
    this.trickle.push(...bytes);
    this.pump();
  }

  private pump(): void {
    if (this.trickling) return;
    const next = this.trickle.shift();
    if (next === undefined) return;
    this.trickling = true;
    this.emit('transmit', Buffer.from([next]));
    this.after(SLOW_BYTE_GAP_MS[this.protocol], () => {
      this.trickling = false;
      if (!this.unplugged) this.pump();
    });
  }

  private pullCable(): void {
    const forMs = this.scaled(SIM_SCRIPT_MS.unplugFor);
    this.unplugged = true;
    this.trickle = [];
    this.emit('unplug', { forMs });
    this.after(SIM_SCRIPT_MS.unplugFor, () => {
      this.unplugged = false;
      this.inbound = Buffer.alloc(0);
      this.asciiInbound = '';
      this.powerUp();
    });
  }

  private scaled(ms: number): number {
    return Math.max(1, Math.round(ms * this.timeScale));
  }

  private after(ms: number, fn: () => void, also?: Set<ReturnType<typeof setTimeout>>): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      also?.delete(t);
      if (this.running) fn();
    }, this.scaled(ms));
    this.timers.add(t);
    also?.add(t);
  }
}
