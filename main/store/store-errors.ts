/**
 * Errors the store raises for conditions its callers must tell apart. Each message says what is wrong
 * and what to do; none ever contains personal data.
 */

/** SQLite could not write because the disk (or the database's size limit) is full. */
export class StoreFullError extends Error {
  readonly code = 'SQLITE_FULL' as const;
  constructor(
    message: string,
    /** True when the record that hit the full disk is kept in memory and will be retried. */
    readonly pending: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'StoreFullError';
  }
}

/** True for a StoreFullError and for a raw better-sqlite3 error with code SQLITE_FULL. */
export function isStoreFull(err: unknown): boolean {
  if (err instanceof StoreFullError) return true;
  return sqliteCode(err) === 'SQLITE_FULL';
}

/**
 * A write failed for a reason that can clear by itself (I/O error, read-only or locked database,
 * a file that cannot be opened): the record is kept in memory and retried, like on a full disk.
 */
export class StoreWriteError extends Error {
  constructor(
    message: string,
    /** The SQLite error code of the failure (e.g. SQLITE_IOERR_WRITE, SQLITE_READONLY). */
    readonly code: string,
    /** True when the record is kept in memory and will be retried. */
    readonly pending: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'StoreWriteError';
  }
}

function sqliteCode(err: unknown): string | undefined {
  const code = typeof err === 'object' && err !== null && 'code' in err ? (err as { code: unknown }).code : undefined;
  return typeof code === 'string' ? code : undefined;
}

/** SQLite failures that may clear without anyone changing the record: worth keeping it and retrying. */
const TRANSIENT_PREFIXES = ['SQLITE_FULL', 'SQLITE_IOERR', 'SQLITE_BUSY', 'SQLITE_LOCKED', 'SQLITE_READONLY', 'SQLITE_CANTOPEN', 'SQLITE_PROTOCOL'];

/** True when a write failed for a reason that can clear by itself (a full disk included). */
export function isTransientWriteError(err: unknown): boolean {
  if (err instanceof StoreFullError || err instanceof StoreWriteError) return true;
  const code = sqliteCode(err);
  return code !== undefined && TRANSIENT_PREFIXES.some((p) => code === p || code.startsWith(`${p}_`));
}

/** The SQLite code of a failure, or "error". */
export function storeErrorCode(err: unknown): string {
  return sqliteCode(err) ?? 'error';
}

/** The key supplied does not match the key this database was created with. Nothing was changed. */
export class WrongKeyError extends Error {
  readonly code = 'KIOSK_WRONG_KEY' as const;
  constructor(message: string) {
    super(message);
    this.name = 'WrongKeyError';
  }
}

/**
 * A key of the data directory cannot be had without risking the data it protects: missing for an
 * existing database, held by a keystore that is not there, not unwrappable, the wrong size or
 * readable by others. A fatal, explained state: the kiosk stops and says so; it never makes a new
 * key for an existing database. Nothing was changed.
 */
export class KeySourceError extends Error {
  readonly code = 'KIOSK_KEY_SOURCE' as const;
  constructor(message: string) {
    super(message);
    this.name = 'KeySourceError';
  }
}

/** The database failed its integrity check; a copy was preserved before anything else happened. */
export class DatabaseCorruptError extends Error {
  readonly code = 'KIOSK_DB_CORRUPT' as const;
  constructor(
    message: string,
    /** Path of the preserved copy of the damaged database file. */
    readonly preservedCopy: string,
    readonly problems: string[],
  ) {
    super(message);
    this.name = 'DatabaseCorruptError';
  }
}

/** A stored value could not be decrypted (tampered, or moved to another record or column). */
export class DecryptionError extends Error {
  readonly code = 'KIOSK_DECRYPT_FAILED' as const;
  constructor(message: string) {
    super(message);
    this.name = 'DecryptionError';
  }
}

/**
 * The database file is empty, or holds no store, where a store existed (store-files.ts): opening it
 * would silently start a new, empty store. Nothing was changed.
 */
export class EmptyDatabaseError extends Error {
  readonly code = 'KIOSK_DB_EMPTY' as const;
  constructor(
    message: string,
    readonly file: string,
  ) {
    super(message);
    this.name = 'EmptyDatabaseError';
  }
}
