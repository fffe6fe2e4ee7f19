import { CliError } from './cli-error.js';
import { readAll, type CliIo } from './io.js';

/**
 * Hex bytes for `kiosk decode <device> [HEX ...]`: taken from the arguments when there are any
 * (joined, so `AA AA 96` and `"AAAA96"` are the same), otherwise read from stdin.
 *
 * Accepted: hex digits in any case, with any whitespace between them (spaces, tabs, newlines).
 * Rejected with a CliError (exit 2) naming the problem and the fix: no input at all, a character
 * that is not a hex digit (with its position), or an odd number of digits.
 */
export async function readHexInput(args: readonly string[], io: CliIo): Promise<Buffer> {
  let text: string;
  let from: string;
  if (args.length > 0) {
    text = args.join(' ');
    from = 'argument';
  } else {
    if (io.stdinIsTty) {
      throw new CliError('no hex given: pass the bytes as an argument (e.g. "AA AA AA 96 69 ...") or pipe them on stdin');
    }
    text = await readAll(io.stdin);
    from = 'stdin';
  }
  return parseHex(text, from);
}

/** Parses whitespace-separated hex text; `from` names the source in error messages. */
export function parseHex(text: string, from = 'input'): Buffer {
  const digits: string[] = [];
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (/\s/.test(ch)) continue;
    if (!/[0-9a-fA-F]/.test(ch)) {
      const shown = JSON.stringify(ch);
      throw new CliError(
        `the ${from} holds ${shown} at character ${i + 1}, which is not a hex digit: give bytes as hex pairs (0-9, a-f), spaces allowed`,
      );
    }
    digits.push(ch);
  }
  if (digits.length === 0) {
    throw new CliError(`the ${from} holds no hex digits: give the bytes as hex pairs, e.g. "AA AA AA 96 69 00 04 00 00 90 94"`);
  }
  if (digits.length % 2 !== 0) {
    throw new CliError(
      `the ${from} has an odd number of hex digits (${digits.length}): every byte needs two digits, e.g. write 0A instead of A`,
    );
  }
  return Buffer.from(digits.join(''), 'hex');
}
