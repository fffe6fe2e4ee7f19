import { EventEmitter } from 'node:events';
import type { AuditCheck, Heartbeat } from '../../central/api.js';
import type { AuditHead } from '../store/audit-anchor.js';
import type { CentralConfig } from '../config/kiosk-config.js';
import type { Logger } from '../host/logger.js';
import type { KioskStore } from '../store/kiosk-store.js';
import { CentralClient, CentralRequestError } from './central-client.js';
import { CentralWatchlistSource } from './central-watchlist-source.js';
import { DeploymentIdHasher } from './deployment-id-hasher.js';
import { ListRefusedError, ListSync } from './list-sync.js';
import { UploadDispatcher, type UploadDispatcherOptions } from './upload-dispatcher.js';
import packageJson from '../../package.json' with { type: 'json' };

/** What the host reports in each heartbeat (the uplink adds backlog, lists, the audit head and link, time and version). */
export type HeartbeatStatus = Pick<Heartbeat, 'status' | 'devices' | 'calibrationDueAt'>;

export interface UplinkTimings {
  /** Heartbeat interval (default 60 s). */
  heartbeatMs: number;
  /** Lists are also fetched this often, besides when a heartbeat says a newer version exists (default 5 min). */
  listPollMs: number;
  /** Per request (default 15 s). */
  requestTimeoutMs: number;
  /** First contact and heartbeats after a failure are retried after this long (default 30 s). */
  contactRetryMs: number;
}

export interface UplinkOptions {
  central: CentralConfig;
  store: KioskStore;
  log: Logger;
  heartbeat: () => HeartbeatStatus;
  timings?: Partial<UplinkTimings>;
  /** Upload backoff and circuit settings (tests shorten them). */
  upload?: Pick<UploadDispatcherOptions, 'initialDelayMs' | 'maxDelayMs' | 'breakerThreshold' | 'halfOpenAfterMs' | 'idlePollMs' | 'coalesceMs'>;
  softwareVersion?: string;
}

export interface UplinkEvents {
  /** First contact done: the signing key and the deployment's ID key are pinned (`idHasher` is ready). */
  enrolled: [{ checkpointId: string }];
  /** The engine's lists changed or were vouched current. */
  lists: [{ version: number; refreshedAt: string | null }];
  /**
   * A heartbeat was answered: central's list version and its verdict on the audit head. For
   * observers (tests, benchmarks): the uplink acts on the answer and logs a broken chain itself, so
   * the host needs no listener.
   */
  heartbeat: [{ listVersion: number; auditCheck: AuditCheck }];
}

export const SOFTWARE_VERSION: string = packageJson.version;

/**
 * The kiosk's link to central (docs/uplink-protocol.md): first contact (pin central's list-signing
 * key, receive the deployment's ID key), the outbox dispatcher, list synchronisation, heartbeats.
 * Self-contained: the host builds it once the store is open when the configuration has a `central`
 * section, gives the engine `watchlist` and `idHasher` (the deployment's ID key from central, the
 * only ID key a central-fed kiosk has), and stops it before the store closes.
 */
export class Uplink extends EventEmitter<UplinkEvents> {
  readonly client: CentralClient;
  readonly dispatcher: UploadDispatcher;
  readonly lists: ListSync;
  readonly watchlist: CentralWatchlistSource;
  readonly idHasher: DeploymentIdHasher;
  private readonly timings: UplinkTimings;
  private readonly timers = new Set<NodeJS.Timeout>();
  private running = false;
  private syncing: Promise<void> | null = null;
  private readonly abort = new AbortController();
  /** The anchor central held after the last heartbeat (the next one sends the link for it). */
  private anchor: AuditHead | null = null;
  /** The last audit problem logged, so a lasting one is logged once. */
  private auditProblemLogged: string | null = null;

  constructor(private readonly opts: UplinkOptions) {
    super();
    this.timings = { heartbeatMs: 60_000, listPollMs: 300_000, requestTimeoutMs: 15_000, contactRetryMs: 30_000, ...opts.timings };
    const { central, store, log } = opts;
    this.client = new CentralClient({ url: central.url, token: central.token, timeoutMs: this.timings.requestTimeoutMs, ...(central.caFile && { caFile: central.caFile }) });
    this.dispatcher = new UploadDispatcher({ outbox: store.outbox, client: this.client, log, ...opts.upload });
    this.lists = new ListSync({ client: this.client, state: store.central, audit: store.audit, kioskId: central.kioskId, log });
    this.watchlist = new CentralWatchlistSource(store.central);
    this.idHasher = new DeploymentIdHasher(store.central.idKey());
    // The consoles' "last upload": when central last acknowledged something. A store that cannot
    // write it now (a full disk) costs only that display: logged, never thrown into the dispatcher.
    this.dispatcher.on('batch', (b) => {
      if (b.acknowledged === 0) return;
      try {
        store.central.markUploaded();
      } catch (err) {
        log.warn({ err: err instanceof Error ? err.message : String(err) }, 'uplink: the time of the last upload could not be stored');
      }
    });
    this.lists.on('updated', () => {
      this.watchlist.reload();
      const s = store.central.listState();
      this.emit('lists', { version: s.version, refreshedAt: s.refreshedAt });
    });
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.dispatcher.start();
    void this.contact();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.abort.abort();
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await this.dispatcher.stop();
    await this.syncing;
  }

