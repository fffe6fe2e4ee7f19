import type { ServiceProblem } from '../engine/engine-events.js';
import type { EngineState } from '../engine/engine-state.js';
import { systemdServiceManager, type ServiceManager } from './systemd-notify.js';

/** What the watchdog watches: the host's engine (the ScreeningEngine satisfies it). */
export interface WatchedEngine {
  readonly state: EngineState;
  readonly inService: boolean;
  readonly serviceProblems: ServiceProblem[];
  maxScreeningMs(): number;
  on(event: 'transition', listener: (e: { to: EngineState }) => void): unknown;
  on(event: 'service', listener: () => void): unknown;
  off(event: 'transition', listener: (e: { to: EngineState }) => void): unknown;
  off(event: 'service', listener: () => void): unknown;
}

export interface ServiceWatchdogOptions {
  engine: WatchedEngine;
  manager: ServiceManager;
  /** `$WATCHDOG_USEC` of the unit (inherited from its main process); no pings without it. */
  watchdogUsec: number | null;
  /** Screenings so far, for the status line. */
  screenings: () => number;
  log: (level: 'warn' | 'info', fields: Record<string, unknown>, message: string) => void;
  now?: () => number;
  setInterval?: (fn: () => void, ms: number) => { unref?(): void };
  clearInterval?: (timer: unknown) => void;
}

/** Slack beyond the engine's longest legitimate screening before it counts as stuck. */
export const STUCK_SLACK_MS = 10_000;

/**
 * The systemd watchdog, fed by the host's health: every half `WATCHDOG_USEC` it sends WATCHDOG=1
 * **only while the host is healthy**, so systemd restarts a host that is wedged:
 *
 * - its event loop is blocked (the timer does not fire: no ping);
 * - its screening engine is stuck outside idle longer than any screening can last
 *   (`maxScreeningMs()`, the sum of every state's timeout, plus STUCK_SLACK_MS).
 *
 * A device that is offline, a store that cannot be opened, a full disk or a missing calibration
 * do not stop the pings: the kiosk is then doing its job (out of service, saying why, retrying by
 * itself), and a restart would fix none of them while wiping the notices staff see. They go into
 * the unit's status line (`systemctl status checkpoint-kiosk`) instead.
 */
export class ServiceWatchdog {
  private timer: unknown = null;
  private enteredStateAt: number;
  private lastStatus = '';
  private stuckReported = false;
  private readonly now: () => number;
  private readonly onTransition = () => {
    this.enteredStateAt = this.now();
    this.stuckReported = false;
  };
  private readonly onService = () => this.sendStatus();

  constructor(private readonly opts: ServiceWatchdogOptions) {
    this.now = opts.now ?? (() => performance.now());
    this.enteredStateAt = this.now();
  }

  /** Says READY=1 with the first status, then pings (when the unit has a watchdog). */
  start(): void {
    this.opts.engine.on('transition', this.onTransition);
    this.opts.engine.on('service', this.onService);
    this.opts.manager.notify({ READY: '1', STATUS: this.status() });
    this.lastStatus = this.status();
    const usec = this.opts.watchdogUsec;
    if (usec === null || !(usec > 0)) return;
    const every = Math.max(1000, Math.floor(usec / 1000 / 2));
    const t = (this.opts.setInterval ?? setInterval)(() => this.tick(), every);
    t.unref?.();
    this.timer = t;
  }

  stop(): void {
    this.opts.engine.off('transition', this.onTransition);
    this.opts.engine.off('service', this.onService);
    if (this.timer !== null) (this.opts.clearInterval ?? ((x: unknown) => clearInterval(x as NodeJS.Timeout)))(this.timer);
    this.timer = null;
  }

  /** Null when healthy, else why not. */
  unhealthy(): string | null {
    const { engine } = this.opts;
    if (engine.state === 'idle' || engine.state === 'out-of-service') return null;
    const inState = this.now() - this.enteredStateAt;
    const limit = engine.maxScreeningMs() + STUCK_SLACK_MS;
    return inState > limit ? `the screening engine has been in "${engine.state}" for ${Math.round(inState / 1000)} s (a screening lasts at most ${Math.round(limit / 1000)} s)` : null;
  }

  private tick(): void {
    const why = this.unhealthy();
    if (why) {
      if (!this.stuckReported) this.opts.log('warn', { reason: why }, 'watchdog: the host is not healthy; no keep-alive for systemd, which restarts the kiosk');
      this.stuckReported = true;
      return;
    }
    this.opts.manager.notify({ WATCHDOG: '1' });
    this.sendStatus();
  }

  private sendStatus(): void {
    const status = this.status();
    if (status === this.lastStatus) return;
    this.lastStatus = status;
    this.opts.manager.notify({ STATUS: status });
  }

  private status(): string {
    const { engine } = this.opts;
    const n = this.opts.screenings();
    if (engine.inService) return `in service, ${n} screening${n === 1 ? '' : 's'} since start`;
    return `out of service: ${engine.serviceProblems.map((p) => p.code).join(', ')}`;
  }
}

/** `$WATCHDOG_USEC` as a number, or null. */
export function watchdogUsecOf(env: NodeJS.ProcessEnv): number | null {
  const v = Number(env.WATCHDOG_USEC);
  return Number.isFinite(v) && v > 0 ? v : null;
}

/**
 * Starts the watchdog for a host when systemd started this process (`$NOTIFY_SOCKET`); null
 * otherwise. Used by both ways the host runs: browser mode (`kiosk start --browser`, the
 * browser-mode unit) and the Electron utility process (the kiosk unit).
 */
export function startServiceWatchdog(
  host: { engine: WatchedEngine; health(): { screenings: number } },
  log: { warn(fields: object, msg: string): void; info(fields: object, msg: string): void },
  env: NodeJS.ProcessEnv = process.env,
): ServiceWatchdog | null {
  const manager = systemdServiceManager(env, (message) => log.warn({}, `systemd: ${message}`));
  if (!manager) return null;
  const watchdog = new ServiceWatchdog({
    engine: host.engine,
    manager,
    watchdogUsec: watchdogUsecOf(env),
    screenings: () => host.health().screenings,
    log: (level, fields, message) => log[level](fields, message),
  });
  watchdog.start();
  log.info({ watchdogUsec: watchdogUsecOf(env) }, 'systemd: ready sent; keep-alives follow the host\'s health');
  return watchdog;
}
