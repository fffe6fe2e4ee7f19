import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { decodeReadBasePayload } from '../../drivers/idcard/read-base-reply.js';
import { buildSamFrame, type SamFrame } from '../../drivers/idcard/sam-frame.js';
import { commandFrame, SAM_COMMANDS, type SamCommand } from '../../drivers/idcard/sam-commands.js';
import { SamFrameParser, type SamRejection } from '../../drivers/idcard/sam-frame-parser.js';
import { decodeSamResponse } from '../../drivers/idcard/sam-response.js';
import { DEFAULT_SIM_CARD, IdCardSimulator, SIM_TIMINGS, type IdCardSimulatorOptions } from '../../drivers/sim/idcard-simulator.js';
import { CAPTURED_REPLIES } from '../fixtures/idcard/sample-cards.js';

/** Talks to the simulator with raw bytes, like a host on the other end of the cable. */
class Host {
  readonly frames: SamFrame[] = [];
  readonly rejected: SamRejection[] = [];
  readonly chunks: Buffer[] = [];
  readonly unplugs: number[] = [];
  private readonly parser = new SamFrameParser();
  constructor(readonly sim: IdCardSimulator) {
    this.parser.on('data', (f: SamFrame) => this.frames.push(f));
    this.parser.on('rejected', (r) => this.rejected.push(r));
    sim.on('transmit', (b) => {
      this.chunks.push(b);
      this.parser.write(b);
    });
    sim.on('unplug', ({ forMs }) => this.unplugs.push(forMs));
  }
  /** Drops a partial frame (what a host does when the link goes down). */
  resetParser(): void {
    this.parser.reset();
  }
  /** Sends a command and waits for the next frame or rejection. */
  async send(cmd: SamCommand | Buffer): Promise<SamFrame | SamRejection> {
    const [nf, nr] = [this.frames.length, this.rejected.length];
    this.sim.receive(Buffer.isBuffer(cmd) ? cmd : commandFrame(cmd));
    await until(() => this.frames.length > nf || this.rejected.length > nr);
    return this.frames.length > nf ? this.frames[nf]! : this.rejected[nr]!;
  }
}

// Fake timers: the simulator runs its default (realistic) timings, driven by the test clock.
const sims: IdCardSimulator[] = [];
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
});
afterEach(() => {
  sims.splice(0).forEach((s) => s.stop());
  vi.useRealTimers();
});

function start(opts: Partial<IdCardSimulatorOptions> & Pick<IdCardSimulatorOptions, 'scenario'>) {
  const sim = new IdCardSimulator(opts);
  sims.push(sim);
  const host = new Host(sim);
  sim.start();
  return { sim, host };
}

/** Advances the fake clock 1 ms at a time until `cond` holds (at most `ms` of simulated time). */
async function until(cond: () => boolean, ms = 20_000): Promise<void> {
  for (let t = 0; !cond(); t++) {
    if (t > ms) throw new Error(`condition not met within ${ms} ms of simulated time`);
    await vi.advanceTimersByTimeAsync(1);
  }
}

const hexOf = (x: SamFrame | SamRejection) => ('bytes' in x ? x.bytes.toString('hex') : '');
const sw3 = (x: SamFrame | SamRejection) => decodeSamResponse(x as SamFrame)!.sw3;