  private later(ms: number, fn: () => void): void {
    if (!this.running) return;
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (this.running) fn();
    }, ms);
    t.unref();
    this.timers.add(t);
  }

  /** First contact (once), then lists and the heartbeat on their intervals. */
  private async contact(): Promise<void> {
    try {
      await this.firstContact();
    } catch (err) {
      // Never let a failure here reach the process (the host exits on unhandled rejections).
      this.opts.log.error({ err: err instanceof Error ? err.message : String(err) }, 'uplink: contact with central failed unexpectedly; will retry');
      this.later(this.timings.contactRetryMs, () => void this.contact());
    }
  }

  private async firstContact(): Promise<void> {
    const { store, log, central } = this.opts;
    if (store.central.signingKey() === null) {
      try {
        const e = await this.client.enrollment(this.abort.signal);
        if (e.kioskId !== central.kioskId) throw new Error(`central knows this token as kiosk "${e.kioskId}", the configuration says "${central.kioskId}"`);
        const pinned = store.central.pinEnrollment(e.listSigningKey, Buffer.from(e.idKey, 'base64'));
        if (!pinned.ok) {
          log.error({ differs: pinned.differs }, 'uplink: central offered a different key than the one pinned; refused (re-enrol the kiosk if central was re-keyed)');
          store.audit.append('uplink', 'central.key-refused', { differs: pinned.differs });
          return;
        }
        this.idHasher.useDeploymentKey(Buffer.from(e.idKey, 'base64'));
        store.audit.append('uplink', 'central.first-contact', { kioskId: e.kioskId, checkpointId: e.checkpointId });
        log.info({ kioskId: e.kioskId, checkpointId: e.checkpointId }, 'uplink: first contact with central; list-signing key pinned');
        this.emit('enrolled', { checkpointId: e.checkpointId });
      } catch (err) {
        if (!this.running) return;
        log.warn({ err: err instanceof Error ? err.message : String(err), retryInMs: this.timings.contactRetryMs }, 'uplink: first contact with central failed; will retry');
        this.later(this.timings.contactRetryMs, () => void this.contact());
        return;
      }
    }
    this.syncLists();
    this.heartbeatLoop();
  }

  /** Fetches lists now (unless a sync is running), then again after listPollMs. */
  syncLists(): void {
    if (this.syncing || !this.running) return;
    this.syncing = this.lists
      .sync(this.abort.signal)
      .then(
        () => undefined,
        (err: unknown) => {
          // A refusal is logged and audited by ListSync; other failures (network) are retried at the next poll.
          if (!(err instanceof ListRefusedError) && this.running) this.opts.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'uplink: list update failed; will retry');
        },
      )
      .finally(() => {
        this.syncing = null;
        this.later(this.timings.listPollMs, () => this.syncLists());
      });
  }

  private heartbeatLoop(): void {
    void this.sendHeartbeat().finally(() => this.later(this.timings.heartbeatMs, () => this.heartbeatLoop()));
  }

  /**
   * Sends one heartbeat now; a newer list version on central starts a list sync. It carries the
   * audit chain's signed head, and the link for central's anchor (the MAC of this kiosk's entry at
   * the anchored sequence number) once central has said which anchor it holds: when central kept
   * its anchor for want of that link (`unverified`, after a restart), one more heartbeat follows at
   * once with it. Central's verdict and the store's own check against the anchor are logged when
   * they find a rewound, diverged or replaced log (docs/store-integrity.md).
   */
  async sendHeartbeat(): Promise<void> {
    const { store, log } = this.opts;
    try {
      const backlog = store.outbox.backlog();
      const lists = store.central.listState();
      const anchorSeq = this.anchor?.seq ?? null;
      const linkMac = anchorSeq === null ? null : store.audit.macAt(anchorSeq);
      const hb: Heartbeat = {
        ...this.opts.heartbeat(),
        sentAt: new Date().toISOString(),
        softwareVersion: this.opts.softwareVersion ?? SOFTWARE_VERSION,
        backlog: { pending: backlog.pending, dead: backlog.dead, oldestUnsentAt: backlog.oldestPendingAt === null ? null : new Date(backlog.oldestPendingAt).toISOString() },
        lists: { version: lists.version, refreshedAt: lists.refreshedAt },
        auditHead: store.signedHead(),
        auditLink: anchorSeq !== null && linkMac !== null ? { seq: anchorSeq, mac: linkMac } : null,
      };
      const res = await this.client.heartbeat(hb, this.abort.signal);
      this.anchor = res.auditAnchor;
      this.reportAudit(res.auditCheck, res.auditAnchor);
      this.emit('heartbeat', { listVersion: res.listVersion, auditCheck: res.auditCheck });
      if (res.listVersion > store.central.listState().version) this.syncLists();
      if (res.auditCheck === 'unverified' && res.auditAnchor !== null && hb.auditLink?.seq !== res.auditAnchor.seq && this.running) await this.sendHeartbeat();
    } catch (err) {
      if (!this.running) return;
      const refused = err instanceof CentralRequestError && (err.status === 401 || err.status === 403);
      log[refused ? 'error' : 'warn']({ err: err instanceof Error ? err.message : String(err) }, 'uplink: heartbeat failed');
    }
  }

  /** Logs (once while it lasts) central's flag on the audit head, and the store's own check against central's anchor. */
  private reportAudit(check: AuditCheck, anchor: AuditHead | null): void {
    const local = anchor === null ? null : this.opts.store.checkAnchor(anchor);
    const problem = check === 'rewound' || check === 'diverged' || check === 'replaced' ? check : local && !local.ok ? local.problem : null;
    if (problem === null) {
      this.auditProblemLogged = null;
      return;
    }
    const key = `${check}:${anchor?.seq ?? ''}:${problem}`;
    if (this.auditProblemLogged === key) return;
    this.auditProblemLogged = key;
    this.opts.log.error(
      { centralCheck: check, problem, anchorSeq: anchor?.seq ?? null, ...(local && !local.ok && { err: local.message }) },
      'uplink: the audit log does not continue the head central anchored (an older copy of the database put back, or history replaced)',
    );
  }
}
