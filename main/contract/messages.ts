import { z } from 'zod';
import { CONSOLE_COMMAND_SCHEMAS, CONSOLE_EVENT_SCHEMAS } from './console-messages.js';
import { PrivacyNoticeSchema } from './privacy-notice.js';

/**
 * The one contract between the host process and any UI (Electron renderer over a MessagePort, or a
 * browser page over a WebSocket). Every message in both directions has a zod schema here; the
 * ContractServer and ContractClient validate with them on send and on receipt.
 *
 * Personal data never crosses this contract unmasked: identity fields are checked to be masked.
 */

export const CONTRACT_VERSION = 1;

export const ScreenNameSchema = z.enum(['idle', 'reading', 'measuring', 'remeasure', 'pass', 'hold', 'fault', 'out-of-service']);
export type ScreenName = z.infer<typeof ScreenNameSchema>;

export const LanguageSchema = z.enum(['zh', 'en']);
export type Language = z.infer<typeof LanguageSchema>;

export const WatchColourSchema = z.enum(['red', 'orange', 'yellow', 'blue']);

/** Text in both UI languages, resolved by the host from the engine's message tables. */
export const BilingualTextSchema = z.object({ zh: z.string().min(1).max(200), en: z.string().min(1).max(200) });
export type BilingualText = z.infer<typeof BilingualTextSchema>;

/**
 * A masked ID number such as `330784********1234` (main/store/masking.ts): at most 6 leading and 4
 * trailing visible characters of [0-9A-Z] around at least one asterisk. An unmasked number fails
 * validation and never reaches a screen; masking.ts cannot produce anything this refuses.
 */
export const MaskedIdNumberSchema = z
  .string()
  .max(40)
  .regex(/^[0-9A-Z]{0,6}\*+[0-9A-Z]{0,4}$/, 'identity number must be masked (e.g. 330784********1234)');

/**
 * A masked name (main/store/masking.ts): words separated by one space or ", ", each keeping at most
 * its first character, which must be a letter or digit (`张*`, `欧***`, `J*** S****`) — never a
 * control, format (e.g. an RTL override) or lone surrogate character — or empty when the card has none.
 */
export const MaskedNameSchema = z
  .string()
  .max(64)
  .regex(/^(?:[\p{L}\p{N}]?\*+(?:(?:, | )[\p{L}\p{N}]?\*+)*)?$/u, 'name must be masked (e.g. 张*)');

export const MaskedIdentitySchema = z.object({
  idNumber: MaskedIdNumberSchema,
  name: MaskedNameSchema,
  cardType: z.enum(['resident', 'hmt-permit', 'foreign-2017', 'foreign-2023']),
});
export type MaskedIdentity = z.infer<typeof MaskedIdentitySchema>;

export const ReasonViewSchema = z.object({
  code: z.string().regex(/^[A-Z][A-Z0-9_]{1,40}$/),
  colour: WatchColourSchema.nullable(),
  text: BilingualTextSchema,
});
export type ReasonView = z.infer<typeof ReasonViewSchema>;

export const DeviceViewSchema = z.object({
  deviceId: z.string().min(1).max(80),
  kind: z.enum(['idcard', 'thermometer']),
  state: z.enum(['connecting', 'online', 'offline']),
  reason: z.string().max(200).optional(),
});
export type DeviceView = z.infer<typeof DeviceViewSchema>;

/** A temperature as shown (one decimal is a display choice; the store keeps raw values). */
const ShownTemperatureSchema = z.number().min(-50).max(150);

/** What the engine asks the traveller to do now (shown on the screen and spoken). */
export const PromptViewSchema = z.object({
  key: z.string().regex(/^[a-z]+\.[A-Za-z]{1,40}$/),
  text: BilingualTextSchema,
});
export type PromptView = z.infer<typeof PromptViewSchema>;

const screenBase = {
  seq: z.number().int().nonnegative(),
  screeningId: z.string().max(64).nullable(),
  /** The engine's latest prompt on this screen, if any. */
  prompt: PromptViewSchema.optional(),
};

/** What the measuring and re-measure screens show: who (masked) and how far the sampling window is. */
const measurementProgress = {
  identity: MaskedIdentitySchema.nullable(),
  attempt: z.number().int().min(1).max(5),
  samples: z.number().int().nonnegative(),
  samplesNeeded: z.number().int().positive(),
};

