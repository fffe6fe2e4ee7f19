import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { DATABASE_FILE } from './data-dir.js';
import { createSecretFile, FileKeyProvider, MASTER_KEY_BYTES, replaceSecretFile, type KeyProvider, type KeySourceKind } from './key-provider.js';
import { KeySourceError } from './store-errors.js';

/**
 * Where a data directory's master key comes from, decided ONCE, when the directory's database is
 * created, and recorded in `key-source.json` beside it:
 *
 * - `keystore`: a random key wrapped by the OS keystore (Electron safeStorage with a real backend:
 *   libsecret or kwallet on Linux), kept as `kiosk.key.safe`;
 * - `file`: a random key in `kiosk.key` (0600), when no real keystore is there (a kiosk under cage
 *   has no desktop session, so Chromium picks `basic_text`, whose "encryption" uses a fixed
 *   password: it is never counted as protection).
 *
 * Afterwards the record decides, whatever the keystore does: a keystore that appears later does not
 * move a file-keyed directory (and never mints a key for it); a keystore that vanishes, or cannot
 * unwrap, is a fatal KeySourceError that says what to restore, never a fallback to a new key. A key
 * is created only with a new database (`create: true`, which the caller grants only when the
 * database holds no data yet). See docs/electron-runtime.md, "Keys".
 */

export const KEY_FILE = 'kiosk.key';
export const WRAPPED_KEY_FILE = 'kiosk.key.safe';
export const KEY_SOURCE_FILE = 'key-source.json';

/** The OS keystore through Electron 45's asynchronous safeStorage calls (injected; this module never imports electron). */
export interface Keystore {
  /** The backend that wraps keys now: `safeStorage.getSelectedStorageBackend()` on Linux, `os` elsewhere. */
  backend(): string;
  isAvailable(): Promise<boolean>;
  encrypt(plainText: string): Promise<Buffer>;
  decrypt(wrapped: Buffer): Promise<{ text: string; shouldReEncrypt: boolean }>;
}

/** Backends that protect nothing: `basic_text` (a fixed password) and `unknown` (asked before app ready). */
export const UNPROTECTED_BACKENDS: ReadonlySet<string> = new Set(['basic_text', 'unknown']);

const KeySourceRecordSchema = z.strictObject({
  source: z.enum(['file', 'keystore']),
  /** The keystore backend that wrapped the key (null for a key file). */
  backend: z.string().max(40).nullable(),
  decidedAt: z.iso.datetime({ offset: true }),
});
export type KeySourceRecord = z.infer<typeof KeySourceRecordSchema>;

export interface ResolvedKey {
  key: Buffer;
  source: KeySourceKind;
  /** True when this call made the key (a new data directory). */
  created: boolean;
  /** Things worth a log line (never key material): a keystore that appeared, a re-wrapped key. */
  notes: string[];
}

export interface ResolveOptions {
  /** Allowed only for a database that holds no data yet. */
  create: boolean;
  now?: () => Date;
}

/** True when the data directory has a database file (created or not by this process). */
export function databaseExists(dataDir: string): boolean {
  return existsSync(join(dataDir, DATABASE_FILE));
}

