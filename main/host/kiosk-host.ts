import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DeviceStatus } from '../../drivers/device-status.js';
import type { IdentityRead } from '../../drivers/idcard/id-card.js';
import { IdCardDriver } from '../../drivers/idcard/idcard-driver.js';
import type { ThermoReading } from '../../drivers/thermometer/reading.js';
import { ThermometerDriver } from '../../drivers/thermometer/thermometer-driver.js';
import type { Link } from '../../drivers/transport/link.js';
import { MemoryLink } from '../../drivers/transport/memory-link.js';
import { TappedLink } from '../../drivers/transport/tapped-link.js';
import { NO_SENSOR_ERROR, SimulatedBench } from '../../drivers/sim/blackbody.js';
import { SerialLink } from '../../drivers/transport/serial-link.js';
import type { KioskConfig } from '../config/kiosk-config.js';
import { ConsoleService } from '../console/console-service.js';
import { applySettingOverrides } from '../console/settings-catalogue.js';
import { ContractServer } from '../contract/contract-server.js';
import type { Health, HostEvent, Language, ScreenState, UiCommand } from '../contract/messages.js';
import type { Clock } from '../engine/clock.js';
import type { DeviceEvents } from '../engine/engine-events.js';
import { HmacIdHasher } from '../engine/id-hasher.js';
import type { RecordSink } from '../engine/record-sink.js';
import type { CalibrationSource } from '../engine/calibration-source.js';
import { ScreeningEngine } from '../engine/screening-engine.js';
import { StaticWatchlistSource } from '../engine/watchlist-source.js';
import { FileKeyProvider, type KeyProvider } from '../store/key-provider.js';
import { KioskStore } from '../store/kiosk-store.js';
import { ID_KEY_FILE, loadWatchlist, StoreCalibrationSource } from './local-lists.js';
import type { Logger } from './logger.js';
import { ScenarioConductor, type ScenarioStep } from './scenario-conductor.js';
import { ScreenModel } from './screen-model.js';
import { softwareVersion } from './software-version.js';

export interface KioskHostOptions {
  config: KioskConfig;
  dataDir: string;
  /** Simulate every device, whatever the configuration says (`kiosk start --sim`). */
  simulate: boolean;
  /** People to play in simulation, one after another; null = one person per the config's scenarios. */
  scenarios: ScenarioStep[] | null;
  log: Logger;
  /** The store's master key; default the 0600 key file in the data directory. */
  keyProvider?: KeyProvider;
  /** Engine clock (benchmarks compress time with it); default the system clock. */
  clock?: Clock;
  /**
   * Simulation: when the first person steps up. 'first-ui' (default) waits until a UI has said hello
   * and both devices are online, then `leadInMs`, so the screen shows the whole walk-up;
   * 'immediately' starts at once (benchmarks, headless runs).
   */
  simulationStart?: 'first-ui' | 'immediately';
  leadInMs?: number;
  /** Card reader poll interval (default the driver's 300 ms); benchmarks shorten it with simulated readers. */
  idcardPollMs?: number;
  /** The built renderer (the LAN staff console serves its console page from it); default dist/renderer beside this bundle. */
  rendererDir?: string;
}

export interface KioskHostEvents {
  /** A screen was published (monotonic ms). */
  screen: [ScreenState, number];
  /** A UI reported it painted a screen (monotonic ms at receipt). */
  painted: [{ seq: number; screen: ScreenState['screen'] }, number];
  /** A card was decoded by the reader driver (monotonic ms of the decode). */
  identity: [number];
}

const STORE_UNAVAILABLE_SINK: RecordSink = {
  commit: async () => {
    throw new Error('the store could not be opened');
  },
};

/**
 * The host: configuration → device drivers (simulated over MemoryLinks, or real serial ports) →
 * screening engine → store, and the typed contract to every UI. Transport-free: the browser server
 * or the Electron utilityProcess entry attaches UIs to `contract`.
 *
 * Logs carry device ids, screening ids, decisions and reason codes; never card contents.
 */
