import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const kiosk = (...args: string[]) => spawnSync(process.execPath, [join(root, 'bin/kiosk.js'), ...args], { cwd: root, encoding: 'utf8', timeout: 20_000 });
const fixture = (name: string) => join(root, 'test/fixtures/engine', name);

beforeAll(() => {
  if (!existsSync(join(root, 'dist/cli.js'))) throw new Error('dist/cli.js is missing: run `npm run build` (npm test does it first)');
});

describe('kiosk config check', () => {
  it('exit 0 for a valid file, with a one-line summary', () => {
    const r = kiosk('config', 'check', fixture('kiosk-config.json'));
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^ok: .*kiosk-config\.json is valid \(checkpoint yk-qiancang-330, station card-then-temp, policy yk-2020@3 hard, fever ≥ 37\.3 °C\)\n$/);
  });

  it('exit 2 and exactly one line per problem', () => {
    const r = kiosk('config', 'check', fixture('kiosk-config-bad.json'));
    expect(r.status).toBe(2);
    expect(r.stdout.trimEnd().split('\n')).toEqual([
      'checkpoint.id: "yk qiancang" has the wrong format; fix: letters, digits, ".", "_" or "-" (1–64 characters), e.g. "yk-qiancang-330"',
      'station.mode: "card-first" is not allowed; fix: use one of "card-then-temp", "temp-then-card", "temp-only"',
      'screening.timeouts.resultMs: 100 is out of range; fix: use a value of at least 500',
      'policy.feverThresholdC: 41 is out of range; fix: use a value of at most 40',
      'policy.colourActions.red: "deny" is not allowed; fix: use one of "hold", "hold-for-registration", "pass-with-notice"',
      '(top level): unknown field "devcies"; fix: remove it or correct the spelling',
    ]);
    expect(r.stderr).toContain('6 problems');
  });

  it('exit 2 for a missing file or broken JSON, saying what to fix', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiosk-cli-'));
    const missing = kiosk('config', 'check', join(dir, 'absent.json'));
    expect(missing.status).toBe(2);
    expect(missing.stdout).toMatch(/cannot read the file \(ENOENT\)/);
    writeFileSync(join(dir, 'broken.json'), '{ "checkpoint": { "id": "a", }');
    const broken = kiosk('config', 'check', join(dir, 'broken.json'));
    expect(broken.status).toBe(2);
    expect(broken.stdout).toMatch(/not valid JSON/);
  });

  it('usage errors exit 2', () => {
    expect(kiosk('config').status).toBe(2);
    expect(kiosk('config', 'check').stderr).toMatch(/name the configuration file/);
    expect(kiosk('config', 'verify', 'x').status).toBe(2);
  });

  it('config print shows the effective configuration with defaults', () => {
    const r = kiosk('config', 'print', fixture('kiosk-config.json'));
    expect(r.status).toBe(0);
    const c = JSON.parse(r.stdout) as { policy: { colourActions: Record<string, string> }; screening: { timeouts: { resultMs: number } } };
    expect(c.policy.colourActions.yellow).toBe('hold-for-registration');
    expect(c.screening.timeouts.resultMs).toBe(4000);
  });
});
