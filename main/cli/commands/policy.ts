import { CliError } from '../cli-error.js';
import type { CliCommand } from '../command.js';

// Placeholder until the owning issue lands this command.
export const policyCommand: CliCommand = {
  name: 'policy',
  summary: '(not built yet)',
  usage: 'kiosk policy: not built yet',
  async run() {
    throw new CliError('the "policy" command is not built yet', 3);
  },
};
