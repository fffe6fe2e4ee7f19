import { parseKioskConfig, type KioskConfig } from '../config/kiosk-config.js';
import type { Settings } from '../store/settings.js';

/**
 * The settings a technician may change from the console, each a field of the kiosk configuration
 * (main/config/kiosk-config.ts). A change is stored as `config.<path>` in the settings table (with
 * its old and new value in settings_changes and the audit log) and validated by the configuration
 * schema itself before it is kept. The host applies the stored values over the configuration file
 * when it starts (`applySettingOverrides`), so a change takes effect at the next start of the host.
 *
 * Console-only settings (not configuration) use their own keys (`console.*`) and apply at once.
 */
export interface SettingSpec {
  key: string;
  group: 'policy' | 'station' | 'timeouts' | 'language' | 'checkpoint' | 'calibration' | 'console';
  kind: 'number' | 'enum' | 'boolean' | 'text';
  options?: readonly string[];
  min?: number;
  max?: number;
  step?: number;
}

export const CONFIG_PREFIX = 'config.';

export const SETTINGS: readonly SettingSpec[] = [
  { key: 'policy.feverThresholdC', group: 'policy', kind: 'number', min: 36, max: 40, step: 0.1 },
  { key: 'policy.mode', group: 'policy', kind: 'enum', options: ['hard', 'soft'] },
  { key: 'policy.remeasureOnce', group: 'policy', kind: 'boolean' },
  { key: 'station.mode', group: 'station', kind: 'enum', options: ['card-then-temp', 'temp-then-card', 'temp-only'] },
  { key: 'screening.timeouts.identifyingMs', group: 'timeouts', kind: 'number', min: 1000, max: 120_000, step: 500 },
  { key: 'screening.timeouts.measuringMs', group: 'timeouts', kind: 'number', min: 1000, max: 120_000, step: 500 },
  { key: 'screening.timeouts.remeasuringMs', group: 'timeouts', kind: 'number', min: 1000, max: 300_000, step: 500 },
  { key: 'screening.timeouts.resultMs', group: 'timeouts', kind: 'number', min: 500, max: 60_000, step: 500 },
  { key: 'ui.language', group: 'language', kind: 'enum', options: ['zh', 'en'] },
  { key: 'checkpoint.id', group: 'checkpoint', kind: 'text' },
  { key: 'checkpoint.name', group: 'checkpoint', kind: 'text' },
  { key: 'calibration.whenMissingOrExpired', group: 'calibration', kind: 'enum', options: ['hold-for-staff', 'pass-with-warning'] },
  { key: 'calibration.verifyMaxResidualC', group: 'calibration', kind: 'number', min: 0.05, max: 1, step: 0.05 },
  { key: 'calibration.driftLimitC', group: 'calibration', kind: 'number', min: 0.05, max: 1, step: 0.05 },
  { key: 'console.idleTimeoutSec', group: 'console', kind: 'number', min: 30, max: 1800, step: 30 },
];

export const CONSOLE_DEFAULTS: Record<string, number | boolean | string> = { 'console.idleTimeoutSec': 180 };

const isConfigKey = (key: string) => !key.startsWith('console.');

function getPath(obj: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((o, k) => (o !== null && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), obj);
}

function withPath(obj: unknown, path: string, value: unknown): unknown {
  const [head, ...rest] = path.split('.');
  const base = obj !== null && typeof obj === 'object' ? { ...(obj as Record<string, unknown>) } : {};
  base[head!] = rest.length === 0 ? value : withPath(base[head!], rest.join('.'), value);
  return base;
}

/** The value a setting has in a configuration (or the console default). */
export function settingValue(config: KioskConfig, settings: Pick<Settings, 'get'>, spec: SettingSpec): string | number | boolean {
  if (!isConfigKey(spec.key)) return (settings.get(spec.key) as string | number | boolean | undefined) ?? CONSOLE_DEFAULTS[spec.key]!;
  return getPath(config, spec.key) as string | number | boolean;
}

/**
 * Checks a new value against the configuration schema (applied over `config`); returns the new
 * configuration, or the problem lines naming the field and the fix.
 */
export function validateSetting(config: KioskConfig, key: string, value: unknown): { ok: true; config: KioskConfig } | { ok: false; problems: string[] } {
  const spec = SETTINGS.find((s) => s.key === key);
  if (!spec) return { ok: false, problems: [`${key}: not a setting the console may change`] };
  if (!isConfigKey(key)) {
    const n = typeof value === 'number' ? value : Number.NaN;
    if (spec.kind === 'number' && !(n >= spec.min! && n <= spec.max!)) return { ok: false, problems: [`${key}: ${String(value)} is out of range; fix: use ${spec.min}–${spec.max}`] };
    return { ok: true, config };
  }
  const r = parseKioskConfig(withPath(config, key, value));
  return r.ok ? { ok: true, config: r.config } : { ok: false, problems: r.problems };
}

/** The configuration with every stored `config.*` override applied; overrides that no longer validate are reported and skipped. */
export function applySettingOverrides(config: KioskConfig, settings: Pick<Settings, 'get'>): { config: KioskConfig; skipped: string[] } {
  let current = config;
  const skipped: string[] = [];
  for (const spec of SETTINGS) {
    if (!isConfigKey(spec.key)) continue;
    const stored = settings.get(CONFIG_PREFIX + spec.key);
    if (stored === undefined) continue;
    const r = validateSetting(current, spec.key, stored);
    if (r.ok) current = r.config;
    else skipped.push(...r.problems);
  }
  // Whole-object settings kept by the console's own screens: the site model, ports chosen from the live list.
  for (const path of ['temperature.model', 'devices.idcard', 'devices.thermometer']) {
    const stored = settings.get(CONFIG_PREFIX + path);
    if (stored === undefined) continue;
    const r = parseKioskConfig(withPath(current, path, stored));
    if (r.ok) current = r.config;
    else skipped.push(...r.problems);
  }
  return { config: current, skipped };
}

/** The settings key a catalogue entry is stored under. */
export const storageKey = (key: string): string => (isConfigKey(key) ? CONFIG_PREFIX + key : key);
