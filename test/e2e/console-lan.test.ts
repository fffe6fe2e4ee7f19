import { createHash, X509Certificate } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { KioskStore } from '../../main/store/kiosk-store.js';
import { checkScreen, createAccount, STAFF, TECHNICIAN, useBrowser } from './console-harness.js';
import { CHROMIUM, startKiosk, tempDir, waitForScreen } from './kiosk-harness.js';

/**
 * The staff console on a second device over the LAN console (HTTPS with the kiosk's own
 * certificate). The second Chromium trusts exactly that certificate by its public-key hash — what a
 * technician does on a tablet — and receives a new HOLD within one second of the decision, measured
 * on the event's timestamps (the host's decision time and the page's arrival time, same clock).
 */
const shared = useBrowser();

describe('LAN staff console', () => {
  it('a second device signs in over TLS (staff only) and gets a new hold within one second', async () => {
    const dir = tempDir('kiosk-e2e-lan-');
    const data = join(dir, 'data');
    const config = join(dir, 'kiosk.json');
    writeFileSync(config, JSON.stringify({ checkpoint: { id: 'e2e-gate-1', name: '测试检查站' }, temperature: { model: { kind: 'constant-offset', offsetC: 1.8 } } }));
    createAccount(data, 'staff', STAFF.name, STAFF.pin);
    createAccount(data, 'technician', TECHNICIAN.name, TECHNICIAN.pin);
    // The technician's setting, as the console's LAN switch stores it (here on loopback, a free port).
    const seed = await KioskStore.open({ dataDir: data, maintenanceIntervalMs: 0 });
    await seed.settings.set('console.lan', { enabled: true, host: '127.0.0.1', port: 0 }, 'technician:setup');
    seed.close();

    const kiosk = await startKiosk({ scenario: 'fever', config, dataDir: data });
    const profile = tempDir('kiosk-e2e-tablet-');
    let tablet: Awaited<ReturnType<typeof chromium.launchPersistentContext>> | null = null;
    try {
      const listening = await waitForLog(kiosk.logs, 'lan console: listening');
      const url = (JSON.parse(listening) as { url: string }).url;
      expect(url).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/$/);
      const cert = new X509Certificate(readFileSync(join(data, 'console-tls', 'cert.pem')));
      const spki = createHash('sha256').update(cert.publicKey.export({ type: 'spki', format: 'der' })).digest('base64');
      tablet = await chromium.launchPersistentContext(profile, {
        executablePath: CHROMIUM,
        headless: true,
        viewport: { width: 800, height: 1280 },
        deviceScaleFactor: 0.5,
        args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', `--ignore-certificate-errors-spki-list=${spki}`],
      });
      const page = tablet.pages()[0] ?? (await tablet.newPage());
      const response = await page.goto(url);
      expect(response?.status()).toBe(200);
      expect(response?.headers()['content-security-policy']).toContain("script-src 'sha384-");
      // Only the staff console is served: the traveller page and the kiosk's socket are not.
      const certPem = readFileSync(join(data, 'console-tls', 'cert.pem'), 'utf8');
      expect(await statusOf(`${url}index.html`, certPem)).toBe(404);
      expect(await statusOf(`${url}app.js`, certPem)).toBe(404);
      expect(await statusOf(`${url}console.js`, certPem)).toBe(200);
      await page.waitForSelector(`[data-action="account-${STAFF.name}"]`);
      // Technicians are not offered (nor accepted) over the LAN.
      expect(await page.locator(`[data-action="account-${TECHNICIAN.name}"]`).count()).toBe(0);
      await checkScreen(page, 'lan-pin');
      await page.locator(`[data-action="account-${STAFF.name}"]`).click();
      await page.locator('[data-field="pin"]').fill(STAFF.pin);
      await page.locator('[data-action="pin-ok"]').click();
      await page.waitForFunction(() => document.getElementById('console')?.dataset.consoleScreen === 'holds', undefined, { timeout: 15_000 });
      expect(await page.locator('[data-action="nav-devices"]').count()).toBe(0);

      // The kiosk's own screen says hello: the simulated fever person steps up and is held.
      await shared.current.page.goto(kiosk.url);
      await waitForScreen(shared.current.page, 'hold', 60_000);
      await page.waitForFunction(() => (window as unknown as { kioskConsole: { holdArrivals: unknown[] } }).kioskConsole.holdArrivals.length > 0, undefined, { timeout: 15_000 });
      const [arrival] = await page.evaluate(() => (window as unknown as { kioskConsole: { holdArrivals: Array<{ screeningId: string; heldAtMs: number; receivedAtMs: number }> } }).kioskConsole.holdArrivals);
      expect(arrival!.receivedAtMs - arrival!.heldAtMs).toBeGreaterThanOrEqual(-50);
      expect(arrival!.receivedAtMs - arrival!.heldAtMs).toBeLessThanOrEqual(1000);
      await page.waitForSelector('[data-role="hold-banner"]');
      expect(await page.locator('[data-role="hold-banner"]').innerText()).toContain('110105********002X');
      await checkScreen(page, 'lan-hold-banner');
    } finally {
      await tablet?.close();
      rmSync(profile, { recursive: true, force: true });
      await kiosk.stop();
    }
  }, 150_000);
});

/** GET over TLS trusting only the kiosk's certificate; the status code. */
function statusOf(url: string, ca: string): Promise<number> {
  return new Promise((resolve, reject) => {
    https
      .get(url, { ca }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      })
      .on('error', reject);
  });
}

/** Resolves with the first log line containing `text` (the kiosk's JSON logs, collected as they come). */
async function waitForLog(logs: string[], text: string, timeoutMs = 20_000): Promise<string> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const line = logs.find((l) => l.includes(text));
    if (line) return line;
    if (Date.now() > until) throw new Error(`no log line "${text}" within ${timeoutMs} ms:\n${logs.join('\n')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
