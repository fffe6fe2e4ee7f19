import type { ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import type { Health } from '../../main/contract/messages.js';
import { forkRigChild, nextMessage, stopChild } from './child-process.js';
import type { HostChildOptions, HostCommand, HostEvent, ScreeningStages } from './rig-messages.js';

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
type Request = DistributiveOmit<HostCommand, 'id'>;

/** The bench process's handle on a host process (host-child.ts). */
export class HostProcess extends EventEmitter<{ screening: [ScreeningStages] }> {
  private nextId = 1;

  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
    readonly pid: number,
  ) {
    super();
    child.on('message', (e: HostEvent) => {
      if (e.type === 'screening') this.emit('screening', e.stages);
    });
  }

  /** Starts the host; `--expose-gc` lets the memory bench ask for a collection before a heap reading. */
  static async start(options: HostChildOptions, logFile: string): Promise<HostProcess> {
    const child = forkRigChild('host-child.ts', options, logFile, ['--expose-gc']);
    const first = await nextMessage(child, (e: HostEvent) => (e.type === 'ready' || e.type === 'fatal' ? e : undefined), 120_000, 'host start');
    if (first.type === 'fatal') throw new Error(`host: ${first.message}`);
    return new HostProcess(child, first.url, first.pid);
  }

  private async request(cmd: Request, timeoutMs = 30_000): Promise<Extract<HostEvent, { type: 'reply' }>> {
    const id = this.nextId++;
    const reply = nextMessage(this.child, (e: HostEvent) => (e.type === 'reply' && e.id === id ? e : undefined), timeoutMs, `host ${cmd.type}`);
    this.child.send({ ...cmd, id } as HostCommand);
    const r = await reply;
    if (r.error) throw new Error(`host ${cmd.type}: ${r.error}`);
    return r;
  }

  async calibrate(): Promise<void> {
    await this.request({ type: 'calibrate' });
  }

  async health(): Promise<Health> {
    return (await this.request({ type: 'health' })).health!;
  }

  async memory(gc: boolean): Promise<NodeJS.MemoryUsage> {
    return (await this.request({ type: 'memory', gc })).memory!;
  }

  /** Polls health every 100 ms until `ok` holds. */
  async waitFor(ok: (h: Health) => boolean, timeoutMs: number, what: string): Promise<Health> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const h = await this.health();
      if (ok(h)) return h;
      if (performance.now() > deadline) throw new Error(`host: ${what} not reached within ${timeoutMs} ms: ${JSON.stringify({ status: h.status, service: h.service, devices: h.devices })}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  stop(): Promise<void> {
    return stopChild(this.child, { type: 'stop', id: 0 } satisfies HostCommand, 20_000);
  }
}
