import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { listDeltaHash, signedBytes, type ListsResponse, type SignedListDelta, type SignedListHead } from '../../central/api.js';
import type { Logger } from '../host/logger.js';
import type { AuditLog } from '../store/audit-log.js';
import type { CentralState } from '../store/central-state.js';
import type { CentralClient } from './central-client.js';

/** A central clock this far ahead of the kiosk's is accepted; beyond it a head is refused. */
export const MAX_CLOCK_SKEW_MS = 5 * 60_000;

export type ListRefusal =
  | 'bad-signature'
  | 'replayed'
  | 'broken-chain'
  | 'head-mismatch'
  | 'head-replayed'
  | 'head-future'
  | 'wrong-kiosk'
  | 'not-enrolled';

/** A delta or head the kiosk refused: nothing of it was applied. */
export class ListRefusedError extends Error {
  override name = 'ListRefusedError';
  constructor(
    readonly reason: ListRefusal,
    message: string,
    readonly version: number | null = null,
  ) {
    super(message);
  }
}

export interface ListSyncEvents {
  /** Lists changed (versions applied) or were vouched current: rebuild the engine's snapshot. */
  updated: [{ version: number; applied: number; refreshedAt: string }];
  refused: [ListRefusedError];
}

/**
 * Brings the kiosk's lists up to central's: fetches the versions after the one held, checks each
 * (Ed25519 signature under the key pinned at first contact; version = held + 1; prevHash = hash held)
 * and applies it in one store transaction, then checks the signed head (for this kiosk, the version
 * and hash now held, issued after the last head accepted and not in the future) and takes its time as
 * the lists' refreshedAt. A tampered, replayed or out-of-order delta or head is refused, logged and
 * audited; what was held stays, and the stale-list rule applies once it is too old.
 */
export class ListSync extends EventEmitter<ListSyncEvents> {
  private key: KeyObject | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private keyText: string | null = null;

  constructor(
    private readonly opts: {
      client: Pick<CentralClient, 'lists'>;
      state: CentralState;
      audit: AuditLog;
      kioskId: string;
      log: Logger;
      now?: () => number;
    },
  ) {
    super();
  }

  private verifier(): KeyObject {
    const pinned = this.opts.state.signingKey();
    if (pinned === null) throw new ListRefusedError('not-enrolled', 'no list-signing key is pinned yet (first contact with central has not happened)');
    if (pinned !== this.keyText) {
      this.key = createPublicKey({ key: Buffer.from(pinned, 'base64'), format: 'der', type: 'spki' });
      this.keyText = pinned;
    }
    return this.key!;
  }

  /**
   * Fetches and applies until current. Resolves with the version held; throws ListRefusedError after
   * logging it. Calls run one after another (two fetches of the same versions must not race).
   */
  sync(signal?: AbortSignal): Promise<number> {
    const run = this.queue.then(
      () => this.syncNow(signal),
      () => this.syncNow(signal),
    );
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async syncNow(signal?: AbortSignal): Promise<number> {
    let applied = 0;
    try {
      for (;;) {
        const held = this.opts.state.listState();
        const res = await this.opts.client.lists(held.version, signal);
        applied += this.applyResponse(res);
        if (!res.more) {
          const state = this.opts.state.listState();
          this.emit('updated', { version: state.version, applied, refreshedAt: state.refreshedAt! });
          return state.version;
        }
      }
    } catch (err) {
      if (err instanceof ListRefusedError) {
        this.opts.log.error({ reason: err.reason, version: err.version, err: err.message }, 'uplink: list update refused; the lists held are kept');
        this.opts.audit.append('uplink', 'lists.refused', { reason: err.reason, version: err.version, detail: err.message.slice(0, 200) });
        if (applied > 0) {
          const state = this.opts.state.listState();
          this.emit('updated', { version: state.version, applied, refreshedAt: state.refreshedAt ?? '' });
        }
        this.emit('refused', err);
      }
      throw err;
    }
  }

  /** Verifies and applies one response; returns how many versions it applied. */
  applyResponse(res: ListsResponse): number {
    const key = this.verifier();
    let applied = 0;
    for (const delta of res.deltas) {
      this.checkDelta(delta, key);
      const body = delta.body;
      this.opts.state.applyListVersion({
        version: body.version,
        hash: listDeltaHash(body),
        prevHash: body.prevHash,
        issuedAt: body.issuedAt,
        upsert: body.upsert,
        remove: body.remove,
        keyRegions: body.keyRegions,
        policy: body.policy,
      });
      applied++;
      this.opts.log.info({ version: body.version, upserts: body.upsert.length, removals: body.remove.length, keyRegions: body.keyRegions?.length ?? null, policy: body.policy?.version ?? null }, 'uplink: list version applied');
    }
    if (!res.more) this.checkHead(res.head, key);
    return applied;
  }

  private checkDelta(delta: SignedListDelta, key: KeyObject): void {
    const body = delta.body;
    const held = this.opts.state.listState();
    if (!verify(null, signedBytes('list-delta', body), key, Buffer.from(delta.signature, 'base64'))) {
      throw new ListRefusedError('bad-signature', `list version ${body.version}: the signature does not verify under the pinned key (tampered in transit, or not from central)`, body.version);
    }
    if (body.version <= held.version) {
      throw new ListRefusedError('replayed', `list version ${body.version} is not newer than the version held (${held.version}): replayed`, body.version);
    }
    if (body.version !== held.version + 1 || body.prevHash !== held.hash) {
      throw new ListRefusedError('broken-chain', `list version ${body.version} does not continue version ${held.version} (its prevHash is not the hash held)`, body.version);
    }
  }

  private checkHead(head: SignedListHead, key: KeyObject): void {
    const body = head.body;
    const held = this.opts.state.listState();
    if (!verify(null, signedBytes('list-head', body), key, Buffer.from(head.signature, 'base64'))) {
      throw new ListRefusedError('bad-signature', 'the list head: the signature does not verify under the pinned key', body.version);
    }
    if (body.kioskId !== this.opts.kioskId) throw new ListRefusedError('wrong-kiosk', `the list head was issued for kiosk "${body.kioskId}", not this one`, body.version);
    if (body.version !== held.version || body.hash !== held.hash) {
      throw new ListRefusedError('head-mismatch', `central says version ${body.version} is current, the kiosk holds ${held.version}: the answer is incomplete or from an older state`, body.version);
    }
    const issued = Date.parse(body.issuedAt);
    const now = (this.opts.now ?? Date.now)();
    if (issued > now + MAX_CLOCK_SKEW_MS) throw new ListRefusedError('head-future', `the list head is dated ${body.issuedAt}, in the future (kiosk clock ${new Date(now).toISOString()})`, body.version);
    const last = held.refreshedAt === null ? Number.NEGATIVE_INFINITY : Date.parse(held.refreshedAt);
    if (issued < last) throw new ListRefusedError('head-replayed', `the list head is dated ${body.issuedAt}, older than the one accepted (${held.refreshedAt}): replayed`, body.version);
    if (issued > last) this.opts.state.markRefreshed(new Date(issued).toISOString());
  }
}
