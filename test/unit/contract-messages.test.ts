import { describe, expect, it, vi } from 'vitest';
import { ContractClient } from '../../main/contract/contract-client.js';
import { ContractServer, type ContractPeer } from '../../main/contract/contract-server.js';
import { HostEventSchema, MaskedIdentitySchema, type HostEvent } from '../../main/contract/messages.js';

function makeLog() {
  return { warn: vi.fn(), error: vi.fn() };
}

function makePeer() {
  const sent: HostEvent[] = [];
  const peer: ContractPeer & { sent: HostEvent[]; closed: string | null } = {
    sent,
    closed: null,
    send: (e) => sent.push(e),
    close(reason) {
      this.closed = reason;
    },
  };
  return peer;
}

describe('contract schemas', () => {
  it('accepts a masked identity and refuses an unmasked one', () => {
    expect(MaskedIdentitySchema.safeParse({ idNumber: '110105********002X', name: '王**', cardType: 'resident' }).success).toBe(true);
    expect(MaskedIdentitySchema.safeParse({ idNumber: '11010519491231002X', name: '王**', cardType: 'resident' }).success).toBe(false);
    expect(MaskedIdentitySchema.safeParse({ idNumber: '110105********002X', name: '王小明', cardType: 'resident' }).success).toBe(false);
  });

  it('a HOLD screen needs at least one reason', () => {
    const hold = { type: 'screen', screen: { screen: 'hold', seq: 1, screeningId: 'x', identity: null, temperatureC: 38.2, colour: null, reasons: [] } };
    expect(HostEventSchema.safeParse(hold).success).toBe(false);
  });
});

describe('ContractServer', () => {
  it('validates commands and passes good ones to the handler', () => {
    const log = makeLog();
    const onCommand = vi.fn((cmd, reply) => {
      if (cmd.type === 'setLanguage') reply({ type: 'language', language: cmd.language });
    });
    const server = new ContractServer({ log, onCommand });
    const peer = makePeer();
    const conn = server.attach(peer, 'test');
    conn.receive({ type: 'setLanguage', id: 3, language: 'en' });
    expect(onCommand).toHaveBeenCalledTimes(1);
    expect(peer.sent).toEqual([{ type: 'language', language: 'en' }]);
  });

  it('rejects a bad payload with an error event and logs it without its values', () => {
    const log = makeLog();
    const onCommand = vi.fn();
    const server = new ContractServer({ log, onCommand });
    const peer = makePeer();
    const conn = server.attach(peer, 'test');
    conn.receive({ type: 'setLanguage', id: 7, language: '11010519491231002X' });
    conn.receive('not an object');
    conn.receive({ type: 'rm -rf' });
    expect(onCommand).not.toHaveBeenCalled();
    expect(peer.sent).toHaveLength(3);
    expect(peer.sent[0]).toMatchObject({ type: 'error', code: 'BAD_MESSAGE', inReplyTo: 7 });
    expect(server.rejectedIn).toBe(3);
    expect(log.warn).toHaveBeenCalledTimes(3);
    expect(JSON.stringify(log.warn.mock.calls)).not.toContain('11010519491231002X');
    expect(JSON.stringify(peer.sent)).not.toContain('11010519491231002X');
  });

  it('closes a peer that keeps sending bad messages', () => {
    const server = new ContractServer({ log: makeLog(), onCommand: vi.fn(), maxRejects: 3 });
    const peer = makePeer();
    const conn = server.attach(peer, 'test');
    for (let i = 0; i < 3; i++) conn.receive({});
    expect(peer.closed).toBe('too many bad messages');
  });

  it('refuses to send an invalid event (an unmasked identity never leaves the host)', () => {
    const log = makeLog();
    const server = new ContractServer({ log, onCommand: vi.fn() });
    const peer = makePeer();
    server.attach(peer, 'test');
    const bad = {
      type: 'screen',
      screen: { screen: 'pass', seq: 2, screeningId: 'a', identity: { idNumber: '11010519491231002X', name: '王**', cardType: 'resident' }, temperatureC: 36.5, reasons: [] },
    } as unknown as HostEvent;
    server.broadcast(bad);
    expect(peer.sent).toHaveLength(0);
    expect(server.rejectedOut).toBe(1);
    expect(JSON.stringify(log.error.mock.calls)).not.toContain('11010519491231002X');
    server.broadcast({ type: 'language', language: 'zh' });
    expect(peer.sent).toHaveLength(1);
  });
});

describe('ContractClient', () => {
  it('validates outgoing commands and incoming events', () => {
    const transmit = vi.fn();
    const onEvent = vi.fn();
    const onReject = vi.fn();
    const client = new ContractClient({ transmit, onEvent, onReject });
    expect(client.send({ type: 'hello', version: 1 })).toBe(1);
    expect(transmit).toHaveBeenCalledWith({ type: 'hello', id: 1, version: 1 });
    expect(client.send({ type: 'setLanguage', language: 'fr' } as never)).toBeNull();
    expect(onReject).toHaveBeenLastCalledWith('out', expect.stringContaining('language'));
    client.receive({ type: 'screen', screen: { screen: 'idle', seq: 0, screeningId: null } });
    expect(onEvent).toHaveBeenCalledTimes(1);
    client.receive({ type: 'screen', screen: { screen: 'party', seq: 0 } });
    expect(onEvent).toHaveBeenCalledTimes(1);
    expect(onReject).toHaveBeenLastCalledWith('in', expect.any(String));
  });
});

describe('masked identity matches the store masking', () => {
  it('accepts what maskIdNumber/maskName produce', async () => {
    const { maskIdNumber, maskName } = await import('../../main/store/masking.js');
    for (const [id, name] of [
      ['11010519491231002X', '张三'],
      ['810000199408230021', 'John Smith'],
      ['932682198501010017', '欧阳娜娜'],
    ] as const) {
      const r = MaskedIdentitySchema.safeParse({ idNumber: maskIdNumber(id), name: maskName(name), cardType: 'resident' });
      expect(r.success, `${maskIdNumber(id)} ${maskName(name)}`).toBe(true);
    }
  });
});
