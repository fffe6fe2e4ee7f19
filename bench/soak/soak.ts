/**
 * `npm run soak`: the soak and fault campaign (docs/soak.md). Simulated travellers screened one
 * after another at full speed (compressed time) through the real host on real serial ports, while
 * faults are injected: devices unplugged, garbage on the lines, the disk full, the host killed with
 * SIGKILL and restarted, the central service it uploads to stopped or killed for a spell. At the end:
 *
 * 1. every screening that was shown is stored exactly once, as it was shown (decision, reasons);
 *    every record not shown is explained (abandoned, or decided just before a kill);
 * 2. once the outbox has drained, every screening shown is on central exactly once and as shown,
 *    every screening stored reached central, and nothing else did (not with --no-central);
 * 3. the audit chain and every record's seal verify (`kiosk audit verify`);
 * 4. memory and open descriptors are flat at steady state (goal: < 10 MB per 10,000 screenings);
 * 5. no warning or error in the host's log is left unexplained by an injected fault;
 * 6. neither the host nor central ever exited by itself.
 *
 * The figures go to bench/results/soak.json (or --output) with the machine; the exit code is 1 when
 * a check failed. Not part of `npm test`: it measures, and a full run takes hours.
 *
 *   npm run soak -- [--screenings 100000] [--minutes 480] [--seed 1] [--output FILE] [--keep] [--no-central]
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { spawnSync } from 'node:child_process';
import Database from 'better-sqlite3';
import { parseArgs } from 'node:util';
import { KioskStore } from '../../main/store/kiosk-store.js';
import { seededRandom } from '../../drivers/sim/seeded-random.js';
import { fillDisk, tryMountTmpfs, unmount } from '../../test/fixtures/store/tmpfs.js';
import { describeEnvironment, loadAverage, type BenchResult, type Figure } from '../bench-result.js';
import { planFaults, type FaultKind, type PlannedFault } from './fault-plan.js';
import { SoakKiosk } from './kiosk-process.js';
import { compareWithCentral, type CentralRow } from './central-check.js';
import { auditLog, GRACE_MS, type FaultWindow } from './log-audit.js';
import { OutboxWatch } from './outbox-watch.js';
import { sampleProcess, steadyGrowth, type ResourceSample } from './resources.js';
import { CentralProcess } from '../rig/central-process.js';
import { SoakDevices, travellerCard, type Traveller } from './soak-devices.js';
import { UiObserver, type ShownResult } from './ui-observer.js';

const ROOT = join(import.meta.dirname, '..', '..');

const { values: opt } = parseArgs({
  options: {
    screenings: { type: 'string', default: '100000' },
    minutes: { type: 'string', default: '480' },
    seed: { type: 'string', default: '1' },
    output: { type: 'string', default: join(ROOT, 'bench', 'results', 'soak.json') },
    'time-scale': { type: 'string', default: '0.02' },
    'sim-time-scale': { type: 'string', default: '0.05' },
    'idcard-poll-ms': { type: 'string', default: '10' },
    keep: { type: 'boolean', default: false },
    /** The standalone kiosk: no central, no uplink, no central outages. */
    'no-central': { type: 'boolean', default: false },
  },
  strict: true,
});
const TOTAL = Number(opt.screenings);
const DEADLINE = Date.now() + Number(opt.minutes) * 60_000;
const SEED = Number(opt.seed);
const TIME_SCALE = Number(opt['time-scale']);
const SIM_TIME_SCALE = Number(opt['sim-time-scale']);
const IDCARD_POLL_MS = Number(opt['idcard-poll-ms']);
/** A traveller whose result did not come within this long (real time) gets none. */
const RESULT_TIMEOUT_MS = 8000;
/** The kiosk must be ready for the next traveller within this long, or the soak reports a stall. */
const READY_TIMEOUT_MS = 60_000;
/** Resource samples per host lifetime: every 250 screenings, more often in a short run. */
const SAMPLE_EVERY = Math.max(10, Math.min(250, Math.floor(TOTAL / 40)));
const FEVER_SHARE = 0.03;
/** After the last traveller the outbox must be empty within this long (real time; the uplink's backoff is at most 5 min). */
const DRAIN_TIMEOUT_MS = 10 * 60_000;
const CHECKPOINT_ID = 'soak-1';
const KIOSK_ID = 'soak-1-k1';

