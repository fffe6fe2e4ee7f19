import { cpus, loadavg, totalmem } from 'node:os';

/** One measured figure. `met` is computed from the measurement against the goal, never set by hand. */
export interface Figure {
  value: number;
  unit: string;
  goal?: string;
  met?: boolean;
}

export interface BenchResult {
  figures: Record<string, Figure>;
  /** Anything else worth keeping with the numbers (sample counts, settings). */
  notes?: Record<string, unknown>;
}

/** Median and p99 of a list of samples (nearest-rank). */
export function percentiles(samples: number[]): { median: number; p99: number; min: number; max: number } {
  const s = [...samples].sort((a, b) => a - b);
  const rank = (p: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
  return { median: rank(50), p99: rank(99), min: s[0]!, max: s[s.length - 1]! };
}

/** The machine a result was measured on, saved with every result (figures mean little without it). */
export function benchMachine(): { node: string; cpu: string; cores: number; memGiB: number; loadAverage1m: number } {
  return { node: process.version, cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, memGiB: Math.round(totalmem() / 2 ** 30), loadAverage1m: Math.round(loadavg()[0]! * 100) / 100 };
}
