import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SimulatedBench } from '../../drivers/sim/blackbody.js';
import { defaultSimDir } from '../../drivers/sim/sim-host.js';
import { detectDevice } from '../../drivers/probe/auto-detect.js';
import type { ThermoReading } from '../../drivers/thermometer/reading.js';
import type { Link } from '../../drivers/transport/link.js';
import { listSerialPorts } from '../../drivers/transport/port-discovery.js';
import { SerialLink } from '../../drivers/transport/serial-link.js';
import type { TappedLink } from '../../drivers/transport/tapped-link.js';
import { lineSpeedOf, parseKioskConfig, type KioskConfig } from '../config/kiosk-config.js';
import type { CalibrationStateView, ConsoleCommand, ConsoleEvent, DeviceBench, HoldView, MonitorLine } from '../contract/console-messages.js';
import { OPEN_COMMANDS, STAFF_COMMANDS } from '../contract/console-messages.js';
import { ContractServer } from '../contract/contract-server.js';
import type { DeviceView, HostEvent, UiCommand } from '../contract/messages.js';
import { calibrationState, type Calibration, type CalibrationSource } from '../engine/calibration-source.js';
import type { ResultEvent } from '../engine/engine-events.js';
import type { RegisteredIdentity } from '../engine/registered-identity.js';
import { median } from '../engine/temperature-pipeline.js';
import type { Logger } from '../host/logger.js';
import { recentLogs } from '../host/logger.js';
import { actorOf, type Account } from '../store/accounts.js';
import type { KioskStore } from '../store/kiosk-store.js';
import { totals } from '../store/statistics.js';
import { CalibrationWizard, WizardError } from './calibration-wizard.js';
import { writeDiagnosticsArchive } from './diagnostics.js';
import { checkDocumentNumber, checkPhone } from './document-rules.js';
import { holdView, holdViewOfRecord, recheckProblem, RECHECK_RANGE_C } from './hold-queue.js';
import { startLanConsole, type LanConsole } from './lan-console-server.js';
import { isPrivacyPageCommand, PrivacyPages, type ConsolePrivacy } from './privacy-pages.js';
import { SerialMonitor } from './serial-monitor.js';
import { CONFIG_PREFIX, CONSOLE_DEFAULTS, SETTINGS, settingValue, storageKey, validateSetting } from './settings-catalogue.js';
import { SignInThrottle } from './sign-in-throttle.js';
import { fitSiteModel, modelParams, type ClinicalPair, type SiteFit } from './site-model-fit.js';
import { kioskCertificate, type KioskCertificate } from './tls-certificate.js';
import { NO_UPLINK, type UploadStatus } from './upload-status.js';

/** What the console service needs from the host (kiosk-host.ts builds it). */
export interface ConsoleHostPort {
  store: KioskStore;
  /** The configuration the host runs with (file + stored settings at start). */
  config: KioskConfig;
  dataDir: string;
  rendererDir: string | null;
  log: Logger;
  softwareVersion: string;
  simulated: { idcard: boolean; thermometer: boolean };
  links: { idcard: TappedLink; thermometer: TappedLink };
  /** The engine's hooks: a registered person's measurement, HOLD results. */
  engine: {
    readonly state: string;
    readonly screeningId: string | null;
    onRegisteredIdentity(identity: RegisteredIdentity): boolean;
    on(event: 'result', listener: (e: ResultEvent) => void): unknown;
  };
  /** Raw thermometer readings (driver events). */
  onThermometerReading(listener: (r: ThermoReading) => void): void;
  /** The device statuses now; when the thermometer came online (monotonic ms), for the warm-up check. */
  devices(): DeviceView[];
  thermometerOnlineSinceMs(): number | null;
  calibration: CalibrationSource;
  /** Keeps device events away from the screening engine while the thermometer faces a blackbody. */
  pauseScreening(paused: boolean, why: string): void;
  bench: SimulatedBench | null;
  /** Simulation only: the registered person walks up to the simulated thermometer. */
  simulateWalkUp?: (() => void) | undefined;
  health(): unknown;
  /** A resolved hold's card photo leaves memory (main/privacy/hold-photos.ts). */
  releaseHoldPhoto?: (screeningId: string) => void;
  /** The privacy API (the host's PrivacyService): the notice page and a person's requests. Without it those pages answer `unavailable`. */
  privacy?: ConsolePrivacy;
  uploads?: UploadStatus;
  now?: () => number;
}

type Origin = 'kiosk' | 'lan';
interface Session {
  id: string;
  account: Account;
  origin: Origin;
  timer: NodeJS.Timeout;
}
interface Connection {
  key: string;
  origin: Origin;
  reply: (e: HostEvent) => void;
  session: Session | null;
  unsubscribeMonitor: (() => void) | null;
  calibrationFeed: NodeJS.Timeout | null;
}

const text = (zh: string, en: string) => ({ zh, en });
const WARM_UP_MINUTES = 30;
const LAN_DEFAULTS = { enabled: false, host: '0.0.0.0', port: 8443 };

/**
 * The staff and technician consoles' server side: sessions bound to a connection (PIN sign-in with
 * the throttle, sign-out after inactivity), role checks, the hold queue and its resolutions, manual
 * registration, today's counts, and the technician's bench (devices, monitor, auto-detect,
 * self-test, calibration, site model, settings, accounts, diagnostics, the LAN console).
 *
 * Every sign-in, failure, change and override goes to the audit log (by the store modules, in the
 * same transaction as the change, or here). Nothing unmasked is ever sent to a console.
 */
