import { createHash } from 'node:crypto';
import { z } from 'zod';
import { canonicalJson } from '../main/store/canonical-json.js';

/**
 * The HTTP API between kiosks and the central service: one zod schema per request and response.
 * Central validates with them on every route (and generates its OpenAPI document from them); the
 * kiosk's uplink (main/uplink/) builds its requests from the same types and validates every response
 * with them. Change a shape here and both sides change together. See docs/uplink-protocol.md.
 */

export const API_PREFIX = '/api/v1';

/** Upload limits: at most this many records, and this many bytes of JSON, per batch. */
export const MAX_BATCH_RECORDS = 100;
export const MAX_BATCH_BYTES = 256 * 1024;

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
/**
 * A record's key as the kiosk's outbox holds it: the record's UUID, or for a registration link
 * `<registration id>.<screening id>` (main/store/manual-registrations.ts), the pair being the link.
 */
const recordId = z.string().regex(new RegExp(`^${UUID}(\\.${UUID})?$`), 'a UUID (the record id made on the kiosk), or two joined by "." (a registration link)');
const isoTime = z.iso.datetime({ offset: true });
const identifier = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/);
export const WatchColourSchema = z.enum(['red', 'orange', 'yellow', 'blue']);
/** The outbox's kinds (main/store/outbox.ts `OutboxKind`): central files each (central/records.ts). */
export const RecordKindSchema = z.enum([
  'screening',
  'disposition',
  'calibration',
  'device-event',
  'settings-change',
  'manual-registration',
  'registration-link',
  'calibration-check',
  'site-model-fit',
  'erasure',
]);
export type RecordKind = z.infer<typeof RecordKindSchema>;

// ---------------------------------------------------------------------------------------------
// Records (kiosk → central)

/**
 * One outbox row as uploaded. `record` is checked per kind by central (records.ts), so one bad
 * record is answered `invalid` without failing the rest of its batch.
 */
export const UploadItemSchema = z.object({
  id: recordId,
  kind: RecordKindSchema,
  schemaVersion: z.number().int().min(1).max(1000),
  record: z.record(z.string(), z.unknown()),
});
export type UploadItem = z.infer<typeof UploadItemSchema>;

export const UploadBatchSchema = z.object({ records: z.array(UploadItemSchema).min(1).max(MAX_BATCH_RECORDS) });
export type UploadBatch = z.infer<typeof UploadBatchSchema>;

/**
 * One result per record: `stored` (new), `duplicate` (already held with the same content: acknowledged
 * again), `conflict` (already held with different content: refused, never overwritten), `invalid`
 * (central can never accept it: dead letter on the kiosk).
 */
export const RecordResultSchema = z.object({
  id: recordId,
  status: z.enum(['stored', 'duplicate', 'conflict', 'invalid']),
  error: z.string().max(500).optional(),
});
export type RecordResult = z.infer<typeof RecordResultSchema>;
export const UploadResponseSchema = z.object({ results: z.array(RecordResultSchema).max(MAX_BATCH_RECORDS) });
export type UploadResponse = z.infer<typeof UploadResponseSchema>;

/** The content central compares for idempotency: SHA-256 of the canonical JSON of what was sent. */
export function uploadContentHash(item: Pick<UploadItem, 'kind' | 'schemaVersion' | 'record'>): string {
  return createHash('sha256').update(canonicalJson({ kind: item.kind, schemaVersion: item.schemaVersion, record: item.record }), 'utf8').digest('hex');
}

// ---------------------------------------------------------------------------------------------
// Enrollment (first contact) and heartbeat

/** What a kiosk learns at first contact: who it is, the key that signs lists, the ID key for list matching. */
export const EnrollmentResponseSchema = z.object({
  kioskId: identifier,
  checkpointId: identifier,
  /** Central's Ed25519 public key (SPKI DER, base64): pinned by the kiosk at first contact. */
  listSigningKey: z.string().min(40).max(200),
  /** The deployment's ID key (base64, 32 bytes): HMAC of ID numbers for the lists. */
  idKey: z.string().min(40).max(64),
});
export type EnrollmentResponse = z.infer<typeof EnrollmentResponseSchema>;

const hex64 = z.string().regex(/^[0-9a-f]{64}$/);
/** A kiosk's audit head (main/store/audit-anchor.ts `AuditHead`): store id, last sequence number, its keyed MAC. */
export const AuditHeadSchema = z.object({ storeId: z.string().min(1).max(64), seq: z.number().int().nonnegative(), mac: hex64 });

export const HeartbeatSchema = z.object({
  sentAt: isoTime,
  softwareVersion: z.string().min(1).max(40),
  status: z.enum(['starting', 'ready', 'degraded']),
  devices: z.array(z.object({ deviceId: z.string().min(1).max(80), kind: z.string().min(1).max(20), state: z.string().min(1).max(20) })).max(8),
  /** When the thermometer's calibration runs out (ISO), or null when it has none. */
  calibrationDueAt: isoTime.nullable(),
  backlog: z.object({
    pending: z.number().int().nonnegative(),
    dead: z.number().int().nonnegative(),
    /** When the oldest record still waiting to be uploaded was stored (ISO), or null. */
    oldestUnsentAt: isoTime.nullable(),
  }),
  lists: z.object({ version: z.number().int().nonnegative(), refreshedAt: isoTime.nullable() }),
  /**
   * The signed head of the kiosk's audit chain (`store.signedHead()`, docs/store-integrity.md):
   * central keeps it as the kiosk's anchor and checks each new head against it.
   */
  auditHead: AuditHeadSchema.nullable(),
  /**
   * The keyed MAC of the kiosk's own audit entry at the sequence number of the anchor central last
   * answered with (null when the kiosk does not know it yet): what lets central check that a longer
   * chain still contains the anchored entry (no fork).
   */
  auditLink: z.object({ seq: z.number().int().nonnegative(), mac: hex64 }).nullable(),
});
export type Heartbeat = z.infer<typeof HeartbeatSchema>;

