import { CliError } from '../cli-error.js';
import type { CliCommand } from '../command.js';

// Placeholder until the owning issue lands this command.
export const configCommand: CliCommand = {
  name: 'config',
  summary: '(not built yet)',
  usage: 'kiosk config: not built yet',
  async run() {
    throw new CliError('the "config" command is not built yet', 3);
  },
};
