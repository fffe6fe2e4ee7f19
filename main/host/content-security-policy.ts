/**
 * The renderer's Content-Security-Policy: nothing but the app's own script, styles, audio and the
 * host's socket. No inline script or style, no frames, no forms, no base URL changes.
 * `connect` is the WebSocket origin in browser mode ('none' under Electron, which uses a MessagePort).
 */
export function contentSecurityPolicy(connect: string | null): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
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
