import { CliError } from '../cli-error.js';
import type { CliCommand } from '../command.js';

// Placeholder until the owning issue lands this command.
export const simCommand: CliCommand = {
  name: 'sim',
  summary: '(not built yet)',
  usage: 'kiosk sim: not built yet',
  async run() {
    throw new CliError('the "sim" command is not built yet', 3);
  },
};
