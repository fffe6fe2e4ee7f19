import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appProtocolResponse } from '../../main/electron/app-protocol.js';
import { staticSite } from '../../main/host/static-files.js';
import { rawGet, rawUpgrade, startServerRig, TEST_PAGE, type ServerRig } from '../fixtures/host/browser-server-rig.js';

/**
 * Issue 9 items 1 and 13, against the real browser-mode server in this process (a throw in a
 * request handler is an uncaught exception here, as it was in the host), and against the Electron
 * protocol handler, which goes through the same parser and static handler.
 */

// The electron module is only needed for protocol registration, not for building a response.
import { vi } from 'vitest';
vi.mock('electron', () => ({ protocol: { registerSchemesAsPrivileged: vi.fn(), handle: vi.fn() } }));

let rig: ServerRig;
beforeAll(async () => {
  rig = await startServerRig();
});
afterAll(async () => {
  await rig?.stop();
});

async function stillServing(): Promise<void> {
  const health = await rawGet(rig, '/healthz');
  expect(health.status).toBe(200);
  const page = await rawGet(rig, '/?token=test-token-0123456789');
  expect(page.status).toBe(200);
  expect(page.body).toBe(TEST_PAGE);
}

describe('9.1 pre-auth crash', () => {
  for (const target of ['//', '///', '//[', '\\\\', '/\\\\', '%ff', '/%ff', '/%', '//%ff?token=%zz']) {
    it(`9.1 pre-auth crash: ${target}`, async () => {
      const get = await rawGet(rig, target);
      expect(get.status).toBe(400);
      const upgrade = await rawUpgrade(rig, target);
      expect(upgrade.status).toBe(400);
      await stillServing();
    });
  }

  it('9.1 pre-auth crash: a refused target is logged without its content', async () => {
    const before = rig.logs.length;
    await rawGet(rig, '/%ff-secret-looking');
    const lines = rig.logs.slice(before);
    expect(lines.some((l) => l.msg === 'browser: request target refused' && l.status === 400)).toBe(true);
    expect(JSON.stringify(lines)).not.toContain('secret-looking');
  });
});

describe('9.13 token check after decoding', () => {
  it('9.13 token bypass: GET /%69ndex.html without the token is refused', async () => {
    const r = await rawGet(rig, '/%69ndex.html');
    expect(r.status).toBe(403);
    expect(r.body).not.toContain('test kiosk page');
    for (const variant of ['/index%2ehtml', '/%69ndex.html?token=wrong', '/index.html?token=test-token-0123456789&token=x']) {
      expect((await rawGet(rig, variant)).status).toBe(403);
    }
  });

  it('9.13 token bypass: the same page with the token is served, with its CSP', async () => {
    const r = await rawGet(rig, '/%69ndex.html?token=test-token-0123456789');
    expect(r.status).toBe(200);
    expect(r.body).toBe(TEST_PAGE);
    expect(r.head).toMatch(/content-security-policy: default-src 'none'.*connect-src ws:\/\/127\.0\.0\.1:\d+/i);
  });

  it('9.13 token bypass: scripts and sounds need no token; traversal and dot segments are refused', async () => {
    expect((await rawGet(rig, '/app.js')).status).toBe(200);
    expect((await rawGet(rig, '/audio/pass.wav')).status).toBe(200);
    expect((await rawGet(rig, '/%61udio/pass.wav')).status).toBe(200);
    expect((await rawGet(rig, '/audio/%2e%2e/index.html')).status).toBe(400);
    expect((await rawGet(rig, '/audio/..%2findex.html')).status).toBe(400);
    expect((await rawGet(rig, '/audio')).status).toBe(404);
    expect((await rawGet(rig, '/nope.html')).status).toBe(404);
  });

  it('9.13 token bypass: the socket path is normalised too (/%77s needs the token and the origin)', async () => {
    expect((await rawUpgrade(rig, '/%77s')).status).toBe(403);
    expect((await rawUpgrade(rig, '/%77s?token=test-token-0123456789')).status).toBe(101);
    expect((await rawUpgrade(rig, '/ws?token=test-token-0123456789', { Origin: 'http://evil.example' })).status).toBe(403);
  });

  it('9.13 one static handler: the Electron kiosk:// protocol takes the same path', async () => {
    const site = staticSite(rig.rendererDir, null);
    const page = appProtocolResponse(site, 'kiosk://app/%69ndex.html');
    expect(page.status).toBe(200);
    expect(await page.text()).toBe(TEST_PAGE);
    expect(page.headers.get('content-security-policy')).toContain("connect-src 'none'");
    expect(appProtocolResponse(site, 'kiosk://app/%ff').status).toBe(400);
    expect(appProtocolResponse(site, 'kiosk://app/..%2f..%2fetc%2fpasswd').status).toBe(400);
    expect(appProtocolResponse(site, 'kiosk://app/%2e%2e/%2e%2e/etc/passwd').status).toBe(404);
    expect(appProtocolResponse(site, 'kiosk://other/index.html').status).toBe(404);
    expect(appProtocolResponse(site, 'kiosk://app/').status).toBe(200);
  });
});