const log = (line: string) => process.stderr.write(`soak: ${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const random = seededRandom(SEED + 1000);

if (!existsSync(join(ROOT, 'dist', 'renderer', 'index.html'))) throw new Error('dist/ is missing: run `npm run build` (npm run soak does)');

// ---- set-up --------------------------------------------------------------------------------
const work = mkdtempSync(join(tmpdir(), 'kiosk-soak-'));
const fsDir = join(work, 'data-fs');
// A small real filesystem for the data directory, so a disk-full spell is the real thing: sized for
// the run (about 8 KiB per screening: record, outbox row, audit entry, WAL) plus room to spare.
const tmpfsSize = `${Math.max(256, Math.ceil((TOTAL * 8) / 1024) + 128)}m`;
const mountError = process.getuid?.() === 0 ? tryMountTmpfs(fsDir, tmpfsSize) : 'not root';
const dataDir = join(mountError === null ? fsDir : work, 'data');
const available = new Set<FaultKind>(['unplug', 'garbage', 'kill']);
if (mountError === null) available.add('disk-full');
else log(`disk-full spells are not injected: a tmpfs cannot be mounted (${mountError})`);
// The central the kiosk uploads to: enrolled and started before the kiosk's first start.
const central = opt['no-central'] ? null : await CentralProcess.start({ dataDir: join(work, 'central'), checkpointId: CHECKPOINT_ID, kioskId: KIOSK_ID, logFile: join(work, 'central.log') });
if (central) available.add('central-outage');
const plan = planFaults(TOTAL, SEED, available);
// The machine, the commit and the data directory's filesystem, captured before any result is
// written (the benchmarks' record, bench/bench-result.ts).
const environment = describeEnvironment(ROOT, dirname(dataDir));
const loadAtStart = loadAverage();
const startedAt = new Date();

const devices = await SoakDevices.start(join(work, 'ptys'), SIM_TIME_SCALE);
const configFile = join(work, 'config.json');
writeFileSync(
  configFile,
  JSON.stringify({
    checkpoint: { id: CHECKPOINT_ID, name: '浸泡测试卡口', ...(central && { kioskId: KIOSK_ID }) },
    devices: {
      idcard: { source: 'serial', path: devices.idcardPath },
      thermometer: { source: 'serial', path: devices.thermometerPath, protocol: 'gy-mcu90614', pollIntervalMs: 20 },
    },
    // Engine timers are scaled by TIME_SCALE in the host: 30 s of commit budget is 0.6 s here, so a
    // loaded machine's fsync does not turn into spurious STORE_UNAVAILABLE holds. The store's retry
    // queue runs in real time.
    screening: { commit: { attemptTimeoutMs: 30_000, retryInitialMs: 100, retryMaxMs: 1000 } },
    ...(central && { central: central.configSection() }),
  }),
);
const kiosk = new SoakKiosk({ dataDir, configFile, timeScale: TIME_SCALE, idcardPollMs: IDCARD_POLL_MS, logFile: join(work, 'host.log') });
const outbox = new OutboxWatch(join(dataDir, 'kiosk.db'));

const shown = new Map<string, ShownResult>();
const windows: FaultWindow[] = [];
const samples: ResourceSample[] = [];
const noResult: Array<{ index: number; arrivedAt: number; faultDuring: FaultKind | null }> = [];
const injected: Record<string, number> = {};
const recoveryMs: Record<string, number[]> = {};
const stalls: string[] = [];
/** Each central outage: how central went away, what the kiosk screened meanwhile, how soon its backlog reached central. */
const outages: Array<{ signal: 'SIGTERM' | 'SIGKILL'; shownAtStart: number; shownDuring: number; backlogAtRestart: number; drainedAfterMs: number | null }> = [];
/** The deliveries after each outage, awaited in the background while travellers go on. */
const deliveries: Array<Promise<void>> = [];
let shownInLife = 0;
let ui: UiObserver = null as unknown as UiObserver; // connected by startHost() before any use

async function startHost(): Promise<void> {
  await kiosk.start();
  ui = await UiObserver.connect(kiosk.url, shown, kiosk.generation);
  shownInLife = 0;
  sample();
}

/** Ready for the next traveller: devices online, the screen idle (not a result, not out of service). */
async function ready(): Promise<boolean> {
  return ui.waitFor(() => ui.devicesOnline && ui.screen?.screen === 'idle', READY_TIMEOUT_MS);
}

function sample(): void {
  const pid = kiosk.pid;
  const s = pid === undefined ? null : sampleProcess(pid);
  if (s) samples.push({ generation: kiosk.generation, screenings: shownInLife, ...s, at: Date.now() });
}

function noted(kind: string, startedAt: number): void {
  injected[kind] = (injected[kind] ?? 0) + 1;
  (recoveryMs[kind] ??= []).push(Date.now() - startedAt);
}

/** Injects one fault; for those that end by themselves, waits until the kiosk has recovered. */
async function inject(f: PlannedFault): Promise<void> {
  const start = Date.now();
  switch (f.kind) {
    case 'garbage': {
      const bytes = Buffer.alloc(32 + Math.floor(random() * 480));
      for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(random() * 256);
      devices.garbage(f.device!, bytes);
      windows.push({ kind: 'garbage', device: f.device!, start, end: start + 500 });
      injected[`garbage (${f.device})`] = (injected[`garbage (${f.device})`] ?? 0) + 1;
      return;
    }
    case 'unplug': {
      const forMs = 200 + Math.floor(random() * 1300);
      const w: FaultWindow = { kind: 'unplug', device: f.device!, start, end: Number.POSITIVE_INFINITY };
      windows.push(w);
      devices.unplug(f.device!, forMs);
      // Recovered when the kiosk reports the device online again after the cable is back.
      await sleep(forMs);
      await ui.waitFor(() => ui.devicesOnline, READY_TIMEOUT_MS);
      w.end = Date.now();
      noted(`unplug (${f.device})`, start);
      return;
    }
    case 'kill': {
      const w: FaultWindow = { kind: 'kill', start, end: Number.POSITIVE_INFINITY };
      windows.push(w);
      sample();
      ui.close();
      await kiosk.kill();
      devices.leave();
      await startHost();
      await ready();
      w.end = Date.now();
      noted('kill', start);
      return;
    }
    case 'disk-full':
      // SQLite reuses the space its WAL file already has, so a disk that fills up is felt only when
      // the WAL must grow: checkpoint it and cut it to nothing first (as the store's periodic
      // checkpoints do), then fill every byte. The next record written needs space there is not.
      truncateWal(join(dataDir, 'kiosk.db'));
      await fillDisk(join(fsDir, 'ballast'));
      windows.push({ kind: 'disk-full', start, end: Number.POSITIVE_INFINITY });
      return;
    case 'central-outage':
      await central!.beginOutage(f.signal!);
      windows.push({ kind: 'central-outage', start, end: Number.POSITIVE_INFINITY });
      outages.push({ signal: f.signal!, shownAtStart: shown.size, shownDuring: 0, backlogAtRestart: 0, drainedAfterMs: null });
      return;
  }
}

/**
 * `PRAGMA wal_checkpoint(TRUNCATE)` from a second connection, beside the running host (SQLite
 * allows it; a busy writer makes it retry). The only SQL the soak runs: it simulates a disk, not
 * the store.
 */
function truncateWal(file: string): void {
  const db = new Database(file);
  try {
    db.pragma('busy_timeout = 5000');
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
}

/**
 * Resolves true once no record queued before `before` waits in the outbox (all of them when
 * `before` is infinite), false after `timeoutMs`. Polls the store beside the host (outbox-watch.ts).
 */
async function delivered(before: number, timeoutMs: number): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const b = outbox.backlog();
    if (b.oldestPendingAt === null || b.oldestPendingAt >= before) return true;
    if (Date.now() > until) return false;
    await sleep(250);
  }
}

/**
 * Ends a spell. A full disk: space freed, then waits for the kiosk to write what waited. A central
 * outage: central started again; the delivery of the backlog is awaited in the background (the
 * outage's window, which explains the uplink's retries, lasts until then) while travellers go on.
 */
async function endSpell(kind: 'disk-full' | 'central-outage'): Promise<void> {
  const w = windows.findLast((x) => x.kind === kind)!;
  if (kind === 'central-outage') {
    const o = outages.at(-1)!;
    o.shownDuring = shown.size - o.shownAtStart;
    o.backlogAtRestart = outbox.backlog().pending;
    await central!.endOutage();
    const restartedAt = Date.now();
    deliveries.push(
      delivered(restartedAt, DRAIN_TIMEOUT_MS).then((ok) => {
        w.end = Date.now();
        if (!ok) return void stalls.push(`central's outage (${o.signal}): the records queued during it did not reach central within ${DRAIN_TIMEOUT_MS / 60_000} min of its restart`);
        o.drainedAfterMs = w.end - restartedAt;
        noted(`central-outage (${o.signal})`, restartedAt);
      }),
    );
    return;
  }
  rmSync(join(fsDir, 'ballast'), { force: true });
  const until = Date.now() + 120_000;
  for (;;) {
    const h = await kiosk.health();
    if (h && h.store === 'open' && h.pendingRecords === 0) break;
    if (Date.now() > until) {
      stalls.push(`the store did not recover within 120 s after the disk-full spell (health ${JSON.stringify(h)})`);
      break;
    }
    await sleep(100);
  }
  w.end = Date.now();
  noted(kind, w.start);
}

