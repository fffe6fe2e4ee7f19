import { CliError } from '../cli-error.js';
import type { CliIo } from '../io.js';

// Interim: replaced by the SAM frame decoder in the next commits.
export async function decodeIdcard(_args: string[], _io: CliIo): Promise<number> {
  throw new CliError('not built yet');
}
