import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { ServiceProblem } from '../../main/engine/engine-events.js';
import type { EngineState } from '../../main/engine/engine-state.js';
import { ServiceWatchdog, STUCK_SLACK_MS, watchdogUsecOf, type WatchedEngine } from '../../main/host/service-watchdog.js';
import { systemdServiceManager, type RunFile } from '../../main/host/systemd-notify.js';

/** An engine stand-in: state, service problems and the two events the watchdog follows. */
class FakeEngine extends EventEmitter implements WatchedEngine {
  state: EngineState = 'idle';
  serviceProblems: ServiceProblem[] = [];
  get inService(): boolean {
    return this.serviceProblems.length === 0;
  }
  maxScreeningMs(): number {
    return 60_000;
  }
  go(to: EngineState): void {
    this.state = to;
    this.emit('transition', { to });
  }
}

function rig(watchdogUsec: number | null = 30_000_000) {
  const engine = new FakeEngine();
  const sent: Record<string, string>[] = [];
  let now = 0;
  let tick: (() => void) | null = null;
  let period = 0;
  const logs: string[] = [];
  const dog = new ServiceWatchdog({
    engine,
    manager: { notify: (f) => sent.push(f) },
    watchdogUsec,
    screenings: () => 7,
    log: (_l, _f, m) => logs.push(m),
    now: () => now,
    setInterval: (fn, ms) => {
      tick = fn;
      period = ms;
      return {};
    },
    clearInterval: () => (tick = null),
  });
  return {
    engine,
    sent,
    logs,
    dog,
    advance(ms: number) {
      now += ms;
      tick?.();
    },
    get period() {
      return period;
    },
    get ticking() {
      return tick !== null;
    },
  };
}

describe('service watchdog (systemd keep-alives follow the host\'s health)', () => {
  it('says READY=1 with its status at start, then pings every half WATCHDOG_USEC while idle', () => {
    const r = rig(30_000_000); // WatchdogSec=30
    r.dog.start();
    expect(r.sent[0]).toEqual({ READY: '1', STATUS: 'in service, 7 screenings since start' });
    expect(r.period).toBe(15_000);
    r.advance(15_000);
    r.advance(15_000);
    expect(r.sent.filter((m) => m.WATCHDOG === '1')).toHaveLength(2);
  });

  it('stops pinging when the engine is stuck outside idle longer than any screening lasts, and resumes when it moves', () => {
    const r = rig();
    r.dog.start();
    r.engine.go('measuring');
    const limit = 60_000 + STUCK_SLACK_MS;
    r.advance(limit); // exactly at the limit: still a legitimate screening, pinged
    expect(r.dog.unhealthy()).toBeNull();
    expect(r.sent.at(-1)).toEqual({ WATCHDOG: '1' });
    const pingsBefore = r.sent.filter((m) => m.WATCHDOG).length;
    r.advance(1);
    expect(r.dog.unhealthy()).toMatch(/"measuring" for 70 s/);
    r.advance(15_000);
    expect(r.sent.filter((m) => m.WATCHDOG).length).toBe(pingsBefore); // no keep-alive while stuck
    expect(r.logs.filter((l) => l.startsWith('watchdog: the host is not healthy'))).toHaveLength(1);
    r.engine.go('idle');
    r.advance(15_000);
    expect(r.sent.filter((m) => m.WATCHDOG).length).toBe(pingsBefore + 1);
  });

  it('keeps pinging while out of service (a restart fixes no device or disk) and puts the reasons in the status', () => {
    const r = rig();
    r.dog.start();
    r.engine.serviceProblems = [{ code: 'CALIBRATION_MISSING' } as ServiceProblem, { code: 'STORE_UNAVAILABLE' } as ServiceProblem];
    r.engine.go('out-of-service');
    r.engine.emit('service');
    expect(r.sent.at(-1)).toEqual({ STATUS: 'out of service: CALIBRATION_MISSING, STORE_UNAVAILABLE' });
    r.advance(10 * 60_000);
    expect(r.dog.unhealthy()).toBeNull();
    expect(r.sent.at(-1)).toEqual({ WATCHDOG: '1' });
  });

  it('without WATCHDOG_USEC says READY=1 only; WATCHDOG_USEC is read as a positive number', () => {
    const r = rig(null);
    r.dog.start();
    expect(r.sent).toEqual([{ READY: '1', STATUS: 'in service, 7 screenings since start' }]);
    expect(r.ticking).toBe(false);
    expect(watchdogUsecOf({ WATCHDOG_USEC: '90000000' })).toBe(90_000_000);
    expect(watchdogUsecOf({ WATCHDOG_USEC: 'x' })).toBeNull();
    expect(watchdogUsecOf({})).toBeNull();
  });
});

describe('systemd notifications', () => {
  it('are inert without $NOTIFY_SOCKET (not started by systemd)', () => {
    expect(systemdServiceManager({}, () => {})).toBeNull();
  });

  it('run systemd-notify with KEY=value arguments, and report a failure once', () => {
    const calls: string[][] = [];
    const errors: string[] = [];
    const run: RunFile = (file, args, done) => {
      calls.push([file, ...args]);
      done(Object.assign(new Error('spawn systemd-notify ENOENT'), { code: 'ENOENT' }));
    };
    const m = systemdServiceManager({ NOTIFY_SOCKET: '/run/systemd/notify' }, (e) => errors.push(e), run)!;
    m.notify({ READY: '1', STATUS: 'in service\nsecond line' });
    m.notify({ WATCHDOG: '1' });
    expect(calls).toEqual([
      ['systemd-notify', 'READY=1', 'STATUS=in service second line'],
      ['systemd-notify', 'WATCHDOG=1'],
    ]);
    expect(errors).toEqual(['systemd-notify is not installed; the service watchdog will restart the kiosk']);
  });
});
