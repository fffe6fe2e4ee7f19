import type { CalibrationConfig, KioskConfig, PolicyConfig } from '../config/kiosk-config.js';
import { judgeCardDates, type CardDates } from '../../drivers/idcard/card-date.js';
import type { CardType, IdCard, IdentityRead } from '../../drivers/idcard/id-card.js';
import { checkIdNumber, matchesRegionPrefix } from '../../drivers/idcard/id-number.js';
import type { CalibrationState } from './calibration-source.js';
import { localDate } from './clock.js';
import { REASON_MESSAGE_KEYS, type ReasonCode } from './reason-messages.js';
import type { Decision, Reason, TemperatureEstimate, WatchColour } from './screening-record.js';
import { LIST_CLOCK_SKEW_MS, type WatchlistSnapshot } from './watchlist-source.js';

/**
 * The decision policy as a pure function: the same inputs give the same decision, at every kiosk,
 * in tests and in `kiosk policy try`.
 */

/** The policy section plus what to do when the thermometer's calibration is not valid. */
export type DecisionPolicy = PolicyConfig & { whenCalibrationInvalid: CalibrationConfig['whenMissingOrExpired'] };

export function decisionPolicyOf(config: Pick<KioskConfig, 'policy' | 'calibration'>): DecisionPolicy {
  return { ...config.policy, whenCalibrationInvalid: config.calibration.whenMissingOrExpired };
}

export interface DecisionIdentity {
  /**
   * Plaintext, used only in memory: judged by the one ID-number module (drivers/idcard/id-number.ts)
   * and matched against key-region prefixes; never stored in lists or logs.
   */
  idNumber: string;
  /** null: a document registered by staff that is no card (passport, other): no number rule, no region code. */
  cardType: CardType | null;
  /** HMAC of the ID number: what the watchlists are matched on. */
  idHmac: string;
  /** The card's dates as the card states them (judged by drivers/idcard/card-date.ts); null = the reader gives none. */
  dates: CardDates;
}

/**
 * The identity a decision needs from a card as its reader delivered it. A SAM read carries every
 * date (a blank one is a finding); an ASCII-line reader delivers the number only.
 */
export function decisionIdentityOf(card: IdCard, idHmac: string, source: IdentityRead['source']): DecisionIdentity {
  const dates: CardDates =
    source === 'sam' ? { validFrom: card.validFrom, validUntil: card.validUntil, birthDate: card.birthDate } : { validFrom: null, validUntil: null, birthDate: null };
  return { idNumber: card.idNumber, cardType: card.type, idHmac, dates };
}

export interface DecisionInput {
  /** The station mode needs an identity (card modes). */
  requireIdentity: boolean;
  identity: DecisionIdentity | null;
  /** Completed measurement attempts, in order (1 = first, 2 = re-measure). */
  attempts: readonly TemperatureEstimate[];
  /** A re-measurement may still be asked for (false once one was made or it timed out). */
  remeasureAvailable: boolean;
  watchlist: WatchlistSnapshot;
  calibration: CalibrationState;
  /** Wall-clock time of the decision (card expiry, watchlist age). */
  now: Date;
  /** The screening id of the same card's earlier screening within the duplicate window. */
  duplicateOf: string | null;
  /** A device went offline mid-screening (its id), or null. */
  deviceFault: string | null;
  /** The state whose timeout ended the data collection, if any. */
  timedOutIn?: string | null;
}

export interface PolicyDecision {
  /** 'remeasure': measure again before deciding (no decision yet). */
  next: 'final' | 'remeasure';
  decision: Decision | null;
  colour: WatchColour | null;
  reasons: Reason[];
  fever: boolean;
  flaggedForStaff: boolean;
  mode: 'hard' | 'soft';
  /** `name@version` of the policy, stored with the record. */
  policyVersion: string;
}

