import { CliError } from '../cli-error.js';
import type { CliCommand } from '../command.js';
import type { CliIo } from '../io.js';

/**
 * `kiosk decode <device> [HEX ...]`: a thin dispatcher. Each device's decoder lives in its own
 * module (decode-idcard.ts, decode-thermo.ts) and is loaded only when asked for.
 */
type DeviceDecoder = (args: string[], io: CliIo) => Promise<number>;

const decoders: Record<string, () => Promise<DeviceDecoder>> = {
  idcard: async () => (await import('./decode-idcard.js')).decodeIdcard,
  thermo: async () => (await import('./decode-thermo.js')).decodeThermo,
};

const usage = [
  'usage: kiosk decode <device> [HEX ...]',
  '',
  'Decodes raw bytes captured from a device and prints one JSON object per line per frame found.',
  'HEX: hex digits in any case, spaces allowed; several arguments are joined. Without HEX, reads stdin.',
  '',
  'devices:',
  '  idcard   ID-card reader (SAM protocol, frames AA AA AA 96 69 ...)',
  '  thermo   infrared thermometer',
  '',
  'examples:',
  '  kiosk decode idcard "AA AA AA 96 69 00 04 00 00 90 94"',
  '  xxd -p capture.bin | kiosk decode idcard',
].join('\n');

export const decodeCommand: CliCommand = {
  name: 'decode',
  summary: 'decode captured device bytes (hex) into frames and readings',
  usage,
  async run(args, io) {
    const [device, ...rest] = args;
    if (!device) throw new CliError(`say which device the bytes come from: kiosk decode <${Object.keys(decoders).join('|')}> [HEX]`);
    const load = decoders[device];
    if (!load) {
      throw new CliError(`unknown device "${device}": use one of ${Object.keys(decoders).join(', ')}`);
    }
    const decode = await load();
    return decode(rest, io);
  },
};
