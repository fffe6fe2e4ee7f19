import { GY_MCU90614_RANGE, GY_MCU90615_RANGE, type RatedRange } from './rated-range.js';

/**
 * Host → module commands of the GY-MCU90614 / GY-MCU90615 serial boards (docs/protocols/gy-mcu90614.md §3):
 * three bytes `A5 cmd SUM`, SUM = (0xA5 + cmd) & 0xFF.
 *
 * | Frame      | Effect                                        |
 * |------------|-----------------------------------------------|
 * | `A5 45 EA` | continuous output (~10–14 Hz)                 |
 * | `A5 15 BA` | query: one frame per command (keep < 10 Hz)   |
 * | `A5 AE 53` | 9600 baud (after power cycle)                 |
 * | `A5 AF 54` | 115200 baud (after power cycle)               |
 * | `A5 51 F6` | auto-output after power-up                    |
 * | `A5 52 F7` | no auto-output after power-up                 |
 */
export const GY_COMMAND_HEADER = 0xa5;

export const GY_COMMAND_CODES = {
  continuous: 0x45,
  query: 0x15,
  baud9600: 0xae,
  baud115200: 0xaf,
  autoOutputOn: 0x51,
  autoOutputOff: 0x52,
} as const;

export type GyCommand = keyof typeof GY_COMMAND_CODES;

/** The three bytes of one command. */
export function gyCommand(command: GyCommand): Buffer {
  const code = GY_COMMAND_CODES[command];
  return Buffer.from([GY_COMMAND_HEADER, code, (GY_COMMAND_HEADER + code) & 0xff]);
}

/** The two boards share the frame format; they differ in default line speed and rated range. */
export type GyModel = 'gy-mcu90614' | 'gy-mcu90615';

export interface GyModelInfo {
  /** Factory line speed, 8N1: 9600 for the 90614, 115200 for the 90615 (docs/protocols/gy-mcu90614.md §1). */
  defaultBaud: number;
  /** The other speed boards of this family are found at (some 90615 listings differ). */
  alternateBaud: number;
  /** Whether the board streams frames after power-up without being told to. */
  autoOutputByDefault: boolean;
  ratedRange: RatedRange;
}

export const GY_MODELS: Readonly<Record<GyModel, GyModelInfo>> = {
  'gy-mcu90614': { defaultBaud: 9600, alternateBaud: 115200, autoOutputByDefault: true, ratedRange: GY_MCU90614_RANGE },
  'gy-mcu90615': { defaultBaud: 115200, alternateBaud: 9600, autoOutputByDefault: false, ratedRange: GY_MCU90615_RANGE },
};
