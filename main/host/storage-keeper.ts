import { EventEmitter } from 'node:events';
import { mkdirSync } from 'node:fs';
import { ExponentialBackoff, noJitterGenerator, type IBackoff } from 'cockatiel';
import { HmacIdHasher } from '../engine/id-hasher.js';
import type { KeyProvider } from '../store/key-provider.js';
import { KioskStore, type KioskStoreOptions } from '../store/kiosk-store.js';
import { KeySourceError, storeErrorCode, WrongKeyError } from '../store/store-errors.js';
import { openIdKey } from './id-key.js';

export interface StorageKeeperOptions {
  dataDir: string;
  keyProvider?: KeyProvider;
  /** Further store options (retry backoff, maintenance interval). */
  store?: Omit<KioskStoreOptions, 'dataDir' | 'keyProvider'>;
  /** Backoff between attempts to open what could not be opened (ms). */
  retry: { initialMs: number; maxMs: number };
  /**
   * Where the deployment's ID key comes from: `data-dir` (default) opens `id-hmac.key` with the
   * store (id-key.ts); `central` opens none: a central-fed kiosk gets it from central at first
   * contact and keeps it in the store (main/uplink/deployment-id-hasher.ts), so `hasher` stays null.
   */
  idKey?: 'data-dir' | 'central';
}

/** Why the storage is not available: a stable code and a message naming the fix (never personal data). */
export interface StorageProblem {
  /** The errno or SQLite code (ENOSPC, EROFS, SQLITE_CANTOPEN, ...) or the store error's code. */
  code: string;
  message: string;
  /** True when the keeper tries again by itself (the cause may clear: space freed, remounted). */
  retrying: boolean;
  /** The next attempt, in ms from now (when retrying). */
  retryInMs?: number;
}

export interface StorageKeeperEvents {
  /** The store and the ID key (`data-dir`; null for `central`) are open. */
  ready: [{ store: KioskStore; hasher: HmacIdHasher | null }];
  /** An attempt failed. */
  unavailable: [StorageProblem];
}

/** Failures that can clear without anyone touching the kiosk's files: worth trying again. */
const RETRYABLE = /^(ENOSPC|EROFS|EIO|EACCES|EPERM|EBUSY|EAGAIN|EMFILE|ENFILE|ENOENT|SQLITE_(FULL|IOERR|CANTOPEN|READONLY|BUSY|LOCKED|PROTOCOL)(_\w+)?)$/;

/**
 * The kiosk's storage: the store (kiosk.db, its key) and the deployment's ID key (id-hmac.key, the
 * HMAC key of the watchlists; a central-fed kiosk has it from central, in the store). The host never exits because they cannot be opened: a fresh data
 * directory on a full or read-only filesystem, or a disk that fails at boot, leaves the kiosk up and
 * out of service, and the keeper tries again with exponential backoff until both are open (space
 * freed, filesystem remounted). Failures that cannot clear by themselves (a damaged database, a
 * wrong key) are reported once and not retried: they need a technician.
 */
export class StorageKeeper extends EventEmitter<StorageKeeperEvents> {
  private storeOpen: KioskStore | null = null;
  private idHasher: HmacIdHasher | null = null;
  private latestProblem: StorageProblem | null = null;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly backoffFactory: ExponentialBackoff<unknown>;
  private backoff: IBackoff<unknown> | undefined;

  constructor(private readonly options: StorageKeeperOptions) {
    super();
    this.backoffFactory = new ExponentialBackoff({ generator: noJitterGenerator, initialDelay: options.retry.initialMs, maxDelay: options.retry.maxMs });
  }

  get store(): KioskStore | null {
    return this.storeOpen;
  }

  get hasher(): HmacIdHasher | null {
    return this.idHasher;
  }

  get ready(): boolean {
    return this.storeOpen !== null && (this.idHasher !== null || this.options.idKey === 'central');
  }

  /** Why the storage is not ready (null when it is). */
  get problem(): StorageProblem | null {
    return this.ready ? null : this.latestProblem;
  }

  /**
   * The first attempt; later ones follow by themselves. Throws only a key that cannot be had
   * (KeySourceError, WrongKeyError): that is fatal and explained, never a new key (entry.ts reports it).
   */
  async start(): Promise<void> {
    await this.attempt(true);
  }

  /** Stops trying. The caller closes the store. */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private async attempt(first = false): Promise<void> {
    try {
      if (!this.storeOpen) {
        const { dataDir, keyProvider, store } = this.options;
        makeDataDir(dataDir);
        this.storeOpen = await KioskStore.open({ ...store, dataDir, ...(keyProvider && { keyProvider }) });
      }
      if (!this.idHasher && this.options.idKey !== 'central') {
        // Made only with a new data directory: a lost ID key for an existing store is fatal (id-key.ts).
        this.idHasher = new HmacIdHasher(await openIdKey(this.options.dataDir, { newDataDir: this.storeOpen.createdNow }));
      }
    } catch (err) {
      if (this.stopped) return;
      if (first && (err instanceof KeySourceError || err instanceof WrongKeyError)) throw err;
      const code = storeErrorCode(err);
      // A key problem found on a later attempt needs a technician as well: reported, not retried.
      const retrying = RETRYABLE.test(code) && !(err instanceof KeySourceError || err instanceof WrongKeyError);
      const problem: StorageProblem = { code, message: err instanceof Error ? err.message : String(err), retrying };
      if (retrying) {
        this.backoff = (this.backoff ?? this.backoffFactory).next(undefined);
        problem.retryInMs = this.backoff.duration;
        this.timer = setTimeout(() => {
          this.timer = undefined;
          void this.attempt();
        }, this.backoff.duration);
      }
      this.latestProblem = problem;
      this.emit('unavailable', problem);
      return;
    }
    this.backoff = undefined;
    this.latestProblem = null;
    if (this.stopped) return;
    this.emit('ready', { store: this.storeOpen, hasher: this.idHasher });
  }
}

/**
 * `mkdir -p` for the data directory that reports the real reason it fails: Node's recursive mkdir
 * says ENOENT on a read-only filesystem, where a plain mkdir of the last component says EROFS.
 */
function makeDataDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    mkdirSync(dir, { mode: 0o700 }); // throws EROFS, EACCES ... (or ENOENT when a parent is missing)
  }
}
