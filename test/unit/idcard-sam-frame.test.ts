import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildReadBaseReply } from '../../drivers/idcard/card-text-encoder.js';
import { buildSamFrame, verifySamFrame, type SamFrame } from '../../drivers/idcard/sam-frame.js';
import { SamFrameParser, type SamRejection } from '../../drivers/idcard/sam-frame-parser.js';
import { decodeSamResponse } from '../../drivers/idcard/sam-response.js';
import { commandFrame, formatSamId, identifyCommand, SAM_COMMANDS, setBaudCommand } from '../../drivers/idcard/sam-commands.js';
import { describeSw3, SW3_TABLE } from '../../drivers/idcard/sw3.js';
import { decodeReadBasePayload } from '../../drivers/idcard/read-base-reply.js';
import {
  CAPTURED_REPLIES,
  CORRUPTED_SELECT_REPLY,
  hex,
  PUBLISHED_COMMANDS,
  PUBLISHED_SET_BAUD,
  SAMPLE_CARDS,
} from '../fixtures/idcard/sample-cards.js';
import { referenceChecksumOk, referenceReadBaseReply } from '../fixtures/idcard/reference-frames.js';

/** SAM frames against docs/protocols/sam-reader.md: commands (§4), published replies (§9.1, §9.2), synthetic reads (§12). */

function parseAll(chunks: Buffer[], maxFrame?: number): { frames: SamFrame[]; rejected: SamRejection[] } {
  const parser = new SamFrameParser(maxFrame === undefined ? {} : { maxFrame });
  const frames: SamFrame[] = [];
  const rejected: SamRejection[] = [];
  parser.on('data', (f) => frames.push(f));
  parser.on('rejected', (r) => rejected.push(r));
  for (const c of chunks) parser.write(c);
  return { frames, rejected };
}

describe('buildSamFrame', () => {
  it('generates every published command frame byte for byte (§4)', () => {
    for (const [name, bytes] of Object.entries(PUBLISHED_COMMANDS)) {
      const cmd = SAM_COMMANDS[name as keyof typeof SAM_COMMANDS];
      expect(commandFrame(cmd).toString('hex'), name).toBe(hex(bytes).toString('hex'));
    }
    for (const [rate, bytes] of Object.entries(PUBLISHED_SET_BAUD)) {
      expect(commandFrame(setBaudCommand(Number(rate))).toString('hex')).toBe(hex(bytes).toString('hex'));
    }
    expect(() => setBaudCommand(4800)).toThrow(/4800/);
  });

  it('reproduces every captured short reply of §9.1 from its body', () => {
    for (const [name, h] of Object.entries(CAPTURED_REPLIES)) {
      const captured = hex(h);
      const body = captured.subarray(7, captured.length - 1);
      expect(buildSamFrame(body).toString('hex'), name).toBe(captured.toString('hex'));
    }
  });

  it('identifies command frames back to their names', () => {
    expect(identifyCommand(Buffer.from([0x20, 0x01]))?.name).toBe('find-card');
    expect(identifyCommand(Buffer.from([0x60, 0x04]))?.description).toBe('set SAM baud 9600');
    expect(identifyCommand(Buffer.from([0x77, 0x01]))).toBeUndefined();
  });
});

