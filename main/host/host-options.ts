import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadKioskConfig, parseKioskConfig, type KioskConfig } from '../config/kiosk-config.js';
import { defaultDataDir } from '../store/data-dir.js';
import { parseScenarioList, type ScenarioStep } from './scenario-conductor.js';

export interface HostOptions {
  browser: boolean;
  simulate: boolean;
  port: number;
  dataDir: string;
  configFile: string | null;
  scenarios: ScenarioStep[] | null;
  /** The --scenario text as given (passed on to the host process unchanged), or null. */
  scenarioSpec?: string | null;
}

/** A bad option: one line saying what is wrong and how to fix it. */
export class HostOptionError extends Error {
  override name = 'HostOptionError';
}

export const HOST_OPTION_SPEC = {
  browser: { type: 'boolean', default: false },
  sim: { type: 'boolean', default: false },
  port: { type: 'string' },
  data: { type: 'string' },
  config: { type: 'string' },
  scenario: { type: 'string' },
  electron: { type: 'boolean', default: false },
} as const;

/**
 * Parses `[--browser] [--sim] [--port N] [--data DIR] [--config FILE] [--scenario a,b,c]`; every
 * value option is also accepted as `--name=value`. The one parser for `kiosk start`, the host
 * process (dist/host.js) and the Electron shell (main.ts), so all three agree on the data directory.
 */
export function parseHostOptions(args: string[], env: NodeJS.ProcessEnv = process.env): HostOptions {
  const { values } = parseArgs({ args, options: HOST_OPTION_SPEC, strict: true, allowPositionals: false });
  let port = 0;
  if (values.port !== undefined) {
    if (!/^\d{1,5}$/.test(values.port) || Number(values.port) > 65535) throw new HostOptionError(`--port "${values.port}" is not a port number; give 0–65535 (0 picks a free port)`);
    port = Number(values.port);
  }
  let scenarios: ScenarioStep[] | null = null;
  if (values.scenario !== undefined) {
    try {
      scenarios = parseScenarioList(values.scenario);
    } catch (err) {
      throw new HostOptionError(err instanceof Error ? err.message : String(err));
    }
  }
  const dataDir = values.data ?? defaultDataDir(env);
  return { browser: values.browser, simulate: values.sim || scenarios !== null, port, dataDir, configFile: values.config ?? null, scenarios, scenarioSpec: values.scenario ?? null };
}

/**
 * The arguments a launcher passes on to the host (through the Electron shell): the parsed options
 * written back in `--name=value` form, with the data directory always explicit so the shell's key
 * and the host's database are in one directory whatever the environment of either process.
 * Browser-mode options (--browser, --port) are the launcher's own and are left out.
 */
export function hostArgsFor(opts: HostOptions): string[] {
  const out = [`--data=${opts.dataDir}`];
  if (opts.simulate) out.push('--sim');
  if (opts.configFile !== null) out.push(`--config=${opts.configFile}`);
  if (opts.scenarioSpec) out.push(`--scenario=${opts.scenarioSpec}`);
  return out;
}

/** The configuration file used when --config is not given: `<data>/config.json`, if present. */
export const DATA_DIR_CONFIG = 'config.json';

/**
 * A kiosk with no configuration: one checkpoint, simulated devices, and every other default as a
 * real kiosk has it (the same body-temperature model in simulation and on real devices).
 */
export const DEFAULT_CONFIG_INPUT = {
  checkpoint: { id: 'checkpoint-1', name: '体温检测点' },
};

/** Loads `--config`, else `<data>/config.json`, else the default; every problem is one line. */
export async function loadHostConfig(opts: Pick<HostOptions, 'configFile' | 'dataDir'>): Promise<{ config: KioskConfig; source: string }> {
  const file = opts.configFile ?? (existsSync(join(opts.dataDir, DATA_DIR_CONFIG)) ? join(opts.dataDir, DATA_DIR_CONFIG) : null);
  const r = file ? await loadKioskConfig(file) : parseKioskConfig(DEFAULT_CONFIG_INPUT);
  if (!r.ok) throw new HostOptionError(`${file ?? 'default configuration'} is not valid:\n  ${r.problems.join('\n  ')}`);
  return { config: r.config, source: file ?? 'built-in default (simulated devices)' };
}
