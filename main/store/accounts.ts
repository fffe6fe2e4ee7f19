import type { AuditLog } from './audit-log.js';
import type { SqliteDatabase } from './database.js';
import { newRecordId } from './record-id.js';
import { hashPin, verifyTechnicianPinHash } from './technician-credentials.js';

export type Role = 'staff' | 'technician';
export const ROLES: readonly Role[] = ['staff', 'technician'];

/** A console account as the rest of the kiosk sees it (never the hash). */
export interface Account {
  id: string;
  name: string;
  role: Role;
  createdAt: string;
  createdBy: string;
  pinChangedAt: string;
  disabled: boolean;
}

export type AttemptKind = 'failure' | 'success' | 'unlock';

/** Account names: what staff type or pick; shown on the PIN pad, so no ID numbers or phone numbers. */
export const ACCOUNT_NAME_PATTERN = /^[\p{L}\p{N}][\p{L}\p{N} ._-]{0,31}$/u;

/** The audit actor of an account: `technician:li.wei`. */
export const actorOf = (a: Pick<Account, 'role' | 'name'>): string => `${a.role}:${a.name}`;

interface AccountRow {
  id: string;
  name: string;
  role: Role;
  pin_hash: string;
  created_at: string;
  created_by: string;
  pin_changed_at: string;
  disabled_at: string | null;
}

/**
 * A hash of a PIN nobody has, checked when the name is no account, so a wrong name costs the same
 * time as a wrong PIN (the answer never tells which one was wrong).
 */
let decoyHash: string | null = null;
const decoy = () => (decoyHash ??= hashPin('846203'));

/**
 * Console accounts (roles staff and technician), their sign-in attempts and sessions. Every change is
 * in the audit log, in the same transaction. The lock-out policy itself lives in
 * main/console/sign-in-throttle.ts; this module only keeps the facts it needs.
 */
export class Accounts {
  constructor(
    private readonly db: SqliteDatabase,
    private readonly audit: AuditLog,
    private readonly now: () => Date = () => new Date(),
  ) {}

  list(): Account[] {
    return (this.db.prepare('SELECT * FROM accounts ORDER BY role, name').all() as AccountRow[]).map(toAccount);
  }

  byName(name: string): Account | null {
    const row = this.db.prepare('SELECT * FROM accounts WHERE name = ?').get(name.trim()) as AccountRow | undefined;
    return row ? toAccount(row) : null;
  }

  get(id: string): Account | null {
    const row = this.db.prepare('SELECT * FROM accounts WHERE id = ?').get(id) as AccountRow | undefined;
    return row ? toAccount(row) : null;
  }

  /** True when at least one enabled technician account exists. */
  hasTechnician(): boolean {
    return this.db.prepare("SELECT 1 FROM accounts WHERE role = 'technician' AND disabled_at IS NULL").get() !== undefined;
  }

