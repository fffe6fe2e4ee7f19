import { readdirSync, readFileSync } from 'node:fs';

/** One reading of the host process from outside (/proc), at a screening count within one lifetime. */
export interface ResourceSample {
  generation: number;
  /** Screenings shown since this host started. */
  screenings: number;
  rssBytes: number;
  fds: number;
  at: number;
}

/** VmRSS and the number of open descriptors of a process, read from /proc (null when it is gone). */
export function sampleProcess(pid: number): { rssBytes: number; fds: number } | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1]);
    return { rssBytes: kb * 1024, fds: readdirSync(`/proc/${pid}/fd`).length };
  } catch {
    return null;
  }
}

/** Least-squares slope of y on x (y per unit of x); NaN with fewer than two distinct x. */
export function slope(points: ReadonlyArray<readonly [number, number]>): number {
  const n = points.length;
  if (n < 2) return Number.NaN;
  const mx = points.reduce((a, p) => a + p[0], 0) / n;
  const my = points.reduce((a, p) => a + p[1], 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (const [x, y] of points) {
    sxy += (x - mx) * (y - my);
    sxx += (x - mx) ** 2;
  }
  return sxx === 0 ? Number.NaN : sxy / sxx;
}

export interface Growth {
  /** Samples after warm-up that the figures are computed from. */
  samples: number;
  /** Screenings covered at steady state (summed over lifetimes). */
  screenings: number;
  /** RSS growth per 10,000 screenings, MB (10^6 bytes), pooled over lifetimes (each its own intercept). */
  rssMbPer10k: number;
  /** Open descriptors gained per 10,000 screenings. */
  fdsPer10k: number;
  /** Largest spread of open descriptors within one lifetime after warm-up. */
  fdRange: number;
  /** The longest steady stretch of one lifetime, in screenings. */
  longestLifetime: number;
}

/**
 * Memory and descriptor growth at steady state: samples of each host lifetime after its first
 * `warmUp` screenings, centred per lifetime (a restart resets memory, so lifetimes share a slope,
 * not an intercept), then one least-squares slope.
 */
export function steadyGrowth(samples: readonly ResourceSample[], warmUp: number): Growth {
  const byLife = new Map<number, ResourceSample[]>();
  for (const s of samples) if (s.screenings >= warmUp) byLife.set(s.generation, [...(byLife.get(s.generation) ?? []), s]);
  const rss: Array<[number, number]> = [];
  const fds: Array<[number, number]> = [];
  let screenings = 0;
  let fdRange = 0;
  let longest = 0;
  for (const life of byLife.values()) {
    if (life.length < 2) continue;
    const mx = life.reduce((a, s) => a + s.screenings, 0) / life.length;
    const mr = life.reduce((a, s) => a + s.rssBytes, 0) / life.length;
    const mf = life.reduce((a, s) => a + s.fds, 0) / life.length;
    for (const s of life) {
      rss.push([s.screenings - mx, s.rssBytes - mr]);
      fds.push([s.screenings - mx, s.fds - mf]);
    }
    const span = life.at(-1)!.screenings - life[0]!.screenings;
    screenings += span;
    longest = Math.max(longest, span);
    fdRange = Math.max(fdRange, Math.max(...life.map((s) => s.fds)) - Math.min(...life.map((s) => s.fds)));
  }
  return { samples: rss.length, screenings, rssMbPer10k: (slope(rss) * 10_000) / 1e6, fdsPer10k: slope(fds) * 10_000, fdRange, longestLifetime: longest };
}
