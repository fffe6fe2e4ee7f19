import { HmacIdHasher, type IdHasher } from '../engine/id-hasher.js';

/**
 * The engine's IdHasher on a central-fed kiosk: list entries are HMACs under the deployment's ID
 * key, which central hands over at first contact and the store keeps (encrypted, `uplink_state`).
 * That is the only ID key such a kiosk has: it never makes one and never reads `id-hmac.key`
 * (docs/uplink-protocol.md, "Where a central-fed kiosk's ID key comes from"). Until the key has
 * arrived there is nothing to hash with: the host keeps the kiosk out of service (ID_KEY_AWAITED),
 * and `hashIdNumber` throws rather than hash with any other key.
 */
export class DeploymentIdHasher implements IdHasher {
  private current: HmacIdHasher | null;

  constructor(deploymentKey: Uint8Array | null) {
    this.current = deploymentKey ? new HmacIdHasher(deploymentKey) : null;
  }

  /** True once the deployment's key is known. */
  get ready(): boolean {
    return this.current !== null;
  }

  /** Takes the deployment's key (first contact). */
  useDeploymentKey(key: Uint8Array): void {
    this.current = new HmacIdHasher(key);
  }

  hashIdNumber(idNumber: string): string {
    if (!this.current) throw new Error('the deployment\'s ID key has not arrived from central yet (first contact pending); the kiosk is out of service until it does');
    return this.current.hashIdNumber(idNumber);
  }
}
