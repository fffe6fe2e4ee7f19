import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

/**
 * The two servers the soak runs as child processes (the kiosk host, central) print their URL as the
 * first line on stdout once they serve. Resolves with it; rejects when `name` exits first or prints
 * nothing within `timeoutMs`.
 */
export function urlPrinted(child: ChildProcess, name: string, timeoutMs: number): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} printed no URL within ${timeoutMs / 1000} s`)), timeoutMs);
    createInterface({ input: child.stdout! }).once('line', (l) => {
      clearTimeout(timer);
      resolve(l.trim());
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (${code}) before printing its URL`));
    });
  });
}

/**
 * Sends `signal` to `child` if it still runs (after `expecting()`, so its exit is not counted as a
 * crash) and resolves with its exit code once it has exited.
 */
export function ended(child: ChildProcess | null, signal: NodeJS.Signals, expecting: () => void): Promise<number | null> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child?.exitCode ?? null);
  expecting();
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill(signal);
  return exited;
}
