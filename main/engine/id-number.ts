/**
 * Resident identity numbers (GB 11643-1999): 17 digits + a MOD 11-2 check character. The first
 * six digits are the administrative region code, which key-region rules match by prefix.
 * Values are never logged.
 */

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2] as const;
const CHECK = '10X98765432';

/** True when `id` is 18 characters with a correct MOD 11-2 check character (x or X). */
export function isValidIdNumber(id: string): boolean {
  if (!/^\d{17}[\dXx]$/.test(id)) return false;
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(id.charCodeAt(i) - 48) * WEIGHTS[i]!;
  return CHECK[sum % 11] === id[17]!.toUpperCase();
}

/** Whether an ID number's region code starts with a key-region prefix. */
export function matchesRegionPrefix(id: string, prefix: string): boolean {
  return prefix.length > 0 && id.startsWith(prefix);
}
