import { MessageChannelMain, utilityProcess, type UtilityProcess, type WebContents } from 'electron';
import { IpcChannel } from './channels.js';
import type { HostToMain, MainToHost } from './host-messages.js';

export interface HostSupervisorOptions {
  /** dist/host.js */
  hostScript: string;
  /** Arguments for the host (`--data`, `--config`, `--sim` ...). */
  args: string[];
  /** The master key for the store (from safeStorage), or null to let the host use its key file. */
  masterKey(): Promise<string | null>;
  log(msg: string): void;
  /** Restart delays after successive crashes; the last one repeats. */
  restartDelaysMs?: number[];
}

/**
 * Runs the host in an Electron utilityProcess (serial ports and SQLite stay out of the renderer
 * and out of the main process), restarts it when it dies, and hands each renderer a MessagePort to it.
 * While the host is down every renderer is told "starting"; when it is ready again each gets a new port.
 */
export class HostSupervisor {
  private child: UtilityProcess | null = null;
  private ready = false;
  private stopped = false;
  private crashes = 0;
  private readonly renderers = new Set<WebContents>();
  private readonly delays: number[];
  private stableTimer: ReturnType<typeof setTimeout> | null = null;
  private restartTimer: ReturnType<typeof setTimeout> | null = null;
  restarts = 0;

  constructor(private readonly opts: HostSupervisorOptions) {
    this.delays = opts.restartDelaysMs ?? [250, 1000, 2000, 5000, 10_000];
  }

  get isReady(): boolean {
    return this.ready;
  }

  start(): void {
    this.stopped = false;
    const child = utilityProcess.fork(this.opts.hostScript, this.opts.args, { serviceName: 'kiosk-host', stdio: 'inherit' });
    this.child = child;
    child.on('spawn', () => {
      void this.opts.masterKey().then(
        (masterKey) => this.post({ type: 'init', masterKey }),
        (err: unknown) => {
          this.opts.log(`host: keystore unavailable (${err instanceof Error ? err.message : String(err)}); the host falls back to its key file`);
          this.post({ type: 'init', masterKey: null });
        },
      );
    });
    child.on('message', (msg: HostToMain) => {
      if (msg?.type === 'ready') {
        this.ready = true;
        this.opts.log(`host: ready in ${Math.round(msg.coldStartMs)} ms`);
        for (const wc of this.renderers) this.connect(wc);
        // Reset the crash count once the host has stayed up for a minute.
        this.stableTimer = setTimeout(() => (this.crashes = 0), 60_000);
      } else if (msg?.type === 'fatal') {
        this.opts.log(`host: fatal: ${msg.message}`);
      }
    });
    child.on('exit', (code: number) => this.onExit(code));
  }

  /** Registers a renderer and gives it a port now if the host is ready (else when it is). */
  attachRenderer(wc: WebContents): void {
    if (!this.renderers.has(wc)) {
      this.renderers.add(wc);
      wc.once('destroyed', () => this.renderers.delete(wc));
    }
    if (this.ready) this.connect(wc);
    else wc.send(IpcChannel.HostState, 'starting');
  }

  stop(): void {
    this.stopped = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    if (this.stableTimer) clearTimeout(this.stableTimer);
    this.child?.kill();
    this.child = null;
  }

  private connect(wc: WebContents): void {
    if (!this.child || wc.isDestroyed()) return;
    const { port1, port2 } = new MessageChannelMain();
    this.child.postMessage({ type: 'connect' } satisfies MainToHost, [port1]);
    wc.postMessage(IpcChannel.HostPort, null, [port2]);
  }

  private post(msg: MainToHost): void {
    this.child?.postMessage(msg);
  }

  private onExit(code: number): void {
    this.ready = false;
    this.child = null;
    if (this.stableTimer) clearTimeout(this.stableTimer);
    if (this.stopped) return;
    for (const wc of this.renderers) if (!wc.isDestroyed()) wc.send(IpcChannel.HostState, 'starting');
    const delay = this.delays[Math.min(this.crashes, this.delays.length - 1)] ?? 1000;
    this.crashes += 1;
    this.restarts += 1;
    this.opts.log(`host: exited with code ${code}; restarting in ${delay} ms`);
    this.restartTimer = setTimeout(() => this.start(), delay);
  }
}
