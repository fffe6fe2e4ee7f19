import { EventEmitter } from 'node:events';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SAM_COMMANDS } from '../../drivers/idcard/sam-commands.js';
import { DEFAULT_SAM_TIMEOUTS, SamCorruptReplyError, SamProtocol } from '../../drivers/idcard/sam-protocol.js';
import type { SamResponse } from '../../drivers/idcard/sam-response.js';
import { WaitTimeoutError } from '../../drivers/protocol/waitress.js';
import type { Link, LinkEvents, LinkState } from '../../drivers/transport/link.js';
import { CAPTURED_REPLIES, hex, PUBLISHED_COMMANDS } from '../fixtures/idcard/sample-cards.js';

/** A Link the test drives by hand; `onWrite` may answer synchronously, inside write(). */
class HandLink extends EventEmitter<LinkEvents> implements Link {
  readonly id = 'hand';
  current: LinkState = { state: 'online', path: 'hand' };
  written: string[] = [];
  alive = 0;
  onWrite: (bytes: Buffer) => void = () => {};
  writeDelayMs = 0;
  async open() {}
  async write(bytes: Uint8Array) {
    this.written.push(Buffer.from(bytes).toString('hex'));
    if (this.writeDelayMs > 0) await new Promise((r) => setTimeout(r, this.writeDelayMs));
    this.onWrite(Buffer.from(bytes));
  }
  async flushInput() {}
  noteAlive() {
    this.alive++;
  }
  async close() {}
  reply(h: string) {
    this.emit('data', hex(h));
  }
}

describe('SamProtocol', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  const setup = (timeouts = {}) => {
    const link = new HandLink();
    const proto = new SamProtocol(link, { timeouts });
    proto.attach();
    return { link, proto };
  };

  it('registers the waiter before writing: a reply inside write() is not missed', async () => {
    const { link, proto } = setup();
    link.onWrite = () => link.reply(CAPTURED_REPLIES.statusOk);
    const r = await proto.request(SAM_COMMANDS.status);
    expect(r.sw3).toBe(0x90);
    expect(link.written).toEqual([hex(PUBLISHED_COMMANDS.status).toString('hex')]); // AA AA AA 96 69 00 03 11 FF ED (docs/protocols/sam-reader.md §4)
    expect(link.alive).toBe(1);
  });

  it('uses one timeout table: 1000 ms for control commands, 3000 ms for reads', async () => {
    expect(DEFAULT_SAM_TIMEOUTS).toEqual({ control: 1000, read: 3000 });
    const { proto } = setup();
    const find = proto.request(SAM_COMMANDS.findCard);
    const findFail = expect(find).rejects.toThrow(new WaitTimeoutError('find card', 1000).message);
    await vi.advanceTimersByTimeAsync(1000);
    await findFail;
    const read = proto.request(SAM_COMMANDS.readBase);
    let settled = false;
    read.catch(() => (settled = true));
    await vi.advanceTimersByTimeAsync(2999);
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await expect(read).rejects.toBeInstanceOf(WaitTimeoutError);
    const custom = setup({ control: 200 }).proto.request(SAM_COMMANDS.selectCard);
    const customFail = expect(custom).rejects.toThrow(/within 200 ms/);
    await vi.advanceTimersByTimeAsync(200);
    await customFail;
    expect(() => new SamProtocol(new HandLink(), { timeouts: { read: 0 } })).toThrow(/"read" must be a positive/);
  });

  it('keeps one command in flight', async () => {
    const { link, proto } = setup();
    const a = proto.request(SAM_COMMANDS.findCard);
    const b = proto.request(SAM_COMMANDS.selectCard);
    await vi.advanceTimersByTimeAsync(0);
    expect(link.written).toHaveLength(1);
    link.reply(CAPTURED_REPLIES.findOk);
    expect((await a).sw3).toBe(0x9f);
    await vi.advanceTimersByTimeAsync(0);
    expect(link.written).toHaveLength(2);
    link.reply(CAPTURED_REPLIES.selectOk);
    expect((await b).data).toHaveLength(8);
  });

  it('does not take a late reply of another shape for the command in flight', async () => {
    const { link, proto } = setup();
    const unsolicited: SamResponse[] = [];
    proto.on('unsolicited', (r) => unsolicited.push(r));
    const select = proto.request(SAM_COMMANDS.selectCard);
    await vi.advanceTimersByTimeAsync(0);
    link.reply(CAPTURED_REPLIES.findOk); // a find reply arriving late
    link.reply(CAPTURED_REPLIES.selectOk);
    expect((await select).data).toHaveLength(8);
    expect(unsolicited.map((r) => r.sw3)).toEqual([0x9f]);
  });

  it('reports a corrupt reply as SamCorruptReplyError when no good reply follows', async () => {
    const { link, proto } = setup();
    const read = proto.request(SAM_COMMANDS.readBase);
    const failed = expect(read).rejects.toBeInstanceOf(SamCorruptReplyError);
    await vi.advanceTimersByTimeAsync(0);
    link.reply(CAPTURED_REPLIES.readFailed.slice(0, -2) + '00');
    await vi.advanceTimersByTimeAsync(3000);
    await failed;
    expect(link.alive).toBe(0);
  });

  it('a corrupt frame followed by a good one still resolves', async () => {
    const { link, proto } = setup();
    const read = proto.request(SAM_COMMANDS.readBase);
    await vi.advanceTimersByTimeAsync(0);
    link.reply(CAPTURED_REPLIES.readFailed.slice(0, -2) + '00');
    link.reply(CAPTURED_REPLIES.readFailed);
    expect((await read).sw3).toBe(0x41);
  });

  it('a timeout during a slow write never becomes an unhandled rejection', async () => {
    const { link, proto } = setup();
    link.writeDelayMs = 1500;
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown) => unhandled.push(e);
    process.on('unhandledRejection', onUnhandled);
    try {
      const find = proto.request(SAM_COMMANDS.findCard);
      const failed = expect(find).rejects.toBeInstanceOf(WaitTimeoutError);
      await vi.advanceTimersByTimeAsync(1600);
      await failed;
      await vi.advanceTimersByTimeAsync(0);
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('cancel() fails the request in flight and drops a partial frame', async () => {
    const { link, proto } = setup();
    const find = proto.request(SAM_COMMANDS.findCard);
    await vi.advanceTimersByTimeAsync(0);
    link.emit('data', hex(CAPTURED_REPLIES.findOk).subarray(0, 9));
    proto.cancel('link offline');
    await expect(find).rejects.toThrow('link offline');
    const next = proto.request(SAM_COMMANDS.findCard);
    await vi.advanceTimersByTimeAsync(0);
    link.reply(CAPTURED_REPLIES.findFailed);
    expect((await next).sw3).toBe(0x80);
  });
});
