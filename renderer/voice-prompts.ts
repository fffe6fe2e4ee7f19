import { MESSAGES } from '../main/engine/reason-messages.js';
import { UI_TEXT } from './ui-text.js';

/**
 * The catalogue of recorded voice prompts: every traveller message, in Chinese and English. The
 * kiosk plays the recorded file for what the screen says (renderer/voice.ts) and falls back to the
 * platform's speech synthesis only where no recording matches.
 *
 * Sources, so a new message cannot go without a prompt:
 * - every key of the engine's message tables (main/engine/reason-messages.ts: decisions, reasons,
 *   prompts, colours), under its own key;
 * - every string of the screen text (renderer/ui-text.ts) under `ui.<key>`, except the labels named
 *   in UI_LABELS_NOT_SPOKEN (words on a status bar or a badge, never said on their own);
 * - EXTRA_PROMPTS: texts another branch is adding to those tables (listed here so the recording
 *   ships with this one; the table's own text wins once it is there).
 *
 * test/unit/renderer-voice-prompts.test.ts fails for a key without a recording, or one recorded from
 * other words. `npm run voice:prompts` (scripts/voice-prompts.ts) records what is missing or changed.
 */

export type PromptLanguage = 'zh' | 'en';
export interface PromptText {
  key: string;
  zh: string;
  en: string;
}

/** Screen labels that are not messages: never spoken alone, so no recording. */
export const UI_LABELS_NOT_SPOKEN: readonly string[] = ['level', 'cardReader', 'thermometer', 'online', 'offline', 'connecting', 'switchTo', 'colour', 'privacyMore', 'privacyClose'];

/** The out-of-service screen (branch i8a adds it to ui-text.ts as this key). */
export const EXTRA_PROMPTS: readonly PromptText[] = [{ key: 'ui.outOfService', zh: '暂停服务 · 请走人工通道', en: 'Out of service · please use the staffed lane' }];

/** The screens join several lines into one utterance with this separator; each line is its own recording. */
export const SPEECH_SEPARATOR = '。';

export function travellerPrompts(): PromptText[] {
  const out = new Map<string, PromptText>();
  for (const p of EXTRA_PROMPTS) out.set(p.key, p);
  for (const key of Object.keys(MESSAGES.zh)) out.set(key, { key, zh: MESSAGES.zh[key]!, en: MESSAGES.en[key] ?? key });
  const zh = UI_TEXT.zh as Record<string, unknown>;
  const en = UI_TEXT.en as Record<string, unknown>;
  for (const key of Object.keys(zh)) {
    if (UI_LABELS_NOT_SPOKEN.includes(key)) continue;
    const z = zh[key];
    const e = en[key];
    if (typeof z !== 'string' || typeof e !== 'string') {
      throw new Error(`renderer/ui-text.ts: "${key}" is not a line of text; add it to UI_LABELS_NOT_SPOKEN in renderer/voice-prompts.ts if it is never spoken`);
    }
    out.set(`ui.${key}`, { key: `ui.${key}`, zh: z, en: e });
  }
  return [...out.values()].sort((a, b) => a.key.localeCompare(b.key));
}

/** The manifest the build ships (renderer/audio/prompts.json): per language, key → recorded file and the words in it. */
export interface PromptManifest {
  format: 'ogg-opus';
  prompts: Record<PromptLanguage, Record<string, { file: string; text: string }>>;
}