export class KioskHost extends EventEmitter<KioskHostEvents> {
  readonly contract: ContractServer;
  readonly engine: ScreeningEngine;
  readonly simulation: ScenarioConductor | null;
  private readonly screens: ScreenModel;
  private readonly deviceSource = new EventEmitter<DeviceEvents>();
  private engineCalibration!: CalibrationSource;
  private language: Language;
  private readonly startedAt = performance.now();
  private ready = false;
  private screenings = 0;
  /** The staff and technician consoles (null when the store could not be opened: nothing to show or record). */
  readonly consoles: ConsoleService | null;
  /** Set while the thermometer faces a blackbody (calibration): device events do not reach the engine. */
  private screeningPaused = false;
  private thermometerOnlineSince: number | null = null;

  private constructor(
    private readonly opts: KioskHostOptions,
    private readonly store: KioskStore | null,
    private readonly idcard: IdCardDriver,
    private readonly idcardLink: TappedLink,
    private readonly thermometer: ThermometerDriver,
    hasher: HmacIdHasher,
    simulation: ScenarioConductor | null,
    private readonly thermometerLink: TappedLink,
    bench: SimulatedBench | null,
  ) {
    super();
    const { config, log } = opts;
    this.language = config.ui.language;
    this.simulation = simulation;
    this.contract = new ContractServer({ log, onCommand: (cmd, reply, connection) => this.onCommand(cmd, reply, connection), onDetach: (connection) => this.consoles?.detach(connection) });
    this.screens = new ScreenModel(config.temperature.samples, (s) => {
      this.contract.broadcast({ type: 'screen', screen: s });
      this.emit('screen', s, performance.now());
    });
    const watchlist = loadWatchlist(opts.dataDir, this.thermometerSimulated || this.idcardSimulated);
    log.info({ source: watchlist.source, entries: watchlist.snapshot.byHmac.size, refreshedAt: watchlist.snapshot.refreshedAt }, 'host: watchlist loaded');
    this.engine = new ScreeningEngine({
      config,
      sink: store ? store.records : STORE_UNAVAILABLE_SINK,
      watchlist: new StaticWatchlistSource(watchlist.snapshot),
      hasher,
      calibration: this.engineCalibration = store ? new StoreCalibrationSource(store, config, this.thermometerSimulated) : { current: () => null },
      ...(opts.clock && { clock: opts.clock }),
    });
    this.consoles = store ? this.makeConsoles(store, bench) : null;
    this.wire();
  }

  /** The consoles' view of the host (main/console/console-service.ts). */
  private makeConsoles(store: KioskStore, bench: SimulatedBench | null): ConsoleService {
    const rendererDir = this.opts.rendererDir ?? join(dirname(fileURLToPath(import.meta.url)), 'renderer');
    return new ConsoleService({
      store,
      config: this.opts.config,
      dataDir: this.opts.dataDir,
      rendererDir: existsSync(join(rendererDir, 'console.html')) ? rendererDir : null,
      log: this.opts.log,
      softwareVersion: softwareVersion(),
      simulated: { idcard: this.idcardSimulated, thermometer: this.thermometerSimulated },
      links: { idcard: this.idcardLink, thermometer: this.thermometerLink },
      engine: this.engine,
      onThermometerReading: (listener) => this.thermometer.on('reading', listener),
      devices: () => this.screens.deviceViews,
      thermometerOnlineSinceMs: () => this.thermometerOnlineSince,
      calibration: this.engineCalibration,
      pauseScreening: (paused, why) => {
        this.screeningPaused = paused;
        this.opts.log.info({ paused, why }, paused ? 'host: screening paused (the thermometer faces a blackbody)' : 'host: screening resumed');
      },
      bench,
      simulateWalkUp: this.simulation && this.thermometerSimulated ? () => this.simulation?.walkUp('normal') : undefined,
      health: () => this.health(),
    });
  }

  private get idcardSimulated(): boolean {
    return this.opts.simulate || this.opts.config.devices.idcard.source === 'simulated';
  }

