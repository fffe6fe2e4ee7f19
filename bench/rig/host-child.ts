/**
 * The kiosk host in a process of its own, for the benches that watch its stages: the browser-mode
 * host exactly as `dist/host.js --browser` starts it (startBrowserMode with the technician's
 * configuration file: serial ports, real bindings, the real store in the data directory, logs at
 * the configured level on stderr), run from source through tsx, plus listeners that stamp each
 * screening's stages (monotonic-ms.ts) and send them to the bench process over IPC once the
 * result is painted. ScreeningStore.commit is wrapped to stamp the commit's start and end.
 *
 *   node --import tsx [--expose-gc] bench/rig/host-child.ts '<HostChildOptions JSON>'   (forked)
 */
import { loadKioskConfig } from '../../main/config/kiosk-config.js';
import { startBrowserMode } from '../../main/host/browser-mode.js';
import { createLogger } from '../../main/host/logger.js';
import { ScreeningStore } from '../../main/store/screening-store.js';
import { monotonicMs } from './monotonic-ms.js';
import type { HostChildOptions, HostCommand, HostEvent, ScreeningStages } from './rig-messages.js';

const opts = JSON.parse(process.argv[2] ?? '{}') as HostChildOptions;
const send = (e: HostEvent) => process.send?.(e);
const log = createLogger();

const stages = new Map<string, ScreeningStages>();

// The store's commit, timed (the engine's sink calls it once per record; the first call counts).
const commit = ScreeningStore.prototype.commit;
ScreeningStore.prototype.commit = async function (this: ScreeningStore, record, options) {
  const s = stages.get(record.id);
  if (s && s.commitStartAt === null) s.commitStartAt = monotonicMs();
  try {
    return await commit.call(this, record, options);
  } finally {
    if (s && s.commitEndAt === null) s.commitEndAt = monotonicMs();
  }
};

const loaded = await loadKioskConfig(opts.configFile);
if (!loaded.ok) {
  send({ type: 'fatal', message: loaded.problems.join('\n') });
  process.exit(2);
}
const config = loaded.config;
const running = await startBrowserMode({ browser: true, simulate: false, port: 0, dataDir: opts.dataDir, configFile: opts.configFile, scenarios: null }, config, log, opts.rendererDir);
const { host } = running;

let identityAt: number | null = null;
host.on('identity', () => (identityAt = monotonicMs()));
/** A screening whose result never reached a painted frame (a renderer reload, an abandoned one) is reported unpainted after this long. */
const STALE_MS = 120_000;
host.engine.on('started', (e) => {
  const now = monotonicMs();
  for (const s of stages.values()) {
    if (now - s.startedAt < STALE_MS) continue;
    stages.delete(s.screeningId);
    send({ type: 'screening', stages: s });
  }
  stages.set(e.screeningId, {
    screeningId: e.screeningId,
    identityAt: e.trigger === 'card' ? identityAt : null,
    startedAt: monotonicMs(),
    windows: [],
    decidingAt: null,
    commitStartAt: null,
    commitEndAt: null,
    resultAt: null,
    screenAt: null,
    screenSeq: null,
    paintedAt: null,
    decision: null,
    reasons: [],
    storage: null,
    abandoned: false,
  });
  identityAt = null;
});
host.engine.on('transition', (e) => {
  const s = e.screeningId ? stages.get(e.screeningId) : undefined;
  if (!s) return;
  const at = monotonicMs();
  const open = s.windows.at(-1);
  if (open && open.to === null && e.to !== 'measuring' && e.to !== 're-measuring') open.to = at;
  if (e.to === 'measuring' || e.to === 're-measuring') {
    if (open && open.to === null) open.to = at;
    s.windows.push({ from: at, to: null });
  }
  if (e.to === 'deciding') s.decidingAt = at;
});
host.engine.on('result', (e) => {
  const s = stages.get(e.record.id);
  if (!s) return;
  s.resultAt = monotonicMs();
  s.decision = e.record.decision === 'PASS' ? 'PASS' : 'HOLD';
  s.reasons = e.record.reasons.map((r) => r.code);
  s.storage = e.storage;
});
host.engine.on('abandoned', (e) => {
  const s = stages.get(e.record.id);
  if (!s) return;
  stages.delete(e.record.id);
  send({ type: 'screening', stages: { ...s, abandoned: true, storage: e.storage, reasons: e.record.reasons.map((r) => r.code) } });
});
host.on('screen', (screen) => {
  if ((screen.screen !== 'pass' && screen.screen !== 'hold') || !screen.screeningId) return;
  const s = stages.get(screen.screeningId);
  if (s && s.screenSeq === null) {
    s.screenAt = monotonicMs();
    s.screenSeq = screen.seq;
  }
});
host.on('painted', (p) => {
  if (p.screen !== 'pass' && p.screen !== 'hold') return;
  const at = monotonicMs();
  for (const s of stages.values()) {
    if (s.screenSeq === null || p.seq < s.screenSeq) continue;
    s.paintedAt = at;
    stages.delete(s.screeningId);
    send({ type: 'screening', stages: s });
  }
});

process.on('message', (cmd: HostCommand) => {
  const reply = (extra: Omit<Extract<HostEvent, { type: 'reply' }>, 'type' | 'id'>) => send({ type: 'reply', id: cmd.id, ...extra });
  switch (cmd.type) {
    case 'calibrate':
      // The technician's blackbody calibration (the simulated sensor reads the blackbody exactly).
      host
        .recordCalibration({ deviceId: config.devices.thermometer.id, gain: 1, offsetC: 0, points: [{ referenceC: 35, measuredC: 35 }, { referenceC: 39, measuredC: 39 }], technicianId: 'bench', note: 'bench: two-point blackbody' })
        .then(
          () => reply({}),
          (err: unknown) => reply({ error: err instanceof Error ? err.message : String(err) }),
        );
      return;
    case 'health':
      reply({ health: host.health() });
      return;
    case 'memory':
      if (cmd.gc) (globalThis as { gc?: () => void }).gc?.();
      reply({ memory: process.memoryUsage() });
      return;
    case 'stop':
      void running.stop().then(() => {
        reply({});
        process.exit(0);
      });
      return;
  }
});
process.once('disconnect', () => void running.stop().then(() => process.exit(0)));

send({ type: 'ready', url: running.server.url, pid: process.pid });
