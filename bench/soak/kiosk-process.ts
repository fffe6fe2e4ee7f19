import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { get } from 'node:http';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Health } from '../../main/contract/messages.js';
import { ended, urlPrinted } from './served-child.js';

const ROOT = join(import.meta.dirname, '..', '..');

/** A host log line at warning level or above (pino: 40 warn, 50 error, 60 fatal), or a line that is not JSON. */
export interface LoggedProblem {
  time: number;
  level: number;
  msg: string;
  fields: Record<string, unknown>;
  generation: number;
  raw: string;
}

export interface SoakKioskOptions {
  dataDir: string;
  configFile: string;
  timeScale: number;
  idcardPollMs: number;
  /** Every log line of every host lifetime is appended here. */
  logFile: string;
}

/**
 * The host under test as a child process (bench/soak/soak-host.ts): started, killed with SIGKILL,
 * started again on the same data directory; its stderr logs kept (the warnings and errors in memory
 * for log-audit.ts, everything in `logFile`).
 */
export class SoakKiosk {
  generation = 0;
  url = '';
  readonly problems: LoggedProblem[] = [];
  /** Exits that were not ours (a crash): the soak fails on any. */
  readonly unexpectedExits: Array<{ generation: number; code: number | null; signal: string | null }> = [];
  private child: ChildProcess | null = null;
  private expectingExit = false;
  private readonly logStream: WriteStream;

  constructor(private readonly opts: SoakKioskOptions) {
    this.logStream = createWriteStream(opts.logFile, { flags: 'a' });
  }

  /** Flushes and closes the log file. */
  closeLog(): Promise<void> {
    return new Promise((resolve) => this.logStream.end(resolve));
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get origin(): string {
    return new URL(this.url).origin;
  }

  get token(): string {
    return new URL(this.url).searchParams.get('token') ?? '';
  }

  async start(): Promise<void> {
    this.generation += 1;
    const generation = this.generation;
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(ROOT, 'bench', 'soak', 'soak-host.ts'), '--data', this.opts.dataDir, '--config', this.opts.configFile, '--time-scale', String(this.opts.timeScale), '--idcard-poll-ms', String(this.opts.idcardPollMs)],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, KIOSK_LOG_LEVEL: 'info' } },
    );
    this.child = child;
    this.expectingExit = false;
    createInterface({ input: child.stderr! }).on('line', (line) => this.onLog(line, generation));
    child.once('exit', (code, signal) => {
      if (!this.expectingExit) this.unexpectedExits.push({ generation, code, signal });
    });
    this.url = await urlPrinted(child, 'the soak host', 60_000);
  }

  /** SIGKILL: nothing runs after it (no shutdown, no last writes), as on a power cut. */
  async kill(): Promise<void> {
    await this.end('SIGKILL');
  }

  /** SIGTERM: the host's orderly stop. Resolves with its exit code. */
  async stop(): Promise<number | null> {
    return this.end('SIGTERM');
  }

  private end(signal: NodeJS.Signals): Promise<number | null> {
    return ended(this.child, signal, () => (this.expectingExit = true));
  }

  /** The host's /healthz (no token needed). */
  health(): Promise<Health | null> {
    return new Promise((resolve) => {
      get(`${this.origin}/healthz`, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => {
          try {
            resolve(JSON.parse(body) as Health);
          } catch {
            resolve(null);
          }
        });
      }).on('error', () => resolve(null));
    });
  }

  private onLog(line: string, generation: number): void {
    this.logStream.write(`${line}\n`);
    let entry: { level?: number; time?: number; msg?: string } & Record<string, unknown>;
    try {
      entry = JSON.parse(line) as typeof entry;
    } catch {
      this.problems.push({ time: Date.now(), level: 50, msg: '(not a JSON log line)', fields: {}, generation, raw: line.slice(0, 300) });
      return;
    }
    if ((entry.level ?? 0) < 40) return;
    const { level, time, msg, ...fields } = entry;
    this.problems.push({ time: time ?? Date.now(), level: level ?? 50, msg: msg ?? '', fields, generation, raw: line.slice(0, 300) });
  }
}
