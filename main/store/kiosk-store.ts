import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import { Accounts } from './accounts.js';
import type { AnchorCheck, AuditHead } from './audit-anchor.js';
import { AuditLog, readStoreId, SEALED_ACTION, SEALED_KEY, sealAuditChain, STORE_ID_KEY, type AuditVerification } from './audit-log.js';
import { Calibrations } from './calibrations.js';
import { DATABASE_FILE } from './data-dir.js';
import { openDatabase, type SqliteDatabase } from './database.js';
import { DeviceEvents } from './device-events.js';
import { Dispositions } from './dispositions.js';
import { exportScreenings, type ExportOptions, type ExportResult } from './export.js';
import type { KeyProvider } from './key-provider.js';
import { DataDirKeyProvider } from './key-source.js';
import { migrate } from './migrations.js';
import { ManualRegistrations } from './manual-registrations.js';
import { OpenHolds } from './open-holds.js';
import { Outbox } from './outbox.js';
import { PendingWrites, type DegradedEvent, type PendingEntry } from './pending-writes.js';
import { PersonalDataCipher } from './personal-data-cipher.js';
import { countHoldings, type Holdings } from './holdings.js';
import { MINIMUM_COLLECTION, type CollectionSettings } from './id-card-codec.js';
import {
  checkDiskSpace,
  DEFAULT_DISK_THRESHOLDS,
  DEFAULT_RETENTION_DAYS,
  lastRetentionRuns,
  purgeExpired,
  undeliveredPastRetention,
  type DiskSpace,
  type DiskSpaceThresholds,
  type PurgeResult,
  type RetentionMode,
  type RetentionPolicy,
  type RetentionRun,
  type UndeliveredPastRetention,
} from './retention.js';
import { ScreeningStore, type RecordSealCheck } from './screening-store.js';
import { Settings } from './settings.js';
import { SiteModelFits } from './site-model-fits.js';
import { Statistics } from './statistics.js';
import { StoreFullError, WrongKeyError } from './store-errors.js';
import { ensureDataDir, newStoreId, readMarker, refuseEmptyDatabase, refuseStorelessDatabase, writeMarker } from './store-files.js';
import { StoreSeal } from './store-seal.js';
import { SubjectData, type ErasureToCentral, type SubjectErasure } from './subject-data.js';

export interface KioskStoreOptions {
  dataDir: string;
  /**
   * Default: the data directory's recorded key source without a keystore (DataDirKeyProvider: the
   * 0600 key file). Under Electron the host gets the key the shell resolved with the OS keystore.
   */
  keyProvider?: KeyProvider;
  /** Records are purged this many days after central acknowledged them, or after the screening when standalone (default 14). */
  retentionDays?: number;
  /**
   * `central` (default: nothing central has not acknowledged is ever purged) or `standalone`
   * (purged N days after the screening); main/config/delivery-mode.ts decides it for the host.
   */
  retentionMode?: RetentionMode;
  /** What is kept beyond the minimum (default: no photo). */
  collection?: CollectionSettings;
  diskThresholds?: DiskSpaceThresholds;
  /** 'full' (default) or 'quick' integrity check on open. */
  integrityCheck?: 'full' | 'quick';
  /** Run the retention purge and disk check every this many ms (default 1 h; 0 = never, call them yourself). */
  maintenanceIntervalMs?: number;
  /** Backoff of the one retry queue: writes that failed (full disk, I/O error) are retried (ms). */
  writeRetry?: { initialMs?: number; maxMs?: number };
  now?: () => Date;
}

export interface KioskStoreEvents {
  /** A write hit a full disk or failed: records wait in memory; show HOLD-for-staff until 'recovered'. */
  degraded: [DegradedEvent];
  recovered: [{ committed: number }];
  /** Free space went below a threshold (or back to ok). */
  'disk-space': [DiskSpace];
  /** A pending write failed on retry with something other than a full disk (the record is kept). */
  'retry-error': [unknown];
  /** The periodic maintenance failed (purge or disk check). */
  'maintenance-error': [unknown];
  /** The periodic maintenance ran through (a former maintenance error is over). */
  maintained: [];
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
  /** A person's records by ID number (blind index): lookup, export, deletion (docs/privacy.md). */
  readonly subjects: SubjectData;
  readonly databasePath: string;
  private readonly pending: PendingWrites;
  private readonly timer: NodeJS.Timeout | undefined;
  private lastDiskLevel: DiskSpace['level'] = 'ok';
  private degradedReason: DegradedEvent['reason'] = 'disk-full';
  private closed = false;
  /** True when this open created the database's key check: the data directory was new. */
  createdNow = false;

