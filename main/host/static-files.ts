import { realpathSync, statSync } from 'node:fs';
import { extname, join, sep } from 'node:path';
import { contentSecurityPolicy, rendererScriptHashes } from './content-security-policy.js';
import type { RequestTarget } from './request-target.js';

/**
 * The one static handler for the built renderer, used by browser mode's HTTP server and by the
 * Electron `kiosk://app/` protocol. It takes a target already checked and decoded by
 * parseRequestTarget (main/host/request-target.ts), so every decision is made on the normalised
 * path: `/` is `/index.html`; only regular files inside the renderer folder are served (symbolic
 * links are resolved and must stay inside it); every response carries the strict CSP.
 *
 * Whether a file needs the launch token is the caller's decision (`isPage` tells it the file is a
 * page): browser mode asks for it, the Electron protocol is reachable by the app only.
 */

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wav': 'audio/wav',
  '.ogg': 'audio/ogg',
  '.mp3': 'audio/mpeg',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
};

export interface StaticSite {
  readonly rendererDir: string;
  /** The resolved renderer folder (symbolic links followed). */
  readonly realDir: string | null;
  readonly scriptHashes: readonly string[];
  /** CSP connect-src: the WebSocket origin in browser mode, null under Electron ('none'). */
  readonly connect: string | null;
}

export type StaticResolution =
  | { status: 200; file: string; size: number; isPage: boolean; headers: Record<string, string> }
  | { status: 404 };

export function staticSite(rendererDir: string, connect: string | null): StaticSite {
  let realDir: string | null;
  try {
    realDir = realpathSync(rendererDir);
  } catch {
    realDir = null;
  }
  return { rendererDir, realDir, scriptHashes: rendererScriptHashes(rendererDir), connect };
}

export function resolveStatic(site: StaticSite, target: RequestTarget): StaticResolution {
  if (site.realDir === null) return { status: 404 };
  const segments = target.segments.length === 0 ? ['index.html'] : target.segments;
  let file: string;
  let size: number;
  try {
    file = realpathSync(join(site.realDir, ...segments));
    if (!file.startsWith(site.realDir + sep)) return { status: 404 };
    const st = statSync(file);
    if (!st.isFile()) return { status: 404 };
    size = st.size;
  } catch {
    return { status: 404 };
  }
  const type = MIME[extname(file)] ?? 'application/octet-stream';
  return {
    status: 200,
    file,
    size,
    isPage: type.startsWith('text/html'),
    headers: {
      'content-type': type,
      'content-length': String(size),
      'content-security-policy': contentSecurityPolicy(site.connect, site.scriptHashes),
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'cross-origin-opener-policy': 'same-origin',
      'cross-origin-resource-policy': 'same-origin',
      'cache-control': 'no-store',
    },
  };
}
