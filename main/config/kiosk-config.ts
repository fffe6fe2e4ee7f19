import { readFile } from 'node:fs/promises';
import { z } from 'zod';

/**
 * The kiosk configuration: one zod schema with defaults and ranges. A file may give only what
 * differs from the defaults (at least the checkpoint id and name). Unknown keys are errors, so a
 * typo never silently falls back to a default. `parseKioskConfig` turns every problem into one
 * line naming the field, the bad value and the fix.
 */

const colour = z.enum(['red', 'orange', 'yellow', 'blue']);
/** What a watchlist colour or a key region does to a screening. */
const colourAction = z.enum(['hold', 'hold-for-registration', 'pass-with-notice']);
const ms = (min: number, max: number, dflt: number) => z.number().int().min(min).max(max).default(dflt);
const celsius = (min: number, max: number, dflt: number) => z.number().min(min).max(max).default(dflt);

const usbMatch = z.strictObject({
  vendorId: z.string().regex(/^[0-9a-fA-F]{4}$/, 'a 4-digit hex USB vendor id, e.g. "1a86"'),
  productId: z.string().regex(/^[0-9a-fA-F]{4}$/, 'a 4-digit hex USB product id, e.g. "7523"'),
  serialNumber: z.string().min(1).optional(),
});

const scenario = z.enum(['normal', 'fever', 'no-card', 'card-left', 'garbage', 'bad-checksum', 'unplug', 'slow']);

const simulatedDevice = z.strictObject({
  source: z.literal('simulated'),
  scenario: scenario.default('normal'),
  /** Simulated time runs this many times faster than real time. */
  timeScale: z.number().positive().max(1000).default(1),
});

const serialDevice = z
  .strictObject({
    source: z.literal('serial'),
    /** A fixed port path (prefer /dev/serial/by-id/...), or ... */
    path: z.string().min(1).optional(),
    /** ... a USB match resolved at start-up. */
    usb: usbMatch.optional(),
    baudRate: z.number().int().refine((b) => [2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400, 460800].includes(b), 'a standard baud rate: 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400 or 460800').default(115200),
  })
  .refine((d) => d.path !== undefined || d.usb !== undefined, { message: 'give "path" (e.g. /dev/serial/by-id/...) or "usb" {vendorId, productId}', path: ['path'] });

const idcardDevice = z.discriminatedUnion('source', [
  simulatedDevice.extend({ id: z.string().min(1).default('idcard-0') }),
  serialDevice.safeExtend({ id: z.string().min(1).default('idcard-0') }),
]);

const thermoProtocol = z.enum(['gy-mcu90614', 'optris-ct', 'ascii']);
const thermometerDevice = z.discriminatedUnion('source', [
  simulatedDevice.extend({
    id: z.string().min(1).default('thermo-0'),
    protocol: thermoProtocol.default('gy-mcu90614'),
    /** The simulated sensor's error (reported = gain·scene + offsetC ± noiseC), to practise calibration against the simulated blackbody. */
    sensorError: z.strictObject({ gain: z.number().min(0.8).max(1.25), offsetC: z.number().min(-5).max(5), noiseC: z.number().min(0).max(1).default(0.02) }).optional(),
  }),
  serialDevice.safeExtend({ id: z.string().min(1).default('thermo-0'), protocol: thermoProtocol }),
]);

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
  /** The store's durable commit: a time limit per attempt, and the delays between attempts. */
  commit: z
    .strictObject({
      attemptTimeoutMs: ms(100, 30_000, 2000),
      retryDelaysMs: z.array(z.number().int().min(0).max(30_000)).max(10).default([200, 1000]),
      /** After the result is shown as HOLD STORE_UNAVAILABLE, keep retrying in the background at this interval. */
      backgroundRetryMs: ms(500, 600_000, 5000),
    })
    .default({ attemptTimeoutMs: 2000, retryDelaysMs: [200, 1000], backgroundRetryMs: 5000 }),
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
  a: z.number().default(0.001081),
  b: z.number().default(-0.2318),
  c: z.number().default(12.454),
});
export const SkinToBodyModelSchema = z.discriminatedUnion('kind', [constantOffsetModel, ambientLinearModel, heatBalanceModel]);

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
    model: SkinToBodyModelSchema.default({ kind: 'constant-offset', offsetC: 0 }),
  })
  .refine((t) => t.minSamples <= t.samples, { message: 'minSamples must not exceed samples; lower minSamples or raise samples', path: ['minSamples'] })
  .refine((t) => t.skinMinC < t.skinMaxC, { message: 'skinMinC must be below skinMaxC', path: ['skinMinC'] });

