import { describe, expect, it } from 'vitest';
import { checkDocumentNumber, checkPhone } from '../../main/console/document-rules.js';
import { recheckProblem } from '../../main/console/hold-queue.js';
import { validateSetting } from '../../main/console/settings-catalogue.js';
import { parseKioskConfig } from '../../main/config/kiosk-config.js';

// GB 11643 sample numbers (docs/protocols/sam-reader.md §7.3): check characters computed by hand.
const RESIDENT = '11010519491231002X';

describe('range and document checks', () => {
  it('a re-check is 34.0–43.0 °C inclusive; outside, or not a number, it is refused with the range', () => {
    expect(recheckProblem(34.0)).toBeNull();
    expect(recheckProblem(43.0)).toBeNull();
    expect(recheckProblem(38.25)).toBeNull();
    expect(recheckProblem(33.9)?.en).toContain('34.0–43.0');
    expect(recheckProblem(43.1)?.zh).toContain('34.0–43.0');
    expect(recheckProblem(Number.NaN)?.en).toContain('Enter');
  });

  it('document numbers follow their rule: MOD 11-2 for resident and permits, prefixes, 2017 format; passports have none', () => {
    expect(checkDocumentNumber('resident', ` ${RESIDENT.toLowerCase()} `)).toEqual({ ok: true, normalised: RESIDENT, check: 'valid' });
    expect(checkDocumentNumber('resident', '110105194912310021').ok).toBe(false);
    expect(checkDocumentNumber('hmt-permit', RESIDENT).ok).toBe(false); // not an 81/82/83 0000 number
    expect(checkDocumentNumber('foreign-2017', 'ABC123456789012')).toEqual({ ok: true, normalised: 'ABC123456789012', check: 'valid' });
    expect(checkDocumentNumber('foreign-2017', 'AB1234567890123').ok).toBe(false);
    expect(checkDocumentNumber('foreign-2023', RESIDENT).ok).toBe(false); // must begin with 9
    expect(checkDocumentNumber('passport', 'e1234567')).toEqual({ ok: true, normalised: 'E1234567', check: 'no-rule' });
    expect(checkDocumentNumber('passport', 'E1').ok).toBe(false);
    expect(checkDocumentNumber('other', 'ABC-123').ok).toBe(false);
  });

  it('phones are digits (optional +), empty is none', () => {
    expect(checkPhone('138 0000-0000')).toEqual({ ok: true, phone: '13800000000' });
    expect(checkPhone('')).toEqual({ ok: true, phone: null });
    expect(checkPhone('call me').ok).toBe(false);
  });

  it('settings are validated by the configuration schema, naming the field and the fix', () => {
    const r = parseKioskConfig({ checkpoint: { id: 'c', name: 'C' } });
    if (!r.ok) throw new Error('base config');
    expect(validateSetting(r.config, 'policy.feverThresholdC', 37.5)).toMatchObject({ ok: true, config: { policy: { feverThresholdC: 37.5 } } });
    const bad = validateSetting(r.config, 'policy.feverThresholdC', 41);
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.problems[0]).toMatch(/^policy\.feverThresholdC: 41 is out of range; fix: use a value of at most 40/);
    expect(validateSetting(r.config, 'station.mode', 'sideways').ok).toBe(false);
    expect(validateSetting(r.config, 'devices.thermometer', {}).ok).toBe(false); // not a console setting
    expect(validateSetting(r.config, 'console.idleTimeoutSec', 10).ok).toBe(false);
  });
});
