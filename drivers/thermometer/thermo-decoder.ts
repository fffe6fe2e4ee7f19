import type { Transform } from 'node:stream';
import { AsciiLineParser, type AsciiLineOptions } from './ascii-line-codec.js';
import { frameHex } from './frame-hex.js';
import { GY_MODELS, type GyModel } from './gy-mcu90614-commands.js';
import { GyMcu90614Parser, type GyParserOutput } from './gy-mcu90614-parser.js';
import { OptrisReplyParser, type OptrisParserOutput } from './optris-ct-codec.js';
import { isOutOfRange, OPTRIS_CT_LT_RANGE, type RatedRange } from './rated-range.js';
import type { ThermoDecoded, ThermoProtocol } from './reading.js';

export interface ThermoDecoderOptions {
  /** Options of the ASCII line protocol (pattern, unit, delimiter ...). */
  ascii?: AsciiLineOptions;
  /** GY board model, for its rated range. Default 'gy-mcu90614'. */
  gyModel?: GyModel;
  /** Overrides the protocol's rated range (binary protocols; ASCII takes `ascii.ratedRange`). */
  ratedRange?: RatedRange;
}

/** GY frames → ThermoDecoded, checksum failures included (in stream order). */
class GyThermoDecoder extends GyMcu90614Parser {
  constructor(private readonly range: RatedRange) {
    super({ reportBadFrames: true });
  }

  protected override emitOutput(o: GyParserOutput): void {
    const decoded: ThermoDecoded =
      'error' in o
        ? { kind: 'failure', code: o.error, message: o.message, raw: frameHex(o.raw) }
        : {
            kind: 'reading',
            objectC: o.objectC,
            ambientC: o.ambientC,
            outOfRange: isOutOfRange(this.range, o.objectC, o.ambientC),
            raw: frameHex(o.raw),
          };
    this.push(decoded);
  }
}

/** A capture of whole Optris replies → ThermoDecoded (the driver frames live replies by request). */
class OptrisThermoDecoder extends OptrisReplyParser {
  constructor(private readonly range: RatedRange) {
    super();
  }

  protected override emitOutput(o: OptrisParserOutput): void {
    const decoded: ThermoDecoded =
      'error' in o
        ? { kind: 'failure', code: o.error, message: o.message, raw: frameHex(o.raw) }
        : { kind: 'reading', objectC: o.temperatureC, outOfRange: isOutOfRange(this.range, o.temperatureC), raw: frameHex(o.raw) };
    this.push(decoded);
  }
}

/**
 * A Transform turning device bytes into `ThermoDecoded` objects (object mode on the readable
 * side) for any protocol: readings with their raw frame, and failures (bad checksum, device
 * error, unparsable line) in stream order. Used by the driver and by `kiosk decode thermo`.
 * Throws TypeError for invalid options (e.g. an ASCII pattern without a capture group).
 */
export function createThermoDecoder(protocol: ThermoProtocol, options: ThermoDecoderOptions = {}): Transform {
  switch (protocol) {
    case 'gy-mcu90614':
      return new GyThermoDecoder(options.ratedRange ?? GY_MODELS[options.gyModel ?? 'gy-mcu90614'].ratedRange);
    case 'optris-ct':
      return new OptrisThermoDecoder(options.ratedRange ?? OPTRIS_CT_LT_RANGE);
    case 'ascii':
      return new AsciiLineParser(options.ascii);
    default: {
      const never: never = protocol;
      throw new TypeError(`unknown thermometer protocol ${JSON.stringify(never)}: use gy-mcu90614, optris-ct or ascii`);
    }
  }
}
