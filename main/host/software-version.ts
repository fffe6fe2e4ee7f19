import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The kiosk's version from package.json (beside dist/ when bundled, two levels up in the sources). */
export function softwareVersion(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const candidate of [join(here, '..', 'package.json'), join(here, '..', '..', 'package.json')]) {
    try {
      const pkg = JSON.parse(readFileSync(candidate, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'checkpoint-kiosk' && pkg.version) return pkg.version;
    } catch {
      // not this location: try the next
    }
  }
  return 'unknown';
}