export const ScreenStateSchema = z.discriminatedUnion('screen', [
  z.object({ screen: z.literal('idle'), ...screenBase }),
  z.object({ screen: z.literal('reading'), ...screenBase }),
  z.object({ screen: z.literal('measuring'), ...screenBase, ...measurementProgress }),
  z.object({ screen: z.literal('remeasure'), ...screenBase, ...measurementProgress }),
  z.object({
    screen: z.literal('pass'),
    ...screenBase,
    identity: MaskedIdentitySchema.nullable(),
    temperatureC: ShownTemperatureSchema.nullable(),
    reasons: z.array(ReasonViewSchema).max(10),
  }),
  z.object({
    screen: z.literal('hold'),
    ...screenBase,
    identity: MaskedIdentitySchema.nullable(),
    temperatureC: ShownTemperatureSchema.nullable(),
    colour: WatchColourSchema.nullable(),
    reasons: z.array(ReasonViewSchema).min(1).max(10),
  }),
  z.object({
    screen: z.literal('fault'),
    ...screenBase,
    devices: z.array(DeviceViewSchema).max(8),
  }),
  /** The kiosk cannot screen (no valid calibration, no store): travellers use the staffed lane. */
  z.object({
    screen: z.literal('out-of-service'),
    ...screenBase,
    reasons: z.array(ReasonViewSchema).min(1).max(10),
  }),
]);
export type ScreenState = z.infer<typeof ScreenStateSchema>;

/** Something staff should know (store trouble, why the kiosk is out of service), for the status bar. */
export const NoticeViewSchema = z.object({
  code: z.string().regex(/^[A-Z][A-Z0-9_]{1,40}$/),
  level: z.enum(['warning', 'error']),
  text: BilingualTextSchema,
});
export type NoticeView = z.infer<typeof NoticeViewSchema>;

// The privacy notice (privacy-notice.ts): its own module, as the consoles' contract shows it too.
export { PrivacyNoticeSchema, type PrivacyNotice } from './privacy-notice.js';

export const HealthSchema = z.object({
  status: z.enum(['starting', 'ready', 'degraded']),
  /** out-of-service: nobody is screened (see `notices` for why). */
  service: z.enum(['in-service', 'out-of-service']),
  uptimeMs: z.number().nonnegative(),
  devices: z.array(DeviceViewSchema).max(8),
  /** degraded: records are waiting in memory for the disk (`pendingRecords`). */
  store: z.enum(['open', 'degraded', 'unavailable']),
  pendingRecords: z.number().int().nonnegative(),
  notices: z.array(z.object({ code: z.string().max(40), level: z.enum(['warning', 'error']), detail: z.record(z.string(), z.union([z.string().max(200), z.number(), z.boolean()])).optional() })).max(20),
  screenings: z.number().int().nonnegative(),
  rssBytes: z.number().int().nonnegative(),
});
export type Health = z.infer<typeof HealthSchema>;

const commandId = z.number().int().nonnegative().optional();

/** UI → host. */
export const UiCommandSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('hello'), id: commandId, version: z.literal(CONTRACT_VERSION) }),
  z.object({ type: z.literal('setLanguage'), id: commandId, language: LanguageSchema }),
  z.object({ type: z.literal('getHealth'), id: commandId }),
  /** The renderer painted a screen (sent after the frame that shows it); used for latency figures. */
  z.object({ type: z.literal('painted'), id: commandId, seq: z.number().int().nonnegative(), screen: ScreenNameSchema }),
  // The staff and technician consoles (console-messages.ts).
  ...CONSOLE_COMMAND_SCHEMAS,
]);
export type UiCommand = z.infer<typeof UiCommandSchema>;

/** Host → UI. */
export const HostEventSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('snapshot'),
    checkpointName: BilingualTextSchema,
    language: LanguageSchema,
    screen: ScreenStateSchema,
    devices: z.array(DeviceViewSchema).max(8),
    notices: z.array(NoticeViewSchema).max(20),
    /** The privacy notice of this site (optional so a UI built before it still validates). */
    privacyNotice: PrivacyNoticeSchema.optional(),
  }),
  z.object({ type: z.literal('screen'), screen: ScreenStateSchema }),
  z.object({ type: z.literal('notices'), notices: z.array(NoticeViewSchema).max(20) }),
  z.object({ type: z.literal('deviceStatus'), devices: z.array(DeviceViewSchema).max(8) }),
  z.object({ type: z.literal('language'), language: LanguageSchema }),
  z.object({ type: z.literal('health'), inReplyTo: commandId, health: HealthSchema }),
  z.object({
    type: z.literal('error'),
    inReplyTo: commandId,
    code: z.enum(['BAD_MESSAGE', 'UNSUPPORTED_VERSION', 'INTERNAL']),
    message: z.string().max(500),
  }),
  // The staff and technician consoles (console-messages.ts).
  ...CONSOLE_EVENT_SCHEMAS,
]);
export type HostEvent = z.infer<typeof HostEventSchema>;
