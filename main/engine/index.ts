/** The screening engine's public surface: pure logic, devices/clock/store/lists injected. */
export { ScreeningEngine, type ScreeningEngineOptions } from './screening-engine.js';
export { ENGINE_STATES, ALLOWED_TRANSITIONS, isAllowedTransition, type EngineState, type TransitionReason } from './engine-state.js';
export type { EngineEvents, DeviceEvents, TransitionEvent, PromptEvent, StartedEvent, SampleEvent, ResultEvent, StoreErrorEvent, ServiceEvent, ServiceProblem, ServiceCode } from './engine-events.js';
export { decide, decisionIdentityOf, decisionPolicyOf, policyVersionOf, SAFETY_CODES, type DecisionPolicy, type DecisionInput, type DecisionIdentity, type PolicyDecision } from './policy.js';
export { TemperaturePipeline, median } from './temperature-pipeline.js';
export { applySkinToBody, describeModel, modelNeedsAmbient, MODEL_VERSIONS } from './skin-to-body.js';
export { fitOnePoint, fitTwoPoint, detectStability, verifyAt37, checkDrift, applyCalibration, calibrationFromFit, GAIN_BOUNDS, type Fit, type Stability, type Verification, type DriftCheck, type CalibrationPoint } from './calibration.js';
export { calibrationState, StaticCalibrationSource, type Calibration, type CalibrationSource, type CalibrationState } from './calibration-source.js';
export { systemClock, dateDrivenClock, localDate, type Clock, type TimerHandle } from './clock.js';
export { isPendingCommit, type RecordSink, type CommitOptions } from './record-sink.js';
export { HmacIdHasher, type IdHasher } from './id-hasher.js';
export { watchlistSnapshot, STANDALONE_LISTS, StaticWatchlistSource, LIST_CLOCK_SKEW_MS, type WatchlistEntry, type KeyRegion, type WatchlistSnapshot, type WatchlistSource } from './watchlist-source.js';
export { checkIdNumber, isValidIdNumber, matchesRegionPrefix, cardTypeOfNumber, normaliseIdNumber } from '../../drivers/idcard/id-number.js';
export { REASON_CODES, REASON_MESSAGE_KEYS, MESSAGES, message, type ReasonCode, type Language } from './reason-messages.js';
export type * from './screening-record.js';
