import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { HostEventSchema } from '../../main/contract/messages.js';
import { startKiosk, type RunningKiosk } from '../e2e/kiosk-harness.js';
import { rawRequest, type RawResponse } from '../fixtures/host/browser-server-rig.js';
import { fuzzSeed, type Fuzz } from './fuzz-seed.js';

/**
 * Fuzzing browser mode of a live host (`kiosk start --browser --sim`, a child process): random and
 * structure-aware request targets, methods and headers, WebSocket handshakes and payloads.
 *
 * Invariants:
 * - the host stays up (process alive, /healthz answers) and answers every request;
 * - the page is served only to a request carrying the launch token (decoded, exactly once);
 * - everything the host sends on the socket is a valid contract event;
 * - nothing a client sent appears in the host's logs.
 */

let kiosk: RunningKiosk;
beforeAll(async () => {
  kiosk = await startKiosk({ scenario: 'no-card' });
}, 60_000);
afterAll(async () => {
  await kiosk?.stop();
});

const port = () => Number(new URL(kiosk.url).port);
const hostHeader = () => new URL(kiosk.url).host;

/** Text a client puts into what it sends; it must never reach a log line. */
const MARKER = 'FUZZ-MARK-7d1f';

function targetPiece(f: Fuzz): string {
  return f.pick([
    '/',
    '//',
    '///',
    '/index.html',
    '/%69ndex.html',
    '/index%2ehtml',
    '/ws',
    '/%77s',
    '/healthz',
    '/app.js',
    '/styles.css',
    '/audio/',
    '/..',
    '/%2e%2e',
    '%2f',
    '%5c',
    '%ff',
    '%',
    '%0',
    '%00',
    '%c0%ae',
    '\\',
    '\\\\',
    '[',
    ']',
    '//[',
    '@',
    ':',
    '?',
    '#',
    '&',
    '=',
    '+',
    '*',
    ';',
    '~',
    'é',
    '中',
    '\u202e',
    'token=',
    `token=${kiosk.token}`,
    `%74oken=${kiosk.token}`,
    `token=${kiosk.token.slice(0, -1)}`,
    `?token=${kiosk.token}`,
    `?token=${kiosk.token}&token=${kiosk.token}`,
    'http://127.0.0.1/',
    MARKER,
    'a'.repeat(f.int(1, 3000)),
    String.fromCharCode(f.int(0x21, 0x7e)),
  ]);
}

function randomTarget(f: Fuzz): string {
  let t = f.chance(0.85) ? '/' : '';
  const n = f.int(1, 6);
  for (let i = 0; i < n; i++) t += targetPiece(f);
  return t;
}

function randomHeaders(f: Fuzz): Record<string, string> {
  const h: Record<string, string> = {};
  if (f.chance(0.9)) h.Host = f.chance(0.85) ? hostHeader() : f.pick(['localhost', 'evil.example', `${hostHeader()}.evil`, '', '[::1]', 'a'.repeat(300)]);
  if (f.chance(0.25)) {
    h.Upgrade = f.pick(['websocket', 'WebSocket', 'h2c', '']);
    h.Connection = 'Upgrade';
    h['Sec-WebSocket-Version'] = f.pick(['13', '8', 'x', '']);
    h['Sec-WebSocket-Key'] = f.pick(['dGhlIHNhbXBsZSBub25jZQ==', 'short', '', MARKER]);
    h.Origin = f.pick([kiosk.origin, 'http://evil.example', 'null', '', kiosk.origin.toUpperCase()]);
  } else {
    h.Connection = 'close';
  }
  const extra = f.int(0, 3);
  for (let i = 0; i < extra; i++) {
    const name = f.pick(['X-Fuzz', 'Cookie', 'Referer', 'Accept', 'Range', 'Content-Length', 'Transfer-Encoding', 'If-None-Match', 'X-Forwarded-For']);
    h[name] = f.pick([MARKER, '0', '-1', '99999999999999999999', 'chunked', 'bytes=0-', 'a'.repeat(f.int(1, 12_000)), `${MARKER}\u00e9`]);
  }
  return h;
}

function request(method: string, target: string, headers: Record<string, string>): string {
  const lines = [`${method} ${target} HTTP/1.1`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)];
  return `${lines.join('\r\n')}\r\n\r\n`;
}

/** Independent of the host's parser: the launch token appears exactly once among the decoded query parameters. */
function carriesToken(target: string): boolean {
  const q = target.indexOf('?');
  if (q === -1) return false;
  try {
    return new URLSearchParams(target.slice(q + 1).split('#')[0]).getAll('token').filter((v) => v === kiosk.token).length === 1 && new URLSearchParams(target.slice(q + 1)).getAll('token').length === 1;
  } catch {
    return false;
  }
}

async function healthy(): Promise<void> {
  expect(kiosk.proc.exitCode).toBeNull();
  const r = await rawRequest(port(), request('GET', '/healthz', { Host: hostHeader(), Connection: 'close' }));
  expect(r.status).toBe(200);
  expect(JSON.parse(r.body)).toMatchObject({ status: expect.stringMatching(/^(starting|ready|degraded)$/) });
}

