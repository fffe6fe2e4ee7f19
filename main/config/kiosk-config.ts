import { z } from 'zod';
import { applySkinToBody } from '../engine/skin-to-body.js';
import { checkJsonText, readConfigText } from './config-file.js';
import { defaultIdCardBaud } from '../../drivers/idcard/default-baud.js';
import { defaultBaudFor } from '../../drivers/thermometer/default-baud.js';

/**
 * The kiosk configuration: one zod schema with defaults and ranges. A file may give only what
 * differs from the defaults (at least the checkpoint id and name). Unknown keys are errors, so a
 * typo never silently falls back to a default. `parseKioskConfig` turns every problem into one
 * line naming the field, the bad value and the fix.
 */

const colour = z.enum(['red', 'orange', 'yellow', 'blue']);
/** What a watchlist colour or a key region does to a screening. */
const colourAction = z.enum(['hold', 'hold-for-registration', 'pass-with-notice']);
/** A device, checkpoint or kiosk id: letters, digits, ".", "_", "-", 1–64 characters. */
const identifier = () => z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'letters, digits, ".", "_" or "-" (1–64 characters), e.g. "yk-qiancang-330"');
/** Text shown on screens and copied into every record: bounded, not blank, no control or bidi-control characters. */
const displayText = (max: number) =>
  z
    .string()
    .max(max)
    .refine((t) => t.trim().length > 0, 'must not be blank; give a name people can read')
    .refine((t) => !/[\p{Cc}\u200e\u200f\u202a-\u202e\u2066-\u2069]/u.test(t), 'no control characters, line breaks or text-direction marks')
    .refine((t) => !/[\ud800-\udfff]/u.test(t), 'must be well-formed Unicode (no lone surrogates)');
/** A short label (policy name and version): bounded, printable. */
const label = (max: number, dflt: string) => z.string().min(1).max(max).regex(/^[^\p{Cc}]+$/u, 'no control characters').default(dflt);
const ms = (min: number, max: number, dflt: number) => z.number().int().min(min).max(max).default(dflt);
const celsius = (min: number, max: number, dflt: number) => z.number().min(min).max(max).default(dflt);

const usbMatch = z.strictObject({
  vendorId: z.string().regex(/^[0-9a-fA-F]{4}$/, 'a 4-digit hex USB vendor id, e.g. "1a86"'),
  productId: z.string().regex(/^[0-9a-fA-F]{4}$/, 'a 4-digit hex USB product id, e.g. "7523"'),
  serialNumber: z.string().min(1).max(64).regex(/^[\x21-\x7e]+$/, 'printable ASCII, as the USB descriptor reports it').optional(),
});

const scenario = z.enum(['normal', 'fever', 'no-card', 'card-left', 'garbage', 'bad-checksum', 'unplug', 'slow']);

const simulatedDevice = z.strictObject({
  source: z.literal('simulated'),
  scenario: scenario.default('normal'),
  /** Simulated time runs this many times faster than real time. */
  timeScale: z.number().positive().max(1000).default(1),
});

const STANDARD_BAUD_RATES = [2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400, 460800];

const serialDevice = z
  .strictObject({
    source: z.literal('serial'),
    /** A fixed port path (prefer /dev/serial/by-id/...), or ... */
    path: z.string().min(1).max(1024).regex(/^\/[^\p{Cc}]*$/u, 'an absolute device path without control characters, e.g. /dev/serial/by-id/...').optional(),
    /** ... a USB match resolved at start-up. */
    usb: usbMatch.optional(),
    /** Line speed; default per protocol (see `lineSpeedOf`): SAM 115200, GY-MCU90614 9600, GY-MCU90615 115200, Optris CT 115200, ASCII 9600. */
    baudRate: z.number().int().refine((b) => STANDARD_BAUD_RATES.includes(b), 'a standard baud rate: 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400 or 460800').optional(),
  })
  .refine((d) => d.path !== undefined || d.usb !== undefined, { message: 'give "path" (e.g. /dev/serial/by-id/...) or "usb" {vendorId, productId}', path: ['path'] });

