import type { UiCommand } from '../main/contract/messages.js';

/** The raw pipe to the host: a MessagePort behind the Electron preload, or a WebSocket in browser mode. */
export interface HostConnection {
  send(command: UiCommand): void;
  /** Raw messages from the host (validated by the ContractClient, not here). */
  onMessage(handler: (raw: unknown) => void): void;
  /**
   * Host gone (socket closed, host process restarting), back, or given up on by the Electron
   * supervisor (`fault`, with the reason for the technician).
   */
  onState(handler: (state: HostState, reason?: string) => void): void;
}

export type HostState = 'starting' | 'ready' | 'fault';

/** What the Electron preload exposes as `window.kiosk`: named functions only. */
export interface KioskBridge {
  send(command: UiCommand): void;
  onMessage(handler: (raw: unknown) => void): void;
  onHostState(handler: (state: HostState, reason?: string) => void): void;
}

declare global {
  interface Window {
    kiosk?: KioskBridge;
  }
}

export function electronConnection(bridge: KioskBridge): HostConnection {
  return { send: (c) => bridge.send(c), onMessage: (h) => bridge.onMessage(h), onState: (h) => bridge.onHostState(h) };
}

/**
 * Browser mode: a WebSocket to the host that served this page, with the page's launch token.
 * Reconnects every second while the host is away.
 */
export function webSocketConnection(location: Location): HostConnection {
  const token = new URLSearchParams(location.search).get('token') ?? '';
  return socketConnection(`ws://${location.host}/ws?token=${encodeURIComponent(token)}`);
}

/** A WebSocket to `url` speaking the contract as JSON; reconnects every second while the host is away. */
export function socketConnection(url: string): HostConnection {
  let socket: WebSocket | null = null;
  let messageHandler: (raw: unknown) => void = () => {};
  let stateHandler: (state: 'starting' | 'ready') => void = () => {};
  const open = () => {
    const ws = new WebSocket(url);
    socket = ws;
    ws.onopen = () => stateHandler('ready');
    ws.onmessage = (ev) => {
      let raw: unknown;
      try {
        raw = JSON.parse(String(ev.data));
      } catch {
        raw = undefined;
      }
      messageHandler(raw);
    };
    ws.onclose = () => {
      socket = null;
      stateHandler('starting');
      setTimeout(open, 1000);
    };
  };
  setTimeout(open, 0);
  return {
    send: (c) => {
      if (socket?.readyState === WebSocket.OPEN) socket.send(JSON.stringify(c));
    },
    onMessage: (h) => {
      messageHandler = h;
    },
    onState: (h) => {
      stateHandler = h;
    },
  };
}
