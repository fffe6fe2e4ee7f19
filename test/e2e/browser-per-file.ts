import { afterAll, beforeAll } from 'vitest';
import { openBrowser, recordScreens, type Browser } from './kiosk-harness.js';

/**
 * One headless Chromium for the tests of a file, recording screens from load on; closed after them.
 * Kept apart from kiosk-harness.ts, which the benchmarks import outside vitest.
 */
export function browserPerFile(): () => Browser {
  let browser: Browser | undefined;
  beforeAll(async () => {
    browser = await openBrowser();
    await recordScreens(browser.page);
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
  });
  return () => browser!;
}