  private get thermometerSimulated(): boolean {
    return this.opts.simulate || this.opts.config.devices.thermometer.source === 'simulated';
  }

  /** Opens the store, builds drivers and engine, starts everything. */
  static async start(startOpts: KioskHostOptions): Promise<KioskHost> {
    let opts = startOpts;
    const { log } = opts;
    let store: KioskStore | null = null;
    try {
      store = await KioskStore.open({ dataDir: opts.dataDir, ...(opts.keyProvider && { keyProvider: opts.keyProvider }) });
    } catch (err) {
      // Shown as HOLD STORE_UNAVAILABLE for every screening until fixed; never silently dropped.
      log.error({ err: err instanceof Error ? err.message : String(err) }, 'host: the store could not be opened; every screening will be held for staff');
    }
    if (store) {
      // Settings changed by a technician in the console (stored, audited) apply over the configuration file.
      const applied = applySettingOverrides(opts.config, store.settings);
      for (const p of applied.skipped) log.warn({ problem: p }, 'host: a stored console setting no longer validates; the configuration file value is used');
      opts = { ...opts, config: applied.config };
    }
    const { config } = opts;
    const idKey = await new FileKeyProvider(opts.dataDir, ID_KEY_FILE).getKey({ create: true });
    const hasher = new HmacIdHasher(idKey);

    const simulate = opts.simulate;
    const cardCfg = config.devices.idcard;
    const thermoCfg = config.devices.thermometer;
    const cardSim = simulate || cardCfg.source === 'simulated';
    const thermoSim = simulate || thermoCfg.source === 'simulated';
    const protocol = thermoCfg.protocol;
    let simulation: ScenarioConductor | null = null;
    if (cardSim || thermoSim) {
      const steps = opts.scenarios ?? [
        { idcard: cardCfg.source === 'simulated' ? cardCfg.scenario : 'normal', thermometer: thermoCfg.source === 'simulated' ? thermoCfg.scenario : 'normal' },
      ];
      const timeScale = thermoCfg.source === 'simulated' ? thermoCfg.timeScale : cardCfg.source === 'simulated' ? cardCfg.timeScale : 1;
      let host: KioskHost | null = null;
      const bench = thermoSim ? new SimulatedBench(thermoCfg.source === 'simulated' ? (thermoCfg.sensorError ?? NO_SENSOR_ERROR) : NO_SENSOR_ERROR) : null;
      simulation = new ScenarioConductor({
        steps,
        protocol,
        timeScale,
        ...(bench && { bench }),
        waitForIdle: () => host!.waitForIdle(),
        log: (i, step) => log.info({ person: i + 1, of: steps.length, idcard: step.idcard, thermometer: step.thermometer }, 'sim: next person steps up'),
      });
      const sim = simulation;
      const idcardLink = new TappedLink((): Link => (cardSim ? new MemoryLink(sim.card, { name: cardCfg.id }) : serialLinkFor(cardCfg)));
      const thermoLink = new TappedLink((): Link => (thermoSim ? new MemoryLink(sim.thermometer, { name: thermoCfg.id }) : serialLinkFor(thermoCfg)));
      const idcard = new IdCardDriver({ link: idcardLink, deviceId: cardCfg.id, ...(opts.idcardPollMs !== undefined && { pollIntervalMs: opts.idcardPollMs }) });
      const thermometer = new ThermometerDriver({ link: thermoLink, deviceId: thermoCfg.id, protocol });
      host = new KioskHost(opts, store, idcard, idcardLink, thermometer, hasher, simulation, thermoLink, bench);
      await host.startDevices();
      return host;
    }
    const idcardLink = new TappedLink(() => serialLinkFor(cardCfg));
    const thermoLink = new TappedLink(() => serialLinkFor(thermoCfg));
    const idcard = new IdCardDriver({ link: idcardLink, deviceId: cardCfg.id });
    const thermometer = new ThermometerDriver({ link: thermoLink, deviceId: thermoCfg.id, protocol });
    const host = new KioskHost(opts, store, idcard, idcardLink, thermometer, hasher, null, thermoLink, null);
    await host.startDevices();
    return host;
  }

