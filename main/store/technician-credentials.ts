import { randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';

/** scrypt parameters (RFC 7914; N=2^15, r=8, p=1: ~50 ms per check, resistant to offline guessing). */
const N = 32768;
const R = 8;
const P = 1;
const KEY_BYTES = 32;
const MAX_MEM = 64 * 1024 * 1024;

/** Console PINs (staff and technician accounts) and the legacy technician PIN: 6 to 12 digits. */
export const PIN_PATTERN = /^\d{6,12}$/;

/** Why a PIN is refused before it is ever hashed, or null when it is acceptable. */
export function pinProblem(pin: string): string | null {
  if (!PIN_PATTERN.test(pin)) return 'a PIN is 6 to 12 digits';
  if (/^(\d)\1+$/.test(pin)) return 'a PIN must not repeat one digit';
  if ('01234567890123'.includes(pin) || '98765432109876'.includes(pin)) return 'a PIN must not be a run of digits';
  return null;
}

/** An account PIN as `scrypt$N$r$p$salt$hash` (the same slow hash as the technician PIN). */
export function hashPin(pin: string): string {
  const problem = pinProblem(pin);
  if (problem) throw new Error(problem);
  return hashTechnicianPin(pin);
}

/** `scrypt$N$r$p$salt$hash` (salt and hash base64). */
export function hashTechnicianPin(pin: string): string {
  if (pin.length < 6) throw new Error('a technician PIN needs at least 6 characters');
  const salt = randomBytes(16);
  const hash = scryptSync(pin.normalize('NFC'), salt, KEY_BYTES, { N, r: R, p: P, maxmem: MAX_MEM });
  return `scrypt$${N}$${R}$${P}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

export function verifyTechnicianPinHash(pin: string, stored: string): boolean {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [n, r, p] = [Number(parts[1]), Number(parts[2]), Number(parts[3])];
  const salt = Buffer.from(parts[4]!, 'base64');
  const expected = Buffer.from(parts[5]!, 'base64');
  const actual = scryptSync(pin.normalize('NFC'), salt, expected.length, { N: n, r, p, maxmem: MAX_MEM });
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
