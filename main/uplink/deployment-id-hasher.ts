import { HmacIdHasher, type IdHasher } from '../engine/id-hasher.js';

/**
 * The engine's IdHasher on a list-fed kiosk: list entries are HMACs under the deployment's ID key,
 * which central hands over at first contact (kept encrypted in the store). Until then the kiosk's
 * own key (id-hmac.key) hashes, so the duplicate check works; lists cannot match before first
 * contact anyway (there are none, and the stale-list rule applies).
 */
export class DeploymentIdHasher implements IdHasher {
  private current: HmacIdHasher;

  constructor(localKey: Uint8Array, deploymentKey: Uint8Array | null = null) {
    this.current = new HmacIdHasher(deploymentKey ?? localKey);
  }

  /** Switches to the deployment's key (first contact). */
  useDeploymentKey(key: Uint8Array): void {
    this.current = new HmacIdHasher(key);
  }

  hashIdNumber(idNumber: string): string {
    return this.current.hashIdNumber(idNumber);
  }
}
