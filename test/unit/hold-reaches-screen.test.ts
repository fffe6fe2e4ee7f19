import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { encodeCardText, syntheticWlt } from '../../drivers/idcard/card-text-encoder.js';
import type { IdCard } from '../../drivers/idcard/id-card.js';
import { decodeReadBasePayload } from '../../drivers/idcard/read-base-reply.js';
import { ContractServer, type ContractPeer } from '../../main/contract/contract-server.js';
import type { HostEvent, ScreenState } from '../../main/contract/messages.js';
import { ScreenModel } from '../../main/host/screen-model.js';
import { config, feed, makeEngine } from '../fixtures/engine/harness.js';
import { RESIDENT_SAMPLE } from '../fixtures/idcard/sample-cards.js';

/**
 * 9.2: a card whose masked identity failed the contract schema made every screen event with it be
 * refused: the engine decided and stored HOLD INVALID_ID while the traveller saw reading → idle and
 * walked on. Here the card goes the way a reader delivers it (the read-base payload through the
 * driver's decoder), through the engine, the screen model and the contract server to a UI peer;
 * what the peer is shown must be what the store holds.
 */

/** A read-base payload (docs/protocols/sam-reader.md §5.5: text length, photo length, text, photo) decoded as the driver does. */
function cardFromTextBlock(text: Buffer): IdCard {
  const lengths = Buffer.from([0x01, 0x00, 0x04, 0x00]);
  return decodeReadBasePayload(Buffer.concat([lengths, text, Buffer.from(syntheticWlt())]), 'read-base').card;
}

function allFF(): Buffer {
  const text = Buffer.alloc(256, 0xff);
  text.writeUInt16LE(0x20, 248); // the resident card flag (space) is kept: the reader delivers a resident card
  return text;
}

beforeEach(() => {
  vi.useFakeTimers({ now: new Date('2026-11-28T09:00:00+08:00') });
});
afterEach(() => {
  vi.useRealTimers();
});

async function screen(card: IdCard) {
  const h = makeEngine({ config: config({ temperature: { model: { kind: 'constant-offset', offsetC: 0 } } }) });
  const errors: unknown[] = [];
  const contract = new ContractServer({ log: { warn: () => {}, error: (o) => errors.push(o) }, onCommand: () => {} });
  const shown: ScreenState[] = [];
  const peer: ContractPeer = { send: (e: HostEvent) => void (e.type === 'screen' && shown.push(e.screen)), close: () => {} };
  contract.attach(peer, 'ui');
  const screens = new ScreenModel(5, (s) => contract.broadcast({ type: 'screen', screen: s }));
  h.engine.on('started', (e) => screens.onStarted(e));
  h.engine.on('transition', (e) => screens.onTransition(e));
  h.engine.on('sample', (e) => screens.onSample(e));
  h.engine.on('result', (e) => screens.onResult(e));
  h.engine.start();
  screens.onCardFound();
  screens.onIdentity(card);
  h.engine.onIdentity({ deviceId: 'idcard-0', card, monotonicMs: Date.now(), source: 'sam' });
  await feed(h.engine, 36.5);
  return { shown, stored: h.sink.records, refused: contract.rejectedOut, errors };
}

describe('9.2 a HOLD decided but never shown', () => {
  it.each([
    ['empty ID number', () => cardFromTextBlock(encodeCardText({ ...RESIDENT_SAMPLE, idNumber: '' })), '*'],
    ['a character outside [0-9X] in its masked positions', () => cardFromTextBlock(encodeCardText({ ...RESIDENT_SAMPLE, idNumber: '1101-519491231002X' })), '1101**********002X'],
    ['text block all 0xFF', () => cardFromTextBlock(allFF()), '******************'],
  ])('9.2 a HOLD decided but never shown: %s', async (_name, makeCard, maskedId) => {
    const card = makeCard();
    const { shown, stored, refused, errors } = await screen(card);
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ decision: 'HOLD', reasons: expect.arrayContaining([expect.objectContaining({ code: 'INVALID_ID' })]) });
    // What is stored is what is shown: the HOLD screen with the same reasons and the same screening.
    const hold = shown.find((s) => s.screen === 'hold');
    expect(refused, JSON.stringify(errors)).toBe(0);
    expect(hold).toMatchObject({ screeningId: stored[0]!.id, identity: { idNumber: maskedId, cardType: 'resident' } });
    expect(hold?.screen === 'hold' && hold.reasons.map((r) => r.code)).toEqual(stored[0]!.reasons.map((r) => r.code));
    expect(shown.map((s) => s.screen)).toEqual(['reading', 'measuring', 'measuring', 'measuring', 'measuring', 'measuring', 'measuring', 'hold']);
  });

  it('a card entirely of 0xFF, flag included, is no card at all: the decoder refuses it (the driver asks to lift it)', () => {
    const lengths = Buffer.from([0x01, 0x00, 0x04, 0x00]);
    expect(() => decodeReadBasePayload(Buffer.concat([lengths, Buffer.alloc(256, 0xff), Buffer.from(syntheticWlt())]), 'read-base')).toThrow(/unknown card-type flag 0xffff/);
  });
});

describe('9.10 card dates compared as strings', () => {
  it.each([
    ['expiry 20991399', { validUntil: '20991399' }, 'validUntil', 'impossible-date'],
    ['expiry ABCDEFGH', { validUntil: 'ABCDEFGH' }, 'validUntil', 'not-a-date'],
    ['valid only from 2099', { validFrom: '2099-01-01' }, 'validFrom', 'not-yet-valid'],
  ] as const)('9.10 card dates compared as strings: a card read with %s → HOLD INVALID_CARD_DATE, on screen as stored', async (_name, dates, field, problem) => {
    // The encoder writes dates as given (YYYY-MM-DD becomes YYYYMMDD): the bytes a forged or misread card carries.
    const card = cardFromTextBlock(encodeCardText({ ...RESIDENT_SAMPLE, ...dates }));
    const { shown, stored } = await screen(card);
    expect(stored[0]).toMatchObject({ decision: 'HOLD', reasons: [{ code: 'INVALID_CARD_DATE', effect: 'hold', detail: { field, problem } }] });
    expect(shown.at(-1)).toMatchObject({ screen: 'hold', screeningId: stored[0]!.id, reasons: [{ code: 'INVALID_CARD_DATE', text: { zh: '证件日期无效' } }] });
  });

  it('the decoder keeps an impossible date as stored instead of dressing it up as YYYY-MM-DD', () => {
    const card = cardFromTextBlock(encodeCardText({ ...RESIDENT_SAMPLE, validUntil: '20991399', validFrom: '20160229' }));
    expect(card.validUntil).toBe('20991399');
    expect(card.validFrom).toBe('2016-02-29');
  });
});