// ---- the run -------------------------------------------------------------------------------
const t0 = Date.now();
windows.push({ kind: 'setup', start: t0, end: Number.POSITIVE_INFINITY });
await startHost();
// Ready means in service: calibrated and, central-fed, with the deployment's ID key that first contact brings (ID_KEY_AWAITED until then).
if (!(await ready())) throw new Error(`the kiosk did not become ready: ${JSON.stringify({ devices: ui.devices, screen: ui.screen?.screen, notices: ui.notices })}`);
windows[0]!.end = Date.now();
log(`host ready; ${TOTAL} travellers, ${plan.length} faults planned (${[...available].join(', ')}); time scale ${TIME_SCALE}; ${central ? `central at ${central.url}` : 'no central'}; work dir ${work}`);

let planIndex = 0;
let spellEndsAt: { kind: 'disk-full' | 'central-outage'; at: number } | null = null;
let travellers = 0;
let withoutResultInARow = 0;
for (let i = 0; i < TOTAL && Date.now() < DEADLINE; i++) {
  const fault = plan[planIndex]?.at === i ? plan[planIndex++] : undefined;
  if (fault && !fault.midScreening) {
    await inject(fault);
    if (fault.spell) spellEndsAt = { kind: fault.kind as 'disk-full' | 'central-outage', at: i + fault.spell };
  }
  if (!(await ready())) {
    if (ui.closed) stalls.push(`traveller ${i}: the host went away while idle`);
    else stalls.push(`traveller ${i}: not ready within ${READY_TIMEOUT_MS / 1000} s (devices ${JSON.stringify(ui.devices.map((d) => d.state))}, screen ${ui.screen?.screen})`);
    break;
  }
  const traveller: Traveller = { index: i, fever: random() < FEVER_SHARE, card: travellerCard(i) };
  const before = shown.size;
  const arrivedAt = Date.now();
  devices.arrive(traveller);
  travellers += 1;
  if (fault?.midScreening) {
    await sleep(Math.floor(random() * 40));
    await inject(fault);
  }
  const got = await ui.waitFor(() => shown.size > before, RESULT_TIMEOUT_MS);
  devices.leave();
  // The next traveller's card reaches the reader after the reader has been asked for a card with the
  // last one gone (at a real kiosk's 300 ms poll interval a hand-over takes longer than that). Placed
  // sooner, it would lie there before the driver heard "no card", and the driver counts a card as new
  // only after that answer (docs/protocols/sam-reader.md §11 item 1): it would not be read.
  await devices.readerPolledTwice(RESULT_TIMEOUT_MS);
  if (got) {
    shownInLife += 1;
    withoutResultInARow = 0;
  } else {
    noResult.push({ index: i, arrivedAt, faultDuring: fault?.midScreening ? fault.kind : null });
    if (++withoutResultInARow >= 10) {
      stalls.push(`travellers ${i - 9}–${i}: ten in a row got no result (screen ${ui.screen?.screen}, devices ${JSON.stringify(ui.devices.map((d) => d.state))})`);
      break;
    }
  }
  if (spellEndsAt && i >= spellEndsAt.at) {
    await endSpell(spellEndsAt.kind);
    spellEndsAt = null;
  }
  if (shownInLife % SAMPLE_EVERY === 0) sample();
  if ((i + 1) % 1000 === 0) log(`${i + 1} travellers, ${shown.size} results shown, ${((shown.size * 1000) / (Date.now() - t0)).toFixed(1)}/s, faults ${JSON.stringify(injected)}`);
}
if (spellEndsAt) await endSpell(spellEndsAt.kind);
const elapsedMs = Date.now() - t0;
sample();

