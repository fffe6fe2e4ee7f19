import type { KioskConfig } from '../config/kiosk-config.js';
import { CentralClient, CentralRequestError } from '../uplink/central-client.js';
import { fail, ok, skip, warn, type Finding } from './findings.js';

/**
 * What `kiosk doctor` asks of the link to the central service: for a kiosk with a `central`
 * section, the uplink's own client (main/uplink/central-client.ts) with the configured URL, token
 * and pinned CA; a kiosk without one reports "no central configured".
 */
export interface CentralLink {
  /** Where it uploads, for the report (no credentials). */
  describe(): string;
  /** One harmless request to the central service (its health endpoint), within `timeoutMs`. */
  probe(timeoutMs: number): Promise<{ reachable: true; latencyMs: number } | { reachable: false; reason: string; fix?: string }>;
}

/** The upload backlog, from the store's outbox. */
export interface Backlog {
  pending: number;
  dead: number;
  oldestPendingMs: number | null;
}

/** Backlog older than this while central is reachable is a warning. */
export const BACKLOG_WARN_MS = 60 * 60_000;

/**
 * The central link of a configuration (null without a `central` section). The probe is the request
 * the uplink makes first (`GET /enrollment`): it needs the network, the certificate (when a CA is
 * pinned) and this kiosk's token, and changes nothing on central.
 */
export function centralLinkOf(config: KioskConfig): CentralLink | null {
  const c = config.central;
  if (!c) return null;
  return {
    describe: () => `central ${new URL(c.url).origin} (kiosk ${c.kioskId})`,
    probe: async (timeoutMs) => {
      const t0 = performance.now();
      try {
        await new CentralClient({ url: c.url, token: c.token, timeoutMs, ...(c.caFile && { caFile: c.caFile }) }).enrollment();
        return { reachable: true, latencyMs: Math.round(performance.now() - t0) };
      } catch (err) {
        const reason = err instanceof Error ? err.message : String(err);
        if (err instanceof CentralRequestError && (err.status === 401 || err.status === 403)) {
          return { reachable: false, reason, fix: "central does not know this kiosk's token: enrol it again (kiosk central enroll on central's side) and put the printed line in the configuration's central section" };
        }
        return { reachable: false, reason };
      }
    },
  };
}

export async function checkCentral(link: CentralLink | null, backlog: Backlog | null, now: number, timeoutMs: number): Promise<Finding[]> {
  if (!link) return [skip('central', 'no central configured (a standalone kiosk keeps its records here; docs/uplink-protocol.md)')];
  const out: Finding[] = [];
  const r = await link.probe(timeoutMs);
  out.push(
    r.reachable
      ? ok('central', `${link.describe()} answered in ${r.latencyMs} ms`)
      : fail('central', `${link.describe()}: ${r.reason}`, r.fix ?? 'check the network and the central address (and caFile) in the configuration; records wait in the outbox meanwhile, nothing is lost'),
  );
  if (backlog) {
    const age = backlog.oldestPendingMs === null ? 0 : now - backlog.oldestPendingMs;
    const summary = `${backlog.pending} record${backlog.pending === 1 ? '' : 's'} waiting to upload${backlog.pending ? `, the oldest for ${Math.round(age / 60_000)} min` : ''}; ${backlog.dead} refused by central`;
    if (backlog.dead > 0) out.push(fail('backlog', summary, 'central refused some records for good (counted on the technician console; the log names each with its reason); fix the cause, then requeue them'));
    else if (age > BACKLOG_WARN_MS) out.push(warn('backlog', summary, 'the upload is not keeping up: check the link and central\'s logs'));
    else out.push(ok('backlog', summary));
  }
  return out;
}
