import { deliveryModeOf } from '../config/delivery-mode.js';
import type { KioskConfig } from '../config/kiosk-config.js';
import type { PrivacyNotice } from '../contract/messages.js';
import type { IdHasher } from '../engine/id-hasher.js';
import { message } from '../engine/reason-messages.js';
import type { ScreeningRecord } from '../engine/screening-record.js';
import { cardToJson } from '../store/id-card-codec.js';
import type { KioskStore } from '../store/kiosk-store.js';
import { maskIdNumber, maskName } from '../store/masking.js';
import type { UndeliveredPastRetention } from '../store/retention.js';
import type { ManualRegistration } from '../store/manual-registrations.js';
import type { SubjectErasure, SubjectRegistration, SubjectScreening } from '../store/subject-data.js';
import { HoldPhotos } from './hold-photos.js';
import { privacyNoticeOf } from './notice.js';
import { processingReport, PURPOSE, type ProcessingReport } from './processing-report.js';

/**
 * The privacy API of a kiosk: what the CLI (`kiosk privacy`) and the staff and technician consoles
 * (main/console/privacy-pages.ts) call (docs/privacy.md §6). Every call that reads or
 * deletes a person's data names who does it (`actor`: a staff or technician id, or `cli`) and is
 * written to the audit log; export and deletion also name the documented request (`reference`).
 * The caller has authenticated the actor (technician PIN on the CLI, a signed-in technician on the
 * console). The ID number is a parameter, never logged, never audited, never stored: the store is
 * searched by its keyed blind index.
 */
export interface SubjectRequest {
  /** Who carries it out: a staff or technician id, or `cli`. */
  actor: string;
  /** The documented request (a ticket or letter number): required for export and deletion. */
  reference?: string;
}

/** One screening as the technician's lookup shows it: masked, no contents beyond the decision. */
export interface SubjectLookupRow {
  id: string;
  finishedAt: string;
  checkpointId: string;
  decision: 'PASS' | 'HOLD' | null;
  outcome: string;
  fever: boolean;
  dispositions: number;
  photoKept: boolean;
  delivery: SubjectScreening['delivery'];
  /** `ok`, or `altered` / `unsealed` / `unreadable` (the record cannot be vouched for). */
  integrity: string;
}

/** A manual registration as the lookup shows it (staff registered the person without a readable card). */
export interface SubjectLookupRegistration {
  id: string;
  at: string | null;
  documentType: string | null;
  /** The screening that measured the person, if it started. */
  screeningId: string | null;
  delivery: SubjectRegistration['delivery'];
  integrity: 'ok' | 'unreadable';
}

export interface SubjectLookup {
  /** Masked, from the most recent readable card or registration (null when nothing is held). */
  identity: { idNumber: string; name: string } | null;
  screenings: SubjectLookupRow[];
  registrations: SubjectLookupRegistration[];
}

/** What a person receives: everything held about them, in full (JSON). */
export interface SubjectExport {
  format: 'checkpoint-kiosk/subject-export/v1';
  exportedAt: string;
  reference: string;
  controller: { checkpointId: string; checkpointName: string; kioskId: string; operator: string; contact: string };
  purpose: string;
  retention: { days: number; counted: string };
  records: Array<{
    screening: (Omit<ScreeningRecord, 'card'> & { card: Record<string, unknown> | null }) | null;
    id: string;
    finishedAt: string;
    reasons: Array<{ code: string; zh: string; en: string }>;
    dispositions: Array<{ action: string; at: string; note: string | null }>;
    delivery: SubjectScreening['delivery'];
    integrity: string;
  }>;
  /** Registrations by staff (document, number, name, phone), in full. */
  registrations: Array<{ id: string; registration: Omit<ManualRegistration, 'staffId'> | null; delivery: SubjectRegistration['delivery']; integrity: 'ok' | 'unreadable' }>;
}

export class PrivacyRequestError extends Error {
  override name = 'PrivacyRequestError';
}

/** Longest ID number accepted (the longest card number is 18; permits and foreigners' stay below 40). */
const MAX_ID_NUMBER = 40;

/** A reference like `REQ-2026-0042` or `公函/2026/17`: no long digit runs (an ID or phone number is not a reference). */
export function checkReference(reference: string | undefined): string {
  const r = reference?.trim() ?? '';
  if (r === '') throw new PrivacyRequestError('name the documented request (its reference, e.g. REQ-2026-0042): export and deletion are only done on a documented request');
  if (r.length > 64 || /[\p{Cc}\s]/u.test(r)) throw new PrivacyRequestError('a request reference is 1–64 characters without spaces or control characters (e.g. REQ-2026-0042)');
  if (/\d{11,}/.test(r)) throw new PrivacyRequestError('the request reference holds a long run of digits, like an ID or phone number: use the request\'s own number, never the person\'s data');
  return r;
}

