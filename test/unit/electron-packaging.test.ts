import { Ajv } from 'ajv';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
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
  asar: { smartUnpack: boolean };
  asarUnpack: string[];
  extraFiles: { from: string; to: string }[];
  beforePack: string;
  electronFuses: Record<string, boolean>;
  linux: { executableArgs: string[]; target: { target: string; arch: string[] }[] };
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

/** The fpm arguments that map a file of the repository into the package: `source=destination`. */
const fpmMappings = () => config.deb.fpm.filter((a) => a.includes('=') && !a.startsWith('-')).map((a) => a.split('=') as [string, string]);

describe('electron-builder.yml: installation on a kiosk (issue 12)', () => {
  const validate = (schemaFile: string) => {
    const ajv = new Ajv({ allErrors: true, strict: false });
    const check = ajv.compile(JSON.parse(readFileSync(schemaFile, 'utf8')) as object);
    return { ok: check(config), errors: (check.errors ?? []).map((e) => `${e.instancePath || '(top)'} ${e.message} ${JSON.stringify(e.params)}`) };
  };

  it("validates against electron-builder's own configuration schema (26.17.0, kept in packaging/)", () => {
    const r = validate(join(ROOT, 'packaging', 'electron-builder-schema.json'));
    expect(r.errors).toEqual([]);
    expect(r.ok).toBe(true);
  });

  it('the schema check can fail: a top-level smartUnpack (where it once was) and an unknown arch are refused', () => {
    const ajv = new Ajv({ allErrors: true, strict: false });
    const check = ajv.compile(JSON.parse(readFileSync(join(ROOT, 'packaging', 'electron-builder-schema.json'), 'utf8')) as object);
    const broken = structuredClone(config) as unknown as Record<string, unknown> & { linux: { target: { arch: string[] }[] } };
    broken.smartUnpack = false;
    broken.linux.target[0]!.arch = ['x86'];
    expect(check(broken)).toBe(false);
    const messages = (check.errors ?? []).map((e) => JSON.stringify(e.params));
    expect(messages.some((m) => m.includes('smartUnpack'))).toBe(true);
  });

  it("also validates against the installed electron-builder's schema, where it is installed (the packaging machine)", () => {
    const installed = join(ROOT, 'node_modules', 'app-builder-lib', 'scheme.json');
    if (!existsSync(installed)) {
      expect(existsSync(join(ROOT, 'node_modules', 'app-builder-lib'))).toBe(false);
      return;
    }
    expect(validate(installed).errors).toEqual([]);
  });

  it('builds a deb and an AppImage, each for x64 and arm64', () => {
    const targets = Object.fromEntries(config.linux.target.map((t) => [t.target, [...t.arch].sort()]));
    expect(targets).toEqual({ deb: ['arm64', 'x64'], AppImage: ['arm64', 'x64'] });
  });

  it('keeps every native module out of the asar, deterministically (no smart guessing)', () => {
    expect(config.asarUnpack).toEqual(['**/*.node']);
    expect(config.asar.smartUnpack).toBe(false);
  });

  it('every file it references exists: extra files, the files fpm installs, the beforePack hook', () => {
    const referenced = [...config.extraFiles.map((f) => f.from), ...fpmMappings().map(([src]) => src), config.beforePack];
    expect(referenced.length).toBeGreaterThanOrEqual(10);
    for (const f of referenced) expect(existsSync(join(ROOT, f)), f).toBe(true);
  });

  it('the deb installs the CLI, the service unit, the kiosk user, the udev rules and the site settings where systemd and udev read them', () => {
    expect(Object.fromEntries(fpmMappings().map(([src, dest]) => [dest, src]))).toEqual({
      '/usr/bin/kiosk': 'packaging/linux/kiosk',
      '/lib/systemd/system/checkpoint-kiosk.service': 'packaging/linux/checkpoint-kiosk.service',
      '/usr/lib/sysusers.d/checkpoint-kiosk.conf': 'packaging/linux/checkpoint-kiosk.sysusers',
      '/lib/udev/rules.d/60-checkpoint-kiosk.rules': 'packaging/linux/60-checkpoint-kiosk.rules',
      '/etc/default/checkpoint-kiosk': 'packaging/linux/checkpoint-kiosk.default',
    });
    // The AppImage carries the same files for the set-up script to install.
    for (const [src] of fpmMappings()) expect(config.extraFiles.map((f) => f.from)).toContain(src);
    expect(config.deb.depends).toContain('seatd');
  });

  it('the beforePack hook refuses a staging tree built on another architecture, and passes a matching one', () => {
    const hook = createRequire(import.meta.url)(join(ROOT, config.beforePack)) as {
      stageMismatch: (stage: { platform: string; arch: string }, target: { platform: string; arch: string }) => string | null;
      ARCH_NAMES: Record<number, string>;
    };
    // builder-util's Arch enum: ia32, x64, armv7l, arm64, universal.
    expect(hook.ARCH_NAMES).toEqual({ 0: 'ia32', 1: 'x64', 2: 'armv7l', 3: 'arm64', 4: 'universal' });
    expect(hook.stageMismatch({ platform: 'linux', arch: 'x64' }, { platform: 'linux', arch: 'x64' })).toBeNull();
    expect(hook.stageMismatch({ platform: 'linux', arch: 'x64' }, { platform: 'linux', arch: 'arm64' })).toMatch(/built for x64, the target is arm64/);
    const stage = readFileSync(join(ROOT, 'scripts', 'stage-electron-app.ts'), 'utf8');
    expect(stage).toMatch(/writeFileSync\(join\(stage, 'stage\.json'\), .*arch: process\.arch/);
  });
});
