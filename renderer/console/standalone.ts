import { z } from 'zod';
import { ContractClient } from '../../main/contract/contract-client.js';
import type { ConsoleEvent } from '../../main/contract/console-messages.js';
import type { Language } from '../../main/contract/messages.js';
import { ConsoleView } from './console-view.js';

/**
 * The staff console on a handheld or tablet (the kiosk's LAN console, https): the same console view
 * over a same-origin secure WebSocket. Reconnects every 2 s while the kiosk is away.
 */
z.config({ jitless: true });

const root = document.getElementById('console') as HTMLElement;
let language: Language = 'zh';
let socket: WebSocket | null = null;

const client = new ContractClient({
  transmit: (c) => {
    if (socket?.readyState === WebSocket.OPEN) socket.send(JSON.stringify(c));
  },
  onEvent: (e) => {
    if (e.type.startsWith('console.')) view.handle(e as ConsoleEvent);
  },
  onReject: (direction, issues) => console.warn(`contract: rejected ${direction === 'in' ? 'an event' : 'a command'}: ${issues}`),
});
const view = new ConsoleView({ root, origin: 'lan', send: (c) => client.send(c), language: () => language });
(window as unknown as { kioskConsole: ConsoleView }).kioskConsole = view;

const lang = document.getElementById('lang') as HTMLButtonElement;
lang.addEventListener('click', () => {
  language = language === 'zh' ? 'en' : 'zh';
  document.documentElement.lang = language === 'zh' ? 'zh-CN' : 'en';
  lang.textContent = language === 'zh' ? 'English' : '中文';
  view.open();
});

function connect(): void {
  const ws = new WebSocket(`wss://${location.host}/ws`);
  socket = ws;
  ws.onopen = () => view.open();
  ws.onmessage = (ev) => {
    let raw: unknown;
    try {
      raw = JSON.parse(String(ev.data));
    } catch {
      raw = undefined;
    }
    client.receive(raw);
  };
  ws.onclose = () => {
    socket = null;
    root.dataset.consoleScreen = 'offline';
    setTimeout(connect, 2000);
  };
}
connect();
