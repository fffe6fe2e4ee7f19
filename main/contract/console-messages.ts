import { z } from 'zod';
import { PrivacyNoticeSchema } from './privacy-notice.js';

/**
 * The staff and technician consoles' part of the contract: a separate group of commands and events
 * (all `console.*`), added to the unions in messages.ts. The host answers a console command only on
 * a signed-in connection with the right role (main/console/console-service.ts); over the LAN only
 * the staff commands exist at all.
 *
 * Personal data: identities are masked (same rules as the traveller screen); a registration's full
 * number, name and phone travel UI → host only, once, and never back.
 */

const commandId = z.number().int().nonnegative().optional();
const maskedIdNumber = z
  .string()
  .max(40)
  .regex(/^[0-9A-Za-z]{0,6}\*+[0-9A-Za-z]{0,4}$/, 'identity number must be masked');
const maskedName = z
  .string()
  .max(64)
  .refine((s) => s === '' || s.split(/[\s,]+/u).every((w) => w === '' || /^[^*\s,]?\*+$/u.test(w)), 'name must be masked');
const bilingual = z.object({ zh: z.string().min(1).max(200), en: z.string().min(1).max(200) });
const colour = z.enum(['red', 'orange', 'yellow', 'blue']);
const iso = z.string().max(40);
const celsius = z.number().min(-50).max(150);

export const RoleSchema = z.enum(['staff', 'technician']);
export const AccountNameSchema = z.string().min(1).max(32);
export const PinSchema = z.string().regex(/^\d{6,12}$/, 'a PIN is 6 to 12 digits');

/** Documents a manual registration may carry (main/console/document-rules.ts checks the numbers). */
export const DocumentTypeSchema = z.enum(['resident', 'hmt-permit', 'foreign-2017', 'foreign-2023', 'passport', 'other']);
export type DocumentType = z.infer<typeof DocumentTypeSchema>;

/** What staff did with a held person. */
export const DispositionSchema = z.enum(['released', 'handed-to-medical', 'isolation-observation', 'left-checkpoint']);
export type DispositionAction = z.infer<typeof DispositionSchema>;
export const RecheckMethodSchema = z.enum(['handheld-ir', 'axillary', 'oral', 'tympanic']);

export const HoldViewSchema = z.object({
  screeningId: z.string().max(64),
  finishedAt: iso,
  reasons: z.array(z.object({ code: z.string().max(48), colour: colour.nullable(), text: bilingual })).max(10),
  colour: colour.nullable(),
  fever: z.boolean(),
  estimateC: celsius.nullable(),
  identity: z.object({ idNumber: maskedIdNumber, name: maskedName, document: z.string().max(20), source: z.enum(['card', 'registration']) }).nullable(),
});
export type HoldView = z.infer<typeof HoldViewSchema>;

export const HourViewSchema = z.object({ hour: z.number().int().min(0).max(23), screened: z.number().int(), passed: z.number().int(), held: z.number().int(), fever: z.number().int() });

const deviceKind = z.enum(['idcard', 'thermometer']);

export const DeviceBenchSchema = z.object({
  kind: deviceKind,
  deviceId: z.string().max(80),
  state: z.enum(['connecting', 'online', 'offline']),
  reason: z.string().max(200).optional(),
  source: z.enum(['serial', 'simulated']),
  port: z.string().max(300).nullable(),
  protocol: z.string().max(40),
  baudRate: z.number().int().nullable(),
  usb: z.object({ vendorId: z.string().max(8).optional(), productId: z.string().max(8).optional(), byId: z.string().max(300).optional() }).nullable(),
});
export type DeviceBench = z.infer<typeof DeviceBenchSchema>;

export const PortViewSchema = z.object({
  path: z.string().max(300),
  byId: z.string().max(300).optional(),
  vendorId: z.string().max(8).optional(),
  productId: z.string().max(8).optional(),
  manufacturer: z.string().max(100).optional(),
  inUse: z.boolean(),
});

export const DetectCandidateSchema = z.object({
  kind: deviceKind,
  protocol: z.string().max(40),
  baudRate: z.number().int(),
  evidence: z.string().max(200),
});

