/**
 * The last successful upload to the central service, for the staff console's "today" view. The
 * uplink (main/uplink/) records it in the store (`CentralState.lastUploadAt`); a kiosk without a central
 * service answers null ("never"), as does `NO_UPLINK` where no store is given.
 */
export interface UploadStatus {
  /** ISO time of the last acknowledged upload, or null when nothing was ever uploaded. */
  lastUploadAt(): string | null;
}

export const NO_UPLINK: UploadStatus = { lastUploadAt: () => null };
