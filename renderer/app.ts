import { z } from 'zod';
import { ContractClient } from '../main/contract/contract-client.js';
import { CONTRACT_VERSION, type BilingualText, type DeviceView, type HostEvent, type Language, type NoticeView, type PrivacyNotice, type ScreenState } from '../main/contract/messages.js';
import { ConsoleView } from './console/console-view.js';
import { iconElement } from './icons.js';
import { electronConnection, webSocketConnection, type HostConnection } from './host-connection.js';
import { noticeBlock, PrivacyNoticeDialog } from './privacy-notice.js';
import { deviceLine, describeScreen, type ScreenView } from './screen-view.js';
import { UI_TEXT } from './ui-text.js';
import { Voice } from './voice.js';

/**
 * The traveller's screen. Talks to the host only through the contract; draws one screen at a time
 * with textContent (never HTML strings). The root element carries `data-screen` for tests and staff.
 */

// No code generation: the CSP forbids eval, so zod must not probe for it.
z.config({ jitless: true });

const root = document.getElementById('app') as HTMLElement;
const voice = new Voice();

let language: Language = 'zh';
let checkpointName: BilingualText = { zh: '体温检测点', en: 'Checkpoint' };
let screen: ScreenState | null = null;
let devices: DeviceView[] = [];
let notices: NoticeView[] = [];
let privacyNotice: PrivacyNotice | null = null;
/** What the voice said last, on which screen: the same line on the same screen is not repeated. */
let lastSpoken = '';
let clockTimer: ReturnType<typeof setInterval> | null = null;

const connection: HostConnection = window.kiosk ? electronConnection(window.kiosk) : webSocketConnection(window.location);

const client = new ContractClient({
  transmit: (c) => connection.send(c),
  onEvent: (e) => handle(e),
  onReject: (direction, issues) => console.warn(`contract: rejected ${direction === 'in' ? 'a host event' : 'a command'}: ${issues}`),
});

const privacyDialog = new PrivacyNoticeDialog((to) => client.send({ type: 'setLanguage', language: to }));

connection.onMessage((raw) => client.receive(raw));

// The staff and technician consoles: a long press (1.5 s) in the top-left corner opens the PIN pad.
const consoleRoot = document.getElementById('console') as HTMLElement;
const consoleView = new ConsoleView({
  root: consoleRoot,
  origin: 'kiosk',
  send: (c) => client.send(c),
  onClose: () => closeConsole(),
  language: () => language,
  // The console speaks the kiosk's language: switching it (from the full privacy notice) switches both.
  setLanguage: (to) => client.send({ type: 'setLanguage', language: to }),
});
function openConsole(): void {
  root.hidden = true;
  consoleRoot.hidden = false;
  consoleView.open();
}
function closeConsole(): void {
  consoleRoot.hidden = true;
  root.hidden = false;
  draw();
}
const corner = document.getElementById('staff-corner') as HTMLButtonElement;
let pressTimer: ReturnType<typeof setTimeout> | null = null;
const pressStart = () => {
  if (pressTimer === null) pressTimer = setTimeout(() => ((pressTimer = null), openConsole()), 1500);
};
const pressEnd = () => {
  if (pressTimer !== null) clearTimeout(pressTimer);
  pressTimer = null;
};
corner.addEventListener('pointerdown', pressStart);
corner.addEventListener('pointerup', pressEnd);
corner.addEventListener('pointerleave', pressEnd);
corner.addEventListener('keydown', (e) => {
  if (e.key === 'Enter' || e.key === ' ') pressStart();
});
corner.addEventListener('keyup', pressEnd);
connection.onState((state, reason) => {
  if (state === 'ready') client.send({ type: 'hello', version: CONTRACT_VERSION });
  else if (state === 'fault') drawHostFault(reason ?? '');
  else drawStarting();
});

function handle(e: HostEvent): void {
  switch (e.type) {
    case 'snapshot':
      checkpointName = e.checkpointName;
      language = e.language;
      devices = e.devices;
      notices = e.notices;
      screen = e.screen;
      privacyNotice = e.privacyNotice ?? null;
      root.dataset.host = 'ready';
      draw();
      return;
    case 'notices':
      notices = e.notices;
      draw(); // staff see store trouble and why the kiosk is out of service in the status bar
      return;
    case 'screen':
      screen = e.screen;
      draw();
      return;
    case 'deviceStatus':
      devices = e.devices;
      draw(); // the status bar follows at once, on every screen
      return;
    case 'language':
      language = e.language;
      draw();
      if (!consoleRoot.hidden) consoleView.open();
      return;
    case 'health':
    case 'error':
      return;
    default:
      if (e.type === 'console.signedOut' && e.reason === 'idle' && !consoleRoot.hidden) closeConsole();
      consoleView.handle(e);
      return;
  }
}

function el(tag: string, className: string | null, text?: string | null): HTMLElement {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = text;
  return node;
}

function drawStarting(): void {
  privacyDialog.hide();
  root.dataset.screen = 'fault';
  root.dataset.host = 'starting';
  delete root.dataset.colour;
  const section = el('section', 'screen');
  section.append(iconElement('starting'), el('h1', 'headline', UI_TEXT[language].starting), el('p', 'sub', UI_TEXT[language === 'zh' ? 'en' : 'zh'].starting));
  root.replaceChildren(section);
}

