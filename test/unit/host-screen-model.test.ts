import { describe, expect, it } from 'vitest';
import type { DeviceStatus } from '../../drivers/device-status.js';
import { DEFAULT_SIM_CARD } from '../../drivers/sim/idcard-simulator.js';
import { ScreenStateSchema, type ScreenState } from '../../main/contract/messages.js';
import type { ScreeningRecord } from '../../main/engine/screening-record.js';
import { parseScenarioList } from '../../main/host/scenario-conductor.js';
import { ScreenModel } from '../../main/host/screen-model.js';

function model() {
  const shown: ScreenState[] = [];
  const m = new ScreenModel(5, (s) => shown.push(s));
  return { m, shown, screens: () => shown.map((s) => s.screen) };
}

const status = (kind: 'idcard' | 'thermometer', state: DeviceStatus['state']): DeviceStatus => ({ deviceId: `${kind}-0`, kind, state, atMs: 0, ...(state === 'offline' && { reason: 'unplugged' }) });

function record(over: Partial<ScreeningRecord>): ScreeningRecord {
  return {
    id: 'rec-1',
    checkpointId: 'c',
    deviceId: 'k',
    startedAt: '2026-01-01T00:00:00Z',
    finishedAt: '2026-01-01T00:00:03Z',
    stationMode: 'card-then-temp',
    outcome: 'pass',
    decision: 'PASS',
    mode: 'hard',
    colour: null,
    reasons: [],
    card: DEFAULT_SIM_CARD,
    duplicateOf: null,
    temperatures: [{ samples: [], medianC: 34.5, maxC: 34.6, estimateC: 36.3, model: { name: 'constant-offset', params: {} }, calibrationId: null, attempt: 1 }],
    fever: false,
    policyVersion: '1',
    ...over,
  };
}

const t = (from: string, to: string, reason = 'card-read') => ({ from, to, screeningId: 'rec-1', reason, monotonicMs: 0 }) as never;

