import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll } from 'vitest';
import type { Link, LinkState } from '../../drivers/transport/link.js';

/** A private directory for one test file's pseudo-terminal links. */
export function ptyDir(prefix: string): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `kiosk-${prefix}-`));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * The lifecycle of a scenario file's rigs (driver + link + simulator host): a private pty
 * directory for the file, every rig registered with `track()` stopped after each test.
 */
export function rigLifecycle<R extends { stop(): Promise<void> }>(prefix: string): { track(rig: R): R; path(name: string): string } {
  let tmp: ReturnType<typeof ptyDir> | undefined;
  const rigs: R[] = [];
  beforeAll(() => {
    tmp = ptyDir(prefix);
  });
  afterEach(async () => {
    for (const r of rigs.splice(0)) await r.stop();
  });
  afterAll(() => tmp?.remove());
  return {
    track: (rig) => {
      rigs.push(rig);
      return rig;
    },
    path: (name) => join(tmp!.dir, name),
  };
}

/** Resolves with the first state (current or coming) that satisfies `pred`; rejects after `timeoutMs`. */
export function stateWhere(link: Link, pred: (s: LinkState) => boolean, timeoutMs = 15_000): Promise<LinkState> {
  if (pred(link.current)) return Promise.resolve(link.current);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      link.off('state', on);
      reject(new Error(`link ${link.id} did not reach the expected state within ${timeoutMs} ms (now ${JSON.stringify(link.current)})`));
    }, timeoutMs);
    const on = (s: LinkState) => {
      if (!pred(s)) return;
      clearTimeout(timer);
      link.off('state', on);
      resolve(s);
    };
    link.on('state', on);
  });
}

export const isOnline = (s: LinkState) => s.state === 'online';
export const isOffline = (s: LinkState) => s.state === 'offline';

/** Collects `data` from a link until `done(collected)` is true; rejects after `timeoutMs`. */
export function collectUntil(link: Link, done: (all: Buffer) => boolean, timeoutMs = 15_000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let all = Buffer.alloc(0);
    const timer = setTimeout(() => {
      link.off('data', on);
      reject(new Error(`link ${link.id}: expected bytes did not arrive within ${timeoutMs} ms (got ${all.toString('hex')})`));
    }, timeoutMs);
    const on = (chunk: Buffer) => {
      all = Buffer.concat([all, chunk]);
      if (!done(all)) return;
      clearTimeout(timer);
      link.off('data', on);
      resolve(all);
    };
    link.on('data', on);
  });
}

/** Waits for `count` events named `event` on `emitter`, collecting their first argument. */
export function nextEvents<T>(emitter: { on(e: string, l: (v: T) => void): unknown; off(e: string, l: (v: T) => void): unknown }, event: string, count: number, timeoutMs = 20_000): Promise<T[]> {
  return new Promise((resolve, reject) => {
    const got: T[] = [];
    const timer = setTimeout(() => {
      emitter.off(event, on);
      reject(new Error(`expected ${count} "${event}" event(s) within ${timeoutMs} ms, got ${got.length}`));
    }, timeoutMs);
    const on = (v: T) => {
      got.push(v);
      if (got.length < count) return;
      clearTimeout(timer);
      emitter.off(event, on);
      resolve(got);
    };
    emitter.on(event, on);
  });
}

/**
 * Resolves once `cond()` holds, re-checked whenever one of `events` fires on `emitter` (a driver's
 * readings, statuses, identities, problems): the wait follows what the device does, not a clock.
 * Rejects after `timeoutMs` naming `what`.
 */
export function whenEvent(emitter: { on(e: string, l: () => void): unknown; off(e: string, l: () => void): unknown }, events: readonly string[], what: string, cond: () => boolean, timeoutMs = 20_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const stop = () => {
      clearTimeout(timer);
      for (const e of events) emitter.off(e, check);
    };
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`${what}: not within ${timeoutMs} ms`));
    }, timeoutMs);
    function check() {
      if (!cond()) return;
      stop();
      resolve();
    }
    for (const e of events) emitter.on(e, check);
    check();
  });
}
