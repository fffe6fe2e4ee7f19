import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DeviceStatus } from '../../drivers/device-status.js';
import type { IdentityRead } from '../../drivers/idcard/id-card.js';
import type { ThermoReading } from '../../drivers/thermometer/reading.js';
import type { ThermometerDriver } from '../../drivers/thermometer/thermometer-driver.js';
import type { Link } from '../../drivers/transport/link.js';
import { MemoryLink } from '../../drivers/transport/memory-link.js';
import { TappedLink } from '../../drivers/transport/tapped-link.js';
import { NO_SENSOR_ERROR, SimulatedBench } from '../../drivers/sim/blackbody.js';
import type { KioskConfig } from '../config/kiosk-config.js';
import { withCentralPolicy } from '../config/central-policy.js';
import { listSourceOf, type ListSource } from '../config/list-source.js';
import { ConsoleService } from '../console/console-service.js';
import { applySettingOverrides } from '../console/settings-catalogue.js';
import { ContractServer } from '../contract/contract-server.js';
import type { Health, HostEvent, Language, ScreenState, UiCommand } from '../contract/messages.js';
import type { Clock } from '../engine/clock.js';
import type { DeviceEvents, ServiceProblem } from '../engine/engine-events.js';
import type { IdHasher } from '../engine/id-hasher.js';
import type { RecordSink } from '../engine/record-sink.js';
import type { CalibrationSource } from '../engine/calibration-source.js';
import { decisionPolicyOf, policyVersionOf } from '../engine/policy.js';
import { ScreeningEngine } from '../engine/screening-engine.js';
import { modelNeedsAmbient } from '../engine/skin-to-body.js';
import { StaticWatchlistSource, watchlistSnapshot, type WatchlistSource } from '../engine/watchlist-source.js';
import { recordCollectionSettings } from '../privacy/collection-settings.js';
import { PrivacyService } from '../privacy/privacy-service.js';
import { privacyStoreOptions } from '../privacy/store-options.js';
import type { CalibrationRecord, NewCalibration } from '../store/calibrations.js';
import type { KeyProvider } from '../store/key-provider.js';
import type { KioskStore } from '../store/kiosk-store.js';
import { canonicalJson } from '../store/canonical-json.js';
import { storeErrorCode } from '../store/store-errors.js';
import { KioskNotices, type Notice } from './kiosk-notices.js';
import { assertNativeModulesLoadable } from './native-modules.js';
import { ID_KEY_FILE, loadWatchlist, StoreCalibrationSource, WATCHLIST_FILE } from './local-lists.js';
import { idcardReaderFor, serialLinkFor, thermometerDriverFor, thermometerSimulatorOptionsFor, type IdCardReader } from './device-drivers.js';
import type { Logger } from './logger.js';
import { StorageKeeper, type StorageProblem } from './storage-keeper.js';
import { ScenarioConductor, type ScenarioStep } from './scenario-conductor.js';
import { ScreenModel } from './screen-model.js';
import { softwareVersion } from './software-version.js';
import { readCa } from '../uplink/central-client.js';
import { Uplink, type HeartbeatStatus, type UplinkOptions } from '../uplink/uplink.js';

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
  /** Card reader poll interval (default the configuration's); benchmarks and the soak shorten it to compress time. */
  idcardPollMs?: number;
  /** The uplink's timings and upload backoff (central-fed kiosks; tests shorten them). */
  uplink?: Pick<UplinkOptions, 'timings' | 'upload'>;
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

/**
 * The host: configuration → device drivers (simulated over MemoryLinks, or real serial ports) →
 * screening engine → store, and the typed contract to every UI. Transport-free: the browser server
 * or the Electron utilityProcess entry attaches UIs to `contract`.
 *
 * The host stays up whatever the storage does: without a store (a full or read-only filesystem at
 * boot) the kiosk is out of service, says why (log, `/healthz`, status bar) and reopens the store by
 * itself. Store trouble while running (records waiting for the disk, failing writes, low space,
 * failed maintenance) reaches the same three places.
 *
 * A configuration with a `central` section makes the kiosk central-fed (list-source.ts): once the
 * store is open the host starts the uplink (main/uplink/), which delivers the records and brings the
 * lists, central's policy and the deployment's ID key; the host stops it before the store closes.
 * Until the ID key has arrived the kiosk is out of service (ID_KEY_AWAITED): it never hashes with
 * another key (docs/uplink-protocol.md).
 *
 * Logs carry device ids, screening ids, decisions and reason codes; never card contents, and no
 * health data keyed to a screening (no temperatures).
 */
