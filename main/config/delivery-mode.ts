/**
 * Whether a kiosk delivers its records to a central service or keeps them on its own:
 * - `central`: the configuration has a `central` section (the uplink, main/uplink/). Records are
 *   kept N days after central acknowledged them; records central has not acknowledged N days after
 *   the screening are kept (nothing is lost) and flagged.
 * - `standalone`: no central service. Records are kept N days after the screening.
 *
 * The one place that decides it (retention, the privacy report, erasure requests follow it). It
 * reads `central` without depending on that section's type, so it holds before and after the
 * uplink's configuration exists.
 */
export type DeliveryMode = 'central' | 'standalone';

export function deliveryModeOf(config: object): DeliveryMode {
  return (config as { central?: unknown }).central !== undefined ? 'central' : 'standalone';
}