/** The recorded decision, or null when the directory has none yet. A damaged record is an error, never a re-decision. */
export function readKeySourceRecord(dataDir: string): KeySourceRecord | null {
  const file = join(dataDir, KEY_SOURCE_FILE);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new KeySourceError(`${file}: cannot read (${(err as NodeJS.ErrnoException).code}); check its owner and permissions`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  const r = KeySourceRecordSchema.safeParse(parsed);
  if (!r.success) {
    throw new KeySourceError(`${file} is damaged; it records where this data directory's key is kept. Restore it from the backup, or write {"source":"file","backend":null,"decidedAt":"<ISO time>"} if the key is ${KEY_FILE}, or source "keystore" if it is ${WRAPPED_KEY_FILE}`);
  }
  return r.data;
}

async function protectedKeystore(keystore: Keystore | null): Promise<string | null> {
  if (!keystore) return null;
  if (!(await keystore.isAvailable())) return null;
  const backend = keystore.backend();
  return UNPROTECTED_BACKENDS.has(backend) ? null : backend;
}

/**
 * The master key of `dataDir`, from the source recorded for it (deciding and recording one for a
 * new directory). Throws KeySourceError for every state in which the key cannot be had safely.
 */
export async function resolveMasterKey(dataDir: string, keystore: Keystore | null, opts: ResolveOptions): Promise<ResolvedKey> {
  const now = opts.now ?? (() => new Date());
  const keyFile = join(dataDir, KEY_FILE);
  const wrappedFile = join(dataDir, WRAPPED_KEY_FILE);
  const notes: string[] = [];
  let record = readKeySourceRecord(dataDir);

  if (!record) {
    const hasFile = existsSync(keyFile);
    const hasWrapped = existsSync(wrappedFile);
    if (hasFile && hasWrapped) {
      throw new KeySourceError(
        `${dataDir} holds both ${KEY_FILE} and ${WRAPPED_KEY_FILE} and no ${KEY_SOURCE_FILE} saying which one is its key; move the one that is not away (the kiosk's first audit entry, "store.created", names the key source) and start again`,
      );
    }
    let source: KeySourceKind;
    let backend: string | null = null;
    if (hasFile) source = 'file';
    else if (hasWrapped) source = 'keystore';
    else {
      if (!opts.create) throw lostKey(dataDir);
      backend = await protectedKeystore(keystore);
      source = backend ? 'keystore' : 'file';
    }
    // A directory from before the record existed adopts what it has; a new one records its choice.
    record = { source, backend, decidedAt: now().toISOString() };
    createSecretFile(join(dataDir, KEY_SOURCE_FILE), Buffer.from(`${JSON.stringify(record)}\n`));
    // Another process may have recorded first: its record wins.
    record = readKeySourceRecord(dataDir)!;
  }

  if (record.source === 'file') {
    if (!existsSync(keyFile) && !opts.create) throw lostKey(dataDir);
    const created = !existsSync(keyFile);
    const key = await new FileKeyProvider(dataDir, KEY_FILE).getKey({ create: opts.create });
    const appeared = await protectedKeystore(keystore).catch(() => null);
    if (appeared) notes.push(`the OS keystore (${appeared}) is available now, but this data directory keeps its key file ${keyFile}, as decided when it was created`);
    return { key, source: 'file', created, notes };
  }

  if (!keystore) {
    throw new KeySourceError(
      `the key of ${dataDir} is wrapped by the OS keystore (${record.backend ?? 'safeStorage'}) in ${WRAPPED_KEY_FILE}, which only the kiosk app (Electron's safeStorage) can unwrap; this program has no keystore. Use the kiosk's technician screens, or run this command through the app as described in docs/electron-runtime.md`,
    );
  }
  const available = await keystore.isAvailable();
  const backend = keystore.backend();
  if (!available || UNPROTECTED_BACKENDS.has(backend)) {
    throw new KeySourceError(
      `the key of ${dataDir} is wrapped by the OS keystore (${record.backend ?? 'unknown backend'}), which is not available now (${available ? `selected backend: ${backend}, which protects nothing` : 'safeStorage reports no encryption'}). Start the secret service for the kiosk user (e.g. an unlocked gnome-keyring in its session, or pass --password-store=${record.backend === 'gnome_libsecret' ? 'gnome-libsecret' : (record.backend ?? 'gnome-libsecret')}) and start again. No new key was made`,
    );
  }
  let created = false;
  if (!existsSync(wrappedFile)) {
    if (!opts.create) throw lostKey(dataDir);
    const fresh = randomBytes(MASTER_KEY_BYTES);
    created = createSecretFile(wrappedFile, await keystore.encrypt(fresh.toString('base64')));
  }
  let unwrapped: { text: string; shouldReEncrypt: boolean };
  try {
    unwrapped = await keystore.decrypt(readFileSync(wrappedFile));
  } catch (err) {
    throw new KeySourceError(
      `the OS keystore (${backend}) could not unwrap ${wrappedFile} (${err instanceof Error ? err.message : String(err)}); was the kiosk user, the machine or its keyring changed? Restore the keyring of the kiosk user; nothing was changed and no new key was made`,
    );
  }
  const key = Buffer.from(unwrapped.text, 'base64');
  if (key.length !== MASTER_KEY_BYTES) {
    throw new KeySourceError(`the key unwrapped from ${wrappedFile} has ${key.length} bytes, expected ${MASTER_KEY_BYTES}; the file is not a kiosk key. Restore it from its backup`);
  }
  if (unwrapped.shouldReEncrypt) {
    replaceSecretFile(wrappedFile, await keystore.encrypt(unwrapped.text));
    notes.push(`the OS keystore rotated its key; ${wrappedFile} was re-wrapped (the master key is unchanged)`);
  }
  return { key, source: 'keystore', created, notes };
}

function lostKey(dataDir: string): KeySourceError {
  return new KeySourceError(
    `the database ${join(dataDir, DATABASE_FILE)} holds data encrypted with a key that is missing (no ${KEY_FILE} or ${WRAPPED_KEY_FILE} as ${KEY_SOURCE_FILE} records). ` +
      `No new key was made: it could not read what is stored. Restore the key from its backup; to start an empty kiosk instead, move the data directory away first`,
  );
}

/**
 * The master key of a data directory as a KeyProvider for the store: KioskStore.open grants
 * `create` only when its database holds no data yet.
 */
export class DataDirKeyProvider implements KeyProvider {
  private resolvedSource: KeySourceKind | undefined;
  constructor(
    private readonly dataDir: string,
    private readonly keystore: Keystore | null = null,
    private readonly onNote: (note: string) => void = () => {},
  ) {}

  get source(): KeySourceKind | undefined {
    return this.resolvedSource;
  }

  describe(): string {
    return `the key of ${this.dataDir} (${KEY_SOURCE_FILE})`;
  }

  async getKey(options: { create?: boolean } = {}): Promise<Buffer> {
    const r = await resolveMasterKey(this.dataDir, this.keystore, { create: options.create !== false });
    this.resolvedSource = r.source;
    for (const n of r.notes) this.onNote(n);
    return r.key;
  }
}
