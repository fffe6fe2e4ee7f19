import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StaticKeyProvider } from '../../main/store/key-provider.js';
import { DataDirKeyProvider, KEY_FILE, KEY_SOURCE_FILE, readKeySourceRecord, resolveMasterKey, WRAPPED_KEY_FILE, type Keystore } from '../../main/store/key-source.js';
import { KioskStore } from '../../main/store/kiosk-store.js';
import { KeySourceError, WrongKeyError } from '../../main/store/store-errors.js';
import { screeningRecord } from '../fixtures/store/screening-records.js';
import { tempDataDir } from '../fixtures/store/temp-data-dir.js';

/**
 * Every transition of a data directory's key source (main/store/key-source.ts): a key is made only
 * for a new database; afterwards the recorded source decides, and a key that cannot be had is a
 * KeySourceError that changes nothing on disk.
 */

/**
 * A stand-in OS keystore: AES-256-GCM under a secret derived from the keyring's name, so another
 * keyring (another user or machine) cannot unwrap what this one wrapped, as with libsecret.
 */
class FakeKeystore implements Keystore {
  encryptions = 0;
  rotate = false;
  constructor(
    public ring = 'kiosk-user-keyring',
    public backendName = 'gnome_libsecret',
    public available = true,
  ) {}
  private secret(): Buffer {
    return createHash('sha256').update(this.ring).digest();
  }
  backend(): string {
    return this.backendName;
  }
  async isAvailable(): Promise<boolean> {
    return this.available;
  }
  async encrypt(plainText: string): Promise<Buffer> {
    this.encryptions += 1;
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', this.secret(), iv);
    const body = Buffer.concat([c.update(plainText, 'utf8'), c.final()]);
    return Buffer.concat([Buffer.from('v11'), iv, c.getAuthTag(), body]);
  }
  async decrypt(wrapped: Buffer): Promise<{ text: string; shouldReEncrypt: boolean }> {
    const d = createDecipheriv('aes-256-gcm', this.secret(), wrapped.subarray(3, 15));
    d.setAuthTag(wrapped.subarray(15, 31));
    const text = Buffer.concat([d.update(wrapped.subarray(31)), d.final()]).toString('utf8');
    return { text, shouldReEncrypt: this.rotate };
  }
}

let data: ReturnType<typeof tempDataDir>;
beforeEach(() => {
  data = tempDataDir('kiosk-key-source-');
});
afterEach(() => data.cleanup());

const files = () => readdirSync(data.dir).sort();
const snapshot = () => Object.fromEntries(files().map((f) => [f, readFileSync(join(data.dir, f)).toString('base64')]));

/** A data directory whose database holds a record, created with the given keystore (null: no keystore). */
async function existingDirectory(keystore: Keystore | null): Promise<{ key: Buffer; recordId: string }> {
  const provider = new DataDirKeyProvider(data.dir, keystore);
  const store = await KioskStore.open({ dataDir: data.dir, keyProvider: provider, maintenanceIntervalMs: 0 });
  const record = screeningRecord();
  await store.records.commit(record);
  store.close();
  const r = await resolveMasterKey(data.dir, keystore, { create: false });
  return { key: r.key, recordId: record.id };
}

