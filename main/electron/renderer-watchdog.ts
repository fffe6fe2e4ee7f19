import type { BrowserWindow, RenderProcessGoneDetails } from 'electron';
import { RestartPolicy, type RestartPolicyOptions } from './restart-policy.js';

export interface RendererWatchdogOptions {
  /**
   * Ends the app with a non-zero code for systemd to restart it with its backoff. Never
   * `app.relaunch()`: under cage that would end the compositor and race the restarted unit for the
   * Wayland socket and the single-instance lock.
   */
  exitForRestart(): void;
  log(msg: string): void;
  /** Default: reload after 0.5 s, then 5 s; exit at the 3rd crash in a row; a minute up clears the count. */
  policy?: RestartPolicyOptions;
  /** Schedules a reload (tests pass a synchronous one). */
  schedule?: (fn: () => void, ms: number) => void;
}

export const DEFAULT_RENDERER_RESTART_POLICY: RestartPolicyOptions = { delaysMs: [500, 5000], maxFailures: 3, stableMs: 60_000 };

/**
 * `render-process-gone` → reload the page after a growing delay; when the renderer keeps dying,
 * exit for systemd to restart the app. A clean exit (the app closing) is not a crash.
 */
export function watchRenderer(win: BrowserWindow, opts: RendererWatchdogOptions): void {
  const policy = new RestartPolicy(opts.policy ?? DEFAULT_RENDERER_RESTART_POLICY);
  const schedule = opts.schedule ?? ((fn, ms) => void setTimeout(fn, ms));
  policy.started();
  win.webContents.on('render-process-gone', (_event: unknown, details: RenderProcessGoneDetails) => {
    if (details.reason === 'clean-exit') return;
    const decision = policy.failed();
    if (decision.action === 'give-up') {
      opts.log(`renderer gone (${details.reason}, exit ${details.exitCode}), ${decision.failures} times in a row; exiting for the service manager to restart the kiosk`);
      opts.exitForRestart();
      return;
    }
    opts.log(`renderer gone (${details.reason}, exit ${details.exitCode}); reloading in ${decision.delayMs} ms`);
    schedule(() => {
      if (win.isDestroyed()) return;
      policy.started();
      win.webContents.reload();
    }, decision.delayMs);
  });
  win.webContents.on('unresponsive', () => {
    opts.log('renderer unresponsive; ending it (it is then reloaded as a crash)');
    if (!win.isDestroyed()) win.webContents.forcefullyCrashRenderer();
  });
}
