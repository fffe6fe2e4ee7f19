import type { BilingualText, DeviceView, Language, ScreenState } from '../main/contract/messages.js';
import type { IconName } from './icons.js';
import { UI_TEXT } from './ui-text.js';

/**
 * What one screen shows, as plain data: the DOM builder draws it and the voice speaks `speech`.
 * Every screen has an icon and words besides its colour, so colour is never the only signal.
 */
export interface ScreenView {
  screen: ScreenState['screen'];
  /** Background level for HOLD (watch colour), null otherwise. */
  colour: string | null;
  icon: IconName;
  headline: string;
  sub: string | null;
  /** Masked identity line, when there is one. */
  identity: string | null;
  temperature: string | null;
  /** Reason lines (HOLD, PASS with notices). */
  reasons: string[];
  /** The level badge text on HOLD with a watch colour. */
  level: string | null;
  /** HOLD: the staff line. */
  staff: string | null;
  /** Measuring progress 0..1. */
  progress: number | null;
  /** Devices listed on the fault screen. */
  devices: string[];
  /** The engine's latest prompt, when it says something the screen does not already say. */
  prompt: string | null;
  /** What the voice says: the engine's prompt when there is one, else the screen's own line; null = silent. */
  speech: string | null;
}

export function deviceLine(d: DeviceView, language: Language): string {
  const t = UI_TEXT[language];
  const kind = d.kind === 'idcard' ? t.cardReader : t.thermometer;
  const state = d.state === 'online' ? t.online : d.state === 'offline' ? t.offline : t.connecting;
  return `${kind}: ${state}`;
}

export function describeScreen(state: ScreenState, language: Language, checkpointName: BilingualText): ScreenView {
  const view = describeBase(state, language, checkpointName);
  const prompt = state.prompt?.text[language];
  if (prompt === undefined) return view;
  const shown = [view.headline, view.sub, ...view.reasons];
  return { ...view, prompt: shown.includes(prompt) ? null : prompt, speech: prompt };
}

function describeBase(state: ScreenState, language: Language, checkpointName: BilingualText): ScreenView {
  const t = UI_TEXT[language];
  const base: ScreenView = {
    screen: state.screen,
    colour: null,
    icon: 'card',
    headline: '',
    sub: null,
    identity: null,
    temperature: null,
    reasons: [],
    level: null,
    staff: null,
    progress: null,
    devices: [],
    prompt: null,
    speech: null,
  };
  const identityLine = (s: { identity: { name: string; idNumber: string } | null }) => (s.identity ? `${s.identity.name} ${s.identity.idNumber}`.trim() : null);
  const temperatureLine = (c: number | null) => (c === null ? null : `${c.toFixed(1)} °C`);
  switch (state.screen) {
    case 'idle':
      return { ...base, icon: 'card', headline: checkpointName[language], sub: t.idlePrompt };
    case 'reading':
      return { ...base, icon: 'card', headline: t.reading, sub: t.readingSub };
    case 'measuring':
      return {
        ...base,
        icon: 'thermometer',
        headline: t.measuring,
        sub: t.measuringSub,
        identity: identityLine(state),
        progress: Math.min(1, state.samples / state.samplesNeeded),
        speech: state.samples === 0 ? t.measuring : null,
      };
    case 'remeasure':
      return {
        ...base,
        icon: 'remeasure',
        headline: t.remeasure,
        sub: t.remeasureSub,
        identity: identityLine(state),
        progress: Math.min(1, state.samples / state.samplesNeeded),
        speech: state.samples === 0 ? `${t.remeasure}。${t.remeasureSub}` : null,
      };
    case 'pass':
      return {
        ...base,
        icon: 'check',
        headline: t.pass,
        identity: identityLine(state),
        temperature: temperatureLine(state.temperatureC),
        reasons: state.reasons.map((r) => r.text[language]),
        speech: t.pass,
      };
    case 'hold': {
      const level = state.colour ? `${t.level}: ${t.colour[state.colour]}` : null;
      return {
        ...base,
        colour: state.colour,
        icon: 'hold',
        headline: t.hold,
        identity: identityLine(state),
        temperature: temperatureLine(state.temperatureC),
        reasons: state.reasons.map((r) => r.text[language]),
        level,
        staff: t.staff,
        speech: `${t.hold}。${t.staff}`,
      };
    }
    case 'fault':
      return {
        ...base,
        icon: 'fault',
        headline: t.fault,
        sub: t.faultSub,
        devices: state.devices.filter((d) => d.state !== 'online').map((d) => deviceLine(d, language)),
        speech: `${t.fault}。${t.faultSub}`,
      };
    case 'out-of-service':
      // The traveller needs only where to go; the reasons are for staff (status bar).
      return { ...base, icon: 'closed', headline: t.outOfService, sub: UI_TEXT[language === 'zh' ? 'en' : 'zh'].outOfService, speech: t.outOfService };
  }
}