// ---- central: the backlog drained, then what central holds -------------------------------------
await Promise.all(deliveries);
let drain: { backlog: number; ms: number | null; dead: number } | null = null;
let onCentral: CentralRow[] | null = null;
let centralError = '';
if (central) {
  const drainStart = Date.now();
  const backlog = outbox.backlog().pending;
  const ok = await delivered(Number.POSITIVE_INFINITY, DRAIN_TIMEOUT_MS);
  drain = { backlog, ms: ok ? Date.now() - drainStart : null, dead: outbox.backlog().dead };
  log(`outbox ${ok ? `drained in ${drain.ms} ms` : 'NOT drained'} (${backlog} records pending after the last traveller)`);
  try {
    onCentral = await central.received(new Date(startedAt.getTime() - 86_400_000), new Date(Date.now() + 86_400_000));
  } catch (err) {
    centralError = err instanceof Error ? err.message : String(err);
  }
}
outbox.close();

// ---- the end: an orderly stop, then the checks ------------------------------------------------
windows.push({ kind: 'shutdown', start: Date.now(), end: Number.POSITIVE_INFINITY });
ui.close();
const stopCode = await kiosk.stop();
await kiosk.closeLog();
await devices.stop();
const centralStopCode = await central?.stop();

const checks: Array<{ check: string; ok: boolean; detail: string }> = [];
const check = (name: string, ok: boolean, detail: string) => checks.push({ check: name, ok, detail });

