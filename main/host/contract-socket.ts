import type { WebSocket } from 'ws';
import type { ContractServer } from '../contract/contract-server.js';
import type { Logger } from './logger.js';
import { MessageBudget, SOCKET_CLOSE, type SocketLimits } from './socket-limits.js';

/** One socket's counters (browser-server's `sockets()`, tests). */
export interface SocketStats {
  peer: string;
  /** Bytes the host has queued for this client and not yet handed to the kernel. */
  bufferedBytes: number;
  /** True while the host has stopped reading from this client (backpressure). */
  paused: boolean;
  received: number;
}

/**
 * One WebSocket as a contract peer, with its message budget and output backpressure
 * (socket-limits.ts): JSON text frames in (a binary or unparsable frame counts as a bad message),
 * validated events out, detach on close. Shared by the kiosk's loopback server (browser-server.ts)
 * and the LAN staff console (main/console/lan-console-server.ts).
 */
export function attachContractSocket(
  ws: WebSocket,
  contract: ContractServer,
  label: string,
  log: Logger,
  limits: SocketLimits,
  what: { name: string; connected: string; disconnected: string },
  onClose?: () => void,
): SocketStats {
  const stats: SocketStats = { peer: label, bufferedBytes: 0, paused: false, received: 0 };
  const budget = new MessageBudget(limits);
  let closing = false;
  const closeFor = (code: number, reason: string, detail: Record<string, unknown>) => {
    if (closing) return;
    closing = true;
    log.warn({ peer: label, code, ...detail }, `${what.name}: UI connection closed: ${reason}`);
    ws.close(code, reason);
    // A client that does not read will not complete the closing handshake either.
    if (code === SOCKET_CLOSE.notReading) ws.terminate();
  };
  // Backpressure: stop reading while our output to this client piles up; resume once it drains.
  const afterWrite = () => {
    stats.bufferedBytes = ws.bufferedAmount;
    if (stats.paused && stats.bufferedBytes < limits.resumeBelowBytes && !closing) {
      stats.paused = false;
      ws.resume();
    }
  };
  const peer = contract.attach(
    {
      send: (event) => {
        if (ws.readyState !== ws.OPEN || closing) return;
        ws.send(JSON.stringify(event), afterWrite);
        stats.bufferedBytes = ws.bufferedAmount;
        if (stats.bufferedBytes > limits.closeAboveBytes) {
          closeFor(SOCKET_CLOSE.notReading, 'not reading the host events', { bufferedBytes: stats.bufferedBytes, limit: limits.closeAboveBytes });
        } else if (!stats.paused && stats.bufferedBytes > limits.pauseAboveBytes) {
          stats.paused = true;
          ws.pause();
        }
      },
      close: (reason) => closeFor(SOCKET_CLOSE.badMessages, reason, {}),
    },
    label,
  );
  log.info({ peer: label }, what.connected);
  ws.on('message', (data, isBinary) => {
    if (closing) return;
    stats.received += 1;
    if (!budget.take()) {
      closeFor(SOCKET_CLOSE.tooManyMessages, 'too many messages', { received: stats.received, burst: limits.burst, perSecond: limits.perSecond });
      return;
    }
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
    onClose?.();
    peer.detach();
    log.info({ peer: label }, what.disconnected);
  });
  ws.on('error', () => ws.terminate());
  return stats;
}
