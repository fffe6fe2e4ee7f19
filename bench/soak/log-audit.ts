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
  // The first start: no calibration until the soak host records the simulator's.
  { msg: /^service: out of service; travellers use the staffed lane$/, explainedBy: ['setup'], when: (f) => problemCodes(f).every((c) => c === 'CALIBRATION_MISSING') },
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
    const rule = RULES.find((r) => r.msg.test(line.msg) && (!r.when || r.when(line.fields)) && windows.some((w) => covers(w, line, r)));
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
