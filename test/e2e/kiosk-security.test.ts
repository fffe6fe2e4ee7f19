import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { networkInterfaces } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { openBrowser, startKiosk, type Browser, type RunningKiosk } from './kiosk-harness.js';

/**
 * Browser mode gives nothing to a page or program that is not the kiosk's own page: the page and
 * the socket need the per-launch token, the socket needs the page's exact origin, other Host headers
 * are refused, the server listens on 127.0.0.1 only, and bad messages are rejected and logged.
 */

let kiosk: RunningKiosk;
let browser: Browser;
let evil: Server;
let evilOrigin: string;

beforeAll(async () => {
  kiosk = await startKiosk({ scenario: 'no-card' });
  browser = await openBrowser();
  // Another origin on the same machine, trying to reach the kiosk's socket with a leaked token.
  evil = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(`<!doctype html><script>
      window.result = new Promise((resolve) => {
        const ws = new WebSocket(${JSON.stringify(`ws://${new URL(kiosk.url).host}/ws?token=${kiosk.token}`)});
        ws.onmessage = (e) => resolve('message: ' + String(e.data).slice(0, 40));
        ws.onopen = () => ws.send(JSON.stringify({ type: 'hello', id: 1, version: 1 }));
        ws.onclose = (e) => resolve('closed ' + e.code);
      });
    </script>`);
  });
  await new Promise<void>((r) => evil.listen(0, '127.0.0.1', () => r()));
  evilOrigin = `http://127.0.0.1:${(evil.address() as AddressInfo).port}`;
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await kiosk?.stop();
  evil?.close();
});

function get(path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  const u = new URL(kiosk.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: u.port, path, headers }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

function connect(opts: { token?: string; origin?: string }): Promise<{ ws: WebSocket | null; refused: number | null }> {
  const u = new URL(kiosk.url);
  const q = opts.token === undefined ? '' : `?token=${encodeURIComponent(opts.token)}`;
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://${u.host}/ws${q}`, { ...(opts.origin !== undefined && { origin: opts.origin }) });
    ws.on('open', () => resolve({ ws, refused: null }));
    ws.on('unexpected-response', (_req, res) => resolve({ ws: null, refused: res.statusCode ?? -1 }));
    ws.on('error', () => resolve({ ws: null, refused: -1 }));
  });
}

describe('browser mode: who may connect', () => {
  it('serves the page only with the launch token, with a strict CSP', async () => {
    expect((await get('/')).status).toBe(403);
    expect((await get('/?token=wrong')).status).toBe(403);
    const ok = await get(`/?token=${kiosk.token}`);
    expect(ok.status).toBe(200);
    const csp = String(ok.headers['content-security-policy']);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toMatch(/script-src 'sha384-[A-Za-z0-9+/=]+'/);
    expect(csp).toContain(`connect-src ws://127.0.0.1:${new URL(kiosk.url).port}`);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(ok.headers['referrer-policy']).toBe('no-referrer');
  });

  it('refuses other Host headers (DNS rebinding) and path traversal', async () => {
    const port = new URL(kiosk.url).port;
    expect((await get(`/?token=${kiosk.token}`, { host: `evil.example:${port}` })).status).toBe(421);
    // Dot segments, plain or encoded, are refused by the request-target parser (issue 9 item 13).
    expect((await get('/../../package.json')).status).toBe(400);
    expect((await get('/%2e%2e/%2e%2e/package.json')).status).toBe(400);
    expect((await get('/package.json')).status).toBe(404);
  });

  it('listens on 127.0.0.1 only', async () => {
    const port = Number(new URL(kiosk.url).port);
    const external = Object.values(networkInterfaces())
      .flat()
      .filter((a) => a && a.family === 'IPv4' && !a.internal)
      .map((a) => a!.address);
    for (const address of external) {
      const err = await new Promise<string>((resolve) => {
        const req = request({ host: address, port, path: '/', timeout: 3000 }, () => resolve('connected'));
        req.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
        req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
        req.end();
      });
      expect(err, `reachable on ${address}`).not.toBe('connected');
    }
  });

  it('refuses a socket without the token, with a wrong token, or from another origin', async () => {
    expect((await connect({ origin: kiosk.origin })).refused).toBe(403);
    expect((await connect({ origin: kiosk.origin, token: 'x'.repeat(32) })).refused).toBe(403);
    expect((await connect({ origin: evilOrigin, token: kiosk.token })).refused).toBe(403);
    expect((await connect({ token: kiosk.token })).refused).toBe(403); // no Origin at all
    const good = await connect({ origin: kiosk.origin, token: kiosk.token });
    expect(good.ws).not.toBeNull();
    good.ws!.close();
  });

  it('a page from another origin in Chromium cannot use the socket, even with the token', async () => {
    const { page } = browser;
    await page.goto(evilOrigin);
    const result = await page.evaluate(() => (window as unknown as { result: Promise<string> }).result);
    expect(result).toMatch(/^closed /);
    expect(kiosk.logs.join('\n')).toContain('wrong origin');
  });

  it('the kiosk page without its token gets nothing', async () => {
    const { page } = browser;
    const res = await page.goto(`${kiosk.origin}/`);
    expect(res?.status()).toBe(403);
    expect(await page.locator('#app').count()).toBe(0);
  });

  it('rejects a bad payload with an error, logs the rejection and never its content', async () => {
    const { ws } = await connect({ origin: kiosk.origin, token: kiosk.token });
    const replies: Array<{ type: string; code?: string; inReplyTo?: number }> = [];
    ws!.on('message', (m) => replies.push(JSON.parse(String(m))));
    ws!.send(JSON.stringify({ type: 'setLanguage', id: 41, language: '11010519491231002X' }));
    ws!.send('{ not json');
    ws!.send(JSON.stringify({ type: 'hello', id: 42, version: 1 }));
    await expect.poll(() => replies.some((r) => r.type === 'snapshot'), { timeout: 10_000 }).toBe(true);
    const errors = replies.filter((r) => r.type === 'error');
    expect(errors).toHaveLength(2);
    expect(errors[0]).toMatchObject({ code: 'BAD_MESSAGE', inReplyTo: 41 });
    ws!.close();
    await expect.poll(() => kiosk.logs.filter((l) => l.includes('rejected a bad command')).length, { timeout: 10_000 }).toBe(2);
    expect(kiosk.logs.join('\n')).not.toContain('11010519491231002X');
  });
});
