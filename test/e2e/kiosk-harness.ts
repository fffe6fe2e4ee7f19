import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

/**
 * End-to-end harness: `node bin/kiosk.js start --browser --sim` as a real child process, and
 * Debian's Chromium driven by playwright-core against the URL it prints first.
 */
export const ROOT = join(import.meta.dirname, '..', '..');
export const SCREENSHOT_DIR = join(ROOT, 'test-output', 'screenshots');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export interface RunningKiosk {
  url: string;
  origin: string;
  token: string;
  dataDir: string;
  proc: ChildProcess;
  /** stderr lines (JSON logs) so far. */
  logs: string[];
  stop(): Promise<void>;
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** `scenario` runs simulated devices (--sim --scenario); without one, the devices of the configuration. */
export async function startKiosk(opts: { scenario?: string; dataDir?: string; config?: string; extraArgs?: string[] }): Promise<RunningKiosk> {
  const dataDir = opts.dataDir ?? tempDir('kiosk-e2e-data-');
  const args = ['bin/kiosk.js', 'start', '--browser', '--port', '0', '--data', dataDir, ...(opts.scenario !== undefined ? ['--sim', '--scenario', opts.scenario] : [])];
  if (opts.config) args.push('--config', opts.config);
  args.push(...(opts.extraArgs ?? []));
  const proc = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, KIOSK_LOG_LEVEL: 'info' } });
  const logs: string[] = [];
  createInterface({ input: proc.stderr! }).on('line', (l) => logs.push(l));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`kiosk did not print its URL within 30 s; stderr:\n${logs.join('\n')}`)), 30_000);
    const rl = createInterface({ input: proc.stdout! });
    rl.once('line', (line) => {
      clearTimeout(timer);
      resolve(line.trim());
    });
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`kiosk exited with ${code} before printing its URL; stderr:\n${logs.join('\n')}`));
    });
  });
  const u = new URL(url);
  return {
    url,
    origin: u.origin,
    token: u.searchParams.get('token') ?? '',
    dataDir,
    proc,
    logs,
    stop: async () => {
      if (proc.exitCode === null) {
        const exited = new Promise((r) => proc.once('exit', r));
        proc.kill('SIGTERM');
        const killer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(killer);
      }
      if (!opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface Browser {
  context: BrowserContext;
  page: Page;
  /** The browser's profile directory (removed by close): what the browser wrote to disk. */
  profile: string;
  close(): Promise<void>;
}

/** Headless Chromium with a fresh profile, no background traffic; `extraArgs` adds switches. */
export async function openBrowser(extraArgs: string[] = []): Promise<Browser> {
  const profile = tempDir('kiosk-e2e-chromium-');
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1080, height: 1920 },
    deviceScaleFactor: 0.5,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', ...extraArgs],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    profile,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * Records every data-screen value the root takes (with data-host="ready"), from page load on: a
 * MutationObserver sees every change, however brief, so no screen can slip between two polls.
 * Call before `page.goto`.
 */
export async function recordScreens(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const w = window as unknown as { __screens: string[] };
    w.__screens = [];
    document.addEventListener('DOMContentLoaded', () => {
      const root = document.getElementById('app')!;
      const note = () => {
        if (root.dataset.host !== 'ready') return;
        const s = root.dataset.screen ?? '';
        if (w.__screens.at(-1) !== s) w.__screens.push(s);
      };
      note();
      new MutationObserver(note).observe(root, { attributes: true, attributeFilter: ['data-screen', 'data-host'] });
    });
  });
}

export async function screensSeen(page: Page): Promise<string[]> {
  return page.evaluate(() => (window as unknown as { __screens: string[] }).__screens);
}

/**
 * Waits until the root has shown `screen` (as the n-th occurrence, default the first) since load.
 * Generous timeout: the CI machine may be loaded.
 */
export async function waitForScreen(page: Page, screen: string, timeout = 30_000, occurrence = 1): Promise<void> {
  await page.waitForFunction(
    ([s, n]) => ((window as unknown as { __screens?: string[] }).__screens ?? []).filter((x) => x === s).length >= n,
    [screen, occurrence] as const,
    { timeout, polling: 50 },
  );
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}

/** True if `needle` appears in `seq` as a subsequence (in order, gaps allowed). */
export function inOrder(seq: readonly string[], needle: readonly string[]): boolean {
  let i = 0;
  for (const s of seq) if (s === needle[i]) i++;
  return i === needle.length;
}