describe('IdCardSimulator (raw bytes)', () => {
  it('answers like a SAM: the captured replies of §9.1, a full read, then 80 until the card is lifted', async () => {
    const { sim, host } = start({ scenario: 'normal' });
    expect(hexOf(await host.send(SAM_COMMANDS.status))).toBe(CAPTURED_REPLIES.statusOk);
    expect(hexOf(await host.send(SAM_COMMANDS.findCard))).toBe(CAPTURED_REPLIES.findFailed);
    await until(() => sim.hasCard);
    expect(hexOf(await host.send(SAM_COMMANDS.findCard))).toBe(CAPTURED_REPLIES.findOk);
    expect(hexOf(await host.send(SAM_COMMANDS.selectCard))).toBe(CAPTURED_REPLIES.selectOk);
    const read = (await host.send(SAM_COMMANDS.readBase)) as SamFrame;
    expect(read.bytes).toHaveLength(1295);
    const { card } = decodeReadBasePayload(decodeSamResponse(read)!.data, 'read-base');
    expect(card.idNumber).toBe('11010519491231002X');
    expect(sw3(await host.send(SAM_COMMANDS.readNewAddress))).toBe(0x91);
    // Already read, still on the reader: 80 (docs/protocols/sam-reader.md §11 item 1).
    expect(hexOf(await host.send(SAM_COMMANDS.findCard))).toBe(CAPTURED_REPLIES.findFailed);
    expect(hexOf(await host.send(SAM_COMMANDS.readBase))).toBe(CAPTURED_REPLIES.readFailed);
  });

  it('refuses select without find, read without select, bad checksums and unknown commands', async () => {
    const { host } = start({ scenario: 'card-left' });
    expect(hexOf(await host.send(SAM_COMMANDS.selectCard))).toBe(CAPTURED_REPLIES.selectFailed);
    expect(hexOf(await host.send(SAM_COMMANDS.readBase))).toBe(CAPTURED_REPLIES.readFailed);
    const bad = commandFrame(SAM_COMMANDS.findCard);
    bad[bad.length - 1]! ^= 0xff;
    expect(sw3(await host.send(bad))).toBe(0x10);
    expect(sw3(await host.send(buildSamFrame([0x77, 0x01])))).toBe(0x21);
    expect(sw3(await host.send(SAM_COMMANDS.setMaxRf))).toBe(0x90);
    expect((await host.send(SAM_COMMANDS.samId) as SamFrame).bytes).toHaveLength(27);
  });

  it('returns the 30 10 layout (1297 bytes without fingerprint data)', async () => {
    const { sim, host } = start({ scenario: 'card-left' });
    await until(() => sim.hasCard);
    await host.send(SAM_COMMANDS.findCard);
    await host.send(SAM_COMMANDS.selectCard);
    expect(((await host.send(SAM_COMMANDS.readBaseFingerprint)) as SamFrame).bytes).toHaveLength(1297);
  });

  async function readOnce(sim: IdCardSimulator, host: Host) {
    await until(() => sim.hasCard);
    await host.send(SAM_COMMANDS.findCard);
    await host.send(SAM_COMMANDS.selectCard);
    return host.send(SAM_COMMANDS.readBase);
  }

  it('bad-checksum: the first read reply is corrupt, the card is lifted and replaced, the next read is good', async () => {
    const { sim, host } = start({ scenario: 'bad-checksum' });
    const first = await readOnce(sim, host);
    expect(first).toMatchObject({ reason: 'checksum' });
    expect((first as SamRejection).bytes).toHaveLength(1295);
    await until(() => !sim.hasCard);
    const second = await readOnce(sim, host);
    expect((second as SamFrame).bytes).toHaveLength(1295);
  });

  it('unplug: part of the read reply goes out, then the device vanishes and comes back', async () => {
    const { sim, host } = start({ scenario: 'unplug' });
    await until(() => sim.hasCard);
    await host.send(SAM_COMMANDS.findCard);
    await host.send(SAM_COMMANDS.selectCard);
    const before = host.chunks.length;
    sim.receive(commandFrame(SAM_COMMANDS.readBase));
    await until(() => host.unplugs.length === 1);
    const sent = Buffer.concat(host.chunks.slice(before));
    // The first half of the 1295-byte reply made it out (the simulator's documented cut), a frame start but no frame.
    expect(sent).toHaveLength(Math.floor(1295 / 2));
    expect(sent.subarray(0, 14).toString('hex')).toBe('aaaaaa96690508000090010004' + '00');
    expect(host.unplugs[0]).toBe(SIM_TIMINGS.unplugFor); // timeScale 1
    // While unplugged, nothing is answered; afterwards the SAM has forgotten the read.
    host.resetParser();
    expect(host.rejected.at(-1)).toMatchObject({ reason: 'incomplete' });
    await vi.advanceTimersByTimeAsync(host.unplugs[0]! + 30);
    expect(sw3(await host.send(SAM_COMMANDS.findCard))).toBe(0x9f);
  });

  it('garbage: noise outside frames, every reply intact', async () => {
    const { sim, host } = start({ scenario: 'garbage', seed: 3 });
    const first = await readOnce(sim, host);
    expect((first as SamFrame).bytes).toHaveLength(1295);
    const framed = host.frames.reduce((n, f) => n + f.bytes.length, 0);
    const total = host.chunks.reduce((n, c) => n + c.length, 0);
    // Noise of 1–12 bytes goes out before and after every reply: at least two bytes per frame.
    expect(total - framed).toBeGreaterThanOrEqual(2 * host.frames.length);
    expect(host.rejected).toEqual([]);
  });

  it('slow: the read reply trickles out in many small chunks', async () => {
    const { sim, host } = start({ scenario: 'slow' });
    const before = () => host.chunks.length;
    await until(() => sim.hasCard);
    await host.send(SAM_COMMANDS.findCard);
    await host.send(SAM_COMMANDS.selectCard);
    const n = before();
    const read = await host.send(SAM_COMMANDS.readBase);
    expect((read as SamFrame).bytes).toHaveLength(1295);
    expect(host.chunks.length - n).toBeGreaterThanOrEqual(Math.ceil(1295 / 16));
    expect(Math.max(...host.chunks.slice(n).map((c) => c.length))).toBeLessThanOrEqual(16);
  });

  it('placeCard(card): the next traveller lays their own card; the read carries its number, and a card already lying there stays', async () => {
    const { sim, host } = start({ scenario: 'no-card', autoPlay: false });
    // GB 11643-1999 appendix sample and the id-validator Hong Kong permit sample (docs/protocols/sam-reader.md §7.3).
    sim.placeCard({ ...DEFAULT_SIM_CARD, idNumber: '11010519491231002X' });
    expect(sw3(await host.send(SAM_COMMANDS.findCard))).toBe(0x9f);
    expect(sw3(await host.send(SAM_COMMANDS.selectCard))).toBe(0x90);
    const first = decodeReadBasePayload(decodeSamResponse((await host.send(SAM_COMMANDS.readBase)) as SamFrame)!.data, 'read-base').card;
    expect(first.idNumber).toBe('11010519491231002X');
    // A second card while one lies there is not laid down: still the first card, already read.
    sim.placeCard({ ...DEFAULT_SIM_CARD, idNumber: '810000199408230021' });
    expect(sw3(await host.send(SAM_COMMANDS.findCard))).toBe(0x80);
    sim.liftCard();
    sim.placeCard({ ...DEFAULT_SIM_CARD, idNumber: '810000199408230021', name: '下一位' });
    expect(sw3(await host.send(SAM_COMMANDS.findCard))).toBe(0x9f);
    expect(sw3(await host.send(SAM_COMMANDS.selectCard))).toBe(0x90);
    const second = decodeReadBasePayload(decodeSamResponse((await host.send(SAM_COMMANDS.readBase)) as SamFrame)!.data, 'read-base').card;
    expect(second.idNumber).toBe('810000199408230021');
    expect(second.name).toBe('下一位');
  });

  it('emits done when the script has played; no-card never shows a card', async () => {
    const { sim, host } = start({ scenario: 'no-card' });
    let done = false;
    sim.once('done', () => (done = true));
    expect(sw3(await host.send(SAM_COMMANDS.findCard))).toBe(0x80);
    await until(() => done);
    expect(sim.hasCard).toBe(false);
  });
});
