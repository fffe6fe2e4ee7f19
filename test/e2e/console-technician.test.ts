import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KioskStore } from '../../main/store/kiosk-store.js';
import { checkScreen, consoleScreen, createAccount, goTo, openConsole, signIn, STAFF, TECHNICIAN, useBrowser } from './console-harness.js';
import { startKiosk, tempDir, waitForScreen } from './kiosk-harness.js';

/**
 * The technician console end to end, on a simulated thermometer whose sensor reads
 * 0.97·T − 0.6 °C (± 0.01 °C noise) and a simulated blackbody: a two-point calibration found by
 * the wizard must undo that error (residual ≤ 0.05 °C at 37 °C), and later screenings must use it.
 */
const SENSOR = { gain: 0.97, offsetC: -0.6, noiseC: 0.01 };

const shared = useBrowser();

describe('technician console in Chromium', () => {
  it('two-point calibration on a sensor with gain 0.97 and offset −0.6 °C: residual ≤ 0.05 °C at 37 °C, later screenings use it; a settings change is audited with old and new values', async () => {
    const dir = tempDir('kiosk-e2e-calibrate-');
    const data = join(dir, 'data');
    const config = join(dir, 'kiosk.json');
    writeFileSync(
      config,
      JSON.stringify({
        checkpoint: { id: 'e2e-gate-1', name: '测试检查站' },
        temperature: { model: { kind: 'constant-offset', offsetC: 1.8 } },
        devices: { thermometer: { source: 'simulated', sensorError: SENSOR } },
      }),
    );
    createAccount(data, 'technician', TECHNICIAN.name, TECHNICIAN.pin);
    createAccount(data, 'staff', STAFF.name, STAFF.pin);
    let calibrationId = '';
    let residual = Number.NaN;
    const kiosk = await startKiosk({ scenario: 'no-card', config, dataDir: data });
    try {
      const { page } = shared.current;
      await page.goto(kiosk.url);
      await waitForScreen(page, 'idle');
      await openConsole(page);
      await signIn(page, TECHNICIAN, 'devices');
      await page.waitForSelector('[data-device="thermometer"]');
      await page.locator('[data-action="self-test-thermometer"]').click();
      await page.waitForSelector('[data-role="self-test"]');
      expect(await page.locator('[data-role="self-test"]').innerText()).toContain('frames');
      await checkScreen(page, 'devices');

      await goTo(page, 'monitor');
      await page.locator('[data-action="monitor-toggle"]').click();
      await page.waitForFunction(() => (document.querySelector('[data-role="monitor"]')?.textContent ?? '').includes('object'), undefined, { timeout: 10_000 });
      const monitorText = await page.locator('[data-role="monitor"]').innerText();
      expect(monitorText).toMatch(/thermometer\s+rx 5A 5A 45 04/);
      expect(monitorText).toMatch(/idcard\s+tx AA AA AA 96 69 00 03 20 01 22  find-card/);
      expect(monitorText).toContain('SW3 80 no card found');
      await checkScreen(page, 'monitor');
      await page.locator('[data-action="monitor-toggle"]').click();

      await goTo(page, 'calibration');
      await page.locator('[data-field="kind"]').selectOption('two-point');
      await page.locator('[data-field="blackbodyId"]').fill('BB-E2E-01');
      await page.locator('[data-field="certificateDate"]').fill('2026-03-01');
      await page.locator('[data-field="ambientC"]').fill('23.5');
      await page.locator('[data-action="calibration-start"]').click();
      const captureWhenStable = async (label: string, action: string) => {
        await page.waitForSelector('[data-role="stability"][data-stable="true"]', { timeout: 30_000 });
        await checkScreen(page, `calibration-${label}`);
        await page.locator(`[data-action="calibration-${action}"]`).click();
      };
      await page.waitForFunction(() => document.querySelector('[data-role="set-point"]')?.textContent?.includes('35.0'), undefined, { timeout: 10_000 });
      await captureWhenStable('35', 'capture');
      await page.waitForFunction(() => document.querySelector('[data-role="set-point"]')?.textContent?.includes('39.0'), undefined, { timeout: 10_000 });
      await captureWhenStable('39', 'capture');
      await page.waitForFunction(() => document.querySelector('[data-role="set-point"]')?.textContent?.includes('37.0'), undefined, { timeout: 10_000 });
      await captureWhenStable('verify', 'verify');
      await page.waitForSelector('[data-role="verification"]', { timeout: 10_000 });
      residual = Number(await page.locator('[data-role="verification"]').getAttribute('data-residual'));
      expect(residual).toBeLessThanOrEqual(0.05);
      // The fit undoes the sensor error (exactly: gain 1/0.97, offset 0.6/0.97, within the noise of
      // the windows): it maps what the sensor reports for 35, 37 and 39 °C back onto them.
      const fit = await page.locator('[data-role="fit"]').innerText();
      const [gain, offset] = fit.match(/-?\d+\.\d+/g)!.map(Number) as [number, number];
      expect(gain).toBeCloseTo(1 / 0.97, 2);
      for (const t of [35, 37, 39]) expect(Math.abs(gain * (SENSOR.gain * t + SENSOR.offsetC) + offset - t)).toBeLessThan(0.03);
      await checkScreen(page, 'calibration-review');
      await page.locator('[data-action="calibration-save"]').click();
      await page.waitForSelector('[data-role="saved"]', { timeout: 10_000 });
      calibrationId = (await page.locator('[data-role="saved"]').innerText()).split(': ')[1]!.trim();
      expect(await page.locator('[data-role="current"]').innerText()).toContain('valid');

      await goTo(page, 'settings');
      const threshold = page.locator('[data-setting="policy.feverThresholdC"] input');
      expect(await threshold.inputValue()).toBe('37.3');
      await threshold.fill('41');
      await page.locator('[data-action="save-policy.feverThresholdC"]').click();
      await page.waitForFunction(() => document.querySelector('[data-role="message"]')?.textContent?.includes('policy.feverThresholdC'));
      await page.locator('[data-setting="policy.feverThresholdC"] input').fill('37.5');
      await page.locator('[data-action="save-policy.feverThresholdC"]').click();
      await page.waitForFunction(() => (document.querySelector('[data-role="settings-history"]')?.textContent ?? '').includes('37.5'), undefined, { timeout: 10_000 });
      await checkScreen(page, 'settings');

      await goTo(page, 'site-model');
      await checkScreen(page, 'site-model');
      await goTo(page, 'accounts');
      await page.waitForSelector(`text=${STAFF.name}`);
      await checkScreen(page, 'accounts');
      await goTo(page, 'diagnostics');
      await page.locator('[data-action="diagnostics-export"]').click();
      await page.waitForFunction(() => (document.querySelector('[data-role="file"]')?.textContent ?? '').includes('.tar.gz'), undefined, { timeout: 15_000 });
      const archive = (await page.locator('[data-role="file"]').innerText()).split(' (')[0]!;
      expect(existsSync(archive)).toBe(true);
      await checkScreen(page, 'diagnostics');
      await page.locator('[data-action="sign-out"]').click();
      await page.waitForFunction(() => document.getElementById('console')?.dataset.consoleScreen === 'pin');
      expect(await consoleScreen(page)).toBe('pin');
    } finally {
      await kiosk.stop();
    }

    const store = await KioskStore.open({ dataDir: data, maintenanceIntervalMs: 0 });
    try {
      const cal = store.calibrations.get(calibrationId)!;
      expect(cal.run).toMatchObject({ kind: 'two-point', blackbody: { id: 'BB-E2E-01', certificateDate: '2026-03-01' }, ambientC: 23.5, verification: { pass: true } });
      expect(cal.run!.verification.maxAbsResidualC).toBeCloseTo(residual, 6);
      expect(cal.technicianId).toBe(`technician:${TECHNICIAN.name}`);
      const change = store.audit.list(500).find((e) => e.action === 'settings.change' && e.detail.key === 'config.policy.feverThresholdC');
      expect(change?.detail).toMatchObject({ old: '37.3', new: '37.5' });
      expect(change?.actor).toBe(`technician:${TECHNICIAN.name}`);
      expect(store.settings.history('config.policy.feverThresholdC')).toMatchObject([{ oldValue: 37.3, newValue: 37.5 }]);
      expect(store.audit.verify().ok).toBe(true);
    } finally {
      store.close();
    }

    // A later screening (the kiosk started again on the same data) uses the calibration.
    const again = await startKiosk({ scenario: 'normal', config, dataDir: data });
    try {
      const { page } = shared.current;
      await page.goto(again.url);
      await waitForScreen(page, 'pass', 60_000);
    } finally {
      await again.stop();
    }
    const after = await KioskStore.open({ dataDir: data, maintenanceIntervalMs: 0 });
    try {
      const start = new Date(Date.now() - 3_600_000).getTime();
      const records = [...after.records.between(start, Date.now() + 1000)].filter((r) => r.decision === 'PASS');
      expect(records).toHaveLength(1);
      const est = records[0]!.temperatures.at(-1)!;
      expect(est.calibrationId).toBe(calibrationId);
      // The simulated person's true skin is 34.3–34.8 °C; the sensor reports 0.97·T − 0.6 (≈ 32.7–33.2):
      // corrected values are back on the true skin, within the noise.
      const accepted = est.samples.filter((s) => s.rejected === undefined);
      expect(accepted.length).toBeGreaterThanOrEqual(3);
      for (const s of accepted) {
        expect(s.objectC).toBeLessThan(33.3);
        expect(s.correctedC).toBeGreaterThan(34.3 - 0.05);
        expect(s.correctedC).toBeLessThan(34.8 + 0.05);
      }
    } finally {
      after.close();
    }
  }, 240_000);
});
