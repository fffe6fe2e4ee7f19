import { deliveryModeOf, type DeliveryMode } from '../config/delivery-mode.js';
import type { KioskConfig } from '../config/kiosk-config.js';
import type { Holdings } from '../store/holdings.js';
import type { KioskStore } from '../store/kiosk-store.js';
import type { OutboxCounts } from '../store/outbox.js';
import type { RetentionRun, UndeliveredPastRetention } from '../store/retention.js';
import { COLLECTION_SETTING, type CollectionInForce } from './collection-settings.js';
import { collectedFields, type CollectedFields } from './notice.js';

/**
 * The kiosk's live processing summary (PIPL arts. 55–56; `kiosk privacy report`): what it collects,
 * the retention in force, what it holds now (counts and dates only), and when records were last
 * purged. Nothing in it is personal data, so it can be printed, filed with the impact assessment
 * (docs/privacy-impact-assessment.md) or sent to central.
 */
export interface ProcessingReport {
  generatedAt: string;
  checkpoint: { id: string; name: string; kioskId: string };
  purpose: string;
  deliveryMode: DeliveryMode;
  retention: { days: number; counted: string };
  collected: CollectedFields;
  held: Holdings & { outbox: OutboxCounts };
  undeliveredPastRetention: UndeliveredPastRetention;
  lastRetentionRun: RetentionRun | null;
  lastPurge: RetentionRun | null;
  /** The collection settings last recorded in the store (null: the minimum was always in force). */
  collectionRecorded: CollectionInForce | null;
}

export const PURPOSE = 'epidemic control only (temperature screening and the follow-up it needs)';

export function processingReport(store: KioskStore, config: KioskConfig, now: Date = new Date()): ProcessingReport {
  const mode = deliveryModeOf(config);
  const { lastRetentionRun, lastPurge, ...held } = store.holdings();
  return {
    generatedAt: now.toISOString(),
    checkpoint: { id: config.checkpoint.id, name: config.checkpoint.name, kioskId: config.checkpoint.kioskId },
    purpose: PURPOSE,
    deliveryMode: mode,
    retention: { days: store.retention.days, counted: mode === 'central' ? 'from the acknowledgement by central' : 'from the screening' },
    collected: collectedFields(config),
    held: { ...held, outbox: store.outbox.counts() },
    undeliveredPastRetention: store.undeliveredPastRetention(now),
    lastRetentionRun,
    lastPurge,
    collectionRecorded: store.settings.get<CollectionInForce>(COLLECTION_SETTING) ?? null,
  };
}

/** The report as text for a terminal, one fact per line. */
export function formatReport(r: ProcessingReport): string {
  const run = (x: RetentionRun | null) =>
    x ? `${x.at} (${x.mode}, ${x.days} days, cutoff ${x.cutoff}: ${x.screenings} screening(s), ${x.dispositions} disposition(s), ${x.registrations ?? 0} registration(s) deleted)` : 'never';
  const u = r.undeliveredPastRetention;
  return [
    `Processing summary of ${r.checkpoint.name} (${r.checkpoint.id}, kiosk ${r.checkpoint.kioskId}) at ${r.generatedAt}`,
    `purpose:            ${r.purpose}`,
    `delivery:           ${r.deliveryMode === 'central' ? 'to a central service' : 'standalone (no central service)'}`,
    `retention:          ${r.retention.days} days, counted ${r.retention.counted}`,
    `collected (card):   ${r.collected.card.join(', ')}`,
    `collected (other):  ${r.collected.screening.join(', ')}`,
    `photo kept:         ${r.collected.photoKept ? 'yes (encrypted, uploaded)' : 'no (shown to staff only while a hold is open, from memory)'}`,
    `held now:           ${r.held.screenings} screening(s) (${r.held.withCard} with a card, ${r.held.withPhoto} with a photo), ${r.held.dispositions} disposition(s), ${r.held.registrations} registration(s) by staff`,
    `oldest record:      ${r.held.oldestFinishedAt ?? 'none'}`,
    `upload queue:       ${r.held.outbox.pending} pending, ${r.held.outbox.dead} refused, ${r.held.outbox.sent} acknowledged`,
    `undelivered past retention: ${u.screenings === 0 ? 'none' : `${u.screenings} screening(s), oldest ${u.oldestFinishedAt} (kept until central acknowledges them)`}`,
    `last retention run: ${run(r.lastRetentionRun)}`,
    `last purge:         ${run(r.lastPurge)}`,
    `audit log:          ${r.held.audit.entries} entries since ${r.held.audit.oldestAt ?? '-'} (never purged; kept at least 3 years)`,
  ].join('\n');
}
