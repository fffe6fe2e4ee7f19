import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { DeviceStatus } from '../../drivers/device-status.js';
import type { IdentityRead } from '../../drivers/idcard/id-card.js';
import { LineIdCardReader } from '../../drivers/idcard/line-idcard-reader.js';
import type { Link, LinkEvents, LinkState } from '../../drivers/transport/link.js';

/** A bare Link: the test pushes bytes and states by hand. */
class HandLink extends EventEmitter<LinkEvents> implements Link {
  readonly id = 'hand';
  current: LinkState = { state: 'offline', reason: 'not opened' };
  alive = 0;
  async open() {
    this.set({ state: 'online', path: 'hand' });
  }
  async write() {}
  async flushInput() {}
  noteAlive() {
    this.alive++;
  }
  async close() {}
  set(s: LinkState) {
    this.current = s;
    this.emit('state', s);
  }
}

async function setup(now = { t: 0 }) {
  const link = new HandLink();
  const reader = new LineIdCardReader({ link, deviceId: 'line-1', clock: () => now.t });
  const ids: IdentityRead[] = [];
  const problems: string[] = [];
  const statuses: DeviceStatus[] = [];
  reader.on('identity', (i) => ids.push(i));
  reader.on('problem', (p) => problems.push(p.message));
  reader.on('status', (s) => statuses.push(s));
  await reader.start();
  return { link, reader, ids, problems, statuses, now };
}

describe('LineIdCardReader', () => {
  it('emits a number-only identity per valid line, split across chunks, CRLF tolerated, x upper-cased', async () => {
    const { link, ids, problems } = await setup();
    link.emit('data', Buffer.from('110105194912'));
    link.emit('data', Buffer.from('31002x\r\n810000199408230021\n'));
    expect(problems).toEqual([]);
    expect(ids.map((i) => [i.source, i.card.type, i.card.idNumber, i.card.name])).toEqual([
      ['line', 'resident', '11010519491231002X', ''],
      ['line', 'hmt-permit', '810000199408230021', ''],
    ]);
    expect(ids[0]!.card.idNumberValid).toBe(true);
    expect(link.alive).toBe(2);
  });

  it('infers the 2023 foreign card from a leading 9', async () => {
    const { link, ids } = await setup();
    link.emit('data', Buffer.from('911124198108030024\n'));
    expect(ids[0]!.card).toMatchObject({ type: 'foreign-2023', nationalityCode: '124' });
  });

  it('rejects bad lines without quoting them', async () => {
    const { link, ids, problems } = await setup();
    link.emit('data', Buffer.from('110105194912310021\n12345\nABCDEFGHIJKLMNOPQR\n'));
    expect(ids).toEqual([]);
    expect(problems).toHaveLength(3);
    for (const p of problems) expect(p).not.toMatch(/\d{5}/);
  });

  it('treats the same number within repeatWithinMs as one swipe', async () => {
    const { link, ids, now } = await setup();
    link.emit('data', Buffer.from('11010519491231002X\n'));
    now.t = 500;
    link.emit('data', Buffer.from('11010519491231002X\n'));
    now.t = 5000;
    link.emit('data', Buffer.from('11010519491231002X\n'));
    expect(ids.map((i) => i.monotonicMs)).toEqual([0, 5000]);
  });

  it('drops an endless line and follows the link state', async () => {
    const { link, ids, problems, statuses } = await setup();
    link.emit('data', Buffer.alloc(300, 0x31));
    expect(problems[0]).toMatch(/no line end within 256 bytes/);
    link.emit('data', Buffer.from('\n11010519491231002X\n'));
    expect(ids).toHaveLength(1);
    link.set({ state: 'offline', reason: 'port vanished' });
    link.set({ state: 'online', path: 'hand' });
    expect(statuses.map((s) => [s.state, s.reason])).toEqual([
      ['connecting', undefined],
      ['online', undefined],
      ['offline', 'port vanished'],
      ['online', undefined],
    ]);
  });
});
