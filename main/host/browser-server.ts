import { createReadStream } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { closeWebServer } from './close-web-server.js';
import type { ContractServer } from '../contract/contract-server.js';
import type { Health } from '../contract/messages.js';
import { newLaunchToken, tokenMatches } from './launch-token.js';
import type { Logger } from './logger.js';
import { parseRequestTarget, queryValue, type RequestTarget } from './request-target.js';
import { attachContractSocket, type SocketStats } from './contract-socket.js';
import { DEFAULT_SOCKET_LIMITS, type SocketLimits } from './socket-limits.js';
import { resolveStatic, staticSite, type StaticSite } from './static-files.js';

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
  /** Per-connection WebSocket limits (default DEFAULT_SOCKET_LIMITS). */
  socketLimits?: Partial<SocketLimits>;
}

/** What the server knows about one UI connection (no content): for health and tests. */
export type { SocketStats } from './contract-socket.js';

export interface BrowserServer {
  /** The page to open, token included. */
  readonly url: string;
  readonly port: number;
  readonly token: string;
  /** One entry per open WebSocket. */
  sockets(): SocketStats[];
  close(): Promise<void>;
}

const LOOPBACK = '127.0.0.1';

/**
 * Browser mode: serves the built renderer and the contract over a WebSocket, on 127.0.0.1 only.
 * Every request target goes through parseRequestTarget first (one parser, never throws), and
 * every decision is taken on the normalised target: the page and the socket both need the
 * per-launch token; the socket also needs the page's exact origin; any other Host header is
 * refused (DNS rebinding). Files come from the one static handler (static-files.ts), with a strict
 * CSP. Each socket has a message budget and output backpressure (socket-limits.ts).
 */
export async function startBrowserServer(opts: BrowserServerOptions): Promise<BrowserServer> {
  const token = opts.token ?? newLaunchToken();
  const limits: SocketLimits = { ...DEFAULT_SOCKET_LIMITS, ...opts.socketLimits };
  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  let origin = '';
  let hostHeader = '';
  let site: StaticSite = staticSite(opts.rendererDir, null);
  if (site.scriptHashes.length === 0) opts.log.warn({ rendererDir: opts.rendererDir }, 'browser: no integrity.json in the renderer folder; the page script will be blocked (run `npm run build`)');

  const refuse = (res: ServerResponse, status: number, text: string) => {
    const body = `${text}\n`;
    res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  };

  const handleRequest = (req: IncomingMessage, res: ServerResponse, target: RequestTarget) => {
    if (target.path === '/healthz') {
      const body = JSON.stringify(opts.health());
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(body) });
      return res.end(req.method === 'HEAD' ? undefined : body);
    }
    const found = resolveStatic(site, target);
    if (found.status !== 200) return refuse(res, 404, 'not found');
    if (found.isPage && !tokenMatches(token, queryValue(target, 'token'))) {
      opts.log.warn({ path: target.path }, 'browser: page requested without the launch token');
      return refuse(res, 403, 'this kiosk page needs its launch token; use the URL printed by `kiosk start`');
    }
    res.writeHead(200, found.headers);
    if (req.method === 'HEAD') return res.end();
    const stream = createReadStream(found.file);
    stream.on('error', (err) => {
      opts.log.warn({ path: target.path, err: err.message }, 'browser: could not read a file while serving it');
      res.destroy();
    });
    stream.pipe(res);
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (req.headers.host !== hostHeader) return refuse(res, 421, 'wrong host');
    if (req.method !== 'GET' && req.method !== 'HEAD') return refuse(res, 405, 'method not allowed');
    const parsed = parseRequestTarget(req.url);
    if (!parsed.ok) {
      opts.log.warn({ status: parsed.status, why: parsed.reason }, 'browser: request target refused');
      return refuse(res, parsed.status, parsed.reason);
    }
    try {
      handleRequest(req, res, parsed.target);
    } catch (err) {
      // Last fence: no request may take the host down.
      opts.log.error({ path: parsed.target.path, err: err instanceof Error ? err.message : String(err) }, 'browser: request handler failed');
      if (!res.headersSent) refuse(res, 500, 'internal error');
      else res.destroy();
    }
  });

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const deny = (status: 400 | 403 | 414, why: string) => {
      opts.log.warn({ why }, 'browser: WebSocket connection refused');
      socket.write(`HTTP/1.1 ${status} ${status === 403 ? 'Forbidden' : status === 414 ? 'URI Too Long' : 'Bad Request'}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      socket.destroy();
    };
    socket.on('error', () => socket.destroy());
    if (req.headers.host !== hostHeader) return deny(403, 'wrong host');
    if (req.headers.origin !== origin) return deny(403, 'wrong origin');
    const parsed = parseRequestTarget(req.url);
    if (!parsed.ok) return deny(parsed.status, parsed.reason);
    if (parsed.target.path !== '/ws') return deny(403, 'wrong path');
    if (!tokenMatches(token, queryValue(parsed.target, 'token'))) return deny(403, 'missing or wrong token');
    try {
      wss.handleUpgrade(req, socket, head, (ws: WebSocket) => attachSocket(ws));
    } catch (err) {
      opts.log.error({ err: err instanceof Error ? err.message : String(err) }, 'browser: WebSocket upgrade failed');
      socket.destroy();
    }
  });

  let peerCount = 0;
  const open = new Map<WebSocket, SocketStats>();
  const attachSocket = (ws: WebSocket) => {
    const label = `ws#${++peerCount}`;
    const stats = attachContractSocket(ws, opts.contract, label, opts.log, limits, { name: 'browser', connected: 'browser: UI connected', disconnected: 'browser: UI disconnected' }, () => open.delete(ws));
    open.set(ws, stats);
  };

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, LOOPBACK, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  hostHeader = `${LOOPBACK}:${port}`;
  origin = `http://${hostHeader}`;
  site = staticSite(opts.rendererDir, `ws://${hostHeader}`);

  return {
    url: `${origin}/?token=${token}`,
    port,
    token,
    sockets: () => [...open].map(([ws, s]) => ({ ...s, bufferedBytes: ws.bufferedAmount })),
    close: () => closeWebServer(server, wss),
  };
}