export class KioskHost extends EventEmitter<KioskHostEvents> {
  readonly contract: ContractServer;
  readonly engine: ScreeningEngine;
  readonly simulation: ScenarioConductor | null;
  /** Notice, processing report, a person's requests, hold photos: the API the consoles call (docs/privacy.md). */
  readonly privacy: PrivacyService;
  private readonly screens: ScreenModel;
  private readonly deviceSource = new EventEmitter<DeviceEvents>();
  private engineCalibration!: CalibrationSource;
  private language: Language;
  private readonly startedAt = performance.now();
  private ready = false;
  private screenings = 0;
  private readonly notices = new KioskNotices();
  private wiredStore: KioskStore | null = null;
  private readonly listSource: ListSource;
  /** The link to central (central-fed kiosks), built once the store is open. */
  private uplink: Uplink | null = null;
  /** The devices were started: an uplink built from now on starts at once. */
  private started = false;
  /** Central's policy last seen in the store (canonical JSON), so each is judged once. */
  private centralPolicy: string | null = null;
  /** The staff and technician consoles (they reach the store through the StorageKeeper, when it is open). */
  readonly consoles: ConsoleService;
  /** Set while the thermometer faces a blackbody (calibration): device events do not reach the engine. */
  private screeningPaused = false;
  private thermometerOnlineSince: number | null = null;

  private constructor(
    private readonly opts: KioskHostOptions,
    private readonly storage: StorageKeeper,
    private readonly idcard: IdCardReader,
    private readonly idcardLink: TappedLink,
    private readonly thermometer: ThermometerDriver,
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
    this.listSource = listSourceOf(config);
    // The store and the ID key may open later (StorageKeeper): the engine reaches them through it.
    const sink: RecordSink = {
      commit: (record, options) => (storage.store ? storage.store.records.commit(record, options) : Promise.reject(new Error('the store is not open'))),
    };
    const hasher: IdHasher = {
      hashIdNumber: (idNumber) => {
        // Central-fed: the deployment's key from central, never another (deployment-id-hasher.ts).
        if (this.listSource === 'central') {
          if (!this.uplink) throw new Error('the store is not open');
          return this.uplink.idHasher.hashIdNumber(idNumber);
        }
        if (!storage.hasher) throw new Error('the ID key is not open');
        return storage.hasher.hashIdNumber(idNumber);
      },
    };
    // An erasure names the person to central by the deployment's keyed hash: central's key on a central-fed kiosk.
    const deploymentHasher = (): IdHasher | null => (this.listSource === 'central' ? (this.uplink?.idHasher.ready ? this.uplink.idHasher : null) : storage.hasher);
    this.privacy = new PrivacyService({ config, store: () => storage.store, hasher: deploymentHasher });
    this.engine = new ScreeningEngine({
      config,
      sink,
      watchlist: this.watchlistSource(),
      hasher,
      calibration: (this.engineCalibration = new StoreCalibrationSource(() => storage.store, config, this.thermometerCalibration)),
      ...(opts.clock && { clock: opts.clock }),
    });
    this.consoles = this.makeConsoles(bench);
    this.wire();
    if (!storage.ready) this.engine.setServiceProblem('store', storeProblem(storage.problem));
    if (this.listSource === 'central' && !this.uplink?.idHasher.ready) this.engine.setServiceProblem('id-key', ID_KEY_AWAITED);
  }

