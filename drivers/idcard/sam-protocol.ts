import { EventEmitter } from 'node:events';
import { AsyncMutex } from '../protocol/async-mutex.js';
import { Waitress } from '../protocol/waitress.js';
import type { Link } from '../transport/link.js';
import { commandFrame, type SamCommand, type SamCommandName } from './sam-commands.js';
import { SamFrameParser, type SamRejection } from './sam-frame-parser.js';
import type { SamFrame } from './sam-frame.js';
import { decodeSamResponse, type SamResponse } from './sam-response.js';

/** Reply timeouts, one table (docs/protocols/sam-reader.md §11 item 4). */
export interface SamTimeouts {
  /** Status, reset, find, select, SAM id, set-baud, set-RF, new address. Default 1000 ms. */
  control: number;
  /** Read base info `30 01` / `30 10`: the SAM authenticates and reads over RF. Default 3000 ms. */
  read: number;
}

export const DEFAULT_SAM_TIMEOUTS: Readonly<SamTimeouts> = { control: 1000, read: 3000 };

const READ_COMMANDS: ReadonlySet<SamCommandName> = new Set(['read-base', 'read-base-fingerprint']);

export function timeoutFor(command: SamCommand, timeouts: SamTimeouts): number {
  return READ_COMMANDS.has(command.name) ? timeouts.read : timeouts.control;
}

/**
 * Whether a reply has the shape the command can produce. Replies carry no command echo, so this
 * keeps a late reply to an earlier (timed-out) command from being taken for the current one. An
 * 11-byte status reply (no data) fits every command: errors always come that way.
 */
export function replyFits(command: SamCommand, r: SamResponse): boolean {
  const n = r.data.length;
  if (n === 0) return true;
  switch (command.name) {
    case 'find-card':
      return n === 4;
    case 'select-card':
      return n === 8;
    case 'sam-id':
      return n === 16;
    case 'read-base':
      return n >= 4;
    case 'read-base-fingerprint':
      return n >= 6;
    case 'read-new-address':
      return true;
    default:
      return false;
  }
}

/** No valid reply in time, but a corrupt frame (bad checksum) arrived while waiting. */
export class SamCorruptReplyError extends Error {
  constructor(
    readonly command: SamCommand,
    readonly rejection: SamRejection['reason'],
    readonly timeoutMs: number,
  ) {
    super(`the reply to ${command.description} was corrupt (${rejection}); no valid reply within ${timeoutMs} ms`);
    this.name = 'SamCorruptReplyError';
  }
}

export interface SamProtocolOptions {
  timeouts?: Partial<SamTimeouts>;
  /** Parser options (largest frame). */
  maxFrame?: number;
}

export interface SamProtocolEvents {
  /** Every valid reply frame, matched or not. */
  reply: [SamResponse];
  /** A reply nobody was waiting for (late, or not fitting the command in flight): dropped. */
  unsolicited: [SamResponse];
  /** A candidate frame thrown away by the parser. */
  rejected: [SamRejection];
}

/**
 * Request/response over a Link: one command in flight (AsyncMutex), the reply waiter registered
 * BEFORE the write (Waitress), the parser fed by `link.on('data')`, `link.noteAlive()` on every
 * valid frame. A timeout rejects the request with WaitTimeoutError (or SamCorruptReplyError when
 * a corrupt frame was seen meanwhile); it never throws out of the event loop.
 */
export class SamProtocol extends EventEmitter<SamProtocolEvents> {
  readonly timeouts: SamTimeouts;
  private readonly parser: SamFrameParser;
  private readonly mutex = new AsyncMutex();
  private readonly waitress = new Waitress<SamResponse>();
  private attached = false;
  /** Set while a request waits: the last rejection seen. */
  private rejectionSeen: SamRejection['reason'] | undefined;
  private waiting = false;

  private readonly onData = (chunk: Buffer) => {
    this.parser.write(chunk);
  };

  constructor(
    private readonly link: Link,
    options: SamProtocolOptions = {},
  ) {
    super();
    this.timeouts = { ...DEFAULT_SAM_TIMEOUTS, ...options.timeouts };
    for (const [k, v] of Object.entries(this.timeouts)) {
      if (!(typeof v === 'number' && v > 0)) throw new TypeError(`SAM timeout "${k}" must be a positive number of ms, got ${String(v)}`);
    }
    this.parser = new SamFrameParser(options.maxFrame === undefined ? {} : { maxFrame: options.maxFrame });
    this.parser.on('data', (frame: SamFrame) => this.onFrame(frame));
    this.parser.on('rejected', (r) => {
      if (this.waiting && r.reason !== 'incomplete') this.rejectionSeen = r.reason;
      this.emit('rejected', r);
    });
  }

  /** Starts listening to the link. */
  attach(): void {
    if (this.attached) return;
    this.attached = true;
    this.link.on('data', this.onData);
  }

  /** Stops listening and fails the request in flight. */
  detach(reason = 'SAM protocol detached'): void {
    if (!this.attached) return;
    this.attached = false;
    this.link.off('data', this.onData);
    this.cancel(reason);
  }

  /** Fails the request in flight (link went offline) and drops buffered bytes. */
  cancel(reason: string): void {
    this.waitress.cancelAll(reason);
    this.parser.reset();
  }

  /** Sends one command and resolves with its reply (any SW3: callers judge the status). */
  request(command: SamCommand): Promise<SamResponse> {
    return this.mutex.run(async () => {
      const timeoutMs = timeoutFor(command, this.timeouts);
      // Bytes left over from an earlier exchange (a frame cut short) cannot belong to this reply.
      this.parser.reset();
      this.rejectionSeen = undefined;
      const handle = this.waitress.waitFor((r) => replyFits(command, r), timeoutMs, command.description);
      // The timeout may fire while a slow write is still pending: mark the rejection handled now
      // (the awaits below still see it).
      handle.promise.catch(() => undefined);
      this.waiting = true;
      try {
        try {
          await this.link.write(commandFrame(command));
        } catch (err) {
          handle.cancel(`write failed: ${err instanceof Error ? err.message : String(err)}`);
          await handle.promise.catch(() => undefined);
          throw err;
        }
        try {
          return await handle.promise;
        } catch (err) {
          if (err instanceof Error && err.name === 'WaitTimeoutError' && this.rejectionSeen) {
            throw new SamCorruptReplyError(command, this.rejectionSeen, timeoutMs);
          }
          throw err;
        }
      } finally {
        this.waiting = false;
      }
    });
  }

  private onFrame(frame: SamFrame): void {
    this.link.noteAlive();
    const r = decodeSamResponse(frame);
    if (!r) return; // a host→SAM command echoed back: not a reply
    this.emit('reply', r);
    if (!this.waitress.resolve(r)) this.emit('unsolicited', r);
  }
}
