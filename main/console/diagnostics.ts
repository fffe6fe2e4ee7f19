import { createWriteStream, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { pack } from 'tar-stream';
import type { KioskConfig } from '../config/kiosk-config.js';
import type { KioskStore } from '../store/kiosk-store.js';
import { currentSchemaVersion } from '../store/migrations.js';

/**
 * The technician's diagnostics archive (`<data>/diagnostics/diagnostics-<time>.tar.gz`): what a
 * remote engineer needs and nothing personal.
 *
 * | file | contents |
 * |---|---|
 * | versions.json | kiosk, Node, platform, schema version |
 * | config.json | the configuration in force, fields named like secrets removed |
 * | settings.json, settings-history.json | console settings and their changes (secrets are stored redacted) |
 * | devices.json | device status now and the recent device events |
 * | calibrations.json | calibrations with their runs and drift checks; site model fits (numbers only) |
 * | audit-log.json | the last 2000 audit entries (their details never hold personal data) |
 * | outbox.json | counts by status (no payloads: those carry cards) |
 * | logs.jsonl | the host's recent log lines (logs never carry personal data; pino redacts as a second fence) |
 * | serial-monitor.txt | the monitor's ring, card data withheld |
 *
 * No screening record, registration, disposition note or outbox payload is read for it.
 */
export interface DiagnosticsSources {
  store: KioskStore;
  config: KioskConfig;
  deviceIds: string[];
  devicesNow: unknown;
  health: unknown;
  logLines: string[];
  serialMonitor: string;
  softwareVersion: string;
}

const SECRET_KEY = /secret|token|password|passphrase|pin|key$/i;

/** A deep copy without fields whose names say they hold secrets. */
export function withoutSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutSecrets);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).filter(([k]) => !SECRET_KEY.test(k)).map(([k, v]) => [k, withoutSecrets(v)]));
  }
  return value;
}

export function diagnosticsFiles(src: DiagnosticsSources): Array<{ name: string; text: string }> {
  const { store } = src;
  const json = (v: unknown) => `${JSON.stringify(v, null, 2)}\n`;
  const calibrations = src.deviceIds.flatMap((d) => store.calibrations.history(d, 200)).map((c) => ({ ...c, note: c.note === null ? null : '[note omitted]', latestCheck: store.calibrations.latestCheck(c.id) }));
  return [
    { name: 'versions.json', text: json({ kiosk: src.softwareVersion, node: process.versions.node, platform: `${process.platform}-${process.arch}`, schemaVersion: currentSchemaVersion(store.db), createdAt: new Date().toISOString() }) },
    { name: 'config.json', text: json(withoutSecrets(src.config)) },
    { name: 'settings.json', text: json(withoutSecrets(store.settings.all())) },
    { name: 'settings-history.json', text: json(store.settings.history()) },
    { name: 'devices.json', text: json({ now: src.devicesNow, health: src.health, events: store.deviceEvents.recent(500) }) },
    { name: 'calibrations.json', text: json({ calibrations, siteModelFits: store.siteModels.history(50) }) },
    { name: 'audit-log.json', text: json(store.audit.list(2000)) },
    { name: 'outbox.json', text: json(store.outbox.counts()) },
    { name: 'logs.jsonl', text: src.logLines.map((l) => `${l}\n`).join('') },
    { name: 'serial-monitor.txt', text: src.serialMonitor },
  ];
}

/** Writes the archive; returns its path and size. */
export async function writeDiagnosticsArchive(dataDir: string, src: DiagnosticsSources, now = new Date()): Promise<{ path: string; bytes: number; files: number }> {
  const dir = join(dataDir, 'diagnostics');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, `diagnostics-${now.toISOString().replace(/[:.]/g, '-')}.tar.gz`);
  const files = diagnosticsFiles(src);
  const tar = pack();
  for (const f of files) tar.entry({ name: `diagnostics/${f.name}`, mtime: now, mode: 0o644 }, f.text);
  tar.finalize();
  const out = createWriteStream(path, { mode: 0o600 });
  await pipeline(tar, createGzip(), out);
  return { path, bytes: statSync(path).size, files: files.length };
}
