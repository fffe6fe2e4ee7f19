import type { CliIo } from './io.js';

/** One `kiosk <name> ...` command. Returns the process exit code. */
export interface CliCommand {
  name: string;
  /** One line for `kiosk --help`. */
  summary: string;
  /** Full usage text, printed by `kiosk <name> --help`. */
  usage: string;
  run(args: string[], io: CliIo): Promise<number>;
}