  private async startDevices(): Promise<void> {
    this.engine.start();
    this.simulation?.powerOn();
    await Promise.all([this.idcard.start(), this.thermometer.start()]);
    await this.consoles?.start();
    this.ready = true;
    if (this.simulation) {
      if (this.opts.simulationStart === 'immediately') this.simulation.start();
      else void this.startSimulationWhenWatched();
    }
    this.opts.log.info({ coldStartMs: Math.round(performance.now() - this.startedAt), simulated: this.simulation !== null }, 'host: ready');
  }

  private uiSeen: (() => void) | null = null;
  private readonly firstUi = new Promise<void>((resolve) => (this.uiSeen = resolve));

  private async startSimulationWhenWatched(): Promise<void> {
    await this.firstUi;
    await this.devicesOnline();
    await new Promise((r) => setTimeout(r, this.opts.leadInMs ?? 1500));
    this.opts.log.info({}, 'sim: a UI is watching and the devices are online; the first person steps up');
    this.simulation?.start();
  }

  private devicesOnline(): Promise<void> {
    const ok = () => {
      const d = this.screens.deviceViews;
      return d.length === 2 && d.every((x) => x.state === 'online');
    };
    if (ok()) return Promise.resolve();
    return new Promise((resolve) => {
      const check = () => {
        if (!ok()) return;
        this.idcard.off('status', check);
        this.thermometer.off('status', check);
        resolve();
      };
      this.idcard.on('status', check);
      this.thermometer.on('status', check);
    });
  }

  /** The UI's first message gets this: everything needed to draw the current screen. */
  snapshot(): HostEvent {
    const name = this.opts.config.checkpoint.name;
    return { type: 'snapshot', checkpointName: { zh: name, en: name }, language: this.language, screen: this.screens.current, devices: this.screens.deviceViews };
  }

  health(): Health {
    const devices = this.screens.deviceViews;
    const storeOk = this.store !== null && this.store.degraded === null;
    const allOnline = devices.length === 2 && devices.every((d) => d.state === 'online');
    return {
      status: !this.ready ? 'starting' : storeOk && allOnline ? 'ready' : 'degraded',
      uptimeMs: Math.round(performance.now() - this.startedAt),
      devices,
      store: this.store ? 'open' : 'unavailable',
      screenings: this.screenings,
      rssBytes: process.memoryUsage.rss(),
    };
  }

  /** Resolves when the engine is in idle (now, or at its next return there). */
  waitForIdle(): Promise<void> {
    if (this.engine.state === 'idle') return Promise.resolve();
    return new Promise((resolve) => {
      const on = (e: { to: string }) => {
        if (e.to !== 'idle') return;
        this.engine.off('transition', on);
        resolve();
      };
      this.engine.on('transition', on);
    });
  }

  async stop(): Promise<void> {
    await this.consoles?.stop();
    this.simulation?.stop();
    await this.engine.stop();
    await Promise.allSettled([this.idcard.stop(), this.thermometer.stop()]);
    await this.idcardLink.close().catch(() => {});
    this.store?.close();
  }

