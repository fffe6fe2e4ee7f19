import { Readable } from 'node:stream';

/** What a CLI command may touch: its streams, so tests can run commands in-process. */
export interface CliIo {
  stdin: Readable;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** True when stdin is a terminal (nothing piped in). */
  stdinIsTty: boolean;
}

export const processIo = (): CliIo => ({
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  stdinIsTty: Boolean(process.stdin.isTTY),
});

/** Reads all of stdin as text. */
export async function readAll(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks).toString('utf8');
}

/** Prints one JSON object per line. */
export function printJsonLine(io: CliIo, value: unknown): void {
  io.stdout.write(`${JSON.stringify(value)}\n`);
}
