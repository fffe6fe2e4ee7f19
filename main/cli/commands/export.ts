import { closeSync, existsSync, fsyncSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CliError } from '../cli-error.js';
import type { CliCommand } from '../command.js';
import { DATABASE_FILE, defaultDataDir } from '../../store/data-dir.js';
import { ExportNotAuthorisedError, type ExportFormat } from '../../store/export.js';
import { KioskStore } from '../../store/kiosk-store.js';
import { createPrivateFile } from '../../store/store-files.js';
import { KeySourceError, WrongKeyError } from '../../store/store-errors.js';

const usage = [
  'usage: kiosk export --from YYYY-MM-DD --to YYYY-MM-DD [--format csv|jsonl] [--data DIR]',
  '                    [--output FILE] [--unmasked --technician-pin PIN]',
  '',
  'Writes the screenings finished between the two local dates (both included) to stdout, or to a',
  'new file readable by its owner only (--output).',
  'Names, ID numbers and addresses are masked (110105********002X, 张*) unless --unmasked is given',
  'with the technician PIN (or KIOSK_TECHNICIAN_PIN in the environment, which keeps it out of `ps`).',
  'Every export, and every refused unmasked export, is recorded in the audit log. Photos are never exported.',
  'A record with a damaged value is exported with what can be read; a record changed outside the kiosk',
  'is flagged. Both are named (by id) on stderr, in the "integrity" column and in the audit entry, and',
  'the export then exits 1.',
  '',
  'options:',
  '  --from DATE          first day (local time)',
  '  --to DATE            last day (local time), on or after --from',
  '  --format csv|jsonl   default csv',
  '  --data DIR           the kiosk data directory (default: $KIOSK_DATA_DIR or ~/.local/share/checkpoint-kiosk)',
  '  --output FILE        write to FILE (created with mode 0600; an existing file is not overwritten)',
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
        output: { type: 'string' },
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
    let fd: number | null = null;
    try {
      if (values.output !== undefined) {
        try {
          fd = createPrivateFile(values.output);
        } catch (err) {
          const code = (err as NodeJS.ErrnoException).code;
          throw new CliError(code === 'EEXIST' ? `--output ${values.output} exists already; name a new file` : `cannot create --output ${values.output} (${code ?? String(err)})`);
        }
      }
      const out = fd;
      const write = out === null ? (chunk: string) => void io.stdout.write(chunk) : (chunk: string) => void writeSync(out, chunk);
      const end = new Date(to.getFullYear(), to.getMonth(), to.getDate() + 1);
      const r = store.exportScreenings({ from, to: end, format, unmasked: values.unmasked, technicianPin: pin, actor: 'cli' }, write);
      if (out !== null) fsyncSync(out);
      io.stderr.write(`exported ${r.count} screening(s), ${values.unmasked ? 'UNMASKED' : 'masked'}${values.output ? ` to ${values.output}` : ''}; recorded in the audit log\n`);
      for (const id of r.damaged) io.stderr.write(`damaged record ${id}: a stored value could not be read; exported with those fields empty\n`);
      for (const id of r.altered) io.stderr.write(`ALTERED record ${id}: it does not match its seal (changed outside the kiosk software); exported, flagged "altered"\n`);
      if (r.damaged.length > 0 || r.altered.length > 0) {
        io.stderr.write(`partial export: ${r.damaged.length} damaged and ${r.altered.length} altered record(s) of ${r.count}; run \`kiosk audit verify\`\n`);
        return 1;
      }
      return 0;
    } catch (err) {
      if (err instanceof ExportNotAuthorisedError) throw new CliError(err.message, 1);
      throw err;
    } finally {
      if (fd !== null) closeSync(fd);
      store.close();
    }
  },
};
