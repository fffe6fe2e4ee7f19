import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { SOCKET_CLOSE } from '../../main/host/socket-limits.js';
import { startServerRig, type ServerRig } from '../fixtures/host/browser-server-rig.js';

/**
 * Issue 9 item 11: an authenticated client flooding the socket without reading the replies grew
 * the host by 400 MB. Each connection now has a message budget and output backpressure.
 */

let rig: ServerRig | undefined;
afterEach(async () => {
  await rig?.stop();
  rig = undefined;
});

function open(r: ServerRig): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://${r.host}/ws?token=test-token-0123456789`, { origin: r.origin });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

function closed(ws: WebSocket): Promise<{ code: number; reason: string }> {
  return new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
}

/** Resolves when `cond()` holds; checked after every turn of I/O, with a deadline. */
async function until(what: string, cond: () => boolean, ms = 20_000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const health = (id: number) => JSON.stringify({ type: 'getHealth', id });

describe('9.11 WebSocket flood', () => {
  it('9.11 WebSocket flood: a client sending far more than the page ever does is closed with 4029, logged without content', async () => {
    rig = await startServerRig();
    const ws = await open(rig);
    const gone = closed(ws);
    // Not reading (as in the report): 20,000 small messages in a burst.
    ws.pause();
    for (let i = 0; i < 20_000; i++) ws.send(health(i));
    ws.resume();
    const { code, reason } = await gone;
    expect(code).toBe(SOCKET_CLOSE.tooManyMessages);
    expect(reason).toBe('too many messages');
    const line = rig.logs.find((l) => l.code === SOCKET_CLOSE.tooManyMessages);
    expect(line).toMatchObject({ peer: 'ws#1', burst: 200, perSecond: 50 });
    expect(JSON.stringify(line)).not.toContain('getHealth');
    await until('the host forgets the socket', () => rig!.server.sockets().length === 0);
  });

  it('9.11 WebSocket flood: the page rate passes (a message every 20 ms, burst of 100)', async () => {
    rig = await startServerRig();
    const ws = await open(rig);
    const replies: unknown[] = [];
    ws.on('message', (d) => replies.push(JSON.parse(String(d))));
    for (let i = 0; i < 100; i++) ws.send(health(i));
    for (let i = 100; i < 150; i++) {
      await new Promise((r) => setTimeout(r, 20));
      ws.send(health(i));
    }
    await until('150 replies', () => replies.length === 150);
    expect(ws.readyState).toBe(WebSocket.OPEN);
    ws.close();
  });

  it('9.11 WebSocket flood: a client that does not read is no longer read from; nothing is lost when it reads again', async () => {
    // Budget off, so only backpressure acts.
    rig = await startServerRig({ socketLimits: { burst: 1e9, perSecond: 1e9, pauseAboveBytes: 64 * 1024, resumeBelowBytes: 16 * 1024, closeAboveBytes: 8 * 1024 * 1024 } });
    const r = rig;
    const ws = await open(r);
    let replies = 0;
    ws.on('message', () => replies++);
    ws.pause();
    const N = 60_000; // ~15 MB of replies: far more than the loopback socket buffers hold
    for (let i = 0; i < N; i++) ws.send(health(i));
    await until('the host pauses reading', () => r.server.sockets()[0]?.paused === true);
    // While paused, the host's unsent output stays bounded and it stops taking messages.
    const during = r.server.sockets()[0]!;
    expect(during.bufferedBytes).toBeLessThan(8 * 1024 * 1024);
    expect(during.received).toBeLessThan(N);
    ws.resume();
    await until(`all ${N} replies`, () => replies === N, 60_000);
    expect(ws.readyState).toBe(WebSocket.OPEN);
    expect(r.server.sockets()[0]).toMatchObject({ paused: false, received: N });
    ws.close();
  });

  it('9.11 WebSocket flood: a client that never reads the host events is dropped (4008) once they pile up', async () => {
    rig = await startServerRig({ socketLimits: { pauseAboveBytes: 64 * 1024, resumeBelowBytes: 16 * 1024, closeAboveBytes: 1024 * 1024 } });
    const r = rig;
    const ws = await open(r);
    ws.pause();
    const gone = closed(ws);
    await until('the socket is attached', () => r.contract.connections === 1);
    // The host keeps broadcasting (device status, screens); this client reads none of it.
    const devices = Array.from({ length: 8 }, (_, i) => ({ deviceId: `device-${i}-${'x'.repeat(60)}`, kind: 'idcard' as const, state: 'online' as const, reason: 'r'.repeat(200) }));
    while (r.contract.connections === 1) {
      for (let i = 0; i < 200; i++) r.contract.broadcast({ type: 'deviceStatus', devices });
      await new Promise((resolve) => setImmediate(resolve));
    }
    ws.resume();
    await gone;
    expect(r.logs.some((l) => l.code === SOCKET_CLOSE.notReading && typeof l.bufferedBytes === 'number' && (l.bufferedBytes as number) > 1024 * 1024)).toBe(true);
    expect(r.server.sockets()).toEqual([]);
  });
});