/** SAM readers (drivers/idcard/idcard-driver.ts). */
const samSettings = z.strictObject({
  /** Pause between find-card polls (vendors advise no faster than 300 ms). */
  pollIntervalMs: ms(100, 5000, 300),
  /** Read with `30 10` (base info + fingerprint templates) instead of `30 01`. */
  readFingerprint: z.boolean().default(false),
  /** After a read, also ask for the appended address (`30 03`). */
  readNewAddress: z.boolean().default(false),
  /** When the SAM does not answer, try 115200, 57600, 38400, 19200, 9600 in turn (a rate set earlier persists in the SAM). */
  probeBaudRates: z.boolean().default(false),
  /** Send `61 FF 50` (80-byte RF transfers) after the first status reply. */
  setMaxRfBytes: z.boolean().default(false),
});
/** Readers printing the number as an ASCII line (drivers/idcard/line-idcard-reader.ts). */
const lineReaderSettings = z.strictObject({
  /** The same number again within this long is one swipe, not a second read. */
  repeatWithinMs: ms(0, 60_000, 2000),
  maxLineBytes: z.number().int().min(32).max(4096).default(256),
});

const idcardFields = {
  id: identifier().default('idcard-0'),
  protocol: z.enum(['sam', 'ascii-line']).default('sam'),
  sam: samSettings.optional(),
  line: lineReaderSettings.optional(),
};

const idcardDevice = z
  .discriminatedUnion('source', [simulatedDevice.extend(idcardFields), serialDevice.safeExtend(idcardFields)])
  .superRefine((d, ctx) => {
    if (d.source === 'simulated' && d.protocol !== 'sam') ctx.addIssue({ code: 'custom', path: ['protocol'], input: d, message: 'the simulated reader speaks SAM frames only; use "sam" or a serial device' });
    if (d.protocol !== 'sam' && d.sam) ctx.addIssue({ code: 'custom', path: ['sam'], input: d, message: '"sam" settings apply to protocol "sam" only; remove them or set protocol to "sam"' });
    if (d.protocol !== 'ascii-line' && d.line) ctx.addIssue({ code: 'custom', path: ['line'], input: d, message: '"line" settings apply to protocol "ascii-line" only; remove them or set protocol to "ascii-line"' });
  });

/** A JavaScript regular expression given as text: must compile and capture the temperature in group 1. */
const asciiPattern = z
  .string()
  .min(1)
  .max(200)
  .superRefine((source, ctx) => {
    let re: RegExp;
    try {
      re = new RegExp(source);
    } catch (err) {
      ctx.addIssue({ code: 'custom', input: source, message: `not a regular expression (${err instanceof Error ? err.message : String(err)}); write it as JSON text, e.g. "T:(-?\\\\d+(?:\\\\.\\\\d+)?)"` });
      return;
    }
    const groups = (new RegExp(`(?:${re.source})|`).exec('')?.length ?? 1) - 1;
    if (groups < 1) ctx.addIssue({ code: 'custom', input: source, message: 'the pattern has no capture group: wrap the temperature in ( ), e.g. "T:(-?\\\\d+(?:\\\\.\\\\d+)?)"' });
  });

/** GY-MCU90614 / 90615 boards (docs/protocols/gy-mcu90614.md §1). */
const gySettings = z.strictObject({
  /** The board: its factory line speed and rated range differ (90614: 9600 baud, 90615: 115200). */
  model: z.enum(['gy-mcu90614', 'gy-mcu90615']).default('gy-mcu90614'),
  /** Silent since the port opened: switch between 9600 and 115200 and re-send the mode command. */
  autoBaud: z.boolean().default(true),
});
/** Optris CT (docs/protocols/optris-ct.md). */
const optrisSettings = z.strictObject({
  /** After each target reading, also read the head temperature (`02`) as the ambient. */
  headTemperature: z.boolean().default(false),
});
/** ASCII line thermometers: Raytek/Fluke `?T` pyrometers (docs/protocols/ascii-line.md §1), `T:36.5` modules (§2). */
const asciiSettings = z.strictObject({
  /** Sent for each reading, e.g. "?T\r" (Raytek). Leave out for a device that streams lines by itself. */
  query: z.string().min(1).max(32).optional(),
  /** First capture group = the object temperature, a named group "ambient" = the ambient. Default: Raytek, then text-module lines. */
  pattern: asciiPattern.optional(),
  /** Match the pattern regardless of letter case. */
  ignoreCase: z.boolean().default(false),
  unit: z.enum(['C', 'F']).default('C'),
  /** Line terminator ("\r" still removed from "\r\n" lines with the default "\n"). */
  delimiter: z.string().min(1).max(4).default('\n'),
  maxLineBytes: z.number().int().min(16).max(4096).default(256),
});
const celsiusRange = z.tuple([z.number().min(-273.15).max(3000), z.number().min(-273.15).max(3000)]).refine(([lo, hi]) => lo < hi, 'give [min, max] with min below max');
/** Overrides the device's rated range (values outside it are flagged, never changed). */
const ratedRange = z.strictObject({ objectC: celsiusRange, ambientC: celsiusRange.optional() });

