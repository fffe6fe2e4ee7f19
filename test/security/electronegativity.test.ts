import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * Electronegativity (doyensec) over the Electron shell sources and the shipped renderer page.
 * Offline: the check that downloads Electron's release list is excluded, and the Electron version
 * is given. The renderer page is the built one (dist/renderer/index.html), whose CSP carries the
 * app.js hash stamped by the build; `npm test` builds first.
 */
const root = join(import.meta.dirname, '..', '..');
const bin = join(root, 'node_modules', '.bin', 'electronegativity');
const staging = mkdtempSync(join(tmpdir(), 'kiosk-eng-'));

afterAll(() => rmSync(staging, { recursive: true, force: true }));

interface SarifResult {
  ruleId: string;
  message: { text: string };
  locations?: { physicalLocation?: { artifactLocation?: { uri?: string }; region?: { startLine?: number } } }[];
}

describe('electronegativity', () => {
  it('reports no finding over main/electron and the renderer', async () => {
    const builtPage = join(root, 'dist', 'renderer', 'index.html');
    expect(existsSync(builtPage), 'dist/renderer/index.html is missing: run `npm run build`').toBe(true);
    cpSync(join(root, 'main', 'electron'), join(staging, 'electron'), { recursive: true });
    cpSync(join(root, 'renderer'), join(staging, 'renderer'), { recursive: true, filter: (src) => !src.endsWith('index.html') });
    cpSync(builtPage, join(staging, 'renderer', 'index.html'));
    const sarif = join(staging, 'report.sarif');
    await promisify(execFile)(bin, ['-i', staging, '-x', 'AvailableSecurityFixesGlobalCheck', '-e', '45.5.0', '-o', sarif], {
      cwd: root,
      timeout: 90_000,
      env: { ...process.env, LANG: 'en-US' },
    });
    const report = JSON.parse(readFileSync(sarif, 'utf8')) as { runs: { results: SarifResult[] }[] };
    const findings = report.runs.flatMap((r) => r.results).map((r) => {
      const loc = r.locations?.[0]?.physicalLocation;
      return `${r.ruleId} ${loc?.artifactLocation?.uri ?? ''}:${loc?.region?.startLine ?? ''} ${r.message.text}`;
    });
    expect(findings).toEqual([]);
  }, 120_000);

  it('does report a misconfigured window (the scanner really reads TypeScript)', async () => {
    const bad = join(staging, 'control');
    mkdirSync(bad, { recursive: true });
    writeFileSync(
      join(bad, 'bad-window.ts'),
      "import { BrowserWindow } from 'electron';\nexport const w = new BrowserWindow({ webPreferences: { nodeIntegration: true, contextIsolation: false, sandbox: false } });\n",
    );
    const sarif = join(staging, 'control.sarif');
    await promisify(execFile)(bin, ['-i', bad, '-x', 'AvailableSecurityFixesGlobalCheck', '-e', '45.5.0', '-o', sarif], { cwd: root, timeout: 90_000 });
    const report = JSON.parse(readFileSync(sarif, 'utf8')) as { runs: { results: SarifResult[] }[] };
    const rules = new Set(report.runs.flatMap((r) => r.results).map((r) => r.ruleId));
    expect(rules).toContain('CONTEXT_ISOLATION_JS_CHECK');
    expect(rules).toContain('SANDBOX_JS_CHECK');
  }, 120_000);
});
