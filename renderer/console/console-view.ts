import type { CalibrationStateView, ConsoleEvent, HoldView, MonitorLine, ProcessingReportView, SiteModelStateView, SubjectLookupView } from '../../main/contract/console-messages.js';
import type { UiCommandInput } from '../../main/contract/contract-client.js';
import type { BilingualText, Language, PrivacyNotice } from '../../main/contract/messages.js';
import { noticeBlock, PrivacyNoticeDialog } from '../privacy-notice.js';
import { CONSOLE_TEXT, type ConsoleText } from './console-text.js';
import { drawTodayChart } from './today-chart.js';

/**
 * The staff and technician consoles: one view class for the kiosk's own screen (opened by a long
 * press in a corner) and for a tablet on the LAN. It talks only through console commands of the
 * contract; it draws with DOM nodes and textContent (never HTML strings, never inline styles), and
 * every control has a visible label. The host decides who may do what; this only shows.
 */
type Screen = 'pin' | 'holds' | 'resolve' | 'register' | 'today' | 'notice' | 'devices' | 'monitor' | 'calibration' | 'site-model' | 'settings' | 'accounts' | 'diagnostics' | 'privacy';
type Role = 'staff' | 'technician';

export interface ConsoleViewOptions {
  root: HTMLElement;
  origin: 'kiosk' | 'lan';
  send(command: UiCommandInput): number | null;
  /** The kiosk's screen: close the console and show the traveller screen again. */
  onClose?: () => void;
  language(): Language;
  /** Switches the console's language (the full privacy notice offers it); the page redraws the console after. */
  setLanguage(to: Language): void;
}

/** What the technician's requests page shows below the form: what the host answered last. */
type SubjectResult =
  | { kind: 'lookup'; lookup: SubjectLookupView; reference: string; confirm: boolean }
  | { kind: 'exported'; event: Extract<ConsoleEvent, { type: 'console.subjectExported' }> }
  | { kind: 'erased'; event: Extract<ConsoleEvent, { type: 'console.subjectErased' }> };

function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, ...children: Array<Node | string | null>): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') node.className = v;
    else if (k === 'text') node.textContent = v;
    else node.setAttribute(k, v);
  }
  for (const c of children) if (c !== null) node.append(c);
  return node;
}

let fieldSeq = 0;
/** A labelled control: <label for> + the control (WCAG 1.3.1, 4.1.2). */
function field(label: string, control: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement, name: string): HTMLElement {
  const id = `f-${name}-${++fieldSeq}`;
  control.id = id;
  control.dataset.field = name;
  return h('div', { class: 'field' }, h('label', { for: id, text: label }), control);
}

function button(label: string, action: string, onClick: () => void, kind = ''): HTMLButtonElement {
  const b = h('button', { type: 'button', class: `btn ${kind}`.trim(), 'data-action': action, text: label });
  b.addEventListener('click', onClick);
  return b;
}

function select(options: Array<[string, string]>, value?: string): HTMLSelectElement {
  const s = h('select');
  for (const [v, label] of options) {
    const o = h('option', { value: v, text: label });
    if (v === value) o.selected = true;
    s.append(o);
  }
  return s;
}

const c1 = (n: number | null | undefined, digits = 1) => (n === null || n === undefined || !Number.isFinite(n) ? '–' : n.toFixed(digits));

export class ConsoleView {
  private screen: Screen = 'pin';
  private role: Role | null = null;
  private name = '';
  private accounts: Array<{ name: string; role: Role }> = [];
  private chosen: string | null = null;
  private holds: HoldView[] = [];
  private resolving: HoldView | null = null;
  private message: { text: string; kind: 'ok' | 'error' } | null = null;
  private retryUntil = 0;
  private banner: HoldView | null = null;
  private audio: AudioContext | null = null;
  private disposeChart: (() => void) | null = null;
  private monitorLines: MonitorLine[] = [];
  private monitorPaused = false;
  private monitorOn = false;
  private lastEvent: Record<string, ConsoleEvent> = {};
  /** The ports seen on the devices screen (null until its first list). */
  private knownPorts: Set<string> | null = null;
  private timer: ReturnType<typeof setInterval> | null = null;
  /** Arrival times (Date.now) of console.holdArrived events with the host's decision time, for the latency test. */
  readonly holdArrivals: Array<{ screeningId: string; heldAtMs: number; receivedAtMs: number }> = [];
  private privacyNotice: PrivacyNotice | null = null;
  private noticeDialog: PrivacyNoticeDialog | null = null;
  private processing: ProcessingReportView | null = null;
  private subject: SubjectResult | null = null;
  /** The lookup the Delete… button asked for: its answer opens the confirmation. */
  private eraseLookup: number | null = null;
  /** The requests page's fields (the typed ID number stays in its masked field, nowhere else). */
  private subjectFields: { idNumber: HTMLInputElement; reference: HTMLInputElement } | null = null;

  constructor(private readonly opts: ConsoleViewOptions) {}

  private get t(): ConsoleText {
    return CONSOLE_TEXT[this.opts.language()];
  }

  private say(text: BilingualText): string {
    return text[this.opts.language()];
  }

  get signedIn(): boolean {
    return this.role !== null;
  }

  /** Opens the console (PIN pad, or the last screen while still signed in). */
  open(): void {
    if (!this.role) {
      this.screen = 'pin';
      this.chosen = null;
      this.opts.send({ type: 'console.accounts' });
    }
    this.draw();
  }

