import type { HoldView } from '../contract/console-messages.js';
import type { ScreeningRecord } from '../engine/screening-record.js';
import { reasonView } from '../host/screen-model.js';
import type { OpenHold } from '../store/open-holds.js';
import { maskIdNumber, maskName } from '../store/masking.js';

/**
 * Range of a manual re-check: what clinical thermometers measure (ISO 80601-2-56 asks at least
 * 35.5–42.0 °C); outside it the value is a typing mistake or a wrong instrument, refused with a reason.
 */
export const RECHECK_RANGE_C = { min: 34.0, max: 43.0 } as const;

export function recheckProblem(temperatureC: number): { zh: string; en: string } | null {
  if (!Number.isFinite(temperatureC)) return { zh: '请输入复测体温', en: 'Enter the re-check temperature' };
  if (temperatureC < RECHECK_RANGE_C.min || temperatureC > RECHECK_RANGE_C.max) {
    return {
      zh: `复测体温应在 ${RECHECK_RANGE_C.min.toFixed(1)}–${RECHECK_RANGE_C.max.toFixed(1)} °C 之间，请核对`,
      en: `A re-check reads ${RECHECK_RANGE_C.min.toFixed(1)}–${RECHECK_RANGE_C.max.toFixed(1)} °C; check the value and the thermometer`,
    };
  }
  return null;
}

/** An open hold from the store, as the staff console shows it (identity already masked by the store). */
export function holdView(h: OpenHold): HoldView {
  return {
    screeningId: h.screeningId,
    finishedAt: h.finishedAt,
    reasons: h.reasons.slice(0, 10).map(reasonView),
    colour: h.colour,
    fever: h.fever,
    estimateC: h.estimateC,
    identity: h.identity,
  };
}

/** A HOLD just decided by the engine, masked here (the record's card never reaches a console). */
export function holdViewOfRecord(r: ScreeningRecord, registered: { name: string; number: string; document: string } | null): HoldView {
  const card = r.card;
  const name = card ? (card.name.trim() !== '' ? card.name : 'englishName' in card ? card.englishName : '') : '';
  return holdView({
    screeningId: r.id,
    finishedAt: r.finishedAt,
    finishedMs: Date.parse(r.finishedAt),
    reasons: r.reasons,
    colour: r.colour,
    fever: r.fever,
    estimateC: r.temperatures.at(-1)?.estimateC ?? null,
    identity: card
      ? { idNumber: maskIdNumber(card.idNumber), name: maskName(name), document: card.type, source: 'card' }
      : registered
        ? { idNumber: maskIdNumber(registered.number), name: maskName(registered.name), document: registered.document, source: 'registration' }
        : null,
  });
}
