import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { FileKeyProvider } from '../store/key-provider.js';
import { KeySourceError } from '../store/store-errors.js';
import { ID_KEY_FILE, WATCHLIST_FILE } from './local-lists.js';

/**
 * The deployment's ID key (HMAC of ID numbers: the watchlists name people by it). Like the master
 * key it is created only with a new data directory: for an existing one a missing key is a fatal,
 * explained state. A new key there would match no listed person, so a red-listed card would PASS
 * while the log said the list was loaded. A watchlist file on disk was hashed with the deployment's
 * key, so its presence forbids a new key even in a new directory.
 */
export async function openIdKey(dataDir: string, opts: { newDataDir: boolean }): Promise<Buffer> {
  const file = join(dataDir, ID_KEY_FILE);
  if (!existsSync(file)) {
    if (!opts.newDataDir) {
      throw new KeySourceError(
        `the ID key ${file} is missing, but ${dataDir} already holds a kiosk database. The watchlists are matched with this key: a new one would match no listed person. ` +
          `Restore ${ID_KEY_FILE} from the deployment's backup (the key the central service hashes its lists with), then start again. No new key was made`,
      );
    }
    if (existsSync(join(dataDir, WATCHLIST_FILE))) {
      throw new KeySourceError(
        `the ID key ${file} is missing, but ${join(dataDir, WATCHLIST_FILE)} is there, hashed with the deployment's ID key: a new key would match none of its entries. Install the deployment's ${ID_KEY_FILE} (0600) beside it, then start again. No new key was made`,
      );
    }
  }
  return new FileKeyProvider(dataDir, ID_KEY_FILE).getKey({ create: opts.newDataDir });
}
