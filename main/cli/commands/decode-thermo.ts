import { parseArgs } from 'node:util';
import type { Transform } from 'node:stream';
import type { AsciiLineOptions } from '../../../drivers/thermometer/ascii-line-codec.js';
import type { GyModel } from '../../../drivers/thermometer/gy-mcu90614-commands.js';
import type { ThermoDecoded, ThermoProtocol } from '../../../drivers/thermometer/reading.js';
import { createThermoDecoder } from '../../../drivers/thermometer/thermo-decoder.js';
import { CliError } from '../cli-error.js';
import { readHexInput } from '../hex-input.js';
import { printJsonLine, readAll, type CliIo } from '../io.js';

/**
 * `kiosk decode thermo --protocol gy-mcu90614|gy-mcu90615|optris-ct|ascii [--pattern RE] [--unit C|F] [INPUT]`
 *
 * Binary protocols take hex (spaces allowed) as arguments or on stdin; `ascii` takes text (each
 * argument is one line, or stdin). Prints one JSON object per reading: `{objectC, ambientC?}`
 * plus `outOfRange: true` when the value lies outside the rated range (never altered). A GY
 * frame with a bad sum prints `{error: "checksum", frame}`, a device error reply
 * `{error: "device-error", frame}`; other skipped input (unparsable lines, a cut-off frame at the
 * end) is noted on stderr.
 */
export const decodeThermoUsage = [
  'usage: kiosk decode thermo --protocol gy-mcu90614|gy-mcu90615|optris-ct|ascii [--pattern RE] [--unit C|F] [INPUT]',
  '  binary protocols: INPUT is hex, e.g. "5A 5A 45 04 0C 78 0D 19 A7" (or piped on stdin)',
  '  ascii: INPUT is text, one argument per line, e.g. "!T36.5" "T:36.5" (or piped on stdin)',
  '  --pattern  ascii only: regular expression, first capture group = the temperature, e.g. "/TEMP=(\\d+\\.\\d)/"',
  '  --unit     ascii only: unit the device reports in, C (default) or F (converted to °C)',
].join('\n');

const PROTOCOLS: Record<string, { protocol: ThermoProtocol; gyModel?: GyModel }> = {
  'gy-mcu90614': { protocol: 'gy-mcu90614', gyModel: 'gy-mcu90614' },
  'gy-mcu90615': { protocol: 'gy-mcu90614', gyModel: 'gy-mcu90615' },
  'optris-ct': { protocol: 'optris-ct' },
  ascii: { protocol: 'ascii' },
};

/** `/source/flags` or a bare source. */
function parsePattern(text: string): RegExp {
  const literal = /^\/(.*)\/([a-z]*)$/s.exec(text);
  try {
    return literal ? new RegExp(literal[1]!, literal[2]) : new RegExp(text);
  } catch (err) {
    throw new CliError(
      `--pattern ${JSON.stringify(text)} is not a valid regular expression (${err instanceof Error ? err.message : String(err)}); fix it and quote it for the shell`,
    );
  }
}

export async function decodeThermo(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      protocol: { type: 'string', short: 'p' },
      pattern: { type: 'string' },
      unit: { type: 'string' },
    },
  });
  const names = Object.keys(PROTOCOLS).join(', ');
  if (values.protocol === undefined) throw new CliError(`say which protocol the input is in: --protocol ${names}`);
  const chosen = PROTOCOLS[values.protocol];
  if (!chosen) throw new CliError(`unknown protocol "${values.protocol}": use --protocol with one of ${names}`);
  const { protocol, gyModel } = chosen;

  if (protocol !== 'ascii' && (values.pattern !== undefined || values.unit !== undefined)) {
    throw new CliError(`--pattern and --unit apply to --protocol ascii only; ${values.protocol} frames are binary`);
  }
  let unit: 'C' | 'F' | undefined;
  if (values.unit !== undefined) {
    const u = values.unit.toUpperCase();
    if (u !== 'C' && u !== 'F') throw new CliError(`--unit "${values.unit}" is not a unit: use --unit C or --unit F`);
    unit = u;
  }
  const ascii: AsciiLineOptions = {
    ...(values.pattern !== undefined ? { pattern: parsePattern(values.pattern) } : {}),
    ...(unit ? { unit } : {}),
  };

  let decoder: Transform;
  try {
    decoder = createThermoDecoder(protocol, { ascii, ...(gyModel ? { gyModel } : {}) });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw new CliError(message.replace(/^ascii\.pattern/, '--pattern'));
  }

  let input: Buffer;
  if (protocol === 'ascii') {
    if (positionals.length > 0) input = Buffer.from(`${positionals.join('\n')}\n`, 'utf8');
    else if (io.stdinIsTty) throw new CliError('no text given: pass the lines as arguments (e.g. "!T36.5") or pipe them on stdin');
    else input = Buffer.from(await readAll(io.stdin), 'utf8');
  } else {
    input = await readHexInput(positionals, io);
  }

  const results: ThermoDecoded[] = [];
  decoder.on('data', (d: ThermoDecoded) => results.push(d));
  await new Promise<void>((resolve, reject) => {
    decoder.once('end', resolve);
    decoder.once('error', reject);
    decoder.end(input);
  });

  for (const d of results) {
    if (d.kind === 'reading') {
      printJsonLine(io, {
        objectC: d.objectC,
        ...(d.ambientC !== undefined ? { ambientC: d.ambientC } : {}),
        ...(d.outOfRange ? { outOfRange: true } : {}),
      });
    } else if (d.code === 'checksum' || d.code === 'device-error') {
      printJsonLine(io, { error: d.code, frame: d.raw });
    } else {
      io.stderr.write(`kiosk decode thermo: skipped ${JSON.stringify(d.raw)}: ${d.message}\n`);
    }
  }
  return 0;
}
