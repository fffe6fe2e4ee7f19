import { CliError } from '../cli-error.js';
import type { CliCommand } from '../command.js';

// Placeholder until the owning issue lands this command.
export const auditCommand: CliCommand = {
  name: 'audit',
  summary: '(not built yet)',
  usage: 'kiosk audit: not built yet',
  async run() {
    throw new CliError('the "audit" command is not built yet', 3);
  },
};
