import type { DeviceStatus } from '../../drivers/device-status.js';
import type { IdCard } from '../../drivers/idcard/id-card.js';
import type { DeviceView, MaskedIdentity, PromptView, ReasonView, ScreenState } from '../contract/messages.js';
import type { PromptEvent, ResultEvent, SampleEvent, ServiceProblem, StartedEvent, TransitionEvent } from '../engine/engine-events.js';
import { message } from '../engine/reason-messages.js';
import type { Reason } from '../engine/screening-record.js';
import { canonicalJson } from '../store/canonical-json.js';
import { maskIdNumber, maskName } from '../store/masking.js';

/** Masks a card for the screen at once; the raw card is never kept here. */
export function maskedIdentityOf(card: IdCard): MaskedIdentity {
  const name = card.name.trim() !== '' ? card.name : 'englishName' in card ? card.englishName : '';
  return { idNumber: maskIdNumber(card.idNumber), name: maskName(name), cardType: card.type };
}

export function reasonView(r: Reason): ReasonView {
  return { code: r.code, colour: r.colour ?? null, text: { zh: message('zh', r.messageKey), en: message('en', r.messageKey) } };
}

export function deviceView(s: DeviceStatus): DeviceView {
  return { deviceId: s.deviceId, kind: s.kind, state: s.state, ...(s.reason !== undefined && { reason: s.reason.slice(0, 200) }) };
}

/**
 * Turns engine and device events into the one screen the traveller sees. Pure bookkeeping: no
 * timers (the engine owns every timeout), no personal data beyond the masked identity.
 *
 * - idle, with a device offline → fault; the device back → idle;
 * - card found by the reader (before its read completes) → reading;
 * - measuring / re-measuring with live sample counts → measuring / remeasure;
 * - result → pass / hold (masked identity, reasons, watch colour, estimate);
 * - out of service (no valid calibration, no store) → out-of-service with the reasons;
 * - back to idle when the engine returns there;
 * - the engine's prompts ride on the screen they were said on (cleared when the screen changes).
 */
export class ScreenModel {
  private seq = 0;
  private state: ScreenState = { screen: 'idle', seq: 0, screeningId: null };
  private engineState: TransitionEvent['to'] = 'idle';
  private readonly devices = new Map<string, DeviceStatus>();
  private identity: MaskedIdentity | null = null;
  private pendingIdentity: MaskedIdentity | null = null;
  private accepted = 0;
  private attempt = 1;
  private problems: ServiceProblem[] = [];

  constructor(
    private readonly samplesNeeded: number,
    private readonly onChange: (state: ScreenState) => void,
  ) {}

  get current(): ScreenState {
    return this.state;
  }

  get deviceViews(): DeviceView[] {
    return [...this.devices.values()].map(deviceView);
  }

  /** A card reader found a card and is reading it. */
  onCardFound(): void {
    if (this.engineState === 'idle' && this.state.screen !== 'fault') this.show({ screen: 'reading', screeningId: null });
  }

  /** A card read failed (problem event): back to the idle screen. */
  onCardProblem(): void {
    if (this.engineState === 'idle' && this.state.screen === 'reading') this.showIdleOrFault();
  }

  /** The identity the engine is about to receive (masked here, before anything keeps it). */
  onIdentity(card: IdCard): void {
    this.pendingIdentity = maskedIdentityOf(card);
    if (this.engineState !== 'idle' && this.identity === null) this.identity = this.pendingIdentity;
  }

  onStarted(e: StartedEvent): void {
    this.identity = e.trigger === 'card' ? this.pendingIdentity : null;
    this.pendingIdentity = null;
    this.accepted = 0;
    this.attempt = 1;
  }

  onTransition(e: TransitionEvent): void {
    this.engineState = e.to;
    switch (e.to) {
      case 'idle':
        this.identity = null;
        this.pendingIdentity = null;
        this.showIdleOrFault();
        return;
      case 'out-of-service':
        this.identity = null;
        this.pendingIdentity = null;
        this.showOutOfService();
        return;
      case 'identifying':
        // card-then-temp passes through at once; temp-then-card waits for the card here.
        if (e.reason !== 'card-read') this.show({ screen: 'reading', screeningId: e.screeningId });
        return;
      case 'measuring':
        this.accepted = 0;
        this.attempt = 1;
        this.showMeasuring(e.screeningId);
        return;
      case 're-measuring':
        this.accepted = 0;
        this.attempt = 2;
        this.showRemeasure(e.screeningId);
        return;
      case 'deciding':
      case 'result':
        return; // the result event draws the result
    }
  }

