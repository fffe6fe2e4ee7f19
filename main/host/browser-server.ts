import { createReadStream, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { extname, join, normalize, sep } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import type { ContractServer } from '../contract/contract-server.js';
import { attachContractSocket } from './contract-socket.js';
import type { Health } from '../contract/messages.js';
import { contentSecurityPolicy, rendererScriptHashes } from './content-security-policy.js';
import { newLaunchToken, tokenMatches } from './launch-token.js';
import type { Logger } from './logger.js';

export interface BrowserServerOptions {
  /** 0 picks a free port. */
  port: number;
  /** The built renderer (dist/renderer). */
  rendererDir: string;
  contract: ContractServer;
  log: Logger;
  health(): Health;
  /** Fixed token (tests); a random one per launch otherwise. */
  token?: string;
}

export interface BrowserServer {
  /** The page to open, token included. */
  readonly url: string;
  readonly port: number;
  readonly token: string;
  close(): Promise<void>;
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wav': 'audio/wav',
  '.ogg': 'audio/ogg',
  '.mp3': 'audio/mpeg',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
};

const LOOPBACK = '127.0.0.1';

/**
 * Browser mode: serves the built renderer and the contract over a WebSocket, on 127.0.0.1 only.
 * The page and the socket both need the per-launch token; the socket also needs the page's exact
 * origin; any other Host header is refused (DNS rebinding). Every response carries a strict CSP.
 */
export async function startBrowserServer(opts: BrowserServerOptions): Promise<BrowserServer> {
  const token = opts.token ?? newLaunchToken();
  const scriptHashes = rendererScriptHashes(opts.rendererDir);
  if (scriptHashes.length === 0) opts.log.warn({ rendererDir: opts.rendererDir }, 'browser: no integrity.json in the renderer folder; the page script will be blocked (run `npm run build`)');
  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  let origin = '';
  let hostHeader = '';

  const refuse = (res: ServerResponse, status: number, text: string) => {
    res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
    res.end(`${text}\n`);
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (req.headers.host !== hostHeader) return refuse(res, 421, 'wrong host');
    if (req.method !== 'GET' && req.method !== 'HEAD') return refuse(res, 405, 'method not allowed');
    const url = new URL(req.url ?? '/', origin);
    if (url.pathname === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      return res.end(JSON.stringify(opts.health()));
    }
    let pathname = url.pathname === '/' ? '/index.html' : url.pathname;
    if (pathname === '/index.html' && !tokenMatches(token, url.searchParams.get('token'))) {
      opts.log.warn({ path: '/index.html' }, 'browser: page requested without the launch token');
      return refuse(res, 403, 'this kiosk page needs its launch token; use the URL printed by `kiosk start`');
    }
    pathname = decodeURIComponent(pathname);
    const file = normalize(join(opts.rendererDir, pathname));
    if (!file.startsWith(opts.rendererDir + sep)) return refuse(res, 404, 'not found');
    let size: number;
    try {
      const st = statSync(file);
      if (!st.isFile()) return refuse(res, 404, 'not found');
      size = st.size;
    } catch {
      return refuse(res, 404, 'not found');
    }
    res.writeHead(200, {
      'content-type': MIME[extname(file)] ?? 'application/octet-stream',
      'content-length': size,
      'content-security-policy': contentSecurityPolicy(`ws://${hostHeader}`, scriptHashes),
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'cross-origin-opener-policy': 'same-origin',
      'cross-origin-resource-policy': 'same-origin',
      'cache-control': 'no-store',
    });
    if (req.method === 'HEAD') return res.end();
    createReadStream(file).pipe(res);
  });

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const deny = (why: string) => {
      opts.log.warn({ why }, 'browser: WebSocket connection refused');
      socket.write('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      socket.destroy();
    };
    if (req.headers.host !== hostHeader) return deny('wrong host');
    if (req.headers.origin !== origin) return deny('wrong origin');
    const url = new URL(req.url ?? '/', origin);
    if (url.pathname !== '/ws') return deny('wrong path');
    if (!tokenMatches(token, url.searchParams.get('token'))) return deny('missing or wrong token');
    wss.handleUpgrade(req, socket, head, (ws: WebSocket) => attachSocket(ws));
  });

  let peerCount = 0;
  const attachSocket = (ws: WebSocket) => {
    const label = `ws#${++peerCount}`;
    attachContractSocket(ws, opts.contract, label, opts.log, { connected: 'browser: UI connected', disconnected: 'browser: UI disconnected' });
  };

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, LOOPBACK, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  hostHeader = `${LOOPBACK}:${port}`;
  origin = `http://${hostHeader}`;

  return {
    url: `${origin}/?token=${token}`,
    port,
    token,
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of wss.clients) c.terminate();
        wss.close();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
