import type { KioskConfig } from '../config/kiosk-config.js';
import { fail, ok, skip, warn, type Finding } from './findings.js';

/**
 * What `kiosk doctor` asks of the uplink to the central service. The uplink (`main/uplink/`, with the
 * `central` configuration section) provides it; until it is part of the build there is none, and
 * the check reports "no central configured".
 */
export interface CentralLink {
  /** Where it uploads, for the report (no credentials). */
  describe(): string;
  /** One harmless request to the central service (its health endpoint), within `timeoutMs`. */
  probe(timeoutMs: number): Promise<{ reachable: true; latencyMs: number } | { reachable: false; reason: string }>;
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
 * The central link of a configuration. CONNECT HERE when the uplink lands: build its link from
 * `config.central` (and return null when the section is absent).
 */
export function centralLinkOf(config: KioskConfig): CentralLink | null {
  void config;
  return null;
}

export async function checkCentral(link: CentralLink | null, backlog: Backlog | null, now: number, timeoutMs: number): Promise<Finding[]> {
  if (!link) return [skip('central', 'no central configured (a standalone kiosk keeps its records here; docs/uplink-protocol.md)')];
  const out: Finding[] = [];
  const r = await link.probe(timeoutMs);
  out.push(r.reachable ? ok('central', `${link.describe()} answered in ${r.latencyMs} ms`) : fail('central', `${link.describe()} cannot be reached: ${r.reason}`, 'check the network and the central address in the configuration; records wait in the outbox meanwhile, nothing is lost'));
  if (backlog) {
    const age = backlog.oldestPendingMs === null ? 0 : now - backlog.oldestPendingMs;
    const summary = `${backlog.pending} record${backlog.pending === 1 ? '' : 's'} waiting to upload${backlog.pending ? `, the oldest for ${Math.round(age / 60_000)} min` : ''}; ${backlog.dead} refused by central`;
    if (backlog.dead > 0) out.push(fail('backlog', summary, 'central refused some records for good (the technician console lists them); fix the cause, then requeue them'));
    else if (age > BACKLOG_WARN_MS) out.push(warn('backlog', summary, 'the upload is not keeping up: check the link and central\'s logs'));
    else out.push(ok('backlog', summary));
  }
  return out;
}
