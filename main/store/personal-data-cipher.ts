import { createCipheriv, createDecipheriv, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { storeKeyDeriver } from './key-derivation.js';
import { DecryptionError } from './store-errors.js';

const FORMAT_V1 = 0x01;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

/**
 * Encryption of personal data at rest: AES-256-GCM with a fresh random 12-byte nonce per value and
 * associated data binding each ciphertext to its table, column and record id (a ciphertext copied to
 * another row or column fails to decrypt). Stored format: 0x01 || nonce(12) || ciphertext || tag(16).
 *
 * Three keys are derived from the master key with HKDF-SHA256, so the blind index key and the key
 * check never reveal anything about the encryption key.
 */
export class PersonalDataCipher {
  private readonly encKey: Buffer;
  private readonly indexKey: Buffer;
  private readonly checkKey: Buffer;

  constructor(masterKey: Buffer) {
    const derive = storeKeyDeriver(masterKey);
    this.encKey = derive('checkpoint-kiosk/personal-data/aes-256-gcm/v1');
    this.indexKey = derive('checkpoint-kiosk/personal-data/blind-index/v1');
    this.checkKey = derive('checkpoint-kiosk/key-check/v1');
  }

  /**
   * Nonces come from a pool of CSPRNG bytes consumed front to back and replaced (never refilled in
   * place) when used up: each nonce is fresh randomness, drawn without a syscall per value.
   */
  private noncePool = Buffer.alloc(0);
  private nonceOffset = 0;

  private nextNonce(): Buffer {
    if (this.nonceOffset + NONCE_BYTES > this.noncePool.length) {
      this.noncePool = randomBytes(NONCE_BYTES * 512);
      this.nonceOffset = 0;
    }
    const nonce = this.noncePool.subarray(this.nonceOffset, this.nonceOffset + NONCE_BYTES);
    this.nonceOffset += NONCE_BYTES;
    return nonce;
  }

  encrypt(plain: Buffer | string, aad: string): Buffer {
    const nonce = this.nextNonce();
    const cipher = createCipheriv('aes-256-gcm', this.encKey, nonce);
    cipher.setAAD(Buffer.from(aad, 'utf8'));
    const body = Buffer.concat([cipher.update(typeof plain === 'string' ? Buffer.from(plain, 'utf8') : plain), cipher.final()]);
    return Buffer.concat([Buffer.of(FORMAT_V1), nonce, body, cipher.getAuthTag()]);
  }

  decrypt(stored: Buffer, aad: string): Buffer {
    if (stored.length < 1 + NONCE_BYTES + TAG_BYTES || stored[0] !== FORMAT_V1) {
      throw new DecryptionError(`the encrypted value for ${aad} has an unknown format`);
    }
    const nonce = stored.subarray(1, 1 + NONCE_BYTES);
    const tag = stored.subarray(stored.length - TAG_BYTES);
    const decipher = createDecipheriv('aes-256-gcm', this.encKey, nonce);
    decipher.setAAD(Buffer.from(aad, 'utf8'));
    decipher.setAuthTag(tag);
    try {
      return Buffer.concat([decipher.update(stored.subarray(1 + NONCE_BYTES, stored.length - TAG_BYTES)), decipher.final()]);
    } catch {
      throw new DecryptionError(`the encrypted value for ${aad} failed authentication (tampered, moved, or a different key)`);
    }
  }

  encryptText(plain: string, aad: string): Buffer {
    return this.encrypt(plain, aad);
  }

  decryptText(stored: Buffer, aad: string): string {
    return this.decrypt(stored, aad).toString('utf8');
  }

  /** HMAC-SHA256 blind index: equal inputs give equal tags (find repeat visits) without storing the value. */
  blindIndex(value: string): Buffer {
    return createHmac('sha256', this.indexKey).update(value.trim().toUpperCase(), 'utf8').digest();
  }

  /** A value stored with the database that proves a later key is the same key. */
  keyCheckValue(): string {
    return createHmac('sha256', this.checkKey).update('checkpoint-kiosk key check', 'utf8').digest('hex');
  }

  matchesKeyCheck(stored: string): boolean {
    const mine = Buffer.from(this.keyCheckValue(), 'hex');
    const theirs = Buffer.from(stored, 'hex');
    return mine.length === theirs.length && timingSafeEqual(mine, theirs);
  }
}

/** Associated data naming where a ciphertext belongs. */
export const aadFor = (table: string, column: string, recordId: string): string => `${table}.${column}:${recordId}`;
