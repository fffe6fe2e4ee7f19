import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { HostToMain } from '../../main/electron/host-messages.js';
import { StaticKeyProvider } from '../../main/store/key-provider.js';
import { KioskStore } from '../../main/store/kiosk-store.js';
import { tempDataDir } from '../fixtures/store/temp-data-dir.js';

/**
 * dist/host.js on its Electron path (a stand-in parentPort over Node IPC): it reports `ready`, or
 * `fatal` with the reason and then waits for its supervisor to stop it (issue 13, item 3).
 * `npm test` builds dist/ first.
 */
const ROOT = join(import.meta.dirname, '..', '..');
const HOST = join(ROOT, 'dist', 'host.js');
const FAKE_PORT = join(ROOT, 'test', 'fixtures', 'electron', 'fake-parent-port.mjs');

let data: ReturnType<typeof tempDataDir>;
const children: ChildProcess[] = [];
beforeEach(() => {
  data = tempDataDir('kiosk-entry-');
});
afterEach(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  children.length = 0;
  data.cleanup();
});

interface StartedHost {
  child: ChildProcess;
  /** Resolves when the stand-in parentPort listens (so `init` cannot be lost). */
  listening: Promise<void>;
  next: () => Promise<HostToMain>;
  exited: Promise<number | string | null>;
}

function startHost(args: string[]): StartedHost {
  expect(existsSync(HOST), 'dist/host.js is missing: run `npm run build`').toBe(true);
  const child = fork(HOST, ['--electron', ...args], { execArgv: ['--import', FAKE_PORT], stdio: ['ignore', 'ignore', 'ignore', 'ipc'], env: { ...process.env, KIOSK_LOG_LEVEL: 'fatal' } });
  children.push(child);
  const queue: HostToMain[] = [];
  const waiters: ((m: HostToMain) => void)[] = [];
  let onListening: () => void = () => {};
  const listening = new Promise<void>((resolve) => (onListening = resolve));
  child.on('message', (m) => {
    if ((m as { type?: string }).type === '__fake-parent-port-ready') return onListening();
    const w = waiters.shift();
    if (w) w(m as HostToMain);
    else queue.push(m as HostToMain);
  });
  // The exit code, or the signal that ended it.
  const exited = new Promise<number | string | null>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));
  return { child, exited, listening, next: () => (queue.length ? Promise.resolve(queue.shift()!) : new Promise((resolve) => waiters.push(resolve))) };
}

const init = (key: Buffer) => ({ type: 'init', key: { masterKey: key.toString('base64'), source: 'file' } });

describe('host entry under a supervisor', () => {
  it('starts with the key the shell sends and reports ready', async () => {
    const h = startHost(['--sim', `--data=${data.dir}`]);
    await h.listening;
    h.child.send(init(Buffer.alloc(32, 1)));
    expect(await h.next()).toMatchObject({ type: 'ready', coldStartMs: expect.any(Number) });
    h.child.kill('SIGTERM');
    expect(await h.exited).toBe(0);
  }, 30_000);

  it('a wrong key: reports fatal with the reason, then waits to be stopped', async () => {
    const store = await KioskStore.open({ dataDir: data.dir, keyProvider: new StaticKeyProvider(Buffer.alloc(32, 1)), maintenanceIntervalMs: 0 });
    store.close();
    const h = startHost(['--sim', `--data=${data.dir}`]);
    await h.listening;
    h.child.send(init(Buffer.alloc(32, 2)));
    const msg = await h.next();
    expect(msg.type).toBe('fatal');
    expect((msg as { message: string }).message).toMatch(/is not the key this database .* was created with; nothing was changed/);
    expect(h.child.exitCode).toBeNull(); // still there: the supervisor stops it
    h.child.kill('SIGTERM');
    await h.exited;
  }, 30_000);

  it('a bad option: fatal naming it, exit 2 if nobody stops it', async () => {
    const h = startHost(['--sim', '--dta=/x']);
    const msg = await h.next();
    expect(msg).toMatchObject({ type: 'fatal', message: expect.stringMatching(/--dta/) });
    expect(await h.exited).toBe(2);
  }, 30_000);
});
