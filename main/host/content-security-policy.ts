import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The renderer's Content-Security-Policy: only the exact built app.js (by its SRI hash, written by
 * scripts/build.mjs), the app's own styles and audio, and the host's socket. No inline script or
 * style, no eval, no frames, no forms, no base URL changes.
 * `connect` is the WebSocket origin in browser mode ('none' under Electron, which uses a MessagePort).
 */
export function contentSecurityPolicy(connect: string | null, scriptHashes: readonly string[]): string {
  return [
    "default-src 'none'",
    `script-src ${scriptHashes.length ? scriptHashes.map((h) => `'${h}'`).join(' ') : "'none'"}`,
    "style-src 'self'",
    "img-src 'self' data:",
    "media-src 'self'",
    "font-src 'self'",
    `connect-src ${connect ?? "'none'"}`,
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
    "object-src 'none'",
  ].join('; ');
}

/** The script hashes recorded by the build in `<rendererDir>/integrity.json`. */
export function rendererScriptHashes(rendererDir: string): string[] {
  try {
    const parsed = JSON.parse(readFileSync(join(rendererDir, 'integrity.json'), 'utf8')) as Record<string, unknown>;
    return Object.values(parsed).filter((v): v is string => typeof v === 'string' && /^sha(256|384|512)-[A-Za-z0-9+/=]+$/.test(v));
  } catch {
    return [];
  }
}
