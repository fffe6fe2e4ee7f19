import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { describeIssue, type KioskConfig } from '../config/kiosk-config.js';
import { listSourceOf } from '../config/list-source.js';
import { calibrationState, type Calibration } from './calibration-source.js';
import { cardTypeOfNumber } from '../../drivers/idcard/id-number.js';
import { HmacIdHasher, type IdHasher } from './id-hasher.js';
import { decide, decisionPolicyOf, reason, type DecisionIdentity, type PolicyDecision } from './policy.js';
import { message } from './reason-messages.js';
import type { TemperatureEstimate } from './screening-record.js';
import { TemperaturePipeline } from './temperature-pipeline.js';
import { STANDALONE_LISTS, watchlistSnapshot, type WatchlistEntry } from './watchlist-source.js';

/**
 * A "what would the kiosk decide" case, for administrators trying a policy before rolling it out
 * (`kiosk policy try`). It runs the same pipeline and the same `decide` as the engine.
 */
const colour = z.enum(['red', 'orange', 'yellow', 'blue']);
export const PolicyCaseSchema = z.strictObject({
  /** Omit for a person without a card (temp-only stations, or to see NO_IDENTITY). */
  idNumber: z.string().min(1).max(64).optional(),
  /** The card family; default inferred from the number as an ASCII-line reader does (drivers/idcard/id-number.ts). */
  cardType: z.enum(['resident', 'hmt-permit', 'foreign-2017', 'foreign-2023']).optional(),
  /** Raw object readings of the first measurement, °C. */
  samplesC: z.array(z.number()).min(1),
  /** Raw readings of the re-measurement, if the first is elevated. */
  remeasureSamplesC: z.array(z.number()).min(1).optional(),
  ambientC: z.number().optional(),
  /** List entries: by plaintext ID number (hashed here with a throw-away key) or by HMAC (needs the deployment key). */
  watchlist: z
    .array(
      z.union([
        z.strictObject({ idNumber: z.string().min(1), colour, listId: z.string().default('case'), updatedAt: z.string().optional() }),
        z.strictObject({ hmac: z.string().regex(/^[0-9a-fA-F]{64}$/, '64 hex digits (HMAC-SHA256)'), colour, listId: z.string().default('case'), updatedAt: z.string().optional() }),
      ]),
    )
    .default([]),
  keyRegions: z.array(z.strictObject({ prefix: z.string().regex(/^\d{1,6}$/, '1–6 digits of a region code'), colour })).default([]),
  /** Age of the lists; default fresh (0). */
  watchlistAgeHours: z.number().min(0).default(0),
  /**
   * The card's dates as printed on it (`YYYYMMDD` or `YYYY-MM-DD`; validUntil also "long-term"). Any text is
   * accepted and judged as the kiosk judges a card: an impossible date gives INVALID_CARD_DATE.
   */
  cardValidUntil: z.string().max(16).default('long-term'),
  cardValidFrom: z.string().max(16).optional(),
  cardBirthDate: z.string().max(16).optional(),
  /** The thermometer's calibration: gain/offset (valid), or "missing" / "expired". Default: valid, gain 1, offset 0. */
  calibration: z.union([z.literal('missing'), z.literal('expired'), z.strictObject({ gain: z.number().positive(), offset: z.number(), id: z.string().default('case') })]).default({ gain: 1, offset: 0, id: 'case' }),
  /** The same card was screened within the duplicate window. */
  duplicate: z.boolean().default(false),
  /** Wall-clock time of the decision (ISO); default now. */
  now: z.iso.datetime({ offset: true }).optional(),
});
export type PolicyCase = z.infer<typeof PolicyCaseSchema>;

export type CaseParse = { ok: true; value: PolicyCase } | { ok: false; problems: string[] };

export function parsePolicyCase(json: unknown): CaseParse {
  const r = PolicyCaseSchema.safeParse(json, { reportInput: true });
  return r.success ? { ok: true, value: r.data } : { ok: false, problems: r.error.issues.map(describeIssue) };
}

export interface CaseOutcome {
  decision: PolicyDecision;
  attempts: TemperatureEstimate[];
  /** The first attempt was elevated and no re-measure samples were given. */
  awaitingRemeasure: boolean;
}

