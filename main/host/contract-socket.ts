import type { WebSocket } from 'ws';
import type { ContractServer } from '../contract/contract-server.js';
import type { Logger } from './logger.js';

/**
 * One WebSocket as a contract peer: JSON text frames in (a binary or unparsable frame counts as a bad
 * message), validated events out while the socket is open, detach on close. Shared by the kiosk's
 * loopback server (browser-server.ts) and the LAN staff console (main/console/lan-console-server.ts).
 */
export function attachContractSocket(ws: WebSocket, contract: ContractServer, label: string, log: Logger, what: { connected: string; disconnected: string }): void {
  const peer = contract.attach(
    {
      send: (event) => {
        if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(event));
      },
      close: (reason) => ws.close(1008, reason),
    },
    label,
  );
  log.info({ peer: label }, what.connected);
  ws.on('message', (data, isBinary) => {
    if (isBinary) return peer.receive(undefined);
    let raw: unknown;
    try {
      raw = JSON.parse(data.toString());
    } catch {
      raw = undefined;
    }
    peer.receive(raw);
  });
  ws.on('close', () => {
    peer.detach();
    log.info({ peer: label }, what.disconnected);
  });
  ws.on('error', () => ws.terminate());
}
