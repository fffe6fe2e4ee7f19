import type { Language } from '../main/contract/messages.js';
import manifest from './audio/prompts.json' with { type: 'json' };
import { SPEECH_SEPARATOR, type PromptManifest } from './voice-prompts.js';

/**
 * Voice prompts. The kiosk plays the recordings it ships (renderer/audio, one Ogg/Opus file per
 * message and language, see renderer/voice-prompts.ts): Electron on Linux has no speech synthesis
 * without speech-dispatcher and a voice on the system, and a kiosk image has neither. A screen's
 * utterance is one or more lines joined with SPEECH_SEPARATOR; each line is looked up by its exact
 * words, so a recording always says what the screen shows. Only when a line has no recording (or
 * the file cannot play) does the platform's `speechSynthesis` speak, if there is one; otherwise the
 * screen (icon, words, colour) carries the message alone.
 */

export interface VoiceDeps {
  createAudio(src: string): HTMLAudioElement;
  synth: SpeechSynthesis | null;
  /** Where the recordings are served from, relative to the page. */
  baseUrl: string;
}

const PROMPTS = (manifest as PromptManifest).prompts;

export class Voice {
  private readonly byText: Record<Language, Map<string, string>> = { zh: new Map(), en: new Map() };
  private playing: HTMLAudioElement | null = null;
  /** Bumped by every say(): callbacks of an older utterance do nothing. */
  private generation = 0;

  constructor(
    private readonly deps: VoiceDeps = {
      createAudio: (src) => new Audio(src),
      synth: typeof speechSynthesis === 'undefined' ? null : speechSynthesis,
      baseUrl: 'audio/',
    },
  ) {
    for (const language of ['zh', 'en'] as const) {
      for (const p of Object.values(PROMPTS[language])) this.byText[language].set(p.text, p.file);
    }
  }

  /** The recorded file for one line, or null. */
  recordingFor(line: string, language: Language): string | null {
    return this.byText[language].get(line.trim()) ?? null;
  }

  say(text: string, language: Language): void {
    this.stop();
    const generation = this.generation;
    const lines = text.split(SPEECH_SEPARATOR).map((l) => l.trim()).filter((l) => l !== '');
    const files = lines.map((l) => this.recordingFor(l, language));
    if (lines.length === 0) return;
    if (files.some((f) => f === null)) {
      this.synthesize(text, language);
      return;
    }
    const playFrom = (i: number): void => {
      if (generation !== this.generation || i >= files.length) return;
      const audio = this.deps.createAudio(`${this.deps.baseUrl}${files[i]!}`);
      this.playing = audio;
      const fallBack = () => {
        if (generation !== this.generation) return;
        this.playing = null;
        this.synthesize(lines.slice(i).join(SPEECH_SEPARATOR), language);
      };
      audio.addEventListener('ended', () => playFrom(i + 1), { once: true });
      audio.addEventListener('error', fallBack, { once: true });
      audio.play().catch(fallBack);
    };
    playFrom(0);
  }

  /** Stops what is being said (a new screen speaks for itself). */
  stop(): void {
    this.generation += 1;
    if (this.playing) {
      this.playing.pause();
      this.playing = null;
    }
    this.deps.synth?.cancel();
  }

  private synthesize(text: string, language: Language): void {
    const synth = this.deps.synth;
    if (!synth) return;
    const lang = language === 'zh' ? 'zh-CN' : 'en-US';
    const voice = synth.getVoices().find((v) => v.lang.replace('_', '-').toLowerCase().startsWith(lang.slice(0, 2)));
    synth.cancel();
    const u = new SpeechSynthesisUtterance(text);
    u.lang = lang;
    if (voice) u.voice = voice;
    u.rate = 0.95;
    synth.speak(u);
  }
}
