import type { BrowserWindow, RenderProcessGoneDetails } from 'electron';

export interface RendererWatchdogOptions {
  /** A second crash within this window restarts the whole app instead of reloading. */
  windowMs?: number;
  /** Restarts the app (main.ts: `app.relaunch(); app.exit(1)`; systemd/cage would restart it too). */
  restartApp(): void;
  log(msg: string): void;
  now?: () => number;
}

/**
 * `render-process-gone` → reload the page once; if the renderer dies again soon after, restart the
 * app. A clean exit (the app closing) is not a crash.
 */
export function watchRenderer(win: BrowserWindow, opts: RendererWatchdogOptions): void {
  const windowMs = opts.windowMs ?? 60_000;
  const now = opts.now ?? (() => Date.now());
  let lastCrashAt: number | null = null;
  win.webContents.on('render-process-gone', (_event: unknown, details: RenderProcessGoneDetails) => {
    if (details.reason === 'clean-exit') return;
    const at = now();
    if (lastCrashAt !== null && at - lastCrashAt < windowMs) {
      opts.log(`renderer gone again (${details.reason}, exit ${details.exitCode}); restarting the app`);
      opts.restartApp();
      return;
    }
    lastCrashAt = at;
    opts.log(`renderer gone (${details.reason}, exit ${details.exitCode}); reloading`);
    if (!win.isDestroyed()) win.webContents.reload();
  });
  win.webContents.on('unresponsive', () => {
    opts.log('renderer unresponsive; reloading');
    if (!win.isDestroyed()) win.webContents.forcefullyCrashRenderer();
  });
}
