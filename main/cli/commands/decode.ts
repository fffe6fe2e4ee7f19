import { CliError } from '../cli-error.js';
import type { CliCommand } from '../command.js';

// Placeholder until the owning issue lands this command.
export const decodeCommand: CliCommand = {
  name: 'decode',
  summary: '(not built yet)',
  usage: 'kiosk decode: not built yet',
  async run() {
    throw new CliError('the "decode" command is not built yet', 3);
  },
};