export class ConsoleService {
  private readonly conns = new Map<string, Connection>();
  private readonly throttle: SignInThrottle;
  private readonly monitor: SerialMonitor;
  readonly wizard: CalibrationWizard;
  /** The contract server of the LAN console (its own: it never sees traveller commands). */
  readonly lanContract: ContractServer;
  private lan: LanConsole | null = null;
  private lanProblem: string | null = null;
  private certificate: KioskCertificate | null = null;
  private readonly now: () => number;
  private readonly recentReadings: Array<{ objectC: number; ambientC?: number }> = [];
  private sitePairs: ClinicalPair[] = [];
  private siteFit: SiteFit | null = null;
  private siteSavedId: string | null = null;
  private siteActive = false;
  private settingsChangedSinceStart = false;
  private readonly privacyPages: PrivacyPages | null;

  constructor(private readonly host: ConsoleHostPort) {
    this.now = host.now ?? Date.now;
    this.privacyPages = host.privacy ? new PrivacyPages({ privacy: host.privacy, dataDir: host.dataDir, now: () => new Date(this.now()) }) : null;
    // The store is reached through the host each time: it may open later, or be reopened (StorageKeeper).
    this.throttle = new SignInThrottle({ consecutiveFailures: (id) => host.store.accounts.consecutiveFailures(id), failuresSince: (ms) => host.store.accounts.failuresSince(ms) });
    this.monitor = new SerialMonitor({ thermometerProtocol: host.config.devices.thermometer.protocol });
    host.links.idcard.taps.on('tap', (e) => this.monitor.tap('idcard', e));
    host.links.thermometer.taps.on('tap', (e) => this.monitor.tap('thermometer', e));
    const thermoId = host.config.devices.thermometer.id;
    this.wizard = new CalibrationWizard({
      config: host.config.calibration,
      deviceId: thermoId,
      protocol: host.config.devices.thermometer.protocol,
      softwareVersion: host.softwareVersion,
      now: () => performance.now(),
      warmUp: () => {
        const since = host.thermometerOnlineSinceMs();
        return { minutes: since === null ? 0 : (performance.now() - since) / 60_000, requiredMinutes: host.simulated.thermometer ? 0 : WARM_UP_MINUTES };
      },
      current: () => this.calibrationInForce(),
      history: () => host.store.calibrations.history(thermoId, 20),
      save: (r) => host.store.calibrations.record({ deviceId: thermoId, gain: r.gain, offsetC: r.offsetC, points: r.points, technicianId: r.technicianId, run: r.run }),
      saveCheck: (c) => host.store.calibrations.recordCheck(c),
      simulatedBlackbody: host.bench ? (c) => host.bench!.blackbody.set(c) : undefined,
      blackbodyReady: host.bench ? () => host.bench!.blackbody.settled() : undefined,
    });
    host.onThermometerReading((r) => {
      this.wizard.onReading(r.objectC);
      this.recentReadings.push({ objectC: r.objectC, ...(r.ambientC !== undefined && { ambientC: r.ambientC }) });
      if (this.recentReadings.length > 20) this.recentReadings.shift();
    });
    host.engine.on('result', (e) => this.onResult(e));
    this.lanContract = new ContractServer({
      log: host.log,
      onCommand: (cmd, reply, connection) => this.handle(cmd, reply, `lan:${connection}`, 'lan'),
      onDetach: (connection) => this.detach(`lan:${connection}`),
    });
  }