export const MonitorLineSchema = z.object({
  seq: z.number().int().nonnegative(),
  atMs: z.number(),
  device: deviceKind,
  direction: z.enum(['rx', 'tx']),
  hex: z.string().max(400),
  decoded: z.string().max(300),
});
export type MonitorLine = z.infer<typeof MonitorLineSchema>;

export const StabilitySchema = z.object({
  n: z.number().int(),
  needed: z.number().int(),
  meanC: z.number().nullable(),
  spreadC: z.number().nullable(),
  maxSpreadC: z.number(),
  stable: z.boolean(),
  latestC: z.number().nullable(),
});

export const CalibrationStateSchema = z.object({
  step: z.enum(['idle', 'warm-up', 'set-point', 'verify', 'review', 'saved', 'drift-check', 'drift-done']),
  kind: z.enum(['one-point', 'two-point']).nullable(),
  deviceId: z.string().max(80),
  warmUp: z.object({ minutes: z.number(), requiredMinutes: z.number(), ok: z.boolean() }),
  setPoints: z.array(z.number()).max(3),
  currentSetPointC: z.number().nullable(),
  captured: z.array(z.object({ referenceC: z.number(), n: z.number().int(), meanC: z.number(), sdC: z.number(), spreadC: z.number() })).max(3),
  stability: StabilitySchema.nullable(),
  fit: z.object({ gain: z.number(), offsetC: z.number() }).nullable(),
  verification: z
    .object({ referenceC: z.number(), residualsC: z.array(z.number()).max(100), maxAbsResidualC: z.number(), limitC: z.number(), pass: z.boolean() })
    .nullable(),
  drift: z.object({ errorC: z.number(), limitC: z.number(), flagged: z.boolean() }).nullable(),
  problem: z.string().max(300).nullable(),
  savedId: z.string().max(64).nullable(),
  simulatedBlackbody: z.boolean(),
  current: z.object({ id: z.string().max(64), performedAt: iso, gain: z.number(), offsetC: z.number(), validUntil: iso, state: z.string().max(20) }).nullable(),
  history: z.array(z.object({ id: z.string().max(64), performedAt: iso, gain: z.number(), offsetC: z.number(), technician: z.string().max(80).nullable(), kind: z.string().max(20), maxAbsResidualC: z.number().nullable() })).max(50),
});
export type CalibrationStateView = z.infer<typeof CalibrationStateSchema>;

export const SiteModelStateSchema = z.object({
  pairs: z.array(z.object({ skinC: z.number(), ambientC: z.number().nullable(), clinicalC: z.number(), estimateC: z.number().nullable(), residualC: z.number().nullable() })).max(50),
  latestSkinC: z.number().nullable(),
  latestAmbientC: z.number().nullable(),
  fit: z.object({ model: z.record(z.string(), z.union([z.string(), z.number()])), residualSdC: z.number(), uncertaintyC: z.number(), meanResidualC: z.number() }).nullable(),
  current: z.record(z.string(), z.union([z.string(), z.number()])),
  problem: z.string().max(300).nullable(),
  savedId: z.string().max(64).nullable(),
});
export type SiteModelStateView = z.infer<typeof SiteModelStateSchema>;

const settingValue = z.union([z.string().max(200), z.number(), z.boolean()]);
export const SettingViewSchema = z.object({
  key: z.string().max(80),
  group: z.string().max(40),
  value: settingValue,
  kind: z.enum(['number', 'enum', 'boolean', 'text']),
  options: z.array(z.string().max(40)).max(10).optional(),
  min: z.number().optional(),
  max: z.number().optional(),
  step: z.number().optional(),
  pending: z.boolean(),
});
export const SettingChangeViewSchema = z.object({ at: iso, actor: z.string().max(80), key: z.string().max(80), oldValue: z.string().max(500), newValue: z.string().max(500) });

export const LanStateSchema = z.object({ enabled: z.boolean(), running: z.boolean(), url: z.string().max(200).nullable(), fingerprint: z.string().max(200).nullable(), problem: z.string().max(300).nullable() });

/**
 * A person's requests on the technician console (docs/privacy.md §4; main/console/privacy-pages.ts):
 * the ID number travels UI → host only, in the command, and comes back masked. `reference` names the
 * documented request (checked by the host: no long digit runs, so never a number of the person).
 */
const subjectIdNumber = z.string().max(40);
const requestReference = z.string().max(64);
const delivery = z.enum(['pending', 'sent', 'dead']).nullable();

