import { CliError } from '../cli-error.js';
import type { CliCommand } from '../command.js';

// Placeholder until the owning issue lands this command.
export const exportCommand: CliCommand = {
  name: 'export',
  summary: '(not built yet)',
  usage: 'kiosk export: not built yet',
  async run() {
    throw new CliError('the "export" command is not built yet', 3);
  },
};
