import { parseArgs } from 'node:util';
import { CliError } from '../cli-error.js';
import type { CliCommand } from '../command.js';
import { readSecretLines } from '../read-secret.js';
import { defaultDataDir } from '../../store/data-dir.js';
import { KioskStore } from '../../store/kiosk-store.js';
import { openIdKey } from '../../host/id-key.js';
import { ACCOUNT_NAME_PATTERN, ROLES, type Role } from '../../store/accounts.js';
import { pinProblem } from '../../store/technician-credentials.js';

const usage = [
  'usage: kiosk pin set --role staff|technician --name NAME [--data DIR]',
  '',
  'Creates a console account, or sets a new PIN for an existing one (a forgotten PIN). The first',
  'technician account is made this way; technicians then manage accounts from the console.',
  'The PIN (6–12 digits, not one repeated digit nor a run) is read from the terminal without echo',
  '(asked twice), or as the first line of stdin when piped — never from the command line.',
  'The change is recorded in the audit log (actor "cli"). Stop the kiosk first or run it beside it:',
  'the store accepts one short write from the CLI while the host runs.',
  '',
  'options:',
  '  --role staff|technician',
  '  --name NAME     1–32 letters, digits, space, ".", "_" or "-" (shown on the PIN pad: no ID or phone numbers)',
  '  --data DIR      the kiosk data directory (default: $KIOSK_DATA_DIR or ~/.local/share/checkpoint-kiosk)',
].join('\n');

export const pinCommand: CliCommand = {
  name: 'pin',
  summary: 'create a console account or set its PIN (kiosk pin set --role technician --name NAME)',
  usage,
  async run(args, io) {
    const { values, positionals } = parseArgs({ args, options: { role: { type: 'string' }, name: { type: 'string' }, data: { type: 'string' }, pin: { type: 'string' } }, allowPositionals: true, strict: true });
    if (positionals[0] !== 'set' || positionals.length !== 1) throw new CliError('say what to do: `kiosk pin set --role technician --name NAME`');
    if (values.pin !== undefined) throw new CliError('a PIN is never given on the command line (ps and shell history would keep it); type it when asked, or pipe it on stdin');
    const role = values.role;
    if (!role || !(ROLES as readonly string[]).includes(role)) throw new CliError(`--role must be one of ${ROLES.join(', ')}`);
    const name = values.name?.trim() ?? '';
    if (!ACCOUNT_NAME_PATTERN.test(name)) throw new CliError('--name must be 1–32 letters, digits, space, ".", "_" or "-", starting with a letter or digit');
    const [pin, again] = await readSecretLines(io, io.stdinIsTty ? ['PIN: ', 'PIN again: '] : ['']);
    if (!pin) throw new CliError('no PIN was given (type it when asked, or pipe it as the first line of stdin)');
    const problem = pinProblem(pin);
    if (problem) throw new CliError(problem);
    if (io.stdinIsTty && again !== pin) throw new CliError('the two PINs differ; nothing was changed');
    const dataDir = values.data ?? defaultDataDir();
    const store = await KioskStore.open({ dataDir, maintenanceIntervalMs: 0 });
    // A new data directory gets its ID key with its database, as the host makes them (main/host/id-key.ts):
    // a kiosk whose first step was this command must still start.
    if (store.createdNow) await openIdKey(dataDir, { newDataDir: true });
    try {
      const { account, created } = store.accounts.setPin({ name, role: role as Role, pin }, 'cli');
      io.stderr.write(`${created ? 'created' : 'new PIN for'} ${account.role} account "${account.name}"; recorded in the audit log\n`);
      return 0;
    } catch (err) {
      throw new CliError(err instanceof Error ? err.message : String(err));
    } finally {
      store.close();
    }
  },
};