/** The ID number as typed: trimmed, letters and digits only; never echoed in the error. */
export function checkIdNumber(idNumber: string): string {
  const n = idNumber.trim().toUpperCase();
  if (n === '') throw new PrivacyRequestError('no ID number was given');
  if (n.length > MAX_ID_NUMBER || !/^[0-9A-Z]+$/.test(n)) throw new PrivacyRequestError(`the ID number must be letters and digits only, at most ${MAX_ID_NUMBER} (as printed on the card)`);
  return n;
}

/** Staff ids are the staff's data, not the person's. */
function withoutStaff(r: ManualRegistration): Omit<ManualRegistration, 'staffId'> {
  const { staffId: _staffId, ...rest } = r;
  return rest;
}

/** The masked identity of the most recent readable card or registration. */
function maskedIdentityOf(screenings: SubjectScreening[], registrations: SubjectRegistration[]): SubjectLookup['identity'] {
  const card = [...screenings].reverse().find((s) => s.stored.record?.card)?.stored.record?.card;
  if (card) return { idNumber: maskIdNumber(card.idNumber), name: maskName(card.name.trim() !== '' ? card.name : 'englishName' in card ? card.englishName : '') };
  const reg = [...registrations].reverse().find((r) => r.registration)?.registration;
  return reg ? { idNumber: maskIdNumber(reg.documentNumber), name: maskName(reg.name) } : null;
}

const integrityOf = (s: SubjectScreening) => (s.stored.seal !== 'ok' ? s.stored.seal : s.stored.unreadable.length > 0 ? 'unreadable' : 'ok');

export interface PrivacyServiceDeps {
  config: KioskConfig;
  /** The store, or null while it is not open (the kiosk is out of service then). */
  store: () => KioskStore | null;
  /** The deployment's ID hasher (for erasure requests to central), or null when its key is not open. */
  hasher: () => IdHasher | null;
  holdPhotos?: HoldPhotos;
  now?: () => Date;
}

export class PrivacyService {
  readonly holdPhotos: HoldPhotos;
  private readonly now: () => Date;
  private readonly noticeText: PrivacyNotice;

  constructor(private readonly deps: PrivacyServiceDeps) {
    this.holdPhotos = deps.holdPhotos ?? new HoldPhotos();
    this.now = deps.now ?? (() => new Date());
    this.noticeText = privacyNoticeOf(deps.config);
  }

  /** The notice for the idle screen and the staff console. */
  notice(): PrivacyNotice {
    return this.noticeText;
  }

  /** The live processing summary (kiosk privacy report). */
  report(): ProcessingReport {
    return processingReport(this.openStore(), this.deps.config, this.now());
  }

  /** Records kept past the window because central has not acknowledged them (for the technician). */
  undelivered(): UndeliveredPastRetention {
    return this.openStore().undeliveredPastRetention(this.now());
  }

  /**
   * What is held about this ID number, masked (audited: who looked, how many records were found, and
   * the request's reference when one is given — the technician console always gives one).
   */
  lookup(idNumber: string, request: SubjectRequest): SubjectLookup {
    const reference = request.reference === undefined ? null : checkReference(request.reference);
    const store = this.openStore();
    const held = store.subjects.read(checkIdNumber(idNumber));
    store.audit.append(actorOf(request), 'privacy.subject.lookup', { ...(reference !== null && { reference }), screenings: held.screenings.length, registrations: held.registrations.length });
    return {
      identity: maskedIdentityOf(held.screenings, held.registrations),
      screenings: held.screenings.map((s) => ({
        id: s.stored.id,
        finishedAt: s.stored.finishedAt,
        checkpointId: s.stored.record?.checkpointId ?? '',
        decision: s.stored.record?.decision ?? null,
        outcome: s.stored.record?.outcome ?? '',
        fever: s.stored.record?.fever ?? false,
        dispositions: s.dispositions.length,
        photoKept: (s.stored.record?.card?.photoWlt.length ?? 0) > 0,
        delivery: s.delivery,
        integrity: integrityOf(s),
      })),
      registrations: held.registrations.map((r) => ({
        id: r.id,
        at: r.registration?.at ?? null,
        documentType: r.registration?.documentType ?? null,
        screeningId: r.registration?.screeningId ?? null,
        delivery: r.delivery,
        integrity: r.unreadable ? 'unreadable' : 'ok',
      })),
    };
  }