  /** The lists the engine screens against, by the kiosk's list source (list-source.ts). */
  private watchlistSource(): WatchlistSource {
    const { config, dataDir, log } = this.opts;
    if (this.listSource === 'central') {
      log.info({ central: config.central!.url, kioskId: config.central!.kioskId }, 'host: list-fed by central (lists, policy and the ID key come from central)');
      const unused = [WATCHLIST_FILE, ID_KEY_FILE].map((f) => join(dataDir, f)).filter((f) => existsSync(f));
      if (unused.length > 0) log.warn({ files: unused }, 'host: central-fed kiosk: these files are not consulted (its lists and ID key come from central)');
      // Until the store is open and the uplink built: no lists received (the stale-list rule).
      const none = watchlistSnapshot([], [], null, 'central');
      return { snapshot: () => this.uplink?.watchlist.snapshot() ?? none };
    }
    const watchlist = loadWatchlist(dataDir, config);
    if (watchlist.refusal) log.error({ source: watchlist.source, file: watchlist.file, reason: watchlist.refusal }, 'host: lists refused; screenings see no current list');
    else log.info({ source: watchlist.source, file: watchlist.file, entries: watchlist.snapshot.byHmac.size, refreshedAt: watchlist.snapshot.refreshedAt }, 'host: lists');
    if (watchlist.ignoredFile) log.warn({ file: watchlist.ignoredFile }, 'host: standalone kiosk (no list source configured): this lists file is not consulted; configure "lists": {"source": "file"} to use it');
    return new StaticWatchlistSource(watchlist.snapshot);
  }

  /** The consoles' view of the host (main/console/console-service.ts). */
  private makeConsoles(bench: SimulatedBench | null): ConsoleService {
    const storage = this.storage;
    const rendererDir = this.opts.rendererDir ?? join(dirname(fileURLToPath(import.meta.url)), 'renderer');
    return new ConsoleService({
      get store(): KioskStore {
        if (!storage.store) throw new Error('the store is not open');
        return storage.store;
      },
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
      releaseHoldPhoto: (screeningId) => this.privacy.releaseHold(screeningId),
      privacy: this.privacy,
      uploads: { lastUploadAt: () => storage.store?.central.lastUploadAt() ?? null },
    });
  }

  private get idcardSimulated(): boolean {
    return this.opts.simulate || this.opts.config.devices.idcard.source === 'simulated';
  }

  private get thermometerSimulated(): boolean {
    return this.opts.simulate || this.opts.config.devices.thermometer.source === 'simulated';
  }

  /** The link to central: null for a kiosk without a `central` section, and until its store is open. */
  get centralLink(): Uplink | null {
    return this.uplink;
  }

  /** How the calibration source treats the thermometer (local-lists.ts): a simulated sensor given an error is calibrated like a real one. */
  private get thermometerCalibration(): boolean | 'calibratable' {
    const t = this.opts.config.devices.thermometer;
    if (!this.thermometerSimulated) return false;
    return t.source === 'simulated' && t.sensorError ? 'calibratable' : true;
  }

