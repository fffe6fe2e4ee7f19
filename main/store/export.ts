import type { ScreeningRecord } from '../engine/screening-record.js';
import type { AuditLog } from './audit-log.js';
import type { Dispositions } from './dispositions.js';
import { maskAddress, maskIdNumber, maskName } from './masking.js';
import type { ScreeningStore } from './screening-store.js';

export type ExportFormat = 'csv' | 'jsonl';

export interface ExportOptions {
  /** Start (inclusive) and end (exclusive) of the export, on finishedAt. */
  from: Date;
  to: Date;
  format: ExportFormat;
  /** Full names, ID numbers and addresses: only with a valid technician PIN. */
  unmasked?: boolean;
  technicianPin?: string;
  /** Who asked (for the audit entry): a staff or technician id, or 'cli'. */
  actor: string;
}

export class ExportNotAuthorisedError extends Error {
  readonly code = 'KIOSK_EXPORT_NOT_AUTHORISED' as const;
  constructor(message: string) {
    super(message);
    this.name = 'ExportNotAuthorisedError';
  }
}

/** One exported row. The photo is never exported. */
export interface ExportRow {
  id: string;
  finishedAt: string;
  checkpointId: string;
  deviceId: string;
  outcome: string;
  decision: string;
  colour: string;
  fever: boolean;
  temperatureC: number | null;
  reasons: string;
  cardType: string;
  name: string;
  idNumber: string;
  address: string;
  birthYear: number | null;
  sex: string;
  /** Staff dispositions of this screening, as actions in order (notes are never exported). */
  dispositions: string;
}

export const EXPORT_COLUMNS: ReadonlyArray<keyof ExportRow> = ['id', 'finishedAt', 'checkpointId', 'deviceId', 'outcome', 'decision', 'colour', 'fever', 'temperatureC', 'reasons', 'cardType', 'name', 'idNumber', 'address', 'birthYear', 'sex', 'dispositions'];

/**
 * Exports screenings in a range as CSV or JSON lines. Masked by default (`330784********1234`,
 * `张*`); unmasked only when the technician PIN checks against its scrypt hash. Every export, and
 * every refused unmasked export, is written to the audit log (range, format, masking, count: no
 * personal data).
 */
export function exportScreenings(
  deps: { screenings: ScreeningStore; dispositions: Dispositions; technicianPin: { isSet(): boolean; verify(pin: string): boolean }; audit: AuditLog },
  options: ExportOptions,
  write: (chunk: string) => void,
): { count: number } {
  const range = { from: options.from.toISOString(), to: options.to.toISOString(), format: options.format };
  if (!(options.to.getTime() > options.from.getTime())) throw new Error(`the export range is empty: ${range.from} is not before ${range.to}`);
  const unmasked = options.unmasked === true;
  if (unmasked) {
    if (!deps.technicianPin.isSet()) {
      deps.audit.append(options.actor, 'export.refused', { ...range, reason: 'no-technician-pin' });
      throw new ExportNotAuthorisedError('an unmasked export needs a technician PIN, and none is set on this kiosk; create a technician account with `kiosk pin set --role technician --name NAME`');
    }
    if (!options.technicianPin || !deps.technicianPin.verify(options.technicianPin)) {
      deps.audit.append(options.actor, 'export.refused', { ...range, reason: 'wrong-technician-pin' });
      throw new ExportNotAuthorisedError('the technician PIN is wrong; an unmasked export was refused (and recorded in the audit log)');
    }
  }
  if (options.format === 'csv') write(`${EXPORT_COLUMNS.join(',')}\n`);
  let count = 0;
  for (const record of deps.screenings.between(options.from.getTime(), options.to.getTime())) {
    const row = toExportRow(record, unmasked, deps.dispositions.forScreening(record.id).map((d) => d.action));
    write(options.format === 'csv' ? `${EXPORT_COLUMNS.map((c) => csvCell(row[c])).join(',')}\n` : `${JSON.stringify(row)}\n`);
    count++;
  }
  deps.audit.append(options.actor, 'export', { ...range, masked: !unmasked, count });
  return { count };
}

export function toExportRow(r: ScreeningRecord, unmasked: boolean, dispositionActions: readonly string[] = []): ExportRow {
  const card = r.card;
  const address = card && 'address' in card ? card.address : '';
  const last = r.temperatures[r.temperatures.length - 1];
  return {
    id: r.id,
    finishedAt: r.finishedAt,
    checkpointId: r.checkpointId,
    deviceId: r.deviceId,
    outcome: r.outcome,
    decision: r.decision ?? '',
    colour: r.colour ?? '',
    fever: r.fever,
    temperatureC: last ? last.estimateC : null,
    reasons: r.reasons.map((x) => x.code).join(';'),
    cardType: card?.type ?? '',
    name: card ? (unmasked ? card.name : maskName(card.name)) : '',
    idNumber: card ? (unmasked ? card.idNumber : maskIdNumber(card.idNumber)) : '',
    address: address ? (unmasked ? address : maskAddress(address)) : '',
    birthYear: card ? Number(card.birthDate.slice(0, 4)) || null : null,
    sex: card?.sex ?? '',
    dispositions: dispositionActions.join(';'),
  };
}

/** RFC 4180 quoting, plus a leading apostrophe for cells a spreadsheet would run as a formula. */
function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  let text = String(value);
  if (/^[=+\-@\t\r]/.test(text) && typeof value === 'string') text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