/**
 * The Electron supervisor gave up on the host: the fault screen in both languages, and the reason
 * for the technician (it names what to restore or rebuild; never personal data). The app then
 * exits for the service manager to restart it.
 */
function drawHostFault(reason: string): void {
  privacyDialog.hide();
  root.dataset.screen = 'fault';
  root.dataset.host = 'fault';
  delete root.dataset.colour;
  const t = UI_TEXT[language];
  const other = UI_TEXT[language === 'zh' ? 'en' : 'zh'];
  const section = el('section', 'screen');
  const detail = el('p', 'technician', reason);
  detail.dataset.role = 'fault-reason';
  section.append(iconElement('fault'), el('h1', 'headline', t.fault), el('p', 'sub', t.faultSub), el('p', 'sub', `${other.fault} · ${other.faultSub}`), detail);
  root.replaceChildren(section);
  voice.say(`${t.fault}。${t.faultSub}`, language);
}

function clockText(): string {
  const now = new Date();
  return `${String(now.getHours()).padStart(2, '0')}:${String(now.getMinutes()).padStart(2, '0')}`;
}

function statusBar(): HTMLElement {
  const bar = el('footer', 'status-bar');
  const list = el('div', 'devices');
  for (const d of devices) {
    const item = el('span', 'device', `${d.state === 'online' ? '●' : '○'} ${deviceLine(d, language)}`);
    item.dataset.state = d.state;
    list.append(item);
  }
  for (const n of notices) {
    const item = el('span', 'notice', `${n.level === 'error' ? '■' : '▲'} ${n.text[language]}`);
    item.dataset.code = n.code;
    item.dataset.level = n.level;
    list.append(item);
  }
  const lang = el('button', 'lang', UI_TEXT[language].switchTo) as HTMLButtonElement;
  lang.type = 'button';
  lang.dataset.action = 'language';
  lang.addEventListener('click', () => client.send({ type: 'setLanguage', language: language === 'zh' ? 'en' : 'zh' }));
  bar.append(list, lang);
  return bar;
}

function drawView(view: ScreenView): HTMLElement {
  const section = el('section', 'screen');
  section.append(iconElement(view.icon));
  if (view.screen === 'idle') {
    const clock = el('p', 'clock', clockText());
    clock.dataset.role = 'clock';
    section.append(el('h1', 'checkpoint', view.headline), clock, el('p', 'sub', view.sub));
    if (view.prompt) section.append(el('p', 'prompt', view.prompt));
    // Where identity is captured, the privacy notice is always in sight (PIPL art. 26).
    if (privacyNotice) section.append(noticeBlock(privacyNotice, () => privacyDialog.show()));
    return section;
  }
  section.append(el('h1', 'headline', view.headline));
  if (view.sub) section.append(el('p', 'sub', view.sub));
  if (view.level) section.append(el('p', 'level', view.level));
  if (view.reasons.length) {
    const ul = el('ul', 'reasons');
    for (const r of view.reasons) ul.append(el('li', null, r));
    section.append(ul);
  }
  if (view.temperature) section.append(el('p', 'temperature', view.temperature));
  if (view.progress !== null) {
    const bar = el('div', 'progress');
    bar.setAttribute('role', 'progressbar');
    bar.setAttribute('aria-valuemin', '0');
    bar.setAttribute('aria-valuemax', '100');
    bar.setAttribute('aria-valuenow', String(Math.round(view.progress * 100)));
    const fill = el('div', null);
    fill.style.width = `${Math.round(view.progress * 100)}%`;
    bar.append(fill);
    section.append(bar);
  }
  if (view.identity) section.append(el('p', 'identity', view.identity));
  if (view.staff) section.append(el('p', 'staff', view.staff));
  if (view.prompt) section.append(el('p', 'prompt', view.prompt));
  for (const d of view.devices) section.append(el('p', 'sub', d));
  return section;
}

function draw(): void {
  if (!screen) return;
  const view = describeScreen(screen, language, checkpointName);
  root.dataset.screen = view.screen;
  root.dataset.host = 'ready';
  if (view.colour) root.dataset.colour = view.colour;
  else delete root.dataset.colour;
  document.documentElement.lang = language === 'zh' ? 'zh-CN' : 'en';
  root.replaceChildren(drawView(view), statusBar());
  // The full notice belongs to the idle screen: a screening that starts closes it.
  privacyDialog.update(privacyNotice, language);
  if (view.screen !== 'idle') privacyDialog.hide();
  if (clockTimer) clearInterval(clockTimer);
  clockTimer = view.screen === 'idle' ? setInterval(() => {
    const c = root.querySelector('[data-role="clock"]');
    if (c) c.textContent = clockText();
  }, 10_000) : null;
  const seq = screen.seq;
  const shown = view.screen;
  const utterance = view.speech ? `${view.screen}|${view.speech}` : '';
  if (view.speech && utterance !== lastSpoken) {
    voice.say(view.speech, language);
    lastSpoken = utterance;
  }
  // Report the frame that shows this screen (after the next paint) for the latency figures.
  requestAnimationFrame(() => setTimeout(() => client.send({ type: 'painted', seq, screen: shown }), 0));
}
