import { IdCardDriver } from '../../drivers/idcard/idcard-driver.js';
import { LineIdCardReader } from '../../drivers/idcard/line-idcard-reader.js';
import type { ThermometerSimulatorOptions } from '../../drivers/sim/thermometer-simulator.js';
import type { AsciiLineOptions } from '../../drivers/thermometer/ascii-line-codec.js';
import { GY_MODELS } from '../../drivers/thermometer/gy-mcu90614-commands.js';
import { ThermometerDriver, type ThermometerDriverOptions } from '../../drivers/thermometer/thermometer-driver.js';
import type { Link } from '../../drivers/transport/link.js';
import { SerialLink } from '../../drivers/transport/serial-link.js';
import { lineSpeedOf, type KioskConfig } from '../config/kiosk-config.js';

/**
 * The configuration's device sections → links and drivers: every protocol option a technician sets
 * (SAM read options, ASCII query and pattern, GY board model, Optris head temperature, rated range,
 * line speed) reaches the driver that uses it. One place, used by the host in real and simulated mode.
 */

export type IdCardDeviceConfig = KioskConfig['devices']['idcard'];
export type ThermometerDeviceConfig = KioskConfig['devices']['thermometer'];

/** Either kind of ID-card reader driver: both emit `identity`, `card-found`, `status` and `problem`. */
export type IdCardReader = IdCardDriver | LineIdCardReader;

/** The SerialLink of a serial device, at its configured line speed or its protocol's default. */
export function serialLinkFor(cfg: IdCardDeviceConfig | ThermometerDeviceConfig, kind: 'idcard' | 'thermometer'): Link {
  if (cfg.source !== 'serial') throw new Error(`device ${cfg.id} is simulated; no serial link`);
  return new SerialLink({
    ...(cfg.path !== undefined && { path: cfg.path }),
    ...(cfg.usb !== undefined && { match: cfg.usb }),
    baudRate: lineSpeedOf(cfg, kind),
    watchdogMs: 5000,
  });
}

/** The reader driver for the configured protocol. `pollIntervalMs` overrides the SAM poll (benchmarks). */
export function idcardReaderFor(cfg: IdCardDeviceConfig, link: Link, overrides: { pollIntervalMs?: number } = {}): IdCardReader {
  if (cfg.protocol === 'ascii-line') {
    return new LineIdCardReader({ link, deviceId: cfg.id, ...(cfg.line && { repeatWithinMs: cfg.line.repeatWithinMs, maxLineBytes: cfg.line.maxLineBytes }) });
  }
  const sam = cfg.sam;
  return new IdCardDriver({
    link,
    deviceId: cfg.id,
    ...(sam && { readFingerprint: sam.readFingerprint, readNewAddress: sam.readNewAddress, probeBaudRates: sam.probeBaudRates, setMaxRfBytes: sam.setMaxRfBytes, pollIntervalMs: sam.pollIntervalMs }),
    ...(overrides.pollIntervalMs !== undefined && { pollIntervalMs: overrides.pollIntervalMs }),
  });
}

/** The ASCII codec options of a configuration (the pattern compiled from its text). */
export function asciiOptionsOf(cfg: ThermometerDeviceConfig): AsciiLineOptions | undefined {
  const a = cfg.ascii;
  if (!a) return undefined;
  return {
    ...(a.query !== undefined && { query: a.query }),
    ...(a.pattern !== undefined && { pattern: new RegExp(a.pattern, a.ignoreCase ? 'i' : '') }),
    unit: a.unit,
    delimiter: a.delimiter,
    maxLineBytes: a.maxLineBytes,
    ...(cfg.ratedRange && { ratedRange: cfg.ratedRange }),
  };
}

/**
 * The thermometer driver for the configured protocol. `simulated`: the built-in simulator speaks the
 * standard Raytek / text-module lines, so a custom ASCII pattern (written for a real device's own
 * format) is left out.
 */
export function thermometerDriverFor(cfg: ThermometerDeviceConfig, link: Link, opts: { simulated?: boolean } = {}): ThermometerDriver {
  const ascii = asciiOptionsOf(opts.simulated && cfg.ascii ? { ...cfg, ascii: { ...cfg.ascii, pattern: undefined } } : cfg);
  const options: ThermometerDriverOptions = {
    link,
    deviceId: cfg.id,
    protocol: cfg.protocol,
    pollIntervalMs: cfg.pollIntervalMs,
    ...(cfg.mode !== undefined && { mode: cfg.mode }),
    ...(ascii && { ascii }),
    ...(cfg.gy && { gyModel: cfg.gy.model, autoBaud: cfg.gy.autoBaud }),
    ...(cfg.optris && { optrisHeadTemperature: cfg.optris.headTemperature }),
    ...(cfg.ratedRange && cfg.protocol !== 'ascii' && { ratedRange: cfg.ratedRange }),
  };
  return new ThermometerDriver(options);
}

/** What a simulated thermometer must speak to match the configured driver (ASCII query and unit, GY power-up behaviour). */
export function thermometerSimulatorOptionsFor(cfg: ThermometerDeviceConfig): Pick<ThermometerSimulatorOptions, 'ascii' | 'gyAutoOutput'> {
  return {
    ...(cfg.ascii && { ascii: { ...(cfg.ascii.query !== undefined && { query: cfg.ascii.query }), unit: cfg.ascii.unit } }),
    ...(cfg.gy && { gyAutoOutput: GY_MODELS[cfg.gy.model].autoOutputByDefault }),
  };
}
