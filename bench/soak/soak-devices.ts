import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import { mod112CheckChar } from '../../drivers/idcard/id-number.js';
import { buildSamFrame } from '../../drivers/idcard/sam-frame.js';
import type { ResidentCard } from '../../drivers/idcard/id-card.js';
import { DEFAULT_SIM_CARD, IdCardSimulator } from '../../drivers/sim/idcard-simulator.js';
import { SimHost } from '../../drivers/sim/sim-host.js';
import { ThermometerSimulator } from '../../drivers/sim/thermometer-simulator.js';
import { SimulatorSocket } from '../../main/host/scenario-conductor.js';
import type { DeviceKind } from './fault-plan.js';

/** The kiosk's "find card" command (docs/protocols/sam-reader.md §4), as it arrives at the reader. */
const FIND_CARD = buildSamFrame([0x20, 0x01]);

/**
 * A simulator socket the soak can also pull the cable of, or make noise on, and that counts the
 * "find card" commands the kiosk sends (the reader's side of its polling).
 */
class FaultableSocket extends SimulatorSocket {
  finds = 0;
  readonly polls = new EventEmitter<{ polled: [] }>();
  private tail = Buffer.alloc(0);

  pullCable(forMs: number): void {
    this.emit('unplug', { forMs });
  }
  noise(bytes: Buffer): void {
    this.emit('transmit', bytes);
  }
  override receive(bytes: Buffer): void {
    const seen = Buffer.concat([this.tail, bytes]);
    for (let at = seen.indexOf(FIND_CARD); at !== -1; at = seen.indexOf(FIND_CARD, at + FIND_CARD.length)) this.finds += 1;
    this.tail = seen.subarray(Math.max(0, seen.length - (FIND_CARD.length - 1)));
    this.polls.emit('polled');
    super.receive(bytes);
  }
}

/** One simulated traveller: a card of their own (no duplicates) and a normal or febrile forehead. */
export interface Traveller {
  index: number;
  fever: boolean;
  card: ResidentCard;
}

/**
 * A fictitious resident card per traveller with a distinct, valid number (MOD 11-2 computed here),
 * in the style of the benchmark's cards: region 110105, birth dates from 1950, a sequence.
 */
export function travellerCard(i: number): ResidentCard {
  const year = 1950 + (Math.floor(i / 1000) % 60);
  const day = 1 + (Math.floor(i / 100) % 28);
  const first17 = `110105${year}01${String(day).padStart(2, '0')}${String(i % 1000).padStart(3, '0')}`;
  return { ...DEFAULT_SIM_CARD, name: '模拟旅客', idNumber: first17 + mod112CheckChar(first17), idNumberValid: true, birthDate: `${year}-01-${String(day).padStart(2, '0')}` };
}

/**
 * The card reader and the thermometer, simulated behind real serial ports (socat pseudo-terminals
 * via SimHost): the kiosk opens them with the real serialport bindings, and an unplug removes the
 * port for real. A new card-reader simulator is swapped in for each traveller (their own card);
 * the thermometer sees each traveller step up and leave.
 */
export class SoakDevices {
  /** Problems the simulators' hosts reported (a write to a port that was gone, ...). */
  readonly simulatorProblems: Array<{ at: number; message: string }> = [];
  private reader: IdCardSimulator;

  private constructor(
    private readonly card: FaultableSocket,
    private readonly thermo: ThermometerSimulator,
    private readonly thermoSocket: FaultableSocket,
    private readonly hosts: SimHost[],
    private readonly simTimeScale: number,
    firstReader: IdCardSimulator,
  ) {
    this.reader = firstReader;
    for (const h of hosts) h.on('problem', (err) => this.simulatorProblems.push({ at: Date.now(), message: err.message }));
  }

  static async start(dir: string, simTimeScale: number): Promise<SoakDevices> {
    const card = new FaultableSocket('idcard');
    const firstReader = new IdCardSimulator({ scenario: 'no-card', autoPlay: false, timeScale: simTimeScale });
    card.swap(firstReader);
    const thermo = new ThermometerSimulator({ protocol: 'gy-mcu90614', scenario: 'normal', autoPlay: false, timeScale: simTimeScale });
    const thermoSocket = new FaultableSocket('thermometer');
    thermoSocket.swap(thermo);
    const hosts = [
      await SimHost.start({ device: card, endpoint: { kind: 'pty', hostPath: join(dir, 'idcard') }, baudRate: 115200 }),
      await SimHost.start({ device: thermoSocket, endpoint: { kind: 'pty', hostPath: join(dir, 'thermometer') }, baudRate: 9600 }),
    ];
    return new SoakDevices(card, thermo, thermoSocket, hosts, simTimeScale, firstReader);
  }

  get idcardPath(): string {
    return this.hosts[0]!.hostPath;
  }

  get thermometerPath(): string {
    return this.hosts[1]!.hostPath;
  }

  /** The traveller steps up (forehead in front of the sensor) and lays their card on the reader. */
  arrive(t: Traveller): void {
    this.thermo.present(t.fever ? 'fever' : 'normal');
    const reader = new IdCardSimulator({ scenario: 'no-card', autoPlay: false, timeScale: this.simTimeScale, card: t.card, seed: t.index + 1 });
    this.card.swap(reader);
    this.reader = reader;
    reader.placeCard();
  }

  /** The traveller takes the card and walks on. */
  leave(): void {
    this.reader.liftCard();
    this.thermo.present('none');
  }

  /**
   * Resolves once the kiosk has asked the reader for a card twice since now, so it has had the
   * answer to one "find" with the last card gone (the driver counts a card as new only after a
   * "no card": docs/protocols/sam-reader.md §11 item 1) — or after `timeoutMs` (a reader offline).
   */
  readerPolledTwice(timeoutMs: number): Promise<boolean> {
    const target = this.card.finds + 2;
    return new Promise((resolve) => {
      const check = () => {
        if (this.card.finds < target) return;
        done(true);
      };
      const done = (v: boolean) => {
        clearTimeout(timer);
        this.card.polls.off('polled', check);
        resolve(v);
      };
      const timer = setTimeout(() => done(false), timeoutMs);
      this.card.polls.on('polled', check);
    });
  }

  unplug(device: DeviceKind, forMs: number): void {
    (device === 'idcard' ? this.card : this.thermoSocket).pullCable(forMs);
  }

  garbage(device: DeviceKind, bytes: Buffer): void {
    (device === 'idcard' ? this.card : this.thermoSocket).noise(bytes);
  }

  async stop(): Promise<void> {
    for (const h of this.hosts) await h.stop();
  }
}
