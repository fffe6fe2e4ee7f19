import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { MAX_CONFIG_BYTES, MAX_CONFIG_DEPTH } from '../../main/config/config-file.js';
import { KioskConfigSchema, loadKioskConfig, parseKioskConfig } from '../../main/config/kiosk-config.js';

/** Issue 9 item 12: every field bounded; files that are not configurations refused with a reason. */

const dir = mkdtempSync(join(tmpdir(), 'kiosk-config-bounds-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
function file(text: string): string {
  const f = join(dir, `c${++n}.json`);
  writeFileSync(f, text);
  return f;
}
const checkpoint = { id: 'yk-qiancang-330', name: '千仓卡口' };

async function problemsOf(text: string): Promise<string[]> {
  const r = await loadKioskConfig(file(text));
  expect(r.ok).toBe(false);
  return r.ok ? [] : r.problems;
}

describe('9.12 configuration bounds', () => {
  it('9.12 configuration: a 5 MB policy name is refused, and the problem line stays short', async () => {
    const name = 'p'.repeat(5 * 1024 * 1024);
    const r = parseKioskConfig({ checkpoint, policy: { name } });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]).toMatch(/^policy\.name: "p{40}\.\.\." \(5242880 characters\) is out of range; fix: use a length of at most 64 characters$/);
  });

  it('9.12 configuration: every string, number and list in the schema has a bound', () => {
    const schema = z.toJSONSchema(KioskConfigSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
    const unbounded: string[] = [];
    const walk = (node: unknown, path: string) => {
      if (Array.isArray(node)) return node.forEach((x, i) => walk(x, `${path}[${i}]`));
      if (node === null || typeof node !== 'object') return;
      const s = node as Record<string, unknown>;
      const fixed = 'const' in s || 'enum' in s;
      if (s.type === 'string' && !fixed && !('maxLength' in s) && !/\{\d+(,\d+)?\}\$$/.test(String(s.pattern ?? ''))) unbounded.push(`${path} (string)`);
      if ((s.type === 'number' || s.type === 'integer') && !fixed && (!('minimum' in s || 'exclusiveMinimum' in s) || !('maximum' in s || 'exclusiveMaximum' in s))) unbounded.push(`${path} (number)`);
      if (s.type === 'array' && !('maxItems' in s)) unbounded.push(`${path} (array)`);
      for (const [k, v] of Object.entries(s)) if (k !== 'default') walk(v, `${path}.${k}`);
    };
    walk(schema, '');
    expect(unbounded).toEqual([]);
  });

  it('9.12 configuration: model coefficients that give no body temperature are refused (no PASS at -1.19e11 °C)', () => {
    const r = parseKioskConfig({ checkpoint, temperature: { model: { kind: 'heat-balance', a: 0.5, b: -0.2318, c: 12.454 } } });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems).toHaveLength(1);
    // Hand check at skin 30 °C (86 °F), ambient 10 °C (50 °F): (0.5·86² − 0.2318·86 + 12.454)·36 + 86
    // = 3690.52·36 + 86 = 132 944.7 °F = 73 840.4 °C (4 significant digits: 73840).
    expect(r.problems[0]).toMatch(/^temperature\.model: \{"kind":"heat-balance","a":0\.5,"b":-0\.2318,"c":12\.454\} is invalid; fix: with these parameters skin 30 °C at ambient 10 °C gives 73840 °C; a model must give 25–45 °C/);
    expect(parseKioskConfig({ checkpoint, temperature: { model: { kind: 'heat-balance', a: 1e9 } } }).ok).toBe(false);
    expect(parseKioskConfig({ checkpoint, temperature: { model: { kind: 'ambient-linear', offsetC: 10, ambientCoefficient: 1, referenceAmbientC: 50 } } }).ok).toBe(false);
    // The published Exergen coefficients and the usual models stay valid.
    expect(parseKioskConfig({ checkpoint, temperature: { model: { kind: 'heat-balance' } } }).ok).toBe(true);
    expect(parseKioskConfig({ checkpoint, temperature: { model: { kind: 'ambient-linear', offsetC: 1, ambientCoefficient: 0.1, referenceAmbientC: 22 } } }).ok).toBe(true);
    expect(parseKioskConfig({ checkpoint, temperature: { model: { kind: 'constant-offset', offsetC: 1.8 } } }).ok).toBe(true);
  });

  it('9.12 configuration: duplicate keys are refused, naming the key and both lines', async () => {
    const p = await problemsOf('{\n  "checkpoint": {"id": "a", "name": "x"},\n  "policy": {\n    "feverThresholdC": 37.3,\n    "feverThresholdC": 39\n  }\n}');
    expect(p).toEqual(['policy.feverThresholdC: the key "feverThresholdC" appears twice (lines 4 and 5); fix: keep only one']);
    const top = await problemsOf('{"checkpoint": {"id": "a", "name": "x"}, "checkpoint": {"id": "b", "name": "y"}}');
    expect(top[0]).toContain('checkpoint: the key "checkpoint" appears twice');
    // The same key in two different objects is fine.
    expect((await loadKioskConfig(file('{"checkpoint": {"id": "a", "name": "x"}, "ui": {"language": "en"}, "policy": {"name": "x"}}'))).ok).toBe(true);
  });

  it('9.12 configuration: 1e999 is reported as what it is, not "null"', async () => {
    const p = await problemsOf('{"checkpoint": {"id": "a", "name": "x"}, "policy": {"feverThresholdC": 1e999}}');
    expect(p).toEqual(['policy.feverThresholdC: 1e999 is too large to be a number; fix: give a value in the field\'s range']);
    const arr = await problemsOf('{"checkpoint": {"id": "a", "name": "x"}, "screening": {"commit": {"retryDelaysMs": [1, -2e400]}}}');
    expect(arr).toEqual(['screening.commit.retryDelaysMs[1]: -2e400 is too large to be a number; fix: give a value in the field\'s range']);
  });

  it('9.12 configuration: deep nesting is a clear error, not a stack overflow', async () => {
    const depth = 200_000;
    const p = await problemsOf(`{"checkpoint": {"id": ${'['.repeat(depth)}${']'.repeat(depth)}, "name": "x"}}`);
    expect(p).toEqual([`checkpoint.id[0]${'[0]'.repeat(MAX_CONFIG_DEPTH - 3)}: nested more than ${MAX_CONFIG_DEPTH} levels deep; fix: a kiosk configuration is a few levels deep, check the file`]);
    const q = parseKioskConfig({ checkpoint: { id: JSON.parse(`${'['.repeat(depth)}${']'.repeat(depth)}`) as unknown, name: 'x' } });
    expect(q.ok).toBe(false);
  });

  it('9.12 configuration: /dev/zero and oversized files are refused by size and kind, not read', async () => {
    expect(await loadKioskConfig('/dev/zero')).toEqual({ ok: false, problems: ['/dev/zero: is a device, not a regular file; fix: give the path of a JSON configuration file'] });
    const big = file(`{"checkpoint": {"id": "a", "name": "x"}}${' '.repeat(MAX_CONFIG_BYTES)}`);
    const r = await loadKioskConfig(big);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problems[0]).toContain(`is too large for a configuration (at most ${MAX_CONFIG_BYTES})`);
    expect((await loadKioskConfig(dir)).ok).toBe(false);
  });

  it('9.12 configuration: a FIFO does not hang `config check`', async () => {
    const fifo = join(dir, 'pipe.json');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    const r = await loadKioskConfig(fifo);
    expect(r).toEqual({ ok: false, problems: [`${fifo}: is a FIFO, not a regular file; fix: give the path of a JSON configuration file`] });
  }, 5000);

  it.each([
    ['   ', 'must not be blank'],
    ['', 'must not be blank'],
    ['卡口\n二号', 'no control characters'],
    ['gate\u0007', 'no control characters'],
    ['\u202egate', 'text-direction'],
    ['gate\ud800', 'lone surrogates'],
    ['x'.repeat(101), 'at most 100 characters'],
  ])('9.12 configuration: checkpoint name %j is refused (%s)', (name, why) => {
    const r = parseKioskConfig({ checkpoint: { id: 'a', name } });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problems.join('\n')).toContain(why);
  });

  it('9.12 configuration: ids, paths and labels are bounded too', () => {
    const bad = [
      { checkpoint, devices: { idcard: { source: 'simulated', id: 'x'.repeat(65) } } },
      { checkpoint, devices: { thermometer: { source: 'serial', path: `/dev/${'x'.repeat(1100)}`, protocol: 'ascii' } } },
      { checkpoint, devices: { thermometer: { source: 'serial', path: 'ttyUSB0\n', protocol: 'ascii' } } },
      { checkpoint, devices: { thermometer: { source: 'serial', usb: { vendorId: '1a86', productId: '7523', serialNumber: 's'.repeat(65) }, protocol: 'ascii' } } },
      { checkpoint, policy: { version: 'v'.repeat(33) } },
      { checkpoint, policy: { name: 'a\u0000b' } },
    ];
    for (const b of bad) expect(parseKioskConfig(b).ok, JSON.stringify(b).slice(0, 120)).toBe(false);
  });
});
