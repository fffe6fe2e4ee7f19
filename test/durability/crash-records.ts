import type { ScreeningRecord } from '../../main/engine/screening-record.js';
import { residentCard } from '../fixtures/store/screening-records.js';

/**
 * The records the crash writer commits, derived only from (id, round, index) so the parent can
 * rebuild exactly what was acknowledged and compare it field by field after the crash.
 */
export function crashRecord(id: string, round: number, index: number): ScreeningRecord {
  const fever = index % 5 === 0;
  const finished = new Date(Date.UTC(2026, 10, 28, 8, 0, 0) + round * 60_000 + index * 100);
  return {
    id,
    checkpointId: 'CP-CRASH',
    deviceId: `kiosk-${round % 3}`,
    startedAt: new Date(finished.getTime() - 3000).toISOString(),
    finishedAt: finished.toISOString(),
    stationMode: 'card-then-temp',
    outcome: fever ? 'hold' : 'pass',
    decision: fever ? 'HOLD' : 'PASS',
    mode: 'hard',
    colour: null,
    reasons: fever ? [{ code: 'FEVER', messageKey: 'reason.fever', detail: { round, index } }] : [],
    card: residentCard(round * 7 + index),
    duplicateOf: null,
    temperatures: [
      {
        samples: [{ objectC: 35 + (index % 30) / 10, correctedC: 35.5 + (index % 30) / 10, monotonicMs: index }],
        medianC: 35.5 + (index % 30) / 10,
        maxC: 35.5 + (index % 30) / 10,
        estimateC: fever ? 38.2 : 36.6,
        model: { name: 'crash-test', params: { round, index } },
        calibrationId: null,
        attempt: 1,
      },
    ],
    fever,
    policyVersion: 'crash-policy',
  };
}
