import { describeIssues } from './contract-issues.js';
import { HostEventSchema, UiCommandSchema, type HostEvent, type UiCommand } from './messages.js';

/** One UI connected over some transport (a WebSocket, a MessagePort). */
export interface ContractPeer {
  /** Delivers an already-validated event. */
  send(event: HostEvent): void;
  /** Drops the connection (used after repeated bad messages). */
  close(reason: string): void;
}

/** Where rejected messages are reported (a pino logger fits). */
export interface ContractLog {
  warn(obj: Record<string, unknown>, msg: string): void;
  error(obj: Record<string, unknown>, msg: string): void;
}

export interface ContractServerOptions {
  log: ContractLog;
  /** `connection` names the UI connection the command came on (its transport label, unique per server). */
  onCommand(command: UiCommand, reply: (event: HostEvent) => void, connection: string): void;
  /** A UI connection went away (the consoles end its session). */
  onDetach?(connection: string): void;
  /** Bad messages tolerated per connection before it is closed. */
  maxRejects?: number;
}

export interface AttachedPeer {
  /** Hands a raw message from the transport (already JSON-decoded where the transport is text). */
  receive(raw: unknown): void;
  detach(): void;
}

/**
 * The host side of the contract, independent of the transport. Every incoming message is checked
 * against UiCommandSchema (bad ones are rejected with an `error` event and logged); every outgoing
 * event is checked against HostEventSchema before it leaves (a bad one is logged and not sent).
 */
export class ContractServer {
  private readonly peers = new Set<ContractPeer>();
  private readonly maxRejects: number;
  rejectedIn = 0;
  rejectedOut = 0;

  constructor(private readonly opts: ContractServerOptions) {
    this.maxRejects = opts.maxRejects ?? 20;
  }

  get connections(): number {
    return this.peers.size;
  }

  attach(peer: ContractPeer, label: string): AttachedPeer {
    this.peers.add(peer);
    let rejects = 0;
    return {
      receive: (raw) => {
        const parsed = UiCommandSchema.safeParse(raw);
        if (!parsed.success) {
          this.rejectedIn += 1;
          rejects += 1;
          const issues = describeIssues(parsed.error);
          this.opts.log.warn({ peer: label, issues }, 'contract: rejected a bad command from a UI');
          const id = typeof raw === 'object' && raw !== null && typeof (raw as { id?: unknown }).id === 'number' ? (raw as { id: number }).id : undefined;
          this.sendTo(peer, { type: 'error', inReplyTo: Number.isInteger(id) && id! >= 0 ? id : undefined, code: 'BAD_MESSAGE', message: `rejected: ${issues}` });
          if (rejects >= this.maxRejects) peer.close('too many bad messages');
          return;
        }
        try {
          this.opts.onCommand(parsed.data, (event) => this.sendTo(peer, event), label);
        } catch (err) {
          this.opts.log.error({ peer: label, err: err instanceof Error ? err.message : String(err) }, 'contract: command handler failed');
          this.sendTo(peer, { type: 'error', inReplyTo: parsed.data.id, code: 'INTERNAL', message: 'the host could not handle this command' });
        }
      },
      detach: () => {
        if (this.peers.delete(peer)) this.opts.onDetach?.(label);
      },
    };
  }

  /** Sends one event to every connected UI. */
  broadcast(event: HostEvent): void {
    const checked = this.check(event);
    if (!checked) return;
    for (const peer of this.peers) peer.send(checked);
  }

  private sendTo(peer: ContractPeer, event: HostEvent): void {
    const checked = this.check(event);
    if (checked) peer.send(checked);
  }

  private check(event: HostEvent): HostEvent | null {
    const parsed = HostEventSchema.safeParse(event);
    if (!parsed.success) {
      this.rejectedOut += 1;
      this.opts.log.error({ event: (event as { type?: unknown }).type, issues: describeIssues(parsed.error) }, 'contract: refused to send an invalid event');
      return null;
    }
    return parsed.data;
  }
}
