import { CliError } from '../cli-error.js';
import type { CliCommand } from '../command.js';

// Placeholder until the owning issue lands this command.
export const portsCommand: CliCommand = {
  name: 'ports',
  summary: '(not built yet)',
  usage: 'kiosk ports: not built yet',
  async run() {
    throw new CliError('the "ports" command is not built yet', 3);
  },
};
