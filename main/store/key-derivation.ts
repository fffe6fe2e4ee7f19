import { hkdfSync } from 'node:crypto';

/**
 * Every key the store uses is derived from the one master key (key file or OS keystore) with
 * HKDF-SHA256 and its own info string, so knowing one derived key reveals nothing about the others.
 * Returns a deriver bound to the master key, after checking its length.
 */
export function storeKeyDeriver(masterKey: Buffer): (info: string) => Buffer {
  if (masterKey.length !== 32) throw new Error(`the master key must be 32 bytes, got ${masterKey.length}`);
  return (info) => Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), info, 32));
}