/** Reasons SOFT mode never turns into a pass: nobody passes unscreened, unidentified or unrecorded. */
export const SAFETY_CODES: ReadonlySet<string> = new Set<ReasonCode>(['NO_TEMPERATURE', 'IMPLAUSIBLE_TEMPERATURE', 'NO_IDENTITY', 'DEVICE_FAULT', 'STORE_UNAVAILABLE']);

const SEVERITY: Record<WatchColour, number> = { red: 4, orange: 3, yellow: 2, blue: 1 };

export function reason(code: ReasonCode, effect: Reason['effect'], extra: Omit<Reason, 'code' | 'messageKey' | 'effect'> = {}): Reason {
  return { code, messageKey: REASON_MESSAGE_KEYS[code], effect, ...extra };
}

export function policyVersionOf(policy: Pick<PolicyConfig, 'name' | 'version'>): string {
  return `${policy.name}@${policy.version}`;
}

export function decide(policy: DecisionPolicy, input: DecisionInput): PolicyDecision {
  const reasons: Reason[] = [];
  const base = { mode: policy.mode, policyVersion: policyVersionOf(policy) };

  if (input.deviceFault !== null) reasons.push(reason('DEVICE_FAULT', 'hold', { detail: { deviceId: input.deviceFault } }));

  // Temperature: the latest completed attempt decides; at or above the threshold, measure once more first.
  // An attempt the plausibility stage refused (or, defensively, without a finite estimate) is no temperature.
  const isTemperature = (a: TemperatureEstimate) => Number.isFinite(a.estimateC) && a.implausible === undefined;
  const attempts = input.attempts.filter(isTemperature);
  const lastAttempt = input.attempts[input.attempts.length - 1];
  const latest = lastAttempt !== undefined && isTemperature(lastAttempt) ? lastAttempt : undefined;
  let fever = false;
  if (!latest) {
    if (lastAttempt?.implausible) {
      const { check, valueC, minC, maxC } = lastAttempt.implausible;
      reasons.push(reason('IMPLAUSIBLE_TEMPERATURE', 'hold', { detail: { check, valueC, minC, maxC } }));
    } else {
      const detail: Record<string, string> = {};
      if (input.timedOutIn) detail.timedOutIn = input.timedOutIn;
      reasons.push(reason('NO_TEMPERATURE', 'hold', Object.keys(detail).length ? { detail } : {}));
    }
  } else {
    fever = latest.estimateC >= policy.feverThresholdC;
    if (fever && policy.remeasureOnce && input.remeasureAvailable && input.attempts.length === 1 && input.deviceFault === null) {
      return {
        next: 'remeasure',
        decision: null,
        colour: null,
        reasons: [reason('REMEASURE', 'remeasure', { detail: { estimateC: latest.estimateC, thresholdC: policy.feverThresholdC } })],
        fever: true,
        flaggedForStaff: false,
        ...base,
      };
    }
    const first = attempts[0]!;
    if (fever) {
      reasons.push(reason('FEVER', 'hold', { detail: { estimateC: latest.estimateC, thresholdC: policy.feverThresholdC, attempts: attempts.length } }));
    } else if (attempts.length > 1 && first.estimateC >= policy.feverThresholdC) {
      reasons.push(reason('REMEASURE', 'notice', { detail: { firstEstimateC: first.estimateC, estimateC: latest.estimateC, thresholdC: policy.feverThresholdC } }));
    }
  }

  // Identity, card and lists.
  const id = input.identity;
  if (!id) {
    if (input.requireIdentity) reasons.push(reason('NO_IDENTITY', 'hold', input.timedOutIn ? { detail: { timedOutIn: input.timedOutIn } } : {}));
  } else {
    // A card whose data fails validation (number or dates) is handled by policy.invalidId.
    const invalidEffect = policy.invalidId === 'hold' ? 'hold' : 'notice';
    const idCheck = id.cardType === null ? { valid: true as const } : checkIdNumber(id.cardType, id.idNumber);
    if (!idCheck.valid) reasons.push(reason('INVALID_ID', invalidEffect, { detail: { problem: idCheck.problem } }));
    const dates = judgeCardDates(id.dates, localDate(input.now));
    // One reason for the card (the screen says it once); every finding is in the detail.
    const [firstDate, ...moreDates] = dates.problems;
    if (firstDate) {
      const also = moreDates.map((p) => `${p.field}:${p.problem}`).join(',');
      reasons.push(reason('INVALID_CARD_DATE', invalidEffect, { detail: { field: firstDate.field, problem: firstDate.problem, ...(also && { also }) } }));
    }
    if (dates.expired) {
      reasons.push(reason('CARD_EXPIRED', policy.cardExpired === 'hold' ? 'hold' : 'notice', { detail: { validUntil: dates.validUntil! } }));
    }
    if (input.watchlist.source !== 'standalone') {
      // A standalone kiosk consults no lists (list-source.ts); the record says so.
      for (const entry of input.watchlist.byHmac.get(id.idHmac) ?? []) {
        const action = policy.colourActions[entry.colour];
        reasons.push(reason('WATCHLIST', action === 'pass-with-notice' ? 'notice' : 'hold', { colour: entry.colour, detail: { listId: entry.listId, action } }));
      }
      for (const region of input.watchlist.keyRegions) {
        if (id.cardType === null || !matchesRegionPrefix(id.cardType, id.idNumber, region.prefix)) continue;
        const action = policy.colourActions[region.colour];
        reasons.push(reason('KEY_REGION', action === 'pass-with-notice' ? 'notice' : 'hold', { colour: region.colour, detail: { prefix: region.prefix, action } }));
      }
      const refreshed = input.watchlist.refreshedAt === null ? Number.NaN : Date.parse(input.watchlist.refreshedAt);
      const ageMs = input.now.getTime() - refreshed;
      const ageHours = ageMs / 3_600_000;
      // A list "refreshed" later than now (beyond clock skew) says nothing about how fresh it is.
      const future = ageMs < -LIST_CLOCK_SKEW_MS;
      if (!(ageHours <= policy.watchlistMaxAgeHours) || future) {
        const detail: Record<string, string | number> = { maxAgeHours: policy.watchlistMaxAgeHours };
        if (Number.isFinite(ageHours)) detail.ageHours = ageHours;
        if (future) detail.problem = 'refreshed-in-the-future';
        reasons.push(reason('WATCHLIST_STALE', policy.staleWatchlist === 'hold-for-staff' ? 'hold' : 'notice', { detail }));
      }
    }
  }

  // The thermometer's calibration.
  if (input.calibration !== 'valid') {
    const code: ReasonCode = input.calibration === 'missing' ? 'CALIBRATION_MISSING' : input.calibration === 'expired' ? 'CALIBRATION_EXPIRED' : 'CALIBRATION_DRIFT';
    // Out of service: the engine screens nobody while it lasts, but a screening that began before
    // the calibration lapsed still ends here, and it must not pass.
    reasons.push(reason(code, policy.whenCalibrationInvalid === 'pass-with-warning' ? 'notice' : 'hold'));
  }

  if (input.duplicateOf !== null) reasons.push(reason('DUPLICATE', 'notice', { detail: { duplicateOf: input.duplicateOf } }));

  let colour: WatchColour | null = null;
  for (const r of reasons) if (r.colour && (colour === null || SEVERITY[r.colour] > SEVERITY[colour])) colour = r.colour;

  const holds = reasons.filter((r) => r.effect === 'hold');
  const softened = policy.mode === 'soft' && holds.length > 0 && holds.every((r) => !SAFETY_CODES.has(r.code));
  const decision: Decision = holds.length === 0 || softened ? 'PASS' : 'HOLD';
  const flaggedForStaff = decision === 'HOLD' || reasons.some((r) => r.effect === 'hold' || r.effect === 'notice');
  return { next: 'final', decision, colour, reasons, fever, flaggedForStaff, ...base };
}
