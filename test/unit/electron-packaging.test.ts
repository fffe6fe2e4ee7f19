import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { KIOSK_CHROMIUM_SWITCHES } from '../../main/electron/launch-switches.js';

/**
 * electron-builder.yml, checked here since Electron cannot be downloaded on these machines
 * (issue 13, items 1, 2, 5, 9): the deb depends on electron-builder's defaults plus the kiosk's
 * own, the service's start line and the desktop entry both choose Wayland, the installed CLI runs on
 * the app's runtime, and no fuse that is a no-op on Linux is claimed.
 */
const ROOT = join(import.meta.dirname, '..', '..');
const config = parse(readFileSync(join(ROOT, 'electron-builder.yml'), 'utf8')) as {
  directories: { app: string };
  npmRebuild: boolean;
  asarUnpack: string[];
  extraFiles: { from: string; to: string }[];
  electronFuses: Record<string, boolean>;
  linux: { executableArgs: string[] };
  deb: { depends: string[]; recommends?: string[]; fpm: string[] };
};
const defaults = JSON.parse(readFileSync(join(ROOT, 'packaging', 'electron-builder-deb-defaults.json'), 'utf8')) as { depends: string[]; recommends: string[] };

/** electron-builder's own default list, read from its installed source (present on a packaging machine). */
function installedDefaultDepends(): string[] | null {
  const dir = join(ROOT, 'node_modules', 'app-builder-lib', 'out', 'targets');
  if (!existsSync(dir)) return null;
  const files = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('FpmTarget.js'));
  for (const f of files) {
    const m = /case "deb":\s*return (\[[^\]]*\])/.exec(readFileSync(join(dir, f), 'utf8'));
    if (m) return JSON.parse(m[1]!) as string[];
  }
  return null;
}

describe('electron-builder.yml', () => {
  it("the deb depends on every one of electron-builder's default dependencies (a depends list replaces them)", () => {
    expect(defaults.depends).toEqual(expect.arrayContaining(['libgtk-3-0', 'libnss3', 'libnotify4', 'libxss1', 'libxtst6', 'libatspi2.0-0']));
    const missing = defaults.depends.filter((d) => !config.deb.depends.includes(d));
    expect(missing).toEqual([]);
    // No recommends list: electron-builder's default recommends stay.
    expect(config.deb.recommends).toBeUndefined();
  });

  it('the recorded defaults are the installed electron-builder\'s, where it is installed', () => {
    const installed = installedDefaultDepends();
    if (installed === null) {
      // Not installed here (it needs Node 22 for its rebuild dependency); the packaging machine runs this part.
      expect(existsSync(join(ROOT, 'node_modules', 'app-builder-lib'))).toBe(false);
      return;
    }
    expect(defaults.depends).toEqual(installed);
  });

  it('and adds what the kiosk needs: the compositor, CJK fonts, sound output and GPU buffers', () => {
    expect(config.deb.depends).toEqual(expect.arrayContaining(['cage', 'fonts-noto-cjk', 'libasound2', 'libgbm1']));
    expect(new Set(config.deb.depends).size).toBe(config.deb.depends.length);
  });

  it('Wayland is chosen on the service start line and in the desktop entry alike', () => {
    expect(config.linux.executableArgs).toEqual([...KIOSK_CHROMIUM_SWITCHES]);
    const session = config.extraFiles.find((f) => f.to === 'checkpoint-kiosk-session');
    expect(session).toBeDefined();
    const script = readFileSync(join(ROOT, session!.from), 'utf8');
    const exec = script.split('\n').find((l) => l.startsWith('exec '));
    expect(exec).toBe(`exec /opt/CheckpointKiosk/checkpoint-kiosk ${KIOSK_CHROMIUM_SWITCHES.join(' ')} "$@"`);
    expect(statSync(join(ROOT, session!.from)).mode & 0o111).not.toBe(0);
  });

  it('the installed CLI runs on the app runtime as Node, so the runAsNode fuse is on (and nothing else is loosened)', () => {
    const cli = config.extraFiles.find((f) => f.to === 'kiosk');
    expect(cli).toBeDefined();
    const script = readFileSync(join(ROOT, cli!.from), 'utf8');
    expect(script).toMatch(/^ELECTRON_RUN_AS_NODE=1 exec "\$APP_DIR\/checkpoint-kiosk" "\$APP_DIR\/resources\/app\.asar\/bin\/kiosk\.js" "\$@"$/m);
    expect(config.deb.fpm).toContain(`${cli!.from}=/usr/bin/kiosk`);
    expect(config.electronFuses).toEqual({
      runAsNode: true,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      onlyLoadAppFromAsar: true,
      enableCookieEncryption: true,
      grantFileProtocolExtraPrivileges: false,
      loadBrowserProcessSpecificV8Snapshot: false,
      resetAdHocDarwinSignature: false,
    });
  });

  it('claims no Linux no-op: embedded asar integrity validation is macOS/Windows only', () => {
    expect(config.electronFuses).not.toHaveProperty('enableEmbeddedAsarIntegrityValidation');
  });

  it('packs the staged app (modules built for Electron there), never rebuilding in place', () => {
    expect(config.directories.app).toBe('release/app');
    expect(config.npmRebuild).toBe(false);
    expect(config.asarUnpack).toContain('**/*.node');
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts['electron:stage']).toBe('node --import tsx scripts/stage-electron-app.ts');
    expect(existsSync(join(ROOT, 'scripts', 'stage-electron-app.ts'))).toBe(true);
    for (const f of config.extraFiles) expect(existsSync(join(ROOT, f.from)), f.from).toBe(true);
  });
});
