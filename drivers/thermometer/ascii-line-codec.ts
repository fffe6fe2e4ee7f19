import type { TransformCallback } from 'node:stream';
import { ReadlineParser } from '@serialport/parser-readline';
import { ASCII_DEFAULT_RANGE, isOutOfRange, type RatedRange } from './rated-range.js';
import type { ThermoDecoded } from './reading.js';

/**
 * Configurable ASCII line protocol for text thermometers: Raytek / Fluke MI3, MI, Marathon MM
 * pyrometers (`?T\r` → `!T36.5\r\n`, docs/protocols/ascii-line.md §1) and "T:36.5"-style modules (§2).
 * Lines are framed by `@serialport/parser-readline`; each line is matched against a pattern.
 */
export interface AsciiLineOptions {
  /**
   * First capture group = the object temperature; an optional named group `ambient` = ambient.
   * Default: RAYTEK_PATTERN, then TEXT_MODULE_PATTERN.
   */
  pattern?: RegExp;
  /** Unit the device reports in. °F is converted to °C by formula, nothing else. Default 'C'. */
  unit?: 'C' | 'F';
  /** Line terminator. Default '\n' (a trailing '\r' is removed, so `\r\n` devices work too). */
  delimiter?: string;
  /** Query to send for one reading, e.g. '?T\r' for Raytek pyrometers. None for streaming modules. */
  query?: string;
  /** Rated range; a value outside it is flagged `outOfRange`. Default ASCII_DEFAULT_RANGE. */
  ratedRange?: RatedRange;
  /** Longest line kept while waiting for the terminator; beyond it the bytes are dropped. Default 256. */
  maxLineBytes?: number;
}

/**
 * Raytek / Fluke replies `!T36.5`, `!1T=36.5`, `024!T36.5` (optional multidrop address, optional
 * head): the pattern of docs/protocols/ascii-line.md §1, anchored at the end too, so a line glued to a fragment of an
 * earlier one (`!T3!T36.5`) is refused instead of read as 3 °C. A decimal comma (`!T36,5`, devices
 * set to a European locale) is read as the decimal point it stands for.
 */
export const RAYTEK_PATTERN = /^(?:\d{3})?!\d?T=?(-?\d+(?:[.,]\d+)?)\s*$/;

/**
 * Text modules `T:36.5`, `TO=36.5`, `BT: 36.5`, `temp=36.5`, optionally followed by `TA:25.0` /
 * `amb=25.0`: the pattern of docs/protocols/ascii-line.md §2, with a word boundary in front (so `AMBIENT:25` is not
 * read as `T:25`) and the number required to end at a separator (so `T:3T:34.5`, a fragment glued to a line, is refused).
 * `T:37,9` is 37.9 °C (a decimal comma directly between digits), never 37 followed by a separator.
 */
export const TEXT_MODULE_PATTERN =
  /\b(?:T|TO|BT|temp)\s*[:=]\s*(-?\d+(?:[.,]\d+)?)(?=$|[\s,;])(?:[\s,;]+(?:TA|amb(?:ient)?)\s*[:=]\s*(?<ambient>-?\d+(?:[.,]\d+)?)(?=$|[\s,;]))?/i;

/** A decimal number as a device writes it: digits, optionally a point or a comma and more digits. */
const DECIMAL = /^[+-]?\d+(?:[.,]\d+)?$/;

/** Parses a device's decimal number (`37.9`, `37,9`, `-5`); anything else (`1e3`, `0x10`, ``) is NaN. */
export function parseDeviceDecimal(text: string): number {
  const t = text.trim();
  return DECIMAL.test(t) ? Number(t.replace(',', '.')) : Number.NaN;
}

/** A Raytek error reply: `*` (after an optional multidrop address), e.g. `*Syntax error`. */
const DEVICE_ERROR = /^(?:\d{3})?\*/;

export interface ResolvedAsciiOptions {
  patterns: readonly RegExp[];
  unit: 'C' | 'F';
  delimiter: string;
  query?: string;
  ratedRange: RatedRange;
  maxLineBytes: number;
}

