/**
 * A kiosk's store and uplink in their own process, for the crash tests (SIGKILL mid-upload).
 * argv: DATA_DIR CENTRAL_URL KIOSK_ID TOKEN RECORDS (records to commit before starting; 0 on a restart).
 * Prints "ready" once started and "drained" each time nothing is left pending.
 */
import { pino } from 'pino';
import { KioskStore } from '../../main/store/kiosk-store.js';
import { Uplink } from '../../main/uplink/uplink.js';
import { screeningRecord } from '../fixtures/store/screening-records.js';

const [dataDir, url, kioskId, token, count, checkpointId] = process.argv.slice(2) as [string, string, string, string, string, string];
const store = await KioskStore.open({ dataDir, maintenanceIntervalMs: 0 });
const n = Number(count);
for (let i = 0; i < n; i++) {
  const held = i % 20 === 19;
  await store.records.commit(screeningRecord({ checkpointId, ...(held && { decision: 'HOLD', outcome: 'hold', fever: true }) }, i));
}
const uplink = new Uplink({
  central: { url, kioskId, token },
  store,
  log: pino({ level: 'silent' }),
  heartbeat: () => ({ status: 'ready', devices: [], calibrationDueAt: null }),
  timings: { requestTimeoutMs: 2000, contactRetryMs: 200 },
  upload: { initialDelayMs: 50, maxDelayMs: 300, breakerThreshold: 50, halfOpenAfterMs: 300, idlePollMs: 100 },
});
uplink.dispatcher.on('idle', () => {
  if (store.outbox.counts().pending === 0) process.stdout.write('drained\n');
});
uplink.start();
process.stdout.write('ready\n');
process.once('SIGTERM', () => void uplink.stop().then(() => (store.close(), process.exit(0))));