  private constructor(
    readonly db: SqliteDatabase,
    cipher: PersonalDataCipher,
    seal: StoreSeal,
    private readonly options: KioskStoreOptions,
  ) {
    super();
    const now = options.now ?? (() => new Date());
    this.databasePath = join(options.dataDir, DATABASE_FILE);
    this.pending = new PendingWrites({ initialRetryMs: options.writeRetry?.initialMs, maxRetryMs: options.writeRetry?.maxMs });
    this.pending.on('degraded', (e) => {
      this.degradedReason = e.reason;
      this.emit('degraded', e);
    });
    this.pending.on('recovered', (e) => this.emit('recovered', e));
    this.pending.on('retry-error', (e) => this.emit('retry-error', e));
    this.outbox = new Outbox(db, cipher, () => now().getTime());
    this.audit = new AuditLog(db, seal, now);
    this.records = new ScreeningStore(db, cipher, this.outbox, this.pending, seal, options.collection ?? MINIMUM_COLLECTION);
    this.stats = new Statistics(db, now);
    this.dispositions = new Dispositions(db, cipher, this.outbox, this.pending, now);
    this.calibrations = new Calibrations(db, this.outbox, this.pending, now, this.audit);
    this.deviceEvents = new DeviceEvents(db, this.outbox, this.pending, now);
    this.settings = new Settings(db, this.outbox, this.audit, this.pending, now);
    this.accounts = new Accounts(db, this.audit, now);
    this.openHolds = new OpenHolds(db, cipher);
    this.registrations = new ManualRegistrations(db, cipher, this.outbox, this.audit, this.pending, now);
    this.siteModels = new SiteModelFits(db, this.outbox, this.audit, this.pending, now);
    this.subjects = new SubjectData(db, cipher, this.records, this.dispositions, this.registrations, this.outbox, this.audit, now);
    
    const every = options.maintenanceIntervalMs ?? 3_600_000;
    if (every > 0) {
      this.timer = setInterval(() => void this.runMaintenance(), every);
      this.timer.unref();
    }
  }

  /**
   * Opens (creating if needed) the store in `dataDir`: a zero-length or store-less database where a
   * store existed is refused (store-files.ts), integrity check (a damaged file is preserved once and
   * reported, never overwritten), key check (a wrong key is refused before anything is written),
   * migrations, and — once in a store's life — sealing of rows written before seals existed.
   */
  static async open(options: KioskStoreOptions): Promise<KioskStore> {
    ensureDataDir(options.dataDir);
    const file = join(options.dataDir, DATABASE_FILE);
    const keyProvider = options.keyProvider ?? new DataDirKeyProvider(options.dataDir);
    refuseEmptyDatabase(options.dataDir);
    const db = openDatabase(file, { integrityCheck: options.integrityCheck });
    try {
      db.pragma('secure_delete = ON');
      const storedCheck = readKeyCheck(db);
      if (storedCheck === undefined) refuseStorelessDatabase(options.dataDir);
      const masterKey = await keyProvider.getKey({ create: storedCheck === undefined });
      const cipher = new PersonalDataCipher(masterKey);
      if (storedCheck !== undefined && !cipher.matchesKeyCheck(storedCheck)) {
        throw new WrongKeyError(
          `the key from ${keyProvider.describe()} is not the key this database (${file}) was created with; ` +
            'nothing was changed. Restore the original key (or the keystore of the kiosk user) and start again.',
        );
      }
      migrate(db);
      const seal = new StoreSeal(masterKey);
      const store = new KioskStore(db, cipher, seal, options);
      const now = (options.now ?? (() => new Date()))().toISOString();
      db.transaction(() => {
        const setMeta = db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO NOTHING');
        if (readStoreId(db) === '') setMeta.run(STORE_ID_KEY, readMarker(options.dataDir)?.storeId ?? newStoreId());
        if (storedCheck === undefined) {
          setMeta.run(KEY_CHECK, cipher.keyCheckValue());
          setMeta.run(SEALED_KEY, now);
          store.audit.append('system', 'store.created', { keySource: keyProvider.source ?? 'supplied', sealed: true });
        } else if (!db.prepare('SELECT 1 FROM meta WHERE key = ?').get(SEALED_KEY)) {
          // A store written before seals existed: seal what is there, once, and say so in the log.
          const records = store.records.sealUnsealed();
          const entries = sealAuditChain(db, seal);
          setMeta.run(SEALED_KEY, now);
          store.audit.append('system', SEALED_ACTION, { records, auditEntries: entries });
        }
      }).immediate();
      if (storedCheck === undefined) store.createdNow = true;
      writeMarker(options.dataDir, { storeId: readStoreId(db), writtenAt: now });
      return store;
    } catch (err) {
      db.close();
      throw err;
    }
  }

