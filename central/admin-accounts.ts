import { createHash, randomBytes } from 'node:crypto';
import { hashTechnicianPin, verifyTechnicianPinHash } from '../main/store/technician-credentials.js';
import { auditAdminAction } from './admin-audit.js';
import type { CentralDatabase } from './db/central-database.js';

/** After this many wrong passwords in a row an account is locked for LOCK_MINUTES. */
export const MAX_FAILED_SIGN_INS = 5;
export const LOCK_MINUTES = 15;
export const SESSION_HOURS = 8;
const MIN_PASSWORD = 12;
const USER = /^[a-z][a-z0-9._-]{1,31}$/;

/** Computed once so an unknown user costs the same scrypt time as a known one. */
let dummyHash: string | undefined;

export type SignInResult = { ok: true; sessionToken: string; expiresAt: Date } | { ok: false; reason: 'bad-credentials' | 'locked'; lockedUntil?: Date };

/**
 * Named admin accounts: passwords as scrypt hashes (the same slow hash as the kiosk's technician
 * PIN), lock-out after repeated failures, sessions as random tokens stored hashed in the database
 * (any central instance can check them). Every sign-in, failure and lock-out is audited.
 */
export class AdminAccounts {
  constructor(private readonly db: CentralDatabase) {}

  async add(username: string, password: string, actor: string): Promise<void> {
    if (!USER.test(username)) throw new Error(`user name "${username}" is not valid: 2–32 lower-case letters, digits, ".", "_" or "-", starting with a letter`);
    if (password.length < MIN_PASSWORD) throw new Error(`the password needs at least ${MIN_PASSWORD} characters`);
    await this.db.transaction(async (tx) => {
      const rows = await tx.query('INSERT INTO admins (username, password_hash) VALUES ($1, $2) ON CONFLICT (username) DO NOTHING RETURNING username', [username, hashTechnicianPin(password)]);
      if (rows.length === 0) throw new Error(`an admin named "${username}" already exists`);
      await auditAdminAction(tx, actor, 'admin.add', { username });
    });
  }

  async signIn(username: string, password: string, from: string): Promise<SignInResult> {
    const [row] = await this.db.query<{ password_hash: string; failed_attempts: number; locked_until: Date | null }>(
      'SELECT password_hash, failed_attempts, locked_until FROM admins WHERE username = $1',
      [username],
    );
    const now = new Date();
    if (row?.locked_until && new Date(row.locked_until) > now) {
      await auditAdminAction(this.db, username, 'admin.signin.locked', { from });
      return { ok: false, reason: 'locked', lockedUntil: new Date(row.locked_until) };
    }
    dummyHash ??= hashTechnicianPin(randomBytes(16).toString('hex'));
    const good = verifyTechnicianPinHash(password, row?.password_hash ?? dummyHash) && row !== undefined;
    if (!good) {
      if (row) {
        const failures = row.failed_attempts + 1;
        const lockedUntil = failures >= MAX_FAILED_SIGN_INS ? new Date(now.getTime() + LOCK_MINUTES * 60_000) : null;
        await this.db.query('UPDATE admins SET failed_attempts = $2, locked_until = $3 WHERE username = $1', [username, lockedUntil ? 0 : failures, lockedUntil]);
        await auditAdminAction(this.db, username, lockedUntil ? 'admin.locked' : 'admin.signin.failed', { from, failures });
      } else {
        await auditAdminAction(this.db, 'unknown', 'admin.signin.failed', { from, unknownUser: true });
      }
      return { ok: false, reason: 'bad-credentials' };
    }
    const sessionToken = randomBytes(32).toString('base64url');
    const expiresAt = new Date(now.getTime() + SESSION_HOURS * 3_600_000);
    await this.db.transaction(async (tx) => {
      await tx.query('UPDATE admins SET failed_attempts = 0, locked_until = NULL WHERE username = $1', [username]);
      await tx.query('DELETE FROM admin_sessions WHERE expires_at < now()');
      await tx.query('INSERT INTO admin_sessions (token_hash, username, expires_at) VALUES ($1, $2, $3)', [sessionHash(sessionToken), username, expiresAt]);
      await auditAdminAction(tx, username, 'admin.signin', { from });
    });
    return { ok: true, sessionToken, expiresAt };
  }

  /** The admin a session token belongs to, or null (unknown or expired). */
  async session(token: string | undefined): Promise<string | null> {
    if (!token || !/^[A-Za-z0-9_-]{43}$/.test(token)) return null;
    const [row] = await this.db.query<{ username: string }>('SELECT username FROM admin_sessions WHERE token_hash = $1 AND expires_at > now()', [sessionHash(token)]);
    return row?.username ?? null;
  }

  async signOut(token: string, username: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.query('DELETE FROM admin_sessions WHERE token_hash = $1', [sessionHash(token)]);
      await auditAdminAction(tx, username, 'admin.signout');
    });
  }
}

function sessionHash(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}
