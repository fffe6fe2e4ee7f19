import { Transform, type TransformCallback, type TransformOptions } from 'node:stream';

/**
 * Frame parser for the GY-MCU90614 / GY-MCU90615 boards (docs/protocols/gy-mcu90614.md §2), in the style of the
 * serialport parsers: bytes in, decoded frames out, no I/O.
 *
 * ```
 * byte  0    1    2     3     4    5    6    7    8
 *       5A   5A   45    04    TOh  TOl  TAh  TAl  SUM
 *       header     type  len   object     ambient    low byte of sum(bytes 0..7)
 * ```
 * TO and TA are SIGNED big-endian in 0.01 °C.
 *
 * Framing: match the whole 4-byte header `5A 5A 45 04`, verify SUM, and on a mismatch slide ONE
 * byte and search again, so a frame hidden behind a false header is still found. Between chunks
 * at most one partial frame (< 9 bytes) is carried, so the buffer is bounded by construction.
 * Malformed input never throws.
 */
export const GY_FRAME_HEADER = Buffer.from([0x5a, 0x5a, 0x45, 0x04]);
export const GY_FRAME_LENGTH = 9;

export interface GyFrame {
  /** Object temperature, °C, exactly `int16BE / 100`. */
  objectC: number;
  /** Sensor (ambient) temperature, °C, exactly `int16BE / 100`. */
  ambientC: number;
  /** The 9 bytes as received. */
  raw: Buffer;
}

export interface GyBadFrame {
  /** `checksum`: 9 bytes behind a header whose SUM does not match. `incomplete`: a partial frame left at end of input. */
  error: 'checksum' | 'incomplete';
  raw: Buffer;
  message: string;
}

export type GyParserOutput = GyFrame | GyBadFrame;

export interface GyMcu90614ParserOptions extends TransformOptions {
  /**
   * Also push a `GyBadFrame` for every header whose checksum fails (and for a partial frame left
   * when the stream ends). Default false: only good frames are pushed, like any serialport parser.
   */
  reportBadFrames?: boolean;
}

/** Low byte of the sum of bytes 0..7 of a frame. */
export function gyChecksum(frame: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < GY_FRAME_LENGTH - 1; i++) sum += frame[i]!;
  return sum & 0xff;
}

/** Decodes 9 bytes already known to be a frame with a valid checksum. */
export function decodeGyFrame(frame: Buffer): GyFrame {
  return { objectC: frame.readInt16BE(4) / 100, ambientC: frame.readInt16BE(6) / 100, raw: frame };
}

/** The longest tail of `data` from `from` on that could still begin a frame (a prefix of the header or more). */
function headerCandidate(data: Buffer, from: number): Buffer {
  for (let s = from; s < data.length; s++) {
    const n = Math.min(GY_FRAME_HEADER.length, data.length - s);
    let ok = true;
    for (let k = 0; k < n; k++) {
      if (data[s + k] !== GY_FRAME_HEADER[k]) {
        ok = false;
        break;
      }
    }
    if (ok) return Buffer.from(data.subarray(s));
  }
  return Buffer.alloc(0);
}

export class GyMcu90614Parser extends Transform {
  private readonly reportBadFrames: boolean;
  private carry: Buffer = Buffer.alloc(0);

  constructor({ reportBadFrames = false, ...options }: GyMcu90614ParserOptions = {}) {
    super({ ...options, readableObjectMode: true });
    this.reportBadFrames = reportBadFrames;
  }

  /** Hands one result downstream; subclasses map it to their own output type. */
  protected emitOutput(output: GyParserOutput): void {
    this.push(output);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, cb: TransformCallback): void {
    const data = this.carry.length > 0 ? Buffer.concat([this.carry, chunk]) : chunk;
    let i = 0;
    while (data.length - i >= GY_FRAME_LENGTH) {
      const at = data.indexOf(GY_FRAME_HEADER, i);
      if (at === -1 || data.length - at < GY_FRAME_LENGTH) {
        // No whole header: only its first bytes may sit at the very end.
        i = at === -1 ? Math.max(i, data.length - (GY_FRAME_HEADER.length - 1)) : at;
        break;
      }
      const sum = gyChecksum(data.subarray(at));
      const given = data[at + GY_FRAME_LENGTH - 1]!;
      if (sum === given) {
        this.emitOutput(decodeGyFrame(Buffer.from(data.subarray(at, at + GY_FRAME_LENGTH))));
        i = at + GY_FRAME_LENGTH;
      } else {
        if (this.reportBadFrames) {
          const hex = (v: number) => v.toString(16).toUpperCase().padStart(2, '0');
          this.emitOutput({
            error: 'checksum',
            raw: Buffer.from(data.subarray(at, at + GY_FRAME_LENGTH)),
            message: `checksum ${hex(given)} does not match the sum of bytes 0..7 (${hex(sum)}); frame dropped`,
          });
        }
        i = at + 1;
      }
    }
    // Bytes that cannot start a frame are dropped here; what is carried is < 9 bytes.
    this.carry = headerCandidate(data, i);
    cb();
  }

  override _flush(cb: TransformCallback): void {
    if (this.reportBadFrames && this.carry.length > 0) {
      this.emitOutput({
        error: 'incomplete',
        raw: this.carry,
        message: `input ended inside a frame (${this.carry.length} of ${GY_FRAME_LENGTH} bytes)`,
      });
    }
    this.carry = Buffer.alloc(0);
    cb();
  }
}
