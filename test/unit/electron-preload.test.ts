import { EventEmitter } from 'node:events';
import { describe, expect, it, vi } from 'vitest';

/** The sandboxed preload with `electron` mocked: host states, including the supervisor's fault with its reason. */
const h = vi.hoisted(() => {
  const { EventEmitter: EE } = require('node:events') as typeof import('node:events');
  const ipcRenderer = Object.assign(new EE(), { send: vi.fn() });
  const exposed: Record<string, unknown> = {};
  return { ipcRenderer, exposed };
});
vi.mock('electron', () => ({
  ipcRenderer: h.ipcRenderer,
  contextBridge: { exposeInMainWorld: (name: string, api: unknown) => (h.exposed[name] = api) },
}));

await import('../../main/electron/preload.js');
const { IpcChannel, MAX_FAULT_REASON_CHARS } = await import('../../main/electron/channels.js');
type Bridge = { onHostState(h: (state: string, reason?: string) => void): void };
const bridge = h.exposed.kiosk as Bridge;

describe('preload: host state', () => {
  it('asks for a host port on load', () => {
    expect(h.ipcRenderer.send).toHaveBeenCalledWith(IpcChannel.RequestHostPort);
  });

  it('passes "starting" and the fault with its reason (bounded) to the page; ignores anything else', () => {
    const seen: [string, string | undefined][] = [];
    bridge.onHostState((state, reason) => seen.push([state, reason]));
    expect(seen).toEqual([['starting', undefined]]);
    (h.ipcRenderer as EventEmitter).emit(IpcChannel.HostState, {}, 'starting');
    (h.ipcRenderer as EventEmitter).emit(IpcChannel.HostState, {}, 'reboot-now');
    (h.ipcRenderer as EventEmitter).emit(IpcChannel.HostState, {}, 'fault', 'x'.repeat(5000));
    expect(seen.map((s) => s[0])).toEqual(['starting', 'starting', 'fault']);
    expect(seen[2]![1]).toHaveLength(MAX_FAULT_REASON_CHARS);
    (h.ipcRenderer as EventEmitter).emit(IpcChannel.HostState, {}, 'fault', { not: 'text' });
    expect(seen.at(-1)).toEqual(['fault', '']);
  });

  it('a page that registers after the fault sees it at once', () => {
    (h.ipcRenderer as EventEmitter).emit(IpcChannel.HostState, {}, 'fault', 'the key of /var/lib/kiosk is missing');
    const seen: string[] = [];
    bridge.onHostState((state, reason) => seen.push(`${state}: ${reason}`));
    expect(seen).toEqual(['fault: the key of /var/lib/kiosk is missing']);
  });
});
