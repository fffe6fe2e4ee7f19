import type { SkinToBodyModel } from '../config/kiosk-config.js';
import type { AuditLog } from './audit-log.js';
import type { SqliteDatabase } from './database.js';
import { PRIORITY_NORMAL, type Outbox } from './outbox.js';
import type { PendingWrites } from './pending-writes.js';
import { newRecordId } from './record-id.js';

/** One person compared: the kiosk's corrected skin reading and a clinical thermometer, no identity. */
export interface SiteModelPair {
  skinC: number;
  ambientC: number | null;
  clinicalC: number;
  /** The fitted model's estimate for this person, and estimate − clinical. */
  estimateC: number;
  residualC: number;
}

/** A site body-temperature model fitted against a clinical thermometer (the NIM 2020 comparison). */
export interface SiteModelFit {
  id: string;
  at: string;
  technicianId: string;
  model: SkinToBodyModel;
  pairs: SiteModelPair[];
  residualSdC: number;
  /** Expanded uncertainty of an estimate (k = 2), °C. */
  uncertaintyC: number;
  clinical: { method: string; thermometer: string };
}

/** Site model fits, kept and queued for upload like calibrations, and audited. */
export class SiteModelFits {
  constructor(
    private readonly db: SqliteDatabase,
    private readonly outbox: Outbox,
    private readonly audit: AuditLog,
    private readonly pending: PendingWrites,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async record(input: Omit<SiteModelFit, 'id' | 'at'>): Promise<SiteModelFit> {
    const fit: SiteModelFit = { ...input, id: newRecordId(), at: this.now().toISOString() };
    const write = this.db.transaction(() => {
      this.db
        .prepare('INSERT INTO site_model_fits (id, at, technician_id, model, pairs, residual_sd_c, uncertainty_c, clinical) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
        .run(fit.id, fit.at, fit.technicianId, JSON.stringify(fit.model), JSON.stringify(fit.pairs), fit.residualSdC, fit.uncertaintyC, JSON.stringify(fit.clinical));
      this.outbox.enqueue('site-model-fit', fit.id, fit, PRIORITY_NORMAL);
      this.audit.append(fit.technicianId, 'site-model.saved', { fit: fit.id, model: fit.model.kind, people: fit.pairs.length, residualSdC: fit.residualSdC, uncertaintyC: fit.uncertaintyC });
    });
    this.pending.run(fit.id, () => write.immediate());
    return fit;
  }

  /** Fits, newest first. */
  history(limit = 20): SiteModelFit[] {
    const rows = this.db.prepare('SELECT * FROM site_model_fits ORDER BY at DESC, id DESC LIMIT ?').all(limit) as Array<{
      id: string;
      at: string;
      technician_id: string;
      model: string;
      pairs: string;
      residual_sd_c: number;
      uncertainty_c: number;
      clinical: string;
    }>;
    return rows.map((r) => ({
      id: r.id,
      at: r.at,
      technicianId: r.technician_id,
      model: JSON.parse(r.model) as SkinToBodyModel,
      pairs: JSON.parse(r.pairs) as SiteModelPair[],
      residualSdC: r.residual_sd_c,
      uncertaintyC: r.uncertainty_c,
      clinical: JSON.parse(r.clinical) as SiteModelFit['clinical'],
    }));
  }
}
