import { MessageChannelMain, utilityProcess, type UtilityProcess, type WebContents } from 'electron';
import type { KeySourceKind } from '../store/key-provider.js';
import { IpcChannel, MAX_FAULT_REASON_CHARS } from './channels.js';
import type { HostToMain, MainToHost } from './host-messages.js';
import { RestartPolicy, type RestartPolicyOptions } from './restart-policy.js';

export interface HostSupervisorOptions {
  /** dist/host.js */
  hostScript: string;
  /** Arguments for the host (`--data`, `--config`, `--sim` ...). */
  args: string[];
  /**
   * The master key and where it is kept, resolved from the data directory's recorded key source.
   * Rejects with the reason when the key cannot be had: the supervisor then gives up at once (a new
   * host could not do better).
   */
  resolveKey(): Promise<{ masterKey: string; source: KeySourceKind }>;
  log(msg: string): void;
  /** Called once, when the supervisor stops restarting; the renderers already show the fault. */
  onGiveUp(reason: string): void;
  /** Default: retry after 0.25, 1 and 4 s; give up at the 4th failure in a row; a minute up clears the count. */
  restartPolicy?: RestartPolicyOptions;
}

export const DEFAULT_HOST_RESTART_POLICY: RestartPolicyOptions = { delaysMs: [250, 1000, 4000], maxFailures: 4, stableMs: 60_000 };

type HostState = 'starting' | 'ready' | 'fault';

/**
 * Runs the host in an Electron utilityProcess (serial ports and SQLite stay out of the renderer
 * and out of the main process), restarts it when it dies, and hands each renderer a MessagePort to it.
 * While the host is down every renderer is told "starting"; when it is ready again each gets a new
 * port. A host that keeps failing is not restarted forever: after a few fast failures (or at once,
 * when its key cannot be had) every renderer is told "fault" with the reason, and `onGiveUp` runs.
 */
export class HostSupervisor {
  private child: UtilityProcess | null = null;
  private state: HostState = 'starting';
  private stopped = false;
  private lastFatal: string | null = null;
  private faultReason: string | null = null;
  private readonly renderers = new Set<WebContents>();
  private readonly policy: RestartPolicy;
  private restartTimer: ReturnType<typeof setTimeout> | null = null;
  restarts = 0;

  constructor(private readonly opts: HostSupervisorOptions) {
    this.policy = new RestartPolicy(opts.restartPolicy ?? DEFAULT_HOST_RESTART_POLICY);
  }

  get isReady(): boolean {
    return this.state === 'ready';
  }

  /** The reason shown on the fault screen, once the supervisor gave up. */
  get fault(): string | null {
    return this.faultReason;
  }

  start(): void {
    if (this.faultReason !== null) return;
    this.stopped = false;
    this.lastFatal = null;
    const child = utilityProcess.fork(this.opts.hostScript, this.opts.args, { serviceName: 'kiosk-host', stdio: 'inherit' });
    this.child = child;
    this.policy.started();
    child.on('spawn', () => {
      void this.opts.resolveKey().then(
        (key) => {
          if (this.child === child) child.postMessage({ type: 'init', key } satisfies MainToHost);
        },
        (err: unknown) => this.giveUp(err instanceof Error ? err.message : String(err)),
      );
    });
    child.on('message', (msg: HostToMain) => {
      if (msg?.type === 'ready') {
        this.state = 'ready';
        this.opts.log(`host: ready in ${Math.round(msg.coldStartMs)} ms`);
        for (const wc of this.renderers) this.connect(wc);
      } else if (msg?.type === 'fatal' && typeof msg.message === 'string') {
        this.lastFatal = msg.message.slice(0, MAX_FAULT_REASON_CHARS);
        this.opts.log(`host: fatal: ${this.lastFatal}`);
        // The host waits to be stopped so its message is sure to arrive; stop it now.
        child.kill();
      }
    });
    child.on('exit', (code: number) => this.onExit(child, code));
  }

  /** Registers a renderer and gives it a port now if the host is ready (else when it is). */
  attachRenderer(wc: WebContents): void {
    if (!this.renderers.has(wc)) {
      this.renderers.add(wc);
      wc.once('destroyed', () => this.renderers.delete(wc));
    }
    if (this.faultReason !== null) wc.send(IpcChannel.HostState, 'fault', this.faultReason);
    else if (this.state === 'ready') this.connect(wc);
    else wc.send(IpcChannel.HostState, 'starting');
  }

  stop(): void {
    this.stopped = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.child?.kill();
    this.child = null;
  }

  private connect(wc: WebContents): void {
    if (!this.child || wc.isDestroyed()) return;
    const { port1, port2 } = new MessageChannelMain();
    this.child.postMessage({ type: 'connect' } satisfies MainToHost, [port1]);
    wc.postMessage(IpcChannel.HostPort, null, [port2]);
  }

  private tellRenderers(...args: ['starting'] | ['fault', string]): void {
    for (const wc of this.renderers) if (!wc.isDestroyed()) wc.send(IpcChannel.HostState, ...args);
  }

  private onExit(child: UtilityProcess, code: number): void {
    if (this.child === child) this.child = null;
    this.state = this.faultReason !== null ? 'fault' : 'starting';
    if (this.stopped || this.faultReason !== null) return;
    const decision = this.policy.failed();
    if (decision.action === 'give-up') {
      this.giveUp(this.lastFatal ?? `the kiosk host exited with code ${code}, ${decision.failures} times in a row without staying up`);
      return;
    }
    this.tellRenderers('starting');
    this.restarts += 1;
    this.opts.log(`host: exited with code ${code}; restarting in ${decision.delayMs} ms (failure ${decision.failures} of ${this.opts.restartPolicy?.maxFailures ?? DEFAULT_HOST_RESTART_POLICY.maxFailures} before giving up)`);
    this.restartTimer = setTimeout(() => this.start(), decision.delayMs);
  }

  private giveUp(reason: string): void {
    if (this.faultReason !== null) return;
    this.faultReason = reason.slice(0, MAX_FAULT_REASON_CHARS);
    this.state = 'fault';
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.opts.log(`host: giving up: ${this.faultReason}`);
    const child = this.child;
    this.child = null;
    child?.kill();
    this.tellRenderers('fault', this.faultReason);
    this.opts.onGiveUp(this.faultReason);
  }
}
