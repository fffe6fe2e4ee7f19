import { Transform, type TransformCallback, type TransformOptions } from 'node:stream';
import { frameHex } from './frame-hex.js';
import { isOutOfRange, type RatedRange } from './rated-range.js';
import type { ThermoDecoded } from './reading.js';

/**
 * Optris CT / CS / CSmicro and Micro-Epsilon thermoMETER CT binary protocol (docs/protocols/optris-ct.md §2).
 *
 * The host sends one command byte; the device answers with 2 bytes, no header, no checksum:
 * T = (hi·256 + lo − 1000) / 10 °C. Sample: `04 D3` → 1235 → 23.5 °C.
 *
 * Because nothing in the reply marks where it starts, framing is BY REQUEST: the driver flushes
 * stale input, sends the command and takes the next two bytes, discarding a partial reply on
 * timeout (see ThermometerDriver). `OptrisReplyParser` below only serves captures whose bytes are
 * known to be whole replies (the `kiosk decode thermo` CLI).
 */
export const OPTRIS_COMMANDS = {
  /** Target (object) temperature. */
  targetTemperature: 0x01,
  /** Head (sensor ambient) temperature. */
  headTemperature: 0x02,
  /** Current (not held) target temperature. */
  currentTargetTemperature: 0x03,
} as const;

export const OPTRIS_REPLY_LENGTH = 2;

/** Temperature in °C from a 2-byte reply, by the documented formula only. */
export function decodeOptrisTemperature(hi: number, lo: number): number {
  return (hi * 256 + lo - 1000) / 10;
}

/**
 * The reading from a request-framed exchange: the 2-byte target reply and, when read, the 2-byte
 * head-temperature reply (as ambientC). Values by formula only; outside `range` → outOfRange.
 */
export function optrisReading(target: Buffer, head: Buffer | undefined, range: RatedRange): ThermoDecoded {
  const objectC = decodeOptrisTemperature(target[0]!, target[1]!);
  if (!head) return { kind: 'reading', objectC, outOfRange: isOutOfRange(range, objectC), raw: frameHex(target) };
  const ambientC = decodeOptrisTemperature(head[0]!, head[1]!);
  return { kind: 'reading', objectC, ambientC, outOfRange: isOutOfRange(range, objectC, ambientC), raw: `${frameHex(target)} / ${frameHex(head)}` };
}

export interface OptrisReply {
  temperatureC: number;
  raw: Buffer;
}

export interface OptrisIncomplete {
  error: 'incomplete';
  raw: Buffer;
  message: string;
}

export type OptrisParserOutput = OptrisReply | OptrisIncomplete;

/** Splits a capture of consecutive replies into 2-byte temperatures; a lone last byte is reported. */
export class OptrisReplyParser extends Transform {
  private carry: Buffer = Buffer.alloc(0);

  constructor(options: TransformOptions = {}) {
    super({ ...options, readableObjectMode: true });
  }

  protected emitOutput(output: OptrisParserOutput): void {
    this.push(output);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, cb: TransformCallback): void {
    const data = this.carry.length > 0 ? Buffer.concat([this.carry, chunk]) : chunk;
    let i = 0;
    for (; data.length - i >= OPTRIS_REPLY_LENGTH; i += OPTRIS_REPLY_LENGTH) {
      const raw = Buffer.from(data.subarray(i, i + OPTRIS_REPLY_LENGTH));
      this.emitOutput({ temperatureC: decodeOptrisTemperature(raw[0]!, raw[1]!), raw });
    }
    this.carry = Buffer.from(data.subarray(i));
    cb();
  }

  override _flush(cb: TransformCallback): void {
    if (this.carry.length > 0) {
      this.emitOutput({ error: 'incomplete', raw: this.carry, message: 'input ended inside a 2-byte reply' });
    }
    this.carry = Buffer.alloc(0);
    cb();
  }
}
