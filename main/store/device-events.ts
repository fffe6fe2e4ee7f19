import type { SqliteDatabase } from './database.js';
import { PRIORITY_NORMAL, type Outbox } from './outbox.js';
import type { PendingWrites } from './pending-writes.js';
import { assertRecordId, newRecordId } from './record-id.js';

/** Device lifecycle: online, offline, fault, recovered, ... Detail must hold no personal data. */
export interface DeviceEvent {
  id: string;
  deviceId: string;
  at: string;
  kind: string;
  detail: Record<string, string | number | boolean | null>;
}

export type NewDeviceEvent = Omit<DeviceEvent, 'id' | 'at' | 'detail'> & Partial<Pick<DeviceEvent, 'id' | 'at' | 'detail'>>;

export class DeviceEvents {
  constructor(
    private readonly db: SqliteDatabase,
    private readonly outbox: Outbox,
    private readonly pending: PendingWrites,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async record(input: NewDeviceEvent): Promise<DeviceEvent> {
    const e: DeviceEvent = { id: input.id ?? newRecordId(), deviceId: input.deviceId, at: input.at ?? this.now().toISOString(), kind: input.kind, detail: input.detail ?? {} };
    assertRecordId(e.id, 'device event');
    const write = this.db.transaction(() => {
      const changes = this.db
        .prepare('INSERT INTO device_events (id, device_id, at, kind, detail) VALUES (?, ?, ?, ?, ?) ON CONFLICT(id) DO NOTHING')
        .run(e.id, e.deviceId, e.at, e.kind, JSON.stringify(e.detail)).changes;
      if (changes === 1) this.outbox.enqueue('device-event', e.id, e, PRIORITY_NORMAL);
    });
    this.pending.run(e.id, () => write.immediate(), { kind: 'device-event' });
    return e;
  }

  /** Most recent events, newest first. */
  recent(limit = 100, deviceId?: string): DeviceEvent[] {
    const rows = (
      deviceId === undefined
        ? this.db.prepare('SELECT * FROM device_events ORDER BY at DESC, id DESC LIMIT ?').all(limit)
        : this.db.prepare('SELECT * FROM device_events WHERE device_id = ? ORDER BY at DESC, id DESC LIMIT ?').all(deviceId, limit)
    ) as Array<{ id: string; device_id: string; at: string; kind: string; detail: string }>;
    return rows.map((r) => ({ id: r.id, deviceId: r.device_id, at: r.at, kind: r.kind, detail: JSON.parse(r.detail) as DeviceEvent['detail'] }));
  }
}