  onSample(e: SampleEvent): void {
    if (e.sample.rejected !== undefined) return;
    this.accepted += 1;
    this.attempt = e.attempt;
    if (this.engineState === 'measuring') this.showMeasuring(e.screeningId);
    else if (this.engineState === 're-measuring') this.showRemeasure(e.screeningId);
  }

  onResult(e: ResultEvent): void {
    const r = e.record;
    const latest = r.temperatures.at(-1);
    const identity = r.card ? maskedIdentityOf(r.card) : this.identity;
    // The body estimate; an implausible one is no temperature and is not shown as one (the record keeps it).
    const temperatureC = latest && !latest.implausible ? latest.estimateC : null;
    const reasons = r.reasons.map(reasonView);
    if (r.decision === 'PASS') {
      this.show({ screen: 'pass', screeningId: r.id, identity, temperatureC, reasons: reasons.slice(0, 10) });
    } else {
      const shown = reasons.length > 0 ? reasons : [reasonView({ code: 'TIMEOUT', messageKey: 'reason.timeout' })];
      this.show({ screen: 'hold', screeningId: r.id, identity, temperatureC, colour: r.colour, reasons: shown.slice(0, 10) });
    }
  }

  /** The engine's prompt: shown (and spoken) on the current screen. */
  onPrompt(e: PromptEvent): void {
    const prompt: PromptView = { key: e.messageKey, text: { zh: message('zh', e.messageKey), en: message('en', e.messageKey) } };
    const { seq: _seq, ...current } = this.state;
    this.show({ ...current, prompt } as DistributiveOmit<ScreenState, 'seq'>);
  }

  /** Why the kiosk is out of service (empty when in service). */
  onService(problems: ServiceProblem[]): void {
    this.problems = problems;
    if (this.engineState === 'out-of-service') this.showOutOfService();
  }

  onDeviceStatus(s: DeviceStatus): void {
    this.devices.set(s.deviceId, s);
    if (this.engineState === 'idle' && (this.state.screen === 'idle' || this.state.screen === 'fault' || this.state.screen === 'reading')) this.showIdleOrFault();
  }

  private showIdleOrFault(): void {
    if (this.engineState === 'out-of-service') return this.showOutOfService();
    const views = this.deviceViews;
    if (views.some((d) => d.state === 'offline')) this.show({ screen: 'fault', screeningId: null, devices: views });
    else this.show({ screen: 'idle', screeningId: null });
  }

  private showOutOfService(): void {
    const reasons = this.problems.map((p) => ({ code: p.code, colour: null, text: { zh: message('zh', p.messageKey), en: message('en', p.messageKey) } }));
    if (reasons.length === 0) return; // the engine leaves out-of-service as soon as the causes are gone
    this.show({ screen: 'out-of-service', screeningId: null, reasons: reasons.slice(0, 10) });
  }

  private showMeasuring(screeningId: string | null): void {
    this.show({ screen: 'measuring', screeningId, identity: this.identity, attempt: this.attempt, samples: this.accepted, samplesNeeded: this.samplesNeeded });
  }

  private showRemeasure(screeningId: string | null): void {
    this.show({ screen: 'remeasure', screeningId, identity: this.identity, attempt: this.attempt, samples: this.accepted, samplesNeeded: this.samplesNeeded });
  }

  private show(next: DistributiveOmit<ScreenState, 'seq'>): void {
    const prev = this.state;
    // A prompt stays with the screen it was said on; a new screen starts without one.
    const prompt = next.prompt ?? (prev.screen === next.screen ? prev.prompt : undefined);
    const candidate = { ...next, seq: prev.seq, ...(prompt && { prompt }) } as ScreenState;
    if (!prompt) delete candidate.prompt;
    // The same screen with the same content: nothing to redraw.
    if ((prev.screen === 'fault' || prev.screen === 'idle' || prev.screen === 'out-of-service') && canonicalJson(candidate) === canonicalJson(prev)) return;
    this.seq += 1;
    this.state = { ...candidate, seq: this.seq };
    this.onChange(this.state);
  }
}

type DistributiveOmit<T, K extends keyof never> = T extends unknown ? Omit<T, K> : never;
