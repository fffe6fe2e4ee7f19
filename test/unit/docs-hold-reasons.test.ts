import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MESSAGES, REASON_CODES, REASON_MESSAGE_KEYS } from '../../main/engine/reason-messages.js';

/**
 * docs/hold-reasons.md is what staff read when a traveller is held: every reason code the engine
 * can put on a record has its section there, quoting the words the traveller saw and heard.
 */
const DOC = join(import.meta.dirname, '..', '..', 'docs', 'hold-reasons.md');
const text = readFileSync(DOC, 'utf8');

/** `### CODE` headings and the text up to the next heading. */
function sections(md: string): Map<string, string> {
  const out = new Map<string, string>();
  const parts = md.split(/^### /m).slice(1);
  for (const p of parts) {
    const [heading, ...body] = p.split('\n');
    out.set(heading!.trim(), body.join('\n'));
  }
  return out;
}

describe('docs/hold-reasons.md', () => {
  const found = sections(text);

  it('has a section for every reason code of reason-messages.ts, and none for a code that does not exist', () => {
    const documented = [...found.keys()];
    expect(REASON_CODES.filter((c) => !found.has(c)), 'codes without a section').toEqual([]);
    expect(documented.filter((c) => !(REASON_CODES as readonly string[]).includes(c)), 'sections for unknown codes').toEqual([]);
  });

  it.each(REASON_CODES.map((c) => [c]))('%s: quotes the traveller\'s words in both languages, says the effect and what staff do', (code) => {
    const body = found.get(code) ?? '';
    const key = REASON_MESSAGE_KEYS[code];
    expect(body).toContain(`"${MESSAGES.zh[key]}" / "${MESSAGES.en[key]}"`);
    expect(body).toMatch(/Effect:\s/);
    expect(body).toMatch(/^Staff: /m);
  });
});
