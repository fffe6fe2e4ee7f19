import { afterEach, describe, expect, it } from 'vitest';
import manifest from '../../renderer/audio/prompts.json' with { type: 'json' };
import { UI_TEXT } from '../../renderer/ui-text.js';
import { openBrowser, recordScreens, screenshot, startKiosk, waitForScreen, type Browser, type RunningKiosk } from './kiosk-harness.js';

/**
 * The renderer plays the recorded prompts (issue 13, item 8) in Chromium: the real files, served
 * by browser mode under its CSP (media-src 'self'), decoded and played to the end on Chromium's
 * audio output (headless, no sound card: Chromium's fake audio sink, `--disable-audio-output`
 * would skip playback altogether, so it is not used). Speech synthesis is not asked.
 */

interface PlayLog {
  plays: string[];
  ended: string[];
  errors: string[];
  synthesized: string[];
}

let kiosk: RunningKiosk | null = null;
let browser: Browser | null = null;
afterEach(async () => {
  await browser?.close();
  await kiosk?.stop();
  browser = null;
  kiosk = null;
});

describe('voice prompts in Chromium', () => {
  it('a normal pass: the measuring and PASS prompts play from the recordings, to their end, without speech synthesis', async () => {
    kiosk = await startKiosk({ scenario: 'normal' });
    browser = await openBrowser(['--autoplay-policy=no-user-gesture-required']);
    const { page } = browser;
    await recordScreens(page);
    await page.addInitScript(() => {
      const log: PlayLog = { plays: [], ended: [], errors: [], synthesized: [] };
      (window as unknown as { __voice: PlayLog }).__voice = log;
      const play = HTMLMediaElement.prototype.play;
      HTMLMediaElement.prototype.play = function (this: HTMLMediaElement) {
        const src = new URL(this.currentSrc || this.src).pathname;
        log.plays.push(src);
        this.addEventListener('ended', () => log.ended.push(src), { once: true });
        this.addEventListener('error', () => log.errors.push(`${src}: ${this.error?.code ?? '?'}`), { once: true });
        return play.call(this);
      };
      if (typeof speechSynthesis !== 'undefined') {
        speechSynthesis.speak = (u: SpeechSynthesisUtterance) => void log.synthesized.push(u.text);
      }
    });
    const cspViolations: string[] = [];
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
    });
    await page.goto(kiosk.url);
    await waitForScreen(page, 'pass');

    // The recordings of exactly the words on the screen (two message keys may share the same words).
    const filesSaying = (text: string) => Object.values(manifest.prompts.zh).filter((p) => p.text === text).map((p) => `/audio/${p.file}`);
    const passFiles = filesSaying(UI_TEXT.zh.pass);
    const measureFiles = filesSaying(UI_TEXT.zh.measuring);
    expect(passFiles.length).toBeGreaterThan(0);
    expect(measureFiles.length).toBeGreaterThan(0);
    // Played to its end: decoded and rendered on the audio output, not just requested.
    await page.waitForFunction((fs) => (window as unknown as { __voice: PlayLog }).__voice.ended.some((e) => fs.includes(e)), passFiles, { timeout: 30_000, polling: 100 });
    const log = await page.evaluate(() => (window as unknown as { __voice: PlayLog }).__voice);
    expect(log.plays.some((p) => measureFiles.includes(p))).toBe(true);
    expect(log.plays.some((p) => passFiles.includes(p))).toBe(true);
    expect(log.errors).toEqual([]);
    expect(log.synthesized).toEqual([]);
    expect(cspViolations).toEqual([]);
  }, 90_000);

  it("the supervisor's fault screen (Electron bridge stood in): both languages, the reason for the technician, the fault prompt played", async () => {
    kiosk = await startKiosk({ scenario: 'normal' });
    browser = await openBrowser(['--autoplay-policy=no-user-gesture-required']);
    const { page } = browser;
    const reason = 'the key of /var/lib/checkpoint-kiosk is wrapped by the OS keystore (gnome_libsecret), which is not available now';
    // What the preload exposes under Electron; here it reports what the supervisor sends on giving up.
    await page.addInitScript((why) => {
      const played: string[] = [];
      (window as unknown as { __played: string[] }).__played = played;
      const play = HTMLMediaElement.prototype.play;
      HTMLMediaElement.prototype.play = function (this: HTMLMediaElement) {
        this.addEventListener('ended', () => played.push(new URL(this.src).pathname), { once: true });
        return play.call(this);
      };
      (window as unknown as { kiosk: unknown }).kiosk = {
        send: () => {},
        onMessage: () => {},
        onHostState: (handler: (state: string, reason?: string) => void) => setTimeout(() => handler('fault', why), 0),
      };
    }, reason);
    await page.goto(kiosk.url);
    await page.waitForSelector('[data-host="fault"] [data-role="fault-reason"]');
    const text = await page.locator('#app').innerText();
    expect(text).toContain(UI_TEXT.zh.fault);
    expect(text).toContain(UI_TEXT.zh.faultSub);
    expect(text).toContain(`${UI_TEXT.en.fault} · ${UI_TEXT.en.faultSub}`);
    expect(await page.locator('[data-role="fault-reason"]').innerText()).toBe(reason);
    await screenshot(page, 'host-fault');
    const faultFiles = Object.values(manifest.prompts.zh).filter((p) => p.text === UI_TEXT.zh.faultSub).map((p) => `/audio/${p.file}`);
    // The fault line, then the "contact staff" line, each played to its end.
    await page.waitForFunction((fs) => (window as unknown as { __played: string[] }).__played.some((p) => fs.includes(p)), faultFiles, { timeout: 30_000, polling: 100 });
  }, 90_000);
});
