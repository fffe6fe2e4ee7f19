/**
 * The host the soak runs (a child process, so it can be killed with SIGKILL and started again on
 * the same data directory): the real KioskHost on real serial ports (the soak's simulators behind
 * socat pseudo-terminals), the browser-mode server the soak watches like a UI, JSON logs on stderr,
 * the URL on stdout. Time is compressed (docs/soak.md): every engine timer runs `--time-scale`
 * times its configured length, and the card reader is polled every `--idcard-poll-ms`.
 *
 *   node --import tsx bench/soak/soak-host.ts --data DIR --config FILE --time-scale 0.02 --idcard-poll-ms 10
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadKioskConfig } from '../../main/config/kiosk-config.js';
import { systemClock, type Clock } from '../../main/engine/clock.js';
import { startBrowserServer } from '../../main/host/browser-server.js';
import { KioskHost } from '../../main/host/kiosk-host.js';
import { createLogger } from '../../main/host/logger.js';

const { values } = parseArgs({
  options: { data: { type: 'string' }, config: { type: 'string' }, 'time-scale': { type: 'string', default: '0.02' }, 'idcard-poll-ms': { type: 'string', default: '10' } },
  strict: true,
});
const log = createLogger();
const scale = Number(values['time-scale']);
const loaded = await loadKioskConfig(values.config!);
if (!loaded.ok) throw new Error(loaded.problems.join('; '));
const config = loaded.config;
const clock: Clock = { monotonicMs: systemClock.monotonicMs, now: systemClock.now, setTimer: (ms, fn) => systemClock.setTimer(ms * scale, fn) };
const host = await KioskHost.start({ config, dataDir: values.data!, simulate: false, scenarios: null, log, clock, idcardPollMs: Number(values['idcard-poll-ms']) });

// The soak's thermometer simulator reads its scene exactly: its true calibration is the identity,
// recorded once (the first start) as a technician would after a blackbody check.
if (host.engine.serviceProblems.some((p) => p.code === 'CALIBRATION_MISSING')) {
  await host.recordCalibration({ deviceId: config.devices.thermometer.id, gain: 1, offsetC: 0, points: [{ referenceC: 37, measuredC: 37 }], technicianId: 'soak', note: 'simulated sensor: identity' });
}
const server = await startBrowserServer({ port: 0, rendererDir: join(import.meta.dirname, '..', '..', 'dist', 'renderer'), contract: host.contract, log, health: () => host.health() });
const stop = () =>
  void server
    .close()
    .then(() => host.stop())
    .then(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
process.stdout.write(`${server.url}\n`);
