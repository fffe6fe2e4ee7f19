/**
 * The only IPC channels between the Electron main process and the preload. Application messages
 * do not use IPC at all: they go over the MessagePort handed out on HOST_PORT.
 */
export const IpcChannel = {
  /** renderer → main: "give me a port to the host" (on load, and after a host restart). */
  RequestHostPort: 'kiosk:request-host-port',
  /** main → renderer: the port (in `event.ports[0]`). */
  HostPort: 'kiosk:host-port',
  /**
   * main → renderer: `'starting'` (the host is (re)starting), or `'fault', reason` (the supervisor
   * gave up: the screen shows the fault and the reason for the technician).
   */
  HostState: 'kiosk:host-state',
} as const;

/** Renderer → main channels the main process listens on (everything else is ignored). */
export const RENDERER_TO_MAIN = [IpcChannel.RequestHostPort] as const;
/** Main → renderer channels the preload subscribes to. */
export const MAIN_TO_RENDERER = [IpcChannel.HostPort, IpcChannel.HostState] as const;

/** The custom scheme the renderer is served from (no file://). */
export const APP_SCHEME = 'kiosk';
export const APP_ORIGIN = `${APP_SCHEME}://app`;
export const APP_ENTRY_URL = `${APP_ORIGIN}/index.html`;

/** Longest fault reason the preload passes on to the page. */
export const MAX_FAULT_REASON_CHARS = 1000;
