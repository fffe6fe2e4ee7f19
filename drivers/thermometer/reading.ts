/** Serial thermometer protocols the kiosk speaks. */
export type ThermoProtocol = 'gy-mcu90614' | 'optris-ct' | 'ascii';

export const THERMO_PROTOCOLS: readonly ThermoProtocol[] = ['gy-mcu90614', 'optris-ct', 'ascii'];

/**
 * One temperature reading as the device reported it. Values are never altered: no clamping,
 * rounding or substitution. Out-of-range values are flagged, not changed.
 */
export interface ThermoReading {
  deviceId: string;
  protocol: ThermoProtocol;
  /** Object (skin / target) temperature in °C, exactly as decoded (°F inputs converted, nothing else). */
  objectC: number;
  /** The sensor's ambient temperature in °C, where the device gives it. */
  ambientC?: number;
  /** True when the device flagged the value or it lies outside the device's rated range. */
  outOfRange: boolean;
  /** Monotonic milliseconds when the frame was decoded. */
  monotonicMs: number;
  /** The frame as received: hex for binary protocols, the text line for ASCII ones. */
  raw: string;
}

/**
 * What a protocol decoder makes of one frame (or line), before the driver stamps it with the
 * device id and the time: either a temperature or a reason the frame carries none.
 */
export type ThermoDecoded =
  | { kind: 'reading'; objectC: number; ambientC?: number; outOfRange: boolean; raw: string }
  | { kind: 'failure'; code: ThermoFailureCode; message: string; raw: string };

/**
 * - `checksum`: a complete binary frame whose checksum does not match (dropped; the stream resyncs).
 * - `device-error`: the device answered with an error (Raytek `*...`): alive, but no reading.
 * - `unparsable`: a text line no pattern matches.
 * - `incomplete`: a reply cut short (Optris half reply, bytes left at end of input).
 * - `overflow`: no frame / line end in the bounded buffer: the bytes were dropped.
 */
export type ThermoFailureCode = 'checksum' | 'device-error' | 'unparsable' | 'incomplete' | 'overflow';
