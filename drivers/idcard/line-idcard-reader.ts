import { EventEmitter } from 'node:events';
import { ReadlineParser } from '@serialport/parser-readline';
import type { DeviceStatus } from '../device-status.js';
import { monotonicNow, type MonotonicClock } from '../monotonic-clock.js';
import type { Link, LinkState } from '../transport/link.js';
import type { IdCard, IdentityRead } from './id-card.js';
import { cardTypeOfNumber, isValidIdNumber, normaliseIdNumber } from './id-number.js';
import type { IdCardDriverEvents } from './idcard-driver.js';

export interface LineIdCardReaderOptions {
  link: Link;
  deviceId: string;
  clock?: MonotonicClock;
  /** The same number again within this many ms is a repeat of one swipe, not a new read. Default 2000. */
  repeatWithinMs?: number;
  /** Longest line accepted before the buffer is dropped (a device that never sends a newline). Default 256. */
  maxLineBytes?: number;
}

const LINE_NUMBER = /^\d{17}[\dXx]$/;

/**
 * For readers that print the ID number as an ASCII line (no SAM protocol;
 * docs/protocols/ascii-line.md §5): `ReadlineParser`, `^\d{17}[\dXx]$`, MOD 11-2. Emits `identity` with
 * `source: 'line'` and a card carrying only the number (every other text field empty, no photo).
 * The card type is inferred from the number: 81/82/83 0000 → HK/Macau/Taiwan permit, leading 9 →
 * 2023 foreign card, otherwise resident. A rejected line is a `problem` that never quotes the line.
 */
export class LineIdCardReader extends EventEmitter<IdCardDriverEvents> {
  readonly deviceId: string;
  private readonly link: Link;
  private readonly clock: MonotonicClock;
  private readonly repeatWithinMs: number;
  private readonly maxLineBytes: number;
  private readonly parser = new ReadlineParser({ delimiter: '\n', encoding: 'latin1' });
  private running = false;
  private status: DeviceStatus | undefined;
  private last: { number: string; atMs: number } | undefined;

  private readonly onData = (chunk: Buffer) => {
    this.parser.write(chunk);
    if (this.parser.buffer.length > this.maxLineBytes) {
      this.parser.buffer = Buffer.alloc(0);
      this.emit('problem', { code: 'bad-reply', message: `no line end within ${this.maxLineBytes} bytes: input dropped` });
    }
  };
  private readonly onState = (s: LinkState) => this.follow(s);

  constructor(options: LineIdCardReaderOptions) {
    super();
    this.link = options.link;
    this.deviceId = options.deviceId;
    this.clock = options.clock ?? monotonicNow;
    this.repeatWithinMs = options.repeatWithinMs ?? 2000;
    this.maxLineBytes = options.maxLineBytes ?? 256;
    this.parser.on('data', (line: string | Buffer) => this.onLine(String(line)));
  }

  get online(): boolean {
    return this.status?.state === 'online';
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.link.on('data', this.onData);
    this.link.on('state', this.onState);
    this.setStatus('connecting');
    await this.link.open();
    this.follow(this.link.current);
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.link.off('data', this.onData);
    this.link.off('state', this.onState);
  }

  private onLine(raw: string): void {
    const line = raw.replace(/\r$/, '').trim();
    if (line === '') return;
    if (!LINE_NUMBER.test(line) || !isValidIdNumber(cardTypeOfNumber(line), line)) {
      this.emit('problem', {
        code: 'bad-reply',
        message: `line of ${line.length} characters is not a valid 18-character ID number (format or MOD 11-2 check)`,
      });
      return;
    }
    this.link.noteAlive();
    const number = normaliseIdNumber(line);
    const now = this.clock();
    if (this.last && this.last.number === number && now - this.last.atMs < this.repeatWithinMs) {
      this.last.atMs = now;
      return;
    }
    this.last = { number, atMs: now };
    this.emit('identity', { deviceId: this.deviceId, card: numberOnlyCard(number), monotonicMs: now, source: 'line' } satisfies IdentityRead);
  }

  private follow(s: LinkState): void {
    if (!this.running) return;
    if (s.state === 'online') this.setStatus('online');
    else if (s.state === 'offline') this.setStatus('offline', s.reason);
    else this.setStatus('connecting');
  }

  private setStatus(state: DeviceStatus['state'], reason?: string): void {
    if (this.status && this.status.state === state && this.status.reason === reason) return;
    this.status = { deviceId: this.deviceId, kind: 'idcard', state, ...(reason ? { reason } : {}), atMs: this.clock() };
    this.emit('status', this.status);
  }
}

/** A card holding only a (valid) 18-character number; its type comes from the number (id-number.ts). */
export function numberOnlyCard(idNumber: string): IdCard {
  const type = cardTypeOfNumber(idNumber);
  const common = {
    name: '',
    sex: 'unknown' as const,
    sexCode: '',
    idNumber,
    idNumberValid: isValidIdNumber(type, idNumber),
    birthDate: '',
    validFrom: '',
    validUntil: '',
    photoWlt: new Uint8Array(0),
    hasUnusualCharacters: false,
  };
  if (type === 'hmt-permit') {
    return { ...common, type: 'hmt-permit', address: '', issuer: '', passNumber: '', issueCount: '' };
  }
  if (type === 'foreign-2023') {
    return { ...common, type: 'foreign-2023', englishName: '', nationalityCode: idNumber.slice(3, 6), renewalCount: '', previousCardLink: '' };
  }
  return { ...common, type: 'resident', nationCode: '', nation: '', address: '', issuer: '' };
}
