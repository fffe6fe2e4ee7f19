/**
 * What `kiosk doctor` reports: one finding per check, with what is wrong and how to fix it.
 * `fail`: something that stops the kiosk screening correctly (the command exits 1);
 * `warn`: worth the technician's attention, not wrong yet (a calibration about to expire);
 * `skip`: the check does not apply here (a simulated device, no central configured).
 */
export type FindingStatus = 'ok' | 'warn' | 'fail' | 'skip';

export interface Finding {
  /** Stable id of the check (`port.thermometer`, `calibration`, ...), for scripts reading --json. */
  check: string;
  status: FindingStatus;
  /** One line: what was found. */
  summary: string;
  /** What to do, when something is wrong. */
  fix?: string;
}

export const ok = (check: string, summary: string): Finding => ({ check, status: 'ok', summary });
export const warn = (check: string, summary: string, fix?: string): Finding => ({ check, status: 'warn', summary, ...(fix && { fix }) });
export const fail = (check: string, summary: string, fix: string): Finding => ({ check, status: 'fail', summary, fix });
export const skip = (check: string, summary: string): Finding => ({ check, status: 'skip', summary });

const LABEL: Record<FindingStatus, string> = { ok: 'ok  ', warn: 'WARN', fail: 'FAIL', skip: '--  ' };

/** The report a technician reads: one line per check, the fix indented below it, a verdict last. */
export function formatFindings(findings: readonly Finding[]): string {
  const width = Math.max(...findings.map((f) => f.check.length));
  const lines: string[] = [];
  for (const f of findings) {
    lines.push(`${LABEL[f.status]}  ${f.check.padEnd(width)}  ${f.summary}`);
    if (f.fix) lines.push(`${' '.repeat(8 + width)}fix: ${f.fix}`);
  }
  const failed = findings.filter((f) => f.status === 'fail').length;
  const warned = findings.filter((f) => f.status === 'warn').length;
  lines.push('');
  lines.push(failed === 0 ? `no problems found${warned ? ` (${warned} warning${warned === 1 ? '' : 's'})` : ''}` : `${failed} problem${failed === 1 ? '' : 's'} found${warned ? `, ${warned} warning${warned === 1 ? '' : 's'}` : ''}`);
  return lines.join('\n');
}

/** 0 when nothing failed, 1 otherwise. */
export function exitCodeOf(findings: readonly Finding[]): number {
  return findings.some((f) => f.status === 'fail') ? 1 : 0;
}
