import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import manifest from '../../renderer/audio/prompts.json' with { type: 'json' };
import { isSocatAvailable } from '../../drivers/sim/pty-pair.js';
import { SimHost } from '../../drivers/sim/sim-host.js';
import { loadKioskConfig } from '../../main/config/kiosk-config.js';
import { startBrowserMode, type RunningBrowserMode } from '../../main/host/browser-mode.js';
import { createLogger } from '../../main/host/logger.js';
import { ScenarioConductor } from '../../main/host/scenario-conductor.js';
import { inOrder, openBrowser, recordScreens, ROOT, screensSeen, screenshot, tempDir, waitForScreen, type Browser } from './kiosk-harness.js';

/**
 * The kiosk a technician installs, end to end: NOT `--sim`. The project's simulators run behind
 * socat pseudo-terminals (SimHost, as `kiosk sim --pty` does), the host opens those ports with the
 * real serialport bindings from a configuration naming them, on a fresh data directory, and
 * Chromium shows the traveller's screen.
 *
 * Fresh: no calibration → out of service, the reason in the status bar and /healthz. A calibration
 * recorded through the store → idle by itself. Then a normal person → PASS, a febrile one → HOLD
 * with the fever reason. The host runs in this process so the calibration goes through its store
 * (the technician console will do the same).
 */

const socat = isSocatAvailable();
let browser: Browser;
beforeAll(async () => {
  browser = await openBrowser();
  await recordScreens(browser.page);
  // What the voice says, by either channel: the words of each recording played (renderer/audio,
  // looked up in the shipped manifest) and every utterance handed to speech synthesis (the fallback).
  const wordsOfFile = Object.fromEntries((['zh', 'en'] as const).flatMap((l) => Object.values(manifest.prompts[l]).map((p) => [`/audio/${p.file}`, p.text])));
  await browser.page.addInitScript((words: Record<string, string>) => {
    const w = window as unknown as { __spoken: string[] };
    w.__spoken = [];
    const play = HTMLMediaElement.prototype.play;
    HTMLMediaElement.prototype.play = function (this: HTMLMediaElement) {
      w.__spoken.push(words[new URL(this.currentSrc || this.src).pathname] ?? `unknown recording ${this.src}`);
      return play.call(this);
    };
    if (typeof speechSynthesis !== 'undefined') speechSynthesis.speak = (u: SpeechSynthesisUtterance) => void w.__spoken.push(u.text);
  }, wordsOfFile);
}, 60_000);
afterAll(async () => {
  await browser?.close();
});

