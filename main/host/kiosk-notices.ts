import { EventEmitter } from 'node:events';
import type { NoticeView } from '../contract/messages.js';
import { message } from '../engine/reason-messages.js';

/** One thing staff should know, for the status bar, `/healthz` and the log. Never personal data. */
export interface Notice {
  code: string;
  /** A key of the message tables (main/engine/reason-messages.ts). */
  messageKey: string;
  level: 'warning' | 'error';
  detail?: Record<string, string | number | boolean>;
}

/** Where notices come from; each source replaces its own notices as a whole. */
export type NoticeSource = 'service' | 'store-writes' | 'disk-space' | 'maintenance' | 'retention';

const ORDER: readonly NoticeSource[] = ['service', 'store-writes', 'disk-space', 'maintenance', 'retention'];

/**
 * The kiosk's current notices: why it is out of service, and store trouble (records waiting for the
 * disk, failing writes, low space, failed maintenance). `change` fires whenever the list changes.
 */
export class KioskNotices extends EventEmitter<{ change: [Notice[]] }> {
  private readonly bySource = new Map<NoticeSource, Notice[]>();

  set(source: NoticeSource, notices: Notice[]): void {
    const before = JSON.stringify(this.all);
    if (notices.length) this.bySource.set(source, notices);
    else this.bySource.delete(source);
    if (JSON.stringify(this.all) !== before) this.emit('change', this.all);
  }

  get all(): Notice[] {
    return ORDER.flatMap((s) => this.bySource.get(s) ?? []);
  }

  /** The notices as the contract carries them: code, level and text in both languages. */
  views(): NoticeView[] {
    return this.all.map((n) => ({ code: n.code, level: n.level, text: { zh: message('zh', n.messageKey), en: message('en', n.messageKey) } }));
  }
}