export const SubjectLookupSchema = z.object({
  identity: z.object({ idNumber: maskedIdNumber, name: maskedName }).nullable(),
  screenings: z
    .array(
      z.object({
        id: z.string().max(64),
        finishedAt: iso,
        checkpointId: z.string().max(64),
        decision: z.enum(['PASS', 'HOLD']).nullable(),
        outcome: z.string().max(40),
        fever: z.boolean(),
        dispositions: z.number().int().nonnegative(),
        photoKept: z.boolean(),
        delivery,
        integrity: z.string().max(20),
      }),
    )
    .max(1000),
  registrations: z
    .array(z.object({ id: z.string().max(64), at: iso.nullable(), documentType: z.string().max(20).nullable(), screeningId: z.string().max(64).nullable(), delivery, integrity: z.enum(['ok', 'unreadable']) }))
    .max(1000),
});
export type SubjectLookupView = z.infer<typeof SubjectLookupSchema>;

export const SubjectErasureSchema = z.object({
  screenings: z.number().int().nonnegative(),
  dispositions: z.number().int().nonnegative(),
  registrations: z.number().int().nonnegative(),
  outboxRows: z.number().int().nonnegative(),
  erasureRequestId: z.string().max(80).nullable(),
  auditSeq: z.number().int().nonnegative(),
});

const count = z.number().int().nonnegative();
const deliveryMode = z.enum(['central', 'standalone']);
const retentionRun = z.object({ at: iso, mode: deliveryMode, days: count, cutoff: iso, screenings: count, dispositions: count, registrations: count.optional() });

/** The live processing summary (main/privacy/processing-report.ts, `kiosk privacy report`): counts and dates, no personal data. */
export const ProcessingReportSchema = z.object({
  generatedAt: iso,
  checkpoint: z.object({ id: z.string().max(64), name: z.string().max(200), kioskId: z.string().max(64) }),
  purpose: z.string().max(200),
  deliveryMode,
  retention: z.object({ days: count, counted: z.string().max(80) }),
  collected: z.object({ card: z.array(z.string().max(80)).max(20), screening: z.array(z.string().max(200)).max(20), photoKept: z.boolean() }),
  held: z.object({
    screenings: count,
    withCard: count,
    withPhoto: count,
    dispositions: count,
    registrations: count,
    oldestFinishedAt: iso.nullable(),
    audit: z.object({ entries: count, oldestAt: iso.nullable() }),
    outbox: z.object({ pending: count, dead: count, sent: count }),
  }),
  undeliveredPastRetention: z.object({ screenings: count, oldestFinishedAt: iso.nullable() }),
  lastRetentionRun: retentionRun.nullable(),
  lastPurge: retentionRun.nullable(),
  collectionRecorded: z.object({ storePhoto: z.boolean(), retentionDays: count, mode: deliveryMode, readNewAddress: z.boolean(), readFingerprint: z.boolean() }).nullable(),
});
export type ProcessingReportView = z.infer<typeof ProcessingReportSchema>;

