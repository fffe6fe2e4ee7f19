import type { ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import type { IdCard } from '../../drivers/idcard/id-card.js';
import type { Subject } from '../../drivers/sim/thermometer-simulator.js';
import { forkRigChild, nextMessage, stopChild } from './child-process.js';
import type { CardFrameKind, SimChildOptions, SimCommand, SimEvent } from './rig-messages.js';

/** How many of the card reader's latest reply stamps are kept (a few minutes of polling). */
const FRAMES_KEPT = 1000;

/** The bench process's handle on a simulator process (sim-child.ts). */
export class SimProcess extends EventEmitter<{ event: [SimEvent] }> {
  /** The card reader's latest reply frames, oldest first. */
  private readonly frames: Array<{ atMs: number; frame: CardFrameKind }> = [];
  readonly problems: string[] = [];

  private constructor(
    private readonly child: ChildProcess,
    readonly hostPath: string,
    readonly pid: number,
  ) {
    super();
    child.on('message', (e: SimEvent) => {
      if (e.type === 'card-frame') {
        this.frames.push({ atMs: e.atMs, frame: e.frame });
        if (this.frames.length > FRAMES_KEPT) this.frames.splice(0, this.frames.length - FRAMES_KEPT);
      }
      if (e.type === 'problem') this.problems.push(e.message);
      this.emit('event', e);
    });
  }

  static async start(options: SimChildOptions, logFile: string): Promise<SimProcess> {
    const child = forkRigChild('sim-child.ts', options, logFile);
    const ready = await nextMessage(child, (e: SimEvent) => (e.type === 'ready' ? e : undefined), 30_000, `${options.kind} simulator`);
    return new SimProcess(child, ready.hostPath, ready.pid);
  }

  private command(c: SimCommand): void {
    this.child.send(c);
  }

  /** Lays `card` on the reader; resolves with the moment it lay there (the tap), in the simulator's process. */
  place(card: IdCard): Promise<number> {
    const placed = nextMessage(this.child, (e: SimEvent) => (e.type === 'placed' ? e.atMs : undefined), 10_000, 'place card');
    this.command({ type: 'place', card });
    return placed;
  }

  lift(): Promise<number> {
    const lifted = nextMessage(this.child, (e: SimEvent) => (e.type === 'lifted' ? e.atMs : undefined), 10_000, 'lift card');
    this.command({ type: 'lift' });
    return lifted;
  }

  present(subject: Subject): void {
    this.command({ type: 'present', subject });
  }

  /** Pulls the cable for `forMs`; resolves when the port is back. */
  unplug(forMs: number): Promise<number> {
    const back = nextMessage(this.child, (e: SimEvent) => (e.type === 'replugged' ? e.atMs : undefined), forMs + 30_000, 'replug');
    this.command({ type: 'unplug', forMs });
    return back;
  }

  /** The first card-reader reply of this kind written at or after `fromMs`. */
  frameAfter(kind: CardFrameKind, fromMs: number): number | null {
    return this.frames.find((f) => f.frame === kind && f.atMs >= fromMs)?.atMs ?? null;
  }

  stop(): Promise<void> {
    return stopChild(this.child, { type: 'stop' } satisfies SimCommand);
  }
}
