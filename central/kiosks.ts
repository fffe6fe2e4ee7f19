import { createHash, randomBytes } from 'node:crypto';
import type { Heartbeat } from './api.js';
import type { AuditHead } from '../main/store/audit-anchor.js';
import { auditAdminAction } from './admin-audit.js';
import { FLAGGED_CHECKS, judgeAuditHead, type AnchorVerdict } from './audit-anchors.js';
import type { CentralDatabase } from './db/central-database.js';
import type { KioskIdentity } from './records.js';

const ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** A kiosk token: 256 random bits, base64url, with a prefix that says what it is. */
export function newKioskToken(): string {
  return `kt_${randomBytes(32).toString('base64url')}`;
}

/** Tokens are stored only as SHA-256 (they carry 256 random bits: no slow hash needed). */
export function kioskTokenHash(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export interface EnrolledKiosk {
  kioskId: string;
  checkpointId: string;
  token: string;
}

/** Enrolment, token checks and heartbeats of the kiosks. */
export class Kiosks {
  constructor(private readonly db: CentralDatabase) {}

  /**
   * Enrols a kiosk at a checkpoint (creating the checkpoint if new) and returns its token, shown this
   * once. Enrolling an enrolled kiosk again replaces its token (the old one stops working at once).
   */
  async enroll(input: { checkpointId: string; kioskId: string; checkpointName?: string; actor: string }): Promise<EnrolledKiosk> {
    if (!ID.test(input.checkpointId)) throw new Error(`checkpoint id "${input.checkpointId}" is not valid: letters, digits, ".", "_" or "-" (1–64 characters)`);
    if (!ID.test(input.kioskId)) throw new Error(`kiosk id "${input.kioskId}" is not valid: letters, digits, ".", "_" or "-" (1–64 characters)`);
    const token = newKioskToken();
    await this.db.transaction(async (tx) => {
      await tx.query('INSERT INTO checkpoints (id, name) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET name = COALESCE(EXCLUDED.name, checkpoints.name)', [input.checkpointId, input.checkpointName ?? null]);
      const [existing] = await tx.query<{ checkpoint_id: string }>('SELECT checkpoint_id FROM kiosks WHERE id = $1 FOR UPDATE', [input.kioskId]);
      if (existing && existing.checkpoint_id !== input.checkpointId) {
        throw new Error(`kiosk "${input.kioskId}" is enrolled at checkpoint "${existing.checkpoint_id}"; its records stay filed there. Enrol the device under a new kiosk id for "${input.checkpointId}"`);
      }
      await tx.query(
        `INSERT INTO kiosks (id, checkpoint_id, token_hash) VALUES ($1, $2, $3)
         ON CONFLICT (id) DO UPDATE SET token_hash = EXCLUDED.token_hash, enrolled_at = now(), first_contact_at = NULL`,
        [input.kioskId, input.checkpointId, kioskTokenHash(token)],
      );
      await auditAdminAction(tx, input.actor, existing ? 'kiosk.reenroll' : 'kiosk.enroll', { kioskId: input.kioskId, checkpointId: input.checkpointId });
    });
    return { kioskId: input.kioskId, checkpointId: input.checkpointId, token };
  }

  /** The kiosk a bearer token belongs to, or null. */
  async authenticate(token: string): Promise<KioskIdentity | null> {
    if (!/^kt_[A-Za-z0-9_-]{43}$/.test(token)) return null;
    const [row] = await this.db.query<{ id: string; checkpoint_id: string }>('SELECT id, checkpoint_id FROM kiosks WHERE token_hash = $1', [kioskTokenHash(token)]);
    return row ? { kioskId: row.id, checkpointId: row.checkpoint_id } : null;
  }

  async firstContact(kioskId: string): Promise<void> {
    await this.db.query('UPDATE kiosks SET first_contact_at = COALESCE(first_contact_at, now()), last_seen_at = now() WHERE id = $1', [kioskId]);
  }

  /**
   * Records a heartbeat and checks its audit head against the anchor held (audit-anchors.ts), in one
   * transaction. A rewound, diverged or replaced chain is kept in `audit_anchor_alerts` (the dashboard
   * shows it) and in central's audit log.
   */
  async heartbeat(kioskId: string, hb: Heartbeat): Promise<AnchorVerdict> {
    return this.db.transaction(async (tx) => {
      const [row] = await tx.query<{ audit_head: AuditHead | null }>('SELECT audit_head FROM kiosks WHERE id = $1 FOR UPDATE', [kioskId]);
      const held = row?.audit_head ?? null;
      const verdict = judgeAuditHead(held, hb.auditHead, hb.auditLink);
      await tx.query('UPDATE kiosks SET last_seen_at = now(), heartbeat = $2::jsonb, audit_head = $3::jsonb WHERE id = $1', [
        kioskId,
        JSON.stringify(hb),
        verdict.anchor ? JSON.stringify(verdict.anchor) : null,
      ]);
      if (FLAGGED_CHECKS.has(verdict.check) && held && hb.auditHead) {
        await tx.query('INSERT INTO audit_anchor_alerts (kiosk_id, problem, message, anchor, head) VALUES ($1, $2, $3, $4::jsonb, $5::jsonb)', [
          kioskId,
          verdict.check,
          verdict.message ?? verdict.check,
          JSON.stringify(held),
          JSON.stringify(hb.auditHead),
        ]);
        await auditAdminAction(tx, `kiosk:${kioskId}`, 'kiosk.audit-anchor-broken', {
          kioskId,
          problem: verdict.check,
          anchorStore: held.storeId,
          anchorSeq: held.seq,
          headStore: hb.auditHead.storeId,
          headSeq: hb.auditHead.seq,
        });
      }
      return verdict;
    });
  }
}
