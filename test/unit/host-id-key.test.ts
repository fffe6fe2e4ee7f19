import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseKioskConfig } from '../../main/config/kiosk-config.js';
import { openIdKey } from '../../main/host/id-key.js';
import { DEFAULT_CONFIG_INPUT } from '../../main/host/host-options.js';
import { KioskHost } from '../../main/host/kiosk-host.js';
import { ID_KEY_FILE, WATCHLIST_FILE } from '../../main/host/local-lists.js';
import { createLogger } from '../../main/host/logger.js';
import { KeySourceError } from '../../main/store/store-errors.js';
import { tempDataDir } from '../fixtures/store/temp-data-dir.js';

/**
 * Issue 9, defect 4: a lost `id-hmac.key` was silently regenerated, so every watchlist entry
 * (hashed with the deployment's key) stopped matching and a red-listed card PASSed while the log
 * said the list was loaded. The ID key, like the master key, is made only with a new data directory.
 */
const parsed = parseKioskConfig(DEFAULT_CONFIG_INPUT);
if (!parsed.ok) throw new Error(parsed.problems.join('; '));
const config = parsed.config;

let data: ReturnType<typeof tempDataDir>;
beforeEach(() => {
  data = tempDataDir('kiosk-id-key-');
});
afterEach(() => data.cleanup());

const silent = () => createLogger({ destination: new Writable({ write: (_c, _e, cb) => cb() }), level: 'fatal' });
const start = () => KioskHost.start({ config, dataDir: data.dir, simulate: true, scenarios: null, log: silent() });

describe('issue 9.4: a lost id-hmac.key is not silently regenerated', () => {
  it('a new data directory gets an ID key; a restart keeps it', async () => {
    const host = await start();
    await host.stop();
    const key = readFileSync(join(data.dir, ID_KEY_FILE));
    expect(key).toHaveLength(32);
    const again = await start();
    await again.stop();
    expect(readFileSync(join(data.dir, ID_KEY_FILE)).equals(key)).toBe(true);
  });

  it('an existing data directory whose ID key is gone does not start, says what to restore, and makes no key', async () => {
    const host = await start();
    await host.stop();
    const key = readFileSync(join(data.dir, ID_KEY_FILE));
    rmSync(join(data.dir, ID_KEY_FILE));
    const err = await start().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KeySourceError);
    expect((err as Error).message).toMatch(/ID key .*id-hmac\.key is missing, but .* already holds a kiosk database.*Restore id-hmac\.key/);
    expect(existsSync(join(data.dir, ID_KEY_FILE))).toBe(false);
    // Restored: the kiosk starts with the same key.
    writeFileSync(join(data.dir, ID_KEY_FILE), key, { mode: 0o600 });
    await (await start()).stop();
  });

  it('a new data directory that already has a watchlist (hashed with the deployment key) refuses to make one', async () => {
    writeFileSync(join(data.dir, WATCHLIST_FILE), JSON.stringify({ refreshedAt: new Date().toISOString(), entries: [] }));
    await expect(openIdKey(data.dir, { newDataDir: true })).rejects.toThrow(/watchlist\.json is there, hashed with the deployment's ID key/);
    expect(existsSync(join(data.dir, ID_KEY_FILE))).toBe(false);
  });

  it('the deployment key, installed beside the list, is used as is', async () => {
    const deployment = Buffer.alloc(32, 7);
    writeFileSync(join(data.dir, ID_KEY_FILE), deployment, { mode: 0o600 });
    writeFileSync(join(data.dir, WATCHLIST_FILE), JSON.stringify({ refreshedAt: new Date().toISOString(), entries: [] }));
    expect((await openIdKey(data.dir, { newDataDir: true })).equals(deployment)).toBe(true);
  });
});
