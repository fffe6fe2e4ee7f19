import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { DEFAULT_SKIN_TO_BODY_MODEL, type KioskConfig } from '../config/kiosk-config.js';
import { calibrationState } from '../engine/calibration-source.js';
import { calibrationInForce, ID_KEY_FILE } from '../host/local-lists.js';
import { DATABASE_FILE } from '../store/data-dir.js';
import { LATEST_SCHEMA_VERSION } from '../store/migrations.js';
import { KEY_FILE, KEY_SOURCE_FILE, readKeySourceRecord, WRAPPED_KEY_FILE } from '../store/key-source.js';
import { checkDiskSpace, DEFAULT_DISK_THRESHOLDS, type DiskSpaceThresholds } from '../store/retention.js';
import type { StoreInspection } from '../store/store-inspection.js';
import { fail, ok, skip, warn, type Finding } from './findings.js';
import type { Identity, UserDatabase } from './port-access.js';

const DAY_MS = 86_400_000;
/** How long before a calibration expires `kiosk doctor` starts warning. */
export const CALIBRATION_WARN_DAYS = 30;
/** The drift check is daily (docs/calibration.md): `kiosk doctor` warns when the latest is this many days old. */
export const DRIFT_CHECK_WARN_DAYS = 2;

const mode = (m: number) => (m & 0o777).toString(8).padStart(4, '0');

/** The data directory: present, the kiosk user's, private. */
export function checkDataDir(dataDir: string, owner: Identity, db: UserDatabase): Finding {
  if (!existsSync(dataDir)) return warn('data-dir', `${dataDir} does not exist yet: the kiosk makes it at its first start`);
  const st = statSync(dataDir);
  if (!st.isDirectory()) return fail('data-dir', `${dataDir} is not a directory`, 'point KIOSK_DATA_DIR (/etc/default/checkpoint-kiosk) or --data at the kiosk\'s data directory');
  if (owner.uid !== 0 && st.uid !== owner.uid) {
    return fail('data-dir', `${dataDir} belongs to ${db.userById(st.uid) ?? st.uid}, not to ${owner.name}, who runs the kiosk`, `sudo chown -R ${owner.name}: ${dataDir}`);
  }
  if (st.mode & 0o077) return fail('data-dir', `${dataDir} is open to other users (mode ${mode(st.mode)}): it holds the kiosk's keys and records`, `chmod 700 ${dataDir}`);
  return ok('data-dir', `${dataDir} (mode ${mode(st.mode)})`);
}

/**
 * The key files: where the master key is kept (recorded once per data directory), and that the key
 * file and the ID key are the kiosk user's and private (0600). The keys themselves are not read.
 */
export function checkKeys(dataDir: string, owner: Identity): Finding[] {
  if (!existsSync(join(dataDir, DATABASE_FILE))) return [skip('keys', 'no database yet: the keys are made with it at the first start')];
  let source: ReturnType<typeof readKeySourceRecord>;
  try {
    source = readKeySourceRecord(dataDir);
  } catch (err) {
    return [fail('keys', err instanceof Error ? err.message : String(err), 'restore key-source.json from the backup (docs/electron-runtime.md §3)')];
  }
  const out: Finding[] = [];
  const file = (name: string, what: string): Finding => {
    const path = join(dataDir, name);
    if (!existsSync(path)) return fail('keys', `${what} ${path} is missing, but the database exists: nothing stored can be read or matched without it`, `restore ${name} from the kiosk's backup (0600); a new key would not open this database (docs/electron-runtime.md §3)`);
    const st = statSync(path);
    if (st.mode & 0o077) return fail('keys', `${what} ${path} can be read by other users (mode ${mode(st.mode)})`, `chmod 600 ${path}`);
    if (owner.uid !== 0 && st.uid !== owner.uid) return fail('keys', `${what} ${path} does not belong to ${owner.name}, who runs the kiosk`, `sudo chown ${owner.name}: ${path}`);
    return ok('keys', `${what} ${path} (mode ${mode(st.mode)})`);
  };
  if (source?.source === 'keystore') out.push(ok('keys', `the master key is wrapped by the OS keystore (${source.backend}) in ${WRAPPED_KEY_FILE}; only the kiosk app can unwrap it`));
  else out.push(file(KEY_FILE, `master key${source ? '' : ` (no ${KEY_SOURCE_FILE}: a directory from before the record, adopting its key file)`}`));
  out.push(file(ID_KEY_FILE, 'ID key'));
  return out;
}

/** Free space where the records are written, against the store's own thresholds. */
export async function checkDisk(dataDir: string, thresholds: DiskSpaceThresholds = DEFAULT_DISK_THRESHOLDS): Promise<Finding> {
  const dir = existsSync(dataDir) ? dataDir : join(dataDir, '..');
  const space = await checkDiskSpace(dir, thresholds);
  const mib = (b: number) => `${Math.round(b / 2 ** 20)} MiB`;
  const summary = `${mib(space.freeBytes)} free of ${mib(space.totalBytes)} under ${dir}`;
  if (space.level === 'critical') return fail('disk', `${summary}: below ${mib(thresholds.criticalBelowBytes)}, records will soon wait in memory and everyone is held`, 'free space (old exports, logs: journalctl --vacuum-size=100M), or give the data directory a larger disk');
  if (space.level === 'warning') return warn('disk', `${summary}: below ${mib(thresholds.warnBelowBytes)}`, 'free space before it runs out (journalctl --vacuum-size=100M, old exports)');
  return ok('disk', summary);
}

