import { protocol } from 'electron';
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { parseRequestTarget } from '../host/request-target.js';
import { resolveStatic, staticSite } from '../host/static-files.js';
import { APP_SCHEME } from './channels.js';

/**
 * Must run before `app.ready`: the scheme behaves like https (secure, standard origin); `stream`
 * lets <audio> play the voice prompts from it (media needs a streamable scheme).
 */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, stream: true } }]);
}

/**
 * Serves the built renderer at kiosk://app/ (Electron checklist item 18: no file://) through the
 * same request-target parser and static handler as browser mode (main/host/request-target.ts,
 * main/host/static-files.ts): only regular files inside the renderer folder, each with the strict CSP.
 */
export function serveRenderer(rendererDir: string): void {
  const site = staticSite(rendererDir, null);
  protocol.handle(APP_SCHEME, async (request) => appProtocolResponse(site, request.url));
}

/** The response to one kiosk:// URL (exported for the unit tests). */
export function appProtocolResponse(site: ReturnType<typeof staticSite>, url: string): Response {
  let parsedUrl: URL;
  try {
    parsedUrl = new URL(url);
  } catch {
    return new Response('bad request', { status: 400 });
  }
  if (parsedUrl.host !== 'app') return new Response('not found', { status: 404 });
  const parsed = parseRequestTarget(`${parsedUrl.pathname}${parsedUrl.search}`);
  if (!parsed.ok) return new Response(parsed.reason, { status: parsed.status });
  const found = resolveStatic(site, parsed.target);
  if (found.status !== 200) return new Response('not found', { status: 404 });
  const body = Readable.toWeb(createReadStream(found.file)) as ReadableStream<Uint8Array>;
  return new Response(body, { status: 200, headers: found.headers });
}
