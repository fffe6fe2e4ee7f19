/**
 * SAM frame layout (both directions), docs/protocols/sam-reader.md §2:
 *
 * ```
 * offset      0                5             7
 * host→SAM    AA AA AA 96 69 | LEN_H LEN_L | CMD  PARA  [DATA ...]      | CHK
 * SAM→host    AA AA AA 96 69 | LEN_H LEN_L | SW1  SW2   SW3  [DATA ...] | CHK
 * ```
 * LEN is big-endian and counts every byte after itself, CHK included: a frame is 7 + LEN bytes.
 * CHK is the XOR of LEN_H … the byte before CHK (everything but the preamble and CHK).
 *
 * `buildSamFrame` is the only place frames are made: commands, simulator replies and fixtures.
 */
export const SAM_PREAMBLE: Readonly<Buffer> = Buffer.from([0xaa, 0xaa, 0xaa, 0x96, 0x69]);
/** Preamble + LEN. */
export const SAM_HEADER_BYTES = 7;
/** Smallest meaningful LEN: CMD PARA CHK. */
export const SAM_MIN_LEN = 3;
/** LEN is 16 bits. */
export const SAM_MAX_LEN = 0xffff;

/** A complete frame whose checksum has been verified. */
export interface SamFrame {
  /** The whole frame, preamble to checksum. */
  bytes: Buffer;
  /** The value of the LEN field (body + checksum). */
  len: number;
  /** Bytes between LEN and CHK: CMD PARA DATA (commands) or SW1 SW2 SW3 DATA (replies). */
  body: Buffer;
  checksum: number;
}

/** XOR of `bytes[start..end)`. */
export function xorChecksum(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let x = 0;
  for (let i = start; i < end; i++) x ^= bytes[i]!;
  return x;
}

/** Builds a complete frame around `body` (CMD PARA DATA, or SW1 SW2 SW3 DATA). */
export function buildSamFrame(body: Uint8Array | readonly number[]): Buffer {
  const len = body.length + 1;
  if (len > SAM_MAX_LEN) throw new RangeError(`SAM frame body of ${body.length} bytes does not fit a 16-bit LEN`);
  const frame = Buffer.alloc(SAM_HEADER_BYTES + len);
  SAM_PREAMBLE.copy(frame, 0);
  frame.writeUInt16BE(len, 5);
  frame.set(body, SAM_HEADER_BYTES);
  frame[frame.length - 1] = xorChecksum(frame, 5, frame.length - 1);
  return frame;
}

/**
 * Checks one complete candidate (preamble at 0, exactly 7 + LEN bytes) and returns it as a frame,
 * or the reason it is not one.
 */
export function verifySamFrame(bytes: Buffer): SamFrame | { error: 'preamble' | 'length' | 'checksum' } {
  if (bytes.length < SAM_HEADER_BYTES + SAM_MIN_LEN || !bytes.subarray(0, 5).equals(SAM_PREAMBLE)) return { error: 'preamble' };
  const len = bytes.readUInt16BE(5);
  if (len < SAM_MIN_LEN || bytes.length !== SAM_HEADER_BYTES + len) return { error: 'length' };
  const checksum = bytes[bytes.length - 1]!;
  if (xorChecksum(bytes, 5, bytes.length - 1) !== checksum) return { error: 'checksum' };
  return { bytes, len, body: bytes.subarray(SAM_HEADER_BYTES, bytes.length - 1), checksum };
}
