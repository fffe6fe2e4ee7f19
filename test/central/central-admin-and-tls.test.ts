import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recentAdminActions } from '../../central/admin-audit.js';
import { MAX_FAILED_SIGN_INS } from '../../central/admin-accounts.js';
import { startCentral, type RunningCentral } from '../../central/central-service.js';
import { CentralClient } from '../../main/uplink/central-client.js';
import { quietLog, seedEmbeddedDatabase, startTestCentral, tempDir } from './central-fixture.js';

/** Admin sign-in, lock-out and audit; the OpenAPI document; HTTPS with a pinned CA; the CLI's guards. */
const ROOT = join(import.meta.dirname, '..', '..');
let central: RunningCentral;
const data = tempDir('central-admin-');
beforeAll(async () => {
  central = await startTestCentral({ dataDir: data.dir, databaseUrl: null });
  await central.admins.add('officer-a', 'correct horse battery', 'test');
}, 60_000);
afterAll(async () => {
  await central?.stop();
  data.cleanup();
});

const form = (fields: Record<string, string>) => ({ 'content-type': 'application/x-www-form-urlencoded', origin: central.url, body: new URLSearchParams(fields).toString() });
async function signIn(username: string, password: string): Promise<Response> {
  const { body, ...headers } = form({ username, password });
  return fetch(`${central.url}/signin`, { method: 'POST', headers, body, redirect: 'manual' });
}

