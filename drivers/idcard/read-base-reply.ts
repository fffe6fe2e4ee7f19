import { decodeCardText } from './card-text-decoder.js';
import type { IdCard } from './id-card.js';

/**
 * Payload of a read-base reply after SW3 (docs/protocols/sam-reader.md §5.5, §5.6):
 *
 * ```
 * 30 01: textLen(2 BE) photoLen(2 BE)              text  photo                 (frame offset 14 for text)
 * 30 10: textLen(2 BE) photoLen(2 BE) fpLen(2 BE)  text  photo  fingerprint    (frame offset 16 for text)
 * ```
 * The lengths are read from the reply, never assumed.
 */
export type ReadBaseLayout = 'read-base' | 'read-base-fingerprint';

export class ReadBaseReplyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReadBaseReplyError';
  }
}

export interface ReadBaseParts {
  layout: ReadBaseLayout;
  text: Buffer;
  photo: Buffer;
  fingerprint?: Buffer;
}

/**
 * Splits the payload. With `layout` given (the driver knows which command it sent) only that
 * layout is accepted; without it (CLI), the layout whose length fields add up to the payload wins.
 */
export function splitReadBasePayload(data: Buffer, layout?: ReadBaseLayout): ReadBaseParts {
  const tryLayout = (l: ReadBaseLayout): ReadBaseParts | string => {
    const header = l === 'read-base' ? 4 : 6;
    if (data.length < header) return `payload of ${data.length} bytes is shorter than the ${header}-byte length header`;
    const textLen = data.readUInt16BE(0);
    const photoLen = data.readUInt16BE(2);
    const fpLen = l === 'read-base' ? 0 : data.readUInt16BE(4);
    const expected = header + textLen + photoLen + fpLen;
    if (expected !== data.length) {
      return `length fields (text ${textLen}, photo ${photoLen}${l === 'read-base' ? '' : `, fingerprint ${fpLen}`}) add up to ${expected} bytes but the payload has ${data.length}`;
    }
    const text = data.subarray(header, header + textLen);
    const photo = data.subarray(header + textLen, header + textLen + photoLen);
    return l === 'read-base'
      ? { layout: l, text, photo }
      : { layout: l, text, photo, fingerprint: data.subarray(header + textLen + photoLen, expected) };
  };
  const candidates: ReadBaseLayout[] = layout ? [layout] : ['read-base', 'read-base-fingerprint'];
  const problems: string[] = [];
  for (const l of candidates) {
    const r = tryLayout(l);
    if (typeof r !== 'string') return r;
    problems.push(`${l}: ${r}`);
  }
  throw new ReadBaseReplyError(`not a read-base reply (${problems.join('; ')})`);
}

/** Decodes a read-base payload (data after SW3) into a card. Binary parts are copied out of the frame. */
export function decodeReadBasePayload(data: Buffer, layout?: ReadBaseLayout): { card: IdCard; layout: ReadBaseLayout } {
  const parts = splitReadBasePayload(data, layout);
  const card = decodeCardText(parts.text, {
    photoWlt: Uint8Array.from(parts.photo),
    ...(parts.fingerprint ? { fingerprint: Uint8Array.from(parts.fingerprint) } : {}),
  });
  return { card, layout: parts.layout };
}