const thermoProtocol = z.enum(['gy-mcu90614', 'optris-ct', 'ascii']);
const thermometerFields = {
  id: identifier().default('thermo-0'),
  /** query: the driver asks for each reading; continuous: the device streams. Default per protocol (GY streams, Optris is asked, ASCII asks when a query is set). */
  mode: z.enum(['query', 'continuous']).optional(),
  /** Query mode: pause between queries; continuous: the expected frame interval. */
  pollIntervalMs: z.number().int().min(20).max(10_000).default(200),
  gy: gySettings.optional(),
  optris: optrisSettings.optional(),
  ascii: asciiSettings.optional(),
  ratedRange: ratedRange.optional(),
};
const PROTOCOL_SECTION = { 'gy-mcu90614': 'gy', 'optris-ct': 'optris', ascii: 'ascii' } as const;
const thermometerDevice = z
  .discriminatedUnion('source', [
    simulatedDevice.extend({
      ...thermometerFields,
      protocol: thermoProtocol.default('gy-mcu90614'),
      /** The simulated sensor's error (reported = gain·scene + offsetC ± noiseC), to practise calibration against the simulated blackbody. */
      sensorError: z.strictObject({ gain: z.number().min(0.8).max(1.25), offsetC: z.number().min(-5).max(5), noiseC: z.number().min(0).max(1).default(0.02) }).optional(),
    }),
    serialDevice.safeExtend({ ...thermometerFields, protocol: thermoProtocol }),
  ])
  .superRefine((d, ctx) => {
    for (const [protocol, section] of Object.entries(PROTOCOL_SECTION)) {
      if (d[section] !== undefined && d.protocol !== protocol) {
        ctx.addIssue({ code: 'custom', path: [section], input: d, message: `"${section}" settings apply to protocol "${protocol}" only; remove them or set protocol to "${protocol}"` });
      }
    }
    if (d.protocol === 'optris-ct' && d.mode === 'continuous') ctx.addIssue({ code: 'custom', path: ['mode'], input: d, message: 'an Optris CT answers only when asked: use "query" or leave mode out' });
    if (d.protocol === 'ascii' && d.mode === 'query' && d.ascii?.query === undefined) ctx.addIssue({ code: 'custom', path: ['mode'], input: d, message: 'query mode needs ascii.query (e.g. "?T\\r"); leave mode out for a streaming device' });
  });

type IdCardDeviceConfig = z.infer<typeof idcardDevice>;
type ThermometerDeviceConfig = z.infer<typeof thermometerDevice>;

/**
 * The line speed a serial device is opened at: the configured `baudRate`, else the protocol's factory
 * rate (drivers/idcard/default-baud.ts, drivers/thermometer/default-baud.ts). One answer for the host
 * and for `kiosk config print`.
 */
export function lineSpeedOf(device: IdCardDeviceConfig | ThermometerDeviceConfig, kind: 'idcard' | 'thermometer'): number {
  if (device.source === 'serial' && device.baudRate !== undefined) return device.baudRate;
  if (kind === 'idcard') return defaultIdCardBaud((device as IdCardDeviceConfig).protocol);
  const t = device as ThermometerDeviceConfig;
  return defaultBaudFor(t.protocol, t.gy?.model ?? 'gy-mcu90614');
}

/**
 * The configuration with every device default made explicit: the line speed of serial devices and
 * the settings section of the configured protocol, so `kiosk config print` shows what the drivers use.
 */
function withDeviceDefaults(config: KioskConfig): KioskConfig {
  const { idcard, thermometer } = config.devices;
  const card: IdCardDeviceConfig = {
    ...idcard,
    ...(idcard.source === 'serial' && { baudRate: lineSpeedOf(idcard, 'idcard') }),
    ...(idcard.protocol === 'sam' ? { sam: idcard.sam ?? samSettings.parse({}) } : { line: idcard.line ?? lineReaderSettings.parse({}) }),
  } as IdCardDeviceConfig;
  const section = PROTOCOL_SECTION[thermometer.protocol];
  const defaults = { gy: gySettings, optris: optrisSettings, ascii: asciiSettings }[section].parse({});
  const thermo = {
    ...thermometer,
    ...(thermometer.source === 'serial' && { baudRate: lineSpeedOf(thermometer, 'thermometer') }),
    [section]: thermometer[section] ?? defaults,
  } as ThermometerDeviceConfig;
  return { ...config, devices: { idcard: card, thermometer: thermo } };
}

