import type { Heartbeat } from './api.js';
import type { CentralDatabase } from './db/central-database.js';

/** Kiosks silent for longer than this are shown offline (three missed heartbeats at the default 60 s). */
export const OFFLINE_AFTER_MS = 3 * 60_000;
/** Calibrations running out within this many days are shown as due. */
export const CALIBRATION_DUE_DAYS = 7;

export interface HourRow {
  checkpointId: string;
  hour: string; // local hour, 'YYYY-MM-DDTHH:00'
  screened: number;
  passed: number;
  held: number;
  fevers: number;
}

export interface KioskRow {
  kioskId: string;
  checkpointId: string;
  lastSeenAt: string | null;
  offline: boolean;
  backlog: number;
  /** Records the kiosk holds as dead letters (refused by central): the technician must look. */
  rejected: number;
  oldestUnsentAt: string | null;
  calibrationDueAt: string | null;
  calibrationDue: boolean;
  listVersion: number | null;
  /** The latest time this kiosk's audit head did not continue central's anchor (audit-anchors.ts), or null. */
  auditAlert: { problem: 'rewound' | 'diverged' | 'replaced'; at: string; message: string } | null;
}

export interface DashboardData {
  from: string;
  to: string;
  timeZone: string;
  hours: HourRow[];
  openHolds: number;
  resolutions: Array<{ action: string; count: number }>;
  recentHolds: Array<{ id: string; checkpointId: string; kioskId: string; at: string; fever: boolean; colour: string | null; idMasked: string | null; resolution: string | null }>;
  kiosks: KioskRow[];
  conflicts: number;
}

/** What the dashboard shows, for screenings that finished in [from, to). */
export async function dashboardData(db: CentralDatabase, opts: { from: Date; to: Date; timeZone?: string; now?: Date }): Promise<DashboardData> {
  const tz = opts.timeZone ?? 'Asia/Shanghai';
  const now = opts.now ?? new Date();
  const range = [opts.from.toISOString(), opts.to.toISOString()];
  const hours = await db.query<{ checkpoint_id: string; hour: string; screened: number; passed: number; held: number; fevers: number }>(
    `SELECT checkpoint_id, to_char(date_trunc('hour', occurred_at AT TIME ZONE $3), 'YYYY-MM-DD"T"HH24:00') AS hour,
            COUNT(*)::int AS screened,
            COUNT(*) FILTER (WHERE decision = 'PASS')::int AS passed,
            COUNT(*) FILTER (WHERE decision = 'HOLD')::int AS held,
            COUNT(*) FILTER (WHERE fever)::int AS fevers
       FROM records WHERE kind = 'screening' AND occurred_at >= $1 AND occurred_at < $2
      GROUP BY 1, 2 ORDER BY 2, 1`,
    [...range, tz],
  );
  const holds = await db.query<{ id: string; checkpoint_id: string; kiosk_id: string; occurred_at: Date; fever: boolean; colour: string | null; id_masked: string | null; resolution: string | null }>(
    `SELECT s.id::text AS id, s.checkpoint_id, s.kiosk_id, s.occurred_at, s.fever, s.colour, s.id_masked,
            (SELECT d.action FROM records d WHERE d.kind = 'disposition' AND d.screening_id = s.id ORDER BY d.occurred_at DESC LIMIT 1) AS resolution
       FROM records s WHERE s.kind = 'screening' AND s.decision = 'HOLD' AND s.occurred_at >= $1 AND s.occurred_at < $2
      ORDER BY s.occurred_at DESC LIMIT 200`,
    range,
  );
  const resolutions = await db.query<{ action: string; n: number }>(
    `SELECT d.action, COUNT(DISTINCT d.screening_id)::int AS n FROM records d JOIN records s ON s.id = d.screening_id
      WHERE d.kind = 'disposition' AND s.occurred_at >= $1 AND s.occurred_at < $2 GROUP BY d.action ORDER BY d.action`,
    range,
  );
  const [open] = await db.query<{ n: number }>(
    `SELECT COUNT(*)::int AS n FROM records s WHERE s.kind = 'screening' AND s.decision = 'HOLD' AND s.occurred_at >= $1 AND s.occurred_at < $2
        AND NOT EXISTS (SELECT 1 FROM records d WHERE d.kind = 'disposition' AND d.screening_id = s.id)`,
    range,
  );
  const kiosks = await db.query<{ id: string; checkpoint_id: string; last_seen_at: Date | null; heartbeat: Heartbeat | null }>('SELECT id, checkpoint_id, last_seen_at, heartbeat FROM kiosks ORDER BY checkpoint_id, id');
  const [conflicts] = await db.query<{ n: number }>('SELECT COUNT(*)::int AS n FROM record_conflicts');
  const alerts = await db.query<{ kiosk_id: string; problem: 'rewound' | 'diverged' | 'replaced'; at: Date; message: string }>(
    'SELECT DISTINCT ON (kiosk_id) kiosk_id, problem, at, message FROM audit_anchor_alerts ORDER BY kiosk_id, at DESC, seq DESC',
  );
  const alertOf = new Map(alerts.map((a) => [a.kiosk_id, { problem: a.problem, at: new Date(a.at).toISOString(), message: a.message }]));
  return {
    from: range[0]!,
    to: range[1]!,
    timeZone: tz,
    hours: hours.map((h) => ({ checkpointId: h.checkpoint_id, hour: h.hour, screened: h.screened, passed: h.passed, held: h.held, fevers: h.fevers })),
    openHolds: open?.n ?? 0,
    resolutions: resolutions.map((r) => ({ action: r.action, count: r.n })),
    recentHolds: holds.map((h) => ({ id: h.id, checkpointId: h.checkpoint_id, kioskId: h.kiosk_id, at: new Date(h.occurred_at).toISOString(), fever: h.fever, colour: h.colour, idMasked: h.id_masked, resolution: h.resolution })),
    kiosks: kiosks.map((k) => {
      const lastSeen = k.last_seen_at ? new Date(k.last_seen_at) : null;
      const due = k.heartbeat?.calibrationDueAt ?? null;
      return {
        kioskId: k.id,
        checkpointId: k.checkpoint_id,
        lastSeenAt: lastSeen?.toISOString() ?? null,
        offline: lastSeen === null || now.getTime() - lastSeen.getTime() > OFFLINE_AFTER_MS,
        backlog: k.heartbeat ? k.heartbeat.backlog.pending : 0,
        rejected: k.heartbeat ? k.heartbeat.backlog.dead : 0,
        oldestUnsentAt: k.heartbeat?.backlog.oldestUnsentAt ?? null,
        calibrationDueAt: due,
        calibrationDue: k.heartbeat !== null && (due === null || Date.parse(due) < now.getTime() + CALIBRATION_DUE_DAYS * 86_400_000),
        listVersion: k.heartbeat?.lists.version ?? null,
        auditAlert: alertOf.get(k.id) ?? null,
      };
    }),
    conflicts: conflicts?.n ?? 0,
  };
}
