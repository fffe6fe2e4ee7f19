import { describe, expect, it } from 'vitest';
import { parseKioskConfig } from '../../main/config/kiosk-config.js';
import { decide, decisionPolicyOf, type DecisionInput } from '../../main/engine/policy.js';
import { watchlistSnapshot } from '../../main/engine/watchlist-source.js';
import { retryAfterMs } from '../../main/uplink/central-client.js';
import { ListImportError, parseCsv, parseListCsv } from '../../central/lists.js';
import { HmacIdHasher } from '../../main/engine/id-hasher.js';

const NOW = new Date('2026-11-28T06:00:00Z');

function input(refreshedAt: string | null): DecisionInput {
  return {
    requireIdentity: true,
    identity: { idNumber: '11010519491231002X', cardType: 'resident', idHmac: 'a'.repeat(64), dates: { validFrom: null, validUntil: 'long-term', birthDate: null } },
    attempts: [{ samples: [], medianC: 36.4, maxC: 36.5, estimateC: 36.5, model: { name: 'constant-offset', params: {} }, calibrationId: 'c', attempt: 1 }],
    remeasureAvailable: false,
    watchlist: watchlistSnapshot([], [], refreshedAt),
    calibration: 'valid',
    now: NOW,
    duplicateOf: null,
    deviceFault: null,
  };
}

function policy(extra: Record<string, unknown>) {
  const r = parseKioskConfig({ checkpoint: { id: 'cp', name: 'x' }, policy: { watchlistMaxAgeHours: 24, ...extra } });
  if (!r.ok) throw new Error(r.problems.join('; '));
  return decisionPolicyOf(r.config);
}

describe('stale lists on a list-fed kiosk', () => {
  it('never received, or vouched longer ago than the maximum age: the configured behaviour', () => {
    const hours = (n: number) => new Date(NOW.getTime() - n * 3_600_000).toISOString();
    const holdForStaff = policy({ staleWatchlist: 'hold-for-staff' });
    for (const refreshed of [null, hours(25)]) {
      const d = decide(holdForStaff, input(refreshed));
      expect(d.decision).toBe('HOLD');
      expect(d.reasons.map((r) => [r.code, r.effect])).toEqual([['WATCHLIST_STALE', 'hold']]);
    }
    const flagged = decide(policy({ staleWatchlist: 'pass-flagged' }), input(hours(25)));
    expect(flagged.decision).toBe('PASS');
    expect(flagged.reasons.map((r) => [r.code, r.effect])).toEqual([['WATCHLIST_STALE', 'notice']]);
    expect(decide(holdForStaff, input(hours(23))).decision).toBe('PASS');
  });
});

describe('kiosk configuration: central section', () => {
  const base = { checkpoint: { id: 'cp', name: 'x', kioskId: 'k-1' } };
  const token = `kt_${'A'.repeat(43)}`;
  it('takes exactly what enroll prints, with an optional CA file', () => {
    expect(parseKioskConfig({ ...base, central: { url: 'https://c.example:8443', kioskId: 'k-1', token } }).ok).toBe(true);
    expect(parseKioskConfig({ ...base, central: { url: 'https://c.example', kioskId: 'k-1', token, caFile: '/etc/kiosk/ca.pem' } }).ok).toBe(true);
  });
  it('names the field and the fix for a wrong token, URL or kiosk id', () => {
    const bad = (central: Record<string, unknown>) => {
      const r = parseKioskConfig({ ...base, central: { url: 'https://c.example', kioskId: 'k-1', token, ...central } });
      return r.ok ? [] : r.problems;
    };
    expect(bad({ token: 'secret' })[0]).toMatch(/^central\.token: .*kiosk central enroll/);
    expect(bad({ url: 'ftp://c.example' })[0]).toMatch(/^central\.url: /);
    expect(bad({ kioskId: 'k-2' })[0]).toMatch(/^central\.kioskId: .*checkpoint\.kioskId/);
  });
});

describe('Retry-After', () => {
  it('reads delay-seconds and HTTP dates, caps at one hour, ignores garbage', () => {
    const now = Date.parse('2026-11-28T06:00:00Z');
    expect(retryAfterMs('7', now)).toBe(7000);
    expect(retryAfterMs('Sat, 28 Nov 2026 06:00:30 GMT', now)).toBe(30_000);
    expect(retryAfterMs('999999', now)).toBe(3_600_000);
    expect(retryAfterMs('soon', now)).toBeNull();
    expect(retryAfterMs(undefined, now)).toBeNull();
  });
});

describe('list CSV', () => {
  const hasher = new HmacIdHasher(Buffer.alloc(32, 1));
  it('parses RFC 4180 (quotes, doubled quotes, CRLF, BOM)', () => {
    expect(parseCsv('\uFEFFa,b\r\n"x,1","say ""hi"""\n')).toEqual([
      ['a', 'b'],
      ['x,1', 'say "hi"'],
    ]);
  });
  it('hashes normalised ID numbers (x = X), accepts 红/橙/黄/蓝, and names the bad line', () => {
    const [e] = parseListCsv('id_number,colour,expires_at\n11010519491231002x,黄,2099-01-31\n', hasher, new Date('2026-11-28T00:00:00Z'));
    expect(e).toEqual({ hmac: hasher.hashIdNumber('11010519491231002X'), colour: 'yellow', reason: null, expiresAt: '2099-01-31T15:59:59.000Z' });
    expect(() => parseListCsv('id_number,colour\n1234,red\n', hasher)).toThrow(ListImportError);
    // The kiosk's one ID-number module judges: a wrong check character is refused, a foreigner's 2017 card number is listed.
    expect(() => parseListCsv('id_number,colour\n110105194912310021,red\n', hasher)).toThrow(/line 2: id_number is not a valid resident card number \(check-character\)/);
    expect(parseListCsv('id_number,colour\nUSA123456789012,orange\n', hasher)).toEqual([{ hmac: hasher.hashIdNumber('USA123456789012'), colour: 'orange', reason: null, expiresAt: null }]);
    expect(() => parseListCsv('id_number,colour\n11010519491231002X,purple\n', hasher)).toThrow(/line 2: colour "purple"/);
    expect(() => parseListCsv('id,colour\n', hasher)).toThrow(/line 1/);
    expect(() => parseListCsv('id_number,colour,expires_at\n11010519491231002X,red,2020-01-01\n', hasher)).toThrow(/already past/);
  });
});
