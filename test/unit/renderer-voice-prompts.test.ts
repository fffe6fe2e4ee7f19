import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import type { ScreenState } from '../../main/contract/messages.js';
import { contentSecurityPolicy } from '../../main/host/content-security-policy.js';
import manifest from '../../renderer/audio/prompts.json' with { type: 'json' };
import { describeScreen } from '../../renderer/screen-view.js';
import { UI_TEXT } from '../../renderer/ui-text.js';
import { travellerPrompts, UI_LABELS_NOT_SPOKEN, SPEECH_SEPARATOR, type PromptManifest, type PromptText } from '../../renderer/voice-prompts.js';
import { Voice, type VoiceDeps } from '../../renderer/voice.js';

/**
 * Recorded voice prompts (issue 13, item 8): every traveller message has a recording in Chinese and
 * English, of its exact words, shipped as a small Ogg/Opus file; the renderer plays them and uses
 * speech synthesis only for words without a recording.
 */
const ROOT = join(import.meta.dirname, '..', '..');
const AUDIO = join(ROOT, 'renderer', 'audio');
const shipped = manifest as PromptManifest;

/** Ogg pages (RFC 3533): each begins "OggS"; byte 6..13 is the granule position, 26 the segment count. */
function oggPages(bytes: Buffer): { granule: bigint; payload: Buffer }[] {
  const pages: { granule: bigint; payload: Buffer }[] = [];
  let at = 0;
  while (at < bytes.length) {
    if (bytes.toString('latin1', at, at + 4) !== 'OggS') throw new Error(`no Ogg page at byte ${at}`);
    const segments = bytes[at + 26]!;
    const lacing = bytes.subarray(at + 27, at + 27 + segments);
    const size = lacing.reduce((a, b) => a + b, 0);
    const start = at + 27 + segments;
    pages.push({ granule: bytes.readBigInt64LE(at + 6), payload: bytes.subarray(start, start + size) });
    at = start + size;
  }
  return pages;
}

/** What is wrong with the recordings of `prompts` (empty when every message has its file). */
function promptProblems(prompts: PromptText[], m: PromptManifest, audioDir: string): string[] {
  const problems: string[] = [];
  for (const p of prompts) {
    for (const lang of ['zh', 'en'] as const) {
      const entry = m.prompts[lang][p.key];
      if (!entry) problems.push(`${lang} ${p.key}: no recording (run npm run voice:prompts)`);
      else if (entry.text !== p[lang]) problems.push(`${lang} ${p.key}: recorded "${entry.text}", the message now says "${p[lang]}" (run npm run voice:prompts)`);
      else if (!existsSync(join(audioDir, entry.file))) problems.push(`${lang} ${p.key}: ${entry.file} is missing`);
    }
  }
  return problems;
}

describe('recorded prompts', () => {
  const prompts = travellerPrompts();

  it('every traveller message key has a recording of its exact words, in Chinese and English', () => {
    expect(prompts.length).toBeGreaterThanOrEqual(40);
    expect(promptProblems(prompts, shipped, AUDIO)).toEqual([]);
  });

  it('a message added without a recording fails this check, naming it', () => {
    const added = [...prompts, { key: 'prompt.newOne', zh: '请出示健康码', en: 'Please show your health code' }];
    expect(promptProblems(added, shipped, AUDIO)).toEqual(['zh prompt.newOne: no recording (run npm run voice:prompts)', 'en prompt.newOne: no recording (run npm run voice:prompts)']);
    const changed = prompts.map((p) => (p.key === 'decision.pass' ? { ...p, en: 'Go ahead.' } : p));
    expect(promptProblems(changed, shipped, AUDIO)).toEqual(['en decision.pass: recorded "Temperature normal. Please pass.", the message now says "Go ahead." (run npm run voice:prompts)']);
  });

  it('covers the engine messages, the screen lines and the out-of-service screen', () => {
    const keys = new Set(prompts.map((p) => p.key));
    for (const k of ['decision.pass', 'decision.hold', 'reason.fever', 'reason.storeUnavailable', 'prompt.presentCard', 'colour.red', 'ui.idlePrompt', 'ui.hold', 'ui.staff', 'ui.fault', 'ui.outOfService']) expect(keys).toContain(k);
    expect(shipped.prompts.zh['ui.outOfService']?.text).toBe('暂停服务 · 请走人工通道');
    expect(shipped.prompts.en['ui.outOfService']?.text).toBe('Out of service · please use the staffed lane');
    // Every screen string is either recorded or a label that is never spoken alone.
    for (const key of Object.keys(UI_TEXT.zh)) expect(UI_LABELS_NOT_SPOKEN.includes(key) || keys.has(`ui.${key}`), key).toBe(true);
  });

  it('each file is a small mono Ogg/Opus recording titled with its key, between 0.3 and 10 seconds long', () => {
    let total = 0;
    for (const lang of ['zh', 'en'] as const) {
      for (const [key, entry] of Object.entries(shipped.prompts[lang])) {
        const bytes = readFileSync(join(AUDIO, entry.file));
        total += bytes.length;
        const pages = oggPages(bytes);
        const head = pages[0]!.payload;
        expect(head.toString('latin1', 0, 8), entry.file).toBe('OpusHead');
        expect(head[9], `${entry.file} channels`).toBe(1);
        const preSkip = head.readUInt16LE(10);
        expect(pages[1]!.payload.toString('latin1', 0, 8)).toBe('OpusTags');
        expect(pages[1]!.payload.includes(Buffer.from(`title=${key}`)), `${entry.file} title`).toBe(true);
        // Opus granule positions count 48 kHz samples (RFC 7845 §4).
        const seconds = (Number(pages.at(-1)!.granule) - preSkip) / 48_000;
        expect(seconds, entry.file).toBeGreaterThan(0.3);
        expect(seconds, entry.file).toBeLessThan(10);
        expect(bytes.length, entry.file).toBeLessThan(32 * 1024);
      }
    }
    expect(total).toBeLessThan(2 * 1024 * 1024);
  });

  it('every utterance a screen can say is made of recorded lines, in both languages', () => {
    const name = { zh: '千仓卡口', en: 'Qiancang' };
    const screens: ScreenState[] = [
      { screen: 'measuring', seq: 1, screeningId: 's', identity: null, attempt: 1, samples: 0, samplesNeeded: 5 },
      { screen: 'remeasure', seq: 2, screeningId: 's', identity: null, attempt: 2, samples: 0, samplesNeeded: 5 },
      { screen: 'pass', seq: 3, screeningId: 's', identity: null, temperatureC: 36.5, reasons: [] },
      { screen: 'hold', seq: 4, screeningId: 's', identity: null, temperatureC: 38.2, colour: null, reasons: [{ code: 'FEVER', colour: null, text: { zh: '体温异常', en: 'Elevated temperature' } }] },
      { screen: 'fault', seq: 5, screeningId: null, devices: [] },
    ];
    const voice = new Voice({ createAudio: () => ({}) as HTMLAudioElement, synth: null, baseUrl: 'audio/' });
    for (const lang of ['zh', 'en'] as const) {
      for (const s of screens) {
        const speech = describeScreen(s, lang, name).speech;
        expect(speech, `${lang} ${s.screen}`).not.toBeNull();
        for (const line of speech!.split(SPEECH_SEPARATOR)) expect(voice.recordingFor(line, lang), `${lang} ${s.screen}: "${line}"`).not.toBeNull();
      }
    }
  });

  it('the CSP lets the page play media from its own origin only', () => {
    expect(contentSecurityPolicy(null, [])).toContain("media-src 'self'");
    expect(readFileSync(join(ROOT, 'renderer', 'index.html'), 'utf8')).toContain("media-src 'self'");
  });
});

