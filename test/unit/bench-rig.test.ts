import { describe, expect, it } from 'vitest';
import { samAllowance, wireMs } from '../../bench/rig/sam-allowance.js';
import { DEFAULT_MIX, PLAIN_MIX, syntheticPerson } from '../../bench/rig/synthetic-people.js';
import { checkIdNumber } from '../../drivers/idcard/id-number.js';

/** ISO 7064 MOD 11-2 written out from docs/protocols/sam-reader.md §7.1, independent of id-number.ts. */
function referenceCheckChar(first17: string): string {
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const s = weights.reduce((sum, w, i) => sum + w * Number(first17[i]), 0) % 11;
  return '10X98765432'[s]!;
}

describe('bench synthetic travellers', () => {
  it('are distinct, valid by the ID-number module and by the reference MOD 11-2, and from no real province (99)', () => {
    const numbers = new Set<string>();
    for (let i = 0; i < 20_000; i += 7) {
      const p = syntheticPerson(i);
      const n = p.card.idNumber;
      expect(checkIdNumber('resident', n)).toEqual({ valid: true });
      expect(n[17]).toBe(referenceCheckChar(n.slice(0, 17)));
      expect(n.slice(0, 2)).toBe('99');
      expect(n.slice(6, 14)).toBe(p.card.birthDate.replace(/-/g, ''));
      numbers.add(n);
    }
    expect(numbers.size).toBe(Math.ceil(20_000 / 7));
    // 1000 people per calendar day: person 1000 is born the day after person 0 (1940-01-02).
    expect(syntheticPerson(1000).card.birthDate).toBe('1940-01-02');
    expect(syntheticPerson(0).card.idNumber.slice(0, 17)).toBe('99010119400101000');
  });

  it('come in the stated mix (about 2 % febrile, 3 % key region, 6 % listed over 20,000), and PLAIN_MIX has none', () => {
    const n = 20_000;
    let fever = 0;
    let region = 0;
    let listed = 0;
    for (let i = 0; i < n; i++) {
      const p = syntheticPerson(i, DEFAULT_MIX);
      if (p.subject === 'fever') fever++;
      if (p.keyRegion) {
        region++;
        expect(p.card.idNumber.slice(0, 4)).toBe('9902');
      }
      if (p.listColour) listed++;
    }
    // Binomial standard deviations at n = 20,000: ~0.1 %, ~0.12 %, ~0.17 %; bounds at about 4 of them.
    expect(fever / n).toBeGreaterThan(0.016);
    expect(fever / n).toBeLessThan(0.024);
    expect(region / n).toBeGreaterThan(0.025);
    expect(region / n).toBeLessThan(0.035);
    expect(listed / n).toBeGreaterThan(0.053);
    expect(listed / n).toBeLessThan(0.067);
    for (let i = 0; i < 500; i++) {
      const p = syntheticPerson(i, PLAIN_MIX);
      expect([p.subject, p.keyRegion, p.listColour]).toEqual(['normal', false, null]);
    }
  });
});

describe('the SAM allowance of the card tap → painted goal', () => {
  it('is the wire time of one read at 115200 8N1 plus the simulated SAM\'s RF and reply time', () => {
    // Frames (docs/protocols/sam-reader.md §4–§5): find 10 → 15, select 10 → 19, read base 10 → 1295 bytes = 1359 bytes.
    // 1359 × 10 bits / 115200 = 117.96875 ms. The read reply's own 1295 × 10 / 115200 = 112.413… ms
    // is inside the simulator's 300 ms read, leaving 187.586… ms of RF; find and select replies 5 ms each.
    expect(wireMs(1295)).toBeCloseTo(112.4131944, 6);
    const a = samAllowance();
    expect(a.exchangeBytes).toBe(1359);
    expect(a.wireMs).toBeCloseTo(117.96875, 9);
    expect(a.rfMs).toBeCloseTo(300 - 112.4131944, 6);
    expect(a.controlRepliesMs).toBe(10);
    expect(a.totalMs).toBeCloseTo(117.96875 + 187.5868056 + 10, 5);
  });
});
