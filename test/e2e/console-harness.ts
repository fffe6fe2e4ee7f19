import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';
import { ROOT, screenshot, tempDir, type Browser } from './kiosk-harness.js';
import { browserPerFile } from './browser-per-file.js';

/**
 * Console helpers for the end-to-end tests: accounts made with the real CLI (`kiosk pin set`, PIN on
 * stdin), the long press that opens the PIN pad, sign-in, and the WCAG 2.1 AA check with axe-core
 * (injected through the DevTools protocol, which the page's CSP does not govern) before each
 * screenshot.
 */
export const TECHNICIAN = { name: 'tech.li', pin: '135792' };
export const STAFF = { name: 'wang.fang', pin: '246813' };

export function createAccount(dataDir: string, role: 'staff' | 'technician', name: string, pin: string): void {
  const r = spawnSync(process.execPath, ['bin/kiosk.js', 'pin', 'set', '--role', role, '--name', name, '--data', dataDir], { cwd: ROOT, input: `${pin}\n`, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`kiosk pin set failed (${r.status}): ${r.stderr}`);
}

/**
 * A checkpoint for a console test: a fresh data directory with a staff and a technician account
 * (STAFF, TECHNICIAN), and a configuration file (the e2e checkpoint, the body model the screens'
 * figures assume, and `extra`).
 */
export function consoleSite(prefix: string, extra: Record<string, unknown> = {}): { dir: string; data: string; config: string } {
  const dir = tempDir(prefix);
  const data = join(dir, 'data');
  const config = join(dir, 'kiosk.json');
  writeFileSync(config, JSON.stringify({ checkpoint: { id: 'e2e-gate-1', name: '测试检查站' }, temperature: { model: { kind: 'constant-offset', offsetC: 1.8 } }, ...extra }));
  createAccount(data, 'staff', STAFF.name, STAFF.pin);
  createAccount(data, 'technician', TECHNICIAN.name, TECHNICIAN.pin);
  return { dir, data, config };
}

export function kioskCli(args: string[]): string {
  return execFileSync(process.execPath, ['bin/kiosk.js', ...args], { cwd: ROOT, encoding: 'utf8' });
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** Runs axe-core (WCAG 2.0/2.1 A and AA rules) on the page; returns the violations (ids and nodes). */
export async function axeViolations(page: Page): Promise<Array<{ id: string; nodes: string[] }>> {
  await page.evaluate(axeSource);
  return page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(ctx: unknown, opts: unknown): Promise<{ violations: Array<{ id: string; nodes: Array<{ target: string[] }> }> }> } }).axe;
    const r = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
    return r.violations.map((v) => ({ id: v.id, nodes: v.nodes.map((n) => n.target.join(' ')).slice(0, 5) }));
  });
}

/** axe finds nothing, then the screenshot `console-<name>.png`. */
export async function checkScreen(page: Page, name: string): Promise<void> {
  expect(await axeViolations(page), `axe on ${name}`).toEqual([]);
  await screenshot(page, `console-${name}`);
}

/** The long press in the top-left corner that opens the PIN pad on the kiosk's screen. */
export async function openConsole(page: Page): Promise<void> {
  const corner = page.locator('#staff-corner');
  const box = (await corner.boundingBox())!;
  await page.mouse.move(box.x + 10, box.y + 10);
  await page.mouse.down();
  await page.waitForSelector('#console:not([hidden]) [data-console-screen="pin"], #console[data-console-screen="pin"]:not([hidden])', { timeout: 10_000 });
  await page.mouse.up();
}

export async function consoleScreen(page: Page): Promise<string | undefined> {
  return page.evaluate(() => document.getElementById('console')?.dataset.consoleScreen);
}

export async function signIn(page: Page, account: { name: string; pin: string }, expectScreen?: string): Promise<void> {
  await page.locator(`[data-action="account-${account.name}"]`).click();
  await page.locator('[data-field="pin"]').fill(account.pin);
  await page.locator('[data-action="pin-ok"]').click();
  if (expectScreen) await page.waitForFunction((s) => document.getElementById('console')?.dataset.consoleScreen === s, expectScreen, { timeout: 15_000 });
}

export async function goTo(page: Page, screen: string): Promise<void> {
  await page.locator(`[data-action="nav-${screen}"]`).click();
  await page.waitForFunction((s) => document.getElementById('console')?.dataset.consoleScreen === s, screen, { timeout: 10_000 });
}

export function readJsonLines(text: string): Array<Record<string, unknown>> {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** One Chromium for a test file (recording the traveller screens), closed after it (kiosk-harness.ts). */
export function useBrowser(): { readonly current: Browser } {
  const browser = browserPerFile();
  return {
    get current() {
      return browser();
    },
  };
}

export { join };