/** The database opens read-only and passes SQLite's quick check. */
export function checkStore(inspect: () => StoreInspection, dataDir: string): { finding: Finding; store: StoreInspection | null } {
  const file = join(dataDir, DATABASE_FILE);
  if (!existsSync(file)) return { finding: skip('store', `no database yet (${file}): the kiosk makes it at its first start`), store: null };
  try {
    const store = inspect();
    const records = `${store.screenings} screening record${store.screenings === 1 ? '' : 's'}`;
    if (store.schemaVersion > LATEST_SCHEMA_VERSION) {
      return { finding: fail('store', `${file} has schema version ${store.schemaVersion}, written by a newer kiosk build (this one knows up to ${LATEST_SCHEMA_VERSION}): this build's kiosk refuses to open it`, 'install the newer kiosk software again (nothing was changed)'), store };
    }
    const upgrade = store.schemaVersion < LATEST_SCHEMA_VERSION ? `; the kiosk upgrades it to ${LATEST_SCHEMA_VERSION} at its next start` : '';
    return { finding: ok('store', `${file} opens and passes SQLite's quick check; schema version ${store.schemaVersion}${upgrade}; ${records}`), store };
  } catch (err) {
    return { finding: fail('store', `${file} cannot be read: ${err instanceof Error ? err.message : String(err)}`, 'stop the kiosk, restore kiosk.db from the backup; a damaged file is kept beside it as kiosk.db.corrupt-<time> (docs/store-integrity.md)'), store: null };
  }
}

/**
 * The thermometer's calibration: recorded, still valid, not about to expire; and its daily drift
 * check (recorded by the technician console's wizard and `kiosk calibrate --drift-check`): done
 * since this calibration, recently, and within the limit.
 */
export function checkCalibration(config: KioskConfig, store: StoreInspection | null, now: Date): Finding[] {
  const thermo = config.devices.thermometer;
  // A simulated sensor reads exactly unless it is given an error to practise calibrating; then the
  // kiosk uses the calibration made of it, as of a real one (main/host/local-lists.ts).
  if (thermo.source === 'simulated' && !thermo.sensorError) return [skip('calibration', 'simulated thermometer: it reads exactly (the identity, recorded as simulated-identity)')];
  const policy = config.calibration.whenMissingOrExpired;
  const effect = policy === 'out-of-service' ? 'the kiosk is out of service' : policy === 'hold-for-staff' ? 'everyone is held for staff' : 'travellers pass with a warning on an uncalibrated thermometer';
  const rec = store?.latestCalibration(thermo.id) ?? null;
  if (!rec) return [fail('calibration', `no calibration recorded for ${thermo.id}: ${effect} (CALIBRATION_MISSING)`, 'calibrate with a blackbody (docs/calibration.md)')];
  const cal = calibrationInForce(rec, config.calibration.validityDays);
  const state = calibrationState(cal, now);
  const made = `made ${rec.performedAt.slice(0, 10)}${rec.technicianId ? ` by ${rec.technicianId}` : ''}: gain ${rec.gain}, offset ${rec.offsetC} °C, ${rec.points.length} point${rec.points.length === 1 ? '' : 's'}`;
  const out: Finding[] = [];
  const left = Math.floor((Date.parse(cal.validUntil) - now.getTime()) / DAY_MS);
  if (state === 'expired') out.push(fail('calibration', `calibration ${made}; expired ${cal.validUntil.slice(0, 10)}: ${effect} (CALIBRATION_EXPIRED)`, 'calibrate again (docs/calibration.md)'));
  else if (left < CALIBRATION_WARN_DAYS) out.push(warn('calibration', `calibration ${made}; expires ${cal.validUntil.slice(0, 10)}, in ${left} day${left === 1 ? '' : 's'}`, 'plan the next blackbody calibration (docs/calibration.md)'));
  else out.push(ok('calibration', `calibration ${made}; valid until ${cal.validUntil.slice(0, 10)}`));
  const d = store?.latestDriftCheck(rec.id) ?? null;
  const fix = 'run the daily drift check at 37 °C (technician console, or kiosk calibrate --drift-check; docs/calibration.md)';
  if (!d) out.push(warn('drift', 'no daily drift check recorded since this calibration', fix));
  else if (d.flagged) out.push(fail('drift', `drift check ${d.at.slice(0, 10)}: ${d.errorC.toFixed(2)} °C off at ${d.referenceC} °C, over the ${d.limitC} °C limit (CALIBRATION_DRIFT)`, 'calibrate again and look for the cause: lens, sensor position, sun or draught (docs/calibration.md)'));
  else {
    const days = Math.floor((now.getTime() - Date.parse(d.at)) / DAY_MS);
    const summary = `drift check ${d.at.slice(0, 10)}: ${d.errorC.toFixed(2)} °C at ${d.referenceC} °C (limit ${d.limitC} °C)`;
    if (days >= DRIFT_CHECK_WARN_DAYS) out.push(warn('drift', `${summary}, ${days} days ago: the check is daily`, fix));
    else out.push(ok('drift', summary));
  }
  return out;
}

/**
 * Where the skin-to-body model comes from: the project's default (the forehead heat balance,
 * docs/configuration.md) or parameters set for this site.
 */
export function checkBodyModel(config: KioskConfig): Finding {
  const model = config.temperature.model;
  if (isDeepStrictEqual(model, DEFAULT_SKIN_TO_BODY_MODEL)) return ok('body-model', `default: linear heat balance, k = ${DEFAULT_SKIN_TO_BODY_MODEL.k} (docs/configuration.md, "Body temperature")`);
  const params = Object.entries(model)
    .filter(([k]) => k !== 'kind')
    .map(([k, v]) => `${k} = ${String(v)}`)
    .join(', ');
  return ok('body-model', `site-fitted: ${model.kind}${params ? `, ${params}` : ''} (from the configuration's temperature.model; the technician console records who fitted it and on how many people)`);
}
