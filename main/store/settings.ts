import type { AuditLog } from './audit-log.js';
import type { SqliteDatabase } from './database.js';
import { PRIORITY_NORMAL, type Outbox } from './outbox.js';
import type { PendingWrites } from './pending-writes.js';
import { newRecordId } from './record-id.js';
import { hashTechnicianPin, verifyTechnicianPinHash } from './technician-credentials.js';

export interface SettingsChange {
  id: string;
  at: string;
  actor: string;
  key: string;
  oldValue: unknown;
  newValue: unknown;
}

/** Settings whose values never leave the settings table (not in changes, outbox or audit). */
export const TECHNICIAN_PIN_SETTING = 'technician.pinHash';
const REDACTED = '[redacted]';
const isSecret = (key: string) => key === TECHNICIAN_PIN_SETTING;

/**
 * Kiosk settings kept in the database (values JSON). Every change is recorded as a settings change
 * (with its outbox row) and an audit entry, in the same transaction as the change itself.
 */
export class Settings {
  constructor(
    private readonly db: SqliteDatabase,
    private readonly outbox: Outbox,
    private readonly audit: AuditLog,
    private readonly pending: PendingWrites,
    private readonly now: () => Date = () => new Date(),
  ) {}

  get<T = unknown>(key: string): T | undefined {
    const row = this.db.prepare('SELECT value FROM settings WHERE key = ?').get(key) as { value: string } | undefined;
    return row ? (JSON.parse(row.value) as T) : undefined;
  }

  /** All settings except secrets. */
  all(): Record<string, unknown> {
    const rows = this.db.prepare('SELECT key, value FROM settings ORDER BY key').all() as Array<{ key: string; value: string }>;
    return Object.fromEntries(rows.filter((r) => !isSecret(r.key)).map((r) => [r.key, JSON.parse(r.value) as unknown]));
  }

  /**
   * Sets a value. `inEffect` is the value that applied until now when none was stored (e.g. the
   * configuration file's, for a console override): the change records it as the old value.
   */
  async set(key: string, value: unknown, actor: string, inEffect?: unknown): Promise<SettingsChange> {
    if (value === undefined) throw new Error(`setting "${key}": undefined is not a value; store null to clear it`);
    const at = this.now().toISOString();
    const id = newRecordId();
    const old = this.get(key) ?? inEffect;
    const change: SettingsChange = { id, at, actor, key, oldValue: isSecret(key) ? REDACTED : (old ?? null), newValue: isSecret(key) ? REDACTED : value };
    const write = this.db.transaction(() => {
      this.db.prepare('INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at').run(key, JSON.stringify(value), at);
      this.db
        .prepare('INSERT INTO settings_changes (id, at, actor, key, old_value, new_value) VALUES (?, ?, ?, ?, ?, ?)')
        .run(id, at, actor, key, JSON.stringify(change.oldValue), JSON.stringify(change.newValue));
      this.outbox.enqueue('settings-change', id, change, PRIORITY_NORMAL);
      // Old and new values in the audit entry too (secrets redacted), as JSON text, bounded.
      this.audit.append(actor, 'settings.change', { key, old: auditValue(change.oldValue), new: auditValue(change.newValue) });
    });
    this.pending.run(id, () => write.immediate(), { kind: 'settings-change' });
    return change;
  }

  /** Past changes of one setting (or all), oldest first. */
  history(key?: string): SettingsChange[] {
    const rows = (key === undefined ? this.db.prepare('SELECT * FROM settings_changes ORDER BY at, id').all() : this.db.prepare('SELECT * FROM settings_changes WHERE key = ? ORDER BY at, id').all(key)) as Array<{
      id: string;
      at: string;
      actor: string;
      key: string;
      old_value: string | null;
      new_value: string | null;
    }>;
    return rows.map((r) => ({ id: r.id, at: r.at, actor: r.actor, key: r.key, oldValue: r.old_value === null ? null : JSON.parse(r.old_value), newValue: r.new_value === null ? null : JSON.parse(r.new_value) }));
  }

  /** Stores the technician PIN as an scrypt hash (the PIN itself is never stored or logged). */
  async setTechnicianPin(pin: string, actor: string): Promise<void> {
    await this.set(TECHNICIAN_PIN_SETTING, hashTechnicianPin(pin), actor);
  }

  hasTechnicianPin(): boolean {
    return typeof this.get(TECHNICIAN_PIN_SETTING) === 'string';
  }

  verifyTechnicianPin(pin: string): boolean {
    const stored = this.get<string>(TECHNICIAN_PIN_SETTING);
    return typeof stored === 'string' && verifyTechnicianPinHash(pin, stored);
  }
}

/** A setting's value as the audit log keeps it: JSON text, at most 500 characters. */
function auditValue(value: unknown): string {
  const text = JSON.stringify(value ?? null);
  return text.length > 500 ? `${text.slice(0, 497)}...` : text;
}