describe('Voice', () => {
  class FakeAudio extends EventTarget {
    static made: FakeAudio[] = [];
    paused = false;
    constructor(
      readonly src: string,
      readonly outcome: 'play' | 'reject' = 'play',
    ) {
      super();
      FakeAudio.made.push(this);
    }
    play(): Promise<void> {
      return this.outcome === 'reject' ? Promise.reject(new DOMException('no output', 'NotAllowedError')) : Promise.resolve();
    }
    pause(): void {
      this.paused = true;
    }
    end(): void {
      this.dispatchEvent(new Event('ended'));
    }
  }
  function deps(outcome: 'play' | 'reject' = 'play'): VoiceDeps & { spoken: string[] } {
    FakeAudio.made = [];
    const spoken: string[] = [];
    const synth = { cancel: vi.fn(), getVoices: () => [], speak: (u: { text: string }) => void spoken.push(u.text) } as unknown as SpeechSynthesis;
    vi.stubGlobal('SpeechSynthesisUtterance', class {
      lang = '';
      voice: unknown = null;
      rate = 1;
      constructor(readonly text: string) {}
    });
    return { createAudio: (src) => new FakeAudio(src, outcome) as unknown as HTMLAudioElement, synth, baseUrl: 'audio/', spoken };
  }
  /** The words recorded in a played file (two keys may share words, and so a recording). */
  const wordsOf = (lang: 'zh' | 'en', src: string) => Object.values(shipped.prompts[lang]).find((p) => `audio/${p.file}` === src)?.text;

  it('plays the lines of an utterance one after another, and nothing is synthesized', async () => {
    const d = deps();
    new Voice(d).say(`${UI_TEXT.zh.hold}${SPEECH_SEPARATOR}${UI_TEXT.zh.staff}`, 'zh');
    expect(FakeAudio.made.map((a) => wordsOf('zh', a.src))).toEqual([UI_TEXT.zh.hold]);
    FakeAudio.made[0]!.end();
    expect(FakeAudio.made.map((a) => wordsOf('zh', a.src))).toEqual([UI_TEXT.zh.hold, UI_TEXT.zh.staff]);
    expect(d.spoken).toEqual([]);
  });

  it('words without a recording go to speech synthesis', () => {
    const d = deps();
    new Voice(d).say('请出示健康码', 'zh');
    expect(FakeAudio.made).toEqual([]);
    expect(d.spoken).toEqual(['请出示健康码']);
  });

  it('a recording that cannot play falls back to synthesis for the rest of the utterance', async () => {
    const d = deps('reject');
    new Voice(d).say(`${UI_TEXT.en.fault}${SPEECH_SEPARATOR}${UI_TEXT.en.faultSub}`, 'en');
    await vi.waitFor(() => expect(d.spoken).toEqual([`${UI_TEXT.en.fault}${SPEECH_SEPARATOR}${UI_TEXT.en.faultSub}`]));
  });

  it('a new screen stops what the last one was saying', () => {
    const d = deps();
    const v = new Voice(d);
    v.say(`${UI_TEXT.zh.hold}${SPEECH_SEPARATOR}${UI_TEXT.zh.staff}`, 'zh');
    v.say(UI_TEXT.zh.pass, 'zh');
    expect(FakeAudio.made[0]!.paused).toBe(true);
    FakeAudio.made[0]!.end(); // the old utterance's next line never starts
    expect(FakeAudio.made).toHaveLength(2);
  });
});
