import { randomBytes } from 'node:crypto';
import { closeSync, constants, existsSync, fsyncSync, linkSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { KeySourceError } from './store-errors.js';

/** Where a master key came from: recorded with the database when it is created. */
export type KeySourceKind = 'file' | 'keystore';

/** Supplies the 32-byte master key that protects personal data at rest. */
export interface KeyProvider {
  /**
   * The key. `create: false` (the store passes it when the database already holds data encrypted
   * under a key) forbids making a new key: a missing key is then an error, not a fresh start.
   */
  getKey(options?: { create?: boolean }): Promise<Buffer>;
  /** Where the key lives, for error messages (never the key itself). */
  describe(): string;
  /** Where the key is kept, recorded in the audit log when a database is created. */
  readonly source?: KeySourceKind;
}

export const MASTER_KEY_BYTES = 32;

/**
 * A key as a file of 32 random bytes in the data directory, created with mode 0600 (owner only)
 * when allowed, fsynced together with its directory. The file is never overwritten: an existing file
 * of the wrong size, or one readable by others, is a KeySourceError, as is a missing file when
 * creation is not allowed.
 */
export class FileKeyProvider implements KeyProvider {
  readonly path: string;
  readonly source = 'file' as const;
  constructor(dataDir: string, fileName = 'kiosk.key') {
    this.path = join(dataDir, fileName);
  }

  describe(): string {
    return `key file ${this.path}`;
  }

  async getKey(options: { create?: boolean } = {}): Promise<Buffer> {
    if (!existsSync(this.path)) {
      if (options.create === false) {
        throw new KeySourceError(`the key file ${this.path} is missing but the data it protects exists; restore the key file from its backup (no new key was made: it could not open what is stored)`);
      }
      createSecretFile(this.path, randomBytes(MASTER_KEY_BYTES));
    }
    removeStaleTemporaries(this.path);
    const key = readFileSync(this.path);
    if (key.length !== MASTER_KEY_BYTES) {
      throw new KeySourceError(`the key file ${this.path} holds ${key.length} bytes, expected ${MASTER_KEY_BYTES}; restore the original key file (it was not changed)`);
    }
    const mode = statSync(this.path).mode & 0o777;
    if ((mode & 0o077) !== 0) {
      throw new KeySourceError(`the key file ${this.path} is readable by other users (mode ${mode.toString(8)}); run \`chmod 600 ${this.path}\``);
    }
    return key;
  }
}

/** A fixed key: tests, benchmarks, and the host under Electron (the shell resolved the key). */
export class StaticKeyProvider implements KeyProvider {
  constructor(
    private readonly key: Buffer,
    readonly source?: KeySourceKind,
  ) {
    if (key.length !== MASTER_KEY_BYTES) throw new Error(`a master key has ${MASTER_KEY_BYTES} bytes, got ${key.length}`);
  }
  describe(): string {
    return this.source ? `the ${this.source === 'file' ? 'key file' : 'OS keystore'} key resolved by the kiosk shell` : 'a key supplied in code';
  }
  async getKey(): Promise<Buffer> {
    return Buffer.from(this.key);
  }
}

/** Temporaries left by a crash between writing and linking a key file hold key bytes: remove them. */
function removeStaleTemporaries(path: string): void {
  const prefix = `${basename(path)}.tmp-`;
  for (const name of readdirSync(dirname(path))) if (name.startsWith(prefix)) rmSync(join(dirname(path), name), { force: true });
}

/** Writes `content` (mode 0600) and fsyncs it under a temporary name beside `path`; returns that name. */
function writeTemporary(path: string, content: Buffer): string {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
  try {
    writeSync(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return tmp;
}

function fsyncDirectory(path: string): void {
  const dirFd = openSync(dirname(path), 'r');
  try {
    fsyncSync(dirFd);
  } finally {
    closeSync(dirFd);
  }
}

/**
 * Creates a secret file atomically and without overwriting: written (mode 0600) and fsynced under a
 * temporary name, then hard-linked to its final name (link fails if the name exists) and the
 * directory fsynced. A crash at any point leaves either no file or a complete one, never a
 * truncated one. Returns false when another process created it first (theirs is kept).
 */
export function createSecretFile(path: string, content: Buffer): boolean {
  const tmp = writeTemporary(path, content);
  let created = true;
  try {
    linkSync(tmp, path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    created = false;
  } finally {
    unlinkSync(tmp);
  }
  fsyncDirectory(path);
  return created;
}

/**
 * Replaces a secret file atomically (rename over it): for content that changes form but not meaning,
 * such as a key re-wrapped by a rotated keystore key.
 */
export function replaceSecretFile(path: string, content: Buffer): void {
  const tmp = writeTemporary(path, content);
  renameSync(tmp, path);
  fsyncDirectory(path);
}
