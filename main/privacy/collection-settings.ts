import { deliveryModeOf, type DeliveryMode } from '../config/delivery-mode.js';
import { RETENTION_DAYS, type KioskConfig } from '../config/kiosk-config.js';
import type { KioskStore } from '../store/kiosk-store.js';

/**
 * The settings that decide how much personal information a kiosk collects and keeps. They are
 * recorded in the store (setting `privacy.collection`, so a change is a settings change with its
 * audit entry and its outbox row for central) each time they differ from the last recorded, and a
 * change that collects or keeps more — the photo kept, a longer window, the appended address or
 * fingerprints read, records sent to a central service — gets its own audit entry
 * `privacy.collection.widened` naming the fields.
 */
export const COLLECTION_SETTING = 'privacy.collection';

export interface CollectionInForce {
  storePhoto: boolean;
  retentionDays: number;
  mode: DeliveryMode;
  /** The SAM reader also reads the appended address (`30 03`). */
  readNewAddress: boolean;
  /** The SAM reader reads fingerprint templates (`30 10`; never kept by the store). */
  readFingerprint: boolean;
}

/** The minimum: what a kiosk with the default configuration collects (the baseline of the first record). */
export const MINIMUM_COLLECTION_IN_FORCE: CollectionInForce = { storePhoto: false, retentionDays: RETENTION_DAYS.default, mode: 'standalone', readNewAddress: false, readFingerprint: false };

export function collectionInForce(config: KioskConfig): CollectionInForce {
  const card = config.devices.idcard;
  const sam = card.protocol === 'sam' ? card.sam : undefined;
  return {
    storePhoto: config.privacy.storePhoto,
    retentionDays: config.privacy.retentionDays,
    mode: deliveryModeOf(config),
    readNewAddress: sam?.readNewAddress ?? false,
    readFingerprint: sam?.readFingerprint ?? false,
  };
}

/** The fields of `after` that collect or keep more than `before`. */
export function widenedFields(before: CollectionInForce, after: CollectionInForce): string[] {
  const out: string[] = [];
  if (after.storePhoto && !before.storePhoto) out.push('storePhoto');
  if (after.retentionDays > before.retentionDays) out.push('retentionDays');
  if (after.mode === 'central' && before.mode === 'standalone') out.push('mode');
  if (after.readNewAddress && !before.readNewAddress) out.push('readNewAddress');
  if (after.readFingerprint && !before.readFingerprint) out.push('readFingerprint');
  return out;
}

const same = (a: CollectionInForce, b: CollectionInForce) => (Object.keys(a) as Array<keyof CollectionInForce>).every((k) => a[k] === b[k]);

/**
 * Records the collection settings in force if they differ from the last recorded (or, before any
 * was recorded, from the minimum). Returns what changed. Called by the host when the store opens; a console
 * that changes one of these settings at run time calls it again with the new configuration.
 */
export async function recordCollectionSettings(store: KioskStore, config: KioskConfig, actor = 'config'): Promise<{ changed: boolean; widened: string[] }> {
  const now = collectionInForce(config);
  const recorded = store.settings.get<Partial<CollectionInForce>>(COLLECTION_SETTING);
  // Nothing recorded yet means the minimum was in force: a kiosk that never left it records nothing.
  const before = { ...MINIMUM_COLLECTION_IN_FORCE, ...recorded };
  if (same(before, now)) return { changed: false, widened: [] };
  const widened = widenedFields(before, now);
  await store.settings.set(COLLECTION_SETTING, now, actor);
  if (widened.length > 0) store.audit.append(actor, 'privacy.collection.widened', { fields: widened.join(','), storePhoto: now.storePhoto, retentionDays: now.retentionDays, mode: now.mode });
  return { changed: true, widened };
}
