import type { ScreeningRecord } from '../engine/screening-record.js';
import type { AuditLog } from './audit-log.js';
import type { Dispositions } from './dispositions.js';
import { birthYearOf } from './id-card-codec.js';
import { maskAddress, maskIdNumber, maskName } from './masking.js';
import type { ScreeningStore, StoredScreening } from './screening-store.js';

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
  /**
   * `ok`, or what is wrong with the stored record: `altered` (its row no longer matches its keyed
   * seal: changed outside the kiosk software), `unsealed`, `unreadable:<column>` (a damaged value;
   * the fields that depend on it are left empty).
   */
  integrity: string;
}

export const EXPORT_COLUMNS: ReadonlyArray<keyof ExportRow> = ['id', 'finishedAt', 'checkpointId', 'deviceId', 'outcome', 'decision', 'colour', 'fever', 'temperatureC', 'reasons', 'cardType', 'name', 'idNumber', 'address', 'birthYear', 'sex', 'dispositions', 'integrity'];

/** What an export wrote, and which records it could not vouch for. */
export interface ExportResult {
  count: number;
  /** Records with a value that could not be read (exported with those fields empty). */
  damaged: string[];
  /** Records whose row does not match its seal (exported, flagged). */
  altered: string[];
}

/** Record ids named in the audit entry of a partial export (the count says how many in all). */
const MAX_IDS_AUDITED = 20;

/**
 * Exports screenings in a range as CSV or JSON lines. Masked by default (`330784********1234`,
 * `张*`); unmasked only when the technician PIN checks against its scrypt hash. Every export, and
 * every refused unmasked export, is written to the audit log (range, format, masking, count: no
 * personal data).
 *
 * Nothing stops an export half-way: a record with a damaged value is exported with what can be read
 * and flagged `unreadable:<column>`; a record whose row no longer matches its keyed seal is flagged
 * `altered`. Both are listed (by id) in the result and in the audit entry.
 */
export function exportScreenings(
  deps: { screenings: ScreeningStore; dispositions: Dispositions; technicianPin: { isSet(): boolean; verify(pin: string): boolean }; audit: AuditLog },
  options: ExportOptions,
  write: (chunk: string) => void,
): ExportResult {
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
  const result: ExportResult = { count: 0, damaged: [], altered: [] };
  for (const stored of deps.screenings.readBetween(options.from.getTime(), options.to.getTime())) {
    let actions: string[] = [];
    const integrity = integrityOf(stored);
    try {
      actions = deps.dispositions.forScreening(stored.id).map((d) => d.action);
    } catch {
      integrity.push('unreadable:dispositions');
    }
    if (stored.seal !== 'ok') result.altered.push(stored.id);
    if (integrity.some((i) => i.startsWith('unreadable:'))) result.damaged.push(stored.id);
    const row = stored.record ? toExportRow(stored.record, unmasked, actions) : emptyRow(stored);
    row.integrity = integrity.length === 0 ? 'ok' : integrity.join(';');
    write(options.format === 'csv' ? `${EXPORT_COLUMNS.map((c) => csvCell(row[c])).join(',')}\n` : `${JSON.stringify(row)}\n`);
    result.count++;
  }
  const named = [...new Set([...result.damaged, ...result.altered])];
  deps.audit.append(options.actor, 'export', {
    ...range,
    masked: !unmasked,
    count: result.count,
    ...(named.length > 0 && { partial: true, damaged: result.damaged.length, altered: result.altered.length, recordIds: named.slice(0, MAX_IDS_AUDITED).join(',') }),
  });
  return result;
}

function integrityOf(stored: StoredScreening): string[] {
  const out: string[] = [];
  if (stored.seal !== 'ok') out.push(stored.seal);
  for (const column of stored.unreadable) out.push(`unreadable:${column}`);
  return out;
}

/** A record whose clear columns could not be read either: its id and time, flagged. */
function emptyRow(stored: StoredScreening): ExportRow {
  return { id: stored.id, finishedAt: stored.finishedAt, checkpointId: '', deviceId: '', outcome: '', decision: '', colour: '', fever: false, temperatureC: null, reasons: '', cardType: '', name: '', idNumber: '', address: '', birthYear: null, sex: '', dispositions: '', integrity: '' };
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
    birthYear: card ? birthYearOf(card) : null,
    sex: card?.sex ?? '',
    dispositions: dispositionActions.join(';'),
    integrity: 'ok',
  };
}

/** RFC 4180 quoting, plus a leading apostrophe for cells a spreadsheet would run as a formula. */
function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  let text = String(value);
  if (/^[=+\-@\t\r]/.test(text) && typeof value === 'string') text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
