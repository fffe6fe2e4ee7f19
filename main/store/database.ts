import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { chmodSync, closeSync, copyFileSync, existsSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { DatabaseCorruptError } from './store-errors.js';
import { DATA_FILE_MODE, ensurePrivateFile, narrowDatabaseModes } from './store-files.js';

export type SqliteDatabase = Database.Database;

export interface OpenDatabaseOptions {
  /**
   * 'full' runs `PRAGMA integrity_check` (default); 'quick' runs `PRAGMA quick_check`, which skips
   * index-content checks and is much faster on very large files.
   */
  integrityCheck?: 'full' | 'quick';
  /** Open read-only (the CLI's `audit verify`): no pragmas that write, no migrations. */
  readonly?: boolean;
  /** Clock for the preserved copy's name. */
  now?: () => Date;
}

/** better-sqlite3 error codes that mean "this file is damaged or not a database". */
const CORRUPT_CODES = new Set(['SQLITE_CORRUPT', 'SQLITE_NOTADB', 'SQLITE_CORRUPT_VTAB', 'SQLITE_CORRUPT_SEQUENCE', 'SQLITE_CORRUPT_INDEX']);

/**
 * Opens the kiosk database with the pragmas durability depends on:
 * - `journal_mode=WAL`: readers never block the writer; a crash leaves the main file consistent.
 * - `synchronous=FULL`: every commit is fsynced to the WAL before `commit()` returns, so an
 *   acknowledged record survives power loss (NORMAL would only guarantee consistency, not durability).
 * - `busy_timeout`: a second process (the CLI) waits instead of failing with SQLITE_BUSY.
 * - `foreign_keys=ON`: a disposition cannot point at a screening that does not exist.
 *
 * Then it checks integrity. A damaged file is copied (with its -wal and -shm) to
 * `<file>.corrupt-<timestamp>` before a DatabaseCorruptError is thrown, so nothing is destroyed;
 * once: when an identical copy is already there (an earlier run saw the same damage), it is named
 * instead of making another.
 *
 * The file is created with mode 0600 (its -wal and -shm inherit it); an older, wider mode is narrowed.
 *
 * One writer: the store is used from one process (the host). Other processes (the CLI) may read and
 * append an audit entry; SQLite's locking plus busy_timeout serialises them.
 */
export function openDatabase(file: string, options: OpenDatabaseOptions = {}): SqliteDatabase {
  const now = options.now ?? (() => new Date());
  let db: SqliteDatabase | undefined;
  if (!options.readonly) {
    ensurePrivateFile(file);
    narrowDatabaseModes(file);
  }
  try {
    db = new Database(file, { readonly: options.readonly ?? false, fileMustExist: options.readonly ?? false });
    db.pragma('busy_timeout = 10000');
    // Check before anything writes to the file: a damaged database is preserved exactly as found.
    const pragma = options.integrityCheck === 'quick' ? 'quick_check' : 'integrity_check';
    const rows = db.pragma(pragma) as Array<Record<string, string>>;
    const problems = rows.map((r) => Object.values(r)[0] ?? '').filter((m) => m !== 'ok');
    if (problems.length > 0) {
      db.close();
      db = undefined;
      throw corrupt(file, problems, now());
    }
    if (!options.readonly) {
      const mode = db.pragma('journal_mode = WAL', { simple: true });
      if (String(mode).toLowerCase() !== 'wal') throw new Error(`could not switch ${file} to WAL mode (got ${String(mode)})`);
    }
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    return db;
  } catch (err) {
    if (err instanceof DatabaseCorruptError) throw err;
    const code = typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : '';
    if (CORRUPT_CODES.has(code)) {
      try {
        db?.close();
      } catch {
        // already unusable; the preserved copy below is what matters
      }
      throw corrupt(file, [`${code}: ${err instanceof Error ? err.message : String(err)}`], now());
    }
    try {
      db?.close();
    } catch {
      // ignore: reporting the original error matters more
    }
    throw err;
  }
}

function corrupt(file: string, problems: string[], at: Date): DatabaseCorruptError {
  const earlier = identicalCopy(file);
  let copy: string;
  if (earlier) {
    copy = earlier;
  } else {
    const stamp = at.toISOString().replace(/[:.]/g, '-');
    copy = `${file}.corrupt-${stamp}`;
    for (const suffix of ['', '-wal', '-shm']) {
      if (!existsSync(file + suffix)) continue;
      copyFileSync(file + suffix, copy + suffix);
      chmodSync(copy + suffix, DATA_FILE_MODE); // a file left 0644 by an older build: the copy is private anyway
    }
  }
  const first = problems[0] ?? 'unknown problem';
  return new DatabaseCorruptError(
    `the kiosk database ${file} failed its integrity check (${problems.length} problem(s), first: ${first}); ` +
      `a copy was preserved ${earlier ? 'earlier ' : ''}at ${copy}. Nothing was deleted: restore a backup, or move the damaged file (and ${basename(file)}.id) aside and restart to begin a new database.`,
    copy,
    problems,
  );
}

/** An existing `<file>.corrupt-*` copy with the same bytes as `file` and its -wal, or null. */
function identicalCopy(file: string): string | null {
  const dir = dirname(file);
  const prefix = `${basename(file)}.corrupt-`;
  const size = statSync(file).size;
  let digest: string | undefined;
  for (const name of readdirSync(dir).sort().reverse()) {
    if (!name.startsWith(prefix) || name.endsWith('-wal') || name.endsWith('-shm')) continue;
    const candidate = join(dir, name);
    if (statSync(candidate).size !== size) continue;
    digest ??= fileDigest(file);
    if (fileDigest(candidate) !== digest) continue;
    if (fileDigest(`${file}-wal`) !== fileDigest(`${candidate}-wal`)) continue;
    return candidate;
  }
  return null;
}

/** sha256 of a file's bytes ('' when it does not exist or is empty: an empty WAL is no WAL), read in chunks. */
function fileDigest(path: string): string {
  if (!existsSync(path) || statSync(path).size === 0) return '';
  const hash = createHash('sha256');
  const fd = openSync(path, 'r');
  try {
    const chunk = Buffer.alloc(1 << 20);
    for (let n = readSync(fd, chunk); n > 0; n = readSync(fd, chunk)) hash.update(chunk.subarray(0, n));
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}
