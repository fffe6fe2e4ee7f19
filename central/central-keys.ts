import { createPrivateKey, createPublicKey, sign, type KeyObject } from 'node:crypto';
import { HmacIdHasher } from '../main/engine/id-hasher.js';
import { FileKeyProvider } from '../main/store/key-provider.js';
import { PersonalDataCipher } from '../main/store/personal-data-cipher.js';
import { signedBytes, type ListDeltaBody, type ListHeadBody } from './api.js';

/** Key files in central's data directory (each 32 random bytes, 0600, made on first start). */
export const CENTRAL_KEY_FILES = {
  /** The deployment's ID key: HMAC of ID numbers on the lists; handed to each kiosk at first contact. */
  idKey: 'id-hmac.key',
  /** Seed of the Ed25519 key that signs list versions and heads (kiosks pin its public half). */
  listSigning: 'list-signing.key',
  /** Protects personal data in received records (AES-256-GCM, as on the kiosk). */
  records: 'records.key',
} as const;

/** PKCS#8 DER prefix of an Ed25519 private key (RFC 8410): the 32-byte seed follows it. */
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/**
 * Central's keys, read through the store's FileKeyProvider. Several central instances on one
 * PostgreSQL must hold the same three files (copy the data directory's key files to each; see
 * docs/central-scaling.md).
 */
export class CentralKeys {
  private constructor(
    readonly idKey: Buffer,
    private readonly signingKey: KeyObject,
    readonly records: PersonalDataCipher,
  ) {}

  static async load(dataDir: string): Promise<CentralKeys> {
    const idKey = await new FileKeyProvider(dataDir, CENTRAL_KEY_FILES.idKey).getKey({ create: true });
    const seed = await new FileKeyProvider(dataDir, CENTRAL_KEY_FILES.listSigning).getKey({ create: true });
    const records = await new FileKeyProvider(dataDir, CENTRAL_KEY_FILES.records).getKey({ create: true });
    const signingKey = createPrivateKey({ key: Buffer.concat([ED25519_PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
    return new CentralKeys(idKey, signingKey, new PersonalDataCipher(records));
  }

  /** The ID hasher kiosks use too (same normalisation, same key): list entries match their cards. */
  get idHasher(): HmacIdHasher {
    return new HmacIdHasher(this.idKey);
  }

  /** The public half of the list-signing key, SPKI DER in base64 (what kiosks pin). */
  get listSigningPublicKey(): string {
    return createPublicKey(this.signingKey).export({ format: 'der', type: 'spki' }).toString('base64');
  }

  sign(kind: 'list-delta' | 'list-head', body: ListDeltaBody | ListHeadBody): string {
    return sign(null, signedBytes(kind, body), this.signingKey).toString('base64');
  }
}
