import { describe, expect, it } from 'vitest';
import { judgeAuditHead } from '../../central/audit-anchors.js';
import type { AuditHead } from '../../main/store/audit-anchor.js';

/** Central's check of a heartbeat's audit head against the anchor it holds (heads built by hand). */
const mac = (c: string) => c.repeat(64);
const head = (seq: number, m: string, storeId = 'store-1'): AuditHead => ({ storeId, seq, mac: mac(m) });

describe('judgeAuditHead', () => {
  it('nothing anchored yet: the head becomes the anchor; no head sent: the anchor stays', () => {
    expect(judgeAuditHead(null, head(3, 'a'), null)).toEqual({ check: 'first', anchor: head(3, 'a') });
    expect(judgeAuditHead(head(3, 'a'), null, null)).toEqual({ check: 'none', anchor: head(3, 'a') });
  });

  it('the same head again is ok; a longer chain is ok only with the link for the anchored entry', () => {
    expect(judgeAuditHead(head(3, 'a'), head(3, 'a'), null)).toEqual({ check: 'ok', anchor: head(3, 'a') });
    // No link, or a link for another entry: the anchor is kept until the kiosk sends the right one.
    expect(judgeAuditHead(head(3, 'a'), head(5, 'b'), null)).toEqual({ check: 'unverified', anchor: head(3, 'a') });
    expect(judgeAuditHead(head(3, 'a'), head(5, 'b'), { seq: 2, mac: mac('a') })).toEqual({ check: 'unverified', anchor: head(3, 'a') });
    expect(judgeAuditHead(head(3, 'a'), head(5, 'b'), { seq: 3, mac: mac('a') })).toEqual({ check: 'ok', anchor: head(5, 'b') });
  });

  it('a fork, a rewind, another store: flagged, and the new head is watched from then on', () => {
    expect(judgeAuditHead(head(3, 'a'), head(5, 'b'), { seq: 3, mac: mac('c') })).toMatchObject({ check: 'diverged', anchor: head(5, 'b'), message: expect.stringContaining('entry 3') });
    expect(judgeAuditHead(head(3, 'a'), head(3, 'c'), null)).toMatchObject({ check: 'diverged', anchor: head(3, 'c') });
    expect(judgeAuditHead(head(3, 'a'), head(2, 'x'), null)).toMatchObject({ check: 'rewound', anchor: head(2, 'x'), message: expect.stringContaining('central saw entry 3') });
    expect(judgeAuditHead(head(3, 'a'), head(9, 'x', 'store-2'), null)).toMatchObject({ check: 'replaced', anchor: head(9, 'x', 'store-2') });
  });
});
