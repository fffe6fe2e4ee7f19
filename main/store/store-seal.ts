import { createHmac, timingSafeEqual } from 'node:crypto';
import { canonicalJson } from './canonical-json.js';
import { storeKeyDeriver } from './key-derivation.js';

/**
 * Keyed integrity of what the store keeps (docs/store-integrity.md). Two HMAC-SHA256 keys are
 * derived by HKDF from the store's master key, which lives in the key file or the OS keystore and
 * never in the database; so whoever can edit `kiosk.db` cannot recompute a seal:
 *
 * - every screening row carries `mac` = HMAC(recordKey, canonical row): all its columns but `mac`,
 *   NULL columns left out (so a column added later, NULL in old rows, leaves old seals valid);
 *   blobs (ciphertexts, blind index) as hex;
 * - every audit entry carries `mac` = HMAC(auditKey, previous entry's mac ‖ canonical entry): a
 *   keyed chain. The latest (seq, mac) is the signed head sent to central (audit-anchor.ts): a
 *   rewind or a fork of the log is then visible against it.
 */
export class StoreSeal {
  private readonly recordKey: Buffer;
  private readonly auditKey: Buffer;

  constructor(masterKey: Buffer) {
    const derive = storeKeyDeriver(masterKey);
    this.recordKey = derive('checkpoint-kiosk/record-seal/hmac-sha256/v1');
    this.auditKey = derive('checkpoint-kiosk/audit-chain/hmac-sha256/v1');
  }

  /** The seal of one stored row (as read with `SELECT *`), for the named table. */
  rowMac(table: string, row: Readonly<Record<string, unknown>>): Buffer {
    return createHmac('sha256', this.recordKey).update(`${table}\n`, 'utf8').update(canonicalRow(row), 'utf8').digest();
  }

  /** True when `row.mac` is the seal of the rest of the row. */
  rowIsSealed(table: string, row: Readonly<Record<string, unknown>>): boolean {
    const stored = row.mac;
    if (!Buffer.isBuffer(stored)) return false;
    const expected = this.rowMac(table, row);
    return stored.length === expected.length && timingSafeEqual(stored, expected);
  }

  /** The keyed link of an audit entry to the one before (hex). */
  auditMac(prevMac: string, entry: { seq: number; at: string; actor: string; action: string; detail: unknown }): string {
    return createHmac('sha256', this.auditKey)
      .update(`${prevMac}\n`, 'utf8')
      .update(canonicalJson({ seq: entry.seq, at: entry.at, actor: entry.actor, action: entry.action, detail: entry.detail }), 'utf8')
      .digest('hex');
  }
}

/** Column name → value, sorted, without `mac` and without NULLs; blobs as {hex}. */
function canonicalRow(row: Readonly<Record<string, unknown>>): string {
  const out: Record<string, unknown> = {};
  for (const [column, value] of Object.entries(row)) {
    if (column === 'mac' || value === null || value === undefined) continue;
    out[column] = Buffer.isBuffer(value) ? { hex: value.toString('hex') } : typeof value === 'bigint' ? { int: value.toString() } : value;
  }
  return canonicalJson(out);
}
