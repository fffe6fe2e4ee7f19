import type { Server } from 'node:http';
import type { WebSocketServer } from 'ws';

/**
 * Closes a web server and its WebSocket server at once: open sockets are terminated (a UI that
 * never says goodbye must not hold the stop), keep-alive connections closed; resolves when the
 * server has let go of its port. Used by browser mode and the LAN staff console.
 */
export function closeWebServer(server: Pick<Server, 'close' | 'closeAllConnections'>, wss: WebSocketServer): Promise<void> {
  return new Promise<void>((resolve) => {
    for (const c of wss.clients) c.terminate();
    wss.close();
    server.closeAllConnections();
    server.close(() => resolve());
  });
}
