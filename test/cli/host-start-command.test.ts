import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { findElectronBinary } from '../../main/cli/commands/start.js';

/** `kiosk start` as a spawned CLI (`npm test` builds dist/ first). */
const ROOT = join(import.meta.dirname, '..', '..');
const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'kiosk-start-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string; firstLine: string | null }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, ['bin/kiosk.js', 'start', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let firstLine: string | null = null;
    createInterface({ input: p.stdout }).once('line', (l) => {
      firstLine = l;
      p.kill('SIGTERM');
    });
    p.stdout.on('data', (c) => (stdout += c));
    p.stderr.on('data', (c) => (stderr += c));
    const killer = setTimeout(() => p.kill('SIGKILL'), 30_000);
    p.on('exit', (code) => {
      clearTimeout(killer);
      resolve({ code, stdout, stderr, firstLine });
    });
  });
}

describe('kiosk start', () => {
  it('finds no Electron binary here (it cannot be downloaded) without requiring the electron package', () => {
    expect(findElectronBinary(ROOT)).toBeNull();
    expect(findElectronBinary(tmp())).toBeNull();
  });

  it('falls back to browser mode with a clear message; the first stdout line is the URL with its token', async () => {
    const r = await run(['--sim', '--port', '0', '--data', tmp()]);
    expect(r.stderr).toContain("Electron's binary is not installed");
    expect(r.stderr).toContain('browser mode');
    expect(r.firstLine).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]{32}$/);
    expect(r.code, r.stderr.slice(-2000)).toBe(0); // stopped cleanly on SIGTERM
  }, 40_000);

  it('--browser skips the Electron check; two launches get different tokens', async () => {
    const a = await run(['--browser', '--sim', '--port', '0', '--data', tmp()]);
    const b = await run(['--browser', '--sim', '--port', '0', '--data', tmp()]);
    expect(a.stderr).not.toContain("Electron's binary");
    expect(new URL(a.firstLine!).searchParams.get('token')).not.toBe(new URL(b.firstLine!).searchParams.get('token'));
  }, 60_000);

  it('rejects bad options with one line naming the fix (exit 2)', async () => {
    const bad = await run(['--browser', '--scenario', 'normal,fevr', '--data', tmp()]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/unknown scenario "fevr".*valid:/);
    const port = await run(['--browser', '--port', 'eighty', '--data', tmp()]);
    expect(port.code).toBe(2);
    expect(port.stderr).toContain('--port "eighty" is not a port number');
  }, 60_000);

  it('names the bad field of a configuration file', async () => {
    const dir = tmp();
    const cfg = join(dir, 'kiosk.json');
    writeFileSync(cfg, JSON.stringify({ checkpoint: { id: 'x', name: 'y' }, policy: { feverThresholdC: 45 } }));
    const r = await run(['--browser', '--sim', '--config', cfg, '--data', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('policy.feverThresholdC');
  }, 40_000);
});
