import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MESSAGES, message, REASON_CODES, REASON_MESSAGE_KEYS } from '../../main/engine/reason-messages.js';

const engineDir = join(import.meta.dirname, '..', '..', 'main', 'engine');

describe('reason codes and message tables', () => {
  it('every reason code is upper-case with a reason.* key present in zh and en', () => {
    for (const code of REASON_CODES) {
      expect(code).toMatch(/^[A-Z][A-Z_]*$/);
      const key = REASON_MESSAGE_KEYS[code];
      expect(key).toMatch(/^reason\.[a-zA-Z]+$/);
      expect(MESSAGES.zh[key], `zh ${key}`).toBeTruthy();
      expect(MESSAGES.en[key], `en ${key}`).toBeTruthy();
    }
  });

  it('zh and en have the same keys; Chinese first, e.g. PASS', () => {
    expect(Object.keys(MESSAGES.zh).sort()).toEqual(Object.keys(MESSAGES.en).sort());
    expect(Object.keys(MESSAGES)[0]).toBe('zh');
    expect(message('zh', 'decision.pass')).toBe('体温正常 请通行');
    expect(message('en', 'no.such.key')).toBe('no.such.key');
  });

  it('every prompt/decision/reason key the engine sources use exists in both tables', () => {
    const used = new Set<string>();
    for (const f of readdirSync(engineDir).filter((n) => n.endsWith('.ts'))) {
      for (const m of readFileSync(join(engineDir, f), 'utf8').matchAll(/'((?:prompt|decision|reason)\.[a-zA-Z]+)'/g)) used.add(m[1]!);
    }
    expect(used.size).toBeGreaterThan(15);
    for (const key of used) {
      expect(MESSAGES.zh[key], `zh ${key}`).toBeTruthy();
      expect(MESSAGES.en[key], `en ${key}`).toBeTruthy();
    }
  });
});
