import { Transform, type TransformCallback, type TransformOptions } from 'node:stream';
import { SAM_HEADER_BYTES, SAM_MIN_LEN, SAM_PREAMBLE, verifySamFrame, type SamFrame } from './sam-frame.js';

const EMPTY = Buffer.alloc(0);

export interface SamFrameParserOptions extends TransformOptions {
  /**
   * Largest whole frame (7 + LEN) accepted, in bytes. A LEN announcing more is garbage: the parser
   * drops one byte and rescans. Also bounds the carried buffer. Default 4096 (the largest real
   * reply, read base + two fingerprint templates, is 2321 bytes).
   */
  maxFrame?: number;
}

/** Why a candidate frame was thrown away (the `rejected` event). */
export interface SamRejection {
  /**
   * - `checksum`: preamble and LEN fine, XOR wrong (the bytes are the 7 + LEN candidate);
   * - `overlap`: the checksum passes but another preamble starts inside the candidate: a frame
   *   that lost bytes has swallowed the start of the next one (an XOR checksum cannot see lost
   *   00 bytes nor two swallowed AA bytes), so the candidate is dropped in favour of the next frame;
   * - `incomplete`: the stream ended (flush / reset) in the middle of a frame.
   */
  reason: 'checksum' | 'overlap' | 'incomplete';
  bytes: Buffer;
}

export interface SamFrameParserEvents {
  rejected: [SamRejection];
}

/**
 * Bytes in, one {@link SamFrame} object out per valid frame (serialport parser style).
 *
 * - Resyncs on the preamble `AA AA AA 96 69`; anything before it (heartbeats, vendor prefixes,
 *   line noise) is dropped.
 * - Waits for 7 + LEN bytes, then verifies the XOR checksum. On failure (or a LEN below 3 or above
 *   `maxFrame − 7`) it drops ONE byte and rescans, so a good frame hidden behind a broken one is
 *   still found. A checksum failure is reported with a `rejected` event, never pushed as a frame.
 * - A candidate that passes the checksum but has another preamble starting inside it (as far as
 *   the bytes received so far show) is dropped too (`overlap`): see {@link SamRejection}.
 * - Trailing bytes after a valid frame are simply the start of the next scan.
 * - Never throws on input.
 */
export class SamFrameParser extends Transform {
  readonly maxFrame: number;
  private buffer: Buffer = EMPTY;

  constructor({ maxFrame = 4096, ...options }: SamFrameParserOptions = {}) {
    super({ ...options, readableObjectMode: true });
    if (!Number.isInteger(maxFrame) || maxFrame < SAM_HEADER_BYTES + SAM_MIN_LEN) {
      throw new TypeError(`maxFrame must be an integer of at least ${SAM_HEADER_BYTES + SAM_MIN_LEN}, got ${String(maxFrame)}`);
    }
    this.maxFrame = maxFrame;
  }

  override on(event: 'rejected', listener: (r: SamRejection) => void): this;
  override on(event: 'data', listener: (frame: SamFrame) => void): this;
  override on(event: string | symbol, listener: (...args: any[]) => void): this;
  override on(event: string | symbol, listener: (...args: any[]) => void): this {
    return super.on(event, listener);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, cb: TransformCallback): void {
    this.feed(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
    cb();
  }

  override _flush(cb: TransformCallback): void {
    this.reset();
    cb();
  }

  /** Bytes held while waiting for the rest of a frame. */
  get pendingBytes(): number {
    return this.buffer.length;
  }

  /**
   * Drops whatever is buffered (a frame cut short by an unplug, stale bytes before a new command).
   * A partial frame is reported as `rejected` / `incomplete`.
   */
  reset(): void {
    const start = this.buffer.indexOf(SAM_PREAMBLE);
    if (start >= 0) this.emit('rejected', { reason: 'incomplete', bytes: Buffer.from(this.buffer.subarray(start)) } satisfies SamRejection);
    this.buffer = EMPTY;
  }

  /** Synchronous core, also usable without the stream machinery (CLI, benchmarks). */
  feed(chunk: Buffer): void {
    const joined = this.buffer.length > 0;
    let buf = joined ? Buffer.concat([this.buffer, chunk]) : chunk;
    for (;;) {
      const start = buf.indexOf(SAM_PREAMBLE);
      if (start < 0) {
        // Keep a tail that could be the beginning of a preamble split across chunks.
        buf = buf.subarray(Math.max(0, buf.length - (SAM_PREAMBLE.length - 1)));
        break;
      }
      if (start > 0) buf = buf.subarray(start);
      if (buf.length < SAM_HEADER_BYTES) break;
      const len = buf.readUInt16BE(5);
      const size = SAM_HEADER_BYTES + len;
      if (len < SAM_MIN_LEN || size > this.maxFrame) {
        buf = buf.subarray(1);
        continue;
      }
      if (buf.length < size) break;
      const candidate = buf.subarray(0, size);
      const result = verifySamFrame(candidate);
      if ('error' in result) {
        this.emit('rejected', { reason: 'checksum', bytes: Buffer.from(candidate) } satisfies SamRejection);
        buf = buf.subarray(1);
        continue;
      }
      const inner = buf.indexOf(SAM_PREAMBLE, 1);
      if (inner >= 0 && inner < size) {
        this.emit('rejected', { reason: 'overlap', bytes: Buffer.from(candidate) } satisfies SamRejection);
        buf = buf.subarray(1);
        continue;
      }
      // Copy so the frame owns its bytes and the carried buffer can be released.
      const own = Buffer.from(candidate);
      this.push({ ...result, bytes: own, body: own.subarray(SAM_HEADER_BYTES, size - 1) } satisfies SamFrame);
      buf = buf.subarray(size);
    }
    // The remainder is kept as is when it lives in a buffer made by concat above (ours); bytes
    // still inside the caller's chunk are copied, since the caller may reuse that memory.
    this.buffer = buf.length === 0 ? EMPTY : joined ? buf : Buffer.from(buf);
  }
}
