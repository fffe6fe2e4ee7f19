import { randomBytes, timingSafeEqual } from 'node:crypto';

/** A random token made once per launch: the browser page and its WebSocket must both present it. */
export function newLaunchToken(): string {
  return randomBytes(24).toString('base64url');
}

/** Constant-time comparison of a presented token against the launch token. */
export function tokenMatches(expected: string, presented: string | null | undefined): boolean {
  if (typeof presented !== 'string') return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(presented);
  return a.length === b.length && timingSafeEqual(a, b);
}