describe('SamFrameParser on captured frames', () => {
  it('parses each §9.1 reply and decodes SW3', () => {
    const expected: Record<string, number> = {
      statusOk: 0x90, selfTestFailed: 0x60, findOk: 0x9f, findFailed: 0x80, selectOk: 0x90, selectFailed: 0x81, readFailed: 0x41,
    };
    for (const [name, h] of Object.entries(CAPTURED_REPLIES)) {
      const { frames, rejected } = parseAll([hex(h)]);
      expect(frames, name).toHaveLength(1);
      expect(rejected).toHaveLength(0);
      const r = decodeSamResponse(frames[0]!)!;
      expect(r.sw1).toBe(0);
      expect(r.sw2).toBe(0);
      expect(r.sw3, name).toBe(expected[name]);
      expect(r.status).toBe(describeSw3(expected[name]!).meaning);
    }
    const find = decodeSamResponse(parseAll([hex(CAPTURED_REPLIES.findOk)]).frames[0]!)!;
    expect([...find.data]).toEqual([0, 0, 0, 0]);
    const select = decodeSamResponse(parseAll([hex(CAPTURED_REPLIES.selectOk)]).frames[0]!)!;
    expect(select.data).toHaveLength(8);
  });

  it('skips the corrupted select reply of §9.2 and resyncs to the next good frame', () => {
    const stream = Buffer.concat([hex(CORRUPTED_SELECT_REPLY), hex(CAPTURED_REPLIES.selectOk), hex(CAPTURED_REPLIES.findFailed)]);
    const { frames } = parseAll([stream]);
    expect(frames.map((f) => f.bytes.toString('hex'))).toEqual([CAPTURED_REPLIES.selectOk, CAPTURED_REPLIES.findFailed]);
  });

  it('resyncs when a frame with a full preamble lost bytes (candidate eats into the next frame)', () => {
    const select = hex(CAPTURED_REPLIES.selectOk);
    const truncated = Buffer.concat([select.subarray(0, 12), select.subarray(14)]); // two SN bytes lost
    const { frames, rejected } = parseAll([Buffer.concat([truncated, select, select])]);
    // The lost bytes are 00 and the candidate swallows "AA AA" of the next preamble, so the XOR
    // still matches: only the preamble found inside the candidate exposes it.
    expect(rejected.map((r) => r.reason)).toContain('overlap');
    expect(frames.map((f) => f.bytes.toString('hex'))).toEqual([CAPTURED_REPLIES.selectOk, CAPTURED_REPLIES.selectOk]);
  });

  it('rejects a wrong checksum with a rejected event carrying the bytes, and emits no frame', () => {
    const bad = hex(CAPTURED_REPLIES.statusOk);
    bad[bad.length - 1]! ^= 0x01;
    const { frames, rejected } = parseAll([bad]);
    expect(frames).toHaveLength(0);
    expect(rejected).toEqual([{ reason: 'checksum', bytes: bad }]);
    expect(verifySamFrame(bad)).toEqual({ error: 'checksum' });
  });

  it('tolerates a trailing extra byte after a valid frame and keeps going', () => {
    const card = buildReadBaseReply(SAMPLE_CARDS[0]);
    const { frames } = parseAll([Buffer.concat([card, Buffer.from([0x00]), hex(CAPTURED_REPLIES.findFailed)])]);
    expect(frames).toHaveLength(2);
    expect(frames[0]!.bytes.equals(card)).toBe(true);
  });

  it('drops heartbeats and vendor prefixes before the preamble', () => {
    const stream = Buffer.concat([Buffer.from('AAAA', 'ascii'), hex('CADF0235000900'), hex(CAPTURED_REPLIES.findOk)]);
    expect(parseAll([stream]).frames).toHaveLength(1);
  });

  it('treats a LEN above maxFrame as garbage and resyncs', () => {
    const stream = Buffer.concat([hex('AAAAAA9669 FFFF 00 00'), hex(CAPTURED_REPLIES.statusOk)]);
    const { frames } = parseAll([stream], 64);
    expect(frames).toHaveLength(1);
    expect(() => new SamFrameParser({ maxFrame: 5 })).toThrow(TypeError);
  });

  it('reports a frame cut short as incomplete on reset', () => {
    const parser = new SamFrameParser();
    const rejected: SamRejection[] = [];
    parser.on('rejected', (r) => rejected.push(r));
    const card = buildReadBaseReply(SAMPLE_CARDS[0]);
    parser.write(card.subarray(0, 600));
    expect(parser.pendingBytes).toBe(600);
    parser.reset();
    expect(parser.pendingBytes).toBe(0);
    expect(rejected).toEqual([{ reason: 'incomplete', bytes: card.subarray(0, 600) }]);
  });
});

