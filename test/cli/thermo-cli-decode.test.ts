import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { GY_VECTORS, gyFrame } from '../fixtures/thermo/vectors.js';

// Spawns the built CLI (`npm test` builds first; run `npm run build` when running this file alone).
const root = fileURLToPath(new URL('../..', import.meta.url));
const kiosk = (args: string[], input?: string) =>
  spawnSync(process.execPath, ['bin/kiosk.js', 'decode', 'thermo', ...args], { cwd: root, input: input ?? '', encoding: 'utf8', timeout: 20_000 });
const jsonLines = (s: string) => s.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);

beforeAll(() => {
  expect(existsSync(`${root}/dist/cli.js`), 'dist/cli.js missing: run npm run build').toBe(true);
});

describe('kiosk decode thermo --protocol gy-mcu90614', () => {
  it('decodes the reference vectors given as spaced hex arguments', () => {
    const r = kiosk(['--protocol', 'gy-mcu90614', ...GY_VECTORS.map((v) => v.frame)]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(jsonLines(r.stdout)).toEqual([
      { objectC: 31.92, ambientC: 33.53 },
      { objectC: 34.56, ambientC: 25 },
      { objectC: -5, ambientC: 22 },
    ]);
  });

  it('prints {error: "checksum", frame} for a bad sum, skips garbage and resyncs (stdin)', () => {
    const r = kiosk(['--protocol', 'gy-mcu90614'], '00 ff 5a 5a 45 04 0c 78 0d 19 a8\n5a5a45040d8009c457 13\n');
    expect(r.status).toBe(0);
    expect(jsonLines(r.stdout)).toEqual([{ error: 'checksum', frame: '5A 5A 45 04 0C 78 0D 19 A8' }, { objectC: 34.56, ambientC: 25 }]);
  });

  it('adds outOfRange: true for a value outside the rated range, value unchanged', () => {
    const r = kiosk(['--protocol', 'gy-mcu90614', gyFrame(-8000, 2500).toString('hex')]);
    expect(jsonLines(r.stdout)).toEqual([{ objectC: -80, ambientC: 25, outOfRange: true }]);
  });

  it('notes a frame cut off at the end on stderr', () => {
    const r = kiosk(['--protocol', 'gy-mcu90614', '5A 5A 45 04 0C']);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/skipped "5A 5A 45 04 0C": input ended inside a frame/);
  });
});

describe('kiosk decode thermo --protocol optris-ct', () => {
  it('decodes 2-byte replies: 04 D3 → 23.5, 05 55 → 36.5', () => {
    const r = kiosk(['--protocol', 'optris-ct', '04 D3 05 55']);
    expect(r.status).toBe(0);
    expect(jsonLines(r.stdout)).toEqual([{ objectC: 23.5 }, { objectC: 36.5 }]);
  });
});

describe('kiosk decode thermo --protocol ascii', () => {
  it('decodes Raytek and module lines given as arguments; "*" is a device error', () => {
    const r = kiosk(['--protocol', 'ascii', '!T36.5', '024!T36.5', '!1T=36.5', '*Syntax error', 'T:34.55 TA:25.00', 'hello']);
    expect(r.status).toBe(0);
    expect(jsonLines(r.stdout)).toEqual([
      { objectC: 36.5 },
      { objectC: 36.5 },
      { objectC: 36.5 },
      { error: 'device-error', frame: '*Syntax error' },
      { objectC: 34.55, ambientC: 25 },
    ]);
    expect(r.stderr).toMatch(/skipped "hello"/);
  });

  it('reads CRLF text from stdin in °F and converts it to °C', () => {
    const r = kiosk(['--protocol', 'ascii', '--unit', 'F'], '!T97.7\r\n!T212.0\r\n');
    const [a, b] = jsonLines(r.stdout) as { objectC: number }[];
    expect(a!.objectC).toBeCloseTo(36.5, 10);
    expect(b!.objectC).toBeCloseTo(100, 10);
  });

  it('uses a custom --pattern with a named ambient group', () => {
    const r = kiosk(['--protocol', 'ascii', '--pattern', '/^OBJ=(\\d+\\.\\d+);AMB=(?<ambient>\\d+\\.\\d+)$/', 'OBJ=34.20;AMB=24.80']);
    expect(jsonLines(r.stdout)).toEqual([{ objectC: 34.2, ambientC: 24.8 }]);
  });
});

describe('kiosk decode thermo: usage errors exit 2 with one line saying what to fix', () => {
  it.each([
    [['00'], /say which protocol .*--protocol gy-mcu90614/],
    [['--protocol', 'mlx', '00'], /unknown protocol "mlx": use --protocol with one of gy-mcu90614, gy-mcu90615, optris-ct, ascii/],
    [['--protocol', 'gy-mcu90614', '5A 5'], /odd number of hex digits/],
    [['--protocol', 'gy-mcu90614', 'ZZ'], /not a hex digit/],
    [['--protocol', 'ascii', '--pattern', '/T=(/', 'T=1'], /--pattern "\/T=\(\/" is not a valid regular expression/],
    [['--protocol', 'ascii', '--pattern', 'T=\\d+', 'T=1'], /--pattern .* has no capture group/],
    [['--protocol', 'ascii', '--unit', 'K', 'T:1'], /--unit "K" is not a unit: use --unit C or --unit F/],
    [['--protocol', 'optris-ct', '--unit', 'F', '04D3'], /--pattern and --unit apply to --protocol ascii only/],
  ])('%j', (args, message) => {
    const r = kiosk(args);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(message);
  });
});