export const StationModeSchema = z.enum(['card-then-temp', 'temp-then-card', 'temp-only']);

export const ScreeningConfigSchema = z.strictObject({
  /** Every state has a timeout: nothing waits forever. */
  timeouts: z
    .strictObject({
      /** Waiting for a card (temp-then-card, or a card read being processed). */
      identifyingMs: ms(1000, 120_000, 15_000),
      /** Waiting for a complete sampling window. */
      measuringMs: ms(1000, 120_000, 15_000),
      /** Waiting for the re-measurement after an elevated first reading. */
      remeasuringMs: ms(1000, 300_000, 30_000),
      /** How long the result stays on screen before returning to idle. */
      resultMs: ms(500, 60_000, 4000),
    })
    .default({ identifyingMs: 15_000, measuringMs: 15_000, remeasuringMs: 30_000, resultMs: 4000 }),
  /**
   * The store's durable commit. The engine waits at most `attemptTimeoutMs` for it before it shows
   * anything; a record the store cannot write now waits in the store's one retry queue, retried
   * with exponential backoff from `retryInitialMs` up to `retryMaxMs` (docs/configuration.md).
   */
  commit: z
    .strictObject({
      attemptTimeoutMs: ms(100, 30_000, 2000),
      retryInitialMs: ms(100, 600_000, 1000),
      retryMaxMs: ms(1000, 3_600_000, 30_000),
    })
    .refine((c) => c.retryInitialMs <= c.retryMaxMs, { message: 'retryInitialMs must not exceed retryMaxMs', path: ['retryInitialMs'] })
    .default({ attemptTimeoutMs: 2000, retryInitialMs: 1000, retryMaxMs: 30_000 }),
  /** A device going offline mid-screening: HOLD for "device fault", or abandon and go back to idle with a prompt. */
  onDeviceFault: z.enum(['hold', 'idle']).default('hold'),
  /** The same card within this window is flagged as a duplicate (not counted twice). */
  duplicateWindowMs: ms(0, 3_600_000, 60_000),
  /**
   * Subject-triggered modes: after a screening, the same person still standing in front must not
   * start another. A new one starts only after the sensor has seen nobody, or after this long in idle.
   */
  subjectRearmMs: ms(0, 60_000, 5000),
});

const constantOffsetModel = z.strictObject({
  kind: z.literal('constant-offset'),
  offsetC: z.number().min(-5).max(10),
});
/** estimate = skin + offsetC + ambientCoefficient · (referenceAmbientC − ambient). */
const ambientLinearModel = z.strictObject({
  kind: z.literal('ambient-linear'),
  offsetC: z.number().min(-5).max(10),
  ambientCoefficient: z.number().min(-1).max(1),
  referenceAmbientC: z.number().min(-20).max(50),
});
/** Exergen arterial heat balance (US 6299347, in °F): Tc = (A·To² + B·To + C)·(To − Ta) + To. */
const heatBalanceModel = z.strictObject({
  kind: z.literal('heat-balance'),
  a: z.number().min(-1).max(1).default(0.001081),
  b: z.number().min(-10).max(10).default(-0.2318),
  c: z.number().min(-1000).max(1000).default(12.454),
});

/**
 * The default: the forehead's steady-state heat balance, Tc = Ts + k·(Ts − Ta), k from the Exergen
 * coefficients at 35 °C skin. Source, validation and uncertainty: docs/configuration.md.
 */
const linearHeatBalanceModel = z.strictObject({
  kind: z.literal('linear-heat-balance'),
  k: z.number().min(0).max(1).default(0.19),
});

/**
 * Whatever its coefficients, a skin-to-body model must give body temperatures: over the envelope a
 * kiosk works in (forehead skin 30–38 °C, ambient 10–35 °C, checked every 1 °C) every estimate must
 * lie within 25–45 °C. Coefficients far from the published ones fail here (e.g. a = 1e9 would turn
 * a normal reading into −1.19e11 °C, and a PASS).
 */
