import type { Transform } from 'node:stream';
import { identifyCommand } from '../../drivers/idcard/sam-commands.js';
import type { SamFrame } from '../../drivers/idcard/sam-frame.js';
import { SamFrameParser } from '../../drivers/idcard/sam-frame-parser.js';
import { describeSw3, hex2 } from '../../drivers/idcard/sw3.js';
import { frameHex } from '../../drivers/thermometer/frame-hex.js';
import { GY_COMMAND_CODES, GY_COMMAND_HEADER } from '../../drivers/thermometer/gy-mcu90614-commands.js';
import { OPTRIS_COMMANDS } from '../../drivers/thermometer/optris-ct-codec.js';
import type { ThermoDecoded, ThermoProtocol } from '../../drivers/thermometer/reading.js';
import { createThermoDecoder } from '../../drivers/thermometer/thermo-decoder.js';
import type { TapEvent } from '../../drivers/transport/tapped-link.js';
import type { MonitorLine } from '../contract/console-messages.js';

/**
 * The technician's live serial monitor: every byte both ways on both devices, framed and decoded
 * with the drivers' own parsers, in a ring of the last `capacity` lines.
 *
 * No personal data, on screen or in an export: an ID-card reply longer than a status or SAM-id reply
 * shows its header (preamble, LEN, SW1 SW2 SW3) and only the count of the card-data bytes withheld.
 * Thermometer frames are temperatures and are shown whole.
 */
export const WITHHOLD_ABOVE_BYTES = 32;
const SAM_SHOWN_BYTES = 10;

export interface SerialMonitorOptions {
  thermometerProtocol: ThermoProtocol;
  capacity?: number;
  now?: () => number;
}

export class SerialMonitor {
  private readonly lines: MonitorLine[] = [];
  private seq = 0;
  private readonly capacity: number;
  private readonly now: () => number;
  private readonly samRx: SamFrameParser;
  private readonly thermoRx: Transform;
  private readonly listeners = new Set<(line: MonitorLine) => void>();
  /** When the SAM last answered a status command with 90 (self-test), and the last valid temperature frame. */
  lastSamOkMs: number | null = null;
  lastThermoReading: { atMs: number; objectC: number; ambientC?: number } | null = null;
  thermoFailures = 0;
  thermoFrames = 0;

  constructor(opts: SerialMonitorOptions) {
    this.capacity = opts.capacity ?? 2000;
    this.now = opts.now ?? Date.now;
    this.samRx = new SamFrameParser();
    this.samRx.on('data', (f: SamFrame) => this.add('idcard', 'rx', samHex(f.bytes), describeSamReply(f)));
    this.samRx.on('rejected', (r: { reason: string; bytes: Buffer }) => this.add('idcard', 'rx', samHex(r.bytes), `dropped (${r.reason})`));
    this.thermoRx = createThermoDecoder(opts.thermometerProtocol);
    this.thermoRx.on('data', (d: ThermoDecoded) => {
      if (d.kind === 'reading') {
        this.thermoFrames++;
        this.lastThermoReading = { atMs: this.now(), objectC: d.objectC, ...(d.ambientC !== undefined && { ambientC: d.ambientC }) };
        this.add('thermometer', 'rx', d.raw, `object ${d.objectC.toFixed(2)} °C${d.ambientC !== undefined ? `, ambient ${d.ambientC.toFixed(2)} °C` : ''}${d.outOfRange ? ' (out of range)' : ''}`);
      } else {
        this.thermoFailures++;
        this.add('thermometer', 'rx', d.raw, `${d.code}: ${d.message}`);
      }
    });
    this.thermoRx.on('error', (err: Error) => this.add('thermometer', 'rx', '', `decoder error: ${err.message}`));
    this.thermometerProtocol = opts.thermometerProtocol;
  }

  private readonly thermometerProtocol: ThermoProtocol;

  /** Feeds a tap of one device's link. */
  tap(device: 'idcard' | 'thermometer', e: TapEvent): void {
    if (e.direction === 'rx') {
      if (device === 'idcard') this.samRx.write(e.bytes);
      else this.thermoRx.write(e.bytes);
      return;
    }
    if (device === 'idcard') {
      const body = e.bytes.length > 8 ? e.bytes.subarray(7, e.bytes.length - 1) : Buffer.alloc(0);
      const cmd = identifyCommand(body);
      if (cmd?.name === 'status') this.pendingStatus = true;
      this.add('idcard', 'tx', samHex(e.bytes), cmd ? `${cmd.name}: ${cmd.description}` : 'unknown command');
    } else {
      this.add('thermometer', 'tx', frameHex(e.bytes), describeThermoCommand(this.thermometerProtocol, e.bytes));
    }
  }

  private pendingStatus = false;

  /** The last `limit` lines, oldest first. */
  recent(limit = 200): MonitorLine[] {
    return this.lines.slice(-limit);
  }

  subscribe(listener: (line: MonitorLine) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The ring as text, one line per frame: what the technician exports. */
  exportText(): string {
    const head = '# checkpoint-kiosk serial monitor export — card data withheld (never exported)\n# time\tdevice\tdirection\thex\tdecoded\n';
    return head + this.lines.map((l) => `${new Date(l.atMs).toISOString()}\t${l.device}\t${l.direction}\t${l.hex}\t${l.decoded}`).join('\n') + '\n';
  }

  private add(device: MonitorLine['device'], direction: MonitorLine['direction'], hex: string, decoded: string): void {
    if (device === 'idcard' && direction === 'rx' && this.pendingStatus && decoded.startsWith('SW3 90')) {
      this.lastSamOkMs = this.now();
      this.pendingStatus = false;
    }
    const line: MonitorLine = { seq: ++this.seq, atMs: this.now(), device, direction, hex: hex.slice(0, 400), decoded: decoded.slice(0, 300) };
    this.lines.push(line);
    if (this.lines.length > this.capacity) this.lines.splice(0, this.lines.length - this.capacity);
    for (const l of this.listeners) l(line);
  }
}

/** Hex of a SAM frame with the card data of long replies withheld. */
export function samHex(bytes: Buffer): string {
  if (bytes.length <= WITHHOLD_ABOVE_BYTES) return frameHex(bytes);
  return `${frameHex(bytes.subarray(0, SAM_SHOWN_BYTES))} … [${bytes.length - SAM_SHOWN_BYTES} bytes withheld: card data]`;
}

function describeSamReply(f: SamFrame): string {
  const sw3 = f.body[2];
  if (sw3 === undefined) return `reply, LEN ${f.len}`;
  const entry = describeSw3(sw3);
  return `SW3 ${hex2(sw3)} ${entry.meaning}${f.body.length > 3 ? `, ${f.body.length - 3} data bytes` : ''}`;
}

function describeThermoCommand(protocol: ThermoProtocol, bytes: Buffer): string {
  if (protocol === 'gy-mcu90614' && bytes[0] === GY_COMMAND_HEADER) {
    const name = Object.entries(GY_COMMAND_CODES).find(([, code]) => code === bytes[1])?.[0];
    return name ? `GY command: ${name}` : 'GY command (unknown code)';
  }
  if (protocol === 'optris-ct' && bytes.length === 1) {
    const name = Object.entries(OPTRIS_COMMANDS).find(([, code]) => code === bytes[0])?.[0];
    return name ? `Optris command: ${name}` : 'Optris command (unknown)';
  }
  if (protocol === 'ascii') return `query "${bytes.toString('latin1').replace(/\r/g, '\\r').replace(/\n/g, '\\n')}"`;
  return 'command';
}
