import { CliError } from '../cli-error.js';
import type { CliIo } from '../io.js';

// Placeholder: the thermometer engineer replaces this file with the real decoder.
export async function decodeThermo(_args: string[], _io: CliIo): Promise<number> {
  throw new CliError('not built yet');
}