  private wire(): void {
    const log = this.opts.log;
    this.engine.attach(this.deviceSource);
    this.idcard.on('identity', (read: IdentityRead) => {
      if (this.screeningPaused) return; // calibrating: the kiosk does not screen
      this.emit('identity', read.monotonicMs);
      this.screens.onIdentity(read.card);
      this.deviceSource.emit('identity', read);
    });
    this.idcard.on('card-found', () => this.screens.onCardFound());
    this.idcard.on('problem', (p) => {
      log.warn({ device: this.idcard.deviceId, code: p.code, problem: p.message }, 'idcard: problem');
      this.screens.onCardProblem();
    });
    this.thermometer.on('reading', (r: ThermoReading) => {
      if (!this.screeningPaused) this.deviceSource.emit('reading', r);
    });
    this.thermometer.on('problem', (p) => log.warn({ device: this.thermometer.deviceId, code: p.code, problem: p.message }, 'thermometer: problem'));
    const onStatus = (s: DeviceStatus) => {
      log.info({ device: s.deviceId, kind: s.kind, state: s.state, reason: s.reason }, 'device: status');
      if (s.kind === 'thermometer') this.thermometerOnlineSince = s.state === 'online' ? (this.thermometerOnlineSince ?? performance.now()) : null;
      this.screens.onDeviceStatus(s);
      this.contract.broadcast({ type: 'deviceStatus', devices: this.screens.deviceViews });
      this.deviceSource.emit('status', s);
    };
    this.idcard.on('status', onStatus);
    this.thermometer.on('status', onStatus);

    this.engine.on('started', (e) => {
      this.screens.onStarted(e);
      log.info({ screeningId: e.screeningId, trigger: e.trigger }, 'screening: started');
    });
    this.engine.on('transition', (e) => {
      log.debug({ screeningId: e.screeningId, from: e.from, to: e.to, reason: e.reason }, 'screening: transition');
      if (e.to === 'idle' && e.from === 'result' && this.language !== this.opts.config.ui.language) {
        // The next traveller is greeted in the kiosk's own language.
        this.language = this.opts.config.ui.language;
        this.contract.broadcast({ type: 'language', language: this.language });
      }
      this.screens.onTransition(e);
    });
    this.engine.on('sample', (e) => this.screens.onSample(e));
    this.engine.on('result', (e) => {
      this.screenings += 1;
      const r = e.record;
      log.info(
        { screeningId: r.id, decision: r.decision, colour: r.colour, reasons: r.reasons.map((x) => x.code), committed: e.committed, estimateC: r.temperatures.at(-1)?.estimateC ?? null },
        'screening: result',
      );
      this.screens.onResult(e);
    });
    this.engine.on('abandoned', (e) => {
      this.screenings += 1;
      log.info({ screeningId: e.record.id, reason: e.record.abandonReason, committed: e.committed }, 'screening: abandoned');
    });
    this.engine.on('store-error', (e) => log.error({ screeningId: e.screeningId, attempt: e.attempt, err: e.message }, 'store: commit failed'));
    this.engine.on('backlog', (e) => log.warn({ pending: e.pending }, 'store: records waiting for the store'));
  }

  private onCommand(cmd: UiCommand, reply: (e: HostEvent) => void, connection: string): void {
    if (cmd.type.startsWith('console.')) {
      if (this.consoles) this.consoles.handle(cmd, reply, connection, 'kiosk');
      else reply({ type: 'console.denied', inReplyTo: cmd.id, reason: 'unavailable', message: { zh: '存储不可用，控制台无法使用', en: 'The store could not be opened; the consoles are unavailable' } });
      return;
    }
    switch (cmd.type) {
      case 'hello':
        reply(this.snapshot());
        this.uiSeen?.();
        return;
      case 'setLanguage':
        this.language = cmd.language;
        this.contract.broadcast({ type: 'language', language: cmd.language });
        return;
      case 'getHealth':
        reply({ type: 'health', inReplyTo: cmd.id, health: this.health() });
        return;
      case 'painted':
        this.emit('painted', { seq: cmd.seq, screen: cmd.screen }, performance.now());
        return;
    }
  }
}

type SerialDeviceConfig = Extract<KioskConfig['devices']['idcard'] | KioskConfig['devices']['thermometer'], { source: 'serial' }>;
type AnyDeviceConfig = KioskConfig['devices']['idcard'] | KioskConfig['devices']['thermometer'];

function serialLinkFor(cfg: AnyDeviceConfig): Link {
  if (cfg.source !== 'serial') throw new Error(`device ${cfg.id} is simulated; no serial link`);
  const d = cfg as SerialDeviceConfig;
  return new SerialLink({
    ...(d.path !== undefined && { path: d.path }),
    ...(d.usb !== undefined && { match: d.usb }),
    baudRate: d.baudRate,
    watchdogMs: 5000,
  });
}
