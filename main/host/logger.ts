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

/** Structured JSON logs (to stderr by default, so stdout stays for the launcher's URL line). */
export function createLogger(options: { level?: string; destination?: NodeJS.WritableStream } = {}): Logger {
  return pino(
    {
      name: 'kiosk-host',
      level: options.level ?? process.env.KIOSK_LOG_LEVEL ?? 'info',
      redact: { paths: REDACTED_PATHS, remove: true },
      base: { pid: process.pid },
    },
    (options.destination ?? process.stderr) as DestinationStream,
  );
}