  /** Opens the storage (or keeps trying), builds drivers and engine, starts everything. */
  static async start(startOpts: KioskHostOptions): Promise<KioskHost> {
    let opts = startOpts;
    const { log } = opts;
    const config0 = opts.config;
    // A native module built for another runtime is fatal and explained, not a store that never opens.
    assertNativeModulesLoadable();
    // A pinned CA that cannot be used is a configuration error now, not when the store opens later.
    if (config0.central?.caFile) readCa(config0.central.caFile);
    const { retryInitialMs, retryMaxMs } = config0.screening.commit;
    const storage = new StorageKeeper({
      dataDir: opts.dataDir,
      ...(opts.keyProvider && { keyProvider: opts.keyProvider }),
      store: { writeRetry: { initialMs: retryInitialMs, maxMs: retryMaxMs }, ...privacyStoreOptions(config0) },
      retry: { initialMs: retryInitialMs, maxMs: retryMaxMs },
      // A central-fed kiosk's ID key comes from central and lives in the store: no id-hmac.key.
      idKey: listSourceOf(config0) === 'central' ? 'central' : 'data-dir',
    });
    await storage.start();
    // Settings a technician changed in the console (stored, audited) apply over the configuration file.
    if (storage.store) {
      const applied = applySettingOverrides(opts.config, storage.store.settings);
      for (const p of applied.skipped) log.warn({ problem: p }, 'host: a stored console setting no longer validates; the configuration file value is used');
      opts = { ...opts, config: applied.config };
    } else log.warn({}, 'host: the store is not open yet; console settings apply from the next start');
    const config = opts.config;

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
        thermometer: thermometerSimulatorOptionsFor(thermoCfg),
        timeScale,
        ...(bench && { bench }),
        waitForIdle: () => host!.waitForIdle(),
        log: (i, step) => log.info({ person: i + 1, of: steps.length, idcard: step.idcard, thermometer: step.thermometer }, 'sim: next person steps up'),
      });
      const sim = simulation;
      const idcardLink = new TappedLink((): Link => (cardSim ? new MemoryLink(sim.card, { name: cardCfg.id }) : serialLinkFor(cardCfg, 'idcard')));
      const thermoLink = new TappedLink((): Link => (thermoSim ? new MemoryLink(sim.thermometer, { name: thermoCfg.id }) : serialLinkFor(thermoCfg, 'thermometer')));
      // The simulated reader speaks SAM whatever the file says (kiosk start --sim).
      const idcard = idcardReaderFor(cardSim ? { ...cardCfg, protocol: 'sam' } : cardCfg, idcardLink, { ...(opts.idcardPollMs !== undefined && { pollIntervalMs: opts.idcardPollMs }) });
      const thermometer = thermometerDriverFor(thermoCfg, thermoLink, { simulated: thermoSim });
      host = new KioskHost(opts, storage, idcard, idcardLink, thermometer, simulation, thermoLink, bench);
      await host.startDevices();
      return host;
    }
    const idcardLink = new TappedLink(() => serialLinkFor(cardCfg, 'idcard'));
    const thermoLink = new TappedLink(() => serialLinkFor(thermoCfg, 'thermometer'));
    const idcard = idcardReaderFor(cardCfg, idcardLink, { ...(opts.idcardPollMs !== undefined && { pollIntervalMs: opts.idcardPollMs }) });
    const thermometer = thermometerDriverFor(thermoCfg, thermoLink);
    const host = new KioskHost(opts, storage, idcard, idcardLink, thermometer, null, thermoLink, null);
    await host.startDevices();
    return host;
  }

  private async startDevices(): Promise<void> {
    this.engine.start();
    this.started = true;
    this.uplink?.start();
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
    return {
      type: 'snapshot',
      checkpointName: { zh: name, en: name },
      language: this.language,
      screen: this.screens.current,
      devices: this.screens.deviceViews,
      notices: this.notices.views(),
      privacyNotice: this.privacy.notice(),
    };
  }

  health(): Health {
    const devices = this.screens.deviceViews;
    const store = this.storage.store;
    const storeState: Health['store'] = store === null ? 'unavailable' : store.degraded === null ? 'open' : 'degraded';
    const allOnline = devices.length === 2 && devices.every((d) => d.state === 'online');
    const inService = this.engine.inService;
    return {
      status: !this.ready ? 'starting' : storeState === 'open' && allOnline && inService ? 'ready' : 'degraded',
      service: inService ? 'in-service' : 'out-of-service',
      uptimeMs: Math.round(performance.now() - this.startedAt),
      devices,
      store: storeState,
      pendingRecords: store?.pendingCount ?? 0,
      notices: this.notices.all.map((n) => ({ code: n.code, level: n.level, ...(n.detail && { detail: n.detail }) })),
      screenings: this.screenings,
      rssBytes: process.memoryUsage.rss(),
    };
  }

  /**
   * Records a thermometer calibration through the store (the technician's blackbody procedure).
   * The store's calibration module tells the engine, which comes back into service by itself.
   */
  async recordCalibration(calibration: NewCalibration): Promise<CalibrationRecord> {
    const store = this.storage.store;
    if (!store) throw new Error('the store is not open; a calibration cannot be recorded until it is');
    return store.calibrations.record(calibration);
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

  /** What the uplink's heartbeat reports about this kiosk. */
  heartbeatStatus(): HeartbeatStatus {
    const h = this.health();
    const calibration = this.engineCalibration.current(this.opts.config.devices.thermometer.id);
    return {
      status: h.status,
      devices: h.devices.map((d) => ({ deviceId: d.deviceId, kind: d.kind, state: d.state })),
      calibrationDueAt: calibration?.validUntil ?? null,
    };
  }

  /**
   * Stops everything (SIGTERM). Records still waiting for the disk get one last try; what still
   * cannot be written is logged (count, kinds and ids: no personal data), never dropped silently.
   * The uplink stops after the engine (whose last records it may still hear of) and before the
   * store closes.
   */
  async stop(): Promise<void> {
    await this.consoles?.stop();
    this.simulation?.stop();
    this.storage.stop();
    await this.engine.stop();
    await this.uplink?.stop();
    await Promise.allSettled([this.idcard.stop(), this.thermometer.stop()]);
    await this.idcardLink.close().catch((err: unknown) => this.opts.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'host: closing the card reader link failed at shutdown'));
    const lost = this.storage.store?.shutdown() ?? [];
    if (lost.length > 0) {
      this.opts.log.error(
        { pending: lost.length, records: lost.map((e) => `${e.kind}:${e.key}`) },
        'store: shutting down with records still waiting for the disk; they are lost (the data directory was full or failing)',
      );
    }
  }

  private wire(): void {
    const log = this.opts.log;
    this.engine.attach(this.deviceSource);
    this.wireStorage();
    this.notices.on('change', () => this.contract.broadcast({ type: 'notices', notices: this.notices.views() }));
    this.engine.on('service', (e) => {
      if (e.inService) log.info({}, 'service: back in service');
      else log.warn({ problems: e.problems.map((p) => ({ cause: p.cause, code: p.code, ...(p.detail && { detail: p.detail }) })) }, 'service: out of service; travellers use the staffed lane');
      this.screens.onService(e.problems);
      this.notices.set('service', e.problems.map((p): Notice => ({ code: p.code, messageKey: p.messageKey, level: 'error', ...(p.detail && { detail: p.detail }) })));
    });
    this.engine.on('prompt', (e) => this.screens.onPrompt(e));
    const model = this.opts.config.temperature.model;
    if (modelNeedsAmbient(model)) {
      let warned = false;
      this.thermometer.on('reading', (r: ThermoReading) => {
        if (warned || r.ambientC !== undefined) return;
        warned = true;
        log.warn({ device: r.deviceId, model: model.kind }, 'thermometer: the readings carry no ambient temperature, which the body-temperature model needs; every screening will have no temperature. Enable the device\'s ambient (head) reading or choose a model without ambient (docs/configuration.md)');
      });
    }
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
      // Decision and reason codes only: no temperature (health data) in a log line keyed to a screening.
      log.info({ screeningId: r.id, decision: r.decision, colour: r.colour, reasons: r.reasons.map((x) => x.code), storage: e.storage }, 'screening: result');
      // Staff may see the card photo while the hold is open, from memory only (hold-photos.ts).
      if (r.decision === 'HOLD' && r.card) this.privacy.holdPhotos.keep(r.id, r.card.photoWlt);
      this.screens.onResult(e);
    });
    this.engine.on('abandoned', (e) => {
      this.screenings += 1;
      log.info({ screeningId: e.record.id, reason: e.record.abandonReason, storage: e.storage }, 'screening: abandoned');
    });
    this.engine.on('store-error', (e) =>
      log.error({ screeningId: e.screeningId, queued: e.queued, err: e.message }, e.queued ? 'store: record not written yet; it waits in the store\'s retry queue as shown' : 'store: record not kept'),
    );
  }

  /** The store's life: opened (now or later), its trouble and recovery, into the engine, the log and the notices. */
  private wireStorage(): void {
    const log = this.opts.log;
    const onReady = (store: KioskStore) => {
      log.info({ dataDir: this.opts.dataDir }, 'store: open');
      this.wireStore(store);
      this.engine.setServiceProblem('store', null);
      this.engine.calibrationChanged();
      // The consoles waited for the store (stale sessions, the LAN console when it is turned on).
      this.consoles.start().catch((err: unknown) => log.error({ err: err instanceof Error ? err.message : String(err) }, 'console: could not start after the store opened'));
    };
    this.storage.on('ready', ({ store }) => onReady(store));
    this.storage.on('unavailable', (p) => {
      log.error({ code: p.code, retrying: p.retrying, retryInMs: p.retryInMs, err: p.message }, p.retrying ? 'store: cannot open the storage; out of service, trying again' : 'store: cannot open the storage; out of service until a technician fixes it');
      this.engine.setServiceProblem('store', storeProblem(p));
    });
    if (this.storage.store) this.wireStore(this.storage.store);
    if (!this.storage.ready && this.storage.problem) {
      const p = this.storage.problem;
      log.error({ code: p.code, retrying: p.retrying, retryInMs: p.retryInMs, err: p.message }, 'store: cannot open the storage; out of service');
    }
  }

  private wireStore(store: KioskStore): void {
    if (this.wiredStore === store) return;
    this.wiredStore = store;
    const log = this.opts.log;
    store.calibrations.on('recorded', (c) => {
      log.info({ calibrationId: c.id, device: c.deviceId }, 'calibration: recorded');
      this.engine.calibrationChanged();
    });
    store.on('degraded', (e) => {
      log.error({ reason: e.reason, code: e.code, pending: e.pending }, 'store: records are waiting in memory for the disk; everyone is held for staff until they are written');
      this.notices.set('store-writes', [{ code: e.reason === 'disk-full' ? 'DISK_FULL' : 'WRITE_FAILED', messageKey: e.reason === 'disk-full' ? 'notice.diskFull' : 'notice.writeFailed', level: 'error', detail: { pending: e.pending, code: e.code } }]);
    });
    store.on('recovered', (e) => {
      log.info({ committed: e.committed }, 'store: the waiting records are written');
      this.notices.set('store-writes', []);
    });
    store.on('retry-error', (err) => {
      log.error({ code: storeErrorCode(err), err: err instanceof Error ? err.message : String(err) }, 'store: a waiting record failed again with an unexpected error; it is kept');
      this.notices.set('store-writes', [{ code: 'WRITE_FAILED', messageKey: 'notice.writeFailed', level: 'error', detail: { pending: store.pendingCount, code: storeErrorCode(err) } }]);
    });
    store.on('disk-space', (d) => {
      if (d.level === 'ok') {
        log.info({ freeBytes: d.freeBytes }, 'store: disk space back to normal');
        this.notices.set('disk-space', []);
        return;
      }
      log.warn({ level: d.level, freeBytes: d.freeBytes }, 'store: disk space is low in the data directory');
      const critical = d.level === 'critical';
      this.notices.set('disk-space', [{ code: critical ? 'DISK_SPACE_CRITICAL' : 'DISK_SPACE_LOW', messageKey: critical ? 'notice.diskSpaceCritical' : 'notice.diskSpaceLow', level: critical ? 'error' : 'warning', detail: { freeBytes: d.freeBytes } }]);
    });
    store.on('maintenance-error', (err) => {
      log.error({ code: storeErrorCode(err), err: err instanceof Error ? err.message : String(err) }, 'store: maintenance (retention purge, disk check) failed');
      this.notices.set('maintenance', [{ code: 'MAINTENANCE_FAILED', messageKey: 'notice.maintenanceFailed', level: 'warning', detail: { code: storeErrorCode(err) } }]);
    });
    store.on('maintained', () => {
      this.notices.set('maintenance', []);
      this.flagUndelivered(store);
      this.privacy.holdPhotos.prune();
    });
    const config = this.opts.config;
    recordCollectionSettings(store, config).then(
      (r) => {
        if (r.widened.length > 0) log.warn({ widened: r.widened }, 'privacy: this configuration collects or keeps more personal information than before; recorded in the audit log');
        else if (r.changed) log.info({}, 'privacy: collection settings changed; recorded in the audit log');
      },
      (err: unknown) => log.error({ code: storeErrorCode(err), err: err instanceof Error ? err.message : String(err) }, 'privacy: the collection settings could not be recorded'),
    );
    // Retention runs once at once (a kiosk restarted daily would otherwise wait for the hourly run).
    try {
      const purged = store.purgeExpired();
      if (purged.screenings > 0) log.info({ screenings: purged.screenings, dispositions: purged.dispositions, mode: purged.mode, cutoff: purged.cutoff }, 'retention: records past their window purged');
      this.flagUndelivered(store);
    } catch (err) {
      store.emit('maintenance-error', err);
    }
    if (this.listSource === 'central') this.attachUplink(store);
  }

  /**
   * Builds the uplink on the open store (central-fed kiosks). The deployment's ID key is in the store
   * from an earlier first contact, or arrives with the next one: until then the kiosk stays out of
   * service (ID_KEY_AWAITED).
   */
  private attachUplink(store: KioskStore): void {
    const central = this.opts.config.central;
    if (!central || this.uplink) return;
    const uplink = new Uplink({ central, store, log: this.opts.log, heartbeat: () => this.heartbeatStatus(), ...this.opts.uplink });
    this.uplink = uplink;
    const keyKnown = () => {
      if (uplink.idHasher.ready) this.engine.setServiceProblem('id-key', null);
    };
    uplink.on('enrolled', keyKnown);
    keyKnown();
    // Records central refused for good stay visible (notices: /healthz, status bar) until a
    // technician deals with them: counted from the outbox whenever one is added and when the
    // dispatcher has nothing left to send (which also catches rows dead-lettered as unreadable).
    const deadLetters = () => {
      const count = store.outbox.deadCount();
      this.notices.set('dead-letters', count === 0 ? [] : [{ code: 'DEAD_LETTERS', messageKey: 'notice.deadLetters', level: 'error', detail: { count } }]);
    };
    deadLetters();
    uplink.dispatcher.on('dead-letter', deadLetters);
    uplink.dispatcher.on('idle', deadLetters);
    // Central's policy: the one held from before at once, a new one as soon as a list update brings it.
    this.applyCentralPolicy(store, false);
    uplink.on('lists', () => this.applyCentralPolicy(store, true));
    if (this.started) uplink.start();
  }

  /**
   * Puts central's policy (as the store holds it) in force for the screenings that start from now
   * on (main/config/central-policy.ts; the engine swaps it between screenings). A policy the kiosk
   * cannot use is refused whole: logged, audited, shown as a notice; the policy in force stays.
   */
  private applyCentralPolicy(store: KioskStore, arrived: boolean): void {
    const received = store.central.policy();
    const key = received === null ? null : canonicalJson(received);
    if (key === this.centralPolicy) return;
    this.centralPolicy = key;
    if (received === null) return;
    const { config, log } = this.opts;
    const r = withCentralPolicy(config.policy, received);
    const version = typeof (received as { version?: unknown }).version === 'string' ? (received as { version: string }).version : null;
    if (!r.ok) {
      log.error({ version, problems: r.problems }, 'policy: central\'s policy refused; the policy in force stays');
      if (arrived) this.auditUplink(store, 'central.policy-refused', { version, problems: r.problems.join('; ').slice(0, 500) });
      this.notices.set('central-policy', [{ code: 'CENTRAL_POLICY_REFUSED', messageKey: 'notice.centralPolicyRefused', level: 'warning', ...(version !== null && { detail: { version } }) }]);
      return;
    }
    this.notices.set('central-policy', []);
    const policy = decisionPolicyOf(config, r.inForce);
    this.engine.setPolicy(policy);
    log.info({ policyVersion: policyVersionOf(policy), arrived }, 'policy: central\'s policy in force for the screenings that start from now on');
    if (arrived) this.auditUplink(store, 'central.policy-applied', { version: r.inForce.version, policyVersion: policyVersionOf(policy) });
  }

  /** An audit entry about what central delivered; one that cannot be written (a full disk) is logged, never thrown into the uplink. */
  private auditUplink(store: KioskStore, action: string, detail: Record<string, string | null>): void {
    try {
      store.audit.append('uplink', action, detail);
    } catch (err) {
      this.opts.log.error({ action, code: storeErrorCode(err), err: err instanceof Error ? err.message : String(err) }, 'store: an audit entry could not be written');
    }
  }

  /**
   * Records kept past the retention window only because central has not acknowledged them: a
   * notice for the technician (status bar, `/healthz`, the log). Nothing is deleted until they are
   * delivered (docs/privacy.md).
   */
  private flagUndelivered(store: KioskStore): void {
    const u = store.undeliveredPastRetention();
    if (u.screenings === 0) {
      this.notices.set('retention', []);
      return;
    }
    this.opts.log.warn({ records: u.screenings, oldest: u.oldestFinishedAt, days: store.retention.days }, 'retention: records past the retention window are kept because central has not acknowledged them');
    this.notices.set('retention', [
      { code: 'UNDELIVERED_PAST_RETENTION', messageKey: 'notice.undeliveredPastRetention', level: 'warning', detail: { records: u.screenings, oldest: u.oldestFinishedAt ?? '', days: store.retention.days } },
    ]);
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

/** The engine's service problem of a central-fed kiosk without the deployment's ID key. */
const ID_KEY_AWAITED: Omit<ServiceProblem, 'cause'> = { code: 'ID_KEY_AWAITED', messageKey: 'notice.idKeyAwaited' };

/** The engine's service problem for storage that is not open. */
function storeProblem(p: StorageProblem | null): Omit<ServiceProblem, 'cause'> {
  return { code: 'STORE_UNAVAILABLE', messageKey: 'notice.storeNotOpen', detail: { code: p?.code ?? 'opening', retrying: p?.retrying ?? true } };
}