export const MODEL_ENVELOPE = { skinC: [30, 38], ambientC: [10, 35], estimateC: [25, 45] } as const;

function modelLeavesEnvelope(model: z.infer<typeof linearHeatBalanceModel | typeof constantOffsetModel | typeof ambientLinearModel | typeof heatBalanceModel>): string | null {
  const { skinC, ambientC, estimateC } = MODEL_ENVELOPE;
  for (let skin = skinC[0]; skin <= skinC[1]; skin++) {
    for (let ambient = ambientC[0]; ambient <= ambientC[1]; ambient++) {
      const r = applySkinToBody(model, skin, ambient);
      if (r.ok && !(r.estimateC >= estimateC[0] && r.estimateC <= estimateC[1])) {
        return `skin ${skin} °C at ambient ${ambient} °C gives ${Number(r.estimateC.toPrecision(4))} °C`;
      }
    }
  }
  return null;
}

export const SkinToBodyModelSchema = z.discriminatedUnion('kind', [linearHeatBalanceModel, constantOffsetModel, ambientLinearModel, heatBalanceModel]).superRefine((model, ctx) => {
  const bad = modelLeavesEnvelope(model);
  if (bad) {
    ctx.addIssue({
      code: 'custom',
      input: model,
      params: { showWhole: true },
      message: `with these parameters ${bad}; a model must give ${MODEL_ENVELOPE.estimateC[0]}–${MODEL_ENVELOPE.estimateC[1]} °C for skin ${MODEL_ENVELOPE.skinC[0]}–${MODEL_ENVELOPE.skinC[1]} °C and ambient ${MODEL_ENVELOPE.ambientC[0]}–${MODEL_ENVELOPE.ambientC[1]} °C: check the coefficients`,
    });
  }
});
/** The default body-temperature model (docs/configuration.md, "Body temperature"). */
export const DEFAULT_SKIN_TO_BODY_MODEL = { kind: 'linear-heat-balance', k: 0.19 } as const;

/**
 * The plausibility stage: an estimate whose ambient or body value lies outside these bounds is not a
 * temperature (no PASS). The ambient range is the one the default model is checked over (16–32 °C)
 * plus 1 °C for the sensor's own ambient error (docs/configuration.md).
 */
export const PlausibilityConfigSchema = z
  .strictObject({
    ambientMinC: celsius(-40, 40, 15),
    ambientMaxC: celsius(0, 60, 33),
    bodyMinC: celsius(30, 37, 35),
    bodyMaxC: celsius(38, 45, 42),
  })
  .refine((p) => p.ambientMinC < p.ambientMaxC, { message: 'ambientMinC must be below ambientMaxC', path: ['ambientMinC'] })
  .refine((p) => p.bodyMinC < p.bodyMaxC, { message: 'bodyMinC must be below bodyMaxC', path: ['bodyMinC'] });

export const TemperatureConfigSchema = z
  .strictObject({
    /** Plausible corrected skin range: below the floor there is no subject (or it is too far), above the ceiling it is a hot object. */
    skinMinC: celsius(25, 36, 32),
    skinMaxC: celsius(38, 50, 43),
    /** A reading below the floor but this far above ambient is a subject standing too far away. */
    tooFarAboveAmbientC: celsius(0.5, 10, 2),
    /** The window: complete after `samples` accepted readings, or after `windowMs` with at least `minSamples`. */
    samples: z.number().int().min(1).max(50).default(5),
    minSamples: z.number().int().min(1).max(50).default(3),
    windowMs: ms(100, 30_000, 3000),
    /** The statistic fed to the body model: median (spot sensors) or max. */
    statistic: z.enum(['median', 'max']).default('median'),
    model: SkinToBodyModelSchema.default(DEFAULT_SKIN_TO_BODY_MODEL),
    plausibility: PlausibilityConfigSchema.default(() => PlausibilityConfigSchema.parse({})),
  })
  .refine((t) => t.minSamples <= t.samples, { message: 'minSamples must not exceed samples; lower minSamples or raise samples', path: ['minSamples'] })
  .refine((t) => t.skinMinC < t.skinMaxC, { message: 'skinMinC must be below skinMaxC', path: ['skinMinC'] });