check('the host never exited by itself', kiosk.unexpectedExits.length === 0 && stopCode === 0, `unexpected exits ${JSON.stringify(kiosk.unexpectedExits)}; orderly stop exit code ${stopCode}`);
check('the soak never stalled', stalls.length === 0, stalls.join('; ') || 'every traveller found the kiosk ready');

const verify = spawnSync(process.execPath, [join(ROOT, 'bin', 'kiosk.js'), 'audit', 'verify', '--data', dataDir], { encoding: 'utf8' });
check('kiosk audit verify: the audit chain and every record seal verify', verify.status === 0, `${verify.stdout.trim()} ${verify.stderr.trim()}`.trim());

const store = await KioskStore.open({ dataDir, maintenanceIntervalMs: 0 });
const stored = new Map<string, { decision: string | null; reasons: string[]; outcome: string; finishedMs: number }>();
let duplicateRows = 0;
for (const r of store.records.between(0, Date.now() + 86_400_000)) {
  if (stored.has(r.id)) duplicateRows += 1;
  stored.set(r.id, { decision: r.decision, reasons: r.reasons.map((x) => x.code), outcome: r.outcome, finishedMs: Date.parse(r.finishedAt) });
}
const notStored: string[] = [];
const differ: string[] = [];
let outboxMissing = 0;
for (const s of shown.values()) {
  const r = stored.get(s.id);
  if (!r) {
    notStored.push(s.id);
    continue;
  }
  if (r.decision !== s.decision || r.reasons.join(',') !== s.reasons.join(',')) differ.push(`${s.id}: shown ${s.decision} ${s.reasons.join(',')}, stored ${r.decision} ${r.reasons.join(',')}`);
  if (store.outbox.status(s.id) === null) outboxMissing += 1;
}
const kills = windows.filter((w) => w.kind === 'kill');
const unshown = [...stored.entries()].filter(([id]) => !shown.has(id));
const unshownUnexplained = unshown.filter(([, r]) => r.outcome !== 'abandoned' && !kills.some((k) => r.finishedMs <= k.start && k.start - r.finishedMs < 10_000));
store.close();
check('every screening shown is stored exactly once (one record, one outbox row)', notStored.length === 0 && duplicateRows === 0 && outboxMissing === 0, `${shown.size} shown; not stored ${notStored.length} ${notStored.slice(0, 5).join(' ')}; duplicate rows ${duplicateRows}; without an outbox row ${outboxMissing}`);
check('what was stored is what was shown (decision and reasons)', differ.length === 0, differ.slice(0, 5).join('; ') || `${shown.size} compared`);
check('every record not shown is explained (abandoned, or decided just before a kill)', unshownUnexplained.length === 0, `${unshown.length} stored but not shown, ${unshownUnexplained.length} unexplained ${unshownUnexplained.slice(0, 5).map(([id]) => id).join(' ')}`);
const onCentralCheck = onCentral && compareWithCentral(shown, new Set(stored.keys()), onCentral);
if (central) {
  const c = onCentralCheck;
  const ids = (xs: string[]) => xs.slice(0, 5).join(' ');
  check('central never exited by itself', central.unexpectedExits.length === 0 && centralStopCode === 0, `unexpected exits ${JSON.stringify(central.unexpectedExits)}; orderly stop exit code ${centralStopCode}`);
  check(
    'the outbox drained after the last traveller: nothing pending, no dead letter',
    drain !== null && drain.ms !== null && drain.dead === 0,
    drain?.ms === null ? `still pending after ${DRAIN_TIMEOUT_MS / 60_000} min` : `${drain?.backlog} pending after the last traveller, drained in ${drain?.ms} ms; ${drain?.dead} dead letters`,
  );
  check(
    'every screening shown is on central exactly once, as shown',
    c !== null && c.missing.length === 0 && c.repeated.length === 0 && c.differ.length === 0,
    c ? `${shown.size} shown, ${onCentral!.length} screenings on central; missing ${c.missing.length} ${ids(c.missing)}; more than once ${c.repeated.length} ${ids(c.repeated)}; differing ${c.differ.length} ${c.differ.slice(0, 3).join('; ')}` : `central's export failed: ${centralError}`,
  );
  check(
    'every screening stored reached central, and nothing else did',
    c !== null && c.storedNotOnCentral.length === 0 && c.unknownOnCentral.length === 0,
    c ? `${stored.size} stored; not on central ${c.storedNotOnCentral.length} ${ids(c.storedNotOnCentral)}; on central but never stored ${c.unknownOnCentral.length} ${ids(c.unknownOnCentral)}` : `central's export failed: ${centralError}`,
  );
}

