import { readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SIM_CARD } from '../../drivers/sim/idcard-simulator.js';
import { KioskStore } from '../../main/store/kiosk-store.js';
import { checkScreen, consoleSite, goTo, openConsole, signIn, STAFF, TECHNICIAN, useBrowser } from './console-harness.js';
import { startKiosk, waitForScreen } from './kiosk-harness.js';

/**
 * Issue 15 on the consoles, end to end (the real CLI in browser mode, simulated devices, Debian's
 * Chromium): the staff console's privacy notice — the idle screen's text, the full text one
 * activation away — and the technician's page for a person's requests: lookup, export, and deletion
 * with its confirmation, for the simulated traveller. axe-core (WCAG 2.1 AA) finds nothing on any of
 * these screens (photographed as console-notice*.png, console-privacy*.png), and the screen never
 * shows the full ID number, only its mask.
 */
const shared = useBrowser();
const PERSON = DEFAULT_SIM_CARD; // 11010519491231002X
const MASKED = '110105********002X';
const REFERENCE = 'REQ-2026-0042';

const focused = (page: Page) => page.evaluate(() => document.activeElement?.getAttribute('data-action') ?? document.activeElement?.tagName ?? null);

/** Everything visible on the page now (console, traveller screen, dialogs) and every field's value but the masked one. */
async function shownText(page: Page): Promise<string> {
  return page.evaluate(() => {
    const fields = [...document.querySelectorAll('input, textarea, select')].filter((x) => (x as HTMLInputElement).type !== 'password').map((x) => (x as HTMLInputElement).value);
    return [document.body.innerText, ...fields, document.title, location.href].join('\n');
  });
}

