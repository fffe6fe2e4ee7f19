import type { DeviceStatus } from '../../drivers/device-status.js';
import { IdCardDriver } from '../../drivers/idcard/idcard-driver.js';
import type { ThermoReading } from '../../drivers/thermometer/reading.js';
import { listSerialPorts, matchPort, describeMatch, type DiscoveredPort } from '../../drivers/transport/port-discovery.js';
import { lineSpeedOf, type KioskConfig } from '../config/kiosk-config.js';
import { idcardReaderFor, serialLinkFor, thermometerDriverFor } from '../host/device-drivers.js';
import { fail, ok, skip, warn, type Finding } from './findings.js';
import { readWriteAccess, statOrNull, type Identity, type UserDatabase } from './port-access.js';

type DeviceConfig = KioskConfig['devices']['idcard'] | KioskConfig['devices']['thermometer'];
type Kind = 'idcard' | 'thermometer';
const NOUN: Record<Kind, string> = { idcard: 'card reader', thermometer: 'thermometer' };

/**
 * The port a serial device's configuration names: its path, or the one port its USB match finds
 * (`kiosk ports` shows the candidates). A finding when there is none.
 */
export async function resolvePort(cfg: DeviceConfig, kind: Kind, list: () => Promise<DiscoveredPort[]> = () => listSerialPorts()): Promise<{ path: string } | Finding> {
  const check = `port.${kind}`;
  if (cfg.source !== 'serial') return skip(check, `${NOUN[kind]} is simulated (no port)`);
  if (cfg.path !== undefined) {
    if (statOrNull(cfg.path)) return { path: cfg.path };
    return fail(check, `${cfg.path} does not exist: the ${NOUN[kind]} is unplugged, or the configured path is wrong`, `check the cable and the power; \`kiosk ports\` lists what is plugged in (use its /dev/serial/by-id name, or the stable name the udev rules give: docs/wiring.md)`);
  }
  const found = matchPort(await list(), cfg.usb!);
  if (found.length === 1) return { path: found[0]!.byId ?? found[0]!.path };
  if (found.length === 0) return fail(check, `no serial port matches ${describeMatch(cfg.usb!)}`, 'plug the device in, or correct devices.' + kind + '.usb; `kiosk ports` shows the USB ids of what is plugged in');
  return fail(check, `${found.length} ports match ${describeMatch(cfg.usb!)} (${found.map((p) => p.path).join(', ')})`, `add "serialNumber" to devices.${kind}.usb, or use the device's /dev/serial/by-path name (docs/wiring.md)`);
}

/** Whether the kiosk's user (and, when different, the user running the check) may open the port. */
export function portAccess(path: string, kind: Kind, users: Identity[], db: UserDatabase): Finding {
  const check = `port.${kind}`;
  const st = statOrNull(path)!;
  for (const who of users) {
    const a = readWriteAccess(st, who, db);
    if (!a.ok) return fail(check, `${path}: ${a.why}`, a.fix);
  }
  const group = db.groupName(st.gid) ?? String(st.gid);
  return ok(check, `${path} present; ${users.map((u) => u.name).join(' and ')} may open it (group ${group}, mode ${(st.mode & 0o777).toString(8).padStart(4, '0')})`);
}

/** A port another process holds (the running kiosk): serialport locks the ports it opens. */
const BUSY = /cannot lock port|resource temporarily unavailable|device or resource busy/i;

/**
 * Asks the device something harmless through the kiosk's own driver, at the configured line speed,
 * and reports whether it answered in its protocol: the SAM its status (`11 FF`) and id (`12 FF`);
 * a thermometer one valid reading (GY stream, Optris `01`, ASCII query or line).
 */
