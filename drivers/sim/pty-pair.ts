import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * A pair of connected pseudo-terminals made by socat, each reachable through a stable link path:
 * bytes written on one end come out of the other, through the kernel's tty layer, so the real
 * `serialport` bindings (termios, poll, close on hang-up) run exactly as on a USB adapter.
 *
 *   socat -d -d pty,raw,echo=0,link=A pty,raw,echo=0,link=B
 *
 * Pseudo-terminals have no modem-control lines: `port.set({ dtr, rts })` and `get()` fail with
 * "Inappropriate ioctl for device". Killing socat makes both ends disappear like a pulled cable.
 */
export interface PtyPairOptions {
  /** Link path of one end (created by socat; parent directories are made). */
  linkA: string;
  /** Link path of the other end. */
  linkB: string;
  /** How long to wait for socat to make both ends. Default 5000 ms. */
  timeoutMs?: number;
}

export class PtyPair {
  private exitedFlag = false;
  private readonly exit: Promise<void>;

  private constructor(
    private readonly child: ChildProcess,
    readonly linkA: string,
    readonly linkB: string,
  ) {
    this.exit = new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) {
        this.exitedFlag = true;
        resolve();
        return;
      }
      child.once('exit', () => {
        this.exitedFlag = true;
        resolve();
      });
    });
  }

  /** Starts socat and resolves once both links exist and socat is moving data. */
  static async start(options: PtyPairOptions): Promise<PtyPair> {
    const { linkA, linkB } = options;
    const timeoutMs = options.timeoutMs ?? 5000;
    for (const link of [linkA, linkB]) {
      mkdirSync(dirname(link), { recursive: true });
      rmSync(link, { force: true }); // a stale link (socat killed with SIGKILL) would look ready
    }
    const child = spawn('socat', ['-d', '-d', `pty,raw,echo=0,link=${linkA}`, `pty,raw,echo=0,link=${linkB}`], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const pair = new PtyPair(child, linkA, linkB);
    let stderr = '';
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      if (stderr.length < 8192) stderr += chunk;
    });

    const ready = await new Promise<true | string>((resolve) => {
      const timer = setTimeout(() => finish(`socat did not create ${linkA} and ${linkB} within ${timeoutMs} ms`), timeoutMs);
      const poll = setInterval(() => {
        if (stderr.includes('starting data transfer loop') && existsSync(linkA) && existsSync(linkB)) finish(true);
      }, 10);
      const onError = (err: Error) => finish(`cannot start socat: ${err.message}`);
      const onExit = () => finish(`socat exited before the ptys were ready: ${stderr.trim().split('\n').slice(-2).join(' | ')}`);
      child.once('error', onError);
      child.once('exit', onExit);
      function finish(result: true | string): void {
        clearTimeout(timer);
        clearInterval(poll);
        child.off('error', onError);
        child.off('exit', onExit);
        resolve(result);
      }
    });
    // Keep draining stderr so socat never blocks on a full pipe, but stop collecting it.
    child.stderr?.removeAllListeners('data');
    child.stderr?.resume();
    if (ready !== true) {
      await pair.stop();
      throw new Error(ready);
    }
    return pair;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** True once socat has exited (stopped, killed or crashed). */
  get exited(): boolean {
    return this.exitedFlag;
  }

  /** Resolves when socat exits, for whatever reason. */
  whenExited(): Promise<void> {
    return this.exit;
  }

  /** SIGTERM, SIGKILL after 1 s if still alive, then removes the links. Safe to call twice. */
  async stop(): Promise<void> {
    if (!this.exitedFlag) {
      this.child.kill('SIGTERM');
      const killer = setTimeout(() => this.child.kill('SIGKILL'), 1000);
      await this.exit;
      clearTimeout(killer);
    }
    rmSync(this.linkA, { force: true });
    rmSync(this.linkB, { force: true });
  }
}

let socatAvailable: boolean | undefined;

/** Whether `socat` can be run here (it is installed on the kiosk image and in CI). */
export function isSocatAvailable(): boolean {
  socatAvailable ??= spawnSync('socat', ['-V'], { stdio: 'ignore' }).status === 0;
  return socatAvailable;
}
