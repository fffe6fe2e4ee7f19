import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SIM_CARD } from '../../drivers/sim/idcard-simulator.js';
import { containsText } from '../fixtures/store/temp-data-dir.js';
import { axeViolations, createAccount, goTo, openConsole, signIn, TECHNICIAN, useBrowser } from './console-harness.js';
import { ROOT, screenshot, startKiosk, tempDir, waitForScreen } from './kiosk-harness.js';

/**
 * Issue 15 end to end: the privacy notice on the idle screen (both languages, Chinese first), the
 * full text one tap or one key away, WCAG 2.1 AA by axe-core; and a run of the kiosk with simulated
 * people (and the technician's diagnostics archive), after which no file it (or the browser showing
 * it) wrote holds a simulated person's ID number, name or address in plaintext.
 */

// Who the simulated reader presents (drivers/sim/idcard-simulator.ts): every way their data could leak.
const PERSON = DEFAULT_SIM_CARD;
const SECRETS = [PERSON.idNumber, PERSON.idNumber.slice(6, 14), PERSON.name, PERSON.address];

const focused = (page: Page) => page.evaluate(() => document.activeElement?.getAttribute('data-action') ?? document.activeElement?.tagName ?? null);

/** Every regular file under `dir`, recursively. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return filesUnder(path);
    return e.isFile() ? [path] : [];
  });
}

/** The files (and texts) that hold a secret, as "<where>: <which secret>". */
function leaks(where: Array<{ name: string; bytes: Buffer }>): string[] {
  return where.flatMap(({ name, bytes }) => SECRETS.filter((s) => containsText(bytes, s)).map((s) => `${name}: ${s === PERSON.name ? 'name' : s === PERSON.address ? 'address' : 'ID number'}`));
}

const browser = useBrowser();

describe('privacy notice in Chromium', () => {
  it('is on the idle screen in both languages, opens the full text from the keyboard, closes with Escape, and axe finds nothing', async () => {
    // Someone stands there without a card: the idle screen stays, with its prompt changing under the dialog.
    const kiosk = await startKiosk({ scenario: 'no-card' });
    try {
      const { page } = browser.current;
      await page.goto(kiosk.url);
      await waitForScreen(page, 'idle');
      const block = page.locator('[data-role="privacy-notice"]');
      await block.waitFor();
      const short = await block.locator('.privacy-short').allInnerTexts();
      expect(short).toEqual([
        '个人信息告知：本机采集身份证件信息和体温，仅用于疫情防控，检测14天后自动删除。处理者：本检测点的设置单位。咨询：现场工作人员。',
        'Privacy: this kiosk records your ID card details and temperature for epidemic control only, deleted 14 days after the screening. Operator: the authority that runs this checkpoint. Questions: the staff at this checkpoint.',
      ]);
      expect(await block.locator('.privacy-short').evaluateAll((ps) => ps.map((p) => p.getAttribute('lang')))).toEqual(['zh-CN', 'en']);
      expect(await axeViolations(page)).toEqual([]);
      await screenshot(page, 'idle-privacy-notice');

      // Keyboard only: Tab reaches the button, Enter opens the dialog with focus inside it.
      for (let i = 0; i < 5 && (await focused(page)) !== 'privacy-notice'; i++) await page.keyboard.press('Tab');
      expect(await focused(page)).toBe('privacy-notice');
      expect(await page.locator('[data-action="privacy-notice"]').getAttribute('aria-haspopup')).toBe('dialog');
      await page.keyboard.press('Enter');
      const dialog = page.locator('#privacy-dialog');
      await page.waitForSelector('#privacy-dialog[open]');
      expect(await focused(page)).toBe('privacy-close');
      expect(await dialog.getAttribute('aria-labelledby')).toBe('privacy-title');
      expect(await page.locator('#privacy-title').innerText()).toBe('个人信息保护告知');
      expect(await dialog.locator('h3').allInnerTexts()).toEqual(['处理目的', '收集的信息', '保存期限', '处理者和联系方式', '您的权利', '保护措施']);
      // Modal: the screen behind is inert, so axe checks the dialog as a reader would meet it.
      expect(await axeViolations(page)).toEqual([]);
      await screenshot(page, 'idle-privacy-notice-full');

      // The language switch inside the dialog redraws it in place; it stays open.
      await page.locator('[data-action="privacy-language"]').click();
      await page.waitForFunction(() => document.getElementById('privacy-title')?.textContent === 'How your personal information is handled');
      expect(await page.locator('#privacy-dialog[open]').count()).toBe(1);
      expect(await dialog.getAttribute('lang')).toBe('en');
      expect(await axeViolations(page)).toEqual([]);

      await page.keyboard.press('Escape');
      await page.waitForFunction(() => (document.getElementById('privacy-dialog') as HTMLDialogElement | null)?.open === false);
      expect(await focused(page)).toBe('privacy-notice');
    } finally {
      await kiosk.stop();
    }
  }, 120_000);
});

