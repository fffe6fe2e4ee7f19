import type { BindingInterface } from '@serialport/bindings-interface' with { 'resolution-mode': 'require' }; // its exports map has no ESM types
import { SerialPortStream } from '@serialport/stream';
import { commandFrame, SAM_COMMANDS } from '../idcard/sam-commands.js';
import type { SamFrame } from '../idcard/sam-frame.js';
import { SamFrameParser } from '../idcard/sam-frame-parser.js';
import { gyCommand } from '../thermometer/gy-mcu90614-commands.js';
import { decodeOptrisTemperature, OPTRIS_COMMANDS } from '../thermometer/optris-ct-codec.js';
import type { ThermoDecoded } from '../thermometer/reading.js';
import { createThermoDecoder } from '../thermometer/thermo-decoder.js';

/**
 * Auto-detection: which known device sits behind a serial port. At each usual line speed the port
 * is opened, listened to (streaming devices: GY-MCU90614 frames, ASCII text modules), then asked
 * one harmless query per protocol — SAM status `11 FF`, GY query `A5 15 BA`, Raytek `?T\r`,
 * Optris target temperature `01` (twice, both replies plausible and within 5 °C) — and every answer
 * is decoded by the kiosk's own parsers. Nothing is written that changes a device's settings.
 *
 * The result is a proposal: the technician confirms it. A port in use by the kiosk must not be probed.
 */
export interface DetectCandidate {
  kind: 'idcard' | 'thermometer';
  protocol: 'sam' | 'gy-mcu90614' | 'ascii' | 'optris-ct';
  baudRate: number;
  /** What was seen (no personal data: status bytes and temperatures only). */
  evidence: string;
}

export interface DetectOptions {
  /** Line speeds in order (default 115200 then 9600: the SAM and Optris factory rate, then GY and ASCII). */
  rates?: number[];
  /** How long to listen and to wait for each answer (ms). Default 400. */
  listenMs?: number;
  binding?: BindingInterface;
  /** Stop at the first speed that gave a candidate (default true). */
  stopAtFirst?: boolean;
}

export interface DetectResult {
  path: string;
  candidates: DetectCandidate[];
  /** Every probe made, e.g. "115200 SAM status: no answer". */
  tried: string[];
}

export async function detectDevice(path: string, options: DetectOptions = {}): Promise<DetectResult> {
  const rates = options.rates ?? [115200, 9600];
  const listenMs = options.listenMs ?? 400;
  const binding = options.binding ?? (await import('serialport')).SerialPort.binding;
  const candidates: DetectCandidate[] = [];
  const tried: string[] = [];
  for (const baudRate of rates) {
    const port = new SerialPortStream({ binding, path, baudRate, autoOpen: false });
    const failed = await new Promise<Error | null>((resolve) => port.open(resolve));
    if (failed) {
      tried.push(`${baudRate}: cannot open (${failed.message})`);
      break;
    }
    let rx = Buffer.alloc(0);
    port.on('data', (b: Buffer) => (rx = Buffer.concat([rx, b]).subarray(-8192)));
    port.on('error', (err: Error) => tried.push(`${baudRate}: port error (${err.message})`));
    const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
    const send = async (bytes: Buffer) => {
      rx = Buffer.alloc(0);
      await new Promise<void>((resolve) => port.write(bytes, () => port.drain(() => resolve())));
      await wait(listenMs);
      return rx;
    };
    try {
      await wait(listenMs);
      const found: DetectCandidate[] = [];
      const streamed = rx;
      const gy = thermoReadings('gy-mcu90614', streamed);
      if (gy.length >= 2) found.push({ kind: 'thermometer', protocol: 'gy-mcu90614', baudRate, evidence: `${gy.length} GY frames streaming, object ${gy[0]!.toFixed(2)} °C` });
      const text = thermoReadings('ascii', streamed);
      if (text.length >= 2) found.push({ kind: 'thermometer', protocol: 'ascii', baudRate, evidence: `${text.length} text lines streaming, ${text[0]!.toFixed(2)} °C` });
      tried.push(`${baudRate} listen: ${streamed.length} bytes${found.length ? '' : ', nothing recognised'}`);

      if (found.length === 0) {
        const sam = samFrames(await send(commandFrame(SAM_COMMANDS.status)));
        const ok = sam.find((f) => f.body[2] !== undefined);
        tried.push(`${baudRate} SAM status: ${ok ? `SW3 ${ok.body[2]!.toString(16).padStart(2, '0')}` : 'no answer'}`);
        if (ok) found.push({ kind: 'idcard', protocol: 'sam', baudRate, evidence: `SAM status reply, SW3 ${ok.body[2]!.toString(16).padStart(2, '0').toUpperCase()}` });
      }
      if (found.length === 0) {
        const r = thermoReadings('gy-mcu90614', await send(gyCommand('query')));
        tried.push(`${baudRate} GY query: ${r.length ? `${r.length} frame(s)` : 'no answer'}`);
        if (r.length) found.push({ kind: 'thermometer', protocol: 'gy-mcu90614', baudRate, evidence: `GY frame to A5 15 BA, object ${r[0]!.toFixed(2)} °C` });
      }
      if (found.length === 0) {
        const r = thermoReadings('ascii', await send(Buffer.from('?T\r', 'latin1')));
        tried.push(`${baudRate} Raytek ?T: ${r.length ? `${r.length} line(s)` : 'no answer'}`);
        if (r.length) found.push({ kind: 'thermometer', protocol: 'ascii', baudRate, evidence: `answer to ?T: ${r[0]!.toFixed(2)} °C` });
      }
      if (found.length === 0) {
        const a = await send(Buffer.from([OPTRIS_COMMANDS.targetTemperature]));
        const b = await send(Buffer.from([OPTRIS_COMMANDS.targetTemperature]));
        const ta = a.length === 2 ? decodeOptrisTemperature(a[0]!, a[1]!) : Number.NaN;
        const tb = b.length === 2 ? decodeOptrisTemperature(b[0]!, b[1]!) : Number.NaN;
        const plausible = (t: number) => Number.isFinite(t) && t > -50 && t < 1000;
        const ok = plausible(ta) && plausible(tb) && Math.abs(ta - tb) < 5;
        tried.push(`${baudRate} Optris 01: ${ok ? `${ta.toFixed(1)} °C` : `${a.length}/${b.length} bytes, not a temperature`}`);
        if (ok) found.push({ kind: 'thermometer', protocol: 'optris-ct', baudRate, evidence: `two 2-byte replies to 01: ${ta.toFixed(1)} °C, ${tb.toFixed(1)} °C` });
      }
      candidates.push(...found);
    } finally {
      await new Promise<void>((resolve) => (port.isOpen ? port.close(() => resolve()) : resolve()));
    }
    if (candidates.length > 0 && (options.stopAtFirst ?? true)) break;
  }
  return { path, candidates, tried };
}

function samFrames(bytes: Buffer): SamFrame[] {
  const parser = new SamFrameParser();
  const frames: SamFrame[] = [];
  parser.on('data', (f: SamFrame) => frames.push(f));
  parser.write(bytes);
  return frames;
}

/** The valid readings a protocol's own decoder finds in some bytes (object temperatures). */
function thermoReadings(protocol: 'gy-mcu90614' | 'ascii', bytes: Buffer): number[] {
  const decoder = createThermoDecoder(protocol);
  const out: number[] = [];
  decoder.on('data', (d: ThermoDecoded) => {
    if (d.kind === 'reading') out.push(d.objectC);
  });
  decoder.write(bytes);
  return out;
}
