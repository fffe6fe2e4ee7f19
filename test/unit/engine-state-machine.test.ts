import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ALLOWED_TRANSITIONS, type EngineState } from '../../main/engine/engine-state.js';
import { config, feed, identity, makeCard, makeEngine, MemorySink, reading, type Harness } from '../fixtures/engine/harness.js';

const T = { identifyingMs: 10_000, measuringMs: 10_000, remeasuringMs: 20_000, resultMs: 3000 };

beforeEach(() => {
  vi.useFakeTimers({ now: new Date('2026-11-28T09:00:00+08:00') });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('card then temperature', () => {
  it('normal: card, five readings, PASS; the record is committed before the result is shown', async () => {
    const h = makeEngine({ config: config({ screening: { timeouts: T } }) });
    let committedAtResult = -1;
    h.engine.on('result', () => {
      committedAtResult = h.sink.records.length;
    });
    h.engine.start();
    h.engine.onIdentity(identity());
    expect(h.engine.state).toBe('measuring');
    await feed(h.engine, 36.5);
    expect(h.engine.state).toBe('result');
    expect(h.transitions()).toEqual([
      'idle>identifying:card-read',
      'identifying>measuring:identity-accepted',
      'measuring>deciding:measurement-complete',
      'deciding>result:decided',
    ]);
    expect(committedAtResult).toBe(1);
    const [rec] = h.results();
    expect(rec!.decision).toBe('PASS');
    expect(rec!.outcome).toBe('pass');
    expect(rec!.reasons).toEqual([]);
    expect(rec!.temperatures).toHaveLength(1);
    expect(rec!.temperatures[0]!.medianC).toBe(36.5);
    expect(rec!.temperatures[0]!.calibrationId).toBe('cal-1');
    expect(rec!.card?.idNumber).toBe('11010519491231002X');
    expect(rec!.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(h.prompts()).toContain('decision.pass');
    await vi.advanceTimersByTimeAsync(T.resultMs);
    expect(h.engine.state).toBe('idle');
    expect(h.transitions().at(-1)).toBe('result>idle:result-shown');
  });

  it('readings without a card start nothing and ask for the card (no PASS without identity)', async () => {
    const h = makeEngine();
    h.engine.start();
    await feed(h.engine, 36.6, 10);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(h.engine.state).toBe('idle');
    expect(h.results()).toEqual([]);
    expect(h.sink.records).toEqual([]);
    // The idle prompt at start, then once more when someone stands there without a card: not once per reading.
    expect(h.prompts()).toEqual(['prompt.presentCard', 'prompt.presentCard']);
  });

  it('fever: re-measures once, still elevated → HOLD FEVER with both attempts', async () => {
    const h = makeEngine({ config: config({ screening: { timeouts: T } }) });
    h.engine.onIdentity(identity());
    await feed(h.engine, 38.2);
    expect(h.engine.state).toBe('re-measuring');
    expect(h.prompts()).toContain('prompt.remeasure');
    await feed(h.engine, 38.1);
    const [rec] = h.results();
    expect(rec!.decision).toBe('HOLD');
    expect(rec!.fever).toBe(true);
    expect(rec!.reasons.map((r) => r.code)).toEqual(['FEVER']);
    expect(rec!.temperatures.map((t) => t.attempt)).toEqual([1, 2]);
    expect(h.transitions()).toEqual([
      'idle>identifying:card-read',
      'identifying>measuring:identity-accepted',
      'measuring>re-measuring:remeasure-required',
      're-measuring>deciding:measurement-complete',
      'deciding>result:decided',
    ]);
  });

  it('fever then normal on re-measure → PASS with a REMEASURE notice', async () => {
    const h = makeEngine();
    h.engine.onIdentity(identity());
    await feed(h.engine, 37.4);
    await feed(h.engine, 36.8);
    const [rec] = h.results();
    expect(rec!.decision).toBe('PASS');
    expect(rec!.fever).toBe(false);
    expect(rec!.reasons.map((r) => [r.code, r.effect])).toEqual([['REMEASURE', 'notice']]);
    expect(rec!.flaggedForStaff).toBe(true);
  });

  it('re-measuring timeout → HOLD FEVER on the first attempt', async () => {
    const h = makeEngine({ config: config({ screening: { timeouts: T } }) });
    h.engine.onIdentity(identity());
    await feed(h.engine, 38.0);
    expect(h.engine.state).toBe('re-measuring');
    await vi.advanceTimersByTimeAsync(T.remeasuringMs);
    const [rec] = h.results();
    expect(rec!.decision).toBe('HOLD');
    expect(rec!.reasons.map((r) => r.code)).toEqual(['FEVER']);
    expect(h.transitions()).toContain('re-measuring>deciding:timeout');
  });

  it('measuring timeout with no subject → HOLD NO_TEMPERATURE; rejected raw samples kept', async () => {
    const h = makeEngine({ config: config({ screening: { timeouts: T } }) });
    h.engine.onIdentity(identity());
    h.engine.onReading(reading(24.1, 24)); // nobody in front of the sensor
    h.engine.onReading(reading(29.0, 24)); // too far
    await vi.advanceTimersByTimeAsync(T.measuringMs);
    const [rec] = h.results();
    expect(rec!.decision).toBe('HOLD');
    expect(rec!.reasons.map((r) => r.code)).toEqual(['NO_TEMPERATURE']);
    expect(rec!.reasons[0]!.detail).toEqual({ timedOutIn: 'measuring' });
    expect(rec!.incompleteSamples?.map((s) => [s.objectC, s.rejected])).toEqual([
      [24.1, 'no-subject'],
      [29.0, 'too-far'],
    ]);
    expect(h.prompts()).toContain('prompt.comeCloser');
    expect(h.transitions()).toContain('measuring>deciding:timeout');
  });

  it('a window completes on time with the minimum count (3 of 5 samples after windowMs)', async () => {
    const h = makeEngine();
    h.engine.onIdentity(identity());
    await feed(h.engine, 36.4, 3, 100);
    expect(h.engine.state).toBe('measuring');
    await vi.advanceTimersByTimeAsync(3000);
    expect(h.engine.state).toBe('result');
    expect(h.results()[0]!.temperatures[0]!.samples).toHaveLength(3);
  });

  it('a measuring timeout with enough samples decides on them', async () => {
    const h = makeEngine({ config: config({ temperature: { windowMs: 30_000 }, screening: { timeouts: T } }) });
    h.engine.onIdentity(identity());
    await feed(h.engine, 36.4, 4, 100);
    await vi.advanceTimersByTimeAsync(T.measuringMs);
    expect(h.results()[0]!.decision).toBe('PASS');
  });
});

describe('temperature then card', () => {
  const cfg = () => config({ station: { mode: 'temp-then-card' }, screening: { timeouts: T } });

  it('subject → measuring → identifying → card → PASS', async () => {
    const h = makeEngine({ config: cfg() });
    h.engine.start();
    h.engine.onReading(reading(23.0)); // ambient: no subject, nothing starts
    expect(h.engine.state).toBe('idle');
    await feed(h.engine, 36.5);
    expect(h.engine.state).toBe('identifying');
    expect(h.prompts()).toContain('prompt.presentCard');
    h.engine.onIdentity(identity());
    await vi.advanceTimersByTimeAsync(0);
    expect(h.transitions()).toEqual([
      'idle>measuring:subject-detected',
      'measuring>identifying:identity-required',
      'identifying>deciding:identity-accepted',
      'deciding>result:decided',
    ]);
    expect(h.results()[0]!.decision).toBe('PASS');
  });

  it('no card before the identifying timeout → HOLD NO_IDENTITY (measured, recorded)', async () => {
    const h = makeEngine({ config: cfg() });
    await feed(h.engine, 36.5);
    await vi.advanceTimersByTimeAsync(T.identifyingMs);
    const [rec] = h.results();
    expect(rec!.decision).toBe('HOLD');
    expect(rec!.reasons.map((r) => r.code)).toEqual(['NO_IDENTITY']);
    expect(rec!.temperatures).toHaveLength(1);
    expect(rec!.card).toBeNull();
  });

  it('a card presented during measuring is kept and the identifying step is skipped', async () => {
    const h = makeEngine({ config: cfg() });
    await feed(h.engine, 36.5, 2);
    h.engine.onIdentity(identity());
    await feed(h.engine, 36.5, 3);
    expect(h.transitions()).not.toContain('measuring>identifying:identity-required');
    expect(h.results()[0]!.decision).toBe('PASS');
  });

  it('the card reader going offline while waiting for the card → HOLD DEVICE_FAULT', async () => {
    const h = makeEngine({ config: cfg() });
    await feed(h.engine, 36.5);
    h.engine.onDeviceStatus({ deviceId: 'idcard-0', kind: 'idcard', state: 'offline', reason: 'port missing', atMs: Date.now() });
    await vi.advanceTimersByTimeAsync(0);
    const [rec] = h.results();
    expect(rec!.decision).toBe('HOLD');
    expect(rec!.reasons.map((r) => r.code)).toContain('DEVICE_FAULT');
    expect(h.transitions()).toContain('identifying>deciding:device-fault');
  });
});

describe('subject re-arm (temp modes)', () => {
  it('the same person still in front after the result does not start a second screening; a new one starts after the sensor sees nobody', async () => {
    const h = makeEngine({ config: config({ station: { mode: 'temp-only' }, screening: { subjectRearmMs: 10_000, timeouts: T } }) });
    await feed(h.engine, 36.5);
    await vi.advanceTimersByTimeAsync(T.resultMs);
    expect(h.engine.state).toBe('idle');
    await feed(h.engine, 36.5, 5); // still standing there
    expect(h.engine.state).toBe('idle');
    h.engine.onReading(reading(24.0, 24)); // steps away
    await feed(h.engine, 36.6, 5); // the next person
    expect(h.results()).toHaveLength(2);
  });

  it('after subjectRearmMs in idle a subject starts a screening even without a gap', async () => {
    const h = makeEngine({ config: config({ station: { mode: 'temp-then-card' }, screening: { subjectRearmMs: 2000, timeouts: T } }) });
    await feed(h.engine, 36.5);
    h.engine.onIdentity(identity());
    await vi.advanceTimersByTimeAsync(T.resultMs);
    await feed(h.engine, 36.5, 5, 100);
    expect(h.engine.state).toBe('idle');
    await vi.advanceTimersByTimeAsync(2000);
    h.engine.onReading(reading(36.5));
    expect(h.engine.state).toBe('measuring');
  });
});

describe('temperature only', () => {
  it('PASS without a card; card reads are ignored', async () => {
    const h = makeEngine({ config: config({ station: { mode: 'temp-only' } }) });
    h.engine.onIdentity(identity());
    expect(h.engine.state).toBe('idle');
    await feed(h.engine, 36.5);
    const [rec] = h.results();
    expect(rec!.decision).toBe('PASS');
    expect(rec!.card).toBeNull();
    expect(rec!.stationMode).toBe('temp-only');
  });
});

describe('device faults', () => {
  it('thermometer offline mid-measure, policy hold → HOLD DEVICE_FAULT with the partial samples', async () => {
    const h = makeEngine();
    h.engine.onIdentity(identity());
    await feed(h.engine, 36.5, 2);
    h.engine.onDeviceStatus({ deviceId: 'thermo-0', kind: 'thermometer', state: 'offline', atMs: Date.now() });
    await vi.advanceTimersByTimeAsync(0);
    const [rec] = h.results();
    expect(rec!.decision).toBe('HOLD');
    expect(rec!.reasons[0]).toMatchObject({ code: 'DEVICE_FAULT', detail: { deviceId: 'thermo-0' } });
    expect(rec!.incompleteSamples).toHaveLength(2);
    expect(h.transitions()).toContain('measuring>deciding:device-fault');
  });

  it('thermometer offline mid-measure, policy idle → abandoned record, prompt, back to idle', async () => {
    const h = makeEngine({ config: config({ screening: { onDeviceFault: 'idle' } }) });
    h.engine.onIdentity(identity());
    await feed(h.engine, 36.5, 2);
    h.engine.onDeviceStatus({ deviceId: 'thermo-0', kind: 'thermometer', state: 'offline', atMs: Date.now() });
    expect(h.engine.state).toBe('idle');
    await vi.advanceTimersByTimeAsync(0);
    expect(h.results()).toEqual([]);
    expect(h.sink.records).toHaveLength(1);
    expect(h.sink.records[0]).toMatchObject({ outcome: 'abandoned', decision: null, abandonReason: 'device-offline' });
    expect(h.prompts()).toContain('prompt.deviceOffline');
    expect(h.transitions()).toContain('measuring>idle:device-fault-abandon');
  });

  it('a card presented while the thermometer is offline ends at once in HOLD DEVICE_FAULT (a record, no PASS)', async () => {
    const h = makeEngine();
    h.engine.onDeviceStatus({ deviceId: 'thermo-0', kind: 'thermometer', state: 'offline', atMs: Date.now() });
    h.engine.onIdentity(identity());
    await vi.advanceTimersByTimeAsync(0);
    expect(h.results()[0]).toMatchObject({ decision: 'HOLD' });
    expect(h.transitions()).toContain('identifying>deciding:device-fault');
  });

  it('a device coming back online restores the idle prompt', () => {
    const h = makeEngine();
    h.engine.onDeviceStatus({ deviceId: 'thermo-0', kind: 'thermometer', state: 'offline', atMs: 0 });
    h.engine.onDeviceStatus({ deviceId: 'thermo-0', kind: 'thermometer', state: 'online', atMs: 1 });
    expect(h.prompts()).toEqual(['prompt.deviceOffline', 'prompt.presentCard']);
  });

  it('the card reader going offline after the card was read does not disturb measuring', async () => {
    const h = makeEngine();
    h.engine.onIdentity(identity());
    h.engine.onDeviceStatus({ deviceId: 'idcard-0', kind: 'idcard', state: 'offline', atMs: Date.now() });
    expect(h.engine.state).toBe('measuring');
    await feed(h.engine, 36.5);
    expect(h.results()[0]!.decision).toBe('PASS');
  });
});

describe('result screen and duplicates', () => {
  it('a card during the result screen starts the next person', async () => {
    const h = makeEngine();
    h.engine.onIdentity(identity());
    await feed(h.engine, 36.5);
    expect(h.engine.state).toBe('result');
    h.engine.onIdentity(identity(makeCard({ idNumber: '810000199408230021' })));
    expect(h.engine.state).toBe('measuring');
    expect(h.transitions().slice(-3)).toEqual(['result>idle:card-during-result', 'idle>identifying:card-read', 'identifying>measuring:identity-accepted']);
    await feed(h.engine, 36.5);
    expect(h.results()).toHaveLength(2);
    expect(h.results()[1]!.duplicateOf).toBeNull();
  });

  it('the same card within the window is flagged DUPLICATE with the first screening id; after the window it is not', async () => {
    const h = makeEngine({ config: config({ screening: { duplicateWindowMs: 60_000 } }) });
    h.engine.onIdentity(identity());
    await feed(h.engine, 36.5);
    const first = h.results()[0]!;
    h.engine.onIdentity(identity());
    await feed(h.engine, 36.5);
    const second = h.results()[1]!;
    expect(second.duplicateOf).toBe(first.id);
    expect(second.decision).toBe('PASS');
    expect(second.reasons.map((r) => [r.code, r.effect])).toEqual([['DUPLICATE', 'notice']]);
    expect(h.prompts()).toContain('prompt.duplicate');
    await vi.advanceTimersByTimeAsync(61_000);
    h.engine.onIdentity(identity());
    await feed(h.engine, 36.5);
    expect(h.results()[2]!.duplicateOf).toBeNull();
    expect(h.sink.records).toHaveLength(3);
  });

  it('events during deciding are ignored with a wait prompt', async () => {
    const sink = new MemorySink();
    sink.hang = true;
    const h = makeEngine({ sink, config: config({ screening: { commit: { attemptTimeoutMs: 1000 } } }) });
    h.engine.onIdentity(identity());
    await feed(h.engine, 36.5);
    expect(h.engine.state).toBe('deciding');
    h.engine.onIdentity(identity());
    h.engine.onReading(reading(36.5));
    expect(h.engine.state).toBe('deciding');
    expect(h.prompts().at(-1)).toBe('prompt.wait');
    await vi.advanceTimersByTimeAsync(1000);
    expect(h.engine.state).toBe('result');
  });
});

describe('store commit (one attempt; the queue of the store is the one retry path)', () => {
  it('a record the store cannot write now → HOLD STORE_UNAVAILABLE, and that very version is what the store keeps; the engine never retries', async () => {
    const sink = new MemorySink();
    sink.failNext(1);
    const h = makeEngine({ sink, config: config({ screening: { commit: { attemptTimeoutMs: 1000 } } }) });
    h.engine.onIdentity(identity());
    await feed(h.engine, 36.5);
    const [shown] = h.results();
    expect(shown!.decision).toBe('HOLD');
    expect(shown!.reasons.map((r) => r.code)).toEqual(['STORE_UNAVAILABLE']);
    const resultEvent = h.events.find((e) => e.name === 'result')!.payload as { committed: boolean; storage: string };
    expect(resultEvent).toMatchObject({ committed: false, storage: 'queued' });
    expect(h.events.filter((e) => e.name === 'store-error').map((e) => (e.payload as { queued: boolean }).queued)).toEqual([true]);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(sink.attempts).toEqual([shown!.id]); // one attempt: no engine-side retries
    expect(sink.queued.get(shown!.id)).toEqual(shown);
    sink.flush();
    expect(sink.records).toEqual([shown]);
  });

  it('a record the store refuses outright → HOLD STORE_UNAVAILABLE, reported as not kept', async () => {
    const sink = new MemorySink();
    sink.refuseNext(1);
    const h = makeEngine({ sink });
    h.engine.onIdentity(identity());
    await feed(h.engine, 36.5);
    expect(h.results()[0]!.reasons.map((r) => r.code)).toEqual(['STORE_UNAVAILABLE']);
    expect((h.events.find((e) => e.name === 'result')!.payload as { storage: string }).storage).toBe('not-kept');
    expect(h.events.filter((e) => e.name === 'store-error').map((e) => (e.payload as { queued: boolean }).queued)).toEqual([false]);
  });

  it('a commit that never answers times out; the store is told to keep the HOLD shown; the machine still returns to idle', async () => {
    const sink = new MemorySink();
    sink.hang = true;
    const cfg = config({ screening: { commit: { attemptTimeoutMs: 500 }, timeouts: T } });
    const h = makeEngine({ sink, config: cfg });
    h.engine.onIdentity(identity());
    await feed(h.engine, 36.5);
    await vi.advanceTimersByTimeAsync(h.engine.commitBudgetMs());
    const [shown] = h.results();
    expect(shown!.reasons.map((r) => r.code)).toEqual(['STORE_UNAVAILABLE']);
    expect(sink.queued.get(shown!.id)).toEqual(shown);
    await vi.advanceTimersByTimeAsync(T.resultMs);
    expect(h.engine.state).toBe('idle');
  });
});

describe('stop', () => {
  it('stopping mid-screening abandons it with a record', async () => {
    const h = makeEngine();
    h.engine.onIdentity(identity());
    await feed(h.engine, 36.5, 2);
    await h.engine.stop();
    expect(h.engine.state).toBe('idle');
    expect(h.sink.records).toHaveLength(1);
    expect(h.sink.records[0]).toMatchObject({ outcome: 'abandoned', abandonReason: 'engine-stopped' });
    h.engine.onIdentity(identity());
    expect(h.engine.state).toBe('idle');
  });
});

describe('stop while deciding', () => {
  it('waits for the commit in flight, emits the result, and ends in idle', async () => {
    const sink = new MemorySink();
    sink.hang = true;
    const h = makeEngine({ sink, config: config({ screening: { commit: { attemptTimeoutMs: 1000 } } }) });
    h.engine.onIdentity(identity());
    await feed(h.engine, 36.5);
    expect(h.engine.state).toBe('deciding');
    let stopped = false;
    const stopping = h.engine.stop().then(() => {
      stopped = true;
    });
    await vi.advanceTimersByTimeAsync(0);
    expect(stopped).toBe(false);
    await vi.advanceTimersByTimeAsync(1000);
    await stopping;
    expect(h.results()[0]!.reasons.map((r) => r.code)).toEqual(['STORE_UNAVAILABLE']);
    expect(sink.queued.size).toBe(1);
    expect(h.engine.state).toBe('idle');
  });
});

describe('transition table', () => {
  it('every allowed transition is reached by some scenario, and no other', async () => {
    const seen = new Set<string>();
    const watch = (h: Harness) => h.engine.on('transition', (t) => seen.add(`${t.from}>${t.to}`));
    const thermoOff = { deviceId: 'thermo-0', kind: 'thermometer' as const, state: 'offline' as const, atMs: 0 };
    const cardOff = { deviceId: 'idcard-0', kind: 'idcard' as const, state: 'offline' as const, atMs: 0 };
    const ttc = (onDeviceFault: 'hold' | 'idle') => config({ station: { mode: 'temp-then-card' }, screening: { onDeviceFault, timeouts: T } });

    // temp-then-card: fever, normal on re-measure → re-measuring → identifying → card → deciding → result → idle
    let h = makeEngine({ config: ttc('hold') });
    watch(h);
    await feed(h.engine, 37.8);
    await feed(h.engine, 36.6);
    expect(h.engine.state).toBe('identifying');
    h.engine.onIdentity(identity());
    await vi.advanceTimersByTimeAsync(T.resultMs);
    // re-measuring → idle (device fault, abandon policy)
    h = makeEngine({ config: ttc('idle') });
    watch(h);
    await feed(h.engine, 37.8);
    h.engine.onDeviceStatus(thermoOff);
    expect(h.engine.state).toBe('idle');
    // identifying → idle (card reader offline while waiting for the card, abandon policy)
    h = makeEngine({ config: ttc('idle') });
    watch(h);
    await feed(h.engine, 36.5);
    h.engine.onDeviceStatus(cardOff);
    expect(h.engine.state).toBe('idle');
    expect(h.sink.records[0]).toMatchObject({ outcome: 'abandoned', abandonReason: 'device-offline' });
    // card-then-temp: idle → identifying → measuring → deciding → result, card during result → idle;
    // measuring → idle by device fault; identifying → deciding by device fault.
    h = makeEngine({ config: config({ screening: { onDeviceFault: 'idle' } }) });
    watch(h);
    h.engine.onIdentity(identity());
    await feed(h.engine, 36.5);
    h.engine.onIdentity(identity());
    h.engine.onDeviceStatus(thermoOff);
    h = makeEngine();
    watch(h);
    h.engine.onDeviceStatus(thermoOff);
    h.engine.onIdentity(identity());
    await vi.advanceTimersByTimeAsync(0);
    // temp-only: idle → measuring → re-measuring → deciding
    h = makeEngine({ config: config({ station: { mode: 'temp-only' } }) });
    watch(h);
    await feed(h.engine, 38);
    await feed(h.engine, 38);
    // out of service: idle → out-of-service → idle; a screening under way when a cause arises ends
    // there instead of idle (from identifying, measuring, re-measuring and result).
    const storeDown = { code: 'STORE_UNAVAILABLE' as const, messageKey: 'notice.storeNotOpen' };
    h = makeEngine({ config: config({ screening: { timeouts: T } }) });
    watch(h);
    h.engine.start();
    h.engine.setServiceProblem('store', storeDown);
    h.engine.setServiceProblem('store', null);
    h.engine.onIdentity(identity());
    await feed(h.engine, 36.5);
    h.engine.setServiceProblem('store', storeDown);
    await vi.advanceTimersByTimeAsync(T.resultMs); // result → out-of-service
    for (const at of ['ttc-identifying', 'measuring', 're-measuring'] as const) {
      h = makeEngine({ config: at === 'ttc-identifying' ? ttc('idle') : config({ screening: { onDeviceFault: 'idle' } }) });
      watch(h);
      h.engine.start();
      if (at === 'ttc-identifying') await feed(h.engine, 36.5);
      else h.engine.onIdentity(identity());
      if (at === 're-measuring') await feed(h.engine, 37.8);
      h.engine.setServiceProblem('store', storeDown);
      h.engine.onDeviceStatus(at === 'ttc-identifying' ? cardOff : thermoOff);
      expect(h.engine.state).toBe('out-of-service');
    }

    // The workflow of main/engine/README.md, written out: each mode's path, timeouts and faults to
    // deciding or (abandon policy) to idle, a card during the result screen.
    const workflow = [
      'idle>identifying', 'idle>measuring',
      'identifying>measuring', 'identifying>deciding', 'identifying>idle',
      'measuring>re-measuring', 'measuring>identifying', 'measuring>deciding', 'measuring>idle',
      're-measuring>identifying', 're-measuring>deciding', 're-measuring>idle',
      'deciding>result',
      'result>idle',
      // Out of service (no valid calibration, storage not open): entered from idle, from a screening
      // abandoned by it, or after the result screen; left for idle once the cause is gone.
      'idle>out-of-service', 'out-of-service>idle',
      'identifying>out-of-service', 'measuring>out-of-service', 're-measuring>out-of-service',
      'result>out-of-service',
    ];
    expect([...seen].sort()).toEqual([...workflow].sort());
    // And the engine's table allows exactly these (a transition outside it throws in the engine).
    expect(Object.entries(ALLOWED_TRANSITIONS).flatMap(([from, tos]) => tos.map((to) => `${from}>${to}`)).sort()).toEqual([...workflow].sort());
  });

  it('every state except idle is left by a timeout alone', async () => {
    const states: EngineState[] = [];
    const h = makeEngine({ config: config({ station: { mode: 'temp-then-card' }, screening: { timeouts: T } }) });
    h.engine.on('transition', (t) => states.push(t.to));
    await feed(h.engine, 38.0); // measuring → re-measuring
    await vi.advanceTimersByTimeAsync(T.remeasuringMs); // timeout → deciding → result
    await vi.advanceTimersByTimeAsync(T.resultMs);
    expect(states).toEqual(['measuring', 're-measuring', 'deciding', 'result', 'idle']);
  });
});