  /** Every console event from the host. */
  handle(e: ConsoleEvent): void {
    this.lastEvent[e.type] = e;
    switch (e.type) {
      case 'console.accounts':
        this.accounts = e.accounts;
        break;
      case 'console.session':
        this.role = e.role;
        this.name = e.name;
        this.message = null;
        this.go(e.role === 'technician' && this.opts.origin === 'kiosk' ? 'devices' : 'holds');
        return;
      case 'console.denied':
        this.message = { text: this.say(e.message), kind: 'error' };
        this.retryUntil = e.retryAfterMs ? Date.now() + e.retryAfterMs : 0;
        if (e.reason === 'signed-out') this.signedOut();
        else return this.showMessage(); // keep what was typed
        break;
      case 'console.signedOut':
        this.signedOut();
        break;
      case 'console.invalid':
        this.message = { text: this.say(e.message), kind: 'error' };
        return this.showMessage(); // the form keeps what staff entered
      case 'console.done':
        this.message = { text: this.say(e.message), kind: 'ok' };
        if (this.screen === 'resolve') return this.go('holds');
        if (this.screen === 'register' && this.opts.origin === 'kiosk') {
          this.opts.onClose?.();
          return;
        }
        this.refresh();
        break;
      case 'console.holds':
        this.holds = e.holds;
        break;
      case 'console.devices': {
        // A port that appears while the technician watches the list is probed at once (the proposal
        // still needs their confirmation).
        const unused = e.ports.filter((p) => !p.inUse).map((p) => p.path);
        if (this.knownPorts !== null) for (const path of unused) if (!this.knownPorts.has(path)) this.opts.send({ type: 'console.detect', path });
        this.knownPorts = new Set(e.ports.map((p) => p.path));
        break;
      }
      case 'console.holdArrived':
        this.holdArrivals.push({ screeningId: e.hold.screeningId, heldAtMs: e.heldAtMs, receivedAtMs: Date.now() });
        if (!this.holds.some((x) => x.screeningId === e.hold.screeningId)) this.holds.push(e.hold);
        this.banner = e.hold;
        this.beep();
        break;
      case 'console.holdResolved':
        this.holds = this.holds.filter((x) => x.screeningId !== e.screeningId);
        break;
      case 'console.monitorLines':
        if (!this.monitorPaused) {
          this.monitorLines.push(...e.lines);
          if (this.monitorLines.length > 300) this.monitorLines.splice(0, this.monitorLines.length - 300);
        }
        if (this.screen === 'monitor') this.drawMonitorLines();
        return;
      case 'console.calibration':
        if (this.screen === 'calibration' && e.inReplyTo === undefined) return this.drawCalibrationLive(e.state);
        break;
      case 'console.privacyNotice':
        this.privacyNotice = e.notice;
        break;
      // The requests page is updated in place: a redraw would empty the fields being filled in.
      case 'console.privacyReport':
        this.processing = e.report;
        return this.drawProcessing();
      case 'console.subjectLookup':
        this.subject = { kind: 'lookup', lookup: e.lookup, reference: e.reference, confirm: e.inReplyTo !== undefined && e.inReplyTo === this.eraseLookup };
        this.eraseLookup = null;
        return this.drawSubjectResult();
      case 'console.subjectExported':
        this.subject = { kind: 'exported', event: e };
        this.opts.send({ type: 'console.privacyReport' });
        return this.drawSubjectResult();
      case 'console.subjectErased':
        this.subject = { kind: 'erased', event: e };
        // Done with this person: the number leaves the field.
        if (this.subjectFields) this.subjectFields.idNumber.value = '';
        this.opts.send({ type: 'console.privacyReport' });
        return this.drawSubjectResult();
      default:
        break;
    }
    this.draw();
  }

  /** Updates the message line only (a redraw would empty the form being filled in). */
  private showMessage(): void {
    const el = this.opts.root.querySelector<HTMLElement>('[data-role="message"]');
    if (!el) return this.draw();
    el.textContent = this.message?.text ?? '';
    el.className = `c-message ${this.message?.kind ?? ''}`;
  }

  private signedOut(): void {
    this.role = null;
    this.name = '';
    this.banner = null;
    this.monitorOn = false;
    this.subject = null;
    this.processing = null;
    this.screen = 'pin';
    this.opts.send({ type: 'console.accounts' });
  }

  private go(screen: Screen): void {
    if (screen !== 'devices') this.knownPorts = null;
    this.screen = screen;
    if (screen !== 'resolve') this.resolving = null;
    if (screen !== 'privacy') this.subject = null;
    this.refresh();
    this.draw();
  }

  private refresh(): void {
    const s = this.screen;
    if (s === 'holds') this.opts.send({ type: 'console.holds' });
    else if (s === 'today') this.opts.send({ type: 'console.today' });
    else if (s === 'devices') this.opts.send({ type: 'console.devices' });
    else if (s === 'calibration') this.opts.send({ type: 'console.calibration', action: 'status' });
    else if (s === 'site-model') this.opts.send({ type: 'console.siteModel', action: 'status' });
    else if (s === 'settings') this.opts.send({ type: 'console.settings' });
    else if (s === 'accounts') this.opts.send({ type: 'console.accountList' });
    else if (s === 'diagnostics') this.opts.send({ type: 'console.lan' });
    else if (s === 'notice') this.opts.send({ type: 'console.privacyNotice' });
    else if (s === 'privacy') this.opts.send({ type: 'console.privacyReport' });
  }

  private beep(): void {
    try {
      this.audio ??= new AudioContext();
      const o = this.audio.createOscillator();
      const g = this.audio.createGain();
      o.frequency.value = 880;
      g.gain.value = 0.2;
      o.connect(g).connect(this.audio.destination);
      o.start();
      o.stop(this.audio.currentTime + 0.4);
    } catch (err) {
      console.warn(`console: cannot play the new-hold sound (${err instanceof Error ? err.message : String(err)})`);
    }
  }

  // ---- drawing -------------------------------------------------------------------------------

  private draw(): void {
    const t = this.t;
    this.disposeChart?.();
    this.disposeChart = null;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    const root = this.opts.root;
    root.dataset.consoleScreen = this.screen;
    const header = h('header', { class: 'c-header' }, h('h1', { text: `${t.title}${this.role ? ` · ${this.name} (${this.role === 'staff' ? t.staff : t.technician})` : ''}` }));
    const tools = h('div', { class: 'c-tools' });
    if (this.role) tools.append(button(t.signOut, 'sign-out', () => this.opts.send({ type: 'console.signOut' })));
    if (this.opts.onClose) tools.append(button(t.close, 'close', () => this.opts.onClose!()));
    header.append(tools);
    const parts: Node[] = [header];
    if (this.role) parts.push(this.nav());
    if (this.banner && this.role) {
      const b = this.banner;
      parts.push(
        h(
          'div',
          { class: 'c-banner', role: 'alert', 'data-role': 'hold-banner' },
          h('strong', { text: `${t.newHold}: ` }),
          `${b.reasons.map((r) => this.say(r.text)).join('、')} · ${b.identity ? `${b.identity.name} ${b.identity.idNumber}` : t.noIdentity} · ${c1(b.estimateC)} °C `,
          button(t.resolve, 'banner-resolve', () => {
            this.banner = null;
            this.resolving = b;
            this.go('resolve');
          }),
          button(t.close, 'banner-dismiss', () => {
            this.banner = null;
            this.draw();
          }),
        ),
      );
    }
    const status = h('p', { class: `c-message ${this.message?.kind ?? ''}`, role: 'status', 'data-role': 'message' }, this.message?.text ?? '');
    const body = h('main', { class: 'c-body', 'aria-label': t.title });
    body.append(this.drawScreen());
    parts.push(status, body);
    root.replaceChildren(...parts);
    if (this.screen === 'today') this.mountChart();
    if (this.screen !== 'notice') this.noticeDialog?.hide();
  }

