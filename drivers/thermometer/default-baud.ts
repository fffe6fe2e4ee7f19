import { GY_MODELS, type GyModel } from './gy-mcu90614-commands.js';
import type { ThermoProtocol } from './reading.js';

/** Optris CT factory default (docs/protocols/optris-ct.md §1). */
export const OPTRIS_CT_DEFAULT_BAUD = 115200;
/** Raytek MI / MI3 / Marathon factory default for the ASCII protocol. */
export const ASCII_DEFAULT_BAUD = 9600;

/**
 * The line speed to open a thermometer's port at when the configuration gives none:
 * GY-MCU90614 9600, GY-MCU90615 115200, Optris CT 115200, ASCII pyrometers 9600 (all 8N1).
 */
export function defaultBaudFor(protocol: ThermoProtocol, gyModel: GyModel = 'gy-mcu90614'): number {
  switch (protocol) {
    case 'gy-mcu90614':
      return GY_MODELS[gyModel].defaultBaud;
    case 'optris-ct':
      return OPTRIS_CT_DEFAULT_BAUD;
    case 'ascii':
      return ASCII_DEFAULT_BAUD;
  }
}
