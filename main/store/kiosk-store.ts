import { EventEmitter } from 'node:events';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Accounts } from './accounts.js';
import { AuditLog } from './audit-log.js';
import { Calibrations } from './calibrations.js';
import { DATABASE_FILE } from './data-dir.js';
import { openDatabase, type SqliteDatabase } from './database.js';
import { DeviceEvents } from './device-events.js';
import { Dispositions } from './dispositions.js';
import { exportScreenings, type ExportOptions } from './export.js';
import { FileKeyProvider, type KeyProvider } from './key-provider.js';
import { migrate } from './migrations.js';
import { ManualRegistrations } from './manual-registrations.js';
import { OpenHolds } from './open-holds.js';
import { Outbox } from './outbox.js';
import { PendingWrites, type DegradedEvent } from './pending-writes.js';
import { PersonalDataCipher } from './personal-data-cipher.js';
import { checkDiskSpace, DEFAULT_DISK_THRESHOLDS, DEFAULT_RETENTION_DAYS, purgeExpired, type DiskSpace, type DiskSpaceThresholds, type PurgeResult } from './retention.js';
import { ScreeningStore } from './screening-store.js';
import { Settings } from './settings.js';
import { SiteModelFits } from './site-model-fits.js';
import { Statistics } from './statistics.js';
import { StoreFullError, WrongKeyError } from './store-errors.js';

export interface KioskStoreOptions {
  dataDir: string;
  /** Default: a FileKeyProvider (0600 key file in dataDir). Inside Electron pass a SafeStorageKeyProvider. */
  keyProvider?: KeyProvider;
  /** Acknowledged records older than this are purged (default 14). */
  retentionDays?: number;
  diskThresholds?: DiskSpaceThresholds;
  /** 'full' (default) or 'quick' integrity check on open. */
  integrityCheck?: 'full' | 'quick';
  /** Run the retention purge and disk check every this many ms (default 1 h; 0 = never, call them yourself). */
  maintenanceIntervalMs?: number;
  /** Backoff of the disk-full retry (ms). */
  diskFullRetry?: { initialMs?: number; maxMs?: number };
  now?: () => Date;
}

export interface KioskStoreEvents {
  /** A write hit a full disk: show HOLD-for-staff until 'recovered'. */
  degraded: [DegradedEvent];
  recovered: [{ committed: number }];
  /** Free space went below a threshold (or back to ok). */
  'disk-space': [DiskSpace];
  /** A pending write failed on retry with something other than a full disk (the record is kept). */
  'retry-error': [unknown];
  /** The periodic maintenance failed (purge or disk check). */
  'maintenance-error': [unknown];
}

const KEY_CHECK = 'key_check';

/**
 * The kiosk's local store for one data directory: one SQLite connection (one writer: the host
 * process), records with their outbox rows, audit log, statistics, retention.
 */
export class KioskStore extends EventEmitter<KioskStoreEvents> {
  readonly records: ScreeningStore;
  readonly outbox: Outbox;
  readonly audit: AuditLog;
  readonly stats: Statistics;
  readonly dispositions: Dispositions;
  readonly calibrations: Calibrations;
  readonly deviceEvents: DeviceEvents;
  readonly settings: Settings;
  readonly accounts: Accounts;
  readonly openHolds: OpenHolds;
  readonly registrations: ManualRegistrations;
  readonly siteModels: SiteModelFits;
  readonly databasePath: string;
  private readonly pending: PendingWrites;
  private readonly timer: NodeJS.Timeout | undefined;
  private lastDiskLevel: DiskSpace['level'] = 'ok';
  private closed = false;

  private constructor(
    readonly db: SqliteDatabase,
    cipher: PersonalDataCipher,
    private readonly options: KioskStoreOptions,
  ) {
    super();
    const now = options.now ?? (() => new Date());
    this.databasePath = join(options.dataDir, DATABASE_FILE);
    this.pending = new PendingWrites({ initialRetryMs: options.diskFullRetry?.initialMs, maxRetryMs: options.diskFullRetry?.maxMs });
    this.pending.on('degraded', (e) => this.emit('degraded', e));
    this.pending.on('recovered', (e) => this.emit('recovered', e));
    this.pending.on('retry-error', (e) => this.emit('retry-error', e));
    this.outbox = new Outbox(db, cipher, () => now().getTime());
    this.audit = new AuditLog(db, now);
    this.records = new ScreeningStore(db, cipher, this.outbox, this.pending);
    this.stats = new Statistics(db, now);
    this.dispositions = new Dispositions(db, cipher, this.outbox, this.pending, now);
    this.calibrations = new Calibrations(db, this.outbox, this.pending, now, this.audit);
    this.deviceEvents = new DeviceEvents(db, this.outbox, this.pending, now);
    this.settings = new Settings(db, this.outbox, this.audit, this.pending, now);
    this.accounts = new Accounts(db, this.audit, now);
    this.openHolds = new OpenHolds(db, cipher);
    this.registrations = new ManualRegistrations(db, cipher, this.outbox, this.audit, this.pending, now);
    this.siteModels = new SiteModelFits(db, this.outbox, this.audit, this.pending, now);
    const every = options.maintenanceIntervalMs ?? 3_600_000;
    if (every > 0) {
      this.timer = setInterval(() => {
        this.maintain().catch((err: unknown) => this.emit('maintenance-error', err));
      }, every);
      this.timer.unref();
    }
  }

