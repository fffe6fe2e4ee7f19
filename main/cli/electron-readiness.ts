import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { abiMismatch, betterSqliteModule, type NativeModule } from '../host/native-modules.js';

/**
 * Whether an Electron binary found in development can run this kiosk. Two things stop it where
 * `npm ci` left the tree as it is for Node (see docs/electron-runtime.md):
 * - better-sqlite3 compiled for Node's ABI (115) while Electron 45 needs 150: the host could not
 *   open its store;
 * - Chromium's setuid sandbox helper not installed root-owned 4755 on a system that restricts
 *   unprivileged user namespaces (Ubuntu 24.04's AppArmor default): Electron aborts at launch with
 *   "The SUID sandbox helper binary was found, but is not configured correctly".
 * `kiosk start` then says which, with the fix, and runs in browser mode instead.
 */

export interface ReadinessProbe {
  readFile(path: string): Buffer;
  stat(path: string): { uid: number; mode: number } | null;
  /** Contents of a /proc/sys file, or null when absent. */
  sysctl(path: string): string | null;
}

const realProbe: ReadinessProbe = {
  readFile: (p) => readFileSync(p),
  stat: (p) => {
    try {
      const s = statSync(p);
      return { uid: s.uid, mode: s.mode };
    } catch {
      return null;
    }
  },
  sysctl: (p) => {
    try {
      return readFileSync(p, 'utf8').trim();
    } catch {
      return null;
    }
  },
};

/** The ABI the installed Electron needs, from the `abi_version` file its npm package ships. */
export function electronAbi(electronPackageDir: string, probe: ReadinessProbe = realProbe): number | null {
  try {
    const n = Number(probe.readFile(join(electronPackageDir, 'abi_version')).toString('utf8').trim());
    return Number.isInteger(n) && n > 0 ? n : null;
  } catch {
    return null;
  }
}

/** True when this kernel lets an unprivileged process create user namespaces (Chromium's preferred sandbox). */
export function unprivilegedUserNamespaces(probe: ReadinessProbe = realProbe): boolean {
  if (probe.sysctl('/proc/sys/kernel/apparmor_restrict_unprivileged_userns') === '1') return false;
  if (probe.sysctl('/proc/sys/kernel/unprivileged_userns_clone') === '0') return false;
  return true;
}

/** Null when the binary can run the kiosk; otherwise why not, and how to fix it. */
export function electronReadiness(
  electronBinary: string,
  electronPackageDir: string,
  opts: { probe?: ReadinessProbe; modules?: NativeModule[] } = {},
): string | null {
  const probe = opts.probe ?? realProbe;
  const abi = electronAbi(electronPackageDir, probe);
  const version = (() => {
    try {
      return (JSON.parse(probe.readFile(join(electronPackageDir, 'package.json')).toString('utf8')) as { version?: string }).version ?? '?';
    } catch {
      return '?';
    }
  })();
  if (abi !== null) {
    for (const m of opts.modules ?? [betterSqliteModule()]) {
      const problem = abiMismatch(m, { abi, name: `Electron ${version}` }, probe.readFile);
      if (problem) {
        return `the native modules are built for Node.js, not for Electron: ${problem}. In development the kiosk runs on Node; the Electron kiosk runs from the staged package (scripts/stage-electron-app.ts, docs/electron-runtime.md)`;
      }
    }
  }
  if (process.platform === 'linux' && !unprivilegedUserNamespaces(probe)) {
    const sandbox = join(dirname(electronBinary), 'chrome-sandbox');
    const s = probe.stat(sandbox);
    if (s && !(s.uid === 0 && (s.mode & 0o7777) === 0o4755)) {
      return `this system restricts unprivileged user namespaces, so Chromium needs its setuid sandbox helper, and ${sandbox} is not root-owned with mode 4755 (Electron would abort: "SUID sandbox helper binary ... not configured correctly"). Fix: \`sudo chown root:root ${sandbox} && sudo chmod 4755 ${sandbox}\` (never --no-sandbox)`;
    }
  }
  return null;
}

/** The electron package folder that holds `binary` (node_modules/electron/dist/electron → node_modules/electron). */
export function electronPackageDirOf(binary: string): string {
  const dist = dirname(binary);
  return existsSync(join(dirname(dist), 'package.json')) ? dirname(dist) : dist;
}
