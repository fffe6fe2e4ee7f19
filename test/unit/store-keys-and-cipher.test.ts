import { existsSync, readFileSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileKeyProvider, StaticKeyProvider } from '../../main/store/key-provider.js';
import { KioskStore } from '../../main/store/kiosk-store.js';
import { aadFor, PersonalDataCipher } from '../../main/store/personal-data-cipher.js';
import { DecryptionError, WrongKeyError } from '../../main/store/store-errors.js';
import { screeningRecord, withoutPhoto } from '../fixtures/store/screening-records.js';
import { tempDataDir } from '../fixtures/store/temp-data-dir.js';

const key = (b: number) => Buffer.alloc(32, b);

describe('PersonalDataCipher', () => {
  const cipher = new PersonalDataCipher(key(1));

  it('round-trips, with a fresh nonce per value', () => {
    const a = cipher.encryptText('张三', aadFor('screenings', 'name', 'r1'));
    const b = cipher.encryptText('张三', aadFor('screenings', 'name', 'r1'));
    expect(a.equals(b)).toBe(false);
    expect(a.subarray(1, 13).equals(b.subarray(1, 13))).toBe(false);
    expect(a.length).toBe(1 + 12 + Buffer.byteLength('张三') + 16);
    expect(cipher.decryptText(a, aadFor('screenings', 'name', 'r1'))).toBe('张三');
  });

  it('refuses a value moved to another record or column, or altered', () => {
    const a = cipher.encryptText('11010519491231002X', aadFor('screenings', 'id_number', 'r1'));
    expect(() => cipher.decrypt(a, aadFor('screenings', 'id_number', 'r2'))).toThrow(DecryptionError);
    expect(() => cipher.decrypt(a, aadFor('screenings', 'name', 'r1'))).toThrow(DecryptionError);
    const tampered = Buffer.from(a);
    tampered[20] = tampered[20]! ^ 1;
    expect(() => cipher.decrypt(tampered, aadFor('screenings', 'id_number', 'r1'))).toThrow(/failed authentication/);
    expect(() => new PersonalDataCipher(key(2)).decrypt(a, aadFor('screenings', 'id_number', 'r1'))).toThrow(DecryptionError);
  });

  it('gives a keyed, stable blind index independent of the encryption', () => {
    expect(cipher.blindIndex('11010519491231002x').equals(cipher.blindIndex('11010519491231002X'))).toBe(true);
    expect(cipher.blindIndex('11010519491231002X').equals(new PersonalDataCipher(key(2)).blindIndex('11010519491231002X'))).toBe(false);
    expect(cipher.blindIndex('11010519491231002X')).toHaveLength(32);
  });

  it('key check matches only the same key', () => {
    expect(cipher.matchesKeyCheck(new PersonalDataCipher(key(1)).keyCheckValue())).toBe(true);
    expect(cipher.matchesKeyCheck(new PersonalDataCipher(key(2)).keyCheckValue())).toBe(false);
  });
});

describe('key providers', () => {
  let data: ReturnType<typeof tempDataDir>;
  beforeEach(() => {
    data = tempDataDir();
  });
  afterEach(() => data.cleanup());

  it('FileKeyProvider creates a 0600 key file once and reads the same key after', async () => {
    const p = new FileKeyProvider(data.dir);
    const k1 = await p.getKey();
    expect(k1).toHaveLength(32);
    expect(statSync(p.path).mode & 0o777).toBe(0o600);
    expect((await new FileKeyProvider(data.dir).getKey()).equals(k1)).toBe(true);
  });

  it('FileKeyProvider refuses a world-readable or truncated key file, and a missing one when creation is forbidden', async () => {
    const p = new FileKeyProvider(data.dir);
    await expect(p.getKey({ create: false })).rejects.toThrow(/missing/);
    expect(existsSync(p.path)).toBe(false);
    await p.getKey();
    chmodSync(p.path, 0o644);
    await expect(p.getKey()).rejects.toThrow(/chmod 600/);
    chmodSync(p.path, 0o600);
    writeFileSync(p.path, Buffer.alloc(5));
    await expect(p.getKey()).rejects.toThrow(/5 bytes/);
  });
});

describe('opening with the wrong key', () => {
  let data: ReturnType<typeof tempDataDir>;
  beforeEach(() => {
    data = tempDataDir();
  });
  afterEach(() => data.cleanup());

  it('gives a clear WrongKeyError and destroys nothing', async () => {
    const store = await KioskStore.open({ dataDir: data.dir, keyProvider: new StaticKeyProvider(key(1)), maintenanceIntervalMs: 0 });
    const record = screeningRecord();
    await store.records.commit(record);
    store.close();
    const before = readFileSync(join(data.dir, 'kiosk.db'));

    const err = await KioskStore.open({ dataDir: data.dir, keyProvider: new StaticKeyProvider(key(2)), maintenanceIntervalMs: 0 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WrongKeyError);
    expect((err as Error).message).toMatch(/not the key this database .* was created with; nothing was changed/);
    expect(readFileSync(join(data.dir, 'kiosk.db')).equals(before)).toBe(true);

    const again = await KioskStore.open({ dataDir: data.dir, keyProvider: new StaticKeyProvider(key(1)), maintenanceIntervalMs: 0 });
    expect(again.records.get(record.id)).toEqual(withoutPhoto(record));
    again.close();
  });

  it('refuses to create a new key file when the database already holds data', async () => {
    const store = await KioskStore.open({ dataDir: data.dir, maintenanceIntervalMs: 0 });
    store.close();
    const keyFile = join(data.dir, 'kiosk.key');
    const saved = readFileSync(keyFile);
    const { rmSync } = await import('node:fs');
    rmSync(keyFile);
    await expect(KioskStore.open({ dataDir: data.dir, maintenanceIntervalMs: 0 })).rejects.toThrow(/holds data encrypted with a key that is missing .* No new key was made/);
    expect(existsSync(keyFile)).toBe(false);
    writeFileSync(keyFile, saved, { mode: 0o600 });
    (await KioskStore.open({ dataDir: data.dir, maintenanceIntervalMs: 0 })).close();
  });
});

describe('PersonalDataCipher properties', () => {
  const cipher = new PersonalDataCipher(key(3));
  it('round-trips any text (rare characters, surrogates as UTF-8) and any bytes', async () => {
    const fc = (await import('fast-check')).default;
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 64 }), fc.uint8Array({ maxLength: 2048 }), fc.string({ maxLength: 20 }), (text, bytes, id) => {
        const aad = aadFor('screenings', 'name', id);
        expect(cipher.decryptText(cipher.encryptText(text, aad), aad)).toBe(text);
        expect(cipher.decrypt(cipher.encrypt(Buffer.from(bytes), aad), aad).equals(Buffer.from(bytes))).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});

describe('nonces', () => {
  it('are never repeated across many values (pool refills included)', () => {
    const cipher = new PersonalDataCipher(key(4));
    const seen = new Set<string>();
    for (let i = 0; i < 5000; i++) seen.add(cipher.encryptText('x', 'a').subarray(1, 13).toString('hex'));
    expect(seen.size).toBe(5000);
  });
});