  private nav(): HTMLElement {
    const t = this.t;
    const items: Array<[Screen, string]> = [
      ['holds', `${t.holds} (${this.holds.length})`],
      ['register', t.register],
      ['today', t.today],
      ['notice', t.notice],
    ];
    if (this.role === 'technician' && this.opts.origin === 'kiosk') {
      items.push(['devices', t.devices], ['monitor', t.monitor], ['calibration', t.calibration], ['site-model', t.siteModel], ['settings', t.settings], ['accounts', t.accounts], ['diagnostics', t.diagnostics], ['privacy', t.privacy]);
    }
    const nav = h('nav', { class: 'c-nav', 'aria-label': t.title });
    for (const [screen, label] of items) {
      const b = button(label, `nav-${screen}`, () => {
        this.message = null;
        this.go(screen);
      });
      if (screen === this.screen) b.setAttribute('aria-current', 'page');
      nav.append(b);
    }
    return nav;
  }

  private drawScreen(): Node {
    switch (this.screen) {
      case 'pin':
        return this.pinPad();
      case 'holds':
        return this.holdList();
      case 'resolve':
        return this.resolveForm();
      case 'register':
        return this.registerForm();
      case 'today':
        return this.todayView();
      case 'devices':
        return this.devicesView();
      case 'monitor':
        return this.monitorView();
      case 'calibration':
        return this.calibrationView();
      case 'site-model':
        return this.siteModelView();
      case 'settings':
        return this.settingsView();
      case 'accounts':
        return this.accountsView();
      case 'diagnostics':
        return this.diagnosticsView();
      case 'notice':
        return this.noticeView();
      case 'privacy':
        return this.privacyView();
    }
  }

