import type { SamFrame } from './sam-frame.js';
import { describeSw3, hex2 } from './sw3.js';

/** A SAM→host frame split into its status bytes and payload. */
export interface SamResponse {
  sw1: number;
  sw2: number;
  sw3: number;
  /** English meaning of SW3 (see sw3.ts). */
  status: string;
  /** Payload after SW3 (empty for the 11-byte short replies). */
  data: Buffer;
  frame: SamFrame;
}

/**
 * Reads SW1 SW2 SW3 and the payload. Returns undefined for a frame too short to be a reply
 * (a host→SAM command, LEN 3).
 */
export function decodeSamResponse(frame: SamFrame): SamResponse | undefined {
  if (frame.body.length < 3) return undefined;
  const sw3 = frame.body[2]!;
  return {
    sw1: frame.body[0]!,
    sw2: frame.body[1]!,
    sw3,
    status: describeSw3(sw3).meaning,
    data: frame.body.subarray(3),
    frame,
  };
}

/** `9F` style text for logs and the CLI. */
export function sw3Hex(sw3: number): string {
  return hex2(sw3);
}
