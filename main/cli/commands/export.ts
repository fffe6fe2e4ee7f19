import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CliError } from '../cli-error.js';
import type { CliCommand } from '../command.js';
import { DATABASE_FILE, defaultDataDir } from '../../store/data-dir.js';
import { ExportNotAuthorisedError, type ExportFormat } from '../../store/export.js';
import { KioskStore } from '../../store/kiosk-store.js';
import { KeySourceError, WrongKeyError } from '../../store/store-errors.js';

const usage = [
  'usage: kiosk export --from YYYY-MM-DD --to YYYY-MM-DD [--format csv|jsonl] [--data DIR]',
  '                    [--unmasked --technician-pin PIN]',
  '',
  'Writes the screenings finished between the two local dates (both included) to stdout.',
  'Names, ID numbers and addresses are masked (110105********002X, 张*) unless --unmasked is given',
  'with the technician PIN (or KIOSK_TECHNICIAN_PIN in the environment, which keeps it out of `ps`).',
  'Every export, and every refused unmasked export, is recorded in the audit log. Photos are never exported.',
  '',
  'options:',
  '  --from DATE          first day (local time)',
  '  --to DATE            last day (local time), on or after --from',
  '  --format csv|jsonl   default csv',
  '  --data DIR           the kiosk data directory (default: $KIOSK_DATA_DIR or ~/.local/share/checkpoint-kiosk)',
].join('\n');

/** YYYY-MM-DD as a real calendar date at local midnight. */
function parseDay(text: string | undefined, option: string): Date {
  if (text === undefined) throw new CliError(`${option} is required, as YYYY-MM-DD (e.g. ${option} 2026-11-28)`);
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  const d = m ? new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : undefined;
  if (!m || !d || d.getFullYear() !== Number(m[1]) || d.getMonth() !== Number(m[2]) - 1 || d.getDate() !== Number(m[3])) {
    throw new CliError(`${option} "${text}" is not a date: use YYYY-MM-DD (e.g. ${option} 2026-11-28)`);
  }
  return d;
}

export const exportCommand: CliCommand = {
  name: 'export',
  summary: 'export screenings for a date range as CSV or JSON lines (masked by default)',
  usage,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      options: {
        from: { type: 'string' },
        to: { type: 'string' },
        format: { type: 'string', default: 'csv' },
        data: { type: 'string' },
        unmasked: { type: 'boolean', default: false },
        'technician-pin': { type: 'string' },
      },
      allowPositionals: true,
      strict: true,
    });
    if (positionals.length > 0) throw new CliError(`unexpected argument "${positionals[0]}"; see \`kiosk export --help\``);
    const from = parseDay(values.from, '--from');
    const to = parseDay(values.to, '--to');
    if (to < from) throw new CliError(`--to ${values.to} is before --from ${values.from}: swap them`);
    if (values.format !== 'csv' && values.format !== 'jsonl') throw new CliError(`--format "${values.format}" is not supported: use csv or jsonl`);
    const format: ExportFormat = values.format;
    const pin = values['technician-pin'] ?? (process.env.KIOSK_TECHNICIAN_PIN || undefined);
    if (pin !== undefined && !values.unmasked) throw new CliError('--technician-pin is only used with --unmasked; masked exports need no PIN');
    if (values.unmasked && !pin) throw new CliError('--unmasked needs the technician PIN: add --technician-pin PIN (or set KIOSK_TECHNICIAN_PIN)');

    const dataDir = values.data ?? defaultDataDir();
    const file = join(dataDir, DATABASE_FILE);
    if (!existsSync(file)) throw new CliError(`no kiosk database at ${file}; pass the data directory with --data DIR`);
    // The data directory's recorded key source decides; a key the CLI cannot have is a KeySourceError saying why.
    let store: KioskStore;
    try {
      store = await KioskStore.open({ dataDir, maintenanceIntervalMs: 0 });
    } catch (err) {
      if (err instanceof KeySourceError || err instanceof WrongKeyError) throw new CliError(err.message, 1);
      throw err;
    }
    try {
      const end = new Date(to.getFullYear(), to.getMonth(), to.getDate() + 1);
      const { count } = store.exportScreenings({ from, to: end, format, unmasked: values.unmasked, technicianPin: pin, actor: 'cli' }, (chunk) => io.stdout.write(chunk));
      io.stderr.write(`exported ${count} screening(s), ${values.unmasked ? 'UNMASKED' : 'masked'}; recorded in the audit log\n`);
      return 0;
    } catch (err) {
      if (err instanceof ExportNotAuthorisedError) throw new CliError(err.message, 1);
      throw err;
    } finally {
      store.close();
    }
  },
};
