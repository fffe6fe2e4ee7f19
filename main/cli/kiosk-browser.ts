import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ShellExit } from '../electron/exit-codes.js';
import { KIOSK_CHROMIUM_SWITCHES } from '../electron/launch-switches.js';

/**
 * Browser mode on a kiosk without Electron (`kiosk start --browser --chromium PATH`, the
 * browser-mode unit in packaging/linux/): the host serves the screen on 127.0.0.1 and this opens it
 * in Chromium full screen. When Chromium ends (closed, crashed), the kiosk command ends too, with
 * the shell's "renderer gave up" code, so systemd restarts both; a stop signal ends Chromium too.
 */

/** Chromium's command line for the kiosk screen: full screen, Wayland, voice without a tap, nothing else on screen or network. */
export function chromiumKioskArgs(url: string, profileDir: string): string[] {
  return [
    '--kiosk',
    ...KIOSK_CHROMIUM_SWITCHES,
    // The recorded voice prompts play without a tap (docs/electron-runtime.md §8).
    '--autoplay-policy=no-user-gesture-required',
    '--no-first-run',
    '--noerrdialogs',
    '--disable-infobars',
    '--disable-session-crashed-bubble',
    '--disable-features=Translate',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--password-store=basic',
    `--user-data-dir=${profileDir}`,
    url,
  ];
}

/** A fresh, private profile each start (no "restore pages?" after a crash): under $XDG_RUNTIME_DIR when set. */
export function freshProfileDir(env: NodeJS.ProcessEnv = process.env): string {
  const dir = join(env.XDG_RUNTIME_DIR || tmpdir(), 'checkpoint-kiosk-chromium');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return dir;
}

/** Exit code when Chromium ended: the shell's code for a renderer that is gone. */
export const BROWSER_ENDED_EXIT = ShellExit.RendererGaveUp;

export interface KioskBrowser {
  child: ChildProcess;
  /** Resolves when Chromium has exited (or could not start): the reason, for the log. */
  ended: Promise<string>;
  /** Ends Chromium (SIGTERM) and waits for it. */
  close(): Promise<void>;
}

export function openKioskBrowser(chromium: string, url: string, profileDir: string): KioskBrowser {
  const child = spawn(chromium, chromiumKioskArgs(url, profileDir), { stdio: ['ignore', 'ignore', 'inherit'] });
  const ended = new Promise<string>((resolve) => {
    child.once('error', (err) => resolve(`could not start ${chromium}: ${err.message}`));
    child.once('exit', (code, signal) => resolve(`${chromium} ended (${signal ? `signal ${signal}` : `exit code ${code}`})`));
  });
  return {
    child,
    ended,
    close: async () => {
      if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) child.kill('SIGTERM');
      await ended;
    },
  };
}