export const PolicyConfigSchema = z.strictObject({
  /** Stored with every record so a decision can be traced to the policy that made it. */
  name: label(64, 'default'),
  version: label(32, '1'),
  /** HARD: a HOLD blocks. SOFT: the person passes, flagged for staff. */
  mode: z.enum(['hard', 'soft']).default('hard'),
  feverThresholdC: celsius(36, 40, 37.3),
  /** At or above the threshold, measure once more before deciding. */
  remeasureOnce: z.boolean().default(true),
  colourActions: z
    .strictObject({
      red: colourAction.default('hold'),
      orange: colourAction.default('hold'),
      yellow: colourAction.default('hold-for-registration'),
      blue: colourAction.default('pass-with-notice'),
    })
    .default({ red: 'hold', orange: 'hold', yellow: 'hold-for-registration', blue: 'pass-with-notice' }),
  invalidId: z.enum(['hold', 'pass-with-notice']).default('hold'),
  cardExpired: z.enum(['hold', 'pass-with-notice']).default('hold'),
  watchlistMaxAgeHours: z.number().positive().max(24 * 90).default(24),
  staleWatchlist: z.enum(['hold-for-staff', 'pass-flagged']).default('hold-for-staff'),
});

export const CalibrationConfigSchema = z.strictObject({
  /**
   * No calibration, or an expired/drifted one: the kiosk is out of service (travellers use the
   * staffed lane) until one is recorded; or it screens and HOLDs everyone for staff; or it passes
   * with a warning for the technician.
   */
  whenMissingOrExpired: z.enum(['out-of-service', 'hold-for-staff', 'pass-with-warning']).default('out-of-service'),
  validityDays: z.number().int().min(1).max(730).default(365),
  /** Stability: the last N blackbody readings must lie within maxSpreadC. */
  stabilitySamples: z.number().int().min(3).max(100).default(5),
  stabilityMaxSpreadC: celsius(0.01, 1, 0.1),
  /** Verification at 37 °C: the residual must be within this (0.3 °C forehead, ISO 80601-2-56). */
  verifyMaxResidualC: celsius(0.05, 1, 0.3),
  /** Daily drift check at 37 °C: more than this flags the calibration. */
  driftLimitC: celsius(0.05, 1, 0.2),
});

/**
 * The link to the central service: exactly what `kiosk central enroll` prints, plus an optional CA to
 * pin (production runs central over HTTPS). A kiosk with this section is list-fed: it uploads its
 * records and screens against the lists central pushes (docs/uplink-protocol.md).
 */
export const CentralConfigSchema = z.strictObject({
  url: z
    .string()
    .max(500)
    .refine((u) => URL.canParse(u) && /^https?:$/.test(new URL(u).protocol), 'central\'s base URL, http:// or https:// (e.g. "https://central.example:8443")'),
  kioskId: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'the kioskId printed by `kiosk central enroll`'),
  token: z.string().regex(/^kt_[A-Za-z0-9_-]{43}$/, 'the token printed by `kiosk central enroll` ("kt_" and 43 characters)'),
  /** PEM file of the CA that signed central's certificate (pinned instead of the system CAs). */
  caFile: z.string().min(1).max(4096).optional(),
});
export type CentralConfig = z.infer<typeof CentralConfigSchema>;

/** Text a site writes for the screen in both languages; English falls back to the Chinese when left out. */
const siteText = (max: number) => z.strictObject({ zh: displayText(max), en: displayText(max).optional() });

/** Until a site names them: the operator and contact as a traveller can still act on them (ask the staff there). */
export const DEFAULT_NOTICE_PARTIES = {
  operator: { zh: '本检测点的设置单位', en: 'the authority that runs this checkpoint' },
  contact: { zh: '现场工作人员', en: 'the staff at this checkpoint' },
};

/** Retention window bounds (days): long enough for contact tracing, never longer than four weeks (docs/privacy.md). */
export const RETENTION_DAYS = { min: 1, max: 28, default: 14 } as const;

/**
 * Personal information (PIPL; docs/privacy.md): how long records are kept, what is collected beyond
 * the minimum, and what the notice on the idle screen names. The purpose (epidemic control only)
 * is fixed, not configurable.
 */