/**
 * Central's verdict on a heartbeat's audit head against the anchor it held: `first` (nothing
 * anchored yet), `ok` (the anchored entry is still in the chain), `unverified` (a longer chain,
 * but no link for the anchored entry yet: the anchor is kept until one comes), `rewound`,
 * `diverged`, `replaced` (flagged on the dashboard and in central's audit), `none` (no head sent).
 */
export const AuditCheckSchema = z.enum(['first', 'ok', 'unverified', 'rewound', 'diverged', 'replaced', 'none']);
export type AuditCheck = z.infer<typeof AuditCheckSchema>;

export const HeartbeatResponseSchema = z.object({
  serverTime: isoTime,
  listVersion: z.number().int().nonnegative(),
  /** The anchor central holds after this heartbeat (the kiosk sends its link for it next time). */
  auditAnchor: AuditHeadSchema.nullable(),
  auditCheck: AuditCheckSchema,
});
export type HeartbeatResponse = z.infer<typeof HeartbeatResponseSchema>;

// ---------------------------------------------------------------------------------------------
// Lists (central → kiosk): signed, versioned deltas

export const ListEntryChangeSchema = z.object({
  /** HMAC-SHA256 of the normalised ID number, keyed with the deployment's ID key (lower-case hex). */
  hmac: z.string().regex(/^[0-9a-f]{64}$/),
  listId: z.string().min(1).max(64),
  colour: WatchColourSchema,
  updatedAt: isoTime,
  expiresAt: isoTime.nullable(),
});
export type ListEntryChange = z.infer<typeof ListEntryChangeSchema>;

export const KeyRegionSchema = z.object({ prefix: z.string().regex(/^\d{2,6}$/), colour: WatchColourSchema });

/**
 * Central's policy for its kiosks: the fields central may set, each with the kiosk configuration's
 * own schema (main/config/central-policy.ts); the kiosk keeps the rest of its configuration. Central
 * sets only policies that pass `CentralPolicySchema`.
 */
export { CentralPolicySchema, type CentralPolicy } from '../main/config/central-policy.js';

/**
 * The policy as it travels inside a signed list version: any JSON object with a version. Kept loose
 * on the wire on purpose: the signature covers the body as central wrote it (nothing may be dropped
 * before it is verified), and the kiosk judges the policy whole when it applies it
 * (`withCentralPolicy`), refusing one with a field it does not know rather than the whole list update.
 */
export const CentralPolicyWireSchema = z.looseObject({ version: z.string().min(1).max(64) });

/**
 * One list version. `prevHash` chains it to the version before (GENESIS for version 1), so a kiosk
 * applies versions only in order and refuses one that does not continue what it holds.
 */
export const ListDeltaBodySchema = z.object({
  version: z.number().int().min(1),
  prevHash: z.string().regex(/^[0-9a-f]{64}$/),
  issuedAt: isoTime,
  upsert: z.array(ListEntryChangeSchema),
  remove: z.array(z.object({ hmac: z.string().regex(/^[0-9a-f]{64}$/), listId: z.string().min(1).max(64) })),
  /** The full set of key regions when it changed in this version, else null. */
  keyRegions: z.array(KeyRegionSchema).nullable(),
  policy: CentralPolicyWireSchema.nullable(),
});
export type ListDeltaBody = z.infer<typeof ListDeltaBodySchema>;

/** A statement "version V with hash H is the latest, as of issuedAt", signed for one kiosk. */
export const ListHeadBodySchema = z.object({
  kioskId: identifier,
  version: z.number().int().nonnegative(),
  hash: z.string().regex(/^[0-9a-f]{64}$/),
  issuedAt: isoTime,
});
export type ListHeadBody = z.infer<typeof ListHeadBodySchema>;

const signature = z.string().regex(/^[A-Za-z0-9+/]{86}==$/, 'an Ed25519 signature (64 bytes, base64)');
export const SignedListDeltaSchema = z.object({ body: ListDeltaBodySchema, signature });
export type SignedListDelta = z.infer<typeof SignedListDeltaSchema>;
export const SignedListHeadSchema = z.object({ body: ListHeadBodySchema, signature });
export type SignedListHead = z.infer<typeof SignedListHeadSchema>;

export const ListsQuerySchema = z.object({ after: z.coerce.number().int().nonnegative().default(0) });
export const ListsResponseSchema = z.object({
  deltas: z.array(SignedListDeltaSchema),
  head: SignedListHeadSchema,
  /** True when more versions follow `deltas` (ask again with the last version applied). */
  more: z.boolean(),
});
export type ListsResponse = z.infer<typeof ListsResponseSchema>;

export const LIST_GENESIS_HASH = '0'.repeat(64);

/** The bytes that are signed and hashed: a domain tag, then the canonical JSON of the body. */
export function signedBytes(kind: 'list-delta' | 'list-head', body: ListDeltaBody | ListHeadBody): Buffer {
  return Buffer.from(`checkpoint-kiosk/${kind}/v1\n${canonicalJson(body)}`, 'utf8');
}

/** The hash that chains list versions: SHA-256 of the signed bytes of a delta body (hex). */
export function listDeltaHash(body: ListDeltaBody): string {
  return createHash('sha256').update(signedBytes('list-delta', body)).digest('hex');
}

export const ErrorResponseSchema = z.object({ error: z.string().max(500) });
