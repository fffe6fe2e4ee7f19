import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * Where the kiosk keeps its database, key file and preserved copies:
 * `$KIOSK_DATA_DIR` when set, otherwise `~/.local/share/checkpoint-kiosk`.
 */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  const explicit = env.KIOSK_DATA_DIR?.trim();
  if (explicit) return explicit;
  return join(homedir(), '.local', 'share', 'checkpoint-kiosk');
}

/** The database file inside a data directory. */
export const DATABASE_FILE = 'kiosk.db';