describe('a new data directory', () => {
  it('without a keystore (browser mode, CLI): a 0600 key file, recorded as the source', async () => {
    const r = await resolveMasterKey(data.dir, null, { create: true });
    expect(r).toMatchObject({ source: 'file', created: true });
    expect(r.key).toHaveLength(32);
    expect(readFileSync(join(data.dir, KEY_FILE)).equals(r.key)).toBe(true);
    expect(statSync(join(data.dir, KEY_FILE)).mode & 0o777).toBe(0o600);
    expect(readKeySourceRecord(data.dir)).toMatchObject({ source: 'file', backend: null });
    expect(existsSync(join(data.dir, WRAPPED_KEY_FILE))).toBe(false);
  });

  it('with a real keystore: the key is wrapped by it, never written in clear', async () => {
    const ks = new FakeKeystore();
    const r = await resolveMasterKey(data.dir, ks, { create: true });
    expect(r).toMatchObject({ source: 'keystore', created: true });
    const wrapped = readFileSync(join(data.dir, WRAPPED_KEY_FILE));
    expect(wrapped.includes(r.key)).toBe(false);
    expect(wrapped.includes(Buffer.from(r.key.toString('base64')))).toBe(false);
    expect(existsSync(join(data.dir, KEY_FILE))).toBe(false);
    expect(readKeySourceRecord(data.dir)).toMatchObject({ source: 'keystore', backend: 'gnome_libsecret' });
    // The same key again, from the keystore.
    expect((await resolveMasterKey(data.dir, ks, { create: false })).key.equals(r.key)).toBe(true);
  });

  it.each(['basic_text', 'unknown'])('with safeStorage on the %s backend: that is no protection, so a key file', async (backend) => {
    const ks = new FakeKeystore('ring', backend, true);
    const r = await resolveMasterKey(data.dir, ks, { create: true });
    expect(r.source).toBe('file');
    expect(ks.encryptions).toBe(0);
    expect(readKeySourceRecord(data.dir)).toMatchObject({ source: 'file', backend: null });
  });
});

