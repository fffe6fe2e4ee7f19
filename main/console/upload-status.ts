/**
 * The last successful upload to the central service, for the staff console's "today" view. The
 * uplink (main/uplink/) provides it; until one is wired, `NO_UPLINK` answers null ("never").
 */
export interface UploadStatus {
  /** ISO time of the last acknowledged upload, or null when nothing was ever uploaded. */
  lastUploadAt(): string | null;
}

export const NO_UPLINK: UploadStatus = { lastUploadAt: () => null };
