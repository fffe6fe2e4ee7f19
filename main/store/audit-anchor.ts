/**
 * Anchoring the audit chain outside the kiosk (docs/store-integrity.md).
 *
 * Everything in `kiosk.db` can be rewritten by whoever holds the file: with the keyed chain they
 * cannot forge new entries, but they can still put back an older copy of the database (a rewind:
 * drop the export that revealed them, bring back a deleted record) or keep a copy and append to it
 * elsewhere (a fork). So the kiosk hands its signed head — the store id, the sequence number and
 * the keyed MAC of its latest audit entry — to the central service with each heartbeat, and central
 * keeps the latest one it has seen. Comparing a later state of the kiosk with such an anchor shows:
 *
 * - `rewound`: the chain is shorter than the anchored one;
 * - `diverged`: the entry at the anchored sequence number has another MAC (history was replaced);
 * - `replaced`: the store id differs (a different database was put in place).
 *
 * The MAC at a given sequence number can only be produced with the store key, so a copy of the
 * anchor does not help anyone forge a chain that matches it.
 */
export interface AuditHead {
  /** The store's id (uuid kept in `meta` and beside the database in `kiosk.db.id`). */
  storeId: string;
  /** Sequence number of the latest audit entry (0 for an empty log). */
  seq: number;
  /** Keyed MAC (hex) of that entry: it chains every entry before it. */
  mac: string;
}

export type AnchorCheck =
  | { ok: true; seq: number; appendedSince: number }
  | { ok: false; problem: 'replaced' | 'rewound' | 'diverged'; message: string };

/**
 * Compares the chain as it is now (`current` head, and `macAt` to look up an entry's MAC) with an
 * anchor recorded earlier. Pure: the store, central or a test can call it.
 */
export function compareWithAnchor(anchor: AuditHead, current: AuditHead, macAt: (seq: number) => string | null): AnchorCheck {
  if (anchor.storeId !== current.storeId) {
    return { ok: false, problem: 'replaced', message: `the store was replaced: the anchor is of store ${anchor.storeId}, this is store ${current.storeId}` };
  }
  if (current.seq < anchor.seq) {
    return {
      ok: false,
      problem: 'rewound',
      message: `the audit log was rewound: central saw entry ${anchor.seq}, the log now ends at entry ${current.seq} (an older copy of the database was put back, or entries were removed)`,
    };
  }
  const mac = anchor.seq === current.seq ? current.mac : macAt(anchor.seq);
  if (mac !== anchor.mac) {
    return {
      ok: false,
      problem: 'diverged',
      message: `the audit log diverged from what central saw: entry ${anchor.seq} is ${mac === null ? 'missing' : 'not the one anchored'} (history was replaced)`,
    };
  }
  return { ok: true, seq: current.seq, appendedSince: current.seq - anchor.seq };
}
