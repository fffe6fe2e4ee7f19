import { createServer } from 'node:net';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RunningCentral } from '../../central/central-service.js';
import { parseKioskConfig, type KioskConfig } from '../../main/config/kiosk-config.js';
import { centralLinkOf, checkCentral } from '../../main/doctor/central-check.js';
import { centralPerFile } from '../central/central-fixture.js';

/** `kiosk doctor`'s central check against a real central (PGlite, loopback HTTP). */
const centralOf = centralPerFile('doctor-central-');
let central: RunningCentral;
let token: string;
beforeAll(async () => {
  central = centralOf();
  token = (await central.kiosks.enroll({ checkpointId: 'cp-doctor', kioskId: 'k-doctor', actor: 'test' })).token;
});

function configWith(central: { url: string; token: string } | null): KioskConfig {
  const parsed = parseKioskConfig({ checkpoint: { id: 'cp-doctor', name: '医生', kioskId: 'k-doctor' }, ...(central && { central: { ...central, kioskId: 'k-doctor' } }) });
  if (!parsed.ok) throw new Error(parsed.problems.join('; '));
  return parsed.config;
}

/** A loopback port nobody listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

describe('kiosk doctor: central', () => {
  it('a standalone kiosk has no central to check', async () => {
    expect(centralLinkOf(configWith(null))).toBeNull();
    expect(await checkCentral(null, null, Date.now(), 1000)).toEqual([expect.objectContaining({ check: 'central', status: 'skip' })]);
  });

  it('an enrolled kiosk reaches central with its token; the backlog is reported beside it', async () => {
    const link = centralLinkOf(configWith({ url: central.url, token }))!;
    const now = Date.now();
    const findings = await checkCentral(link, { pending: 3, dead: 0, oldestPendingMs: now - 5 * 60_000 }, now, 5000);
    expect(findings).toEqual([
      { check: 'central', status: 'ok', summary: expect.stringMatching(new RegExp(`^central ${new URL(central.url).origin.replace(/[.]/g, '\\.')} \\(kiosk k-doctor\\) answered in \\d+ ms$`)) },
      { check: 'backlog', status: 'ok', summary: '3 records waiting to upload, the oldest for 5 min; 0 refused by central' },
    ]);
  });

  it('a token central does not know fails with the fix: enrol again', async () => {
    const link = centralLinkOf(configWith({ url: central.url, token: `kt_${'B'.repeat(43)}` }))!;
    const [f] = await checkCentral(link, null, Date.now(), 5000);
    expect(f).toMatchObject({ check: 'central', status: 'fail', summary: expect.stringContaining('central answered 401'), fix: expect.stringContaining('kiosk central enroll') });
  });

  it('a central nobody answers at fails with the network fix, and says records wait', async () => {
    const link = centralLinkOf(configWith({ url: `http://127.0.0.1:${await closedPort()}`, token }))!;
    const [f] = await checkCentral(link, null, Date.now(), 5000);
    expect(f).toMatchObject({ check: 'central', status: 'fail', summary: expect.stringContaining('ECONNREFUSED'), fix: expect.stringContaining('records wait in the outbox') });
  });
});