export const PrivacyConfigSchema = z.strictObject({
  /**
   * Days a screening is kept: after central acknowledged it (a kiosk with a central service), or
   * after the screening (a standalone kiosk). Undelivered records are kept and flagged.
   */
  retentionDays: z.number().int().min(RETENTION_DAYS.min).max(RETENTION_DAYS.max).default(RETENTION_DAYS.default),
  /** Keep the card photo (encrypted) with each screening and upload it. Off: it is only shown to staff while a hold is open. */
  storePhoto: z.boolean().default(false),
  /** Who runs the checkpoint and whom to ask: named in the notice. */
  notice: z
    .strictObject({
      operator: siteText(100).default(DEFAULT_NOTICE_PARTIES.operator),
      contact: siteText(100).default(DEFAULT_NOTICE_PARTIES.contact),
      /** One more paragraph for the fuller notice (e.g. the order the checkpoint operates under). */
      extra: siteText(600).optional(),
    })
    .default(DEFAULT_NOTICE_PARTIES),
});
export type PrivacyConfig = z.infer<typeof PrivacyConfigSchema>;

export const KioskConfigSchema = z.strictObject({
  schemaVersion: z.literal(1).default(1),
  checkpoint: z.strictObject({
    id: identifier(),
    name: displayText(100),
    /** This kiosk's id (records carry it). */
    kioskId: identifier().default('kiosk-1'),
  }),
  station: z.strictObject({ mode: StationModeSchema.default('card-then-temp') }).default({ mode: 'card-then-temp' }),
  devices: z
    .strictObject({
      idcard: idcardDevice.default({ source: 'simulated', id: 'idcard-0', scenario: 'normal', timeScale: 1, protocol: 'sam' }),
      thermometer: thermometerDevice.default({ source: 'simulated', id: 'thermo-0', scenario: 'normal', timeScale: 1, protocol: 'gy-mcu90614', pollIntervalMs: 200 }),
    })
    .default({
      idcard: { source: 'simulated', id: 'idcard-0', scenario: 'normal', timeScale: 1, protocol: 'sam' },
      thermometer: { source: 'simulated', id: 'thermo-0', scenario: 'normal', timeScale: 1, protocol: 'gy-mcu90614', pollIntervalMs: 200 },
    }),
  screening: ScreeningConfigSchema.default(() => ScreeningConfigSchema.parse({})),
  temperature: TemperatureConfigSchema.default(() => TemperatureConfigSchema.parse({})),
  policy: PolicyConfigSchema.default(() => PolicyConfigSchema.parse({})),
  calibration: CalibrationConfigSchema.default(() => CalibrationConfigSchema.parse({})),
  ui: z.strictObject({ language: z.enum(['zh', 'en']).default('zh') }).default({ language: 'zh' }),
  /**
   * Where the watchlists come from. Absent: the kiosk is standalone and consults no lists, unless it
   * has a `central` section (listSourceOf in list-source.ts decides). `file`: the lists file in the
   * data directory, or `path`.
   */
  lists: z.strictObject({ source: z.literal('file'), path: z.string().min(1).max(4096).optional() }).optional(),
  privacy: PrivacyConfigSchema.default(() => PrivacyConfigSchema.parse({})),
  /** The link to central (what `kiosk central enroll` printed): the kiosk uploads its records and is fed lists by central. */
  central: CentralConfigSchema.optional(),
})
  .refine((c) => c.central === undefined || c.central.kioskId === c.checkpoint.kioskId, {
    message: 'the kiosk was enrolled under this id: set checkpoint.kioskId to the same value (records carry it)',
    path: ['central', 'kioskId'],
  })
  .refine((c) => c.central === undefined || c.lists === undefined, {
    message: 'a kiosk enrolled with central screens against the lists central pushes: remove the "lists" section (or the "central" section for a file-fed kiosk)',
    path: ['lists'],
  });

export type KioskConfig = z.infer<typeof KioskConfigSchema>;
export type StationMode = z.infer<typeof StationModeSchema>;
export type ScreeningConfig = z.infer<typeof ScreeningConfigSchema>;
export type TemperatureConfig = z.infer<typeof TemperatureConfigSchema>;
export type SkinToBodyModel = z.infer<typeof SkinToBodyModelSchema>;
export type PolicyConfig = z.infer<typeof PolicyConfigSchema>;
export type CalibrationConfig = z.infer<typeof CalibrationConfigSchema>;
export type PlausibilityConfig = z.infer<typeof PlausibilityConfigSchema>;
export type ColourAction = z.infer<typeof colourAction>;

export type ParseResult = { ok: true; config: KioskConfig } | { ok: false; problems: string[] };

/** Parses a configuration object (already JSON-decoded). Never throws. */
export function parseKioskConfig(json: unknown): ParseResult {
  const r = KioskConfigSchema.safeParse(json, { reportInput: true });
  if (r.success) return { ok: true, config: withDeviceDefaults(r.data) };
  return { ok: false, problems: r.error.issues.map(describeIssue) };
}

