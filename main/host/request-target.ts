/**
 * The one parser of request targets for everything the host serves (browser mode's HTTP and
 * WebSocket upgrade handlers, and the Electron `kiosk://` protocol through the static handler).
 *
 * Only the origin form of RFC 9112 §3.2.1 is accepted (`/path?query`), and strictly:
 * - at most MAX_TARGET_LENGTH characters (414 otherwise);
 * - path characters are RFC 3986 `pchar` and `/`; query characters `pchar`, `/` and `?`. Anything
 *   else (a backslash, brackets, spaces, control or non-ASCII characters, a fragment) is refused;
 * - no empty path segment except the root `/` itself (`//`, `///`, `/a//b` are refused);
 * - every `%` is followed by two hex digits and the decoded bytes are UTF-8; a decoded segment may
 *   not be `.` or `..`, nor contain `/`, `\` or a control character.
 *
 * It never throws. The result is the DECODED path: authorisation decisions are made on it, after
 * normalisation, so `/%69ndex.html` is the same page as `/index.html` and needs the same token.
 */

export const MAX_TARGET_LENGTH = 2048;

export interface RequestTarget {
  /** The decoded, normalised path: `/` or `/` + segments joined by `/`. */
  path: string;
  /** The decoded path segments (empty for `/`). */
  segments: readonly string[];
  /** Decoded query parameters, in order (a name may repeat). */
  query: ReadonlyArray<readonly [string, string]>;
}

export type RequestTargetResult = { ok: true; target: RequestTarget } | { ok: false; status: 400 | 414; reason: string };

/** The single value of a query parameter; null when absent or given more than once. */
export function queryValue(target: RequestTarget, name: string): string | null {
  const values = target.query.filter(([k]) => k === name);
  return values.length === 1 ? values[0]![1] : null;
}

// RFC 3986: unreserved / sub-delims / ":" / "@" (pct-encoded handled separately).
const PCHAR = /^[A-Za-z0-9\-._~!$&'()*+,;=:@]$/;
const HEX = /^[0-9A-Fa-f]{2}$/;
const CONTROL = /[\u0000-\u001f\u007f]/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

const refuse = (reason: string): RequestTargetResult => ({ ok: false, status: 400, reason });

export function parseRequestTarget(raw: string | undefined): RequestTargetResult {
  if (typeof raw !== 'string' || raw.length === 0) return refuse('empty request target');
  if (raw.length > MAX_TARGET_LENGTH) return { ok: false, status: 414, reason: `request target longer than ${MAX_TARGET_LENGTH} characters` };
  if (raw[0] !== '/') return refuse('only origin-form request targets ("/path?query") are served');
  const q = raw.indexOf('?');
  const rawPath = q === -1 ? raw : raw.slice(0, q);
  const rawQuery = q === -1 ? '' : raw.slice(q + 1);

  const segments: string[] = [];
  if (rawPath !== '/') {
    const parts = rawPath.slice(1).split('/');
    for (const part of parts) {
      if (part === '') return refuse('empty path segment');
      const bad = firstBadCharacter(part, '');
      if (bad !== null) return refuse(`character ${bad} is not allowed in a path`);
      const decoded = percentDecode(part, false);
      if (decoded === null) return refuse('malformed percent-encoding in the path');
      if (decoded === '.' || decoded === '..') return refuse('dot segments are not allowed');
      if (decoded.includes('/') || decoded.includes('\\') || CONTROL.test(decoded)) return refuse('an encoded separator or control character in a path segment');
      segments.push(decoded);
    }
  }

  const query: Array<[string, string]> = [];
  if (rawQuery !== '') {
    const bad = firstBadCharacter(rawQuery, '/?');
    if (bad !== null) return refuse(`character ${bad} is not allowed in a query`);
    for (const pair of rawQuery.split('&')) {
      if (pair === '') continue;
      const eq = pair.indexOf('=');
      const name = percentDecode(eq === -1 ? pair : pair.slice(0, eq), true);
      const value = percentDecode(eq === -1 ? '' : pair.slice(eq + 1), true);
      if (name === null || value === null) return refuse('malformed percent-encoding in the query');
      query.push([name, value]);
    }
  }
  return { ok: true, target: { path: `/${segments.join('/')}`, segments, query } };
}

/** The first character of `text` that is neither a pchar, `%`, nor one of `extra`; null if none. */
function firstBadCharacter(text: string, extra: string): string | null {
  for (const ch of text) {
    if (ch === '%' || PCHAR.test(ch) || extra.includes(ch)) continue;
    const code = ch.codePointAt(0)!;
    return code >= 0x21 && code <= 0x7e ? `"${ch}"` : `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
  }
  return null;
}

/** Strict percent-decoding to UTF-8; `plusIsSpace` for query components. Null when malformed. */
function percentDecode(text: string, plusIsSpace: boolean): string | null {
  if (!text.includes('%')) return plusIsSpace ? text.replace(/\+/g, ' ') : text;
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '%') {
      const hex = text.slice(i + 1, i + 3);
      if (!HEX.test(hex)) return null;
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else {
      // Only ASCII reaches here (firstBadCharacter refused the rest).
      bytes.push(plusIsSpace && ch === '+' ? 0x20 : ch.charCodeAt(0));
    }
  }
  try {
    return utf8.decode(Uint8Array.from(bytes));
  } catch {
    return null;
  }
}