describe('privacy on the consoles in Chromium', () => {
  it("staff read the idle screen's notice; a technician looks up, exports and deletes a person's records; the full ID number is never shown", async () => {
    const { data, config } = consoleSite('kiosk-e2e-console-privacy-');
    // The simulated traveller passes once, then is held with a fever: two screenings of one person.
    const kiosk = await startKiosk({ scenario: 'normal,fever', config, dataDir: data });
    const { page } = shared.current;
    const seen: string[] = [];
    const look = async () => {
      const text = await shownText(page);
      seen.push(text);
      return text;
    };
    let exportPath = '';
    try {
      await page.goto(kiosk.url);
      await waitForScreen(page, 'pass', 60_000);
      await waitForScreen(page, 'hold', 60_000);
      await page.waitForFunction(() => {
        const s = (window as unknown as { __screens: string[] }).__screens;
        return s.lastIndexOf('idle') > s.lastIndexOf('hold');
      }, undefined, { timeout: 60_000 });
      const idleShort = await page.locator('#app [data-role="privacy-notice"] .privacy-short').allInnerTexts();
      expect(idleShort).toHaveLength(2);

      // ---- staff: the notice page ----
      await openConsole(page);
      await signIn(page, STAFF, 'holds');
      expect(await page.locator('[data-action="nav-privacy"]').count()).toBe(0);
      await goTo(page, 'notice');
      const block = page.locator('#console [data-role="privacy-notice"]');
      await block.waitFor();
      // The same text as the idle screen, drawn by the same code: Chinese first, both languages.
      expect(await block.locator('.privacy-short').allInnerTexts()).toEqual(idleShort);
      expect(await block.locator('.privacy-short').evaluateAll((ps) => ps.map((p) => p.getAttribute('lang')))).toEqual(['zh-CN', 'en']);
      await look();
      await checkScreen(page, 'notice');
      // The full text one activation away, from the keyboard.
      await page.locator('#console [data-action="privacy-notice"]').focus();
      await page.keyboard.press('Enter');
      await page.waitForSelector('#console-privacy-dialog[open]');
      expect(await focused(page)).toBe('privacy-close');
      expect(await page.locator('#console-privacy-title').innerText()).toBe('个人信息保护告知');
      expect(await page.locator('#console-privacy-dialog h3').allInnerTexts()).toEqual(['处理目的', '收集的信息', '保存期限', '处理者和联系方式', '您的权利', '保护措施']);
      await look();
      await checkScreen(page, 'notice-full');
      // English, switched inside the dialog (the console follows), and back.
      await page.locator('#console-privacy-dialog [data-action="privacy-language"]').click();
      await page.waitForFunction(() => document.getElementById('console-privacy-title')?.textContent === 'How your personal information is handled');
      expect(await page.locator('#console-privacy-dialog[open]').count()).toBe(1);
      expect(await page.locator('#console [data-action="nav-notice"]').innerText()).toBe('Privacy notice');
      await checkScreen(page, 'notice-full-en');
      await page.locator('#console-privacy-dialog [data-action="privacy-language"]').click();
      await page.waitForFunction(() => document.getElementById('console-privacy-title')?.textContent === '个人信息保护告知');
      await page.keyboard.press('Escape');
      await page.waitForFunction(() => (document.getElementById('console-privacy-dialog') as HTMLDialogElement | null)?.open === false);
      // Focus goes back to the button on the dialog's close event (the page was redrawn in English and back meanwhile).
      await page.waitForFunction(() => document.activeElement?.closest('#console')?.id === 'console' && document.activeElement.getAttribute('data-action') === 'privacy-notice', undefined, { timeout: 5_000 });
      await page.locator('[data-action="sign-out"]').click();
      await page.waitForFunction(() => document.getElementById('console')?.dataset.consoleScreen === 'pin');
      // The PIN pad keeps the last account chosen: back to the list.
      await page.locator('[data-action="pin-back"]').click();

      // ---- technician: a person's requests ----
      await signIn(page, TECHNICIAN, 'devices');
      await goTo(page, 'privacy');
      await page.waitForFunction(() => document.querySelector('[data-report="held"] dd')?.textContent?.startsWith('2 条检测记录'), undefined, { timeout: 10_000 });
      expect(await page.locator('[data-report="retention"] dd').innerText()).toBe('14 天, 自检测起计');
      await look();
      await checkScreen(page, 'privacy');

      const idField = page.locator('[data-field="subjectIdNumber"]');
      expect(await idField.getAttribute('type')).toBe('password');
      await idField.fill(PERSON.idNumber);
      await page.locator('[data-field="subjectReference"]').fill(REFERENCE);
      await page.locator('[data-action="subject-lookup"]').click();
      const summary = page.locator('[data-role="subject-summary"]');
      await summary.waitFor({ timeout: 10_000 });
      expect(await summary.innerText()).toBe(`模*** ${MASKED}: 2 条检测记录, 0 条人工登记`);
      expect(await page.locator('[data-role="subject-lookup"] tbody tr').count()).toBe(2);
      expect(await page.locator('[data-role="subject-lookup"] tbody tr td:nth-child(3)').allInnerTexts()).toEqual(['PASS', 'HOLD']);
      await look();
      await checkScreen(page, 'privacy-lookup');

      // Export for the person: a 0600 file under <data>/privacy-exports/, its path shown.
      await page.locator('[data-action="subject-export"]').click();
      const pathLine = page.locator('[data-role="export-path"]');
      await pathLine.waitFor({ timeout: 10_000 });
      exportPath = (await pathLine.innerText()).replace(/ \(\d+ 字节\)$/, '');
      expect(dirname(exportPath)).toBe(join(data, 'privacy-exports'));
      expect(statSync(exportPath).mode & 0o777).toBe(0o600);
      const doc = JSON.parse(readFileSync(exportPath, 'utf8')) as { reference: string; records: Array<{ screening: { card: { idNumber: string } } }> };
      expect(doc.reference).toBe(REFERENCE);
      expect(doc.records.map((r) => r.screening.card.idNumber)).toEqual([PERSON.idNumber, PERSON.idNumber]);
      await look();
      await checkScreen(page, 'privacy-export');

      // Delete: what is held is shown again, with an explicit confirmation step.
      await page.locator('[data-action="subject-erase"]').click();
      const confirm = page.locator('[data-role="erase-confirm"]');
      await confirm.waitFor({ timeout: 10_000 });
      expect(await confirm.locator('h4').innerText()).toBe(`确认删除: 模*** ${MASKED}`);
      expect(await focused(page)).toBe('H4');
      await look();
      await checkScreen(page, 'privacy-erase-confirm');
      await page.locator('[data-action="subject-erase-confirm"]').click();
      const erased = page.locator('[data-role="subject-erased"]');
      await erased.waitFor({ timeout: 10_000 });
      // Two screenings, no disposition (the hold was left open), an upload row each; standalone: nothing for central.
      expect(await erased.locator('p').first().innerText()).toMatch(/^已删除 \(REQ-2026-0042\): 2 条检测记录, 0 条处置记录, 0 条人工登记, 2 条上传记录; 审计记录 #\d+$/);
      expect(await page.locator('[data-role="erasure-request"]').innerText()).toBe('无需通知中心（本机独立运行，中心未收到过这些记录）');
      expect(await idField.inputValue()).toBe('');
      await page.waitForFunction(() => document.querySelector('[data-report="held"] dd')?.textContent?.startsWith('0 条检测记录'), undefined, { timeout: 10_000 });
      await look();
      await checkScreen(page, 'privacy-erased');

      // Looked up again: nothing held.
      await idField.fill(PERSON.idNumber);
      await page.locator('[data-action="subject-lookup"]').click();
      await page.waitForFunction(() => document.querySelector('[data-role="subject-summary"]')?.textContent === '本机没有此证件号码的任何记录', undefined, { timeout: 10_000 });
      await look();
    } finally {
      await kiosk.stop();
    }
    // Never on the screen, in a field's shown value, the title or the address: only the mask.
    for (const text of seen) expect(text).not.toContain(PERSON.idNumber.slice(6, 14));
    expect(seen.some((t) => t.includes(MASKED))).toBe(true);
    expect(kiosk.logs.join('\n')).not.toContain(PERSON.idNumber.slice(6, 14));
    // The service audited each request once, naming the technician and the request; nothing else about the person remains.
    const store = await KioskStore.open({ dataDir: data, maintenanceIntervalMs: 0 });
    try {
      const entries = store.audit.list(1000).filter((e) => e.action.startsWith('privacy.subject.'));
      expect(entries.map((e) => [e.action, e.actor, e.detail.reference, e.detail.screenings])).toEqual([
        ['privacy.subject.lookup', 'technician:tech.li', REFERENCE, 2],
        ['privacy.subject.export', 'technician:tech.li', REFERENCE, 2],
        ['privacy.subject.lookup', 'technician:tech.li', REFERENCE, 2],
        ['privacy.subject.delete', 'technician:tech.li', REFERENCE, 2],
        ['privacy.subject.lookup', 'technician:tech.li', REFERENCE, 0],
      ]);
      expect(store.subjects.find(PERSON.idNumber)).toEqual({ screenings: [], registrations: [] });
      expect(store.holdings()).toMatchObject({ screenings: 0, dispositions: 0, registrations: 0 });
      expect(JSON.stringify(store.audit.list(1000))).not.toContain(PERSON.idNumber.slice(6, 14));
      expect(store.verifyIntegrity().chain.ok).toBe(true);
    } finally {
      store.close();
    }
  }, 240_000);
});
