import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { CliError } from '../../main/cli/cli-error.js';
import { parseHex, readHexInput } from '../../main/cli/hex-input.js';
import type { CliIo } from '../../main/cli/io.js';

const io = (stdin: string, stdinIsTty = false): CliIo => ({
  stdin: Readable.from([Buffer.from(stdin)]),
  stdout: new PassThrough(),
  stderr: new PassThrough(),
  stdinIsTty,
});

describe('readHexInput (shared by kiosk decode)', () => {
  it('joins arguments, accepts any case and whitespace', async () => {
    expect((await readHexInput(['AA aa', 'Aa\t96\n69'], io(''))).toString('hex')).toBe('aaaaaa9669');
  });

  it('reads stdin when there is no argument', async () => {
    expect((await readHexInput([], io('aa bb\ncc\n'))).toString('hex')).toBe('aabbcc');
  });

  it('refuses a terminal with no argument, odd length, non-hex and empty input with a fix', async () => {
    await expect(readHexInput([], io('', true))).rejects.toThrow(/pass the bytes as an argument .* or pipe them on stdin/);
    expect(() => parseHex('AAA')).toThrow(/odd number of hex digits \(3\)/);
    expect(() => parseHex('AA 0x10', 'argument')).toThrow(/argument holds "x" at character 5/);
    expect(() => parseHex('   ')).toThrow(/no hex digits/);
    try {
      parseHex('A');
    } catch (err) {
      expect(err).toBeInstanceOf(CliError);
      expect((err as CliError).exitCode).toBe(2);
      expect((err as CliError).message).not.toContain('\n');
    }
  });
});
