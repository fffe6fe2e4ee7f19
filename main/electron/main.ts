import { app } from 'electron';
import { join } from 'node:path';
import { defaultDataDir } from '../store/data-dir.js';
import { runShell } from './shell.js';

/**
 * Electron entry (dist/electron/main.cjs). Options after `--` on the command line go to the host
 * (`kiosk start` passes --sim, --data, --config, --scenario); the data directory is also read here
 * to keep the keystore-wrapped key beside the database.
 */
const distDir = join(__dirname, '..');
const separator = process.argv.indexOf('--');
const hostArgs = separator >= 0 ? process.argv.slice(separator + 1) : [];
const dataIndex = hostArgs.indexOf('--data');
const dataDir = dataIndex >= 0 && hostArgs[dataIndex + 1] ? hostArgs[dataIndex + 1]! : defaultDataDir();
app.setName('checkpoint-kiosk');
runShell({ distDir, hostArgs, dataDir });