  /** The audit chain and every screening row's seal (kiosk audit verify). */
  verifyIntegrity(): { chain: AuditVerification; records: RecordSealCheck } {
    return this.db.transaction(() => ({ chain: this.audit.verify(), records: this.records.checkSeals() }))();
  }

  /** The head to anchor at central (audit-anchor.ts, docs/store-integrity.md). */
  signedHead(): AuditHead {
    return this.audit.signedHead();
  }

  /** Compares the store with a head central anchored earlier. */
  checkAnchor(anchor: AuditHead): AnchorCheck {
    return this.audit.checkAnchor(anchor);
  }

  /** 'disk-full' / 'write-failed' while records are waiting in memory; null otherwise. */
  get degraded(): DegradedEvent['reason'] | null {
    return this.pending.degraded ? this.degradedReason : null;
  }

  /** Records waiting in memory for the disk. */
  get pendingCount(): number {
    return this.pending.size;
  }

  /** The records waiting in memory, oldest first (kinds and ids: never their content). */
  pendingEntries(): PendingEntry[] {
    return this.pending.entries();
  }

  /** Tries to write the records waiting for disk space now. Returns how many are still waiting. */
  retryPending(): number {
    return this.pending.flush();
  }

  /** The retention in force: days and mode. */
  get retention(): RetentionPolicy {
    return { days: this.options.retentionDays ?? DEFAULT_RETENTION_DAYS, mode: this.options.retentionMode ?? 'central' };
  }

  purgeExpired(options: { days?: number; now?: Date } = {}): PurgeResult {
    return purgeExpired(this.db, this.audit, { days: options.days ?? this.retention.days, mode: this.retention.mode, now: options.now ?? this.options.now?.() });
  }

  /** Records kept past the window only because central has not acknowledged them (flagged to the technician). */
  undeliveredPastRetention(now: Date = (this.options.now ?? (() => new Date()))()): UndeliveredPastRetention {
    return undeliveredPastRetention(this.db, this.retention, now);
  }

  /** Counts and dates of what is held, and the latest retention run and purge (kiosk privacy report). */
  holdings(): Holdings & { lastRetentionRun: RetentionRun | null; lastPurge: RetentionRun | null } {
    const runs = lastRetentionRuns(this.db);
    return { ...countHoldings(this.db), lastRetentionRun: runs.lastRun, lastPurge: runs.lastPurge };
  }

  /**
   * Deletes everything held about one person (subject-data.ts). Refused while records wait in
   * memory for the disk: one of them could be this person's and would be written after the deletion.
   */
  eraseSubject(idNumber: string, request: { actor: string; reference: string; toCentral: ErasureToCentral }): SubjectErasure {
    if (this.pending.size > 0) {
      throw new StoreFullError(`${this.pending.size} record(s) are waiting in memory for the disk; free space so they are written, then repeat the deletion (nothing was deleted)`, true);
    }
    return this.subjects.erase(idNumber, request);
  }

  async diskSpace(): Promise<DiskSpace> {
    const space = await checkDiskSpace(this.options.dataDir, this.options.diskThresholds ?? DEFAULT_DISK_THRESHOLDS);
    if (space.level !== 'ok' || this.lastDiskLevel !== 'ok') this.emit('disk-space', space);
    this.lastDiskLevel = space.level;
    return space;
  }

  /**
   * One maintenance run as the timer does it: `maintained` when it went through,
   * `maintenance-error` when it failed (never throws). The host runs one when the store opens.
   */
  async runMaintenance(): Promise<void> {
    if (this.closed) return;
    try {
      await this.maintain();
      this.emit('maintained');
    } catch (err) {
      this.emit('maintenance-error', err);
    }
  }

  /** Retention purge, disk check, and a retry of pending writes. Run periodically by the store. */
  async maintain(): Promise<void> {
    if (this.closed) return;
    if (this.pending.degraded) this.pending.flush();
    if (!this.pending.degraded) this.purgeExpired();
    await this.diskSpace();
  }

  exportScreenings(options: ExportOptions, write: (chunk: string) => void): ExportResult {
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
    this.closeNow();
  }

  /**
   * Closes at shutdown (SIGTERM): one last try to write what waits; what still cannot be written is
   * given up and returned (kinds and ids only) so the caller logs exactly what was lost.
   */
  shutdown(): PendingEntry[] {
    if (this.closed) return [];
    if (this.pending.degraded) this.pending.flush();
    const lost = this.pending.abandon();
    this.closeNow();
    return lost;
  }

  private closeNow(): void {
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