describe('ScreenModel', () => {
  it('walks a card screening: reading → measuring with progress → PASS with a masked identity → idle', () => {
    const { m, shown, screens } = model();
    m.onDeviceStatus(status('idcard', 'online'));
    m.onDeviceStatus(status('thermometer', 'online'));
    m.onCardFound();
    m.onIdentity(DEFAULT_SIM_CARD);
    m.onStarted({ screeningId: 'rec-1', trigger: 'card', monotonicMs: 0 });
    m.onTransition(t('idle', 'identifying'));
    m.onTransition(t('identifying', 'measuring', 'identity-accepted'));
    for (let i = 0; i < 5; i++) m.onSample({ screeningId: 'rec-1', attempt: 1, sample: { objectC: 34.5, correctedC: 34.5, monotonicMs: i } });
    m.onSample({ screeningId: 'rec-1', attempt: 1, sample: { objectC: 20, correctedC: 20, monotonicMs: 9, rejected: 'no-subject' } });
    m.onTransition(t('measuring', 'deciding', 'measurement-complete'));
    m.onResult({ record: record({}), committed: true, storage: 'committed' });
    m.onTransition(t('deciding', 'result', 'decided'));
    m.onTransition(t('result', 'idle', 'result-shown'));
    expect(screens()).toEqual(['reading', 'measuring', 'measuring', 'measuring', 'measuring', 'measuring', 'measuring', 'pass', 'idle']);
    const lastMeasuring = shown.filter((s) => s.screen === 'measuring').at(-1)!;
    expect(lastMeasuring).toMatchObject({ samples: 5, samplesNeeded: 5, identity: { idNumber: '110105********002X', name: '模***' } });
    const pass = shown.find((s) => s.screen === 'pass')!;
    expect(pass).toMatchObject({ temperatureC: 36.3, identity: { idNumber: '110105********002X' } });
    expect(JSON.stringify(shown)).not.toContain(DEFAULT_SIM_CARD.idNumber);
    // Every screen is valid under the contract; sequence numbers only grow.
    for (const s of shown) expect(ScreenStateSchema.safeParse(s).success).toBe(true);
    expect(shown.map((s) => s.seq)).toEqual([...shown.keys()].map((i) => i + 1));
  });

  it('shows re-measure with its own progress, then HOLD with reasons and colour', () => {
    const { m, shown, screens } = model();
    m.onStarted({ screeningId: 'rec-1', trigger: 'card', monotonicMs: 0 });
    m.onTransition(t('identifying', 'measuring', 'identity-accepted'));
    m.onTransition(t('measuring', 're-measuring', 'remeasure-required'));
    m.onSample({ screeningId: 'rec-1', attempt: 2, sample: { objectC: 36, correctedC: 36, monotonicMs: 1 } });
    m.onResult({
      record: record({ decision: 'HOLD', outcome: 'hold', colour: 'red', fever: true, reasons: [{ code: 'FEVER', messageKey: 'reason.fever' }, { code: 'WATCHLIST', messageKey: 'reason.watchlist', colour: 'red' }] }),
      committed: true,
      storage: 'committed',
    });
    expect(screens()).toEqual(['measuring', 'remeasure', 'remeasure', 'hold']);
    expect(shown[2]).toMatchObject({ screen: 'remeasure', attempt: 2, samples: 1 });
    const hold = shown.at(-1)!;
    expect(hold).toMatchObject({
      screen: 'hold',
      colour: 'red',
      reasons: [
        { code: 'FEVER', colour: null, text: { zh: '体温异常', en: 'Elevated temperature' } },
        { code: 'WATCHLIST', colour: 'red', text: { zh: '重点人员名单匹配' } },
      ],
    });
  });

  it('idle with a device offline is the fault screen; back online is idle; a result is not interrupted', () => {
    const { m, shown, screens } = model();
    m.onDeviceStatus(status('idcard', 'online'));
    m.onDeviceStatus(status('thermometer', 'offline'));
    m.onDeviceStatus(status('thermometer', 'online'));
    expect(screens()).toEqual(['fault', 'idle']);
    expect(shown[0]).toMatchObject({ screen: 'fault', devices: [{ kind: 'idcard', state: 'online' }, { kind: 'thermometer', state: 'offline', reason: 'unplugged' }] });
    m.onStarted({ screeningId: 'rec-1', trigger: 'card', monotonicMs: 0 });
    m.onTransition(t('idle', 'identifying'));
    m.onTransition(t('identifying', 'measuring', 'identity-accepted'));
    m.onTransition(t('measuring', 'deciding', 'measurement-complete'));
    m.onResult({ record: record({}), committed: true, storage: 'committed' });
    m.onTransition(t('deciding', 'result', 'decided'));
    m.onDeviceStatus(status('thermometer', 'offline'));
    expect(screens().at(-1)).toBe('pass');
    m.onTransition(t('result', 'idle', 'result-shown'));
    expect(screens().at(-1)).toBe('fault');
  });

  it('out of service: the out-of-service screen with the reasons; back to idle when the engine is', () => {
    const { m, shown, screens } = model();
    m.onService([{ cause: 'calibration', code: 'CALIBRATION_MISSING', messageKey: 'reason.calibrationMissing' }]);
    m.onTransition(t('idle', 'out-of-service', 'out-of-service'));
    expect(shown.at(-1)).toMatchObject({ screen: 'out-of-service', reasons: [{ code: 'CALIBRATION_MISSING', colour: null, text: { zh: '测温设备未校准', en: 'Thermometer not calibrated' } }] });
    // Another cause joins: the screen says both.
    m.onService([
      { cause: 'calibration', code: 'CALIBRATION_MISSING', messageKey: 'reason.calibrationMissing' },
      { cause: 'store', code: 'STORE_UNAVAILABLE', messageKey: 'notice.storeNotOpen' },
    ]);
    expect(shown.at(-1)).toMatchObject({ screen: 'out-of-service', reasons: [{ code: 'CALIBRATION_MISSING' }, { code: 'STORE_UNAVAILABLE', text: { zh: '记录库无法打开' } }] });
    // A device going offline does not hide it.
    m.onDeviceStatus(status('thermometer', 'offline'));
    expect(screens().at(-1)).toBe('out-of-service');
    m.onService([]);
    m.onDeviceStatus(status('thermometer', 'online'));
    m.onTransition(t('out-of-service', 'idle', 'back-in-service'));
    expect(screens().at(-1)).toBe('idle');
    for (const st of shown) expect(ScreenStateSchema.safeParse(st).success).toBe(true);
  });

  it('engine prompts ride on the screen they were said on, in both languages, and go with it', () => {
    const { m, shown } = model();
    m.onStarted({ screeningId: 'rec-1', trigger: 'card', monotonicMs: 0 });
    m.onTransition(t('identifying', 'measuring', 'identity-accepted'));
    m.onPrompt({ messageKey: 'prompt.comeCloser', screeningId: 'rec-1' });
    expect(shown.at(-1)).toMatchObject({ screen: 'measuring', prompt: { key: 'prompt.comeCloser', text: { zh: '请靠近一些', en: 'Please come closer' } } });
    // A sample redraws the same screen: the prompt stays.
    m.onSample({ screeningId: 'rec-1', attempt: 1, sample: { objectC: 36, correctedC: 36, monotonicMs: 1 } });
    expect(shown.at(-1)).toMatchObject({ screen: 'measuring', samples: 1, prompt: { key: 'prompt.comeCloser' } });
    // The result is a new screen: no prompt until the engine says one.
    m.onResult({ record: record({}), committed: true, storage: 'committed' });
    expect(shown.at(-1)!.screen).toBe('pass');
    expect(shown.at(-1)!.prompt).toBeUndefined();
    m.onPrompt({ messageKey: 'decision.pass', screeningId: 'rec-1' });
    expect(shown.at(-1)).toMatchObject({ screen: 'pass', prompt: { key: 'decision.pass' } });
    for (const st of shown) expect(ScreenStateSchema.safeParse(st).success).toBe(true);
  });

  it('an implausible estimate is not shown as a temperature', () => {
    const { m, shown } = model();
    const implausible = { samples: [], medianC: 36.7, maxC: 36.7, estimateC: 19.923, model: { name: 'linear-heat-balance', version: 1, params: { k: 0.19 } }, calibrationId: null, attempt: 1, ambientC: 125, implausible: { check: 'ambient' as const, valueC: 125, minC: 15, maxC: 33 } };
    m.onResult({ record: record({ decision: 'HOLD', outcome: 'hold', reasons: [{ code: 'IMPLAUSIBLE_TEMPERATURE', messageKey: 'reason.implausibleTemperature' }], temperatures: [implausible] }), committed: true, storage: 'committed' });
    expect(shown.at(-1)).toMatchObject({ screen: 'hold', temperatureC: null, reasons: [{ code: 'IMPLAUSIBLE_TEMPERATURE', text: { zh: '体温读数不可信 请工作人员复测' } }] });
  });

  it('a failed card read returns from reading to idle', () => {
    const { m, screens } = model();
    m.onCardFound();
    m.onCardProblem();
    expect(screens()).toEqual(['reading', 'idle']);
  });
});

describe('--scenario lists', () => {
  it('parses single names and card/thermometer pairs', () => {
    expect(parseScenarioList('normal, fever,no-card/unplug')).toEqual([
      { idcard: 'normal', thermometer: 'normal' },
      { idcard: 'fever', thermometer: 'fever' },
      { idcard: 'no-card', thermometer: 'unplug' },
    ]);
  });

  it('names the valid scenarios on a typo', () => {
    expect(() => parseScenarioList('normal,fevr')).toThrow(/unknown scenario "fevr".*valid: normal, fever/);
    expect(() => parseScenarioList('a/b/c')).toThrow(/more than one/);
    expect(() => parseScenarioList(',')).toThrow(/at least one/);
  });
});
