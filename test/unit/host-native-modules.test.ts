import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { electronAbi, electronReadiness, unprivilegedUserNamespaces, type ReadinessProbe } from '../../main/cli/electron-readiness.js';
import { abiMismatch, assertNativeModulesLoadable, betterSqliteModule, currentRuntime, moduleAbiOf, NativeModuleAbiError } from '../../main/host/native-modules.js';
import { readFileSync } from 'node:fs';
import { tempDataDir } from '../fixtures/store/temp-data-dir.js';

/**
 * The start-up check that a native module was built for the runtime that loads it (issue 13, item 1):
 * read from the real compiled better-sqlite3 here, compared with `process.versions.modules`, and with
 * a module built for another ABI.
 */
const ROOT = join(import.meta.dirname, '..', '..');
const require = createRequire(import.meta.url);

let tmp: ReturnType<typeof tempDataDir>;
beforeEach(() => {
  tmp = tempDataDir('kiosk-abi-');
});
afterEach(() => tmp.cleanup());

/** A stand-in addon: an ELF header and the registration symbol a module built for `abi` exports. */
function fakeAddon(symbol: string): string {
  const file = join(tmp.dir, `${symbol}.node`);
  writeFileSync(file, Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]), Buffer.alloc(200), Buffer.from(`\0${symbol}\0napi_module_register\0`), Buffer.alloc(64)]));
  return file;
}

describe('native module ABI', () => {
  it('reads the ABI of the real better-sqlite3 build: the one this Node loads it with', () => {
    const m = betterSqliteModule();
    expect(moduleAbiOf(readFileSync(m.file))).toEqual({ kind: 'node-abi', abi: Number(process.versions.modules) });
    // The module does load here: the check agrees with Node's own loader.
    const Database = require('better-sqlite3') as new (f: string) => { close(): void };
    new Database(':memory:').close();
    expect(() => assertNativeModulesLoadable()).not.toThrow();
  });

  it('recognises a Node-API addon (loads on any runtime): the real serialport binding', () => {
    const file = join(ROOT, 'node_modules', '@serialport', 'bindings-cpp', 'prebuilds', 'linux-x64', '@serialport+bindings-cpp.glibc.node');
    expect(moduleAbiOf(readFileSync(file))).toEqual({ kind: 'napi' });
    expect(abiMismatch({ name: 'serialport', file }, { abi: 150, name: 'Electron 45.5.0' })).toBeNull();
  });

  it('the real better-sqlite3 build under Electron 45 (ABI 150, from the electron package): a clear fatal message', () => {
    const electronAbiHere = electronAbi(join(ROOT, 'node_modules', 'electron'));
    expect(electronAbiHere).toBe(150);
    const msg = abiMismatch(betterSqliteModule(), { abi: electronAbiHere!, name: 'Electron 45.5.0' });
    expect(msg).toContain(`better-sqlite3 was built for Node.js 20 (ABI ${process.versions.modules}), but this runtime is Electron 45.5.0, which needs Electron 45 (ABI 150)`);
    expect(msg).toMatch(/Fix: the package must carry modules rebuilt for Electron/);
  });

  it('a module built for Electron, loaded by this Node: NativeModuleAbiError naming both and the fix', () => {
    const file = fakeAddon('node_register_module_v150');
    expect(moduleAbiOf(readFileSync(file))).toEqual({ kind: 'node-abi', abi: 150 });
    const err = (() => {
      try {
        assertNativeModulesLoadable(currentRuntime(), [{ name: 'better-sqlite3', file }]);
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(err).toBeInstanceOf(NativeModuleAbiError);
    expect((err as Error).message).toContain(`built for Electron 45 (ABI 150), but this runtime is Node.js ${process.version}, which needs Node.js 20 (ABI 115)`);
    expect((err as Error).message).toContain('npm rebuild better-sqlite3');
  });

  it('an unreadable module file is reported, not ignored', () => {
    expect(abiMismatch({ name: 'better-sqlite3', file: join(tmp.dir, 'missing.node') }, currentRuntime())).toMatch(/cannot be read \(ENOENT\)/);
  });
});

describe('kiosk start: can the Electron binary run the kiosk here?', () => {
  /** A fake electron package (abi_version 150, dist/electron, chrome-sandbox) and a probe over it. */
  function fakeElectron(opts: { sandbox: { uid: number; mode: number }; userns: boolean }): { bin: string; pkg: string; probe: ReadinessProbe } {
    const pkg = join(tmp.dir, 'electron');
    mkdirSync(join(pkg, 'dist'), { recursive: true });
    writeFileSync(join(pkg, 'abi_version'), '150');
    writeFileSync(join(pkg, 'package.json'), JSON.stringify({ version: '45.5.0' }));
    const bin = join(pkg, 'dist', 'electron');
    const probe: ReadinessProbe = {
      readFile: (p) => readFileSync(p),
      stat: (p) => (p === join(pkg, 'dist', 'chrome-sandbox') ? opts.sandbox : null),
      sysctl: (p) => (p.endsWith('apparmor_restrict_unprivileged_userns') ? (opts.userns ? '0' : '1') : null),
    };
    return { bin, pkg, probe };
  }

  it('modules built for Node (this tree after npm ci): says so, so kiosk start falls back to browser mode', () => {
    const { bin, pkg, probe } = fakeElectron({ sandbox: { uid: 0, mode: 0o104755 }, userns: true });
    const reason = electronReadiness(bin, pkg, { probe });
    expect(reason).toMatch(/native modules are built for Node\.js, not for Electron: better-sqlite3 was built for Node\.js 20 \(ABI 115\).*Electron 45 \(ABI 150\)/);
  });

  it('modules built for Electron and a working sandbox: ready', () => {
    const { bin, pkg, probe } = fakeElectron({ sandbox: { uid: 0, mode: 0o104755 }, userns: false });
    expect(electronReadiness(bin, pkg, { probe, modules: [{ name: 'better-sqlite3', file: fakeAddon('node_register_module_v150') }] })).toBeNull();
  });

  it('user namespaces restricted (Ubuntu 24.04) and chrome-sandbox not root 4755: the fix, never --no-sandbox', () => {
    const { bin, pkg, probe } = fakeElectron({ sandbox: { uid: 1000, mode: 0o100755 }, userns: false });
    const reason = electronReadiness(bin, pkg, { probe, modules: [{ name: 'better-sqlite3', file: fakeAddon('node_register_module_v150') }] });
    expect(reason).toContain('not root-owned with mode 4755');
    expect(reason).toContain(`sudo chown root:root ${join(pkg, 'dist', 'chrome-sandbox')} && sudo chmod 4755`);
    // With user namespaces allowed Chromium does not need the helper.
    const ok = fakeElectron({ sandbox: { uid: 1000, mode: 0o100755 }, userns: true });
    expect(electronReadiness(ok.bin, ok.pkg, { probe: ok.probe, modules: [{ name: 'better-sqlite3', file: fakeAddon('node_register_module_v150') }] })).toBeNull();
  });

  it('reads the user-namespace sysctls both ways', () => {
    const probe = (values: Record<string, string>): ReadinessProbe => ({ readFile: readFileSync, stat: () => null, sysctl: (p) => values[p] ?? null });
    expect(unprivilegedUserNamespaces(probe({}))).toBe(true);
    expect(unprivilegedUserNamespaces(probe({ '/proc/sys/kernel/apparmor_restrict_unprivileged_userns': '1' }))).toBe(false);
    expect(unprivilegedUserNamespaces(probe({ '/proc/sys/kernel/unprivileged_userns_clone': '0' }))).toBe(false);
  });
});
