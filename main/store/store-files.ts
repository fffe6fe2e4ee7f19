import { randomUUID } from 'node:crypto';
import { chmodSync, closeSync, constants, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { DATABASE_FILE } from './data-dir.js';
import { EmptyDatabaseError } from './store-errors.js';

/**
 * The files of a store in its data directory, before SQLite sees them:
 *
 * - the data directory is 0700 and every data file (`kiosk.db`, its `-wal` and `-shm`, preserved
 *   copies, exports written to a file) is created 0600, like the key file. SQLite gives the WAL and
 *   shared-memory files the mode of the database file, so creating that one 0600 covers all three;
 *   files left by older builds with wider modes are narrowed at open.
 * - `kiosk.db.id` (the store marker) is written once the store exists: its id and creation time.
 *   Together with the key file and a non-empty WAL, it is the evidence that a store existed here,
 *   so a zero-length `kiosk.db` (truncated by a crash of the file system, a bad copy, a mistaken
 *   `> kiosk.db`) is refused instead of being silently replaced by a new, empty store.
 */

export const STORE_MARKER_FILE = `${DATABASE_FILE}.id`;
/** The default key file of FileKeyProvider (main/store/key-provider.ts). */
const FILE_KEY = 'kiosk.key';

export const DATA_FILE_MODE = 0o600;
export const DATA_DIR_MODE = 0o700;

export interface StoreMarker {
  storeId: string;
  writtenAt: string;
}

/** Makes the data directory (0700), narrowing an existing one we own that is open to others. */
export function ensureDataDir(dataDir: string): void {
  mkdirSync(dataDir, { recursive: true, mode: DATA_DIR_MODE });
  narrowMode(dataDir, DATA_DIR_MODE);
}

/** Creates `file` empty with mode 0600 if it does not exist; narrows it to 0600 if it does. */
export function ensurePrivateFile(file: string): void {
  try {
    closeSync(openSync(file, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, DATA_FILE_MODE));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    narrowMode(file, DATA_FILE_MODE);
  }
}

/** Opens a new file for writing, 0600, refusing to overwrite an existing one (exports). */
export function createPrivateFile(file: string): number {
  return openSync(file, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, DATA_FILE_MODE);
}

/** The database and its companions at 0600 (a store written by an older build may be 0644). */
export function narrowDatabaseModes(file: string): void {
  for (const f of [file, `${file}-wal`, `${file}-shm`]) if (existsSync(f)) narrowMode(f, DATA_FILE_MODE);
}

function narrowMode(path: string, mode: number): void {
  const st = statSync(path);
  if (typeof process.getuid === 'function' && st.uid !== process.getuid()) return; // not ours to change
  if ((st.mode & 0o777 & ~mode) !== 0) chmodSync(path, st.mode & 0o777 & mode);
}

/** What shows that a store existed in `dataDir` (empty when nothing does). */
export function storeEvidence(dataDir: string): string[] {
  const evidence: string[] = [];
  if (existsSync(join(dataDir, STORE_MARKER_FILE))) evidence.push(`${STORE_MARKER_FILE} (the store marker)`);
  if (existsSync(join(dataDir, FILE_KEY))) evidence.push(`${FILE_KEY} (the store key)`);
  const wal = join(dataDir, `${DATABASE_FILE}-wal`);
  if (existsSync(wal) && statSync(wal).size > 0) evidence.push(`${DATABASE_FILE}-wal (unwritten pages of the database)`);
  return evidence;
}

/**
 * Refuses to open a zero-length `kiosk.db` where a store existed: SQLite would treat it as a new,
 * empty database and the host would start over, every record and the audit history gone.
 */
export function refuseEmptyDatabase(dataDir: string): void {
  const file = join(dataDir, DATABASE_FILE);
  if (!existsSync(file) || statSync(file).size > 0) return;
  const evidence = storeEvidence(dataDir);
  if (evidence.length === 0) return; // a first start that stopped before anything was written
  throw new EmptyDatabaseError(
    `the kiosk database ${file} is empty (0 bytes), but a store existed here (${evidence.join(', ')}): it was truncated, and opening it would start a new, empty store. ` +
      `Nothing was changed. Restore ${DATABASE_FILE} from a backup; only if there is none and losing this kiosk's records is accepted, move ${DATABASE_FILE} and ${STORE_MARKER_FILE} aside and start again.`,
    file,
  );
}

/** Refuses a database that opened but holds no store (e.g. replaced by a new empty SQLite file). */
export function refuseStorelessDatabase(dataDir: string): void {
  const marker = join(dataDir, STORE_MARKER_FILE);
  if (!existsSync(marker)) return;
  const file = join(dataDir, DATABASE_FILE);
  throw new EmptyDatabaseError(
    `the kiosk database ${file} holds no kiosk store, but ${STORE_MARKER_FILE} shows one existed here (${readMarker(dataDir)?.storeId ?? 'unreadable marker'}): the database was replaced. ` +
      `Nothing was changed. Restore ${DATABASE_FILE} from a backup; only if there is none and losing this kiosk's records is accepted, move ${DATABASE_FILE} and ${STORE_MARKER_FILE} aside and start again.`,
    file,
  );
}

export function readMarker(dataDir: string): StoreMarker | null {
  try {
    const m = JSON.parse(readFileSync(join(dataDir, STORE_MARKER_FILE), 'utf8')) as Partial<StoreMarker>;
    return typeof m.storeId === 'string' && typeof m.writtenAt === 'string' ? { storeId: m.storeId, writtenAt: m.writtenAt } : null;
  } catch {
    return null;
  }
}

/** Writes the store marker (0600, fsynced) unless it is there already. */
export function writeMarker(dataDir: string, marker: StoreMarker): void {
  const file = join(dataDir, STORE_MARKER_FILE);
  if (existsSync(file)) return;
  const fd = createPrivateFile(file);
  try {
    writeSync(fd, `${JSON.stringify(marker)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export const newStoreId = (): string => randomUUID();