describe('admin accounts', () => {
  it('signs in with a session cookie, refuses a wrong password, locks after repeated failures; all audited', async () => {
    const ok = await signIn('officer-a', 'correct horse battery');
    expect(ok.status).toBe(303);
    const cookie = ok.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^central_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict/);
    const page = await fetch(`${central.url}/`, { headers: { cookie: cookie.split(';')[0]! } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('体温检测 · 指挥中心');
    expect((await fetch(`${central.url}/`, { redirect: 'manual' })).status).toBe(302);
    for (let i = 0; i < MAX_FAILED_SIGN_INS; i++) expect((await signIn('officer-a', 'wrong password!!')).status).toBe(401);
    const locked = await signIn('officer-a', 'correct horse battery');
    expect(locked.status).toBe(423);
    expect(await locked.text()).toContain('账户已锁定');
    const actions = (await recentAdminActions(central.db, 20)).map((a) => a.action);
    expect(actions).toEqual(expect.arrayContaining(['admin.add', 'admin.signin', 'admin.signin.failed', 'admin.locked', 'admin.signin.locked']));
  });

  it('enrols a kiosk through the admin API while central runs, printing what the kiosk configuration needs', async () => {
    await central.admins.add('officer-b', 'another long password', 'test');
    const cookie = (await signIn('officer-b', 'another long password')).headers.get('set-cookie')!.split(';')[0]!;
    const enrol = (origin: string) =>
      fetch(`${central.url}/api/v1/admin/kiosks`, { method: 'POST', headers: { cookie, origin, 'content-type': 'application/json' }, body: JSON.stringify({ checkpointId: 'cp-web', kioskId: 'k-web' }) });
    expect((await enrol('http://evil.example')).status).toBe(403);
    const r = await enrol(central.url);
    expect(r.status).toBe(200);
    const line = (await r.json()) as { url: string; kioskId: string; token: string };
    expect(line.url).toBe(central.url);
    expect(await central.kiosks.authenticate(line.token)).toEqual({ kioskId: 'k-web', checkpointId: 'cp-web' });
    expect((await recentAdminActions(central.db, 5)).map((a) => [a.actor, a.action])).toContainEqual(['officer-b', 'kiosk.enroll']);
  });

  it('pushes central’s policy through the admin API: only the fields central may set, in the configuration’s ranges; audited', async () => {
    await central.admins.add('officer-c', 'a third long password', 'test');
    const cookie = (await signIn('officer-c', 'a third long password')).headers.get('set-cookie')!.split(';')[0]!;
    const push = (policy: unknown) =>
      fetch(`${central.url}/api/v1/admin/policy`, { method: 'POST', headers: { cookie, origin: central.url, 'content-type': 'application/json' }, body: JSON.stringify(policy) });
    expect((await push({ version: 'p-web-1', feverThresholdC: 41 })).status).toBe(400); // the configuration allows 36–40 °C
    expect((await push({ version: 'p-web-1', name: 'other' })).status).toBe(400); // not a field central may set
    const ok = await push({ version: 'p-web-1', mode: 'soft', colourActions: { blue: 'hold' } });
    expect(ok.status).toBe(200);
    const { versions } = (await ok.json()) as { versions: number[] };
    const delta = (await central.lists.since(versions[0]! - 1, 'k-any')).deltas[0]!.body;
    expect(delta.policy).toEqual({ version: 'p-web-1', mode: 'soft', colourActions: { blue: 'hold' } });
    expect((await recentAdminActions(central.db, 5)).map((a) => [a.actor, a.action, a.detail.policyVersion])).toContainEqual(['officer-c', 'policy.set', 'p-web-1']);
  });

  it('refuses a sign-in or admin POST from another origin', async () => {
    const { body } = form({ username: 'officer-a', password: 'x' });
    const r = await fetch(`${central.url}/signin`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://evil.example' }, body });
    expect(r.status).toBe(403);
  });

  it('publishes an OpenAPI document generated from the zod schemas of the kiosk routes', async () => {
    const doc = (await (await fetch(`${central.url}/api/v1/openapi.json`)).json()) as { paths: Record<string, Record<string, { requestBody?: unknown }>> };
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/v1/records', '/api/v1/heartbeat', '/api/v1/lists', '/api/v1/enrollment']));
    expect(JSON.stringify(doc.paths['/api/v1/records']!.post!.requestBody)).toContain('maxItems');
  });
});

describe('HTTPS with a pinned CA', () => {
  it('the kiosk client talks to central over TLS only with the CA it was given', async () => {
    const dir = tempDir('central-tls-');
    const sh = (args: string[]) => execFileSync('openssl', args, { cwd: dir.dir, stdio: 'pipe' });
    sh(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=Synthetic Test CA']);
    sh(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1']);
    writeFileSync(join(dir.dir, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1\n');
    sh(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '2', '-extfile', 'ext.cnf']);
    await seedEmbeddedDatabase(join(dir.dir, 'data'));
    const tls = await startCentral({ dataDir: join(dir.dir, 'data'), databaseUrl: null, log: quietLog(), tls: { keyFile: join(dir.dir, 'server.key'), certFile: join(dir.dir, 'server.pem') } });
    try {
      expect(tls.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      const { token } = await tls.kiosks.enroll({ checkpointId: 'cp-tls', kioskId: 'k-tls', actor: 'test' });
      const pinned = new CentralClient({ url: tls.url, token, caFile: join(dir.dir, 'ca.pem') });
      expect(await pinned.enrollment()).toMatchObject({ kioskId: 'k-tls', checkpointId: 'cp-tls' });
      const unpinned = new CentralClient({ url: tls.url, token });
      await expect(unpinned.enrollment()).rejects.toMatchObject({ kind: 'network' });
      expect(() => new CentralClient({ url: tls.url, token, caFile: join(dir.dir, 'missing.pem') })).toThrow(/^central\.caFile .*missing\.pem: cannot use it \(ENOENT\)/);
      expect(() => new CentralClient({ url: tls.url, token, caFile: join(dir.dir, 'ext.cnf') })).toThrow(/cannot use it \(not PEM\)/);
    } finally {
      await tls.stop();
      dir.cleanup();
    }
  });
});

describe('kiosk central CLI', () => {
  const cli = (args: string[]) => spawnSync(process.execPath, [join(ROOT, 'bin', 'kiosk.js'), 'central', ...args], { cwd: ROOT, encoding: 'utf8' });
  it('refuses to open an embedded database that a running central holds, and says what to do', () => {
    expect(existsSync(join(data.dir, 'central.lock'))).toBe(true);
    const r = cli(['enroll', '--data', data.dir, '--checkpoint', 'cp', '--kiosk', 'k']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/in use by process \d+ .*stop it first, or run central on PostgreSQL/);
  });
  it('names the missing or wrong option', () => {
    expect(cli(['enroll', '--data', data.dir, '--kiosk', 'k']).stderr).toMatch(/--checkpoint ID is required/);
    expect(cli(['export', '--data', data.dir, '--from', '2026-02-30', '--to', '2026-03-01']).stderr).toMatch(/--from "2026-02-30" is not a date/);
    expect(cli(['start', '--database', 'mysql://x']).stderr).toMatch(/not a postgres:\/\/ URL/);
    expect(cli(['frobnicate']).status).toBe(2);
  });
});
