import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { join } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { closeWebServer } from '../host/close-web-server.js';
import type { ContractServer } from '../contract/contract-server.js';
import { attachContractSocket } from '../host/contract-socket.js';
import { DEFAULT_SOCKET_LIMITS } from '../host/socket-limits.js';
import { contentSecurityPolicy, rendererScriptHashes } from '../host/content-security-policy.js';
import type { Logger } from '../host/logger.js';
import type { KioskCertificate } from './tls-certificate.js';

/**
 * The staff console for a handheld or tablet on the checkpoint's LAN (off by default; a technician
 * turns it on). HTTPS with the kiosk's own certificate; it serves exactly three files — the
 * console page, its script and its styles — and one WebSocket whose contract server knows only the
 * staff console (main/console/console-service.ts refuses everything else from a LAN connection,
 * including a technician's sign-in). Same-origin WebSocket only; no launch token: the PIN is the key.
 */
export interface LanConsoleOptions {
  host: string;
  port: number;
  rendererDir: string;
  certificate: KioskCertificate;
  contract: ContractServer;
  log: Logger;
}

export interface LanConsole {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

const FILES: Record<string, { file: string; type: string }> = {
  '/': { file: 'console.html', type: 'text/html; charset=utf-8' },
  '/console.js': { file: 'console.js', type: 'text/javascript; charset=utf-8' },
  '/console.css': { file: 'console.css', type: 'text/css; charset=utf-8' },
};

/** `host:port` as a browser sends it: a DNS name or an IPv4 literal, and a port. */
const HOST_HEADER = /^[A-Za-z0-9.-]{1,253}:\d{1,5}$/;

export async function startLanConsole(opts: LanConsoleOptions): Promise<LanConsole> {
  const hashes = rendererScriptHashes(opts.rendererDir);
  const wss = new WebSocketServer({ noServer: true, maxPayload: 16 * 1024 });
  const server: Server = createServer({ key: opts.certificate.key, cert: opts.certificate.cert, minVersion: 'TLSv1.2' }, (req: IncomingMessage, res: ServerResponse) => {
    const host = req.headers.host ?? '';
    const refuse = (status: number, text: string) => {
      res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
      res.end(`${text}\n`);
    };
    if (!HOST_HEADER.test(host)) return refuse(421, 'wrong host');
    if (req.method !== 'GET' && req.method !== 'HEAD') return refuse(405, 'method not allowed');
    const path = (req.url ?? '/').split('?')[0]!;
    const entry = FILES[path === '/console.html' ? '/' : path];
    if (!entry) return refuse(404, 'not found');
    let body: Buffer;
    try {
      body = readFileSync(join(opts.rendererDir, entry.file));
    } catch {
      return refuse(404, 'not found');
    }
    res.writeHead(200, {
      'content-type': entry.type,
      'content-length': body.length,
      'content-security-policy': contentSecurityPolicy(`wss://${host}`, hashes),
      'strict-transport-security': 'max-age=31536000',
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'cross-origin-opener-policy': 'same-origin',
      'cross-origin-resource-policy': 'same-origin',
      'cache-control': 'no-store',
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  });

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const host = req.headers.host ?? '';
    const deny = (why: string) => {
      opts.log.warn({ why }, 'lan console: WebSocket refused');
      socket.write('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      socket.destroy();
    };
    if (!HOST_HEADER.test(host)) return deny('wrong host');
    if (req.headers.origin !== `https://${host}`) return deny('wrong origin');
    if ((req.url ?? '').split('?')[0] !== '/ws') return deny('wrong path');
    wss.handleUpgrade(req, socket, head, (ws: WebSocket) => attach(ws));
  });
  server.on('tlsClientError', (err) => opts.log.info({ err: err.message }, 'lan console: TLS handshake failed (a device that does not trust the certificate yet?)'));

  let peers = 0;
  const attach = (ws: WebSocket) => {
    const label = `lan#${++peers}`;
    attachContractSocket(ws, opts.contract, label, opts.log, DEFAULT_SOCKET_LIMITS, { name: 'lan console', connected: 'lan console: device connected', disconnected: 'lan console: device disconnected' });
  };

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const shownHost = opts.host === '0.0.0.0' ? '<kiosk-address>' : opts.host;
  return {
    url: `https://${shownHost}:${port}/`,
    port,
    close: () => closeWebServer(server, wss),
  };
}