describe('no plaintext personal data in anything the kiosk writes', () => {
  it('after a run with a passing and a held traveller: database, WAL, logs, exports, diagnostics archive, report and the browser profile hold no ID number, name or address', async () => {
    const dir = tempDir('kiosk-e2e-privacy-');
    const dataDir = join(dir, 'data');
    createAccount(dataDir, 'technician', TECHNICIAN.name, TECHNICIAN.pin);
    const kiosk = await startKiosk({ scenario: 'normal,fever', dataDir });
    const { page } = browser.current;
    try {
      await page.goto(kiosk.url);
      await waitForScreen(page, 'pass');
      await waitForScreen(page, 'hold');
      // Back to idle after the hold: both records are committed (the kiosk writes before it shows).
      await page.waitForFunction(() => {
        const s = (window as unknown as { __screens: string[] }).__screens;
        return s.lastIndexOf('idle') > s.lastIndexOf('hold') && s.includes('hold');
      }, undefined, { timeout: 60_000 });
      const screenText = await page.locator('#app').innerText();
      expect(SECRETS.filter((s) => screenText.includes(s))).toEqual([]);
      // The technician's diagnostics archive, made from the console as a technician would.
      await openConsole(page);
      await signIn(page, TECHNICIAN, 'devices');
      await goTo(page, 'diagnostics');
      await page.locator('[data-action="diagnostics-export"]').click();
      await page.waitForFunction(() => (document.querySelector('[data-role="file"]')?.textContent ?? '').includes('.tar.gz'), undefined, { timeout: 15_000 });
    } finally {
      await kiosk.stop();
    }
    writeFileSync(join(dir, 'kiosk.log'), kiosk.logs.join('\n'));
    // What a technician exports and prints afterwards (masked export; processing report; audit check).
    const cli = (args: string[]) => execFileSync(process.execPath, ['bin/kiosk.js', ...args], { cwd: ROOT, encoding: 'utf8' });
    const today = new Date();
    const day = (d: Date) => `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
    cli(['export', '--from', day(new Date(today.getTime() - 86_400_000)), '--to', day(new Date(today.getTime() + 86_400_000)), '--format', 'jsonl', '--data', dataDir, '--output', join(dir, 'export.jsonl')]);
    writeFileSync(join(dir, 'privacy-report.json'), cli(['privacy', 'report', '--json', '--data', dataDir]));
    expect(cli(['audit', 'verify', '--data', dataDir])).toMatch(/audit log intact[\s\S]*records intact: 2 screening record\(s\)/);

    const exported = readFileSync(join(dir, 'export.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { idNumber: string; name: string; decision: string });
    expect(exported.map((r) => [r.decision, r.idNumber, r.name])).toEqual([
      ['PASS', '110105********002X', '模***'],
      ['HOLD', '110105********002X', '模***'],
    ]);
    const report = JSON.parse(readFileSync(join(dir, 'privacy-report.json'), 'utf8')) as { held: { screenings: number; withCard: number; withPhoto: number } };
    expect(report.held).toMatchObject({ screenings: 2, withCard: 2, withPhoto: 0 });

    const written = filesUnder(dir);
    expect(written.map((f) => f.slice(dir.length + 1)).sort()).toEqual(expect.arrayContaining(['data/kiosk.db', 'data/kiosk.key', 'export.jsonl', 'kiosk.log', 'privacy-report.json']));
    expect(statSync(join(dataDir, 'kiosk.db')).size).toBeGreaterThan(0);
    const browserFiles = filesUnder(browser.current.profile);
    const archives = written.filter((f) => f.endsWith('.tar.gz'));
    expect(archives.map((f) => f.slice(dataDir.length + 1))).toEqual([expect.stringMatching(/^diagnostics\/diagnostics-.*\.tar\.gz$/)]);
    // Compressed bytes hide text: the archives are scanned as what they unpack to.
    const scanned = [...written, ...browserFiles].map((f) => ({ name: f, bytes: f.endsWith('.gz') ? gunzipSync(readFileSync(f)) : readFileSync(f) }));
    expect(scanned.find((x) => x.name.endsWith('.tar.gz'))!.bytes.toString('latin1')).toContain('logs.jsonl');
    expect(leaks(scanned)).toEqual([]);
    // The scan itself can find what it looks for: the simulator's card as the reader sends it.
    expect(leaks([{ name: 'card', bytes: Buffer.from(JSON.stringify(PERSON)) }])).toHaveLength(SECRETS.length);
  }, 180_000);
});
