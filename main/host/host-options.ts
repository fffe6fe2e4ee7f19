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

/** Parses `[--browser] [--sim] [--port N] [--data DIR] [--config FILE] [--scenario a,b,c]`. */
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
  return { browser: values.browser, simulate: values.sim || scenarios !== null, port, dataDir, configFile: values.config ?? null, scenarios };
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
export async function loadHostConfig(opts: HostOptions): Promise<{ config: KioskConfig; source: string }> {
  const file = opts.configFile ?? (existsSync(join(opts.dataDir, DATA_DIR_CONFIG)) ? join(opts.dataDir, DATA_DIR_CONFIG) : null);
  const r = file ? await loadKioskConfig(file) : parseKioskConfig(DEFAULT_CONFIG_INPUT);
  if (!r.ok) throw new HostOptionError(`${file ?? 'default configuration'} is not valid:\n  ${r.problems.join('\n  ')}`);
  return { config: r.config, source: file ?? 'built-in default (simulated devices)' };
}
