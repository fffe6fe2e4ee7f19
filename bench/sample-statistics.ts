/**
 * The statistics every bench reports with: nearest-rank percentiles and an ordinary least-squares
 * line (memory slopes). Unit-tested against hand-computed values (test/unit/bench-statistics.test.ts).
 */

/**
 * Nearest-rank percentile of samples sorted ascending: the smallest sample with at least `p` % of
 * the samples at or below it (rank ⌈p/100 · n⌉). With fewer than 100 samples the p99 is the maximum:
 * a summary always carries `n` so a reader can tell.
 */
export function nearestRank(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) throw new RangeError('no samples');
  if (!(p > 0 && p <= 100)) throw new RangeError(`percentile must be in (0, 100], got ${p}`);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[rank - 1]!;
}

export interface Summary {
  n: number;
  min: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

/** n, min, p50, p95, p99 (nearest rank), max and mean of a list of samples. */
export function summarize(samples: readonly number[]): Summary {
  const s = [...samples].sort((a, b) => a - b);
  if (s.length === 0) throw new RangeError('no samples');
  const mean = s.reduce((a, b) => a + b, 0) / s.length;
  return { n: s.length, min: s[0]!, p50: nearestRank(s, 50), p95: nearestRank(s, 95), p99: nearestRank(s, 99), max: s[s.length - 1]!, mean };
}

export interface LinearFit {
  n: number;
  slope: number;
  intercept: number;
  /** Standard error of the slope, √(SSE / (n − 2) / Σ(x − x̄)²); NaN with fewer than 3 points. */
  slopeStdError: number;
}

/** Ordinary least squares y = intercept + slope · x. */
export function linearFit(xs: readonly number[], ys: readonly number[]): LinearFit {
  const n = xs.length;
  if (n !== ys.length) throw new RangeError(`${n} x values for ${ys.length} y values`);
  if (n < 2) throw new RangeError('a line needs at least two points');
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    sxx += (xs[i]! - mx) ** 2;
    sxy += (xs[i]! - mx) * (ys[i]! - my);
  }
  if (sxx === 0) throw new RangeError('all x values are equal: no slope');
  const slope = sxy / sxx;
  const intercept = my - slope * mx;
  let sse = 0;
  for (let i = 0; i < n; i++) sse += (ys[i]! - (intercept + slope * xs[i]!)) ** 2;
  const slopeStdError = n > 2 ? Math.sqrt(sse / (n - 2) / sxx) : Number.NaN;
  return { n, slope, intercept, slopeStdError };
}

/** Rounds to `digits` decimals (for printing and saving; the goal flags use unrounded values). */
export function round(x: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
