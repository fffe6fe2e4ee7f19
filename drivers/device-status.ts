/** The state of one serial device as the rest of the kiosk sees it. */
export type DeviceKind = 'idcard' | 'thermometer';

export interface DeviceStatus {
  deviceId: string;
  kind: DeviceKind;
  state: 'connecting' | 'online' | 'offline';
  /** Why it is offline (port missing, watchdog, SAM self-test failed ...). */
  reason?: string;
  /** Monotonic milliseconds of the change. */
  atMs: number;
}
