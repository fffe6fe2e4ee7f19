import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Page } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { seedEmbeddedDatabase } from '../central/central-fixture.js';
import { inOrder, ROOT, screensSeen, screenshot, startKiosk, tempDir, waitForScreen } from './kiosk-harness.js';
import { browserPerFile } from './browser-per-file.js';

/**
 * The whole chain as deployed: `kiosk central start` (embedded database), a kiosk enrolled with
 * `kiosk central enroll` and configured with exactly what it printed, three travellers (normal, fever,
 * normal) on the kiosk's screen in Chromium → three records on central under the kiosk's ids → the
 * dashboard (signed in as a named admin) shows them. Both pages pass axe-core (WCAG 2.1 AA).
 */
const CLI = join(ROOT, 'bin', 'kiosk.js');
const ADMIN_PASSWORD = 'synthetic-admin-password';
const SIM_ID_MASKED = '110105********002X';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

function cli(args: string[], input?: string): string {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, input, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`kiosk ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}

async function axe(page: Page): Promise<Array<{ id: string; help: string; nodes: number }>> {
  // Evaluated through the DevTools protocol, which the page's strict CSP (script-src 'self') does not govern.
  await page.evaluate(readFileSync(join(ROOT, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8'));
  return page.evaluate(async () => {
    const w = window as unknown as { axe: { run(ctx: Document, opts: object): Promise<{ violations: Array<{ id: string; help: string; nodes: unknown[] }> }> } };
    const r = await w.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
    return r.violations.map((v) => ({ id: v.id, help: v.help, nodes: v.nodes.length }));
  });
}

const browser = browserPerFile();
let centralProc: ChildProcess | null = null;
const centralData = tempDir('central-e2e-');
afterAll(async () => {
  if (centralProc && centralProc.exitCode === null) {
    const exited = new Promise((r) => centralProc!.once('exit', r));
    centralProc.kill('SIGTERM');
    await exited;
  }
});

describe('kiosk and central end to end', () => {
  it('normal, fever, normal on screen → three records on central with the kiosk ids → on the dashboard', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    await seedEmbeddedDatabase(centralData);
    // Central side, before it runs (the embedded database is single-process): an admin and the kiosk's enrolment.
    cli(['central', 'admin', 'add', '--data', centralData, '--user', 'duty-officer'], ADMIN_PASSWORD);
    const enrolled = JSON.parse(cli(['central', 'enroll', '--data', centralData, '--checkpoint', 'e2e-gate-1', '--kiosk', 'e2e-kiosk-1', '--url', url]).trim()) as { url: string; kioskId: string; token: string };
    expect(Object.keys(enrolled).sort()).toEqual(['kioskId', 'token', 'url']);
    centralProc = spawn(process.execPath, [CLI, 'central', 'start', '--data', centralData, '--port', String(port)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    const centralLogs: string[] = [];
    createInterface({ input: centralProc.stderr! }).on('line', (l) => centralLogs.push(l));
    const printed = await new Promise<string>((resolve, reject) => {
      createInterface({ input: centralProc!.stdout! }).once('line', resolve);
      centralProc!.once('exit', (code) => reject(new Error(`central exited ${code}: ${centralLogs.join('\n')}`)));
    });
    expect(printed).toBe(url);

    // Kiosk side: the configuration's central section is exactly what enroll printed.
    const dir = tempDir('kiosk-central-e2e-');
    const config = join(dir, 'kiosk.json');
    writeFileSync(
      config,
      JSON.stringify({ checkpoint: { id: 'e2e-gate-1', name: '测试检查站', kioskId: 'e2e-kiosk-1' }, temperature: { model: { kind: 'constant-offset', offsetC: 1.8 } }, central: enrolled }),
    );
    const kiosk = await startKiosk({ scenario: 'normal,fever,normal', config, dataDir: join(dir, 'data') });
    const { page } = browser();
    try {
      await page.goto(kiosk.url);
      await waitForScreen(page, 'pass', 60_000, 1);
      await waitForScreen(page, 'hold', 60_000, 1);
      await waitForScreen(page, 'pass', 60_000, 2);
      expect(inOrder(await screensSeen(page), ['pass', 'hold', 'pass'])).toBe(true);
      const results = kiosk.logs.filter((l) => l.includes('"screening: result"')).map((l) => JSON.parse(l) as { screeningId: string; decision: string });
      expect(results.map((r) => r.decision)).toEqual(['PASS', 'HOLD', 'PASS']);

      // The dashboard, signed in; it shows the three screenings once central holds them.
      await page.goto(`${url}/signin`);
      expect(await axe(page)).toEqual([]);
      await page.fill('#username', 'duty-officer');
      await page.fill('#password', ADMIN_PASSWORD);
      await Promise.all([page.waitForURL(`${url}/?lang=zh`), page.click('button[type=submit]')]);
      const delivered = async () => {
        const res = await page.request.get(`${url}/api/v1/admin/dashboard`);
        const data = (await res.json()) as { hours: Array<{ screened: number; held: number; fevers: number }> };
        return data.hours.reduce((n, h) => n + h.screened, 0);
      };
      await expect.poll(delivered, { timeout: 30_000, interval: 250 }).toBe(3);
      await page.reload();
      await page.waitForSelector('#hour-chart[data-drawn="true"] canvas');
      const hours = await page.locator('#hours tbody tr').allInnerTexts();
      const totals = hours.map((r) => r.split('\t').slice(2).map(Number)).reduce((a, b) => a.map((x, i) => x + (b[i] ?? 0)), [0, 0, 0, 0]);
      expect(totals).toEqual([3, 2, 1, 1]); // screened, passed, held, fevers
      expect(await page.locator('#hours tbody').innerText()).toContain('e2e-gate-1');
      const holds = await page.locator('#holds tbody').innerText();
      expect(holds).toContain('e2e-kiosk-1');
      expect(holds).toContain(SIM_ID_MASKED);
      expect(holds).toContain('待处置');
      expect(await page.locator('#kiosks tbody').innerText()).toContain('e2e-kiosk-1');
      expect(await page.locator('html').getAttribute('lang')).toBe('zh-CN');
      await screenshot(page, 'central-dashboard');
      expect(await axe(page)).toEqual([]);
      // The same day chosen in the period form (China time) shows the same three.
      const day = (await page.locator('#hours tbody tr').first().innerText()).split('\t')[1]!.slice(0, 10);
      await page.fill('#day', day);
      await Promise.all([page.waitForURL(/day=/), page.click('form.period button')]);
      const screenedThatDay = (await page.locator('#hours tbody tr').allInnerTexts()).filter((r) => r.split('\t')[1]!.startsWith(day)).reduce((n, r) => n + Number(r.split('\t')[2]), 0);
      expect(screenedThatDay).toBe(hours.filter((r) => r.split('\t')[1]!.startsWith(day)).reduce((n, r) => n + Number(r.split('\t')[2]), 0));
      await page.goto(`${url}/?lang=en`);
      expect(await page.locator('h1').innerText()).toContain('Command centre');
      expect(await axe(page)).toEqual([]);
      // The records on central carry the kiosk's own ids.
      const res = await page.request.get(`${url}/api/v1/admin/export?from=2000-01-01T00:00:00Z&to=2100-01-01T00:00:00Z&format=jsonl`);
      const exported = (await res.text()).trim().split('\n').map((l) => JSON.parse(l) as { id: string; kioskId: string; decision: string });
      expect(exported.map((e) => e.id).sort()).toEqual(results.map((r) => r.screeningId).sort());
      expect(new Set(exported.map((e) => e.kioskId))).toEqual(new Set(['e2e-kiosk-1']));
    } finally {
      await kiosk.stop();
    }
  }, 180_000);
});
