import { pino, type DestinationStream, type Logger as PinoLogger } from 'pino';

export type Logger = PinoLogger;

/**
 * Paths a careless log call could use for personal data; pino removes them before writing.
 * The host logs device ids, screening ids, decisions and reason codes only; this is a second fence.
 */
export const REDACTED_PATHS = [
  'card',
  'identity',
  'idNumber',
  'name',
  'address',
  'photo',
  'photoWlt',
  'fingerprint',
  '*.card',
  '*.identity',
  '*.idNumber',
  '*.name',
  '*.address',
  '*.photoWlt',
  'record.card',
];

/**
 * The most recent log lines of this process (already redacted: they are what went to stderr), for
 * the technician's diagnostics export. Bounded; nothing is kept on disk by it.
 */
export class LogRing {
  private readonly lines: string[] = [];
  constructor(private readonly capacity = 2000) {}
  push(text: string): void {
    for (const line of text.split('\n')) if (line !== '') this.lines.push(line);
    if (this.lines.length > this.capacity) this.lines.splice(0, this.lines.length - this.capacity);
  }
  recent(): string[] {
    return [...this.lines];
  }
}

export const recentLogs = new LogRing();

/** Structured JSON logs (to stderr by default, so stdout stays for the launcher's URL line); also kept in `recentLogs`. */
export function createLogger(options: { level?: string; destination?: NodeJS.WritableStream } = {}): Logger {
  const out = options.destination ?? process.stderr;
  const tee = {
    write(chunk: string): boolean {
      recentLogs.push(chunk);
      return out.write(chunk);
    },
  };
  return pino(
    {
      name: 'kiosk-host',
      level: options.level ?? process.env.KIOSK_LOG_LEVEL ?? 'info',
      redact: { paths: REDACTED_PATHS, remove: true },
      base: { pid: process.pid },
    },
    tee as DestinationStream,
  );
}
