import { fork, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';

export const ROOT = join(import.meta.dirname, '..', '..');

/**
 * Forks one of the rig's TypeScript entry points (sim-child.ts, host-child.ts) as a process of its
 * own with an IPC channel (structured clone, so buffers and cards pass as they are). Its stderr
 * (the host's JSON logs) goes to `logFile`.
 */
export function forkRigChild(script: string, options: unknown, logFile: string, execArgv: string[] = []): ChildProcess {
  const child = fork(join(import.meta.dirname, script), [JSON.stringify(options)], {
    cwd: ROOT,
    execArgv: ['--import', 'tsx', ...execArgv],
    serialization: 'advanced',
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  child.stderr?.pipe(createWriteStream(logFile, { flags: 'a' }));
  return child;
}

/** Resolves with the first IPC message `accept` takes, or rejects when the child exits first or `timeoutMs` passes. */
export function nextMessage<M, T>(child: ChildProcess, accept: (m: M) => T | undefined, timeoutMs: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => done(new Error(`${what}: nothing within ${timeoutMs} ms`)), timeoutMs);
    const onMessage = (m: M) => {
      const v = accept(m);
      if (v !== undefined) done(null, v);
    };
    const onExit = (code: number | null, signal: string | null) => done(new Error(`${what}: the process exited (${code ?? signal}) first`));
    const done = (err: Error | null, v?: T) => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      if (err) reject(err);
      else resolve(v as T);
    };
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

/** Stops a child: `stop` message (or SIGTERM), then SIGKILL after `graceMs`. */
export async function stopChild(child: ChildProcess, stopMessage: unknown, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  if (child.connected) child.send(stopMessage as never);
  else child.kill('SIGTERM');
  const killer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(killer);
}
