import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { CentralRow } from '../soak/central-check.js';
import { ended, urlPrinted } from '../soak/served-child.js';

const ROOT = join(import.meta.dirname, '..', '..');
const CLI = join(ROOT, 'bin', 'kiosk.js');
/** Central's first start makes its embedded database (initdb in WebAssembly): slow on a loaded machine. */
const START_TIMEOUT_MS = 180_000;

export type OutageSignal = 'SIGTERM' | 'SIGKILL';

/**
 * The reference central service for the soak and the benches, as a technician runs it: the built
 * CLI in a child process (`kiosk central start`) on the embedded database, or on PostgreSQL when
 * `database` names one; the kiosk enrolled with `kiosk central enroll` and an admin added with
 * `kiosk central admin add` before it starts (the embedded database admits one process). An outage stops it (SIGTERM: an orderly stop; SIGKILL: a
 * crash, nothing runs after it); the outage ends when it is started again on the same port and data
 * directory. What central received is read through its admin export (`GET /api/v1/admin/export`,
 * signed in as that admin), as an operator would.
 */
export class CentralProcess {
  /** Exits that were not ours (a crash): the soak fails on any. */
  readonly unexpectedExits: Array<{ code: number | null; signal: string | null; at: number }> = [];
  private child: ChildProcess | null = null;
  private expectingExit = false;
  private session: string | null = null;

  private constructor(
    private readonly dataDir: string,
    readonly url: string,
    readonly kioskId: string,
    private readonly token: string,
    private readonly admin: { user: string; password: string },
    private readonly log: WriteStream,
    private readonly database: string | null,
  ) {}

  /** Enrols `kioskId` at `checkpointId` and adds an admin on a fresh data directory, then starts central. */
  static async start(opts: { dataDir: string; checkpointId: string; kioskId: string; logFile: string; /** A postgres:// URL; the embedded database when absent. */ database?: string }): Promise<CentralProcess> {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const db = opts.database ? ['--database', opts.database] : [];
    const enrolled = cli(['central', 'enroll', '--data', opts.dataDir, ...db, '--checkpoint', opts.checkpointId, '--kiosk', opts.kioskId, '--url', url]);
    const { token, kioskId } = JSON.parse(enrolled) as { url: string; kioskId: string; token: string };
    const admin = { user: 'soak', password: randomBytes(18).toString('base64url') };
    cli(['central', 'admin', 'add', '--data', opts.dataDir, ...db, '--user', admin.user], admin.password);
    const central = new CentralProcess(opts.dataDir, url, kioskId, token, admin, createWriteStream(opts.logFile, { flags: 'a' }), opts.database ?? null);
    await central.launch();
    return central;
  }

  /** The kiosk configuration's `central` section: exactly what `kiosk central enroll` printed. */
  configSection(): { url: string; kioskId: string; token: string } {
    return { url: this.url, kioskId: this.kioskId, token: this.token };
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Central goes away: stopped in order (SIGTERM) or killed (SIGKILL). Resolves once it has exited. */
  async beginOutage(signal: OutageSignal): Promise<void> {
    await this.end(signal);
  }

  /** Central back on the same port and data directory. Resolves once it serves (its URL printed). */
  async endOutage(): Promise<void> {
    await this.launch();
  }

  /** Every screening central holds from this kiosk (its admin export, JSON lines). */
  async received(from: Date, to: Date): Promise<CentralRow[]> {
    this.session ??= await this.signIn();
    const q = new URLSearchParams({ from: from.toISOString(), to: to.toISOString(), format: 'jsonl' });
    const res = await fetch(`${this.url}/api/v1/admin/export?${q}`, { headers: { cookie: this.session } });
    if (res.status !== 200) throw new Error(`central's export answered ${res.status}: ${(await res.text()).slice(0, 300)}`);
    return (await res.text())
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as CentralRow & { kioskId: string })
      .filter((r) => r.kioskId === this.kioskId);
  }

  /** An orderly stop at the end; resolves with its exit code. */
  async stop(): Promise<number | null> {
    const code = await this.end('SIGTERM');
    await new Promise((resolve) => this.log.end(resolve));
    return code;
  }

  private async signIn(): Promise<string> {
    // The sign-in form posts from central's own page: the same origin.
    const res = await fetch(`${this.url}/signin`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/json', origin: this.url },
      body: JSON.stringify({ username: this.admin.user, password: this.admin.password }),
    });
    const cookie = res.headers.get('set-cookie')?.split(';')[0];
    if (res.status !== 303 || !cookie) throw new Error(`signing in to central failed: ${res.status}`);
    return cookie;
  }

  private async launch(): Promise<void> {
    const db = this.database ? ['--database', this.database] : [];
    const child = spawn(process.execPath, [CLI, 'central', 'start', '--data', this.dataDir, ...db, '--port', new URL(this.url).port], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    this.expectingExit = false;
    this.session = null; // sessions live in central's database, but a crash may have lost the last one
    child.stderr!.pipe(this.log, { end: false });
    child.once('exit', (code, signal) => {
      if (!this.expectingExit) this.unexpectedExits.push({ code, signal, at: Date.now() });
    });
    const printed = await urlPrinted(child, `central (its log: ${this.log.path as string})`, START_TIMEOUT_MS);
    if (printed !== this.url) throw new Error(`central serves at ${printed}, not at ${this.url}`);
  }

  private end(signal: OutageSignal): Promise<number | null> {
    return ended(this.child, signal, () => (this.expectingExit = true));
  }
}

/** The built CLI, run to completion; its stdout, or an error with its stderr. */
function cli(args: string[], stdin?: string): string {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, encoding: 'utf8', ...(stdin !== undefined && { input: `${stdin}\n` }) });
  if (r.status !== 0) throw new Error(`kiosk ${args.slice(0, 3).join(' ')} failed (${r.status}): ${r.stderr.trim()}`);
  return r.stdout;
}

/** A port free now on the loopback interface (central is enrolled with its URL before it first starts). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}