  /** Everything held about this ID number, in full, for the person (audited with the request's reference). */
  exportFor(idNumber: string, request: SubjectRequest): SubjectExport {
    const reference = checkReference(request.reference);
    const store = this.openStore();
    const held = store.subjects.read(checkIdNumber(idNumber));
    const { config } = this.deps;
    const notice = config.privacy.notice;
    const doc: SubjectExport = {
      format: 'checkpoint-kiosk/subject-export/v1',
      exportedAt: this.now().toISOString(),
      reference,
      controller: { checkpointId: config.checkpoint.id, checkpointName: config.checkpoint.name, kioskId: config.checkpoint.kioskId, operator: notice.operator.zh, contact: notice.contact.zh },
      purpose: PURPOSE,
      retention: { days: store.retention.days, counted: deliveryModeOf(config) === 'central' ? 'from the acknowledgement by central' : 'from the screening' },
      records: held.screenings.map((s) => {
        const r = s.stored.record;
        return {
          id: s.stored.id,
          finishedAt: s.stored.finishedAt,
          screening: r ? { ...r, card: r.card ? cardToJson(r.card) : null } : null,
          reasons: (r?.reasons ?? []).map((x) => ({ code: x.code, zh: message('zh', x.messageKey), en: message('en', x.messageKey) })),
          // Staff ids are the staff's data, not the person's: left out.
          dispositions: s.dispositions.map((d) => ({ action: d.action, at: d.at, note: d.note })),
          delivery: s.delivery,
          integrity: integrityOf(s),
        };
      }),
      registrations: held.registrations.map((r) => ({
        id: r.id,
        registration: r.registration ? withoutStaff(r.registration) : null,
        delivery: r.delivery,
        integrity: r.unreadable ? 'unreadable' : 'ok',
      })),
    };
    store.audit.append(actorOf(request), 'privacy.subject.export', { reference, screenings: held.screenings.length, registrations: held.registrations.length });
    return doc;
  }

  /**
   * Deletes everything held about this ID number on a documented request (audited). A kiosk with a
   * central service queues an erasure request for central (outbox kind `erasure`); a standalone one
   * only when central had acknowledged one of the records (it once had a central service).
   */
  erase(idNumber: string, request: SubjectRequest): SubjectErasure {
    const reference = checkReference(request.reference);
    const store = this.openStore();
    const number = checkIdNumber(idNumber);
    const ids = store.subjects.find(number);
    const hasher = this.deps.hasher();
    const idHash = hasher ? hasher.hashIdNumber(number) : null;
    const result = store.eraseSubject(number, {
      actor: actorOf(request),
      reference,
      toCentral: deliveryModeOf(this.deps.config) === 'central' ? { queue: 'always', idHash } : { queue: 'if-delivered', idHash },
    });
    this.holdPhotos.forget(ids.screenings);
    return result;
  }

  /**
   * The card photo of an open hold, for staff (memory only; audited as shown). Null when the hold
   * is resolved, expired, or the card had no photo; with `storePhoto` on, from the store instead.
   */
  holdPhoto(screeningId: string, request: SubjectRequest): Uint8Array | null {
    let photo = this.holdPhotos.photo(screeningId);
    if (photo === null && this.deps.config.privacy.storePhoto) {
      const card = this.deps.store()?.records.get(screeningId)?.card;
      photo = card && card.photoWlt.length > 0 ? card.photoWlt : null;
    }
    if (photo !== null) this.deps.store()?.audit.append(actorOf(request), 'privacy.photo.shown', { screeningId });
    return photo;
  }

  /** The hold was resolved: its photo leaves memory. */
  releaseHold(screeningId: string): void {
    this.holdPhotos.release(screeningId);
  }

  private openStore(): KioskStore {
    const store = this.deps.store();
    if (!store) throw new PrivacyRequestError('the record store is not open (the kiosk is out of service); try again once it is');
    return store;
  }
}

function actorOf(request: SubjectRequest): string {
  const a = request.actor.trim();
  if (a === '' || a.length > 64 || /[\p{Cc}]/u.test(a)) throw new PrivacyRequestError('name who carries out the request (a staff or technician id, 1–64 characters)');
  return a;
}