describe('an existing database', () => {
  it('DB + key file, keystore appears: the key file stays the source, no new key, the change is noted', async () => {
    const before = await existingDirectory(null);
    const ks = new FakeKeystore();
    const r = await resolveMasterKey(data.dir, ks, { create: false });
    expect(r.source).toBe('file');
    expect(r.created).toBe(false);
    expect(r.key.equals(before.key)).toBe(true);
    expect(ks.encryptions).toBe(0);
    expect(existsSync(join(data.dir, WRAPPED_KEY_FILE))).toBe(false);
    expect(r.notes.join(' ')).toMatch(/keystore \(gnome_libsecret\) is available now, but this data directory keeps its key file/);
    // And the store opens its records with it.
    const store = await KioskStore.open({ dataDir: data.dir, keyProvider: new DataDirKeyProvider(data.dir, ks), maintenanceIntervalMs: 0 });
    expect(store.records.get(before.recordId)?.id).toBe(before.recordId);
    store.close();
  });

  it('DB + wrapped key: the keystore unwraps the same key and the store reads its records', async () => {
    const ks = new FakeKeystore();
    const before = await existingDirectory(ks);
    expect(readKeySourceRecord(data.dir)?.source).toBe('keystore');
    const store = await KioskStore.open({ dataDir: data.dir, keyProvider: new DataDirKeyProvider(data.dir, ks), maintenanceIntervalMs: 0 });
    expect(store.records.get(before.recordId)?.id).toBe(before.recordId);
    store.close();
  });

  it('DB + wrapped key, keystore vanishes: fatal and explained; no key file, nothing changed', async () => {
    const ks = new FakeKeystore();
    await existingDirectory(ks);
    const disk = snapshot();
    ks.available = false;
    const err = await resolveMasterKey(data.dir, ks, { create: false }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KeySourceError);
    expect((err as Error).message).toMatch(/wrapped by the OS keystore \(gnome_libsecret\), which is not available now .* Start the secret service .* No new key was made/);
    expect(snapshot()).toEqual(disk);
    // Even where creating would be allowed, a directory that chose the keystore never falls back to a file.
    await expect(resolveMasterKey(data.dir, ks, { create: true })).rejects.toBeInstanceOf(KeySourceError);
    expect(existsSync(join(data.dir, KEY_FILE))).toBe(false);
  });

  it('DB + wrapped key, the session now offers only basic_text: fatal, never "unwrapped" with a fixed password', async () => {
    const ks = new FakeKeystore();
    await existingDirectory(ks);
    const disk = snapshot();
    ks.backendName = 'basic_text';
    await expect(resolveMasterKey(data.dir, ks, { create: false })).rejects.toThrow(/selected backend: basic_text, which protects nothing/);
    expect(snapshot()).toEqual(disk);
  });

  it('DB + wrapped key, another keyring (another user or machine): cannot unwrap, fatal, nothing changed', async () => {
    await existingDirectory(new FakeKeystore('kiosk-user-keyring'));
    const disk = snapshot();
    const other = new FakeKeystore('someone-else');
    const err = await resolveMasterKey(data.dir, other, { create: false }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KeySourceError);
    expect((err as Error).message).toMatch(/could not unwrap .*kiosk\.key\.safe.* no new key was made/);
    expect(other.encryptions).toBe(0);
    expect(snapshot()).toEqual(disk);
  });

  it('DB + wrapped key without any keystore (the CLI): says that only the kiosk app can unwrap it', async () => {
    await existingDirectory(new FakeKeystore());
    await expect(KioskStore.open({ dataDir: data.dir, maintenanceIntervalMs: 0 })).rejects.toThrow(/only the kiosk app \(Electron's safeStorage\) can unwrap/);
  });

  it('DB whose key file was lost: fatal, and no new key file appears', async () => {
    await existingDirectory(null);
    rmSync(join(data.dir, KEY_FILE));
    const disk = snapshot();
    const err = await KioskStore.open({ dataDir: data.dir, maintenanceIntervalMs: 0 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KeySourceError);
    expect((err as Error).message).toMatch(/key that is missing .* No new key was made/);
    expect(snapshot()).toEqual(disk);
  });

  it('DB whose wrapped key was lost: fatal, the keystore is not asked to wrap a new one', async () => {
    const ks = new FakeKeystore();
    await existingDirectory(ks);
    rmSync(join(data.dir, WRAPPED_KEY_FILE));
    const wrapsBefore = ks.encryptions;
    await expect(resolveMasterKey(data.dir, ks, { create: false })).rejects.toThrow(/key that is missing/);
    expect(ks.encryptions).toBe(wrapsBefore);
    expect(existsSync(join(data.dir, WRAPPED_KEY_FILE))).toBe(false);
  });

  it('wrong key: the store refuses it (WrongKeyError) and the database is unchanged', async () => {
    await existingDirectory(null);
    const db = readFileSync(join(data.dir, 'kiosk.db'));
    const err = await KioskStore.open({ dataDir: data.dir, keyProvider: new StaticKeyProvider(randomBytes(32)), maintenanceIntervalMs: 0 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WrongKeyError);
    expect(readFileSync(join(data.dir, 'kiosk.db')).equals(db)).toBe(true);
  });

  it('a directory from before the record existed adopts the key file it has and records that', async () => {
    await existingDirectory(null);
    const key = readFileSync(join(data.dir, KEY_FILE));
    rmSync(join(data.dir, KEY_SOURCE_FILE));
    const r = await resolveMasterKey(data.dir, new FakeKeystore(), { create: false });
    expect(r.source).toBe('file');
    expect(r.key.equals(key)).toBe(true);
    expect(readKeySourceRecord(data.dir)?.source).toBe('file');
  });

  it('both key files and no record: refuses to guess', async () => {
    await existingDirectory(null);
    rmSync(join(data.dir, KEY_SOURCE_FILE));
    writeFileSync(join(data.dir, WRAPPED_KEY_FILE), Buffer.from('something'), { mode: 0o600 });
    await expect(resolveMasterKey(data.dir, new FakeKeystore(), { create: false })).rejects.toThrow(/both kiosk\.key and kiosk\.key\.safe/);
  });

  it('a damaged record is an error naming the fix, never a new decision', async () => {
    await existingDirectory(null);
    writeFileSync(join(data.dir, KEY_SOURCE_FILE), '{"source":"clipboard"}');
    await expect(resolveMasterKey(data.dir, null, { create: true })).rejects.toThrow(/key-source\.json is damaged/);
  });

  it('a keystore that rotated its own key: the wrapped file is re-wrapped, the master key unchanged', async () => {
    const ks = new FakeKeystore();
    const { key } = await existingDirectory(ks);
    const wrappedBefore = readFileSync(join(data.dir, WRAPPED_KEY_FILE));
    ks.rotate = true;
    const r = await resolveMasterKey(data.dir, ks, { create: false });
    expect(r.key.equals(key)).toBe(true);
    expect(readFileSync(join(data.dir, WRAPPED_KEY_FILE)).equals(wrappedBefore)).toBe(false);
    expect(r.notes.join(' ')).toMatch(/re-wrapped/);
    ks.rotate = false;
    expect((await resolveMasterKey(data.dir, ks, { create: false })).key.equals(key)).toBe(true);
  });
});
