import { normaliseIdNumber } from '../../drivers/idcard/id-number.js';

/**
 * Masking (脱敏) for anything shown on a screen, printed or exported: the full ID number and name
 * never leave the main side unmasked except in a technician-authorised export.
 *
 * The one masking module, built so that it cannot emit an invalid mask: whatever a card holds (an
 * empty number, characters outside [0-9X], a text block of 0xFF, an RTL override, a lone surrogate,
 * a control character), the result always satisfies the contract's MaskedIdNumberSchema and
 * MaskedNameSchema (main/contract/messages.ts), so a decision is never refused on its way to the
 * screen. Only ASCII letters and digits of an ID number and a letter or digit at the start of a
 * name word are ever kept; anything else becomes `*`.
 */

/** Longest masks the contract accepts. */
export const MASKED_ID_MAX = 40;
export const MASKED_NAME_MAX = 64;

const KEEPABLE_ID_CHAR = /^[0-9A-Z]$/;
/** A letter or digit of any script, as one code point: never a control, format (RTL override), surrogate or private-use character. */
const KEEPABLE_NAME_CHAR = /^[\p{L}\p{N}]$/u;

/**
 * `330784199001011234` → `330784********1234`: region code (6) + last 4 of 15 characters or more,
 * 2 + 2 of 8–14, nothing of shorter numbers. A kept position holding anything but [0-9A-Z] is masked
 * with everything inside it; an empty number shows as `*`.
 */
export function maskIdNumber(idNumber: string): string {
  const chars = Array.from(normaliseIdNumber(idNumber));
  const n = chars.length;
  const [headWanted, tailWanted] = n >= 15 ? [6, 4] : n >= 8 ? [2, 2] : [0, 0];
  let head = 0;
  while (head < headWanted && KEEPABLE_ID_CHAR.test(chars[head]!)) head++;
  let tail = 0;
  while (tail < tailWanted && KEEPABLE_ID_CHAR.test(chars[n - 1 - tail]!)) tail++;
  const stars = Math.max(1, Math.min(n - head - tail, MASKED_ID_MAX - head - tail));
  return chars.slice(0, head).join('') + '*'.repeat(stars) + chars.slice(n - tail).join('');
}

/**
 * Chinese names keep the first character (`张三` → `张*`, `欧阳娜娜` → `欧***`); Latin names keep the
 * first letter of each word (`John Smith` → `J*** S****`, `Smith, John` → `S****, J***`). Counts
 * code points, so rare characters outside the BMP are masked as one character. Blanks between words
 * become one space (a comma stays as `, `); words beyond 64 characters of mask are left out.
 */
export function maskName(name: string): string {
  const parts = name.split(/([\s,]+)/u); // word, separator, word, ...
  let out = '';
  for (let i = 0; i < parts.length; i += 2) {
    const word = parts[i]!;
    if (word === '') continue;
    const separator = out === '' ? '' : parts[i - 1]!.includes(',') ? ', ' : ' ';
    const masked = maskWord(word, MASKED_NAME_MAX - out.length - separator.length);
    if (masked === null) break;
    out += separator + masked;
  }
  return out;
}

/** One word's mask in at most `room` UTF-16 units, or null when not even one `*` fits. */
function maskWord(word: string, room: number): string | null {
  const chars = Array.from(word);
  const first = chars.length > 1 && KEEPABLE_NAME_CHAR.test(chars[0]!) ? chars[0]! : '';
  const stars = Math.min(chars.length - (first === '' ? 0 : 1), room - first.length);
  if (stars < 1) return null;
  return first + '*'.repeat(stars);
}

/** Addresses are never shown; a masked address keeps only the first 6 characters (province/city). */
export function maskAddress(address: string): string {
  const chars = Array.from(address.trim());
  if (chars.length <= 6) return '*'.repeat(chars.length);
  return chars.slice(0, 6).join('') + '*'.repeat(Math.min(chars.length - 6, 12));
}