  private pinPad(): Node {
    const t = this.t;
    const wrap = h('section', { class: 'c-pin', 'aria-labelledby': 'pin-title' }, h('h2', { id: 'pin-title', text: this.chosen ? `${t.signIn}: ${this.chosen}` : t.chooseAccount }));
    if (!this.chosen) {
      if (this.accounts.length === 0) wrap.append(h('p', { 'data-role': 'no-accounts', text: this.opts.language() === 'zh' ? '尚无账户：技术员请在本机运行 kiosk pin set --role technician --name 名字' : 'No accounts yet: a technician runs kiosk pin set --role technician --name NAME on the kiosk' }));
      const list = h('ul', { class: 'c-accounts' });
      for (const a of this.accounts) {
        list.append(h('li', {}, button(`${a.name} · ${a.role === 'staff' ? t.staff : t.technician}`, `account-${a.name}`, () => {
          this.chosen = a.name;
          this.message = null;
          this.draw();
        })));
      }
      wrap.append(list);
      return wrap;
    }
    const input = h('input', { type: 'password', inputmode: 'numeric', autocomplete: 'off', maxlength: '12', pattern: '[0-9]*' });
    const submit = () => {
      if (Date.now() < this.retryUntil) return;
      this.opts.send({ type: 'console.signIn', name: this.chosen!, pin: input.value });
      input.value = '';
    };
    input.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') submit();
    });
    const pad = h('div', { class: 'c-keypad', role: 'group', 'aria-label': t.pin });
    for (const d of ['1', '2', '3', '4', '5', '6', '7', '8', '9', '0']) pad.append(button(d, `digit-${d}`, () => (input.value = (input.value + d).slice(0, 12))));
    pad.append(button(t.clear, 'pin-delete', () => (input.value = input.value.slice(0, -1))));
    const ok = button(t.ok, 'pin-ok', submit, 'primary');
    pad.append(ok);
    const wait = h('p', { class: 'c-wait', 'data-role': 'retry' });
    const tick = () => {
      const left = Math.ceil((this.retryUntil - Date.now()) / 1000);
      ok.disabled = left > 0;
      wait.textContent = left > 0 ? `${left} s` : '';
    };
    tick();
    this.timer = setInterval(tick, 250);
    wrap.append(field(t.pinLabel, input, 'pin'), pad, wait, button(t.back, 'pin-back', () => {
      this.chosen = null;
      this.draw();
    }));
    queueMicrotask(() => input.focus());
    return wrap;
  }

  private holdCard(hold: HoldView, withButton: boolean): HTMLElement {
    const t = this.t;
    const waitMin = Math.max(0, Math.floor((Date.now() - Date.parse(hold.finishedAt)) / 60_000));
    const level = hold.colour ? h('span', { class: `c-level c-${hold.colour}`, text: hold.reasons.find((r) => r.colour)?.text[this.opts.language()] ?? hold.colour }) : null;
    const card = h(
      'article',
      { class: 'c-hold', 'data-screening': hold.screeningId },
      h('h3', { text: hold.reasons.map((r) => this.say(r.text)).join('、') }),
      level,
      h('p', { text: hold.identity ? `${hold.identity.name} · ${hold.identity.idNumber}` : t.noIdentity }),
      h('p', { text: `${t.estimate}: ${c1(hold.estimateC)} °C · ${t.waiting} ${waitMin} ${t.minutes}` }),
    );
    if (withButton) {
      card.append(button(t.resolve, 'resolve', () => {
        this.resolving = hold;
        this.message = null;
        this.go('resolve');
      }, 'primary'));
    }
    return card;
  }

  private holdList(): Node {
    const t = this.t;
    const sorted = [...this.holds].sort((a, b) => Date.parse(a.finishedAt) - Date.parse(b.finishedAt));
    const wrap = h('section', { 'aria-labelledby': 'holds-title' }, h('h2', { id: 'holds-title', text: t.holds }));
    if (sorted.length === 0) wrap.append(h('p', { text: t.noHolds }));
    const list = h('ul', { class: 'c-list' });
    for (const hold of sorted) list.append(h('li', {}, this.holdCard(hold, true)));
    wrap.append(list);
    this.timer = setInterval(() => this.screen === 'holds' && this.draw(), 30_000);
    return wrap;
  }

  private resolveForm(): Node {
    const t = this.t;
    const hold = this.resolving;
    if (!hold) return h('p', { text: t.noHolds });
    const temp = h('input', { type: 'number', step: '0.1', min: '34', max: '43', inputmode: 'decimal' });
    const method = select(Object.entries(t.methods) as Array<[string, string]>, 'axillary');
    const outcome = select(Object.entries(t.dispositions) as Array<[string, string]>, 'released');
    const note = h('textarea', { rows: '2', maxlength: '500' });
    const save = () => {
      const v = temp.value.trim();
      this.opts.send({
        type: 'console.resolveHold',
        screeningId: hold.screeningId,
        recheck: v === '' ? null : { temperatureC: Number(v), method: method.value as 'axillary' },
        disposition: outcome.value as 'released',
        note: note.value,
      });
    };
    return h(
      'section',
      { class: 'c-form', 'aria-labelledby': 'resolve-title' },
      h('h2', { id: 'resolve-title', text: t.resolve }),
      this.holdCard(hold, false),
      field(t.recheck, temp, 'recheck'),
      field(t.recheckMethod, method, 'method'),
      field(t.disposition, outcome, 'disposition'),
      field(t.note, note, 'note'),
      h('div', { class: 'c-row' }, button(t.save, 'save-resolution', save, 'primary'), button(t.back, 'back', () => this.go('holds'))),
    );
  }

  private registerForm(): Node {
    const t = this.t;
    const type = select(Object.entries(t.documents) as Array<[string, string]>, 'resident');
    const number = h('input', { type: 'text', autocomplete: 'off', maxlength: '40' });
    const name = h('input', { type: 'text', autocomplete: 'off', maxlength: '64' });
    const phone = h('input', { type: 'tel', autocomplete: 'off', maxlength: '20' });
    const go = () =>
      this.opts.send({ type: 'console.register', documentType: type.value as 'resident', documentNumber: number.value, name: name.value, phone: phone.value });
    return h(
      'section',
      { class: 'c-form', 'aria-labelledby': 'register-title' },
      h('h2', { id: 'register-title', text: t.register }),
      field(t.documentType, type, 'documentType'),
      field(t.documentNumber, number, 'documentNumber'),
      field(t.name, name, 'name'),
      field(t.phone, phone, 'phone'),
      button(t.registerAndMeasure, 'register-measure', go, 'primary'),
    );
  }

  private todayView(): Node {
    const t = this.t;
    const e = this.lastEvent['console.today'] as Extract<ConsoleEvent, { type: 'console.today' }> | undefined;
    const wrap = h('section', { 'aria-labelledby': 'today-title' }, h('h2', { id: 'today-title', text: `${t.today} ${e?.date ?? ''}` }));
    if (!e) return wrap;
    const figures = h('dl', { class: 'c-figures' });
    const add = (label: string, value: string, role: string) => figures.append(h('div', { 'data-figure': role }, h('dt', { text: label }), h('dd', { text: value })));
    add(t.screened, String(e.totals.screened), 'screened');
    add(t.passed, String(e.totals.passed), 'passed');
    add(t.held, String(e.totals.held), 'held');
    add(t.fever, String(e.totals.fever), 'fever');
    add(t.openHolds, String(e.openHolds), 'open-holds');
    add(t.lastUpload, e.lastUpload ? new Date(e.lastUpload).toLocaleString() : t.never, 'last-upload');
    add(t.pendingUpload, String(e.outbox.pending), 'pending');
    const chart = h('div', { class: 'c-chart', 'data-role': 'chart' });
    const table = h('table', { class: 'c-table' }, h('caption', { text: t.chartTitle }));
    table.append(h('thead', {}, h('tr', {}, ...['h', t.screened, t.passed, t.held, t.fever].map((x) => h('th', { scope: 'col', text: x })))));
    const tb = h('tbody');
    for (const hr of e.hours.filter((x) => x.screened > 0 || x.fever > 0)) tb.append(h('tr', {}, ...[String(hr.hour).padStart(2, '0'), hr.screened, hr.passed, hr.held, hr.fever].map((x) => h('td', { text: String(x) }))));
    table.append(tb);
    wrap.append(figures, chart, table);
    return wrap;
  }

  private mountChart(): void {
    const e = this.lastEvent['console.today'] as Extract<ConsoleEvent, { type: 'console.today' }> | undefined;
    const el = this.opts.root.querySelector<HTMLElement>('[data-role="chart"]');
    if (e && el) this.disposeChart = drawTodayChart(el, e.hours, this.opts.language());
  }

  private devicesView(): Node {
    const t = this.t;
    const e = this.lastEvent['console.devices'] as Extract<ConsoleEvent, { type: 'console.devices' }> | undefined;
    const wrap = h('section', { 'aria-labelledby': 'devices-title' }, h('h2', { id: 'devices-title', text: t.devices }));
    if (!e) return wrap;
    const table = h('table', { class: 'c-table' }, h('caption', { text: t.devices }));
    table.append(h('thead', {}, h('tr', {}, ...['', t.state, t.port, t.protocol, t.baud, 'USB', ''].map((x, i) => h('th', { scope: 'col', text: x || (i === 0 ? t.devices : t.selfTest) })))));
    const tb = h('tbody');
    for (const d of e.devices) {
      tb.append(
        h(
          'tr',
          { 'data-device': d.kind },
          h('th', { scope: 'row', text: `${d.kind} (${d.source})` }),
          h('td', { text: `${d.state}${d.reason ? `: ${d.reason}` : ''}` }),
          h('td', { text: d.port ?? '–' }),
          h('td', { text: d.protocol }),
          h('td', { text: d.baudRate === null ? '–' : String(d.baudRate) }),
          h('td', { text: d.usb ? `${d.usb.vendorId ?? ''}:${d.usb.productId ?? ''}` : '–' }),
          h('td', {}, button(t.reconnect, `reconnect-${d.kind}`, () => this.opts.send({ type: 'console.reconnect', kind: d.kind })), button(t.selfTest, `self-test-${d.kind}`, () => this.opts.send({ type: 'console.selfTest', kind: d.kind }))),
        ),
      );
    }
    table.append(tb);
    wrap.append(table);
    const st = this.lastEvent['console.selfTest'] as Extract<ConsoleEvent, { type: 'console.selfTest' }> | undefined;
    if (st) {
      const ul = h('ul', { class: 'c-checks', 'data-role': 'self-test', 'aria-label': `${t.selfTest} ${st.kind}` });
      for (const c of st.checks) ul.append(h('li', { class: c.ok ? 'ok' : 'bad', text: `${c.ok ? '✔' : '✘'} ${c.name}: ${c.detail}` }));
      wrap.append(h('h3', { text: `${t.selfTest}: ${st.kind} — ${st.ok ? t.pass : t.fail}` }), ul);
    }
    wrap.append(h('h3', { text: t.livePorts }));
    const det = this.lastEvent['console.detected'] as Extract<ConsoleEvent, { type: 'console.detected' }> | undefined;
    const ports = h('ul', { class: 'c-list' });
    for (const p of e.ports) {
      const li = h('li', { 'data-port': p.path }, h('span', { text: `${p.path}${p.byId ? ` (${p.byId})` : ''}${p.vendorId ? ` ${p.vendorId}:${p.productId ?? ''}` : ''}${p.inUse ? ` — ${t.inUse}` : ''}` }));
      if (!p.inUse) li.append(button(t.detect, 'detect', () => this.opts.send({ type: 'console.detect', path: p.path })));
      if (det && det.path === p.path) {
        for (const c of det.candidates) {
          li.append(h('p', { text: `→ ${c.kind} ${c.protocol} @ ${c.baudRate}: ${c.evidence}` }), button(`${t.use}: ${c.kind} ${c.protocol}`, 'use-port', () =>
            this.opts.send({ type: 'console.usePort', kind: c.kind, path: p.path, baudRate: c.baudRate, ...(c.kind === 'thermometer' && { protocol: c.protocol }) }),
          ));
        }
        if (det.candidates.length === 0) li.append(h('p', { text: det.tried.join('; ') }));
      }
      ports.append(li);
    }
    wrap.append(ports);
    this.timer = setInterval(() => this.opts.send({ type: 'console.devices' }), 3000);
    return wrap;
  }

  private monitorView(): Node {
    const t = this.t;
    const wrap = h('section', { 'aria-labelledby': 'monitor-title' }, h('h2', { id: 'monitor-title', text: t.monitor }));
    wrap.append(
      h(
        'div',
        { class: 'c-row' },
        button(this.monitorOn ? t.monitorOff : t.monitorOn, 'monitor-toggle', () => {
          this.monitorOn = !this.monitorOn;
          this.opts.send({ type: 'console.monitor', on: this.monitorOn });
          this.draw();
        }),
        button(this.monitorPaused ? t.resume : t.pause, 'monitor-pause', () => {
          this.monitorPaused = !this.monitorPaused;
          this.draw();
        }),
        button(t.export, 'monitor-export', () => this.opts.send({ type: 'console.monitorExport' })),
      ),
      this.fileLine(),
      h('pre', { class: 'c-monitor', 'data-role': 'monitor', tabindex: '0', 'aria-label': t.monitor }),
    );
    queueMicrotask(() => this.drawMonitorLines());
    return wrap;
  }

  private drawMonitorLines(): void {
    const pre = this.opts.root.querySelector('[data-role="monitor"]');
    if (!pre) return;
    pre.textContent = this.monitorLines
      .slice(-120)
      .map((l) => `${new Date(l.atMs).toISOString().slice(11, 23)} ${l.device.padEnd(11)} ${l.direction} ${l.hex}  ${l.decoded}`)
      .join('\n');
  }

  private fileLine(): Node {
    const f = this.lastEvent['console.file'] as Extract<ConsoleEvent, { type: 'console.file' }> | undefined;
    return h('p', { 'data-role': 'file', text: f ? `${f.path} (${f.bytes} bytes, ${f.summary})` : '' });
  }

  private calibrationView(): Node {
    const t = this.t;
    const e = this.lastEvent['console.calibration'] as Extract<ConsoleEvent, { type: 'console.calibration' }> | undefined;
    const wrap = h('section', { 'aria-labelledby': 'cal-title' }, h('h2', { id: 'cal-title', text: t.calibration }));
    if (!e) return wrap;
    const s = e.state;
    wrap.append(h('p', { 'data-role': 'current', text: s.current ? `${t.current}: gain ${s.current.gain.toFixed(5)}, offset ${s.current.offsetC.toFixed(4)} °C (${s.current.state}, → ${s.current.validUntil.slice(0, 10)})` : `${t.current}: –` }));
    wrap.append(h('p', { text: `${t.warmUp}: ${s.warmUp.minutes.toFixed(0)} / ${s.warmUp.requiredMinutes} min ${s.warmUp.ok ? '✔' : '✘'}` }));
    if (s.simulatedBlackbody) wrap.append(h('p', { text: t.simulatedBlackbody }));
    if (s.problem) wrap.append(h('p', { class: 'c-message error', text: s.problem }));
    if (s.step === 'idle' || s.step === 'saved' || s.step === 'drift-done') {
      const kind = select([['two-point', t.twoPoint], ['one-point', t.onePoint]], 'two-point');
      const bb = h('input', { type: 'text', maxlength: '64' });
      const cert = h('input', { type: 'date' });
      const amb = h('input', { type: 'number', step: '0.1' });
      wrap.append(
        field(t.calibration, kind, 'kind'),
        field(t.blackbodyId, bb, 'blackbodyId'),
        field(t.certificateDate, cert, 'certificateDate'),
        field(t.ambient, amb, 'ambientC'),
        h(
          'div',
          { class: 'c-row' },
          button(t.start, 'calibration-start', () =>
            this.opts.send({ type: 'console.calibration', action: 'start', kind: kind.value as 'two-point', blackbodyId: bb.value, certificateDate: cert.value, ...(amb.value !== '' && { ambientC: Number(amb.value) }) }),
          'primary'),
          button(t.driftCheck, 'drift-check', () => this.opts.send({ type: 'console.calibration', action: 'driftCheck' })),
        ),
      );
      if (s.drift) wrap.append(h('p', { 'data-role': 'drift', text: `${t.driftCheck}: ${s.drift.errorC.toFixed(3)} °C (${t.limit} ${s.drift.limitC}) ${s.drift.flagged ? t.fail : t.pass}` }));
      if (s.savedId) wrap.append(h('p', { 'data-role': 'saved', text: `${t.saved}: ${s.savedId}` }));
    } else {
      wrap.append(h('div', { 'data-role': 'live' }));
      queueMicrotask(() => this.drawCalibrationLive(s));
    }
    const hist = h('table', { class: 'c-table' }, h('caption', { text: t.history }));
    hist.append(h('thead', {}, h('tr', {}, ...['', 'gain', 'offset °C', t.residual, ''].map((x, i) => h('th', { scope: 'col', text: x || (i === 0 ? t.history : 'technician') })))));
    const tb = h('tbody');
    for (const r of s.history) tb.append(h('tr', {}, h('td', { text: r.performedAt.slice(0, 16).replace('T', ' ') }), h('td', { text: r.gain.toFixed(5) }), h('td', { text: r.offsetC.toFixed(4) }), h('td', { text: c1(r.maxAbsResidualC, 3) }), h('td', { text: r.technician ?? '' })));
    hist.append(tb);
    wrap.append(hist);
    return wrap;
  }

  private drawCalibrationLive(s: CalibrationStateView): void {
    const t = this.t;
    const live = this.opts.root.querySelector('[data-role="live"]');
    if (!live) return;
    const parts: Node[] = [];
    if (s.currentSetPointC !== null) {
      const sp = h('input', { type: 'number', step: '0.1', value: String(s.currentSetPointC) });
      parts.push(h('p', { 'data-role': 'set-point', text: `${t.setPoint}: ${s.currentSetPointC.toFixed(1)} °C (${s.step})` }));
      parts.push(field(t.setPoint, sp, 'setPointC'), button(t.setPoint, 'set-point', () => this.opts.send({ type: 'console.calibration', action: 'setPoint', setPointC: Number(sp.value) })));
    }
    if (s.stability) {
      const st = s.stability;
      parts.push(h('p', { 'data-role': 'stability', 'data-stable': String(st.stable), text: `${t.stability}: ${st.n}/${st.needed}, spread ${c1(st.spreadC, 3)} / ${st.maxSpreadC} °C, mean ${c1(st.meanC, 3)} °C — ${st.stable ? t.stable : t.notStable}` }));
    }
    if (s.step === 'set-point' || s.step === 'verify' || s.step === 'drift-check') {
      const action = s.step === 'verify' ? 'verify' : s.step === 'drift-check' ? 'driftCapture' : 'capture';
      parts.push(button(s.step === 'verify' ? t.verify : t.capture, `calibration-${action}`, () => this.opts.send({ type: 'console.calibration', action }), 'primary'));
    }
    for (const p of s.captured) parts.push(h('p', { text: `${p.referenceC} °C: mean ${p.meanC.toFixed(3)}, sd ${p.sdC.toFixed(3)}, n ${p.n}` }));
    if (s.fit) parts.push(h('p', { 'data-role': 'fit', text: `gain ${s.fit.gain.toFixed(5)}, offset ${s.fit.offsetC.toFixed(4)} °C` }));
    if (s.verification) {
      const v = s.verification;
      parts.push(h('p', { 'data-role': 'verification', 'data-residual': String(v.maxAbsResidualC), text: `${t.verify}: ${t.residual} ${v.maxAbsResidualC.toFixed(3)} °C (${t.limit} ${v.limitC} °C) — ${v.pass ? t.pass : t.fail}` }));
    }
    if (s.step === 'review') parts.push(button(t.save, 'calibration-save', () => this.opts.send({ type: 'console.calibration', action: 'save' }), 'primary'));
    parts.push(button(t.cancel, 'calibration-cancel', () => this.opts.send({ type: 'console.calibration', action: 'cancel' })));
    live.replaceChildren(...parts);
  }

  private siteModelView(): Node {
    const t = this.t;
    const e = this.lastEvent['console.siteModel'] as Extract<ConsoleEvent, { type: 'console.siteModel' }> | undefined;
    const wrap = h('section', { 'aria-labelledby': 'site-title' }, h('h2', { id: 'site-title', text: t.siteModel }));
    if (!e) return wrap;
    const s: SiteModelStateView = e.state;
    wrap.append(h('p', { text: `${t.current}: ${Object.entries(s.current).map(([k, v]) => `${k}=${v}`).join(', ')}` }));
    wrap.append(h('p', { 'data-role': 'kiosk-reading', text: `${t.kioskReading}: ${c1(s.latestSkinC, 2)} °C, ${t.ambient}: ${c1(s.latestAmbientC, 1)}` }));
    if (s.problem) wrap.append(h('p', { class: 'c-message error', text: s.problem }));
    const clinical = h('input', { type: 'number', step: '0.1', min: '34', max: '43' });
    const kind = select([['constant-offset', 'constant-offset'], ['ambient-linear', 'ambient-linear']], 'constant-offset');
    wrap.append(
      field(t.clinical, clinical, 'clinicalC'),
      h(
        'div',
        { class: 'c-row' },
        button(t.addPerson, 'site-add', () => this.opts.send({ type: 'console.siteModel', action: 'addPair', clinicalC: Number(clinical.value) })),
        button(t.kioskReading, 'site-refresh', () => this.opts.send({ type: 'console.siteModel', action: 'status' })),
      ),
      field('model', kind, 'modelKind'),
      h('div', { class: 'c-row' }, button(t.fit, 'site-fit', () => this.opts.send({ type: 'console.siteModel', action: 'fit', kind: kind.value as 'constant-offset' })), button(t.save, 'site-save', () => this.opts.send({ type: 'console.siteModel', action: 'save', method: 'axillary' }), 'primary')),
    );
    const table = h('table', { class: 'c-table' }, h('caption', { text: t.siteModel }));
    table.append(h('thead', {}, h('tr', {}, ...['#', 'skin °C', t.ambient, t.clinical, 'estimate °C', t.residual].map((x) => h('th', { scope: 'col', text: x })))));
    const tb = h('tbody');
    s.pairs.forEach((p, i) => tb.append(h('tr', {}, ...[String(i + 1), c1(p.skinC, 2), c1(p.ambientC, 1), c1(p.clinicalC, 1), c1(p.estimateC, 2), c1(p.residualC, 2)].map((x) => h('td', { text: x })))));
    table.append(tb);
    wrap.append(table);
    if (s.fit) wrap.append(h('p', { 'data-role': 'site-fit', text: `${Object.entries(s.fit.model).map(([k, v]) => `${k}=${typeof v === 'number' ? v.toFixed(4) : v}`).join(', ')} · SD ${s.fit.residualSdC.toFixed(3)} °C · ${t.uncertainty} ±${s.fit.uncertaintyC.toFixed(3)} °C` }));
    if (s.savedId) wrap.append(h('p', { text: `${t.saved}: ${s.savedId}` }));
    return wrap;
  }

  private settingsView(): Node {
    const t = this.t;
    const e = this.lastEvent['console.settings'] as Extract<ConsoleEvent, { type: 'console.settings' }> | undefined;
    const wrap = h('section', { 'aria-labelledby': 'settings-title' }, h('h2', { id: 'settings-title', text: t.settings }));
    if (!e) return wrap;
    if (e.restartNeeded || e.items.some((i) => i.pending)) wrap.append(h('p', { class: 'c-message', text: t.restartNeeded }));
    for (const item of e.items) {
      let control: HTMLInputElement | HTMLSelectElement;
      if (item.kind === 'enum') control = select((item.options ?? []).map((o) => [o, o]), String(item.value));
      else if (item.kind === 'boolean') control = select([['true', 'true'], ['false', 'false']], String(item.value));
      else {
        control = h('input', { type: item.kind === 'number' ? 'number' : 'text', value: String(item.value) });
        if (item.step !== undefined) control.setAttribute('step', String(item.step));
      }
      const save = () => {
        const raw = control.value;
        const value = item.kind === 'number' ? Number(raw) : item.kind === 'boolean' ? raw === 'true' : raw;
        this.opts.send({ type: 'console.setSetting', key: item.key, value });
      };
      wrap.append(h('div', { class: 'c-setting', 'data-setting': item.key }, field(`${item.key}${item.pending ? ' *' : ''}`, control, item.key), button(t.save, `save-${item.key}`, save)));
    }
    const hist = h('table', { class: 'c-table', 'data-role': 'settings-history' }, h('caption', { text: t.changes }));
    hist.append(h('thead', {}, h('tr', {}, ...['time', 'by', 'setting', 'old', 'new'].map((x) => h('th', { scope: 'col', text: x })))));
    const tb = h('tbody');
    for (const c of e.history) tb.append(h('tr', {}, ...[c.at.slice(0, 19).replace('T', ' '), c.actor, c.key, c.oldValue, c.newValue].map((x) => h('td', { text: x }))));
    hist.append(tb);
    wrap.append(hist);
    return wrap;
  }

  private accountsView(): Node {
    const t = this.t;
    const e = this.lastEvent['console.accountList'] as Extract<ConsoleEvent, { type: 'console.accountList' }> | undefined;
    const wrap = h('section', { 'aria-labelledby': 'accounts-title' }, h('h2', { id: 'accounts-title', text: t.accounts }));
    const list = h('ul', { class: 'c-list' });
    for (const a of e?.accounts ?? []) {
      const li = h('li', { text: `${a.name} · ${a.role === 'staff' ? t.staff : t.technician}${a.locked ? ` · ${t.locked}` : ''}${a.disabled ? ' · disabled' : ''} ` });
      if (a.locked) li.append(button(t.unlock, `unlock-${a.name}`, () => this.opts.send({ type: 'console.unlockAccount', name: a.name })));
      list.append(li);
    }
    const name = h('input', { type: 'text', maxlength: '32' });
    const role = select([['staff', t.staff], ['technician', t.technician]], 'staff');
    const pin = h('input', { type: 'password', inputmode: 'numeric', maxlength: '12', autocomplete: 'new-password' });
    wrap.append(
      list,
      h('h3', { text: t.createOrReset }),
      field(t.name, name, 'accountName'),
      field(t.role, role, 'role'),
      field(t.pinLabel, pin, 'newPin'),
      button(t.save, 'account-save', () => this.opts.send({ type: 'console.setAccount', name: name.value, role: role.value as 'staff', pin: pin.value }), 'primary'),
    );
    return wrap;
  }

  private diagnosticsView(): Node {
    const t = this.t;
    const lan = this.lastEvent['console.lan'] as Extract<ConsoleEvent, { type: 'console.lan' }> | undefined;
    const wrap = h('section', { 'aria-labelledby': 'diag-title' }, h('h2', { id: 'diag-title', text: t.diagnostics }));
    wrap.append(button(t.exportDiagnostics, 'diagnostics-export', () => this.opts.send({ type: 'console.diagnostics' }), 'primary'), this.fileLine());
    wrap.append(h('h3', { text: t.lan }));
    if (lan) {
      wrap.append(
        h('p', { 'data-role': 'lan', text: `${lan.lan.enabled ? t.lanOn : t.lanOff}${lan.lan.url ? ` · ${lan.lan.url}` : ''}${lan.lan.problem ? ` · ${lan.lan.problem}` : ''}` }),
        h('p', { text: `${t.fingerprint}: ${lan.lan.fingerprint ?? '–'}` }),
        button(lan.lan.enabled ? t.lanOff : t.lanOn, 'lan-toggle', () => this.opts.send({ type: 'console.lan', enabled: !lan.lan.enabled })),
      );
    }
    return wrap;
  }

  // ---- privacy: the notice (staff) and a person's requests (technician) -----------------------

  /** The notice the idle screen shows, drawn by the same code (renderer/privacy-notice.ts); the full text one activation away. */
  private noticeView(): Node {
    const t = this.t;
    const wrap = h('section', { 'aria-labelledby': 'notice-title' }, h('h2', { id: 'notice-title', text: t.notice }), h('p', { text: t.noticeIntro }));
    const notice = this.privacyNotice;
    if (!notice) return wrap;
    this.noticeDialog ??= new PrivacyNoticeDialog((to) => this.opts.setLanguage(to), {
      dialogId: 'console-privacy-dialog',
      titleId: 'console-privacy-title',
      opener: () => this.opts.root.querySelector<HTMLElement>('[data-action="privacy-notice"]'),
    });
    const dialog = this.noticeDialog;
    dialog.update(notice, this.opts.language());
    wrap.append(noticeBlock(notice, () => dialog.show()));
    return wrap;
  }

  private privacyView(): Node {
    const t = this.t;
    // A redraw empties the ID number field: what was looked up for it (and a pending confirmation) goes too.
    if (this.subject?.kind === 'lookup') this.subject = null;
    this.eraseLookup = null;
    const idNumber = h('input', { type: 'password', autocomplete: 'off', autocapitalize: 'characters', spellcheck: 'false', maxlength: '40', 'aria-describedby': 'subject-help' });
    const reference = h('input', { type: 'text', autocomplete: 'off', spellcheck: 'false', maxlength: '64', required: '', 'aria-required': 'true' });
    this.subjectFields = { idNumber, reference };
    // Another number or request: what was shown belongs to the previous one.
    const changed = () => {
      if (this.subject?.kind !== 'lookup') return;
      this.subject = null;
      this.drawSubjectResult();
    };
    idNumber.addEventListener('input', changed);
    reference.addEventListener('input', changed);
    const request = () => ({ idNumber: idNumber.value, reference: reference.value });
    return h(
      'section',
      { 'aria-labelledby': 'privacy-title' },
      h('h2', { id: 'privacy-title', text: t.privacy }),
      h('h3', { id: 'processing-title', text: t.processing }),
      h('div', { 'data-role': 'processing' }, this.processingList()),
      button(t.refresh, 'privacy-report', () => this.opts.send({ type: 'console.privacyReport' })),
      h(
        'section',
        { class: 'c-form', 'aria-labelledby': 'subject-title' },
        h('h3', { id: 'subject-title', text: t.subjectRequest }),
        h('p', { id: 'subject-help', text: t.subjectHelp }),
        field(t.subjectIdNumber, idNumber, 'subjectIdNumber'),
        field(t.requestReference, reference, 'subjectReference'),
        h(
          'div',
          { class: 'c-row' },
          button(t.lookup, 'subject-lookup', () => this.opts.send({ type: 'console.subjectLookup', ...request() }), 'primary'),
          button(t.exportForPerson, 'subject-export', () => this.opts.send({ type: 'console.subjectExport', ...request() })),
          button(t.erase, 'subject-erase', () => (this.eraseLookup = this.opts.send({ type: 'console.subjectLookup', ...request() }))),
        ),
      ),
      h('div', { 'data-role': 'subject-result' }, this.subjectResult()),
    );
  }

  private drawProcessing(): void {
    this.opts.root.querySelector('[data-role="processing"]')?.replaceChildren(this.processingList());
  }

  private drawSubjectResult(): void {
    const region = this.opts.root.querySelector('[data-role="subject-result"]');
    if (!region) return;
    region.replaceChildren(this.subjectResult());
    // The confirmation is announced where the technician will act on it.
    region.querySelector<HTMLElement>('[data-role="erase-confirm"] h4')?.focus();
  }

  /** The live processing summary (`kiosk privacy report`), counts and dates only. */
  private processingList(): Node {
    const t = this.t;
    const r = this.processing;
    if (!r) return h('p', { text: '…' });
    const when = (iso: string | null) => (iso ? iso.slice(0, 16).replace('T', ' ') : t.none);
    const run = r.lastPurge;
    const rows: Array<[string, string, string]> = [
      [t.purpose, t.purposeValue, 'purpose'],
      [t.delivery, r.deliveryMode === 'central' ? t.toCentral : t.standalone, 'delivery'],
      [t.retention, `${r.retention.days} ${t.days}, ${r.deliveryMode === 'central' ? t.fromAck : t.fromScreening}`, 'retention'],
      [t.photoKept, r.collected.photoKept ? t.photoYes : t.photoNo, 'photo'],
      [t.heldNow, `${r.held.screenings} ${t.screeningsUnit} (${t.withCard} ${r.held.withCard}, ${t.withPhoto} ${r.held.withPhoto}), ${r.held.dispositions} ${t.dispositionsUnit}, ${r.held.registrations} ${t.registrationsUnit}`, 'held'],
      [t.oldest, when(r.held.oldestFinishedAt), 'oldest'],
      [t.uploadQueue, `${t.pendingShort} ${r.held.outbox.pending}, ${t.refused} ${r.held.outbox.dead}, ${t.acknowledged} ${r.held.outbox.sent}`, 'outbox'],
      [t.undelivered, r.undeliveredPastRetention.screenings === 0 ? t.none : `${r.undeliveredPastRetention.screenings} ${t.screeningsUnit}, ${t.oldest} ${when(r.undeliveredPastRetention.oldestFinishedAt)}`, 'undelivered'],
      [t.lastPurge, run ? `${when(run.at)}: ${run.screenings} ${t.screeningsUnit}, ${run.dispositions} ${t.dispositionsUnit}, ${run.registrations ?? 0} ${t.registrationsUnit}` : t.none, 'last-purge'],
      [t.auditLog, `${r.held.audit.entries} ${t.entriesSince} ${when(r.held.audit.oldestAt)}`, 'audit'],
    ];
    const list = h('dl', { class: 'c-report', 'aria-labelledby': 'processing-title' });
    for (const [label, value, role] of rows) list.append(h('div', { 'data-report': role }, h('dt', { text: label }), h('dd', { text: value })));
    return list;
  }

  private subjectResult(): Node {
    const t = this.t;
    const s = this.subject;
    if (!s) return h('p', { text: '' });
    if (s.kind === 'exported') {
      const e = s.event;
      return h('div', { 'data-role': 'subject-exported' }, h('p', { text: `${t.exported} (${e.reference}): ${e.screenings} ${t.screeningsUnit}, ${e.registrations} ${t.registrationsUnit}` }), h('p', { 'data-role': 'export-path', class: 'c-path', text: `${e.path} (${e.bytes} ${t.bytes})` }), h('p', { text: t.exportHandOver }));
    }
    if (s.kind === 'erased') {
      const { erased, reference } = s.event;
      return h(
        'div',
        { 'data-role': 'subject-erased' },
        h('p', { text: `${t.erased} (${reference}): ${erased.screenings} ${t.screeningsUnit}, ${erased.dispositions} ${t.dispositionsUnit}, ${erased.registrations} ${t.registrationsUnit}, ${erased.outboxRows} ${t.uploadRowsUnit}; ${t.auditEntry} #${erased.auditSeq}` }),
        h('p', { 'data-role': 'erasure-request', text: erased.erasureRequestId ? `${t.erasureQueued} ${erased.erasureRequestId}` : t.noErasure }),
      );
    }
    const { lookup } = s;
    const wrap = h('div', { 'data-role': 'subject-lookup' });
    const total = lookup.screenings.length + lookup.registrations.length;
    if (total === 0) {
      wrap.append(h('p', { 'data-role': 'subject-summary', text: t.nothingHeld }));
      return wrap;
    }
    const who = lookup.identity ? `${lookup.identity.name} ${lookup.identity.idNumber}` : t.noIdentity;
    wrap.append(h('p', { 'data-role': 'subject-summary', text: `${who}: ${lookup.screenings.length} ${t.screeningsUnit}, ${lookup.registrations.length} ${t.registrationsUnit}` }));
    if (lookup.screenings.length > 0) {
      const table = h('table', { class: 'c-table' }, h('caption', { text: `${t.screeningsTable} (${s.reference})` }));
      table.append(h('thead', {}, h('tr', {}, ...[t.time, t.checkpoint, t.decision, t.fever, t.dispositionsCol, t.photo, t.upload, t.integrity].map((x) => h('th', { scope: 'col', text: x })))));
      const tb = h('tbody');
      for (const r of lookup.screenings) {
        tb.append(h('tr', { 'data-screening': r.id }, ...[r.finishedAt.slice(0, 19).replace('T', ' '), r.checkpointId, r.decision ?? r.outcome, r.fever ? '✔' : '–', String(r.dispositions), r.photoKept ? t.kept : '–', r.delivery ?? '–', r.integrity].map((x) => h('td', { text: x }))));
      }
      table.append(tb);
      wrap.append(table);
    }
    if (lookup.registrations.length > 0) {
      const table = h('table', { class: 'c-table' }, h('caption', { text: t.registeredBy }));
      table.append(h('thead', {}, h('tr', {}, ...[t.time, t.document, t.upload, t.integrity].map((x) => h('th', { scope: 'col', text: x })))));
      const tb = h('tbody');
      for (const r of lookup.registrations) tb.append(h('tr', {}, ...[r.at?.slice(0, 19).replace('T', ' ') ?? '–', r.documentType ?? '–', r.delivery ?? '–', r.integrity].map((x) => h('td', { text: x }))));
      table.append(tb);
      wrap.append(table);
    }
    if (s.confirm) {
      const fields = this.subjectFields;
      wrap.append(
        h(
          'section',
          { class: 'c-confirm', 'data-role': 'erase-confirm', 'aria-labelledby': 'erase-title' },
          h('h4', { id: 'erase-title', tabindex: '-1', text: `${t.eraseTitle}: ${who}` }),
          h('p', { text: t.eraseWarning }),
          h(
            'div',
            { class: 'c-row' },
            button(t.confirmErase, 'subject-erase-confirm', () => {
              if (fields) this.opts.send({ type: 'console.subjectErase', idNumber: fields.idNumber.value, reference: fields.reference.value, confirmed: true });
            }, 'danger'),
            button(t.cancel, 'subject-erase-cancel', () => {
              s.confirm = false;
              this.drawSubjectResult();
            }),
          ),
        ),
      );
    }
    return wrap;
  }
}