/** Validates options eagerly; throws TypeError naming the field and the fix. */
export function resolveAsciiOptions(options: AsciiLineOptions = {}): ResolvedAsciiOptions {
  const { pattern, unit = 'C', delimiter = '\n', query, ratedRange = ASCII_DEFAULT_RANGE, maxLineBytes = 256 } = options;
  if (unit !== 'C' && unit !== 'F') throw new TypeError(`ascii.unit must be 'C' or 'F', got ${JSON.stringify(unit)}`);
  if (typeof delimiter !== 'string' || delimiter.length === 0) throw new TypeError('ascii.delimiter must be a non-empty string, e.g. "\\r\\n"');
  if (query !== undefined && (typeof query !== 'string' || query.length === 0)) {
    throw new TypeError('ascii.query must be a non-empty string such as "?T\\r", or left out for streaming devices');
  }
  if (!Number.isInteger(maxLineBytes) || maxLineBytes < 8) throw new TypeError(`ascii.maxLineBytes must be an integer >= 8, got ${maxLineBytes}`);
  let patterns: RegExp[] = [RAYTEK_PATTERN, TEXT_MODULE_PATTERN];
  if (pattern !== undefined) {
    if (!(pattern instanceof RegExp)) throw new TypeError('ascii.pattern must be a RegExp');
    // Global / sticky flags would make exec() depend on the previous line: drop them.
    const stateless = new RegExp(pattern.source, pattern.flags.replace(/[gyd]/g, ''));
    const groups = (new RegExp(`(?:${stateless.source})|`, stateless.flags).exec('')?.length ?? 1) - 1;
    if (groups < 1) {
      throw new TypeError(`ascii.pattern ${String(pattern)} has no capture group: wrap the number in ( ), e.g. /T:(-?\\d+(?:\\.\\d+)?)/`);
    }
    patterns = [stateless];
  }
  // Capture positions (flag d) let the decoder see a number the pattern cut short.
  patterns = patterns.map((p) => new RegExp(p.source, `${p.flags.replace('d', '')}d`));
  return { patterns, unit, delimiter, ...(query !== undefined ? { query } : {}), ratedRange, maxLineBytes };
}

const toCelsius = (value: number, unit: 'C' | 'F') => (unit === 'F' ? ((value - 32) * 5) / 9 : value);

/** Decodes one line (terminator already removed). Returns null for a blank line. */
export function decodeAsciiLine(rawLine: string, options: ResolvedAsciiOptions): ThermoDecoded | null {
  const line = rawLine.replace(/\r+$/, '');
  const text = line.trim();
  if (text.length === 0) return null;
  if (DEVICE_ERROR.test(text)) {
    return { kind: 'failure', code: 'device-error', message: `device reported an error: ${text}`, raw: line };
  }
  for (const pattern of options.patterns) {
    const m = pattern.exec(text);
    if (!m || m[1] === undefined) continue;
    // A pattern that stops inside a number (`T:(\d+)` on `T:37,9` or `T:37.9`) would read 37: refuse the line.
    for (const group of [m.indices?.[1], m.indices?.groups?.['ambient']]) {
      if (group && /^[.,]\d/.test(text.slice(group[1]))) {
        return { kind: 'failure', code: 'unparsable', message: `the number in line ${JSON.stringify(line)} goes on after what the pattern captured; fix ascii.pattern to take the decimals`, raw: line };
      }
    }
    const value = parseDeviceDecimal(m[1]);
    if (!Number.isFinite(value)) continue;
    const objectC = toCelsius(value, options.unit);
    const ambientText = m.groups?.['ambient'];
    const ambient = ambientText === undefined ? undefined : parseDeviceDecimal(ambientText);
    const ambientC = ambient !== undefined && Number.isFinite(ambient) ? toCelsius(ambient, options.unit) : undefined;
    return {
      kind: 'reading',
      objectC,
      ...(ambientC !== undefined ? { ambientC } : {}),
      outOfRange: isOutOfRange(options.ratedRange, objectC, ambientC),
      raw: line,
    };
  }
  return { kind: 'failure', code: 'unparsable', message: `no temperature in line ${JSON.stringify(line)}`, raw: line };
}

/**
 * `ReadlineParser` specialised to push `ThermoDecoded` objects instead of line buffers: the
 * line framing is the library's, only `push` is intercepted to decode each line.
 */
export class AsciiLineParser extends ReadlineParser {
  readonly options: ResolvedAsciiOptions;

  constructor(options: AsciiLineOptions = {}) {
    const resolved = resolveAsciiOptions(options);
    // encoding: undefined — a readable-side string decoder would mangle the pushed objects.
    super({ delimiter: Buffer.from(resolved.delimiter, 'utf8'), encoding: undefined, readableObjectMode: true });
    this.options = resolved;
  }

  override push(chunk: unknown, encoding?: BufferEncoding): boolean {
    if (chunk === null) return super.push(null, encoding);
    const line = Buffer.isBuffer(chunk) ? chunk.toString('utf8') : String(chunk);
    const decoded = decodeAsciiLine(line, this.options);
    return decoded === null ? true : super.push(decoded);
  }

  override _transform(chunk: Buffer, encoding: BufferEncoding, cb: TransformCallback): void {
    super._transform(chunk, encoding, (err) => {
      if (this.buffer.length > this.options.maxLineBytes) {
        const head = this.buffer.subarray(0, 32).toString('utf8');
        super.push({
          kind: 'failure',
          code: 'overflow',
          message: `no line end within ${this.options.maxLineBytes} bytes; ${this.buffer.length} bytes dropped`,
          raw: head,
        } satisfies ThermoDecoded);
        this.buffer = Buffer.alloc(0);
      }
      cb(err);
    });
  }
}