describe.skipIf(!socat)(`kiosk on pseudo-terminals with the real serial bindings${socat ? '' : ' (skipped: socat is not installed)'}`, () => {
  it('fresh data directory → out of service; calibration recorded → idle; normal → PASS; fever → HOLD FEVER', async () => {
    const dir = tempDir('kiosk-e2e-ports-');
    const cardPath = join(dir, 'idcard');
    const thermoPath = join(dir, 'thermo');
    const dataDir = join(dir, 'data');
    mkdirSync(dataDir, { mode: 0o700 });
    const configFile = join(dir, 'kiosk.json');
    writeFileSync(
      configFile,
      JSON.stringify({
        checkpoint: { id: 'bench-gate-1', name: '工作台测试' },
        devices: {
          idcard: { source: 'serial', path: cardPath, baudRate: 115200 },
          thermometer: { source: 'serial', path: thermoPath, protocol: 'gy-mcu90614', baudRate: 9600 },
        },
      }),
    );
    const loaded = await loadKioskConfig(configFile);
    if (!loaded.ok) throw new Error(loaded.problems.join('\n'));

    const logs: string[] = [];
    const log = createLogger({ destination: new Writable({ write: (chunk: Buffer, _enc, done) => (logs.push(...chunk.toString('utf8').trim().split('\n')), done()) }) });
    let running: RunningBrowserMode | null = null;
    // Two people, one after the other, each as soon as the kiosk is back in idle.
    const people = new ScenarioConductor({
      steps: [
        { idcard: 'normal', thermometer: 'normal' },
        { idcard: 'normal', thermometer: 'fever' },
      ],
      protocol: 'gy-mcu90614',
      timeScale: 1,
      waitForIdle: () => running!.host.waitForIdle(),
      log: () => undefined,
    });
    people.powerOn();
    const sims = [await SimHost.start({ device: people.card, endpoint: { kind: 'pty', hostPath: cardPath } }), await SimHost.start({ device: people.thermometer, endpoint: { kind: 'pty', hostPath: thermoPath } })];
    try {
      running = await startBrowserMode({ browser: true, simulate: false, port: 0, dataDir, configFile, scenarios: null }, loaded.config, log, join(ROOT, 'dist', 'renderer'));
      const { page } = browser;
      await page.goto(running.server.url);

      // Fresh: no calibration → out of service, saying why.
      await waitForScreen(page, 'out-of-service');
      await page.waitForFunction(() => document.querySelector('.notice[data-code="CALIBRATION_MISSING"]') !== null, undefined, { timeout: 10_000 });
      const closed = await page.locator('#app').innerText();
      expect(closed).toContain('暂停服务 · 请走人工通道');
      expect(closed).toContain('Out of service · please use the staffed lane');
      expect(closed).toContain('测温设备未校准');
      expect(await page.locator('svg[data-icon="closed"]').count()).toBe(1);
      await screenshot(page, 'out-of-service');
      const health = (await (await fetch(new URL('/healthz', running.server.url))).json()) as { service: string; status: string; notices: { code: string }[] };
      expect(health).toMatchObject({ service: 'out-of-service', status: 'degraded' });
      expect(health.notices.map((n) => n.code)).toEqual(['CALIBRATION_MISSING']);
      expect(logs.join('\n')).toMatch(/"code":"CALIBRATION_MISSING".*out of service/);

      // Both devices really are online over the ptys (status bar), the kiosk just will not screen.
      await page.waitForFunction(() => document.querySelectorAll('.device[data-state="online"]').length === 2, undefined, { timeout: 20_000 });

      // A technician records a blackbody calibration (the simulated sensor reads the blackbody exactly).
      await running.host.recordCalibration({ deviceId: 'thermo-0', gain: 1, offsetC: 0, points: [{ referenceC: 35, measuredC: 35 }, { referenceC: 39, measuredC: 39 }], technicianId: 'bench', note: 'two-point blackbody check' });
      await waitForScreen(page, 'idle');
      expect(await page.locator('.notice').count()).toBe(0);
      // The engine's prompt reaches the screen and the voice through the contract.
      await page.waitForFunction(() => document.querySelector('.prompt')?.textContent === '请刷身份证', undefined, { timeout: 10_000 });

      // Now the people step up.
      people.start();
      await waitForScreen(page, 'pass', 45_000);
      await screenshot(page, 'pass-real-ports');
      await waitForScreen(page, 'hold', 45_000);
      const hold = await page.locator('#app').innerText();
      expect(hold).toContain('体温异常');
      expect(hold).toMatch(/3[89]\.\d °C/);
      expect(inOrder(await screensSeen(page), ['out-of-service', 'idle', 'measuring', 'pass', 'idle', 'measuring', 'remeasure', 'hold'])).toBe(true);
      const spoken = await page.evaluate(() => (window as unknown as { __spoken: string[] }).__spoken);
      expect(inOrder(spoken, ['暂停服务 · 请走人工通道', '请刷身份证', '体温正常 请通行', '体温偏高 请稍作休息后复测', '请稍候 工作人员将为您处理'])).toBe(true);
      const results = logs.filter((l) => l.includes('screening: result'));
      expect(results).toHaveLength(2);
      expect(results[0]).toContain('"decision":"PASS"');
      expect(results[1]).toMatch(/"decision":"HOLD","colour":null,"reasons":\["FEVER"/);
      expect(logs.join('\n')).not.toMatch(/estimateC|objectC/);
    } finally {
      people.stop();
      await running?.stop();
      for (const s of sims) await s.stop();
    }
  }, 180_000);
});
