import { net, protocol } from 'electron';
import { join, normalize, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { contentSecurityPolicy, rendererScriptHashes } from '../host/content-security-policy.js';
import { APP_SCHEME } from './channels.js';

/**
 * Must run before `app.ready`: the scheme behaves like https (secure, standard origin); `stream`
 * lets <audio> play the voice prompts from it (media needs a streamable scheme).
 */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, stream: true } }]);
}

/**
 * Serves the built renderer at kiosk://app/ (Electron checklist item 18: no file://), only files
 * inside the renderer folder, each with the strict CSP header.
 */
export function serveRenderer(rendererDir: string): void {
  const csp = contentSecurityPolicy(null, rendererScriptHashes(rendererDir));
  protocol.handle(APP_SCHEME, async (request) => {
    const url = new URL(request.url);
    if (url.host !== 'app') return new Response('not found', { status: 404 });
    const pathname = decodeURIComponent(url.pathname === '/' ? '/index.html' : url.pathname);
    const file = normalize(join(rendererDir, pathname));
    if (!file.startsWith(rendererDir + sep)) return new Response('not found', { status: 404 });
    const upstream = await net.fetch(pathToFileURL(file).toString());
    const headers = new Headers(upstream.headers);
    headers.set('content-security-policy', csp);
    headers.set('x-content-type-options', 'nosniff');
    return new Response(upstream.body, { status: upstream.status, headers });
  });
}
