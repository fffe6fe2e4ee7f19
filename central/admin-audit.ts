import type { Sql } from './db/central-database.js';

/** Detail of an audit entry: scalars only, never personal data or secrets. */
export type AdminAuditDetail = Record<string, string | number | boolean | null>;

/**
 * Every admin action on central (sign-in and its failures, enrolment, list imports, exports) as one
 * row in `admin_audit`, written in the same transaction as the action when there is one.
 */
export async function auditAdminAction(db: Sql, actor: string, action: string, detail: AdminAuditDetail = {}): Promise<void> {
  await db.query('INSERT INTO admin_audit (actor, action, detail) VALUES ($1, $2, $3::jsonb)', [actor, action, JSON.stringify(detail)]);
}

export interface AdminAuditEntry {
  seq: number;
  at: string;
  actor: string;
  action: string;
  detail: AdminAuditDetail;
}

export async function recentAdminActions(db: Sql, limit = 100): Promise<AdminAuditEntry[]> {
  const rows = await db.query<{ seq: number; at: Date; actor: string; action: string; detail: AdminAuditDetail }>(
    'SELECT seq::int AS seq, at, actor, action, detail FROM admin_audit ORDER BY seq DESC LIMIT $1',
    [limit],
  );
  return rows.map((r) => ({ seq: r.seq, at: new Date(r.at).toISOString(), actor: r.actor, action: r.action, detail: r.detail }));
}