  /**
   * Creates an account, or sets a new PIN for an existing one of the same role (e.g. a forgotten PIN
   * reset by a technician or from the CLI). A different role for an existing name is refused.
   */
  setPin(input: { name: string; role: Role; pin: string }, actor: string): { account: Account; created: boolean } {
    const name = input.name.trim();
    if (!ACCOUNT_NAME_PATTERN.test(name)) throw new Error(`account name "${name}" is not allowed: 1–32 letters, digits, space, ".", "_" or "-", starting with a letter or digit`);
    const hash = hashPin(input.pin);
    const at = this.now().toISOString();
    return this.db.transaction(() => {
      const existing = this.db.prepare('SELECT * FROM accounts WHERE name = ?').get(name) as AccountRow | undefined;
      if (existing && existing.role !== input.role) {
        throw new Error(`account "${existing.name}" is a ${existing.role} account; choose another name for a ${input.role}`);
      }
      if (existing) {
        this.db.prepare('UPDATE accounts SET pin_hash = ?, pin_changed_at = ?, disabled_at = NULL WHERE id = ?').run(hash, at, existing.id);
        this.audit.append(actor, 'account.pin-changed', { account: existing.name, role: existing.role });
        return { account: toAccount({ ...existing, pin_hash: hash, pin_changed_at: at, disabled_at: null }), created: false };
      }
      const row: AccountRow = { id: newRecordId(), name, role: input.role, pin_hash: hash, created_at: at, created_by: actor, pin_changed_at: at, disabled_at: null };
      this.db
        .prepare('INSERT INTO accounts (id, name, role, pin_hash, created_at, created_by, pin_changed_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
        .run(row.id, row.name, row.role, row.pin_hash, row.created_at, row.created_by, row.pin_changed_at);
      this.audit.append(actor, 'account.created', { account: name, role: input.role });
      return { account: toAccount(row), created: true };
    }).immediate();
  }

  disable(id: string, actor: string): void {
    this.db.transaction(() => {
      const row = this.db.prepare('SELECT * FROM accounts WHERE id = ?').get(id) as AccountRow | undefined;
      if (!row) throw new Error(`no account ${id}`);
      this.db.prepare('UPDATE accounts SET disabled_at = ? WHERE id = ?').run(this.now().toISOString(), id);
      this.audit.append(actor, 'account.disabled', { account: row.name, role: row.role });
    }).immediate();
  }

  /**
   * Checks a PIN (scrypt, ~50 ms, constant in the name: an unknown name checks a decoy hash).
   * Returns the account when name and PIN match an enabled account; records nothing (the caller does).
   */
  verifyPin(name: string, pin: string): Account | null {
    const row = this.db.prepare('SELECT * FROM accounts WHERE name = ?').get(name.trim()) as AccountRow | undefined;
    const ok = verifyTechnicianPinHash(pin, row?.pin_hash ?? decoy());
    return row && ok && row.disabled_at === null ? toAccount(row) : null;
  }

  /** Any enabled technician account with this PIN (used where only the PIN is typed, e.g. an unmasked export). */
  verifyAnyTechnicianPin(pin: string): Account | null {
    const rows = this.db.prepare("SELECT * FROM accounts WHERE role = 'technician' AND disabled_at IS NULL").all() as AccountRow[];
    for (const row of rows) if (verifyTechnicianPinHash(pin, row.pin_hash)) return toAccount(row);
    return null;
  }

  // ---- sign-in attempts (facts for the throttle) ---------------------------------------------

  recordAttempt(accountId: string | null, kind: AttemptKind, origin: string, atMs: number): void {
    this.db.prepare('INSERT INTO sign_in_attempts (account_id, at_ms, kind, origin) VALUES (?, ?, ?, ?)').run(accountId, atMs, kind, origin);
  }

  /** Failures of this account (null: unknown names) since its last success or unlock, and the time of the last one. */
  consecutiveFailures(accountId: string | null): { count: number; lastAtMs: number | null } {
    const where = accountId === null ? 'account_id IS NULL' : 'account_id = @id';
    const row = this.db
      .prepare(
        `SELECT COUNT(*) AS n, MAX(at_ms) AS last FROM sign_in_attempts
          WHERE ${where} AND kind = 'failure'
            AND id > COALESCE((SELECT MAX(id) FROM sign_in_attempts WHERE ${where} AND kind != 'failure'), 0)`,
      )
      .get(accountId === null ? {} : { id: accountId }) as { n: number; last: number | null };
    return { count: row.n, lastAtMs: row.last };
  }

  /** Failures of every account (and unknown names) at or after `sinceMs`, oldest first (their times). */
  failuresSince(sinceMs: number): number[] {
    return this.db.prepare("SELECT at_ms FROM sign_in_attempts WHERE kind = 'failure' AND at_ms >= ? ORDER BY at_ms").pluck().all(sinceMs) as number[];
  }

  // ---- sessions ------------------------------------------------------------------------------

  startSession(account: Account, origin: string): string {
    const id = newRecordId();
    this.db.transaction(() => {
      this.db.prepare('INSERT INTO console_sessions (id, account_id, origin, started_at) VALUES (?, ?, ?, ?)').run(id, account.id, origin, this.now().toISOString());
      this.audit.append(actorOf(account), 'console.sign-in', { session: id, origin });
    }).immediate();
    return id;
  }

  endSession(sessionId: string, reason: string): void {
    this.db.transaction(() => {
      const row = this.db
        .prepare('SELECT s.id, a.name, a.role FROM console_sessions s JOIN accounts a ON a.id = s.account_id WHERE s.id = ? AND s.ended_at IS NULL')
        .get(sessionId) as { id: string; name: string; role: Role } | undefined;
      if (!row) return;
      this.db.prepare('UPDATE console_sessions SET ended_at = ?, end_reason = ? WHERE id = ?').run(this.now().toISOString(), reason, sessionId);
      this.audit.append(actorOf(row), 'console.sign-out', { session: sessionId, reason });
    }).immediate();
  }

  /** Sessions left open by a host that stopped (crash, power cut): closed, with that reason. */
  endOpenSessions(reason: string): number {
    return this.db.prepare('UPDATE console_sessions SET ended_at = ?, end_reason = ? WHERE ended_at IS NULL').run(this.now().toISOString(), reason).changes;
  }
}

function toAccount(r: AccountRow): Account {
  return { id: r.id, name: r.name, role: r.role, createdAt: r.created_at, createdBy: r.created_by, pinChangedAt: r.pin_changed_at, disabled: r.disabled_at !== null };
}
