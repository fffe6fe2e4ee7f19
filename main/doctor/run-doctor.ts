import type { KioskConfig } from '../config/kiosk-config.js';
import { loadHostConfig } from '../host/host-options.js';
import { inspectStore, type StoreInspection } from '../store/store-inspection.js';
import { join } from 'node:path';
import { DATABASE_FILE } from '../store/data-dir.js';
import { centralLinkOf, checkCentral, type CentralLink } from './central-check.js';
import { checkClock, ntpSynchronised } from './clock-check.js';
import { checkBodyModel, checkCalibration, checkDataDir, checkDisk, checkKeys, checkStore } from './data-checks.js';
import { portAccess, probeDevice, resolvePort } from './device-probe.js';
import { fail, ok, type Finding } from './findings.js';
import { currentIdentity, systemUserDatabase, type Identity, type UserDatabase } from './port-access.js';

export interface DoctorOptions {
  dataDir: string;
  /** `--config`; else `<data>/config.json`, else the built-in default (as the kiosk itself). */
  configFile: string | null;
  /** Ask each device something (off: ports and permissions only). */
  probeDevices: boolean;
  /** How long a device has to answer. */
  deviceTimeoutMs: number;
  /** The user the kiosk runs as (checked when the doctor runs as root). Default `$KIOSK_USER` or `kiosk`. */
  serviceUser?: string;
  now?: () => Date;
  users?: UserDatabase;
  /** The uplink's link for a configuration (main/doctor/central-check.ts). */
  centralLink?: (config: KioskConfig) => CentralLink | null;
  synchronised?: () => Promise<boolean | null>;
}

/**
 * Everything `kiosk doctor` checks, in the order a technician fixes things: the configuration, the
 * data directory and keys, disk and database, the clock, each device (present, permitted, answering
 * its protocol), the calibration, the body model, the central service.
 */
export async function runDoctor(opts: DoctorOptions): Promise<Finding[]> {
  const findings: Finding[] = [];
  const now = opts.now ?? (() => new Date());
  let config: KioskConfig;
  try {
    const loaded = await loadHostConfig({ dataDir: opts.dataDir, configFile: opts.configFile });
    config = loaded.config;
    findings.push(ok('config', `${loaded.source}; checkpoint ${config.checkpoint.id}, kiosk ${config.checkpoint.kioskId}`));
  } catch (err) {
    findings.push(fail('config', err instanceof Error ? err.message.replace(/\n\s*/g, '; ') : String(err), '`kiosk config check FILE` names each problem and its fix; docs/configuration.md'));
    return findings;
  }

  const users = opts.users ?? systemUserDatabase();
  const me = currentIdentity(users);
  const serviceName = opts.serviceUser ?? (process.env.KIOSK_USER || 'kiosk');
  const service = me.uid === 0 ? users.user(serviceName) : null;
  // The kiosk's user owns the data and opens the ports; run as root, the doctor asks about that user.
  const owner: Identity = service ?? me;
  const portUsers = service && service.uid !== me.uid ? [service] : [me];

  findings.push(checkDataDir(opts.dataDir, owner, users));
  findings.push(...checkKeys(opts.dataDir, owner));
  findings.push(await checkDisk(opts.dataDir));
  const { finding: storeFinding, store } = checkStore(() => inspectStore(join(opts.dataDir, DATABASE_FILE)), opts.dataDir);
  findings.push(storeFinding);
  try {
    findings.push(checkClock({ now: now(), synchronised: await (opts.synchronised ?? ntpSynchronised)(), newestRecordMs: store?.newestFinishedMs ?? null }));

    const deviceFindings = await Promise.all(
      (['idcard', 'thermometer'] as const).map(async (kind): Promise<Finding[]> => {
        const port = await resolvePort(config.devices[kind], kind);
        if (!('path' in port)) return [port];
        const access = portAccess(port.path, kind, portUsers, users);
        if (!opts.probeDevices) return [access];
        return [access, await probeDevice(config, kind, opts.deviceTimeoutMs)];
      }),
    );
    findings.push(...deviceFindings.flat());
    findings.push(...checkCalibration(config, store, now()));
    findings.push(checkBodyModel(config));
    const link = (opts.centralLink ?? centralLinkOf)(config);
    findings.push(...(await checkCentral(link, store ? backlogOf(store) : null, now().getTime(), opts.deviceTimeoutMs)));
  } finally {
    store?.close();
  }
  return findings;
}

function backlogOf(store: StoreInspection) {
  return { pending: store.outbox.pending, dead: store.outbox.dead, oldestPendingMs: store.outbox.oldestPendingMs };
}
