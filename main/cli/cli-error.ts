/**
 * An error meant for the person at the terminal: one line saying what is wrong and what to do.
 * The CLI prints `kiosk: <message>` and exits with `exitCode` (2 = bad usage or bad input).
 */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 2,
  ) {
    super(message);
    this.name = 'CliError';
  }
}
