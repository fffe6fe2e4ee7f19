import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { parseKioskConfig } from '../../main/config/kiosk-config.js';
import type { ResultEvent, ServiceEvent } from '../../main/engine/engine-events.js';
import { KioskHost } from '../../main/host/kiosk-host.js';
import { createLogger } from '../../main/host/logger.js';
import { tempDataDir } from '../fixtures/store/temp-data-dir.js';
import { fillDisk, remountTmpfs, tmpfsUnavailable, tryMountTmpfs, unmount } from '../fixtures/store/tmpfs.js';

/**
 * The host and a data directory on a real small filesystem (tmpfs: needs root, as CI runs): full or
 * read-only at boot, or filling up while records are written. The host never exits for it: it is
 * out of service saying why (log, /healthz, status bar notices), reopens by itself when the cause
 * clears, and at shutdown logs what it could not write.
 */

const root = tempDataDir('kiosk-host-tmpfs-');
const mnt = join(root.dir, 'mnt');
const skip = tmpfsUnavailable(mnt);
afterAll(() => root.cleanup());

/** Simulated devices (the simulated calibration is valid): only the storage keeps it out of service. */
const config = (() => {
  const r = parseKioskConfig({ checkpoint: { id: 'cp-disk', name: '磁盘测试' }, screening: { commit: { retryInitialMs: 200, retryMaxMs: 1000 } } });
  if (!r.ok) throw new Error(r.problems.join('; '));
  return r.config;
})();

function capture() {
  const lines: string[] = [];
  const log = createLogger({ destination: new Writable({ write: (chunk: Buffer, _e, done) => (lines.push(...chunk.toString('utf8').trim().split('\n')), done()) }) });
  return { log, lines, text: () => lines.join('\n') };
}


const nextService = (host: KioskHost, inService: boolean) =>
  new Promise<ServiceEvent>((resolve) => {
    const on = (e: ServiceEvent) => {
      if (e.inService !== inService) return;
      host.engine.off('service', on);
      resolve(e);
    };
    host.engine.on('service', on);
  });

describe.skipIf(skip !== null)(`host storage on a real small filesystem${skip ? `: skipped, ${skip}` : ''}`, () => {
  let host: KioskHost | undefined;
  afterEach(async () => {
    await host?.stop();
    host = undefined;
    try {
      unmount(mnt);
    } catch {
      // not mounted (the test failed before mounting)
    }
  });

  it('9.6 the store never reopens after failing at boot: a full disk at boot → up and out of service, saying why; space freed → reopens by itself', async () => {
    expect(tryMountTmpfs(mnt, '2m')).toBeNull();
    await fillDisk(join(mnt, 'ballast'));
    const { log, text } = capture();
    host = await KioskHost.start({ config, dataDir: join(mnt, 'data'), simulate: true, scenarios: null, log });
    const health = host.health();
    expect(health).toMatchObject({ service: 'out-of-service', store: 'unavailable', status: 'degraded' });
    expect(health.notices).toMatchObject([{ code: 'STORE_UNAVAILABLE', level: 'error', detail: { retrying: true } }]);
    expect(String(health.notices[0]!.detail!.code)).toMatch(/^(ENOSPC|SQLITE_(FULL|CANTOPEN|IOERR))/);
    expect(host.engine.state).toBe('out-of-service');
    expect(text()).toMatch(/cannot open the storage; out of service/);
    expect(host.snapshot()).toMatchObject({ notices: [{ code: 'STORE_UNAVAILABLE', text: { zh: '记录库无法打开' } }] });

    const back = nextService(host, true);
    rmSync(join(mnt, 'ballast'));
    await back;
    expect(host.health()).toMatchObject({ service: 'in-service', store: 'open', notices: [] });
    expect(host.engine.state).toBe('idle');
    expect(text()).toMatch(/"msg":"store: open"/);
  }, 60_000);

  it('9.6 a fresh data directory on a read-only filesystem made the host exit (EROFS): now it stays up, out of service, and reopens once writable', async () => {
    expect(tryMountTmpfs(mnt, '4m', ['ro'])).toBeNull();
    const { log } = capture();
    host = await KioskHost.start({ config, dataDir: join(mnt, 'data'), simulate: true, scenarios: null, log });
    expect(host.health()).toMatchObject({ service: 'out-of-service', store: 'unavailable', notices: [{ code: 'STORE_UNAVAILABLE', detail: { code: 'EROFS', retrying: true } }] });
    const back = nextService(host, true);
    remountTmpfs(mnt, ['rw']);
    await back;
    expect(host.health()).toMatchObject({ service: 'in-service', store: 'open' });
  }, 60_000);

  it('9.6 on SIGTERM the records waiting for the disk were dropped without a log line: now their count and ids are logged (no personal data)', async () => {
    expect(tryMountTmpfs(mnt, '8m')).toBeNull();
    const { log, text } = capture();
    host = await KioskHost.start({ config, dataDir: join(mnt, 'data'), simulate: true, scenarios: null, log, simulationStart: 'immediately' });
    const result = new Promise<ResultEvent>((resolve) => host!.engine.once('result', resolve));
    await fillDisk(join(mnt, 'ballast')); // the disk fills before the first person's record is written
    const shown = await result;
    expect(shown).toMatchObject({ committed: false, storage: 'queued' });
    expect(shown.record.reasons.map((r) => r.code)).toContain('STORE_UNAVAILABLE');
    expect(host.health()).toMatchObject({ store: 'degraded', pendingRecords: 1, notices: [{ code: 'DISK_FULL', level: 'error' }] });

    await host.stop(); // what the SIGTERM handler runs
    host = undefined;
    const lost = text()
      .split('\n')
      .map((l) => JSON.parse(l) as { msg: string; pending?: number; records?: string[] })
      .find((l) => l.msg.startsWith('store: shutting down with records still waiting'));
    expect(lost).toMatchObject({ pending: 1, records: [`screening:${shown.record.id}`] });
    expect(text()).not.toContain('11010519491231002X');
  }, 60_000);
});
