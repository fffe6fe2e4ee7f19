import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CliError } from '../cli-error.js';
import type { CliCommand } from '../command.js';
import { verifyAuditChain } from '../../store/audit-log.js';
import { DATABASE_FILE, defaultDataDir } from '../../store/data-dir.js';
import { openDatabase } from '../../store/database.js';

const usage = [
  'usage: kiosk audit verify [--data DIR]',
  '',
  'Checks the hash chain of the append-only audit log. Exits 0 when every entry is intact;',
  'otherwise prints the first broken entry (by sequence number) and exits 1.',
  '',
  'options:',
  '  --data DIR   the kiosk data directory (default: $KIOSK_DATA_DIR or ~/.local/share/checkpoint-kiosk)',
].join('\n');

export const auditCommand: CliCommand = {
  name: 'audit',
  summary: 'verify the hash-chained audit log (kiosk audit verify)',
  usage,
  async run(args, io) {
    const { positionals, values } = parseArgs({ args, options: { data: { type: 'string' } }, allowPositionals: true, strict: true });
    const [sub, ...extra] = positionals;
    if (sub !== 'verify') throw new CliError(sub ? `unknown subcommand "${sub}": the only one is \`kiosk audit verify [--data DIR]\`` : 'say what to do: `kiosk audit verify [--data DIR]`');
    if (extra.length > 0) throw new CliError(`unexpected argument "${extra[0]}"; usage: kiosk audit verify [--data DIR]`);
    const dataDir = values.data ?? defaultDataDir();
    const file = join(dataDir, DATABASE_FILE);
    if (!existsSync(file)) throw new CliError(`no kiosk database at ${file}; pass the data directory with --data DIR`);
    const db = openDatabase(file, { readonly: true });
    try {
      const hasLog = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'audit_log'").get();
      if (!hasLog) throw new CliError(`${file} has no audit log (schema too old); start the kiosk once to upgrade it`, 1);
      const result = verifyAuditChain(db);
      if (result.ok) {
        io.stdout.write(`audit log intact: ${result.entries} entr${result.entries === 1 ? 'y' : 'ies'} verified\n`);
        return 0;
      }
      io.stdout.write(`audit log BROKEN at entry ${result.firstBrokenSeq}: ${result.reason}\n`);
      return 1;
    } finally {
      db.close();
    }
  },
};
