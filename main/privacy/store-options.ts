import { deliveryModeOf } from '../config/delivery-mode.js';
import type { KioskConfig } from '../config/kiosk-config.js';
import type { KioskStoreOptions } from '../store/kiosk-store.js';

/** The store options the site's privacy settings decide: retention and what is kept (the host and `kiosk privacy` open the store alike). */
export function privacyStoreOptions(config: KioskConfig): Pick<KioskStoreOptions, 'retentionDays' | 'retentionMode' | 'collection'> {
  return { retentionDays: config.privacy.retentionDays, retentionMode: deliveryModeOf(config), collection: { storePhoto: config.privacy.storePhoto } };
}
