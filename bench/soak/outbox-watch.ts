import { openDatabase, type SqliteDatabase } from '../../main/store/database.js';
import { Outbox, type OutboxBacklog } from '../../main/store/outbox.js';
import type { PersonalDataCipher } from '../../main/store/personal-data-cipher.js';

/**
 * The kiosk's upload queue seen from outside the host, beside it (SQLite's WAL lets a reader in),
 * as `kiosk doctor` sees it (main/store/store-inspection.ts): one read-only connection, opened once
 * (its integrity check is not repeated at every look), and the outbox's own query (Outbox.backlog).
 * It survives the host's kills: the file stays, the reader sees each new host's commits.
 */
export class OutboxWatch {
  private db: SqliteDatabase | null = null;
  private outbox: Outbox | null = null;

  constructor(private readonly file: string) {}

  /** Pending, sent and dead rows, and when the oldest pending row was queued. */
  backlog(): OutboxBacklog {
    if (!this.outbox) {
      this.db = openDatabase(this.file, { readonly: true, integrityCheck: 'quick' });
      // Outbox.backlog reads statuses and times only: no payload is decrypted, so no cipher is needed.
      this.outbox = new Outbox(this.db, null as unknown as PersonalDataCipher);
    }
    return this.outbox.backlog();
  }

  close(): void {
    this.db?.close();
    this.db = null;
    this.outbox = null;
  }
}
