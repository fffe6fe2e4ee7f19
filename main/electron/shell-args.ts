import { hostArgsFor, parseHostOptions } from '../host/host-options.js';

export interface ShellArgs {
  /** What the host process gets (besides `--electron`): the parsed options, data directory explicit. */
  hostArgs: string[];
  /** Where the wrapped key and the database live. */
  dataDir: string;
}

/**
 * The shell's command line: Chromium switches first, then `--` and the host's options
 * (`kiosk start` passes `--data=DIR --sim ...`). Parsed by the host's own parser, so `--data DIR`
 * and `--data=DIR` mean the same to the shell and to the host. Throws HostOptionError on a bad option.
 */
export function parseShellArgs(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): ShellArgs {
  const separator = argv.indexOf('--');
  const raw = separator >= 0 ? argv.slice(separator + 1) : [];
  const opts = parseHostOptions([...raw], env);
  return { hostArgs: hostArgsFor(opts), dataDir: opts.dataDir };
}
