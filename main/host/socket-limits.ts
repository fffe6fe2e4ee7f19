/**
 * Per-connection limits of browser mode's WebSocket (docs/browser-mode-security.md).
 *
 * The kiosk page sends a handful of messages per screening (hello, painted, getHealth, language).
 * A client that sends far more is not the kiosk page: it is closed. A client that does not read
 * what the host sends makes the host's output buffer grow: the host stops reading from it (TCP flow
 * control then slows the sender down) until the buffer drains, and closes it when even the events
 * the host must broadcast pile up. Memory per connection is therefore bounded.
 */
export interface SocketLimits {
  /** Messages a client may send at once... */
  burst: number;
  /** ...and per second after that (token bucket). */
  perSecond: number;
  /** Stop reading from the client while the host's unsent output exceeds this. */
  pauseAboveBytes: number;
  /** Read again once it is below this. */
  resumeBelowBytes: number;
  /** Close the connection when the unsent output exceeds this. */
  closeAboveBytes: number;
}

export const DEFAULT_SOCKET_LIMITS: SocketLimits = {
  burst: 200,
  perSecond: 50,
  pauseAboveBytes: 256 * 1024,
  resumeBelowBytes: 64 * 1024,
  closeAboveBytes: 4 * 1024 * 1024,
};

/** Close codes the host uses, so a client (and its logs) can tell why it was dropped. */
export const SOCKET_CLOSE = {
  /** 1008 Policy Violation: too many messages that failed the contract. */
  badMessages: 1008,
  /** Sent more messages than `burst` + `perSecond` allow (cf. HTTP 429). */
  tooManyMessages: 4029,
  /** Did not read the host's events: its unsent output passed `closeAboveBytes`. */
  notReading: 4008,
} as const;

/** A token bucket: `take()` is false once the client has used up its budget. */
export class MessageBudget {
  private tokens: number;
  private last: number;

  constructor(
    private readonly limits: Pick<SocketLimits, 'burst' | 'perSecond'>,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tokens = limits.burst;
    this.last = now();
  }

  take(): boolean {
    const t = this.now();
    this.tokens = Math.min(this.limits.burst, this.tokens + ((t - this.last) / 1000) * this.limits.perSecond);
    this.last = t;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
