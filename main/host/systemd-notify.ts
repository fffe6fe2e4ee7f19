import { execFile } from 'node:child_process';

/**
 * Messages to systemd's service manager (sd_notify): READY=1, WATCHDOG=1, STATUS=…
 *
 * How: by running `systemd-notify`, which ships with systemd itself. Node cannot send a datagram on
 * a Unix socket (`dgram` speaks UDP only), and the npm packages that can are native addons (another
 * module to rebuild for Electron's ABI, docs/electron-runtime.md §1). A short-lived sender used to
 * race the manager (the message was dropped when the sender had exited before systemd looked up its
 * unit); since systemd 246, systemd-notify waits until the manager has taken the message
 * (sd_notify_barrier), so it is attributed to the kiosk's unit. The unit sets `NotifyAccess=all`:
 * the sender is the host, not the unit's main process (cage). A spawn every 15 seconds costs nothing
 * measurable.
 *
 * Inert (null) unless systemd started the process: `$NOTIFY_SOCKET` is set only then.
 */
export interface ServiceManager {
  /** Sends `KEY=value` pairs (READY, WATCHDOG, STATUS). Never throws; a failure is reported once. */
  notify(fields: Record<string, string>): void;
}

export type RunFile = (file: string, args: string[], done: (err: Error | null) => void) => void;

const runFile: RunFile = (file, args, done) => {
  execFile(file, args, { timeout: 5000 }, (err) => done(err));
};

/** A notifier when this process runs under systemd with a notification socket, else null. */
export function systemdServiceManager(env: NodeJS.ProcessEnv, onError: (message: string) => void, run: RunFile = runFile): ServiceManager | null {
  const socket = env.NOTIFY_SOCKET;
  if (!socket) return null;
  let reported = false;
  return {
    notify(fields) {
      const args = Object.entries(fields).map(([k, v]) => `${k}=${v.replace(/\n/g, ' ')}`);
      run('systemd-notify', args, (err) => {
        if (!err || reported) return;
        reported = true; // one log line, not one every 15 s
        const code = (err as NodeJS.ErrnoException).code;
        onError(code === 'ENOENT' ? 'systemd-notify is not installed; the service watchdog will restart the kiosk' : `systemd-notify failed: ${err.message}`);
      });
    },
  };
}
