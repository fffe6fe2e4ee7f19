import { execFile } from 'node:child_process';
import { fail, ok, warn, type Finding } from './findings.js';

/**
 * The kiosk's clock. Records, card expiry and list freshness all depend on it; a kiosk at a
 * roadside may have lost its battery-backed time, or never had network time.
 */
export interface ClockFacts {
  now: Date;
  /** `timedatectl show -p NTPSynchronized --value`: true, false, or null when it cannot be asked. */
  synchronised: boolean | null;
  /** Epoch ms of the newest stored screening, or null. */
  newestRecordMs: number | null;
}

/** Anything before this is a clock that was never set (the software did not exist yet). */
export const EARLIEST_PLAUSIBLE = Date.UTC(2025, 0, 1);
/** A record this far ahead of the clock means the clock went back. */
const RECORD_SKEW_MS = 5 * 60_000;

export function checkClock(f: ClockFacts): Finding {
  const iso = f.now.toISOString();
  if (f.now.getTime() < EARLIEST_PLAUSIBLE) {
    return fail('clock', `the clock says ${iso}: it was never set (or lost its battery)`, 'set the time (timedatectl set-time "YYYY-MM-DD hh:mm:ss"), and give the kiosk network time (systemd-timesyncd) or a real-time-clock battery');
  }
  if (f.newestRecordMs !== null && f.newestRecordMs - f.now.getTime() > RECORD_SKEW_MS) {
    const ahead = Math.round((f.newestRecordMs - f.now.getTime()) / 60_000);
    return fail('clock', `the clock says ${iso}, but the newest record was made ${ahead} min later (${new Date(f.newestRecordMs).toISOString()}): the clock went back`, 'set the right time and enable network time (timedatectl set-ntp true); records keep the times they were made with');
  }
  if (f.synchronised === false) return warn('clock', `${iso}, not synchronised with network time`, 'enable it (timedatectl set-ntp true) and check the network or the NTP server in /etc/systemd/timesyncd.conf');
  if (f.synchronised === null) return warn('clock', `${iso}; whether it is synchronised could not be asked (no timedatectl, or systemd is not running here)`, 'check the time against a reliable clock');
  return ok('clock', `${iso}, synchronised with network time`);
}

/** Asks systemd-timedated (timedatectl) whether the clock is synchronised. */
export function ntpSynchronised(): Promise<boolean | null> {
  return new Promise((resolve) => {
    execFile('timedatectl', ['show', '-p', 'NTPSynchronized', '--value'], { timeout: 3000 }, (err, stdout) => {
      if (err) return resolve(null);
      const v = stdout.trim();
      resolve(v === 'yes' ? true : v === 'no' ? false : null);
    });
  });
}