describe('synthetic full reads', () => {
  it.each(SAMPLE_CARDS.map((c) => [c.type, c] as const))('%s: 1295 bytes, parsed whole when split at every byte boundary', (_t, card) => {
    const reply = buildReadBaseReply(card);
    expect(reply).toHaveLength(1295);
    expect(reply.subarray(0, 14).toString('hex')).toBe('aaaaaa96690508000090010004' + '00');
    for (let cut = 0; cut <= reply.length; cut++) {
      const { frames, rejected } = parseAll([reply.subarray(0, cut), reply.subarray(cut)]);
      expect(rejected).toHaveLength(0);
      expect(frames).toHaveLength(1);
      expect(frames[0]!.bytes.equals(reply)).toBe(true);
    }
    const r = decodeSamResponse(parseAll([reply]).frames[0]!)!;
    const { card: decoded, layout } = decodeReadBasePayload(r.data);
    expect(layout).toBe('read-base');
    expect(decoded.type).toBe(card.type);
    expect(decoded.idNumber).toBe(card.idNumber);
  });

  it.each([
    [0, 1297, '050a'],
    [512, 1809, '070a'],
    [1024, 2321, '090a'],
  ])('fingerprint %i bytes → %i-byte frame with LEN %s, text at offset 16', (fpBytes, size, len) => {
    const fingerprint = new Uint8Array(fpBytes).map((_, i) => i & 0xff);
    const reply = buildReadBaseReply(SAMPLE_CARDS[0], { fingerprint });
    expect(reply).toHaveLength(size);
    expect(reply.subarray(5, 7).toString('hex')).toBe(len);
    expect(reply.readUInt16LE(16)).toBe('测'.charCodeAt(0));
    for (const cut of [1, 7, 15, 16, 17, 272, 1296, size - 1]) {
      const { frames } = parseAll([reply.subarray(0, cut), reply.subarray(cut)]);
      expect(frames).toHaveLength(1);
    }
    const r = decodeSamResponse(parseAll([reply]).frames[0]!)!;
    const { card, layout } = decodeReadBasePayload(r.data);
    expect(layout).toBe('read-base-fingerprint');
    expect(card.fingerprint).toEqual(fingerprint);
    expect(card.photoWlt).toHaveLength(1024);
    expect(card.name).toBe('测试样');
  });

  it('a forced layout that does not fit the length fields is refused', () => {
    const r = decodeSamResponse(parseAll([buildReadBaseReply(SAMPLE_CARDS[0])]).frames[0]!)!;
    expect(() => decodeReadBasePayload(r.data, 'read-base-fingerprint')).toThrow(/length fields/);
  });
});

describe('SW3 table and SAM id', () => {
  it('holds all 18 codes with vendor text', () => {
    expect(SW3_TABLE.size).toBe(18);
    expect(describeSw3(0x60)).toEqual({ code: 0x60, meaning: 'SAM self-test failed', vendorText: 'SAM 自检失败' });
    expect(describeSw3(0x55).meaning).toBe('unknown SW3 0x55');
  });

  it('formats the SAM id with 2-digit and 10-digit zero padding', () => {
    const d = Buffer.alloc(16);
    d[0] = 5;
    d[2] = 1;
    d.writeUInt32LE(20210101, 4);
    d.writeUInt32LE(123, 8);
    d.writeUInt32LE(4294967295, 12);
    expect(formatSamId(d)).toBe('05.01-0020210101-0000000123-4294967295');
  });
});

describe('hex fixtures (for kiosk decode idcard < file)', () => {
  // Checked against the second implementation of §12 (fixtures/idcard/reference-frames.ts), not
  // against the encoder that produced them.
  it.each(SAMPLE_CARDS.map((c) => [c.type, c] as const))('read-base-%s.hex is the reply §12 builds for the sample card', (type, card) => {
    const text = readFileSync(new URL(`../fixtures/idcard/read-base-${type}.hex`, import.meta.url), 'utf8');
    const bytes = hex(text);
    expect(bytes).toHaveLength(1295);
    expect(bytes.subarray(0, 14).toString('hex')).toBe('aaaaaa96690508000090010004' + '00');
    expect(referenceChecksumOk(bytes)).toBe(true);
    expect(bytes.toString('hex')).toBe(referenceReadBaseReply(card).toString('hex'));
  });

  it.each(SAMPLE_CARDS.map((c) => [c.type, c] as const))('%s: buildReadBaseReply builds the same reply as the reference', (_t, card) => {
    expect(buildReadBaseReply(card).toString('hex')).toBe(referenceReadBaseReply(card).toString('hex'));
  });
});
