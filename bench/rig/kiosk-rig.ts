import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HmacIdHasher } from '../../main/engine/id-hasher.js';
import { ID_KEY_FILE, WATCHLIST_FILE } from '../../main/host/local-lists.js';
import { openBrowser, type Browser } from '../../test/e2e/kiosk-harness.js';
import { ROOT } from './child-process.js';
import { HostProcess } from './host-process.js';
import { SimProcess } from './sim-process.js';
import { benchWatchlist, syntheticPerson, type PersonMix } from './synthetic-people.js';

/**
 * The technician's configuration of the bench kiosk: the two serial ports by path (each protocol's
 * default line speed), list-fed from the data directory; every other setting at its default.
 */
export function writeBenchConfig(file: string, cardPath: string, thermoPath: string): string {
  const config = {
    checkpoint: { id: 'bench-station-1', name: '基准测试站' },
    devices: {
      idcard: { source: 'serial', path: cardPath },
      thermometer: { source: 'serial', path: thermoPath, protocol: 'gy-mcu90614' },
    },
    lists: { source: 'file' },
  };
  writeFileSync(file, JSON.stringify(config));
  return file;
}

export interface KioskRigOptions {
  /** The bench's directory: data directory, pty links, configuration and logs go in it. */
  dir: string;
  /** The people who will come (their listed ones are put on the lists file). */
  people: number;
  mix: PersonMix;
  /** Entries in the lists file (listed people plus filler). */
  listEntries: number;
}

/**
 * A kiosk as a technician installs it, in processes of their own: the SAM reader and the
 * GY-MCU90614 thermometer simulators behind socat pseudo-terminals (sim-child.ts), the host
 * (host-child.ts) started with a configuration file that names those ports (real serial bindings,
 * each protocol's default line speed), list-fed from `<data>/watchlist.json` with the deployment's
 * ID key, a fresh data directory on the bench filesystem, a blackbody calibration recorded through
 * the store as a technician would (without it a real thermometer keeps the kiosk out of service),
 * and headless Chromium showing the traveller's screen from the host's URL.
 */
export class KioskRig {
  private constructor(
    readonly card: SimProcess,
    readonly thermo: SimProcess,
    readonly host: HostProcess,
    readonly browser: Browser,
    readonly dataDir: string,
  ) {}

  static async start(o: KioskRigOptions): Promise<KioskRig> {
    const dataDir = join(o.dir, 'data');
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const idKey = randomBytes(32);
    writeFileSync(join(dataDir, ID_KEY_FILE), idKey, { mode: 0o600, flag: 'wx' });
    const listed = Array.from({ length: o.people }, (_, i) => syntheticPerson(i, o.mix)).filter((p) => p.listColour);
    writeFileSync(join(dataDir, WATCHLIST_FILE), JSON.stringify(benchWatchlist(listed, new HmacIdHasher(idKey), o.listEntries, new Date())), { mode: 0o600 });

    const ports = join(o.dir, 'ports');
    const card = await SimProcess.start({ kind: 'idcard', hostPath: join(ports, 'idcard') }, join(o.dir, 'sim-idcard.log'));
    const thermo = await SimProcess.start({ kind: 'thermo', hostPath: join(ports, 'thermo'), protocol: 'gy-mcu90614', seed: 7 }, join(o.dir, 'sim-thermo.log'));
    const configFile = writeBenchConfig(join(o.dir, 'kiosk.json'), card.hostPath, thermo.hostPath);
    const host = await HostProcess.start({ configFile, dataDir, rendererDir: join(ROOT, 'dist', 'renderer') }, join(o.dir, 'host.log'));
    await host.calibrate();
    // The start line docs/electron-runtime.md gives for browser mode: the voice prompts may play.
    const browser = await openBrowser(['--autoplay-policy=no-user-gesture-required']);
    await browser.page.goto(host.url);
    await host.waitFor((h) => h.status === 'ready' && h.service === 'in-service', 60_000, 'ready and in service');
    return new KioskRig(card, thermo, host, browser, dataDir);
  }

  async stop(): Promise<void> {
    await this.browser.close().catch(() => undefined);
    await this.host.stop();
    await Promise.all([this.card.stop(), this.thermo.stop()]);
  }
}
