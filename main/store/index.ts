/** The kiosk's local store: public API. */
export { KioskStore, type KioskStoreOptions, type KioskStoreEvents } from './kiosk-store.js';
export type { RecordSink } from './screening-store.js';
export { StoreFullError, StoreWriteError, isStoreFull, isTransientWriteError, WrongKeyError, KeySourceError, DatabaseCorruptError, DecryptionError } from './store-errors.js';
export type { DegradedEvent, PendingEntry } from './pending-writes.js';
export { FileKeyProvider, StaticKeyProvider, type KeyProvider, type KeySourceKind } from './key-provider.js';
export { DataDirKeyProvider, resolveMasterKey, type Keystore, type ResolvedKey } from './key-source.js';
export { maskIdNumber, maskName, maskAddress } from './masking.js';
export { defaultDataDir, DATABASE_FILE } from './data-dir.js';
export { newRecordId } from './record-id.js';
export type { OutboxItem, OutboxKind, OutboxCounts, OutboxPayload } from './outbox.js';
export type { HourStats } from './statistics.js';
export type { StaffDisposition, NewDisposition } from './dispositions.js';
export type { CalibrationRecord, NewCalibration } from './calibrations.js';
export type { DeviceEvent, NewDeviceEvent } from './device-events.js';
export type { SettingsChange } from './settings.js';
export type { AuditEntry, AuditVerification } from './audit-log.js';
export type { DiskSpace, DiskSpaceThresholds, PurgeResult } from './retention.js';
export { ExportNotAuthorisedError, type ExportFormat, type ExportOptions } from './export.js';
