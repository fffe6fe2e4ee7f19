import { z } from 'zod';
import { ContractClient } from '../../main/contract/contract-client.js';
import type { ConsoleEvent } from '../../main/contract/console-messages.js';
import type { Language } from '../../main/contract/messages.js';
import { socketConnection } from '../host-connection.js';
import { ConsoleView } from './console-view.js';

/**
 * The staff console on a handheld or tablet (the kiosk's LAN console, https): the same console view
 * over a same-origin secure WebSocket, reconnecting while the kiosk is away.
 */
z.config({ jitless: true });

const root = document.getElementById('console') as HTMLElement;
let language: Language = 'zh';
const connection = socketConnection(`wss://${location.host}/ws`);
const client = new ContractClient({
  transmit: (c) => connection.send(c),
  onEvent: (e) => {
    if (e.type.startsWith('console.')) view.handle(e as ConsoleEvent);
  },
  onReject: (direction, issues) => console.warn(`contract: rejected ${direction === 'in' ? 'an event' : 'a command'}: ${issues}`),
});
const view = new ConsoleView({ root, origin: 'lan', send: (c) => client.send(c), language: () => language, setLanguage: (to) => switchLanguage(to) });
(window as unknown as { kioskConsole: ConsoleView }).kioskConsole = view;
connection.onMessage((raw) => client.receive(raw));
connection.onState((state) => {
  if (state === 'ready') view.open();
  else root.dataset.consoleScreen = 'offline';
});

const lang = document.getElementById('lang') as HTMLButtonElement;
function switchLanguage(to: Language): void {
  language = to;
  document.documentElement.lang = language === 'zh' ? 'zh-CN' : 'en';
  lang.textContent = language === 'zh' ? 'English' : '中文';
  view.open();
}
lang.addEventListener('click', () => switchLanguage(language === 'zh' ? 'en' : 'zh'));
