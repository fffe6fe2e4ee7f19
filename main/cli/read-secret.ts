import { createInterface } from 'node:readline';
import type { CliIo } from './io.js';

/**
 * Reads secret lines (PINs): from a terminal without echo, or from stdin when piped (one per line).
 * Never from argv, where `ps` and shell history would show them.
 */
export async function readSecretLines(io: CliIo, prompts: string[]): Promise<string[]> {
  const stdin = io.stdin as NodeJS.ReadStream;
  if (io.stdinIsTty && typeof stdin.setRawMode === 'function') {
    const out: string[] = [];
    for (const prompt of prompts) out.push(await readHidden(stdin, io.stderr, prompt));
    return out;
  }
  const rl = createInterface({ input: io.stdin, crlfDelay: Infinity });
  const lines: string[] = [];
  for await (const line of rl) {
    lines.push(line.trim());
    if (lines.length === prompts.length) break;
  }
  rl.close();
  return lines;
}

function readHidden(stdin: NodeJS.ReadStream, stderr: NodeJS.WritableStream, prompt: string): Promise<string> {
  return new Promise((resolve, reject) => {
    stderr.write(prompt);
    let value = '';
    stdin.setRawMode(true);
    stdin.resume();
    const onData = (chunk: Buffer) => {
      for (const ch of chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n') {
          done();
          stderr.write('\n');
          return resolve(value);
        }
        if (ch === '\u0003') {
          done();
          return reject(new Error('cancelled'));
        }
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else value += ch;
      }
    };
    const done = () => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
    };
    stdin.on('data', onData);
  });
}