/** Runs a case through the temperature pipeline and the policy. `hmacKey` is needed only for HMAC entries. */
export function runPolicyCase(config: KioskConfig, c: PolicyCase, hmacKey?: Uint8Array): CaseOutcome {
  const needsKey = c.watchlist.some((e) => 'hmac' in e);
  if (needsKey && !hmacKey) throw new TypeError('watchlist entries given by "hmac" need the deployment ID key (--hmac-key-file)');
  const hasher: IdHasher = new HmacIdHasher(hmacKey ?? randomBytes(32));
  const now = c.now ? new Date(c.now) : new Date();
  const calibration: Calibration | null =
    c.calibration === 'missing'
      ? null
      : {
          id: c.calibration === 'expired' ? 'case-expired' : c.calibration.id,
          deviceId: config.devices.thermometer.id,
          kind: 'two-point',
          gain: c.calibration === 'expired' ? 1 : c.calibration.gain,
          offset: c.calibration === 'expired' ? 0 : c.calibration.offset,
          createdAt: new Date(now.getTime() - 86_400_000).toISOString(),
          validUntil: c.calibration === 'expired' ? new Date(now.getTime() - 1).toISOString() : new Date(now.getTime() + 86_400_000).toISOString(),
        };

  const measure = (samplesC: number[], attempt: number): TemperatureEstimate | null => {
    const p = new TemperaturePipeline(config.temperature, calibration);
    samplesC.forEach((objectC, i) => p.add({ objectC, ambientC: c.ambientC, outOfRange: false, monotonicMs: i * 100 }));
    const e = p.estimate(attempt);
    return e.ok ? e.estimate : null;
  };

  const entries: WatchlistEntry[] = c.watchlist.map((e) => ({
    hmac: 'hmac' in e ? e.hmac.toLowerCase() : hasher.hashIdNumber(e.idNumber),
    colour: e.colour,
    listId: e.listId,
    updatedAt: e.updatedAt ?? now.toISOString(),
  }));
  // As the kiosk would: a standalone configuration consults no lists (main/config/list-source.ts).
  const source = listSourceOf(config);
  const watchlist = source === 'standalone' ? STANDALONE_LISTS : watchlistSnapshot(entries, c.keyRegions, new Date(now.getTime() - c.watchlistAgeHours * 3_600_000).toISOString(), source);
  const policy = decisionPolicyOf(config);
  const identity: DecisionIdentity | null =
    c.idNumber === undefined
      ? null
      : {
          idNumber: c.idNumber,
          cardType: c.cardType ?? cardTypeOfNumber(c.idNumber),
          idHmac: hasher.hashIdNumber(c.idNumber),
          dates: { validFrom: c.cardValidFrom ?? null, validUntil: c.cardValidUntil, birthDate: c.cardBirthDate ?? null },
        };

  const attempts: TemperatureEstimate[] = [];
  const first = measure(c.samplesC, 1);
  if (first) attempts.push(first);
  const input = () => ({
    requireIdentity: config.station.mode !== 'temp-only',
    identity,
    attempts,
    remeasureAvailable: attempts.length === 1 && c.remeasureSamplesC !== undefined,
    watchlist,
    calibration: calibrationState(calibration, now),
    now,
    duplicateOf: c.duplicate ? 'earlier-screening' : null,
    deviceFault: null,
  });
  let decision = decide(policy, input());
  if (decision.next === 'remeasure' && c.remeasureSamplesC) {
    const second = measure(c.remeasureSamplesC, 2);
    if (second) attempts.push(second);
    decision = decide(policy, { ...input(), remeasureAvailable: false });
  }
  // Without re-measure samples the engine would ask for one; show that, then what a HOLD would say.
  const awaitingRemeasure = first !== null && first.estimateC >= policy.feverThresholdC && policy.remeasureOnce && attempts.length === 1;
  return { decision, attempts, awaitingRemeasure };
}

/** The JSON `kiosk policy try` prints: no personal data (the ID number is not echoed). */
export function caseReport(config: KioskConfig, o: CaseOutcome): Record<string, unknown> {
  const d = o.decision;
  const lang = (key: string) => ({ zh: message('zh', key), en: message('en', key) });
  const decisionKey = d.decision === 'PASS' ? (d.flaggedForStaff ? 'decision.passNotice' : 'decision.pass') : 'decision.hold';
  const reasons = d.reasons.map((r) => ({ ...r, message: lang(r.messageKey) }));
  if (o.awaitingRemeasure) {
    // The kiosk would ask for a re-measurement now; show that, and what it decides if none comes.
    const first = o.attempts[0]!;
    return {
      decision: null,
      next: 'remeasure',
      message: lang('prompt.remeasure'),
      reasons: [{ ...reason('REMEASURE', 'remeasure', { detail: { estimateC: first.estimateC, thresholdC: config.policy.feverThresholdC } }), message: lang('reason.remeasure') }],
      ifNotRemeasured: { decision: d.decision, colour: d.colour, flaggedForStaff: d.flaggedForStaff, reasons },
      fever: d.fever,
      mode: d.mode,
      policyVersion: d.policyVersion,
      thresholdC: config.policy.feverThresholdC,
      temperatures: o.attempts.map(temperatureReport),
    };
  }
  return {
    decision: d.decision,
    next: 'final',
    colour: d.colour,
    fever: d.fever,
    flaggedForStaff: d.flaggedForStaff,
    mode: d.mode,
    policyVersion: d.policyVersion,
    message: lang(decisionKey),
    reasons,
    thresholdC: config.policy.feverThresholdC,
    temperatures: o.attempts.map(temperatureReport),
  };
}

function temperatureReport(t: TemperatureEstimate): Record<string, unknown> {
  return {
    attempt: t.attempt,
    estimateC: t.estimateC,
    medianC: t.medianC,
    maxC: t.maxC,
    ambientC: t.ambientC ?? null,
    model: t.model,
    calibrationId: t.calibrationId,
    samples: t.samples.map((s) => ({ objectC: s.objectC, correctedC: s.correctedC, rejected: s.rejected ?? null })),
  };
}