export const PolicyConfigSchema = z.strictObject({
  /** Stored with every record so a decision can be traced to the policy that made it. */
  name: z.string().min(1).default('default'),
  version: z.string().min(1).default('1'),
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
  /** No calibration, or an expired/drifted one: HOLD everyone for staff, or pass with a warning for the technician. */
  whenMissingOrExpired: z.enum(['hold-for-staff', 'pass-with-warning']).default('hold-for-staff'),
  validityDays: z.number().int().min(1).max(730).default(365),
  /** Stability: the last N blackbody readings must lie within maxSpreadC. */
  stabilitySamples: z.number().int().min(3).max(100).default(5),
  stabilityMaxSpreadC: celsius(0.01, 1, 0.1),
  /** Verification at 37 °C: the residual must be within this (0.3 °C forehead, ISO 80601-2-56). */
  verifyMaxResidualC: celsius(0.05, 1, 0.3),
  /** Daily drift check at 37 °C: more than this flags the calibration. */
  driftLimitC: celsius(0.05, 1, 0.2),
});

export const KioskConfigSchema = z.strictObject({
  schemaVersion: z.literal(1).default(1),
  checkpoint: z.strictObject({
    id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'letters, digits, ".", "_" or "-" (1–64 characters), e.g. "yk-qiancang-330"'),
    name: z.string().min(1).max(100),
    /** This kiosk's id (records carry it). */
    kioskId: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'letters, digits, ".", "_" or "-" (1–64 characters)').default('kiosk-1'),
  }),
  station: z.strictObject({ mode: StationModeSchema.default('card-then-temp') }).default({ mode: 'card-then-temp' }),
  devices: z
    .strictObject({
      idcard: idcardDevice.default({ source: 'simulated', id: 'idcard-0', scenario: 'normal', timeScale: 1 }),
      thermometer: thermometerDevice.default({ source: 'simulated', id: 'thermo-0', scenario: 'normal', timeScale: 1, protocol: 'gy-mcu90614' }),
    })
    .default({
      idcard: { source: 'simulated', id: 'idcard-0', scenario: 'normal', timeScale: 1 },
      thermometer: { source: 'simulated', id: 'thermo-0', scenario: 'normal', timeScale: 1, protocol: 'gy-mcu90614' },
    }),
  screening: ScreeningConfigSchema.default(() => ScreeningConfigSchema.parse({})),
  temperature: TemperatureConfigSchema.default(() => TemperatureConfigSchema.parse({})),
  policy: PolicyConfigSchema.default(() => PolicyConfigSchema.parse({})),
  calibration: CalibrationConfigSchema.default(() => CalibrationConfigSchema.parse({})),
  ui: z.strictObject({ language: z.enum(['zh', 'en']).default('zh') }).default({ language: 'zh' }),
});

export type KioskConfig = z.infer<typeof KioskConfigSchema>;
export type StationMode = z.infer<typeof StationModeSchema>;
export type ScreeningConfig = z.infer<typeof ScreeningConfigSchema>;
export type TemperatureConfig = z.infer<typeof TemperatureConfigSchema>;
export type SkinToBodyModel = z.infer<typeof SkinToBodyModelSchema>;
export type PolicyConfig = z.infer<typeof PolicyConfigSchema>;
export type CalibrationConfig = z.infer<typeof CalibrationConfigSchema>;
export type ColourAction = z.infer<typeof colourAction>;

export type ParseResult = { ok: true; config: KioskConfig } | { ok: false; problems: string[] };

/** Parses a configuration object (already JSON-decoded). Never throws. */
export function parseKioskConfig(json: unknown): ParseResult {
  const r = KioskConfigSchema.safeParse(json, { reportInput: true });
  if (r.success) return { ok: true, config: r.data };
  return { ok: false, problems: r.error.issues.map(describeIssue) };
}

/** Reads and parses a JSON configuration file. Never throws: a missing file or bad JSON is a problem line too. */
export async function loadKioskConfig(file: string): Promise<ParseResult> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    return { ok: false, problems: [`${file}: cannot read the file (${code}); check the path and its permissions`] };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return { ok: false, problems: [`${file}: not valid JSON (${err instanceof Error ? err.message : String(err)}); fix the syntax`] };
  }
  return parseKioskConfig(json);
}

type Issue = z.core.$ZodIssue & { input?: unknown };

function fieldName(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(top level)';
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join('');
}

function show(value: unknown): string {
  if (value === undefined) return 'missing';
  const text = JSON.stringify(value);
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
      // A refinement on an object reports the whole object as its input: show the named field's value.
      const last = i.path[i.path.length - 1];
      const own = typeof i.input === 'object' && i.input !== null && last !== undefined ? (i.input as Record<PropertyKey, unknown>)[last] : i.input;
      return `${field}: ${show(own)} is invalid; fix: ${i.message}`;
    }
    default:
      return `${field}: ${got} is invalid; fix: ${i.message}`;
  }
}
