import { CliError } from '../cli-error.js';
import type { CliCommand } from '../command.js';

// Placeholder until the owning issue lands this command.
export const startCommand: CliCommand = {
  name: 'start',
  summary: '(not built yet)',
  usage: 'kiosk start: not built yet',
  async run() {
    throw new CliError('the "start" command is not built yet', 3);
  },
};