describe('fuzz: browser mode of a live host', () => {
  it('random request targets, methods and headers: the host answers each and stays up; the page only with its token', async () => {
    const f = fuzzSeed('host-web: requests');
    const N = 480;
    const served: Array<{ target: string; response: RawResponse }> = [];
    let next = 0;
    const worker = async () => {
      while (next < N) {
        next++;
        const target = randomTarget(f);
        const method = f.pick(['GET', 'GET', 'GET', 'HEAD', 'POST', 'OPTIONS', 'PUT', 'DELETE', 'TRACE', 'M-SEARCH']);
        const response = await rawRequest(port(), request(method, target, randomHeaders(f)), 10_000);
        // Every request gets an answer: a status line, or (for what the HTTP parser itself refuses) a closed connection.
        expect(response.status === null || (response.status >= 100 && response.status < 600), `seed ${f.seed}: ${JSON.stringify(target.slice(0, 100))}`).toBe(true);
        if (response.status === 200 && /content-type: text\/html/i.test(response.head)) served.push({ target, response });
      }
    };
    await Promise.all(Array.from({ length: 6 }, worker));
    for (const s of served) expect(carriesToken(s.target), `page served without its token for ${JSON.stringify(s.target.slice(0, 120))} (seed ${f.seed})`).toBe(true);
    await healthy();
    expect(kiosk.logs.filter((l) => l.includes(MARKER))).toEqual([]);
  }, 120_000);

  it('random WebSocket payloads from authenticated clients: every host message is a valid contract event; the host stays up', async () => {
    const f = fuzzSeed('host-web: socket payloads');
    const received: unknown[] = [];
    const closes: number[] = [];
    const open = () =>
      new Promise<WebSocket>((resolve, reject) => {
        const ws = new WebSocket(`ws://${hostHeader()}/ws?token=${kiosk.token}`, { origin: kiosk.origin, maxPayload: 1 << 20 });
        ws.on('message', (data, binary) => {
          expect(binary, `seed ${f.seed}: the host sent a binary frame`).toBe(false);
          received.push(JSON.parse(String(data)) as unknown);
        });
        ws.on('close', (code) => closes.push(code));
        ws.once('open', () => resolve(ws));
        ws.once('error', reject);
      });
    const value = (depth: number): unknown => {
      switch (f.int(0, depth > 6 ? 5 : 8)) {
        case 0:
          return f.pick([0, -1, 1.5, 2 ** 53, -(2 ** 53), 1e308, Number.MIN_VALUE, 42]);
        case 1:
          return f.pick(['', MARKER, 'hello', 'zh', 'en', 'idle', 'pass', '\u0000', '\ud800', `${MARKER}${'x'.repeat(f.int(0, 2000))}`]);
        case 2:
          return f.pick([true, false, null]);
        case 3:
          return f.pick(['__proto__', 'constructor', 'toString']);
        case 4:
        case 5:
          return Array.from({ length: f.int(0, 4) }, () => value(depth + 1));
        default: {
          const o: Record<string, unknown> = {};
          for (let i = f.int(0, 4); i > 0; i--) o[f.pick(['type', 'id', 'version', 'language', 'seq', 'screen', '__proto__', MARKER, 'x'])] = value(depth + 1);
          return o;
        }
      }
    };
    const payload = (): string | Buffer => {
      const valid = f.pick([
        { type: 'hello', id: 1, version: 1 },
        { type: 'getHealth', id: 2 },
        { type: 'setLanguage', id: 3, language: 'en' },
        { type: 'painted', id: 4, seq: 1, screen: 'idle' },
      ]);
      switch (f.int(0, 6)) {
        case 0:
          return JSON.stringify(valid);
        case 1: {
          // One field of a valid command replaced by a random value, or one added.
          const o: Record<string, unknown> = { ...valid };
          o[f.pick([...Object.keys(valid), 'extra', MARKER])] = value(0);
          return JSON.stringify(o);
        }
        case 2:
          return JSON.stringify(value(0));
        case 3:
          return Buffer.from(Array.from({ length: f.int(0, 200) }, () => f.int(0, 255)));
        case 4:
          return `${'{"type":"hello","id":'.repeat(f.int(1, 3))}${MARKER}`;
        case 5:
          return `${'['.repeat(f.int(1, 5000))}${']'.repeat(f.int(0, 5000))}`;
        default:
          return JSON.stringify({ type: 'hello', id: 1, version: 1, pad: MARKER.repeat(f.int(1, 8000)) }); // up to ~112 KiB: over the 64 KiB limit at times
      }
    };
    for (let client = 0; client < 6; client++) {
      const ws = await open();
      const n = f.int(20, 120); // within the message budget (burst 200)
      for (let i = 0; i < n && ws.readyState === WebSocket.OPEN; i++) ws.send(payload());
      ws.send(JSON.stringify({ type: 'getHealth', id: 999 }));
      // Settles when the host has answered the last command, or has closed the connection.
      await new Promise<void>((resolve) => {
        const done = () => resolve();
        ws.once('close', done);
        ws.on('message', (d) => {
          if (String(d).includes('"inReplyTo":999')) done();
        });
      });
      ws.terminate();
    }
    expect(received.length).toBeGreaterThan(0);
    for (const m of received) expect(HostEventSchema.safeParse(m).success, `seed ${f.seed}: ${JSON.stringify(m).slice(0, 200)}`).toBe(true);
    for (const code of closes) expect([1000, 1005, 1006, 1008, 1009, 4029], `seed ${f.seed}`).toContain(code);
    await healthy();
    expect(kiosk.logs.filter((l) => l.includes(MARKER))).toEqual([]);
  }, 120_000);
});
