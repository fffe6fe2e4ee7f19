import type { Sex } from './id-card.js';

/** GB/T 2261.1 sex codes (docs/protocols/sam-reader.md §6.7). Every code is mapped; nothing defaults to female. */
export const SEX_CODES: ReadonlyMap<string, { sex: Sex; text: string }> = new Map([
  ['0', { sex: 'unknown', text: '未知' }],
  ['1', { sex: 'male', text: '男' }],
  ['2', { sex: 'female', text: '女' }],
  ['9', { sex: 'not-stated', text: '未说明' }],
]);

/** The sex for a stored code; a code outside the table is 'unknown' (the raw code is kept as sexCode). */
export function sexFromCode(code: string): Sex {
  return SEX_CODES.get(code)?.sex ?? 'unknown';
}

export function codeFromSex(sex: Sex): string {
  for (const [code, e] of SEX_CODES) if (e.sex === sex) return code;
  throw new RangeError(`no GB/T 2261.1 code for sex "${String(sex)}"`);
}
