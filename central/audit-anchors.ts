import { compareWithAnchor, type AuditHead } from '../main/store/audit-anchor.js';
import type { AuditCheck, Heartbeat } from './api.js';

/** What central keeps and says after checking a heartbeat's audit head. */
export interface AnchorVerdict {
  check: AuditCheck;
  /** The anchor to hold from now on. */
  anchor: AuditHead | null;
  /** Why the head was flagged (rewound, diverged, replaced). */
  message?: string;
}

/** The checks that are flagged: on the dashboard and in central's audit. */
export const FLAGGED_CHECKS: ReadonlySet<AuditCheck> = new Set<AuditCheck>(['rewound', 'diverged', 'replaced']);

/**
 * Checks a kiosk's new audit head against the anchor central held (docs/store-integrity.md,
 * docs/uplink-protocol.md "Heartbeat"), with the store's own comparison, `compareWithAnchor`
 * (main/store/audit-anchor.ts). Central holds heads, not entries, so for a longer chain the kiosk
 * sends `link`: the keyed MAC of its entry at the anchored sequence number. The MAC can only be made
 * with the kiosk's store key, so a chain that was put back and appended to (a fork) cannot supply the
 * anchored one.
 *
 * - no anchor yet: the head becomes it (`first`);
 * - the same store, a longer chain, no link for the anchored entry yet (the kiosk restarted and
 *   has not heard the anchor): the anchor is kept and the kiosk sends the link next (`unverified`);
 * - otherwise `compareWithAnchor`: `ok` moves the anchor to the new head; `rewound`, `diverged` or
 *   `replaced` is flagged, and the new head becomes the anchor, so the chain is watched from there on
 *   while the flag stays on record.
 */
export function judgeAuditHead(anchor: AuditHead | null, head: AuditHead | null, link: Heartbeat['auditLink']): AnchorVerdict {
  if (head === null) return { check: 'none', anchor };
  if (anchor === null) return { check: 'first', anchor: head };
  const linked = link !== null && link.seq === anchor.seq;
  if (anchor.storeId === head.storeId && head.seq > anchor.seq && !linked) return { check: 'unverified', anchor };
  const result = compareWithAnchor(anchor, head, (seq) => (linked && seq === anchor.seq ? link.mac : null));
  if (result.ok) return { check: 'ok', anchor: head };
  return { check: result.problem, anchor: head, message: result.message };
}
