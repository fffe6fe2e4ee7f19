import { app } from 'electron';
import { join } from 'node:path';
import { ShellExit } from './exit-codes.js';
import { parseShellArgs } from './shell-args.js';
import { runShell } from './shell.js';

/**
 * Electron entry (dist/electron/main.cjs). Options after `--` on the command line go to the host
 * (`kiosk start` passes --sim, --data, --config, --scenario); the shell reads the data directory
 * with the same parser, to keep the keystore-wrapped key beside the database.
 */
const distDir = join(__dirname, '..');
app.setName('checkpoint-kiosk');
let args;
try {
  args = parseShellArgs(process.argv);
} catch (err) {
  process.stderr.write(`kiosk-shell: ${err instanceof Error ? err.message : String(err)}\n`);
  app.exit(ShellExit.BadOptions);
}
if (args) runShell({ distDir, hostArgs: args.hostArgs, dataDir: args.dataDir });
