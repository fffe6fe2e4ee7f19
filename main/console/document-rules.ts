import { checkIdNumber, normaliseIdNumber } from '../../drivers/idcard/id-number.js';
import type { DocumentType } from '../contract/console-messages.js';

/**
 * The document-number checks of a manual registration — the one place the consoles use the
 * ID-number module (drivers/idcard/id-number.ts), so it is easy to repoint.
 *
 * - resident: GB 11643, 18 characters, MOD 11-2 check character;
 * - hmt-permit: the same rule, and the address code of Hong Kong (810000), Macau (820000) or Taiwan (830000);
 * - foreign-2023: 18 characters beginning with 9, MOD 11-2;
 * - foreign-2017: 3 letters and 12 digits (no check character exists);
 * - passport, other: no rule can be checked here: 5–20 letters or digits, recorded as 'no-rule'.
 */
export type NumberCheck = { ok: true; normalised: string; check: 'valid' | 'no-rule' } | { ok: false; problem: { zh: string; en: string } };

const HMT_PREFIXES = ['810000', '820000', '830000'];

export function checkDocumentNumber(type: DocumentType, raw: string): NumberCheck {
  const n = normaliseIdNumber(raw).replace(/\s+/g, '');
  const bad = (zh: string, en: string): NumberCheck => ({ ok: false, problem: { zh, en } });
  switch (type) {
    case 'resident':
      return checkIdNumber('resident', n).valid ? { ok: true, normalised: n, check: 'valid' } : bad('身份证号码无效（18位，校验码不符）', 'Not a valid resident ID number (18 characters, check character wrong)');
    case 'hmt-permit':
      return checkIdNumber('hmt-permit', n).valid && HMT_PREFIXES.some((p) => n.startsWith(p))
        ? { ok: true, normalised: n, check: 'valid' }
        : bad('港澳台居民居住证号码无效（810000/820000/830000 开头，校验码正确）', 'Not a valid HK/Macau/Taiwan residence permit number (starts 810000/820000/830000, check character)');
    case 'foreign-2023':
      return checkIdNumber('foreign-2023', n).valid ? { ok: true, normalised: n, check: 'valid' } : bad('外国人永久居留身份证号码无效（9开头18位）', 'Not a valid 2023 foreign permanent residence number (18 characters starting with 9)');
    case 'foreign-2017':
      return checkIdNumber('foreign-2017', n).valid ? { ok: true, normalised: n, check: 'valid' } : bad('外国人永久居留证号码无效（3个字母+12位数字）', 'Not a valid 2017 foreign permanent residence number (3 letters + 12 digits)');
    case 'passport':
    case 'other':
      return /^[A-Z0-9]{5,20}$/.test(n) ? { ok: true, normalised: n, check: 'no-rule' } : bad('证件号码应为5–20位字母或数字', 'A document number is 5–20 letters or digits');
  }
}

/** A mobile or landline number as staff type it: digits, optionally a leading +, 5–20 characters. */
export function checkPhone(raw: string): { ok: true; phone: string | null } | { ok: false; problem: { zh: string; en: string } } {
  const p = raw.replace(/[\s-]/g, '');
  if (p === '') return { ok: true, phone: null };
  return /^\+?\d{5,20}$/.test(p) ? { ok: true, phone: p } : { ok: false, problem: { zh: '电话号码应为数字', en: 'A phone number is digits' } };
}
