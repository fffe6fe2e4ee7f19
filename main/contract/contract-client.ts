import { describeIssues } from './contract-issues.js';
import { HostEventSchema, UiCommandSchema, type HostEvent, type UiCommand } from './messages.js';

type DistributiveOmit<T, K extends keyof never> = T extends unknown ? Omit<T, K> : never;
export type UiCommandInput = DistributiveOmit<UiCommand, 'id'>;

export interface ContractClientOptions {
  /** Hands a validated command to the transport. */
  transmit(command: UiCommand): void;
  onEvent(event: HostEvent): void;
  /** Called with a short reason (paths and codes, no values) when a message fails validation. */
  onReject?(direction: 'in' | 'out', issues: string): void;
}

/**
 * The UI side of the contract: validates every command before it leaves and every event from the
 * host before the UI sees it. Transport-independent (WebSocket in browser mode, MessagePort in Electron).
 */
export class ContractClient {
  private nextId = 1;

  constructor(private readonly opts: ContractClientOptions) {}

  /** Sends a command; returns its id, or null when it failed validation (and was not sent). */
  send(command: UiCommandInput): number | null {
    const id = this.nextId++;
    const parsed = UiCommandSchema.safeParse({ ...command, id });
    if (!parsed.success) {
      this.opts.onReject?.('out', describeIssues(parsed.error));
      return null;
    }
    this.opts.transmit(parsed.data);
    return id;
  }

  /** Hands a raw message from the transport (JSON-decoded). */
  receive(raw: unknown): void {
    const parsed = HostEventSchema.safeParse(raw);
    if (!parsed.success) {
      this.opts.onReject?.('in', describeIssues(parsed.error));
      return;
    }
    this.opts.onEvent(parsed.data);
  }
}
