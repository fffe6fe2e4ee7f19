/**
 * Masking (脱敏) for anything shown on a screen, printed or exported: the full ID number and name
 * never leave the main side unmasked except in a technician-authorised export.
 */

/** `330784199001011234` → `330784********1234`: region code (6) + last 4; shorter numbers keep less. */
export function maskIdNumber(idNumber: string): string {
  const chars = Array.from(idNumber.trim());
  const n = chars.length;
  if (n === 0) return '';
  if (n >= 15) return chars.slice(0, 6).join('') + '*'.repeat(n - 10) + chars.slice(n - 4).join('');
  if (n >= 8) return chars.slice(0, 2).join('') + '*'.repeat(n - 4) + chars.slice(n - 2).join('');
  return '*'.repeat(n);
}

/**
 * Chinese names keep the first character (`张三` → `张*`, `欧阳娜娜` → `欧***`); Latin names keep the
 * first letter of each word (`John Smith` → `J*** S****`). Counts code points, so rare characters
 * outside the BMP are masked as one character.
 */
export function maskName(name: string): string {
  const trimmed = name.trim();
  if (trimmed === '') return '';
  if (/[\s,]/.test(trimmed)) {
    return trimmed
      .split(/(\s+|,)/)
      .map((part) => (/^(\s+|,)$/.test(part) || part === '' ? part : maskWord(part)))
      .join('');
  }
  return maskWord(trimmed);
}

function maskWord(word: string): string {
  const chars = Array.from(word);
  if (chars.length === 1) return '*';
  return chars[0]! + '*'.repeat(chars.length - 1);
}

/** Addresses are never shown; a masked address keeps only the first 6 characters (province/city). */
export function maskAddress(address: string): string {
  const chars = Array.from(address.trim());
  if (chars.length <= 6) return '*'.repeat(chars.length);
  return chars.slice(0, 6).join('') + '*'.repeat(Math.min(chars.length - 6, 12));
}
