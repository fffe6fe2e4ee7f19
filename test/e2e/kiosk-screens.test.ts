import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HmacIdHasher } from '../../main/engine/id-hasher.js';
import { inOrder, screensSeen, screenshot, startKiosk, tempDir, waitForScreen } from './kiosk-harness.js';
import { browserPerFile } from './browser-per-file.js';

/**
 * The traveller's screens end to end: the real CLI in browser mode with simulated devices (real
 * SAM and GY-MCU90614 bytes over in-process links), Debian's Chromium showing the renderer.
 */

// The simulator's card carries the GB 11643 sample number (docs/protocols/sam-reader.md §7.3) and a fictitious name.
const SIM_ID = '11010519491231002X';
const SIM_ID_MASKED = '110105********002X';

const browser = browserPerFile();

/** A configuration as a site would start with: the checkpoint only; every other setting its default. */
function configFile(dir: string, extra: Record<string, unknown> = {}): string {
  const file = join(dir, 'kiosk.json');
  writeFileSync(file, JSON.stringify({ checkpoint: { id: 'e2e-gate-1', name: '测试检查站' }, ...extra }));
  return file;
}

describe('kiosk screens in Chromium', () => {
  it('normal person: idle → reading → measuring → PASS, identity masked, back to idle', async () => {
    const dir = tempDir('kiosk-e2e-normal-');
    // A slow card reader (bytes trickle in) keeps the reading screen up long enough to photograph.
    const kiosk = await startKiosk({ scenario: 'slow/normal', config: configFile(dir), dataDir: join(dir, 'data') });
    try {
      const { page } = browser();
      await page.goto(kiosk.url);
      await waitForScreen(page, 'idle');
      await screenshot(page, 'idle');
      expect(await page.locator('.checkpoint').innerText()).toBe('测试检查站');
      await waitForScreen(page, 'reading');
      await screenshot(page, 'reading');
      await waitForScreen(page, 'measuring');
      await screenshot(page, 'measuring');
      await waitForScreen(page, 'pass');
      await screenshot(page, 'pass');
      expect(await page.locator('#app').getAttribute('data-screen')).toBe('pass');
      const text = await page.locator('#app').innerText();
      expect(text).toContain('体温正常 请通行');
      expect(await page.locator('svg[data-icon="check"]').count()).toBe(1);
      expect(text).toContain(SIM_ID_MASKED);
      expect(text).toContain('模***');
      expect(text).not.toContain(SIM_ID);
      expect(text).not.toContain('模拟测试');
      expect(await page.locator('html').getAttribute('lang')).toBe('zh-CN');
      await waitForScreen(page, 'idle', 30_000, 2);
      expect(inOrder(await screensSeen(page), ['idle', 'reading', 'measuring', 'pass', 'idle'])).toBe(true);
      // The logs never carry the card's personal data.
      const logs = kiosk.logs.join('\n');
      expect(logs).toContain('"decision":"PASS"');
      expect(logs).not.toContain(SIM_ID);
      expect(logs).not.toContain('模拟测试');
    } finally {
      await kiosk.stop();
    }
  }, 90_000);

  it('fever: measuring → re-measure → HOLD with reason and staff line, English on request', async () => {
    const dir = tempDir('kiosk-e2e-fever-');
    const kiosk = await startKiosk({ scenario: 'fever', config: configFile(dir), dataDir: join(dir, 'data') });
    try {
      const { page } = browser();
      await page.goto(kiosk.url);
      await waitForScreen(page, 'idle');
      await waitForScreen(page, 'remeasure');
      await screenshot(page, 'remeasure');
      await waitForScreen(page, 'hold');
      await screenshot(page, 'hold-fever');
      const zh = await page.locator('#app').innerText();
      expect(zh).toContain('体温异常');
      expect(zh).toContain('工作人员正在赶来');
      expect(await page.locator('svg[data-icon="hold"]').count()).toBe(1);
      expect(zh).toMatch(/3[7-9]\.\d °C/);
      await page.locator('button[data-action="language"]').click();
      await page.waitForFunction(() => document.documentElement.lang === 'en');
      const en = await page.locator('#app').innerText();
      expect(en).toContain('Elevated temperature');
      expect(en).toContain('Staff are on their way');
      await screenshot(page, 'hold-fever-en');
      expect(inOrder(await screensSeen(page), ['idle', 'measuring', 'remeasure', 'hold'])).toBe(true);
      // The next traveller is greeted in Chinese again.
      await waitForScreen(page, 'idle', 30_000, 2);
      await page.waitForFunction(() => document.documentElement.lang === 'zh-CN');
    } finally {
      await kiosk.stop();
    }
  }, 90_000);

  it('watchlist hit: HOLD in the entry colour, with the level in words', async () => {
    const dir = tempDir('kiosk-e2e-watch-');
    const data = join(dir, 'data');
    mkdirSync(data, { recursive: true, mode: 0o700 });
    // The deployment's ID key and the central list as the uplink would leave them in the data dir.
    const key = randomBytes(32);
    writeFileSync(join(data, 'id-hmac.key'), key, { mode: 0o600 });
    chmodSync(join(data, 'id-hmac.key'), 0o600);
    const now = new Date().toISOString();
    writeFileSync(
      join(data, 'watchlist.json'),
      JSON.stringify({ refreshedAt: now, entries: [{ hmac: new HmacIdHasher(key).hashIdNumber(SIM_ID), colour: 'orange', listId: 'e2e-list', updatedAt: now }], keyRegions: [] }),
    );
    // A kiosk fed by the lists file (without a list source it is standalone and consults none).
    const kiosk = await startKiosk({ scenario: 'normal', config: configFile(dir, { lists: { source: 'file' } }), dataDir: data });
    try {
      const { page } = browser();
      await page.goto(kiosk.url);
      await waitForScreen(page, 'hold', 45_000);
      expect(await page.locator('#app').getAttribute('data-colour')).toBe('orange');
      const text = await page.locator('#app').innerText();
      expect(text).toContain('重点人员名单匹配');
      expect(text).toContain('级别: 橙色');
      expect(text).toContain('工作人员正在赶来');
      expect(text).toContain(SIM_ID_MASKED);
      const bg = await page.locator('#app').evaluate((el) => getComputedStyle(el).backgroundColor);
      expect(bg).toBe('rgb(230, 81, 0)');
      await screenshot(page, 'hold-watchlist-orange');
      expect(kiosk.logs.join('\n')).toContain('"reasons":["WATCHLIST"]');
    } finally {
      await kiosk.stop();
    }
  }, 90_000);

  it('kiosk start --sim --config with the checkpoint only: normal, fever, normal → PASS, HOLD (fever), PASS', async () => {
    const dir = tempDir('kiosk-e2e-defaults-');
    const kiosk = await startKiosk({ scenario: 'normal,fever,normal', config: configFile(dir), dataDir: join(dir, 'data') });
    try {
      const { page } = browser();
      await page.goto(kiosk.url);
      await waitForScreen(page, 'idle');
      await waitForScreen(page, 'pass', 45_000);
      await waitForScreen(page, 'hold', 45_000);
      const hold = await page.locator('#app').innerText();
      expect(hold).toContain('体温异常');
      await waitForScreen(page, 'pass', 45_000, 2);
      const results = (await screensSeen(page)).filter((x) => x === 'pass' || x === 'hold');
      expect(results).toEqual(['pass', 'hold', 'pass']);
      // Standalone and simulated-calibrated: no list or calibration reasons; no temperature in the logs.
      const logs = kiosk.logs.join('\n');
      expect(logs.match(/"decision":"PASS"/g)).toHaveLength(2);
      // The simulator plays the same card for each person: the second and third are DUPLICATE notices.
      expect(logs).toMatch(/"decision":"HOLD","colour":null,"reasons":\["FEVER","DUPLICATE"\]/);
      expect(logs).not.toMatch(/estimateC|WATCHLIST_STALE|CALIBRATION_/);
    } finally {
      await kiosk.stop();
    }
  }, 150_000);

  it('thermometer unplugged: fault screen naming it, then recovery to idle', async () => {
    const dir = tempDir('kiosk-e2e-unplug-');
    const kiosk = await startKiosk({ scenario: 'no-card/unplug', config: configFile(dir), dataDir: join(dir, 'data') });
    try {
      const { page } = browser();
      await page.goto(kiosk.url);
      await waitForScreen(page, 'idle');
      await waitForScreen(page, 'fault');
      await screenshot(page, 'fault');
      const text = await page.locator('#app').innerText();
      expect(text).toContain('设备故障');
      expect(text).toContain('测温仪: 离线');
      // The discreet status bar agrees with the fault screen.
      await page.waitForFunction(() => document.querySelector('.device[data-state="offline"]')?.textContent?.includes('测温仪') === true, undefined, { timeout: 10_000 });
      expect(await page.locator('svg[data-icon="fault"]').count()).toBe(1);
      await waitForScreen(page, 'idle', 30_000, 2);
      expect(inOrder(await screensSeen(page), ['idle', 'fault', 'idle'])).toBe(true);
      const logs = kiosk.logs.join('\n');
      expect(logs).toMatch(/"kind":"thermometer","state":"offline"/);
    } finally {
      await kiosk.stop();
    }
  }, 90_000);
});
