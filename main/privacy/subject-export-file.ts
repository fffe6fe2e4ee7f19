import { closeSync, fsyncSync, mkdirSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { createPrivateFile, DATA_DIR_MODE } from '../store/store-files.js';
import { PrivacyRequestError, type SubjectExport } from './privacy-service.js';

/**
 * A person's export written to a file (docs/privacy.md §4): `kiosk privacy export --output FILE`
 * and the technician console (into `<data>/privacy-exports/`) both write it here.
 *
 * The file first: it is created new with mode 0600 (an existing file is never overwritten), and only
 * then is the export made (and audited, by PrivacyService.exportFor). An export that cannot be made
 * or written leaves no file behind. The file holds the person's own data in full: hand it over and
 * delete it.
 */
export const PRIVACY_EXPORTS_DIR = 'privacy-exports';

export function writeSubjectExport(file: string, make: () => SubjectExport): { doc: SubjectExport; bytes: number } {
  let fd: number;
  try {
    fd = createPrivateFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new PrivacyRequestError(code === 'EEXIST' ? `${file} exists already; name a new file` : `cannot create ${file} (${code ?? String(err)})`);
  }
  try {
    const doc = make();
    const text = `${JSON.stringify(doc, null, 2)}\n`;
    writeSync(fd, text);
    fsyncSync(fd);
    closeSync(fd);
    return { doc, bytes: Buffer.byteLength(text) };
  } catch (err) {
    closeSync(fd);
    unlinkSync(file);
    throw err;
  }
}

/**
 * A new file for the console's export: `<data>/privacy-exports/<reference>-<time>.json` (the directory
 * 0700). Named by the request's reference (already checked: no number of the person) and the time,
 * so two exports for one request never collide and the file says which request it answers.
 */
export function consoleExportFile(dataDir: string, reference: string, now: Date): string {
  const dir = join(dataDir, PRIVACY_EXPORTS_DIR);
  mkdirSync(dir, { recursive: true, mode: DATA_DIR_MODE });
  const safe = reference.replace(/[^\p{L}\p{N}._-]/gu, '_');
  return join(dir, `${safe}-${now.toISOString().replace(/[:.]/g, '-')}.json`);
}