  /** Closes sessions a previous run left open, and starts the LAN console if a technician turned it on (needs the store). */
  async start(): Promise<void> {
    let ended: number;
    try {
      ended = this.host.store.accounts.endOpenSessions('host-restart');
    } catch (err) {
      this.host.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'console: the store is not open; the consoles wait for it (the LAN console stays off)');
      return;
    }
    if (ended > 0) this.host.log.info({ sessions: ended }, 'console: sessions left open by the previous run were closed');
    if (this.lanSetting().enabled && !this.lan) await this.startLan();
  }

  async stop(): Promise<void> {
    for (const c of this.conns.values()) this.endSession(c, 'connection', false);
    await this.lan?.close();
    this.lan = null;
  }

  // ---- connections ---------------------------------------------------------------------------

  /** A console command from a UI connection (`kiosk` screen or `lan` device). */
  handle(cmd: UiCommand, reply: (e: HostEvent) => void, connection: string, origin: Origin): void {
    if (!cmd.type.startsWith('console.')) {
      reply({ type: 'error', inReplyTo: cmd.id, code: 'BAD_MESSAGE', message: 'only the staff console is available here' });
      return;
    }
    const c = this.conns.get(connection) ?? { key: connection, origin, reply, session: null, unsubscribeMonitor: null, calibrationFeed: null };
    c.reply = reply;
    this.conns.set(connection, c);
    void this.dispatch(cmd as ConsoleCommand, c).catch((err: unknown) => {
      this.host.log.error({ command: cmd.type, err: err instanceof Error ? err.message : String(err) }, 'console: command failed');
      c.reply({ type: 'console.invalid', inReplyTo: cmd.id, field: 'internal', message: text('操作失败，请重试', 'The kiosk could not do that; try again') });
    });
  }

  detach(connection: string): void {
    const c = this.conns.get(connection);
    if (!c) return;
    this.endSession(c, 'connection', false);
    this.conns.delete(connection);
  }

  private async dispatch(cmd: ConsoleCommand, c: Connection): Promise<void> {
    const send = (e: ConsoleEvent) => c.reply(e);
    if (!OPEN_COMMANDS.has(cmd.type)) {
      const s = c.session;
      if (!s) return send({ type: 'console.denied', inReplyTo: cmd.id, reason: 'signed-out', message: text('请先登录', 'Sign in first') });
      if (s.account.role !== 'technician' && !STAFF_COMMANDS.has(cmd.type)) {
        this.host.store.audit.append(actorOf(s.account), 'console.refused', { command: cmd.type });
        return send({ type: 'console.denied', inReplyTo: cmd.id, reason: 'role', message: text('此操作需要技术员权限', 'This needs a technician') });
      }
      if (c.origin === 'lan' && !STAFF_COMMANDS.has(cmd.type)) return send({ type: 'console.denied', inReplyTo: cmd.id, reason: 'role', message: text('局域网上只有工作人员控制台', 'Only the staff console is available on the LAN') });
      this.touch(c);
    }
    if (isPrivacyPageCommand(cmd)) {
      if (!this.privacyPages) return send({ type: 'console.denied', inReplyTo: cmd.id, reason: 'unavailable', message: text('此功能在本机不可用', 'Not available on this kiosk') });
      return send(this.privacyPages.handle(cmd, actorOf(c.session!.account)));
    }
    switch (cmd.type) {
      case 'console.accounts':
        return send({ type: 'console.accounts', inReplyTo: cmd.id, accounts: this.host.store.accounts.list().filter((a) => !a.disabled && (c.origin === 'kiosk' || a.role === 'staff')).map((a) => ({ name: a.name, role: a.role })) });
      case 'console.signIn':
        return this.signIn(cmd, c);
      case 'console.signOut':
        this.endSession(c, 'signed-out', true);
        return;
      case 'console.touch':
        return;
      case 'console.holds':
        return send({ type: 'console.holds', inReplyTo: cmd.id, holds: this.host.store.openHolds.list().map(holdView) });
      case 'console.resolveHold':
        return this.resolveHold(cmd, c);
      case 'console.register':
        return this.register(cmd, c);
      case 'console.today':
        return send(this.today(cmd.id));
      case 'console.devices':
        return send({ type: 'console.devices', inReplyTo: cmd.id, devices: this.deviceBench(), ports: await this.ports() });
      case 'console.reconnect':
        await this.host.links[cmd.kind].reconnect();
        this.audit(c, 'device.reconnect', { device: cmd.kind });
        return send({ type: 'console.done', inReplyTo: cmd.id, message: text('已重新连接', 'Reconnected') });
      case 'console.usePort':
        return this.usePort(cmd, c);
      case 'console.detect':
        return this.detect(cmd, c);
      case 'console.selfTest':
        return send(this.selfTest(cmd.id, cmd.kind));
      case 'console.monitor':
        return this.setMonitor(c, cmd.on);
      case 'console.monitorExport': {
        const path = this.writeFile(`serial-monitor-${stamp()}.txt`, this.monitor.exportText());
        this.audit(c, 'monitor.export', { lines: this.monitor.recent(100_000).length });
        return send({ type: 'console.file', inReplyTo: cmd.id, path: path.file, bytes: path.bytes, summary: 'serial monitor, card data withheld' });
      }
      case 'console.calibration':
        return this.calibration(cmd, c);
      case 'console.siteModel':
        return this.siteModel(cmd, c);
      case 'console.settings':
        return send(this.settingsView(cmd.id));
      case 'console.setSetting':
        return this.setSetting(cmd, c);
      case 'console.accountList':
        return send({
          type: 'console.accountList',
          inReplyTo: cmd.id,
          accounts: this.host.store.accounts.list().map((a) => ({ name: a.name, role: a.role, disabled: a.disabled, locked: !this.throttle.check(a.id, this.now()).allowed })),
        });
      case 'console.setAccount': {
        try {
          const { created } = this.host.store.accounts.setPin({ name: cmd.name, role: cmd.role, pin: cmd.pin }, actorOf(c.session!.account));
          for (const other of this.conns.values()) if (other.session?.account.name.toLowerCase() === cmd.name.toLowerCase() && other !== c) this.endSession(other, 'account-changed', true);
          return send({ type: 'console.done', inReplyTo: cmd.id, message: created ? text('账户已创建', 'Account created') : text('PIN 已更改', 'PIN changed') });
        } catch (err) {
          return send({ type: 'console.invalid', inReplyTo: cmd.id, field: 'pin', message: text('账户名或 PIN 不符合要求（6–12位数字，不可重复或连续）', err instanceof Error ? err.message : String(err)) });
        }
      }
      case 'console.unlockAccount': {
        const a = this.host.store.accounts.byName(cmd.name);
        if (!a) return send({ type: 'console.invalid', inReplyTo: cmd.id, field: 'name', message: text('没有此账户', 'No such account') });
        this.host.store.accounts.recordAttempt(a.id, 'unlock', c.origin, this.now());
        this.audit(c, 'account.unlocked', { account: a.name, role: a.role });
        return send({ type: 'console.done', inReplyTo: cmd.id, message: text('账户已解锁', 'Account unlocked') });
      }
      case 'console.diagnostics': {
        const r = await writeDiagnosticsArchive(this.host.dataDir, {
          store: this.host.store,
          config: this.host.config,
          deviceIds: [this.host.config.devices.thermometer.id, this.host.config.devices.idcard.id],
          devicesNow: this.deviceBench(),
          health: this.host.health(),
          logLines: recentLogs.recent(),
          serialMonitor: this.monitor.exportText(),
          softwareVersion: this.host.softwareVersion,
        });
        this.audit(c, 'diagnostics.export', { files: r.files, bytes: r.bytes });
        return send({ type: 'console.file', inReplyTo: cmd.id, path: r.path, bytes: r.bytes, summary: `${r.files} files, no personal data` });
      }
      case 'console.lan':
        return this.lanCommand(cmd, c);
    }
  }

  // ---- access --------------------------------------------------------------------------------

  private signIn(cmd: Extract<ConsoleCommand, { type: 'console.signIn' }>, c: Connection): void {
    const { store, log } = this.host;
    const now = this.now();
    const account = store.accounts.byName(cmd.name);
    const deny = (reason: 'wrong-pin' | 'wait' | 'locked' | 'rate-limit' | 'role', retryAfterMs?: number) => {
      const secs = retryAfterMs === undefined ? 0 : Math.ceil(retryAfterMs / 1000);
      const message =
        reason === 'wrong-pin'
          ? text('账户或 PIN 不正确', 'Wrong name or PIN')
          : reason === 'wait'
            ? text(`请等待 ${secs} 秒后再试`, `Wait ${secs} s before trying again`)
            : reason === 'locked'
              ? text(`尝试次数过多，账户已锁定 ${Math.ceil(secs / 60)} 分钟`, `Too many wrong PINs: locked for ${Math.ceil(secs / 60)} min`)
              : reason === 'rate-limit'
                ? text('本机登录失败次数过多，请稍后再试', 'Too many failed sign-ins on this kiosk; try later')
                : text('局域网上只能登录工作人员账户', 'Only staff accounts may sign in over the LAN');
      c.reply({ type: 'console.denied', inReplyTo: cmd.id, reason, message, ...(retryAfterMs !== undefined && { retryAfterMs: Math.max(0, Math.ceil(retryAfterMs)) }) });
    };
    const verdict = this.throttle.check(account?.id ?? null, now);
    if (!verdict.allowed) {
      store.audit.append(account ? actorOf(account) : 'unknown', 'console.sign-in-refused', { reason: verdict.reason, origin: c.origin, retryAfterMs: Math.ceil(verdict.retryAfterMs) });
      return deny(verdict.reason, verdict.retryAfterMs);
    }
    const ok = store.accounts.verifyPin(cmd.name, cmd.pin);
    if (!ok) {
      store.accounts.recordAttempt(account?.id ?? null, 'failure', c.origin, now);
      const n = store.accounts.consecutiveFailures(account?.id ?? null).count;
      store.audit.append(account ? actorOf(account) : 'unknown', 'console.sign-in-failed', { origin: c.origin, consecutive: n });
      log.warn({ origin: c.origin, consecutive: n }, 'console: wrong PIN');
      const after = this.throttle.check(account?.id ?? null, now);
      if (!after.allowed && after.reason === 'locked') {
        store.audit.append(account ? actorOf(account) : 'unknown', 'console.locked-out', { origin: c.origin, forMs: Math.ceil(after.retryAfterMs) });
        return deny('locked', after.retryAfterMs);
      }
      return deny('wrong-pin', after.allowed ? undefined : after.retryAfterMs);
    }
    if (c.origin === 'lan' && ok.role !== 'staff') {
      store.audit.append(actorOf(ok), 'console.sign-in-refused', { reason: 'technician-over-lan', origin: c.origin });
      return deny('role');
    }
    store.accounts.recordAttempt(ok.id, 'success', c.origin, now);
    if (c.session) this.endSession(c, 'signed-out', false);
    const id = store.accounts.startSession(ok, c.origin);
    c.session = { id, account: ok, origin: c.origin, timer: this.idleTimer(c) };
    c.reply({ type: 'console.session', inReplyTo: cmd.id, name: ok.name, role: ok.role, idleTimeoutMs: this.idleMs(), origin: c.origin });
  }

  private idleMs(): number {
    return ((this.host.store.settings.get<number>('console.idleTimeoutSec') ?? (CONSOLE_DEFAULTS['console.idleTimeoutSec'] as number)) * 1000) | 0;
  }

  private idleTimer(c: Connection): NodeJS.Timeout {
    const t = setTimeout(() => this.endSession(c, 'idle', true), this.idleMs());
    t.unref();
    return t;
  }

  private touch(c: Connection): void {
    if (!c.session) return;
    clearTimeout(c.session.timer);
    c.session.timer = this.idleTimer(c);
  }

  private endSession(c: Connection, reason: 'signed-out' | 'idle' | 'connection' | 'account-changed', notify: boolean): void {
    const s = c.session;
    if (!s) return;
    clearTimeout(s.timer);
    c.session = null;
    c.unsubscribeMonitor?.();
    c.unsubscribeMonitor = null;
    if (c.calibrationFeed) clearInterval(c.calibrationFeed);
    c.calibrationFeed = null;
    this.host.store.accounts.endSession(s.id, reason);
    if (notify) c.reply({ type: 'console.signedOut', reason });
  }

  private audit(c: Connection, action: string, detail: Record<string, string | number | boolean | null>): void {
    this.host.store.audit.append(c.session ? actorOf(c.session.account) : 'unknown', action, detail);
  }

  // ---- holds ---------------------------------------------------------------------------------

  private onResult(e: ResultEvent): void {
    const r = e.record;
    if (r.decision !== 'HOLD') return;
    let registered: { name: string; number: string; document: string } | null = null;
    if (r.registrationId) {
      const reg = this.host.store.registrations.get(r.registrationId);
      if (reg) registered = { name: reg.name, number: reg.documentNumber, document: reg.documentType };
    }
    const hold = holdViewOfRecord(r, registered);
    const heldAtMs = Date.parse(r.finishedAt);
    for (const c of this.conns.values()) if (c.session) c.reply({ type: 'console.holdArrived', hold, heldAtMs, sentAtMs: Date.now() });
  }

  private async resolveHold(cmd: Extract<ConsoleCommand, { type: 'console.resolveHold' }>, c: Connection): Promise<void> {
    const { store } = this.host;
    const invalid = (field: string, message: { zh: string; en: string }) => c.reply({ type: 'console.invalid', inReplyTo: cmd.id, field, message });
    const hold = store.openHolds.get(cmd.screeningId);
    if (!hold) return invalid('screeningId', text('此滞留已处理或不存在', 'This hold was already resolved, or does not exist'));
    if (cmd.recheck) {
      const p = recheckProblem(cmd.recheck.temperatureC);
      if (p) return invalid('recheck', p);
    }
    if (cmd.disposition === 'released' && !cmd.recheck && hold.fever) return invalid('recheck', text('发热滞留放行前须复测体温', 'A fever hold needs a re-check before release'));
    const actor = actorOf(c.session!.account);
    const note = cmd.note.trim();
    const d = await store.dispositions.record({ screeningId: cmd.screeningId, staffId: actor, action: cmd.disposition, note: note === '' ? null : note, ...(cmd.recheck && { recheck: cmd.recheck }) });
    store.audit.append(actor, 'hold.resolved', { screening: cmd.screeningId, disposition: d.id, action: cmd.disposition, recheck: cmd.recheck !== null });
    this.host.releaseHoldPhoto?.(cmd.screeningId);
    c.reply({ type: 'console.done', inReplyTo: cmd.id, message: text('已记录处置结果', 'Resolution recorded'), recordId: d.id });
    for (const other of this.conns.values()) if (other.session) other.reply({ type: 'console.holdResolved', screeningId: cmd.screeningId });
  }

  private async register(cmd: Extract<ConsoleCommand, { type: 'console.register' }>, c: Connection): Promise<void> {
    const invalid = (field: string, message: { zh: string; en: string }) => c.reply({ type: 'console.invalid', inReplyTo: cmd.id, field, message });
    const number = checkDocumentNumber(cmd.documentType, cmd.documentNumber);
    if (!number.ok) return invalid('documentNumber', number.problem);
    const name = cmd.name.trim();
    if (name === '' || name.length > 64) return invalid('name', text('请填写姓名', 'Enter the name'));
    const phone = checkPhone(cmd.phone);
    if (!phone.ok) return invalid('phone', phone.problem);
    if (this.host.engine.state !== 'idle' || this.pausedFor.size > 0) return invalid('kiosk', text('测温仪正忙，请稍后再登记', 'The kiosk is busy measuring; register again in a moment'));
    const actor = actorOf(c.session!.account);
    const reg = await this.host.store.registrations.record({ staffId: actor, documentType: cmd.documentType, numberCheck: number.check, documentNumber: number.normalised, name, phone: phone.phone });
    const cardType = cmd.documentType === 'passport' || cmd.documentType === 'other' ? null : cmd.documentType;
    const started = this.host.engine.onRegisteredIdentity({ registrationId: reg.id, idNumber: number.normalised, cardType });
    const screeningId = this.host.engine.screeningId;
    if (!started || !screeningId) return invalid('kiosk', text('已登记，但测温仪正忙；请稍后重新登记测温', 'Registered, but the kiosk became busy; register again to measure'));
    this.host.store.registrations.linkScreening(reg.id, screeningId);
    this.host.simulateWalkUp?.();
    c.reply({ type: 'console.done', inReplyTo: cmd.id, message: text('已登记，请被登记人面向测温区', 'Registered: the person should now face the thermometer'), recordId: reg.id });
  }

  private today(id: number | undefined): ConsoleEvent {
    const { store } = this.host;
    const hours = store.stats.today();
    const t = totals(hours);
    const counts = store.outbox.counts();
    const d = new Date(this.now());
    return {
      type: 'console.today',
      inReplyTo: id,
      date: `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`,
      hours: hours.map((h) => ({ hour: h.hour, screened: h.screened, passed: h.passed, held: h.held, fever: h.fever })),
      totals: { screened: t.screened, passed: t.passed, held: t.held, fever: t.fever },
      openHolds: store.openHolds.list().length,
      lastUpload: (this.host.uploads ?? NO_UPLINK).lastUploadAt(),
      outbox: { pending: counts.pending, dead: counts.dead },
    };
  }

  // ---- devices -------------------------------------------------------------------------------

  private deviceBench(): DeviceBench[] {
    const views = this.host.devices();
    return (['idcard', 'thermometer'] as const).map((kind) => {
      const cfg = this.host.config.devices[kind];
      const v = views.find((x) => x.kind === kind);
      const link = this.host.links[kind].current;
      const serial = cfg.source === 'serial' ? cfg : null;
      return {
        kind,
        deviceId: cfg.id,
        state: v?.state ?? 'connecting',
        ...(v?.reason !== undefined && { reason: v.reason }),
        source: this.host.simulated[kind] ? 'simulated' : 'serial',
        port: link.state === 'online' ? link.path : (serial?.path ?? this.host.links[kind].id),
        protocol: kind === 'idcard' ? 'sam' : this.host.config.devices.thermometer.protocol,
        baudRate: serial ? lineSpeedOf(serial, kind) : null,
        usb: serial?.usb ? { vendorId: serial.usb.vendorId, productId: serial.usb.productId } : null,
      };
    });
  }

  private usedPaths(): Set<string> {
    const used = new Set<string>();
    for (const kind of ['idcard', 'thermometer'] as const) {
      const cfg = this.host.config.devices[kind];
      if (cfg.source === 'serial' && cfg.path) used.add(cfg.path);
      const cur = this.host.links[kind].current;
      if (cur.state === 'online') used.add(cur.path);
    }
    return used;
  }

  private async ports() {
    const simDir = defaultSimDir();
    const extra = ['idcard', 'thermo'].map((k) => join(simDir, k));
    const used = this.usedPaths();
    const list = await listSerialPorts({ extraPaths: extra });
    return list.slice(0, 64).map((p) => ({
      path: p.path,
      ...(p.byId !== undefined && { byId: p.byId }),
      ...(p.vendorId !== undefined && { vendorId: p.vendorId }),
      ...(p.productId !== undefined && { productId: p.productId }),
      ...(p.manufacturer !== undefined && { manufacturer: p.manufacturer.slice(0, 100) }),
      inUse: used.has(p.path) || (p.byId !== undefined && used.has(p.byId)),
    }));
  }

  private async detect(cmd: Extract<ConsoleCommand, { type: 'console.detect' }>, c: Connection): Promise<void> {
    if (this.usedPaths().has(cmd.path)) {
      return c.reply({ type: 'console.invalid', inReplyTo: cmd.id, field: 'path', message: text('该端口正被本机使用，不能探测', 'The kiosk is using this port; it cannot be probed') });
    }
    const r = await detectDevice(cmd.path);
    this.audit(c, 'device.detect', { path: cmd.path, found: r.candidates.map((x) => `${x.kind}:${x.protocol}@${x.baudRate}`).join(',') || 'none' });
    c.reply({ type: 'console.detected', inReplyTo: cmd.id, path: cmd.path, candidates: r.candidates, tried: r.tried.slice(0, 30) });
  }

  private async usePort(cmd: Extract<ConsoleCommand, { type: 'console.usePort' }>, c: Connection): Promise<void> {
    const current = this.host.config.devices[cmd.kind];
    const protocol = cmd.kind === 'thermometer' ? (cmd.protocol ?? this.host.config.devices.thermometer.protocol) : undefined;
    const device = { source: 'serial' as const, id: current.id, path: cmd.path, baudRate: cmd.baudRate, ...(protocol !== undefined && { protocol }) };
    const r = parseKioskConfig({ ...this.host.config, devices: { ...this.host.config.devices, [cmd.kind]: device } });
    if (!r.ok) return c.reply({ type: 'console.invalid', inReplyTo: cmd.id, field: 'port', message: text('配置无效', r.problems.join('; ').slice(0, 200)) });
    await this.host.store.settings.set(`${CONFIG_PREFIX}devices.${cmd.kind}`, device, actorOf(c.session!.account), current);
    this.settingsChangedSinceStart = true;
    const liveSwitch = !this.host.simulated[cmd.kind] && (cmd.kind === 'idcard' || protocol === this.host.config.devices.thermometer.protocol);
    if (liveSwitch) await this.host.links[cmd.kind].reconnect(() => new SerialLink({ path: cmd.path, baudRate: cmd.baudRate, watchdogMs: 5000 }) as Link);
    c.reply({
      type: 'console.done',
      inReplyTo: cmd.id,
      message: liveSwitch ? text('已切换端口并重新连接', 'Port switched; reconnected') : text('已保存；重启本机后生效', 'Saved; takes effect when the kiosk restarts'),
    });
  }

  private selfTest(id: number | undefined, kind: 'idcard' | 'thermometer'): ConsoleEvent {
    const now = this.now();
    const link = this.host.links[kind].current;
    const checks: Array<{ name: string; ok: boolean; detail: string }> = [{ name: 'port', ok: link.state === 'online', detail: link.state === 'online' ? `open: ${link.path}` : link.state === 'offline' ? link.reason : 'connecting' }];
    if (kind === 'idcard') {
      const age = this.monitor.lastSamOkMs === null ? null : now - this.monitor.lastSamOkMs;
      checks.push({ name: 'SAM status', ok: age !== null && age < 10_000, detail: age === null ? 'no SAM status reply 90 seen yet' : `SAM answered status 90 ${(age / 1000).toFixed(1)} s ago` });
    } else {
      const r = this.monitor.lastThermoReading;
      const age = r === null ? null : now - r.atMs;
      checks.push({ name: 'frames', ok: age !== null && age < 2000, detail: age === null ? 'no valid frame yet' : `last valid frame ${(age / 1000).toFixed(1)} s ago` });
      const total = this.monitor.thermoFrames + this.monitor.thermoFailures;
      checks.push({ name: 'frame errors', ok: total > 0 && this.monitor.thermoFailures / total < 0.1, detail: `${this.monitor.thermoFailures} bad of ${total}` });
      if (r) {
        checks.push({ name: 'object value', ok: Number.isFinite(r.objectC) && r.objectC > -20 && r.objectC < 80, detail: `${r.objectC.toFixed(2)} °C` });
        if (r.ambientC !== undefined) checks.push({ name: 'ambient value', ok: r.ambientC > -20 && r.ambientC < 60, detail: `${r.ambientC.toFixed(2)} °C` });
      }
      const cal = this.calibrationInForce();
      checks.push({ name: 'calibration', ok: cal?.state === 'valid', detail: cal ? `${cal.state}, valid until ${cal.validUntil.slice(0, 10)}` : 'none' });
    }
    return { type: 'console.selfTest', inReplyTo: id, kind, ok: checks.every((x) => x.ok), checks };
  }

  private setMonitor(c: Connection, on: boolean): void {
    c.unsubscribeMonitor?.();
    c.unsubscribeMonitor = null;
    if (!on) return;
    let batch: MonitorLine[] = this.monitor.recent(200);
    const flush = () => {
      if (batch.length === 0) return;
      c.reply({ type: 'console.monitorLines', lines: batch.slice(-200) });
      batch = [];
    };
    flush();
    const timer = setInterval(flush, 250);
    timer.unref();
    const off = this.monitor.subscribe((l) => batch.push(l));
    c.unsubscribeMonitor = () => {
      off();
      clearInterval(timer);
    };
  }

  // ---- calibration and the site model --------------------------------------------------------

  private calibrationInForce(): (Calibration & { state: string }) | null {
    const cal = this.host.calibration.current(this.host.config.devices.thermometer.id);
    if (!cal) return null;
    const check = this.host.store.calibrations.latestCheck(cal.id);
    const withDrift = check?.flagged ? { ...cal, driftFlagged: true } : cal;
    return { ...withDrift, state: calibrationState(withDrift, new Date(this.now())) };
  }

  private readonly pausedFor = new Set<string>();
  private setPause(why: 'calibration' | 'site-model', on: boolean): void {
    const had = this.pausedFor.size > 0;
    if (on) this.pausedFor.add(why);
    else this.pausedFor.delete(why);
    const has = this.pausedFor.size > 0;
    if (had !== has) this.host.pauseScreening(has, [...this.pausedFor].join(',') || why);
  }

  private calibrationView(): CalibrationStateView {
    return this.wizard.view();
  }

  private async calibration(cmd: Extract<ConsoleCommand, { type: 'console.calibration' }>, c: Connection): Promise<void> {
    const actor = actorOf(c.session!.account);
    const invalid = (field: string, message: string) => c.reply({ type: 'console.invalid', inReplyTo: cmd.id, field, message: text(message, message) });
    try {
      switch (cmd.action) {
        case 'status':
          break;
        case 'start':
          if (cmd.ambientC === undefined) return invalid('ambientC', 'give the ambient temperature (°C)');
          if (this.host.engine.state !== 'idle') return invalid('kiosk', 'the kiosk is screening someone; start when it is idle');
          this.wizard.start({ kind: cmd.kind ?? 'two-point', blackbodyId: cmd.blackbodyId ?? '', certificateDate: cmd.certificateDate ?? '', ambientC: cmd.ambientC, technicianId: actor });
          this.host.store.audit.append(actor, 'calibration.started', { kind: cmd.kind ?? 'two-point', blackbody: cmd.blackbodyId ?? '', warmUpOk: this.wizard.view().warmUp.ok });
          break;
        case 'setPoint':
          if (cmd.setPointC === undefined) return invalid('setPointC', 'give the set-point');
          this.wizard.setPoint(cmd.setPointC);
          break;
        case 'capture':
        case 'verify':
        case 'driftCapture':
          this.wizard.capture();
          break;
        case 'save':
          await this.wizard.save();
          break;
        case 'cancel':
          this.wizard.cancel();
          this.host.store.audit.append(actor, 'calibration.cancelled', {});
          break;
        case 'driftCheck':
          if (this.host.engine.state !== 'idle') return invalid('kiosk', 'the kiosk is screening someone; start when it is idle');
          this.wizard.startDriftCheck(actor);
          break;
      }
    } catch (err) {
      if (err instanceof WizardError) return invalid(err.field, err.message);
      throw err;
    } finally {
      this.setPause('calibration', this.wizard.active);
    }
    c.reply({ type: 'console.calibration', inReplyTo: cmd.id, state: this.calibrationView() });
    // While a set-point is being measured, the stability indicator follows live.
    if (c.calibrationFeed) clearInterval(c.calibrationFeed);
    c.calibrationFeed = null;
    if (this.wizard.active) {
      c.calibrationFeed = setInterval(() => {
        if (!c.session || !this.wizard.active) {
          if (c.calibrationFeed) clearInterval(c.calibrationFeed);
          c.calibrationFeed = null;
          return;
        }
        c.reply({ type: 'console.calibration', inReplyTo: undefined, state: this.calibrationView() });
      }, 300);
      c.calibrationFeed.unref();
    }
  }

  /** The calibrated skin temperature in front of the kiosk now (median of the last 5 readings), with ambient. */
  private latestSkin(): { skinC: number | null; ambientC: number | null } {
    const last = this.recentReadings.slice(-5);
    if (last.length < 3) return { skinC: null, ambientC: null };
    const cal = this.host.calibration.current(this.host.config.devices.thermometer.id);
    const corrected = last.map((r) => (cal ? cal.gain * r.objectC + cal.offset : r.objectC));
    const skinC = median(corrected);
    const t = this.host.config.temperature;
    const ambients = last.flatMap((r) => (r.ambientC === undefined ? [] : [r.ambientC]));
    return { skinC: skinC >= t.skinMinC && skinC <= t.skinMaxC ? skinC : null, ambientC: ambients.length ? median(ambients) : null };
  }

  private async siteModel(cmd: Extract<ConsoleCommand, { type: 'console.siteModel' }>, c: Connection): Promise<void> {
    const actor = actorOf(c.session!.account);
    let problem: string | null = null;
    switch (cmd.action) {
      case 'status':
        this.siteActive = true;
        break;
      case 'addPair': {
        this.siteActive = true;
        const { skinC, ambientC } = this.latestSkin();
        const p = cmd.clinicalC === undefined ? text('请输入临床体温', 'Enter the clinical reading') : recheckProblem(cmd.clinicalC);
        if (p) problem = p.en;
        else if (skinC === null) problem = 'nobody in front of the thermometer (no skin reading in range): ask the person to face the sensor';
        else {
          this.sitePairs.push({ skinC, ambientC, clinicalC: cmd.clinicalC! });
          this.siteFit = null;
        }
        break;
      }
      case 'removePair':
        if (cmd.index !== undefined) this.sitePairs.splice(cmd.index, 1);
        this.siteFit = null;
        break;
      case 'fit':
        this.siteFit = fitSiteModel(cmd.kind ?? 'constant-offset', this.sitePairs);
        if (!this.siteFit.ok) problem = this.siteFit.problem;
        break;
      case 'save': {
        const fit = this.siteFit;
        if (!fit || !fit.ok) {
          problem = 'fit the model before saving';
          break;
        }
        const saved = await this.host.store.siteModels.record({
          technicianId: actor,
          model: fit.model,
          pairs: fit.pairs,
          residualSdC: fit.residualSdC,
          uncertaintyC: fit.uncertaintyC,
          clinical: { method: cmd.method ?? 'axillary', thermometer: cmd.thermometer ?? '' },
        });
        await this.host.store.settings.set(`${CONFIG_PREFIX}temperature.model`, fit.model, actor, this.host.config.temperature.model);
        this.settingsChangedSinceStart = true;
        this.siteSavedId = saved.id;
        this.sitePairs = [];
        this.siteActive = false;
        break;
      }
      case 'reset':
        this.sitePairs = [];
        this.siteFit = null;
        this.siteSavedId = null;
        this.siteActive = false;
        break;
    }
    this.setPause('site-model', this.siteActive && this.sitePairs.length > 0);
    const fit = this.siteFit?.ok ? this.siteFit : null;
    const latest = this.latestSkin();
    c.reply({
      type: 'console.siteModel',
      inReplyTo: cmd.id,
      state: {
        pairs: (fit ? fit.pairs : this.sitePairs.map((p) => ({ ...p, estimateC: null, residualC: null }))).slice(0, 50),
        latestSkinC: latest.skinC,
        latestAmbientC: latest.ambientC,
        fit: fit ? { model: modelParams(fit.model), residualSdC: fit.residualSdC, uncertaintyC: fit.uncertaintyC, meanResidualC: fit.meanResidualC } : null,
        current: modelParams(this.host.config.temperature.model),
        problem,
        savedId: this.siteSavedId,
      },
    });
  }

  // ---- settings, LAN -------------------------------------------------------------------------

  private settingsView(id: number | undefined): ConsoleEvent {
    const { store, config } = this.host;
    const effective = (key: string) => {
      const stored = store.settings.get(storageKey(key));
      return stored;
    };
    return {
      type: 'console.settings',
      inReplyTo: id,
      items: SETTINGS.map((s) => {
        const running = settingValue(config, store.settings, s);
        const stored = effective(s.key);
        const value = (stored ?? running) as string | number | boolean;
        return { key: s.key, group: s.group, value, kind: s.kind, ...(s.options && { options: [...s.options] }), ...(s.min !== undefined && { min: s.min }), ...(s.max !== undefined && { max: s.max }), ...(s.step !== undefined && { step: s.step }), pending: !s.key.startsWith('console.') && stored !== undefined && JSON.stringify(stored) !== JSON.stringify(running) };
      }),
      history: store.settings
        .history()
        .slice(-100)
        .reverse()
        .map((h) => ({ at: h.at, actor: h.actor.slice(0, 80), key: h.key.slice(0, 80), oldValue: JSON.stringify(h.oldValue ?? null).slice(0, 500), newValue: JSON.stringify(h.newValue ?? null).slice(0, 500) })),
      restartNeeded: this.settingsChangedSinceStart,
    };
  }

  private async setSetting(cmd: Extract<ConsoleCommand, { type: 'console.setSetting' }>, c: Connection): Promise<void> {
    const spec = SETTINGS.find((s) => s.key === cmd.key);
    if (!spec) return c.reply({ type: 'console.invalid', inReplyTo: cmd.id, field: cmd.key, message: text('不可修改的设置', 'Not a setting the console may change') });
    // Validate against the configuration as it will be at the next start (earlier stored changes included).
    const r = validateSetting(this.nextConfig(), cmd.key, cmd.value);
    if (!r.ok) return c.reply({ type: 'console.invalid', inReplyTo: cmd.id, field: cmd.key, message: text(`设置无效：${r.problems[0] ?? ''}`.slice(0, 200), r.problems[0]?.slice(0, 200) ?? 'invalid') });
    await this.host.store.settings.set(storageKey(cmd.key), cmd.value, actorOf(c.session!.account), settingValue(this.nextConfig(), this.host.store.settings, spec));
    const live = cmd.key.startsWith('console.');
    if (!live) this.settingsChangedSinceStart = true;
    c.reply({ type: 'console.done', inReplyTo: cmd.id, message: live ? text('已保存并生效', 'Saved; in effect now') : text('已保存；重启本机后生效', 'Saved; takes effect when the kiosk restarts') });
  }

  private nextConfig(): KioskConfig {
    let cfg = this.host.config;
    for (const s of SETTINGS) {
      const stored = this.host.store.settings.get(storageKey(s.key));
      if (stored === undefined || s.key.startsWith('console.')) continue;
      const r = validateSetting(cfg, s.key, stored);
      if (r.ok) cfg = r.config;
    }
    return cfg;
  }

  private lanSetting(): { enabled: boolean; host: string; port: number } {
    const s = this.host.store.settings.get<Partial<typeof LAN_DEFAULTS>>('console.lan') ?? {};
    return { ...LAN_DEFAULTS, ...s };
  }

  private async startLan(): Promise<void> {
    const setting = this.lanSetting();
    if (!this.host.rendererDir) {
      this.lanProblem = 'no built renderer (run npm run build)';
      return;
    }
    try {
      this.certificate ??= await kioskCertificate(this.host.dataDir);
      this.lan = await startLanConsole({ host: setting.host, port: setting.port, rendererDir: this.host.rendererDir, certificate: this.certificate, contract: this.lanContract, log: this.host.log });
      this.lanProblem = null;
      this.host.log.info({ url: this.lan.url, fingerprint: this.certificate.fingerprint }, 'lan console: listening');
    } catch (err) {
      this.lanProblem = err instanceof Error ? err.message : String(err);
      this.host.log.error({ err: this.lanProblem }, 'lan console: could not start');
    }
  }

  private async lanCommand(cmd: Extract<ConsoleCommand, { type: 'console.lan' }>, c: Connection): Promise<void> {
    if (cmd.enabled !== undefined && cmd.enabled !== this.lanSetting().enabled) {
      await this.host.store.settings.set('console.lan', { ...this.lanSetting(), enabled: cmd.enabled }, actorOf(c.session!.account));
      if (cmd.enabled) await this.startLan();
      else {
        await this.lan?.close();
        this.lan = null;
        for (const conn of this.conns.values()) if (conn.origin === 'lan') this.endSession(conn, 'connection', true);
      }
    }
    c.reply({
      type: 'console.lan',
      inReplyTo: cmd.id,
      lan: { enabled: this.lanSetting().enabled, running: this.lan !== null, url: this.lan?.url ?? null, fingerprint: this.certificate?.fingerprint ?? null, problem: this.lanProblem },
    });
  }

  /** The LAN console's address and certificate (tests, the status line). */
  get lanState(): { url: string | null; port: number | null; spkiSha256: string | null } {
    return { url: this.lan?.url ?? null, port: this.lan?.port ?? null, spkiSha256: this.certificate?.spkiSha256 ?? null };
  }

  private writeFile(name: string, content: string): { file: string; bytes: number } {
    const dir = join(this.host.dataDir, 'diagnostics');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const file = join(dir, name);
    writeFileSync(file, content, { mode: 0o600 });
    return { file, bytes: Buffer.byteLength(content) };
  }
}

function stamp(): string {
  return new Date().toISOString().replace(/[:.]/g, '-');
}

export type { HoldView };
export { RECHECK_RANGE_C };
