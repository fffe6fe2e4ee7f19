import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HmacIdHasher } from '../../main/engine/id-hasher.js';
import { screeningRecord, SAMPLE_PEOPLE } from '../fixtures/store/screening-records.js';
import { centralPerFile } from '../central/central-fixture.js';
import { CHECKPOINT, kioskRig, type KioskRig } from './uplink-fixture.js';

/**
 * Every kind of record the kiosk's store queues (main/store/outbox.ts `OutboxKind`) reaches central
 * through the real uplink and is filed there; a person's erasure on the kiosk deletes central's
 * copies too, and a late upload of an erased record is refused (docs/privacy.md).
 */
const centralOf = centralPerFile('uplink-kinds-central-');

/** RFC 9562 version-8 UUID of the SHA-256 of `registration-link:<key>`, written out independently of central/records.ts. */
function linkRowId(key: string): string {
  const hex = createHash('sha256').update(`registration-link:${key}`).digest('hex').slice(0, 32).split('');
  hex[12] = '8';
  hex[16] = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  const x = hex.join('');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

interface CentralRow {
  id: string;
  kind: string;
  screening_id: string | null;
  id_masked: string | null;
  name_masked: string | null;
  id_hash: string | null;
  body: string;
  enc: Uint8Array | null;
}
async function rowsOf(kioskId: string): Promise<Map<string, CentralRow>> {
  const rows = await centralOf().db.query<CentralRow>('SELECT id::text AS id, kind, screening_id::text AS screening_id, id_masked, name_masked, id_hash, body::text AS body, personal_enc AS enc FROM records WHERE kiosk_id = $1', [kioskId]);
  return new Map(rows.map((r) => [r.id, r]));
}

async function withRig(fn: (rig: KioskRig) => Promise<void>): Promise<void> {
  const rig = await kioskRig(centralOf(), { start: false });
  try {
    await fn(rig);
  } finally {
    await rig.close();
  }
}

describe('every record kind the kiosk queues', () => {
  it('reaches central and is filed, personal data of a registration encrypted and masked', () =>
    withRig(async (rig) => {
      const person = SAMPLE_PEOPLE[1]!;
      const screening = screeningRecord({ checkpointId: CHECKPOINT }, 1);
      await rig.store.records.commit(screening);
      const reg = await rig.store.registrations.record({ staffId: 'staff-1', documentType: 'resident', numberCheck: 'valid', documentNumber: person.idNumber, name: person.name, phone: '13800000000' });
      rig.store.registrations.linkScreening(reg.id, screening.id);
      const cal = await rig.store.calibrations.record({ deviceId: 'thermo-1', gain: 1, offsetC: 0.2, points: [{ referenceC: 35, measuredC: 34.8 }, { referenceC: 38, measuredC: 37.8 }] });
      const check = await rig.store.calibrations.recordCheck({ calibrationId: cal.id, deviceId: 'thermo-1', referenceC: 37, errorC: 0.1, limitC: 0.3, flagged: false, readings: [36.9, 37.0], technicianId: 'tech-1' });
      const fit = await rig.store.siteModels.record({
        technicianId: 'tech-1',
        model: { kind: 'linear-heat-balance', k: 0.2 },
        pairs: [{ skinC: 34.5, ambientC: 22, clinicalC: 37.0, estimateC: 37.0, residualC: 0 }],
        residualSdC: 0.2,
        uncertaintyC: 0.4,
        clinical: { method: 'oral', thermometer: 'clinical-1' },
      });
      expect(rig.store.outbox.counts().pending).toBe(6);

      expect(rig.store.central.lastUploadAt()).toBeNull();
      const started = Date.now();
      rig.uplink.start();
      await rig.drained();
      expect(rig.store.outbox.counts()).toEqual({ pending: 0, dead: 0, sent: 6 });
      // The consoles' "last upload": central's acknowledgement, during this drain.
      const last = Date.parse(rig.store.central.lastUploadAt()!);
      expect(last).toBeGreaterThanOrEqual(started);
      expect(last).toBeLessThanOrEqual(Date.now());

      const rows = await rowsOf(rig.kioskId);
      const linkKey = `${reg.id}.${screening.id}`;
      expect(new Map([...rows.values()].map((r) => [r.id, r.kind]))).toEqual(
        new Map([
          [screening.id, 'screening'],
          [reg.id, 'manual-registration'],
          [linkRowId(linkKey), 'registration-link'],
          [cal.id, 'calibration'],
          [check.id, 'calibration-check'],
          [fit.id, 'site-model-fit'],
        ]),
      );
      const r = rows.get(reg.id)!;
      // 810000199408230021: region code and the last four kept (the masking rule in docs/privacy.md).
      expect(r.id_masked).toBe('810000********0021');
      expect(r.body).not.toContain(person.idNumber);
      expect(r.body).not.toContain(person.name);
      expect(r.body).not.toContain('13800000000');
      expect(Buffer.from(r.enc!).toString('latin1')).not.toContain(person.idNumber);
      // The list key is the deployment's HMAC of the number (central's key), as lists use it.
      expect(r.id_hash).toBe(new HmacIdHasher(centralOf().keys.idKey).hashIdNumber(person.idNumber));
      expect(rows.get(linkRowId(linkKey))!.screening_id).toBe(screening.id);
    }), 90_000);

  it('an erasure on the kiosk deletes central\'s copies, and a late upload of an erased record is refused', () =>
    withRig(async (rig) => {
      const person = SAMPLE_PEOPLE[2]!;
      const other = screeningRecord({ checkpointId: CHECKPOINT }, 0);
      const mine = screeningRecord({ checkpointId: CHECKPOINT, decision: 'HOLD', outcome: 'hold', fever: true }, 2);
      for (const s of [other, mine]) await rig.store.records.commit(s);
      const reg = await rig.store.registrations.record({ staffId: 'staff-1', documentType: 'resident', numberCheck: 'valid', documentNumber: person.idNumber, name: person.name, phone: null });
      rig.store.registrations.linkScreening(reg.id, mine.id);
      rig.uplink.start();
      await rig.drained();
      expect((await rowsOf(rig.kioskId)).size).toBe(4);

      const idHash = new HmacIdHasher(centralOf().keys.idKey).hashIdNumber(person.idNumber);
      const erased = rig.store.eraseSubject(person.idNumber, { actor: 'tech-1', reference: 'REQ-2026-001', toCentral: { queue: 'always', idHash } });
      expect(erased.erasureRequestId).not.toBeNull();
      await rig.drained();

      const left = await rowsOf(rig.kioskId);
      // Only the other person's screening and the erasure record itself (what was asked, and how many went) remain.
      expect([...left.values()].map((r) => r.kind).sort()).toEqual(['erasure', 'screening']);
      expect(left.get(other.id)?.kind).toBe('screening');
      const request = left.get(erased.erasureRequestId!)!;
      expect(JSON.parse(request.body)).toMatchObject({ reference: 'REQ-2026-001', deletedAtCentral: 3 });

      // The upload of `mine` that was under way when the kiosk erased it arrives late: refused, not stored again.
      const late = await centralOf().ingest.ingest({ kioskId: rig.kioskId, checkpointId: CHECKPOINT }, [
        { id: mine.id, kind: 'screening', schemaVersion: 1, record: JSON.parse(JSON.stringify({ ...mine, card: null })) as Record<string, unknown> },
      ]);
      expect(late).toEqual([{ id: mine.id, status: 'invalid', error: expect.stringMatching(/erased at the person's request/) }]);
      expect((await rowsOf(rig.kioskId)).has(mine.id)).toBe(false);
    }), 90_000);
});