/**
 * Reads and parses a JSON configuration file. Never throws: a missing, non-regular or oversized
 * file, bad JSON, a duplicate key, an overflowing number or absurd nesting is a problem line too
 * (see config-file.ts).
 */
export async function loadKioskConfig(file: string): Promise<ParseResult> {
  const read = readConfigText(file);
  if (!read.ok) return read;
  let json: unknown;
  try {
    json = JSON.parse(read.text);
  } catch (err) {
    return { ok: false, problems: [`${file}: not valid JSON (${err instanceof Error ? err.message : String(err)}); fix the syntax`] };
  }
  const textProblems = checkJsonText(read.text);
  if (textProblems.length > 0) return { ok: false, problems: textProblems };
  return parseKioskConfig(json);
}

type Issue = z.core.$ZodIssue & { input?: unknown };

function fieldName(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(top level)';
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join('');
}

function show(value: unknown): string {
  if (value === undefined) return 'missing';
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  if (typeof value === 'string' && value.length > 60) return `${JSON.stringify(value.slice(0, 40)).slice(0, -1)}..." (${value.length} characters)`;
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch {
    return 'a value nested too deeply to show'; // JSON.stringify recursion (see config-file.ts for files)
  }
  if (text === undefined) return String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** One line per problem: "field: bad value is wrong; fix: what to do". */
export function describeIssue(issue: z.core.$ZodIssue): string {
  const i = issue as Issue;
  const field = fieldName(i.path);
  const missing = i.input === undefined;
  const got = show(i.input);
  switch (i.code) {
    case 'unrecognized_keys':
      return `${field}: unknown field${i.keys.length > 1 ? 's' : ''} ${i.keys.map((k) => `"${field === '(top level)' ? k : `${field}.${k}`}"`).join(', ')}; fix: remove ${i.keys.length > 1 ? 'them' : 'it'} or correct the spelling`;
    case 'too_small':
    case 'too_big': {
      const limit = String(i.code === 'too_small' ? i.minimum : i.maximum);
      const strict = i.inclusive === false;
      const word = i.code === 'too_small' ? (strict ? 'more than' : 'at least') : strict ? 'less than' : 'at most';
      const unit = i.origin === 'array' ? ' entries' : i.origin === 'string' ? ' characters' : '';
      const lengthOf = i.origin === 'array' || i.origin === 'string' ? 'length ' : '';
      return `${field}: ${got} is out of range; fix: use a ${lengthOf}of ${word} ${limit}${unit}`.replace('a of ', 'a value of ');
    }
    case 'invalid_value':
      return `${field}: ${missing ? 'missing' : `${got} is not allowed`}; fix: use one of ${i.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'invalid_type': {
      const article = /^[aeiou]/.test(i.expected) ? 'an' : 'a';
      return `${field}: ${missing ? 'missing' : `${got} is not ${article} ${i.expected}`}; fix: give ${article} ${i.expected}`;
    }
    case 'invalid_union': {
      const d = i as Issue & { discriminator?: string; options?: unknown[] };
      if (d.discriminator && d.options) {
        const value = typeof i.input === 'object' && i.input !== null ? (i.input as Record<string, unknown>)[d.discriminator] : i.input;
        return `${field}: ${show(value)} is not allowed; fix: use one of ${d.options.map((v) => JSON.stringify(v)).join(', ')}`;
      }
      return `${field}: ${got} matches none of the allowed forms; fix: ${i.message}`;
    }
    case 'invalid_format':
      return `${field}: ${got} has the wrong format; fix: ${i.message}`;
    case 'custom': {
      // A refinement on an object reports the whole object as its input: show the named field's value
      // (a refinement on a list, e.g. [min, max], reports the list itself).
      const last = i.path[i.path.length - 1];
      // ...unless the refinement is about the object as a whole (the skin-to-body model): show it.
      const whole = (i as { params?: { showWhole?: boolean } }).params?.showWhole === true;
      const holder = !whole && typeof i.input === 'object' && i.input !== null && !Array.isArray(i.input) && last !== undefined;
      const own = holder ? (i.input as Record<PropertyKey, unknown>)[last] : i.input;
      return `${field}: ${show(own)} is invalid; fix: ${i.message}`;
    }
    default:
      return `${field}: ${got} is invalid; fix: ${i.message}`;
  }
}
