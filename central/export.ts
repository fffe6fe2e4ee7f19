import { auditAdminAction } from './admin-audit.js';
import type { CentralDatabase } from './db/central-database.js';

export type CentralExportFormat = 'csv' | 'jsonl';

const FIELDS = ['id', 'checkpointId', 'kioskId', 'finishedAt', 'receivedAt', 'outcome', 'decision', 'fever', 'colour', 'estimateC', 'reasons', 'idNumber', 'name'] as const;

/**
 * Received screenings finished in [from, to), masked (110105********002X, 张*): the plaintext card
 * stays encrypted. Written in pages of 1000 rows; audited as one admin action.
 */
export async function exportScreenings(
  db: CentralDatabase,
  opts: { from: Date; to: Date; format: CentralExportFormat; actor: string },
  write: (chunk: string) => void,
): Promise<{ count: number }> {
  if (opts.format === 'csv') write(`${FIELDS.join(',')}\n`);
  let count = 0;
  let after = '00000000-0000-0000-0000-000000000000';
  for (;;) {
    const rows = await db.query<{ id: string; checkpoint_id: string; kiosk_id: string; occurred_at: Date; received_at: Date; outcome: string; decision: string | null; fever: boolean; colour: string | null; body: { reasons?: Array<{ code: string }>; temperatures?: Array<{ estimateC?: number }> }; id_masked: string | null; name_masked: string | null }>(
      `SELECT id::text AS id, checkpoint_id, kiosk_id, occurred_at, received_at, outcome, decision, fever, colour, body, id_masked, name_masked
         FROM records WHERE kind = 'screening' AND occurred_at >= $1 AND occurred_at < $2 AND id > $3::uuid ORDER BY id LIMIT 1000`,
      [opts.from.toISOString(), opts.to.toISOString(), after],
    );
    if (rows.length === 0) break;
    for (const r of rows) {
      const row = {
        id: r.id,
        checkpointId: r.checkpoint_id,
        kioskId: r.kiosk_id,
        finishedAt: new Date(r.occurred_at).toISOString(),
        receivedAt: new Date(r.received_at).toISOString(),
        outcome: r.outcome,
        decision: r.decision,
        fever: r.fever,
        colour: r.colour,
        estimateC: r.body.temperatures?.at(-1)?.estimateC ?? null,
        reasons: (r.body.reasons ?? []).map((x) => x.code).join(' '),
        idNumber: r.id_masked,
        name: r.name_masked,
      };
      write(opts.format === 'jsonl' ? `${JSON.stringify(row)}\n` : `${FIELDS.map((f) => csvCell(row[f])).join(',')}\n`);
      count++;
    }
    after = rows[rows.length - 1]!.id;
  }
  await auditAdminAction(db, opts.actor, 'export', { from: opts.from.toISOString(), to: opts.to.toISOString(), format: opts.format, count });
  return { count };
}

function csvCell(v: unknown): string {
  const s = v === null || v === undefined ? '' : String(v);
  // A leading =, +, - or @ would be a formula in a spreadsheet: quote it with an apostrophe.
  const safe = /^[=+\-@]/.test(s) && !/^-?\d/.test(s) ? `'${s}` : s;
  return /[",\n\r]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}
