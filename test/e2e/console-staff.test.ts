import { describe, expect, it } from 'vitest';
import { KioskStore } from '../../main/store/kiosk-store.js';
import { checkScreen, consoleScreen, consoleSite, goTo, kioskCli, openConsole, readJsonLines, signIn, STAFF, useBrowser } from './console-harness.js';
import { startKiosk, waitForScreen } from './kiosk-harness.js';

/**
 * The staff console end to end: the real CLI in browser mode with simulated devices, Debian's
 * Chromium, accounts made with `kiosk pin set`. Every console screen passes axe (WCAG 2.1 AA) and
 * is photographed into test-output/screenshots/console-*.png.
 */
const shared = useBrowser();

const today = () => {
  const d = new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
};

describe('staff console in Chromium', () => {
  it('a fever HOLD is resolved by staff: re-check and disposition, in `kiosk export` and in the outbox', async () => {
    const { data, config } = consoleSite('kiosk-e2e-hold-');
    const kiosk = await startKiosk({ scenario: 'fever', config, dataDir: data });
    let screeningId = '';
    try {
      const { page } = shared.current;
      await page.goto(kiosk.url);
      await waitForScreen(page, 'hold', 60_000);
      await openConsole(page);
      await checkScreen(page, 'pin-accounts');
      await page.locator(`[data-action="account-${STAFF.name}"]`).click();
      await checkScreen(page, 'pin-pad');
      await page.locator('[data-field="pin"]').fill(STAFF.pin);
      await page.locator('[data-action="pin-ok"]').click();
      await page.waitForSelector('.c-hold', { timeout: 15_000 });
      expect(await consoleScreen(page)).toBe('holds');
      const card = page.locator('.c-hold').first();
      screeningId = (await card.getAttribute('data-screening'))!;
      const text = await card.innerText();
      expect(text).toContain('体温异常');
      expect(text).toContain('110105********002X');
      expect(text).not.toContain('11010519491231002X');
      expect(text).toMatch(/3[7-9]\.\d °C/);
      await checkScreen(page, 'holds');

      await card.locator('[data-action="resolve"]').click();
      await page.waitForFunction(() => document.getElementById('console')?.dataset.consoleScreen === 'resolve');
      // A value no clinical thermometer shows is refused with the range.
      await page.locator('[data-field="recheck"]').fill('52');
      await page.locator('[data-field="disposition"]').selectOption('handed-to-medical');
      await page.locator('[data-action="save-resolution"]').click();
      await page.waitForFunction(() => document.querySelector('[data-role="message"]')?.textContent?.includes('34.0–43.0'));
      await page.locator('[data-field="recheck"]').fill('38.2');
      await page.locator('[data-field="method"]').selectOption('axillary');
      await page.locator('[data-field="note"]').fill('transferred to the fever clinic');
      await checkScreen(page, 'resolve');
      await page.locator('[data-action="save-resolution"]').click();
      await page.waitForFunction(() => document.getElementById('console')?.dataset.consoleScreen === 'holds' && document.querySelectorAll('.c-hold').length === 0, undefined, { timeout: 15_000 });
      expect(await page.locator('[data-role="message"]').innerText()).toContain('已记录处置结果');

      await goTo(page, 'today');
      await page.waitForSelector('[data-role="chart"] svg', { timeout: 10_000 });
      expect(await page.locator('[data-figure="held"] dd').innerText()).toBe('1');
      expect(await page.locator('[data-figure="fever"] dd').innerText()).toBe('1');
      expect(await page.locator('[data-figure="last-upload"] dd').innerText()).toBe('从未');
      await checkScreen(page, 'today');

      // `kiosk export` while the kiosk runs: the screening carries its disposition.
      const rows = readJsonLines(kioskCli(['export', '--from', today(), '--to', today(), '--format', 'jsonl', '--data', data]));
      const row = rows.find((r) => r.id === screeningId);
      expect(row?.decision).toBe('HOLD');
      expect(row?.dispositions).toBe('handed-to-medical');
    } finally {
      await kiosk.stop();
    }
    const store = await KioskStore.open({ dataDir: data, maintenanceIntervalMs: 0 });
    try {
      const items = store.outbox.nextBatch(100).filter((i) => i.kind === 'disposition');
      expect(items).toHaveLength(1);
      const rec = items[0]!.payload.record as { screeningId: string; action: string; recheck: { temperatureC: number; method: string }; staffId: string };
      expect(rec).toMatchObject({ screeningId, action: 'handed-to-medical', recheck: { temperatureC: 38.2, method: 'axillary' }, staffId: `staff:${STAFF.name}` });
      expect(items[0]!.priority).toBe(1);
      expect(store.audit.list(200).some((e) => e.action === 'hold.resolved' && e.detail.screening === screeningId)).toBe(true);
      expect(store.audit.verify().ok).toBe(true);
    } finally {
      store.close();
    }
  }, 150_000);

  it('manual registration (no readable card) is followed by the normal measurement', async () => {
    const { data, config } = consoleSite('kiosk-e2e-register-');
    const kiosk = await startKiosk({ scenario: 'no-card', config, dataDir: data });
    let registrationId = '';
    try {
      const { page } = shared.current;
      await page.goto(kiosk.url);
      await waitForScreen(page, 'idle');
      await openConsole(page);
      await signIn(page, STAFF, 'holds');
      await goTo(page, 'register');
      // A resident number with a wrong check character is refused by its rule.
      await page.locator('[data-field="documentType"]').selectOption('resident');
      await page.locator('[data-field="documentNumber"]').fill('110105194912310021');
      await page.locator('[data-field="name"]').fill('测试人');
      await page.locator('[data-action="register-measure"]').click();
      await page.waitForFunction(() => document.querySelector('[data-role="message"]')?.textContent?.includes('校验码'));
      // A passport: no check rule, recorded as such.
      await page.locator('[data-field="documentType"]').selectOption('passport');
      await page.locator('[data-field="documentNumber"]').fill('E12345678');
      await page.locator('[data-field="name"]').fill('Test Person');
      await page.locator('[data-field="phone"]').fill('13800000000');
      await checkScreen(page, 'register');
      const screensBefore = (await page.evaluate(() => (window as unknown as { __screens: string[] }).__screens)).length;
      await page.locator('[data-action="register-measure"]').click();
      // The console closes on the kiosk and the traveller screen shows the measurement and its result.
      await page.waitForFunction(() => document.getElementById('console')?.hidden === true, undefined, { timeout: 15_000 });
      await page.waitForFunction((n) => (window as unknown as { __screens: string[] }).__screens.slice(n).includes('pass'), screensBefore, { timeout: 60_000 });
      const after = (await page.evaluate(() => (window as unknown as { __screens: string[] }).__screens)).slice(screensBefore);
      expect(after).toContain('measuring');
      expect(after.indexOf('measuring')).toBeLessThan(after.indexOf('pass'));
      expect(await page.locator('#app').innerText()).not.toContain('E12345678');
    } finally {
      await kiosk.stop();
    }
    const store = await KioskStore.open({ dataDir: data, maintenanceIntervalMs: 0 });
    try {
      const kinds = store.outbox.nextBatch(100).map((i) => i.kind);
      expect(kinds).toContain('manual-registration');
      expect(kinds).toContain('registration-link');
      const regItem = store.outbox.nextBatch(100).find((i) => i.kind === 'manual-registration')!;
      registrationId = regItem.recordId;
      const reg = store.registrations.get(registrationId)!;
      expect(reg).toMatchObject({ documentType: 'passport', numberCheck: 'no-rule', documentNumber: 'E12345678', name: 'Test Person', phone: '13800000000', staffId: `staff:${STAFF.name}` });
      const screening = store.records.get(reg.screeningId!)!;
      expect(screening.decision).toBe('PASS');
      expect(screening.card).toBeNull();
      expect(screening.temperatures.length).toBeGreaterThan(0);
      const uploaded = store.outbox.nextBatch(100).find((i) => i.kind === 'screening' && i.recordId === reg.screeningId)!;
      expect((uploaded.payload.record as { registrationId?: string }).registrationId).toBe(registrationId);
    } finally {
      store.close();
    }
  }, 150_000);

  it('wrong PINs: a growing wait, then lock-out (even the right PIN is refused), all audited', async () => {
    const { data, config } = consoleSite('kiosk-e2e-lockout-');
    const kiosk = await startKiosk({ scenario: 'no-card', config, dataDir: data });
    try {
      const { page } = shared.current;
      await page.goto(kiosk.url);
      await waitForScreen(page, 'idle');
      await openConsole(page);
      await page.locator(`[data-action="account-${STAFF.name}"]`).click();
      const tryPin = async (pin: string) => {
        // The OK button is disabled while the host's wait runs; the next try waits for it.
        await page.waitForFunction(() => !(document.querySelector('[data-action="pin-ok"]') as HTMLButtonElement | null)?.disabled, undefined, { timeout: 20_000 });
        const before = await page.locator('[data-role="message"]').evaluate((el) => el.textContent);
        await page.locator('[data-field="pin"]').fill(pin);
        await page.locator('[data-action="pin-ok"]').click();
        await page.waitForFunction((b) => {
          const m = document.querySelector('[data-role="message"]')?.textContent ?? '';
          return m !== '' && (m !== b || document.querySelector('[data-role="retry"]')?.textContent !== '');
        }, before, { timeout: 15_000 });
        return page.locator('[data-role="message"]').innerText();
      };
      const messages: string[] = [];
      for (let i = 0; i < 5; i++) messages.push(await tryPin(String(900001 + i * 7)));
      expect(messages.slice(0, 4).every((m) => m.includes('账户或 PIN 不正确'))).toBe(true);
      expect(messages[4]).toContain('锁定');
      await checkScreen(page, 'pin-locked');
      // The right PIN now: still refused (locked for 15 minutes).
      await page.locator('[data-field="pin"]').fill(STAFF.pin);
      await page.locator('[data-action="pin-ok"]').click({ force: true });
      expect(await consoleScreen(page)).toBe('pin');
    } finally {
      await kiosk.stop();
    }
    const store = await KioskStore.open({ dataDir: data, maintenanceIntervalMs: 0 });
    try {
      const actions = store.audit.list(500).map((e) => e.action);
      expect(actions.filter((a) => a === 'console.sign-in-failed')).toHaveLength(5);
      expect(actions).toContain('console.locked-out');
      expect(actions).not.toContain('console.sign-in');
      const account = store.accounts.byName(STAFF.name)!;
      expect(store.accounts.consecutiveFailures(account.id).count).toBe(5);
    } finally {
      store.close();
    }
  }, 150_000);
});
