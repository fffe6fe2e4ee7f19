import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * The host's native modules and the runtime they were built for. A Node-API module (`napi_register_
 * module_v1`, e.g. @serialport/bindings-cpp) runs on any runtime; a module built against V8 directly
 * (better-sqlite3) exports `node_register_module_v<ABI>` and loads only where
 * `process.versions.modules` is that ABI: 115 for Node 20, 150 for Electron 45. Checked at start-up
 * so a module built for the other runtime is one clear fatal message, not a host that dies in
 * `KioskStore.open` and is restarted forever. See docs/electron-runtime.md.
 */

export type ModuleAbi = { kind: 'node-abi'; abi: number } | { kind: 'napi' } | { kind: 'unknown' };

const NODE_ABI_SYMBOL = /node_register_module_v(\d{2,4})\b/;
const NAPI_SYMBOL = 'napi_register_module_v';

/** Reads which ABI a compiled addon was built for, from the registration symbol it exports (no loading). */
export function moduleAbiOf(bytes: Buffer): ModuleAbi {
  // Symbol names are plain ASCII in the dynamic string table; latin1 keeps every byte one char.
  const text = bytes.toString('latin1');
  const m = NODE_ABI_SYMBOL.exec(text);
  if (m) return { kind: 'node-abi', abi: Number(m[1]) };
  if (text.includes(NAPI_SYMBOL)) return { kind: 'napi' };
  return { kind: 'unknown' };
}

/** Runtime names for the ABIs this project meets (what a technician recognises). */
const KNOWN_ABIS: Readonly<Record<number, string>> = { 115: 'Node.js 20', 127: 'Node.js 22', 137: 'Node.js 24', 150: 'Electron 45' };

export function describeAbi(abi: number): string {
  return KNOWN_ABIS[abi] ? `${KNOWN_ABIS[abi]} (ABI ${abi})` : `ABI ${abi}`;
}

/** A native module cannot load in this runtime. The message says which, for what, and how to fix it. */
export class NativeModuleAbiError extends Error {
  readonly code = 'KIOSK_NATIVE_MODULE_ABI' as const;
  constructor(message: string) {
    super(message);
    this.name = 'NativeModuleAbiError';
  }
}

export interface NativeModule {
  name: string;
  /** The compiled addon file. */
  file: string;
}

export interface RuntimeAbi {
  abi: number;
  /** "Electron 45.5.0" or "Node.js v20.19.0". */
  name: string;
}

export function currentRuntime(): RuntimeAbi {
  const electron = (process.versions as Record<string, string | undefined>).electron;
  return { abi: Number(process.versions.modules), name: electron ? `Electron ${electron}` : `Node.js ${process.version}` };
}

/**
 * Null when `module` can load in `runtime`, else the fatal message: which module, which ABI it was
 * built for, which the runtime needs, and the command that fixes it.
 */
export function abiMismatch(module: NativeModule, runtime: RuntimeAbi, read: (file: string) => Buffer = readFileSync): string | null {
  let bytes: Buffer;
  try {
    bytes = read(module.file);
  } catch (err) {
    return `${module.name}: its compiled module ${module.file} cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)}); reinstall with \`npm ci\``;
  }
  const built = moduleAbiOf(bytes);
  if (built.kind !== 'node-abi' || built.abi === runtime.abi) return null;
  const fix =
    runtime.name.startsWith('Electron')
      ? 'the package must carry modules rebuilt for Electron (scripts/stage-electron-app.ts does it; see docs/electron-runtime.md)'
      : 'run `npm rebuild better-sqlite3` (or `npm ci`) to build it for this Node.js';
  return `${module.name} was built for ${describeAbi(built.abi)}, but this runtime is ${runtime.name}, which needs ${describeAbi(runtime.abi)}: it cannot load here (${module.file}). Fix: ${fix}`;
}

/** The addon better-sqlite3 loads (its `bindings` lookup: build/Release first). */
export function betterSqliteModule(resolveFrom: string = import.meta.url): NativeModule {
  const pkg = createRequire(resolveFrom).resolve('better-sqlite3/package.json');
  return { name: 'better-sqlite3', file: join(dirname(pkg), 'build', 'Release', 'better_sqlite3.node') };
}

/** Throws NativeModuleAbiError when a native module of the host was built for another runtime. */
export function assertNativeModulesLoadable(runtime: RuntimeAbi = currentRuntime(), modules: NativeModule[] = [betterSqliteModule()]): void {
  for (const m of modules) {
    const problem = abiMismatch(m, runtime);
    if (problem) throw new NativeModuleAbiError(problem);
  }
}
