import { describe, expect, it } from 'vitest';
import type { ScreenState } from '../../main/contract/messages.js';
import { describeScreen } from '../../renderer/screen-view.js';

const name = { zh: '测试检查站', en: 'Test gate' };
const identity = { idNumber: '110105********002X', name: '模***', cardType: 'resident' as const };
const reason = (code: string, zh: string, en: string, colour: 'red' | null = null) => ({ code, colour, text: { zh, en } });

const ALL: ScreenState[] = [
  { screen: 'idle', seq: 1, screeningId: null },
  { screen: 'reading', seq: 2, screeningId: null },
  { screen: 'measuring', seq: 3, screeningId: 'a', identity, attempt: 1, samples: 2, samplesNeeded: 5 },
  { screen: 'remeasure', seq: 4, screeningId: 'a', identity, attempt: 2, samples: 0, samplesNeeded: 5 },
  { screen: 'pass', seq: 5, screeningId: 'a', identity, temperatureC: 36.4, reasons: [] },
  { screen: 'hold', seq: 6, screeningId: 'a', identity, temperatureC: 37.9, colour: 'red', reasons: [reason('WATCHLIST', '重点人员名单匹配', 'Watchlist match', 'red')] },
  { screen: 'fault', seq: 7, screeningId: null, devices: [{ deviceId: 't', kind: 'thermometer', state: 'offline', reason: 'unplugged' }, { deviceId: 'c', kind: 'idcard', state: 'online' }] },
  { screen: 'out-of-service', seq: 8, screeningId: null, reasons: [reason('CALIBRATION_MISSING', '测温设备未校准', 'Thermometer not calibrated')] },
];

describe('describeScreen', () => {
  it('gives every screen an icon and words besides its colour, in both languages', () => {
    for (const s of ALL) {
      for (const lang of ['zh', 'en'] as const) {
        const v = describeScreen(s, lang, name);
        expect(v.screen).toBe(s.screen);
        expect(v.icon).not.toBe('');
        expect(v.headline.length).toBeGreaterThan(1);
      }
    }
  });

  it('PASS says 体温正常 请通行 in Chinese and speaks it', () => {
    const v = describeScreen(ALL[4]!, 'zh', name);
    expect(v).toMatchObject({ icon: 'check', headline: '体温正常 请通行', speech: '体温正常 请通行', temperature: '36.4 °C', identity: '模*** 110105********002X' });
  });

  it('HOLD shows the reasons, the level in words and the staff line', () => {
    const zh = describeScreen(ALL[5]!, 'zh', name);
    expect(zh).toMatchObject({ icon: 'hold', colour: 'red', level: '级别: 红色', staff: '工作人员正在赶来', reasons: ['重点人员名单匹配'] });
    const en = describeScreen(ALL[5]!, 'en', name);
    expect(en).toMatchObject({ level: 'Level: Red', staff: 'Staff are on their way', reasons: ['Watchlist match'] });
  });

  it('measuring shows live progress; the fault screen lists only the devices that are down', () => {
    expect(describeScreen(ALL[2]!, 'zh', name).progress).toBeCloseTo(0.4);
    expect(describeScreen(ALL[6]!, 'zh', name).devices).toEqual(['测温仪: 离线']);
    expect(describeScreen(ALL[6]!, 'en', name).devices).toEqual(['Thermometer: offline']);
  });

  it('idle shows the checkpoint name in the chosen language', () => {
    expect(describeScreen(ALL[0]!, 'zh', name).headline).toBe('测试检查站');
    expect(describeScreen(ALL[0]!, 'en', name).headline).toBe('Test gate');
  });

  it('out of service: where to go, in both languages, spoken; the reasons are for the staff status bar', () => {
    const zh = describeScreen(ALL[7]!, 'zh', name);
    expect(zh).toMatchObject({ icon: 'closed', headline: '暂停服务 · 请走人工通道', sub: 'Out of service · please use the staffed lane', speech: '暂停服务 · 请走人工通道', reasons: [] });
    expect(describeScreen(ALL[7]!, 'en', name)).toMatchObject({ headline: 'Out of service · please use the staffed lane', sub: '暂停服务 · 请走人工通道' });
  });

  it("the engine's prompt is spoken, and shown unless the screen already says it", () => {
    const closer = { key: 'prompt.comeCloser', text: { zh: '请靠近一些', en: 'Please come closer' } };
    const measuring = { ...(ALL[2] as Extract<ScreenState, { screen: 'measuring' }>), prompt: closer };
    expect(describeScreen(measuring, 'zh', name)).toMatchObject({ prompt: '请靠近一些', speech: '请靠近一些' });
    expect(describeScreen(measuring, 'en', name)).toMatchObject({ prompt: 'Please come closer', speech: 'Please come closer' });
    const pass = { ...(ALL[4] as Extract<ScreenState, { screen: 'pass' }>), prompt: { key: 'decision.pass', text: { zh: '体温正常 请通行', en: 'Temperature normal. Please pass.' } } };
    expect(describeScreen(pass, 'zh', name)).toMatchObject({ headline: '体温正常 请通行', prompt: null, speech: '体温正常 请通行' });
  });
});