  /**
   * Opens (creating if needed) the store in `dataDir`: integrity check (a damaged file is preserved
   * and reported, never overwritten), key check (a wrong key is refused before anything is written),
   * migrations.
   */
  static async open(options: KioskStoreOptions): Promise<KioskStore> {
    mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
    const file = join(options.dataDir, DATABASE_FILE);
    const keyProvider = options.keyProvider ?? new FileKeyProvider(options.dataDir);
    const db = openDatabase(file, { integrityCheck: options.integrityCheck });
    try {
      db.pragma('secure_delete = ON');
      const storedCheck = readKeyCheck(db);
      const cipher = new PersonalDataCipher(await keyProvider.getKey({ create: storedCheck === undefined }));
      if (storedCheck !== undefined && !cipher.matchesKeyCheck(storedCheck)) {
        throw new WrongKeyError(
          `the key from ${keyProvider.describe()} is not the key this database (${file}) was created with; ` +
            'nothing was changed. Restore the original key (or the keystore of the kiosk user) and start again.',
        );
      }
      migrate(db);
      const store = new KioskStore(db, cipher, options);
      if (storedCheck === undefined) {
        db.transaction(() => {
          db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)').run(KEY_CHECK, cipher.keyCheckValue());
          store.audit.append('system', 'store.created', { keySource: keyProvider instanceof FileKeyProvider ? 'file' : 'keystore' });
        }).immediate();
      }
      return store;
    } catch (err) {
      db.close();
      throw err;
    }
  }

  /** 'disk-full' while records are waiting in memory for disk space; null otherwise. */
  get degraded(): 'disk-full' | null {
    return this.pending.degraded ? 'disk-full' : null;
  }

  /** Records waiting in memory for disk space. */
  get pendingCount(): number {
    return this.pending.size;
  }

  /** Tries to write the records waiting for disk space now. Returns how many are still waiting. */
  retryPending(): number {
    return this.pending.flush();
  }

  purgeExpired(options: { days?: number; now?: Date } = {}): PurgeResult {
    return purgeExpired(this.db, this.audit, { days: options.days ?? this.options.retentionDays ?? DEFAULT_RETENTION_DAYS, now: options.now ?? this.options.now?.() });
  }

  async diskSpace(): Promise<DiskSpace> {
    const space = await checkDiskSpace(this.options.dataDir, this.options.diskThresholds ?? DEFAULT_DISK_THRESHOLDS);
    if (space.level !== 'ok' || this.lastDiskLevel !== 'ok') this.emit('disk-space', space);
    this.lastDiskLevel = space.level;
    return space;
  }

  /** Retention purge, disk check, and a retry of pending writes. Run periodically by the store. */
  async maintain(): Promise<void> {
    if (this.closed) return;
    if (this.pending.degraded) this.pending.flush();
    if (!this.pending.degraded) this.purgeExpired();
    await this.diskSpace();
  }

  exportScreenings(options: ExportOptions, write: (chunk: string) => void): { count: number } {
    return exportScreenings({ screenings: this.records, dispositions: this.dispositions, technicianPin: this.technicianPin, audit: this.audit }, options, write);
  }

  /**
   * The technician PIN check of an unmasked export: any enabled technician account's PIN, or the
   * legacy single technician PIN kept in settings by earlier builds.
   */
  readonly technicianPin = {
    isSet: (): boolean => this.accounts.hasTechnician() || this.settings.hasTechnicianPin(),
    verify: (pin: string): boolean => this.accounts.verifyAnyTechnicianPin(pin) !== null || this.settings.verifyTechnicianPin(pin),
  };

  /** Dead-letter and pending counts and the disk state, for the consoles' status lines. */
  outboxCounts(): ReturnType<Outbox['counts']> {
    return this.outbox.counts();
  }

  /**
   * Closes the database. Refuses (StoreFullError) while records still wait for disk space: closing
   * would lose them. Free space, then call again.
   */
  close(): void {
    if (this.closed) return;
    if (this.pending.degraded && this.pending.flush() > 0) {
      throw new StoreFullError(`cannot close the store: ${this.pending.size} record(s) are still waiting for disk space and would be lost; free space and close again`, true);
    }
    if (this.timer) clearInterval(this.timer);
    this.pending.stop();
    this.closed = true;
    this.db.close();
  }
}

function readKeyCheck(db: SqliteDatabase): string | undefined {
  const hasMeta = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'").get();
  if (!hasMeta) return undefined;
  const row = db.prepare('SELECT value FROM meta WHERE key = ?').get(KEY_CHECK) as { value: string } | undefined;
  return row?.value;
}
