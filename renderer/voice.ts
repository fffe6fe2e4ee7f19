import type { Language } from '../main/contract/messages.js';

/**
 * Voice prompts through the platform's speech synthesis (Chromium/Electron `speechSynthesis`).
 * No recorded audio is shipped yet: where the platform has no voice for the language, the kiosk
 * stays silent and the screen (icon, words, colour) carries the message alone.
 */
export class Voice {
  private readonly synth: SpeechSynthesis | null = typeof speechSynthesis === 'undefined' ? null : speechSynthesis;

  say(text: string, language: Language): void {
    if (!this.synth) return;
    const lang = language === 'zh' ? 'zh-CN' : 'en-US';
    const voice = this.synth.getVoices().find((v) => v.lang.replace('_', '-').toLowerCase().startsWith(lang.slice(0, 2)));
    this.synth.cancel();
    const u = new SpeechSynthesisUtterance(text);
    u.lang = lang;
    if (voice) u.voice = voice;
    u.rate = 0.95;
    this.synth.speak(u);
  }
}