/** UI → host, console group. */
export const CONSOLE_COMMAND_SCHEMAS = [
  z.object({ type: z.literal('console.accounts'), id: commandId }),
  z.object({ type: z.literal('console.signIn'), id: commandId, name: AccountNameSchema, pin: z.string().max(12) }),
  z.object({ type: z.literal('console.signOut'), id: commandId }),
  z.object({ type: z.literal('console.touch'), id: commandId }),
  z.object({ type: z.literal('console.holds'), id: commandId }),
  z.object({
    type: z.literal('console.resolveHold'),
    id: commandId,
    screeningId: z.string().max(64),
    recheck: z.object({ temperatureC: z.number(), method: RecheckMethodSchema }).nullable(),
    disposition: DispositionSchema,
    note: z.string().max(500),
  }),
  z.object({
    type: z.literal('console.register'),
    id: commandId,
    documentType: DocumentTypeSchema,
    documentNumber: z.string().max(40),
    name: z.string().max(64),
    phone: z.string().max(20),
  }),
  z.object({ type: z.literal('console.today'), id: commandId }),
  z.object({ type: z.literal('console.devices'), id: commandId }),
  z.object({ type: z.literal('console.reconnect'), id: commandId, kind: deviceKind }),
  z.object({ type: z.literal('console.usePort'), id: commandId, kind: deviceKind, path: z.string().min(1).max(300), baudRate: z.number().int(), protocol: z.string().max(40).optional() }),
  z.object({ type: z.literal('console.detect'), id: commandId, path: z.string().min(1).max(300) }),
  z.object({ type: z.literal('console.selfTest'), id: commandId, kind: deviceKind }),
  z.object({ type: z.literal('console.monitor'), id: commandId, on: z.boolean() }),
  z.object({ type: z.literal('console.monitorExport'), id: commandId }),
  z.object({
    type: z.literal('console.calibration'),
    id: commandId,
    action: z.enum(['status', 'start', 'setPoint', 'capture', 'verify', 'save', 'cancel', 'driftCheck', 'driftCapture']),
    kind: z.enum(['one-point', 'two-point']).optional(),
    setPointC: z.number().min(20).max(50).optional(),
    blackbodyId: z.string().max(64).optional(),
    certificateDate: z.string().max(10).optional(),
    ambientC: z.number().min(-20).max(60).optional(),
  }),
  z.object({
    type: z.literal('console.siteModel'),
    id: commandId,
    action: z.enum(['status', 'addPair', 'removePair', 'fit', 'save', 'reset']),
    clinicalC: z.number().optional(),
    index: z.number().int().nonnegative().optional(),
    kind: z.enum(['constant-offset', 'ambient-linear']).optional(),
    method: z.string().max(40).optional(),
    thermometer: z.string().max(80).optional(),
  }),
  z.object({ type: z.literal('console.settings'), id: commandId }),
  z.object({ type: z.literal('console.setSetting'), id: commandId, key: z.string().max(80), value: settingValue }),
  z.object({ type: z.literal('console.accountList'), id: commandId }),
  z.object({ type: z.literal('console.setAccount'), id: commandId, name: AccountNameSchema, role: RoleSchema, pin: z.string().max(12) }),
  z.object({ type: z.literal('console.unlockAccount'), id: commandId, name: AccountNameSchema }),
  z.object({ type: z.literal('console.diagnostics'), id: commandId }),
  z.object({ type: z.literal('console.lan'), id: commandId, enabled: z.boolean().optional() }),
  // Privacy: the notice (staff), the processing summary and a person's requests (technician).
  z.object({ type: z.literal('console.privacyNotice'), id: commandId }),
  z.object({ type: z.literal('console.privacyReport'), id: commandId }),
  z.object({ type: z.literal('console.subjectLookup'), id: commandId, idNumber: subjectIdNumber, reference: requestReference }),
  z.object({ type: z.literal('console.subjectExport'), id: commandId, idNumber: subjectIdNumber, reference: requestReference }),
  /** Deletion: only with the explicit confirmation the console asks for after showing what is held. */
  z.object({ type: z.literal('console.subjectErase'), id: commandId, idNumber: subjectIdNumber, reference: requestReference, confirmed: z.literal(true) }),
] as const;

