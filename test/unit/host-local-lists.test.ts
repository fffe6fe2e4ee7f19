import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { parseKioskConfig } from '../../main/config/kiosk-config.js';
import { KioskHost } from '../../main/host/kiosk-host.js';
import { ID_KEY_FILE, loadWatchlist, WATCHLIST_FILE } from '../../main/host/local-lists.js';
import { createLogger } from '../../main/host/logger.js';
import { FileKeyProvider } from '../../main/store/key-provider.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const NOW = new Date('2026-11-28T02:00:00.000Z');
const HMAC = 'ab'.repeat(32);

function dataDirWith(list: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'kiosk-lists-'));
  dirs.push(dir);
  writeFileSync(join(dir, WATCHLIST_FILE), JSON.stringify(list));
  return dir;
}

/** A kiosk that expects lists from the file (a standalone one reads none). */
const FED = { lists: { source: 'file' as const } };

const list = (refreshedAt: string, updatedAt = '2026-11-27T00:00:00.000Z') => ({ refreshedAt, entries: [{ hmac: HMAC, colour: 'red', listId: 'l1', updatedAt }] });

describe('watchlist file dates', () => {
  it('a list refreshed an hour ago is taken as it is', () => {
    const w = loadWatchlist(dataDirWith(list('2026-11-28T01:00:00.000Z')), FED, NOW);
    expect(w.source).toBe('file');
    expect(w.snapshot.refreshedAt).toBe('2026-11-28T01:00:00.000Z');
    expect(w.snapshot.byHmac.get(HMAC)).toHaveLength(1);
  });

  it('9.10 a list refreshedAt in the future is accepted: refused with the reason, no list in force', () => {
    const w = loadWatchlist(dataDirWith(list('2099-01-01T00:00:00.000Z')), FED, NOW);
    expect(w.source).toBe('file');
    expect(w.refusal).toBeDefined();
    expect(w.refusal).toMatch(/refreshedAt 2099-01-01T00:00:00\.000Z is \d+ min ahead of this kiosk's clock \(2026-11-28T02:00:00\.000Z\)/);
    expect(w.snapshot.refreshedAt).toBeNull();
    expect(w.snapshot.byHmac.size).toBe(0);
  });

  it('a few minutes ahead is clock skew and accepted; an entry changed after its list was refreshed is refused', () => {
    expect(loadWatchlist(dataDirWith(list('2026-11-28T02:04:00.000Z')), FED, NOW).source).toBe('file');
    const late = loadWatchlist(dataDirWith(list('2026-11-28T01:00:00.000Z', '2026-11-28T01:30:00.000Z')), FED, NOW);
    expect(late.source).toBe('file');
    expect(late.refusal).toContain('entries[0].updatedAt 2026-11-28T01:30:00.000Z is after the list');
  });

  it('9.10 a list refreshedAt in the future is accepted: the host logs the refusal as an error', async () => {
    const dir = dataDirWith(list('2099-01-01T00:00:00.000Z'));
    // A list-fed kiosk holds the deployment's ID key beside its lists (a new key would match none).
    await new FileKeyProvider(dir, ID_KEY_FILE).getKey({ create: true });
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        for (const l of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(l) as Record<string, unknown>);
        cb();
      },
    });
    const parsed = parseKioskConfig({ checkpoint: { id: 'cp-lists', name: '名单测试' }, lists: { source: 'file' }, devices: { idcard: { source: 'serial', path: join(dir, 'no-reader') }, thermometer: { source: 'serial', path: join(dir, 'no-thermo'), protocol: 'gy-mcu90614' } } });
    if (!parsed.ok) throw new Error(parsed.problems.join('; '));
    const host = await KioskHost.start({ config: parsed.config, dataDir: dir, simulate: false, scenarios: null, log: createLogger({ destination: sink }) });
    try {
      const refused = lines.find((l) => l.msg === 'host: lists refused; screenings see no current list');
      expect(refused).toMatchObject({ level: 50, source: 'file', reason: expect.stringContaining('refreshedAt 2099-01-01T00:00:00.000Z') });
      expect(lines.some((l) => l.msg === 'host: lists')).toBe(false);
    } finally {
      await host.stop();
    }
  });
});