export async function probeDevice(config: KioskConfig, kind: Kind, timeoutMs: number): Promise<Finding> {
  const check = `answers.${kind}`;
  const cfg = config.devices[kind];
  const baud = lineSpeedOf(cfg, kind);
  const link = serialLinkFor(cfg, kind);
  let lastReason = 'no answer yet';
  const onLink = (s: { state: string; reason?: string }) => {
    if (s.state === 'offline' && s.reason) lastReason = s.reason;
  };
  link.on('state', onLink);
  try {
    if (kind === 'idcard') {
      const reader = idcardReaderFor(config.devices.idcard, link);
      if (!(reader instanceof IdCardDriver)) {
        await reader.start();
        const online = link.current.state === 'online';
        await reader.stop();
        return online
          ? skip(check, `the port opens at ${baud} baud; an ASCII-line reader speaks only when a card is swiped (swipe one and watch the technician console's serial monitor)`)
          : fail(check, `the port does not open: ${lastReason}`, portFix(lastReason));
      }
      const answered = await untilStatus(reader, timeoutMs, () => reader.online, (s) => {
        if (s.state === 'offline' && s.reason) lastReason = s.reason;
      });
      // The SAM id is asked right after the first good status; give it a moment.
      if (answered) await waitFor(() => reader.samId !== undefined, 1500);
      await reader.stop();
      if (answered) return ok(check, `the SAM answered its status at ${baud} baud (SW3 90)${reader.samId ? `; SAM id ${reader.samId}` : ''}`);
      if (lastReason === 'SAM self-test failed') return fail(check, 'the SAM answers but failed its self-test (SW3 60): it accepts no command', 'power-cycle the reader; if it persists, the reader (its security module) must be replaced');
      return fail(check, `the card reader did not answer a SAM status command within ${Math.round(timeoutMs / 1000)} s at ${baud} baud (${lastReason})`, samFix(lastReason));
    }
    const driver = thermometerDriverFor(config.devices.thermometer, link);
    let reading: ThermoReading | undefined;
    let status = '';
    const gotReading = new Promise<void>((resolve) => {
      driver.on('reading', (r) => {
        reading ??= r;
        resolve();
      });
    });
    driver.on('status', (s) => {
      if (s.state === 'offline' && s.reason) status = s.reason;
    });
    // Problems (noise, a bad frame) are expected while probing: the outcome is the reading or its
    // absence. A GY board silent at the configured speed is tried at its other one: noted.
    let switchedTo: number | null = null;
    driver.on('problem', (p) => {
      const m = p.code === 'baud' ? /trying (\d+) baud/.exec(p.message) : null;
      if (m) switchedTo = Number(m[1]);
    });
    await driver.start();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([gotReading, new Promise((r) => (timer = setTimeout(r, timeoutMs)))]);
    clearTimeout(timer);
    const why = status || lastReason;
    await driver.stop();
    if (reading) {
      const r = reading as ThermoReading;
      const ambient = r.ambientC !== undefined ? `, ambient ${r.ambientC} °C` : '';
      const at = switchedTo ?? baud;
      const summary = `${config.devices.thermometer.protocol} reading at ${at} baud: object ${r.objectC} °C${ambient} (raw ${r.raw})`;
      if (at !== baud) return warn(check, `${summary}; silent at the configured ${baud} baud`, `set "baudRate": ${at} in devices.thermometer (or the right gy.model), so the kiosk does not search at every start`);
      const p = config.temperature.plausibility;
      if (r.ambientC !== undefined && !(r.ambientC >= p.ambientMinC && r.ambientC <= p.ambientMaxC)) {
        return warn(check, `${summary}; the room is outside ${p.ambientMinC}–${p.ambientMaxC} °C, where the body model holds: travellers will be held (IMPLAUSIBLE_TEMPERATURE)`, 'shield the kiosk from sun, draughts and heaters, or move it indoors (docs/installing.md)');
      }
      return r.outOfRange ? warn(check, `${summary}, outside the device's rated range`, 'check what the sensor is pointed at') : ok(check, summary);
    }
    return fail(check, `the thermometer sent no valid reading within ${Math.round(timeoutMs / 1000)} s (${why})`, thermoFix(why, config.devices.thermometer.protocol));
  } finally {
    link.off('state', onLink);
    await link.close().catch(() => undefined); // already closed by the thermometer driver
  }
}

function portFix(reason: string): string {
  if (BUSY.test(reason)) return 'another program holds the port: the running kiosk (it shows the device\'s state in its status bar); to test the device here, stop it first: sudo systemctl stop checkpoint-kiosk';
  return 'check the path, the cable and the power; `kiosk ports` lists the ports';
}

function samFix(reason: string): string {
  if (BUSY.test(reason)) return portFix(reason);
  return 'check that the reader is powered and its cable is in; a reader set to another speed answers only there: set devices.idcard.baudRate, or "sam": {"probeBaudRates": true}; on RS-232, check TX/RX are crossed (docs/wiring.md)';
}

function thermoFix(reason: string, protocol: string): string {
  if (BUSY.test(reason)) return portFix(reason);
  if (protocol === 'gy-mcu90614') return 'check the board\'s power (3.3–5 V) and that its TX goes to the adapter\'s RX and RX to TX; both of the board\'s speeds were tried; docs/protocols/gy-mcu90614.md §1';
  if (protocol === 'optris-ct') return 'check the head\'s power and cable and its speed (devices.thermometer.baudRate; factory 115200); docs/protocols/optris-ct.md §1';
  return 'check the cable, the speed and the query (devices.thermometer.ascii.query); `kiosk decode thermo --protocol ascii` tries a pattern on captured lines; docs/protocols/ascii-line.md';
}

/** Resolves true when `online()` holds, false after `timeoutMs`; follows the driver's status events. */
function untilStatus(driver: IdCardDriver, timeoutMs: number, online: () => boolean, seen: (s: DeviceStatus) => void): Promise<boolean> {
  return new Promise((resolve) => {
    const finish = (v: boolean) => {
      clearTimeout(timer);
      driver.off('status', on);
      resolve(v);
    };
    const on = (s: DeviceStatus) => {
      seen(s);
      if (online()) finish(true);
    };
    const timer = setTimeout(() => finish(online()), timeoutMs);
    driver.on('status', on);
    driver.on('problem', () => {}); // a problem (a bad reply) is reported through the outcome
    void driver.start().then(() => {
      if (online()) finish(true);
    }, (err: unknown) => {
      seen({ deviceId: driver.deviceId, kind: 'idcard', state: 'offline', reason: err instanceof Error ? err.message : String(err), atMs: 0 });
      finish(false);
    });
  });
}

async function waitFor(cond: () => boolean, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (!cond() && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
}
