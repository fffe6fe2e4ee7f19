import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CliError } from '../cli-error.js';
import type { CliCommand } from '../command.js';
import { verifyAuditChain } from '../../store/audit-log.js';
import { DATABASE_FILE, defaultDataDir } from '../../store/data-dir.js';
import { openDatabase, type SqliteDatabase } from '../../store/database.js';
import { FileKeyProvider } from '../../store/key-provider.js';
import { PersonalDataCipher } from '../../store/personal-data-cipher.js';
import { checkRecordSeals } from '../../store/screening-store.js';
import { refuseEmptyDatabase } from '../../store/store-files.js';
import { StoreSeal } from '../../store/store-seal.js';

const usage = [
  'usage: kiosk audit verify [--data DIR]',
  '',
  'Checks the audit log (hash chain and keyed seals) and the seal of every screening record, with',
  "the store's key (the key file in the data directory). Exits 0 when everything is intact;",
  'otherwise prints the first broken audit entry (by sequence number) and every altered record (by',
  'id), and exits 1. Read-only: it changes nothing.',
  '',
  'options:',
  '  --data DIR   the kiosk data directory (default: $KIOSK_DATA_DIR or ~/.local/share/checkpoint-kiosk)',
].join('\n');

const MAX_IDS_SHOWN = 20;

export const auditCommand: CliCommand = {
  name: 'audit',
  summary: 'verify the audit log and the records against their keyed seals (kiosk audit verify)',
  usage,
  async run(args, io) {
    const { positionals, values } = parseArgs({ args, options: { data: { type: 'string' } }, allowPositionals: true, strict: true });
    const [sub, ...extra] = positionals;
    if (sub !== 'verify') throw new CliError(sub ? `unknown subcommand "${sub}": the only one is \`kiosk audit verify [--data DIR]\`` : 'say what to do: `kiosk audit verify [--data DIR]`');
    if (extra.length > 0) throw new CliError(`unexpected argument "${extra[0]}"; usage: kiosk audit verify [--data DIR]`);
    const dataDir = values.data ?? defaultDataDir();
    const file = join(dataDir, DATABASE_FILE);
    if (!existsSync(file)) throw new CliError(`no kiosk database at ${file}; pass the data directory with --data DIR`);
    try {
      refuseEmptyDatabase(dataDir);
    } catch (err) {
      throw new CliError(err instanceof Error ? err.message : String(err), 1);
    }
    if (statSync(file).size === 0) throw new CliError(`the kiosk database ${file} is empty (0 bytes): no store was ever written to it; nothing to verify`, 1);
    if (!existsSync(join(dataDir, 'kiosk.key')) && existsSync(join(dataDir, 'kiosk.key.safe'))) {
      throw new CliError('this kiosk keeps its key in the OS keystore (Electron safeStorage), which the CLI cannot open; verify from the technician menu of the running kiosk', 1);
    }
    const db = openDatabase(file, { readonly: true });
    try {
      const seal = await sealFor(db, dataDir, file);
      const chain = verifyAuditChain(db, seal);
      const records = checkRecordSeals(db, seal);
      let ok = true;
      if (chain.ok) {
        io.stdout.write(`audit log intact: ${chain.entries} entr${chain.entries === 1 ? 'y' : 'ies'} verified\n`);
      } else {
        ok = false;
        io.stdout.write(`audit log BROKEN at entry ${chain.firstBrokenSeq}: ${chain.reason}\n`);
      }
      const bad = [...records.altered.map((id) => `${id} (altered)`), ...records.unsealed.map((id) => `${id} (no seal)`)];
      if (bad.length === 0) {
        io.stdout.write(`records intact: ${records.checked} screening record(s) match their seals\n`);
      } else {
        ok = false;
        const shown = bad.slice(0, MAX_IDS_SHOWN).join(', ');
        io.stdout.write(
          `records ALTERED: ${bad.length} of ${records.checked} screening record(s) do not match their seals (changed outside the kiosk software; do not trust them): ${shown}${bad.length > MAX_IDS_SHOWN ? `, and ${bad.length - MAX_IDS_SHOWN} more` : ''}\n`,
        );
      }
      return ok ? 0 : 1;
    } finally {
      db.close();
    }
  },
};

/** The seal keys, after checking the key file is the one this database was made with. */
async function sealFor(db: SqliteDatabase, dataDir: string, file: string): Promise<StoreSeal> {
  const has = (table: string) => db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(table) !== undefined;
  if (!has('meta')) throw new CliError(`${file} holds no kiosk store (no meta table); check --data, or restore the database from a backup`, 1);
  if (!has('audit_log')) throw new CliError(`${file} has no audit log (schema too old); start the kiosk once to upgrade it`, 1);
  const columns = db.prepare("SELECT name FROM pragma_table_info('audit_log')").pluck().all() as string[];
  if (!columns.includes('mac')) throw new CliError(`${file} was written before records were sealed; start the kiosk once (it seals them), then verify again`, 1);
  const keyCheck = db.prepare("SELECT value FROM meta WHERE key = 'key_check'").pluck().get() as string | undefined;
  const provider = new FileKeyProvider(dataDir);
  const key = await provider.getKey({ create: false });
  if (keyCheck === undefined || !new PersonalDataCipher(key).matchesKeyCheck(keyCheck)) {
    throw new CliError(`the key from ${provider.describe()} is not the key this database was created with; verification needs the original key`, 1);
  }
  return new StoreSeal(key);
}
