import type { ShownResult } from './ui-observer.js';

/** One screening as central's admin export lists it (central/export.ts): the kiosk's record id is its key. */
export interface CentralRow {
  id: string;
  decision: 'PASS' | 'HOLD' | null;
  /** The reason codes, space-separated. */
  reasons: string;
}

export interface CentralComparison {
  /** Shown on the kiosk, not on central. */
  missing: string[];
  /** On central more than once. */
  repeated: string[];
  /** On central with another decision or other reasons than the kiosk showed. */
  differ: string[];
  /** Stored on the kiosk (shown or not: abandoned, decided just before a kill), not on central. */
  storedNotOnCentral: string[];
  /** On central, never stored on the kiosk. */
  unknownOnCentral: string[];
  holdsShown: number;
  /** Holds shown that are on central exactly once, as holds. */
  holdsOnCentral: number;
}

/**
 * The end-to-end check of the uplink in the soak: every screening the kiosk showed is on central
 * exactly once and as shown, every screening it stored reached central, and central holds nothing
 * else from this kiosk.
 */
export function compareWithCentral(shown: ReadonlyMap<string, ShownResult>, storedIds: ReadonlySet<string>, central: readonly CentralRow[]): CentralComparison {
  const byId = new Map<string, CentralRow[]>();
  for (const r of central) byId.set(r.id, [...(byId.get(r.id) ?? []), r]);
  const out: CentralComparison = { missing: [], repeated: [], differ: [], storedNotOnCentral: [], unknownOnCentral: [], holdsShown: 0, holdsOnCentral: 0 };
  for (const [id, rows] of byId) {
    if (rows.length > 1) out.repeated.push(id);
    if (!storedIds.has(id)) out.unknownOnCentral.push(id);
  }
  for (const s of shown.values()) {
    if (s.decision === 'HOLD') out.holdsShown += 1;
    const rows = byId.get(s.id);
    if (!rows) {
      out.missing.push(s.id);
      continue;
    }
    const r = rows[0]!;
    if (r.decision !== s.decision || r.reasons !== s.reasons.join(' ')) out.differ.push(`${s.id}: shown ${s.decision} ${s.reasons.join(',')}, on central ${r.decision} ${r.reasons.replaceAll(' ', ',')}`);
    else if (s.decision === 'HOLD' && rows.length === 1) out.holdsOnCentral += 1;
  }
  for (const id of storedIds) if (!byId.has(id)) out.storedNotOnCentral.push(id);
  return out;
}
