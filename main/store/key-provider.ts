import { randomBytes } from 'node:crypto';
import { closeSync, constants, existsSync, fsyncSync, linkSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** Supplies the 32-byte master key that protects personal data at rest. */
export interface KeyProvider {
  /**
   * The key. `create: false` (the store passes it when the database already holds data encrypted
   * under a key) forbids making a new key: a missing key is then an error, not a fresh start.
   */
  getKey(options?: { create?: boolean }): Promise<Buffer>;
  /** Where the key lives, for error messages (never the key itself). */
  describe(): string;
}

export const MASTER_KEY_BYTES = 32;

/**
 * The key as a file of 32 random bytes in the data directory, created with mode 0600 (owner only)
 * the first time, fsynced together with its directory. Used outside Electron (CLI, tests, host
 * without a keystore). The file is never overwritten: an existing file of the wrong size is an error.
 */
export class FileKeyProvider implements KeyProvider {
  readonly path: string;
  constructor(dataDir: string, fileName = 'kiosk.key') {
    this.path = join(dataDir, fileName);
  }

  describe(): string {
    return `key file ${this.path}`;
  }

  async getKey(options: { create?: boolean } = {}): Promise<Buffer> {
    if (!existsSync(this.path)) {
      if (options.create === false) throw new Error(`the key file ${this.path} is missing but the database holds data encrypted with it; restore the key file from its backup`);
      createSecretFile(this.path, randomBytes(MASTER_KEY_BYTES));
    }
    removeStaleTemporaries(this.path);
    const key = readFileSync(this.path);
    if (key.length !== MASTER_KEY_BYTES) {
      throw new Error(`the key file ${this.path} holds ${key.length} bytes, expected ${MASTER_KEY_BYTES}; restore the original key file (it was not changed)`);
    }
    const mode = statSync(this.path).mode & 0o777;
    if ((mode & 0o077) !== 0) {
      throw new Error(`the key file ${this.path} is readable by other users (mode ${mode.toString(8)}); run \`chmod 600 ${this.path}\``);
    }
    return key;
  }
}

/** The shape of Electron's `safeStorage` that the store needs (injected: this module never imports electron). */
export interface SafeStorageLike {
  isEncryptionAvailable(): boolean;
  encryptString(plainText: string): Buffer;
  decryptString(encrypted: Buffer): string;
}

/**
 * The key kept in the OS keystore through Electron's safeStorage (libsecret/kwallet on Linux,
 * DPAPI on Windows, Keychain on macOS): a random key, encrypted by safeStorage, stored as
 * `kiosk.key.safe` (0600) in the data directory. Only the same OS user on the same machine can unwrap it.
 */
export class SafeStorageKeyProvider implements KeyProvider {
  readonly path: string;
  constructor(
    private readonly safeStorage: SafeStorageLike,
    dataDir: string,
    fileName = 'kiosk.key.safe',
  ) {
    this.path = join(dataDir, fileName);
  }

  describe(): string {
    return `OS keystore (safeStorage) key ${this.path}`;
  }

  async getKey(options: { create?: boolean } = {}): Promise<Buffer> {
    if (!this.safeStorage.isEncryptionAvailable()) {
      throw new Error('the OS keystore is not available (safeStorage.isEncryptionAvailable() is false); on Linux start a secret service (gnome-keyring or kwallet) for the kiosk user');
    }
    if (!existsSync(this.path)) {
      if (options.create === false) throw new Error(`the wrapped key ${this.path} is missing but the database holds data encrypted with it; restore it from its backup`);
      const wrapped = this.safeStorage.encryptString(randomBytes(MASTER_KEY_BYTES).toString('base64'));
      createSecretFile(this.path, wrapped);
    }
    let text: string;
    try {
      text = this.safeStorage.decryptString(readFileSync(this.path));
    } catch (err) {
      throw new Error(`the OS keystore could not unwrap ${this.path} (${err instanceof Error ? err.message : String(err)}); was the kiosk user or keyring changed? The file was not changed`);
    }
    const key = Buffer.from(text, 'base64');
    if (key.length !== MASTER_KEY_BYTES) throw new Error(`the key unwrapped from ${this.path} has ${key.length} bytes, expected ${MASTER_KEY_BYTES}`);
    return key;
  }
}

/** A fixed key (tests, benchmarks). */
export class StaticKeyProvider implements KeyProvider {
  constructor(private readonly key: Buffer) {
    if (key.length !== MASTER_KEY_BYTES) throw new Error(`a master key has ${MASTER_KEY_BYTES} bytes, got ${key.length}`);
  }
  describe(): string {
    return 'a key supplied in code';
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

/**
 * Creates a secret file atomically and without overwriting: written (mode 0600) and fsynced under a
 * temporary name, then hard-linked to its final name (link fails if the name exists) and the
 * directory fsynced. A crash at any point leaves either no key file or a complete one, never a
 * truncated one.
 */
function createSecretFile(path: string, content: Buffer): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
  try {
    writeSync(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(tmp, path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    // Another process created it first: keep theirs.
  } finally {
    unlinkSync(tmp);
  }
  const dirFd = openSync(dirname(path), 'r');
  try {
    fsyncSync(dirFd);
  } finally {
    closeSync(dirFd);
  }
}
