import { contextBridge, ipcRenderer } from 'electron';
import { IpcChannel, MAX_FAULT_REASON_CHARS } from './channels.js';

/**
 * The sandboxed preload. It keeps the MessagePort to the host to itself and exposes named
 * functions only (`send`, `onMessage`, `onHostState`), never ipcRenderer. The renderer validates
 * everything with the contract client; the host validates again.
 */
type HostState = 'starting' | 'ready' | 'fault';
let port: MessagePort | null = null;
let fault: string | null = null;
let messageHandler: ((raw: unknown) => void) | null = null;
let stateHandler: ((state: HostState, reason?: string) => void) | null = null;

ipcRenderer.on(IpcChannel.HostPort, (event) => {
  port?.close();
  const next = event.ports[0] ?? null;
  port = next;
  if (!next) return;
  next.onmessage = (m: MessageEvent) => messageHandler?.(m.data);
  next.start();
  stateHandler?.('ready');
});

ipcRenderer.on(IpcChannel.HostState, (_event, state: unknown, reason: unknown) => {
  if (state !== 'starting' && state !== 'fault') return;
  port?.close();
  port = null;
  if (state === 'fault') {
    fault = typeof reason === 'string' ? reason.slice(0, MAX_FAULT_REASON_CHARS) : '';
    stateHandler?.('fault', fault);
  } else stateHandler?.('starting');
});

contextBridge.exposeInMainWorld('kiosk', {
  send(command: unknown): void {
    port?.postMessage(command);
  },
  onMessage(handler: (raw: unknown) => void): void {
    messageHandler = handler;
  },
  onHostState(handler: (state: HostState, reason?: string) => void): void {
    stateHandler = handler;
    if (fault !== null) handler('fault', fault);
    else handler(port ? 'ready' : 'starting');
  },
});

ipcRenderer.send(IpcChannel.RequestHostPort);
