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
 */
export const ENGINE_STATES = ['idle', 'identifying', 'measuring', 're-measuring', 'deciding', 'result'] as const;
export type EngineState = (typeof ENGINE_STATES)[number];

export const ALLOWED_TRANSITIONS: Readonly<Record<EngineState, readonly EngineState[]>> = {
  idle: ['identifying', 'measuring'],
  identifying: ['measuring', 'deciding', 'idle'],
  measuring: ['re-measuring', 'identifying', 'deciding', 'idle'],
  're-measuring': ['identifying', 'deciding', 'idle'],
  deciding: ['result'],
  result: ['idle'],
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
  | 'stopped';

export function isAllowedTransition(from: EngineState, to: EngineState): boolean {
  return ALLOWED_TRANSITIONS[from].includes(to);
}