/** Host → UI, console group. */
export const CONSOLE_EVENT_SCHEMAS = [
  z.object({ type: z.literal('console.accounts'), inReplyTo: commandId, accounts: z.array(z.object({ name: z.string().max(32), role: RoleSchema })).max(200) }),
  z.object({ type: z.literal('console.session'), inReplyTo: commandId, name: z.string().max(32), role: RoleSchema, idleTimeoutMs: z.number().int().positive(), origin: z.enum(['kiosk', 'lan']) }),
  z.object({
    type: z.literal('console.denied'),
    inReplyTo: commandId,
    reason: z.enum(['wrong-pin', 'wait', 'locked', 'rate-limit', 'role', 'signed-out', 'unavailable']),
    retryAfterMs: z.number().int().nonnegative().optional(),
    message: bilingual,
  }),
  z.object({ type: z.literal('console.signedOut'), reason: z.enum(['signed-out', 'idle', 'connection', 'account-changed']) }),
  z.object({ type: z.literal('console.invalid'), inReplyTo: commandId, field: z.string().max(40), message: bilingual }),
  z.object({ type: z.literal('console.done'), inReplyTo: commandId, message: bilingual, recordId: z.string().max(80).optional() }),
  z.object({ type: z.literal('console.holds'), inReplyTo: commandId, holds: z.array(HoldViewSchema).max(200) }),
  /** A new HOLD: `heldAt` is the host's wall-clock time of the decision (epoch ms), for the latency check. */
  z.object({ type: z.literal('console.holdArrived'), hold: HoldViewSchema, heldAtMs: z.number(), sentAtMs: z.number() }),
  z.object({ type: z.literal('console.holdResolved'), screeningId: z.string().max(64) }),
  z.object({
    type: z.literal('console.today'),
    inReplyTo: commandId,
    date: z.string().max(10),
    hours: z.array(HourViewSchema).max(25),
    totals: z.object({ screened: z.number().int(), passed: z.number().int(), held: z.number().int(), fever: z.number().int() }),
    openHolds: z.number().int(),
    lastUpload: z.string().max(40).nullable(),
    outbox: z.object({ pending: z.number().int(), dead: z.number().int() }),
  }),
  z.object({ type: z.literal('console.devices'), inReplyTo: commandId, devices: z.array(DeviceBenchSchema).max(4), ports: z.array(PortViewSchema).max(64) }),
  z.object({ type: z.literal('console.detected'), inReplyTo: commandId, path: z.string().max(300), candidates: z.array(DetectCandidateSchema).max(10), tried: z.array(z.string().max(60)).max(30) }),
  z.object({ type: z.literal('console.selfTest'), inReplyTo: commandId, kind: deviceKind, ok: z.boolean(), checks: z.array(z.object({ name: z.string().max(60), ok: z.boolean(), detail: z.string().max(200) })).max(10) }),
  z.object({ type: z.literal('console.monitorLines'), lines: z.array(MonitorLineSchema).max(200) }),
  z.object({ type: z.literal('console.file'), inReplyTo: commandId, path: z.string().max(400), bytes: z.number().int(), summary: z.string().max(300) }),
  z.object({ type: z.literal('console.calibration'), inReplyTo: commandId, state: CalibrationStateSchema }),
  z.object({ type: z.literal('console.siteModel'), inReplyTo: commandId, state: SiteModelStateSchema }),
  z.object({
    type: z.literal('console.settings'),
    inReplyTo: commandId,
    items: z.array(SettingViewSchema).max(60),
    history: z.array(SettingChangeViewSchema).max(100),
    restartNeeded: z.boolean(),
  }),
  z.object({ type: z.literal('console.accountList'), inReplyTo: commandId, accounts: z.array(z.object({ name: z.string().max(32), role: RoleSchema, disabled: z.boolean(), locked: z.boolean() })).max(200) }),
  z.object({ type: z.literal('console.lan'), inReplyTo: commandId, lan: LanStateSchema }),
  z.object({ type: z.literal('console.privacyNotice'), inReplyTo: commandId, notice: PrivacyNoticeSchema }),
  z.object({ type: z.literal('console.privacyReport'), inReplyTo: commandId, report: ProcessingReportSchema }),
  z.object({ type: z.literal('console.subjectLookup'), inReplyTo: commandId, reference: requestReference, lookup: SubjectLookupSchema }),
  /** The person's export, written 0600 under the data directory (`path`): their own data in full, never sent to the console. */
  z.object({ type: z.literal('console.subjectExported'), inReplyTo: commandId, reference: requestReference, path: z.string().max(400), bytes: count, screenings: count, registrations: count }),
  z.object({ type: z.literal('console.subjectErased'), inReplyTo: commandId, reference: requestReference, erased: SubjectErasureSchema }),
] as const;

export type ConsoleCommand = z.infer<(typeof CONSOLE_COMMAND_SCHEMAS)[number]>;
export type ConsoleEvent = z.infer<(typeof CONSOLE_EVENT_SCHEMAS)[number]>;

/** The commands a staff account may use; a technician may use every console command. */
export const STAFF_COMMANDS: ReadonlySet<ConsoleCommand['type']> = new Set(['console.signOut', 'console.touch', 'console.holds', 'console.resolveHold', 'console.register', 'console.today', 'console.privacyNotice']);
/** Commands that need no session (the PIN pad's own). */
export const OPEN_COMMANDS: ReadonlySet<ConsoleCommand['type']> = new Set(['console.accounts', 'console.signIn']);
