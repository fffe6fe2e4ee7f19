/**
 * ID numbers (§7): GB 11643 resident numbers and foreign permanent residence card numbers.
 * ISO 7064 MOD 11-2: S = Σ dᵢ·wᵢ mod 11 with wᵢ = 2^(18−i) mod 11; check = "10X98765432"[S].
 */
const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2] as const;
const CHECK_CHARS = '10X98765432';

const EIGHTEEN = /^\d{17}[\dX]$/;
const FOREIGN_2017 = /^[A-Z]{3}\d{12}$/;

/** Upper-cases a trailing `x` and trims surrounding blanks; nothing else changes. */
export function normaliseIdNumber(raw: string): string {
  return raw.trim().toUpperCase();
}

/** The MOD 11-2 check character for 17 digits. */
export function mod112CheckChar(first17: string): string {
  if (!/^\d{17}$/.test(first17)) throw new RangeError('MOD 11-2 needs exactly 17 digits');
  let s = 0;
  for (let i = 0; i < 17; i++) s += Number(first17[i]) * WEIGHTS[i]!;
  return CHECK_CHARS[s % 11]!;
}

/** 18 characters, 17 digits + digit/X (lower-case x accepted), MOD 11-2 check correct. */
export function isValidMod112Number(raw: string): boolean {
  const n = normaliseIdNumber(raw);
  return EIGHTEEN.test(n) && mod112CheckChar(n.slice(0, 17)) === n[17];
}

/**
 * Resident ID card and HK/Macau/Taiwan residence permit numbers (GB 11643). Only the structure and
 * the check character are verified; the address code is not matched against GB/T 2260.
 */
export const isValidResidentIdNumber = isValidMod112Number;

/** 2023 foreign permanent residence card: 18 characters starting with 9, same MOD 11-2 check. */
export function isValidForeign2023Number(raw: string): boolean {
  const n = normaliseIdNumber(raw);
  return n.startsWith('9') && isValidMod112Number(n);
}

/** 2017 (and earlier) foreign permanent residence card: 3 letters + 12 digits, no check character. */
export function isValidForeign2017Number(raw: string): boolean {
  return FOREIGN_2017.test(normaliseIdNumber(raw));
}

/** Masks for screens: first 6 and last 4 kept (`330784********1234`). */
export function maskIdNumber(n: string): string {
  if (n.length <= 10) return '*'.repeat(n.length);
  return n.slice(0, 6) + '*'.repeat(n.length - 10) + n.slice(-4);
}
