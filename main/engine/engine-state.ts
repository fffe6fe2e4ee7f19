/**
 * The screening workflow's states and the only transitions allowed between them:
 *
 *   idle → identifying → measuring → re-measuring → deciding → result → idle
 *
 * Station modes take different paths through the same graph:
 * - card-then-temp: idle →(card) identifying → measuring [→ re-measuring] → deciding → result → idle
 * - temp-then-card: idle →(subject) measuring [→ re-measuring] → identifying →(card) deciding → result → idle
 * - temp-only:      idle →(subject) measuring [→ re-measuring] → deciding → result → idle
 * Every state but idle has a timeout; a timeout or a device fault moves on to deciding (HOLD) or,
 * by policy, abandons the screening back to idle. A card during result starts the next person.
 *
 * out-of-service: the kiosk cannot screen honestly (no valid calibration, no store): nobody is
 * screened, travellers are sent to the staffed lane. It is entered instead of idle (from idle, or
 * where a screening would return to idle) and left for idle once every cause is gone.
 */
export const ENGINE_STATES = ['idle', 'identifying', 'measuring', 're-measuring', 'deciding', 'result', 'out-of-service'] as const;
export type EngineState = (typeof ENGINE_STATES)[number];

export const ALLOWED_TRANSITIONS: Readonly<Record<EngineState, readonly EngineState[]>> = {
  idle: ['identifying', 'measuring', 'out-of-service'],
  identifying: ['measuring', 'deciding', 'idle', 'out-of-service'],
  measuring: ['re-measuring', 'identifying', 'deciding', 'idle', 'out-of-service'],
  're-measuring': ['identifying', 'deciding', 'idle', 'out-of-service'],
  deciding: ['result'],
  result: ['idle', 'out-of-service'],
  'out-of-service': ['idle'],
};

/** Why a transition happened: a stable code (events, audit and tests rely on them). */
export type TransitionReason =
  | 'card-read'
  /** Staff registered the person without a card (main/console, manual registration). */
  | 'identity-registered'
  | 'subject-detected'
  | 'identity-accepted'
  | 'measurement-complete'
  | 'remeasure-required'
  | 'identity-required'
  | 'timeout'
  | 'device-fault'
  | 'device-fault-abandon'
  | 'decided'
  | 'result-shown'
  | 'card-during-result'
  | 'stopped'
  | 'out-of-service'
  | 'back-in-service';

export function isAllowedTransition(from: EngineState, to: EngineState): boolean {
  return ALLOWED_TRANSITIONS[from].includes(to);
}
