import { contextBridge, ipcRenderer } from 'electron';
import { IpcChannel } from './channels.js';

/**
 * The sandboxed preload. It keeps the MessagePort to the host to itself and exposes named
 * functions only (`send`, `onMessage`, `onHostState`), never ipcRenderer. The renderer validates
 * everything with the contract client; the host validates again.
 */
type HostState = 'starting' | 'ready';
let port: MessagePort | null = null;
let messageHandler: ((raw: unknown) => void) | null = null;
let stateHandler: ((state: HostState) => void) | null = null;

ipcRenderer.on(IpcChannel.HostPort, (event) => {
  port?.close();
  const next = event.ports[0] ?? null;
  port = next;
  if (!next) return;
  next.onmessage = (m: MessageEvent) => messageHandler?.(m.data);
  next.start();
  stateHandler?.('ready');
});

ipcRenderer.on(IpcChannel.HostState, (_event, state: unknown) => {
  if (state !== 'starting') return;
  port?.close();
  port = null;
  stateHandler?.('starting');
});

contextBridge.exposeInMainWorld('kiosk', {
  send(command: unknown): void {
    port?.postMessage(command);
  },
  onMessage(handler: (raw: unknown) => void): void {
    messageHandler = handler;
  },
  onHostState(handler: (state: HostState) => void): void {
    stateHandler = handler;
    handler(port ? 'ready' : 'starting');
  },
});

ipcRenderer.send(IpcChannel.RequestHostPort);