const audit = auditLog(kiosk.problems, windows.map((w) => ({ ...w, end: Number.isFinite(w.end) ? w.end : Date.now() })));
check('no warning or error in the log is left unexplained', audit.unexplained.length === 0, audit.unexplained.slice(0, 10).map((l) => l.raw).join('\n') || `${kiosk.problems.length} warning/error lines, all explained`);

// A traveller without a result is explained by a fault injected during their screening, or by one
// in effect while they waited for it (from arriving to giving up). Not by a central outage: the
// kiosk screens offline, its records wait in the outbox.
const resultless = noResult.filter(
  (n) =>
    n.faultDuring === null &&
    !windows.some((w) => w.kind !== 'setup' && w.kind !== 'shutdown' && w.kind !== 'central-outage' && w.start <= n.arrivedAt + RESULT_TIMEOUT_MS && (Number.isFinite(w.end) ? w.end : Date.now()) + GRACE_MS >= n.arrivedAt),
);
check('every traveller without a result met an injected fault', resultless.length === 0, `${noResult.length} without a result, ${resultless.length} unexplained (travellers ${resultless.slice(0, 10).map((n) => n.index).join(', ')})`);

const warmUp = Math.min(2000, Math.floor(TOTAL / 5));
const growth = steadyGrowth(samples, warmUp);
const steady = growth.longestLifetime >= 10_000;
check(
  `memory flat at steady state (< 10 MB per 10,000 screenings${steady ? '' : '; too short a run to measure, reported only'})`,
  !steady || growth.rssMbPer10k < 10,
  `${growth.rssMbPer10k.toFixed(2)} MB per 10,000 over ${growth.screenings} screenings after a ${warmUp}-screening warm-up per lifetime`,
);
check(`open descriptors flat at steady state${steady ? '' : ' (reported only)'}`, !steady || (growth.fdsPer10k < 1 && growth.fdRange <= 4), `${growth.fdsPer10k.toFixed(2)} per 10,000, largest spread within a lifetime ${growth.fdRange}`);

