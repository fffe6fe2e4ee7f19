import { createHmac } from 'node:crypto';
import { normaliseIdNumber } from '../../drivers/idcard/id-number.js';

/**
 * Turns an ID number into the keyed hash the watchlists and the duplicate check use, so plaintext
 * ID numbers never enter a list or a lookup table.
 */
export interface IdHasher {
  /** Lower-case hex HMAC-SHA256 of the ID number normalised by id-number.ts (trimmed, `x` → `X`). */
  hashIdNumber(idNumber: string): string;
}

/** HMAC-SHA256 keyed with the deployment's ID key (at least 16 bytes). */
export class HmacIdHasher implements IdHasher {
  private readonly key: Buffer;
  constructor(key: Uint8Array) {
    if (key.length < 16) throw new TypeError(`HmacIdHasher: key is ${key.length} bytes; use at least 16 random bytes`);
    this.key = Buffer.from(key);
  }
  hashIdNumber(idNumber: string): string {
    return createHmac('sha256', this.key).update(normaliseIdNumber(idNumber), 'utf8').digest('hex');
  }
}
