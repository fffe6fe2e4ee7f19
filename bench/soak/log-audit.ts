import type { DeviceKind, FaultKind } from './fault-plan.js';
import type { LoggedProblem } from './kiosk-process.js';

/** A stretch of time during which a fault (or the soak's own set-up and shutdown) was in effect. */
export interface FaultWindow {
  kind: FaultKind | 'setup' | 'shutdown';
  device?: DeviceKind;
  start: number;
  /** When the kiosk had recovered (or the stretch ended). */
  end: number;
}

/** How long after a recovery its last log lines may still arrive. */
export const GRACE_MS = 3000;

interface Rule {
  msg: RegExp;
  /** The faults that explain the line; a device-bound rule needs a fault on that device. */
  explainedBy: ReadonlyArray<FaultWindow['kind']>;
  device?: DeviceKind;
  /** Extra condition on the line's fields. */
  when?: (fields: Record<string, unknown>) => boolean;
  /** The highest level the fault explains (the same message at a higher level means something else). */
  maxLevel?: number;
}

const problemCodes = (f: Record<string, unknown>) => ((f.problems as Array<{ code?: string }> | undefined) ?? []).map((p) => p.code);

/**
 * Every warning and error the host may log while a soak fault is in effect, and the faults that
 * explain it. A line no rule explains (or one logged outside its fault's window) fails the soak.
 */
export const RULES: readonly Rule[] = [
  // Line noise and unplugs reach the drivers as problems: bad frames dropped, replies cut short.
  { msg: /^thermometer: problem$/, explainedBy: ['garbage', 'unplug'], device: 'thermometer' },
  { msg: /^idcard: problem$/, explainedBy: ['garbage', 'unplug'], device: 'idcard' },
  // A full disk: records wait in memory (everyone held), then are written.
  { msg: /^store: records are waiting in memory for the disk/, explainedBy: ['disk-full'] },
  { msg: /^store: record not written yet; it waits in the store's retry queue as shown$/, explainedBy: ['disk-full'] },
  { msg: /^store: disk space is low in the data directory$/, explainedBy: ['disk-full'] },
  { msg: /^store: maintenance \(retention purge, disk check\) failed$/, explainedBy: ['disk-full'] },
  { msg: /^store: cannot open the storage/, explainedBy: ['disk-full'] },
  { msg: /^service: out of service; travellers use the staffed lane$/, explainedBy: ['disk-full'], when: (f) => problemCodes(f).every((c) => c === 'STORE_UNAVAILABLE') },
  // A full disk also stops the uplink noting when central last acknowledged something.
  { msg: /^uplink: the time of the last upload could not be stored$/, explainedBy: ['disk-full'] },
  // The first start: no calibration until the soak host records the simulator's; a central-fed
  // kiosk also waits for the deployment's ID key, which first contact brings.
  { msg: /^service: out of service; travellers use the staffed lane$/, explainedBy: ['setup'], when: (f) => problemCodes(f).every((c) => c === 'CALIBRATION_MISSING' || c === 'ID_KEY_AWAITED') },
  // The first start of a central-fed kiosk: sending records to central collects more than the
  // minimum a new data directory assumes (main/privacy/collection-settings.ts), recorded once.
  { msg: /^privacy: this configuration collects or keeps more personal information than before; recorded in the audit log$/, explainedBy: ['setup'], when: (f) => JSON.stringify(f.widened) === '["mode"]' },
  // Central gone: uploads, heartbeats and list polls fail and are retried (warnings; the same
  // messages as errors — central refusing the kiosk's token — are never explained by an outage).
  { msg: /^uplink: upload failed; will retry$/, explainedBy: ['central-outage'], maxLevel: 40 },
  { msg: /^uplink: circuit open — central keeps failing; attempts paused$/, explainedBy: ['central-outage'] },
  { msg: /^uplink: heartbeat failed$/, explainedBy: ['central-outage'], maxLevel: 40 },
  { msg: /^uplink: list update failed; will retry$/, explainedBy: ['central-outage'] },
];

export interface AuditResult {
  /** Lines explained, by message and the fault kind that explained them. */
  explained: Record<string, number>;
  unexplained: LoggedProblem[];
}

export function auditLog(lines: readonly LoggedProblem[], windows: readonly FaultWindow[]): AuditResult {
  const explained: Record<string, number> = {};
  const unexplained: LoggedProblem[] = [];
  for (const line of lines) {
    if (line.level >= 60) {
      unexplained.push(line); // fatal is never an expected consequence
      continue;
    }
    const rule = RULES.find((r) => r.msg.test(line.msg) && line.level <= (r.maxLevel ?? 50) && (!r.when || r.when(line.fields)) && windows.some((w) => covers(w, line, r)));
    if (!rule) {
      unexplained.push(line);
      continue;
    }
    const w = windows.find((x) => covers(x, line, rule))!;
    const key = `${line.msg} ← ${w.kind}${w.device ? ` (${w.device})` : ''}`;
    explained[key] = (explained[key] ?? 0) + 1;
  }
  return { explained, unexplained };
}

function covers(w: FaultWindow, line: LoggedProblem, rule: Rule): boolean {
  if (!rule.explainedBy.includes(w.kind)) return false;
  if (rule.device && w.device !== rule.device) return false;
  return line.time >= w.start && line.time <= w.end + GRACE_MS;
}