// ---- the result ------------------------------------------------------------------------------
const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;
const figures: Record<string, Figure> = {
  'travellers screened': { value: travellers, unit: 'people', goal: `${TOTAL}`, met: travellers >= TOTAL },
  'results shown': { value: shown.size, unit: 'screenings' },
  'screenings per second (compressed time)': { value: round((shown.size * 1000) / elapsedMs), unit: '/s' },
  'host RSS growth at steady state': { value: round(growth.rssMbPer10k), unit: 'MB per 10,000 screenings', goal: '< 10', ...(steady && { met: growth.rssMbPer10k < 10 }) },
  'open descriptors growth at steady state': { value: round(growth.fdsPer10k), unit: 'per 10,000 screenings', goal: '< 1 (flat)', ...(steady && { met: growth.fdsPer10k < 1 }) },
  'shown but not stored exactly once': { value: notStored.length + duplicateRows + outboxMissing, unit: 'screenings', goal: '0', met: notStored.length + duplicateRows + outboxMissing === 0 },
  'unexplained log lines': { value: audit.unexplained.length, unit: 'lines', goal: '0', met: audit.unexplained.length === 0 },
  'faults injected and recovered from': { value: Object.values(injected).reduce((a, b) => a + b, 0), unit: 'faults' },
};
if (central) {
  const c = onCentralCheck;
  const wrong = c ? c.missing.length + c.repeated.length + c.differ.length : shown.size;
  figures['shown but not on central exactly once, as shown'] = { value: wrong, unit: 'screenings', goal: '0', met: wrong === 0 };
  figures['holds on central'] = { value: c?.holdsOnCentral ?? 0, unit: 'holds', goal: `${c?.holdsShown ?? '?'} (every hold shown)`, met: c !== null && c.holdsOnCentral === c.holdsShown };
  figures['central outages'] = { value: outages.length, unit: 'outages' };
  figures['results shown while central was away'] = { value: outages.reduce((a, o) => a + o.shownDuring, 0), unit: 'screenings' };
  figures['backlog after the last traveller drained in'] = { value: drain?.ms ?? -1, unit: 'ms' };
}
for (const [kind, ms] of Object.entries(recoveryMs)) {
  const sorted = [...ms].sort((a, b) => a - b);
  figures[`recovery time, ${kind}, median`] = { value: sorted[Math.floor(sorted.length / 2)]!, unit: 'ms' };
}
const result: BenchResult & { checks: typeof checks } = {
  scope:
    `the real KioskHost and browser-mode server (bench/soak/soak-host.ts, from the sources) in a child process, restarted after each SIGKILL, engine timers compressed ×${TIME_SCALE}; ` +
    `simulated SAM reader and GY-MCU90614 thermometer in this process on socat pseudo-terminals through the real serialport bindings; ` +
    `the traveller screen observed over browser mode's WebSocket (no browser drawing it); data directory on ` +
    `${mountError === null ? `a ${tmpfsSize} tmpfs (for the disk-full spells)` : 'the OS temp directory'}; ` +
    `${central ? `the reference central service (\`kiosk central start\`, embedded PGlite) in its own process, stopped (SIGTERM) or killed (SIGKILL) for each outage and restarted on the same port and data; what it holds read through its admin export` : 'no central (--no-central: a standalone kiosk)'}`,
  figures,
  checks,
  notes: {
    options: { screenings: TOTAL, minutes: Number(opt.minutes), seed: SEED, timeScale: TIME_SCALE, simTimeScale: SIM_TIME_SCALE, idcardPollMs: IDCARD_POLL_MS, central: central !== null },
    timeCompression: `engine timers × ${TIME_SCALE}; simulators' scripted delays and frame interval × ${SIM_TIME_SCALE} (a GY frame every ${100 * SIM_TIME_SCALE} ms); card reader polled every ${IDCARD_POLL_MS} ms; the store's retries and the serial links' reconnects run in real time`,
    elapsedMs,
    hostLifetimes: kiosk.generation,
    diskFull: mountError === null ? `tmpfs of ${tmpfsSize}` : `not injected: ${mountError}`,
    centralOutages: central ? outages : 'not injected: --no-central',
    ...(central && { centralDrain: drain, centralScreenings: onCentral?.length ?? null, holdsShown: onCentralCheck?.holdsShown ?? null }),
    injected,
    withoutResult: noResult.length,
    storedButNotShown: unshown.length,
    logLinesExplained: audit.explained,
    simulatorProblems: devices.simulatorProblems.length,
    uiInvalidEvents: ui.invalid,
    resourceSamples: samples.length,
    steadyState: growth,
    lastSample: samples.at(-1),
  },
};
mkdirSync(dirname(opt.output), { recursive: true });
const saved = {
  name: 'soak',
  at: startedAt.toISOString(),
  durationS: Math.round(elapsedMs / 1000),
  environment: { ...environment, loadAverage: { atStart: loadAtStart, atEnd: loadAverage() } },
  ...result,
};
writeFileSync(opt.output, `${JSON.stringify(saved, null, 2)}\n`);

for (const [k, f] of Object.entries(figures)) process.stdout.write(`  ${k.padEnd(48)} ${String(f.value).padStart(10)} ${f.unit}${f.goal ? `   (goal: ${f.goal}${f.met === undefined ? '' : f.met ? ', met' : ', NOT met'})` : ''}\n`);
for (const c of checks) process.stdout.write(`${c.ok ? 'ok  ' : 'FAIL'}  ${c.check}: ${c.detail}\n`);
process.stdout.write(`result saved in ${opt.output}${opt.keep ? `; work dir kept: ${work}` : ''}\n`);

if (mountError === null) {
  try {
    unmount(fsDir);
  } catch (err) {
    log(`could not unmount ${fsDir}: ${err instanceof Error ? err.message : String(err)}`);
  }
}
if (!opt.keep) rmSync(work, { recursive: true, force: true });
process.exit(checks.every((c) => c.ok) ? 0 : 1);
