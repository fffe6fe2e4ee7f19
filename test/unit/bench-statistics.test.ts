import { describe, expect, it } from 'vitest';
import { linearFit, nearestRank, summarize } from '../../bench/sample-statistics.js';

describe('bench statistics', () => {
  it('nearest-rank percentiles: the textbook example (15, 20, 35, 40, 50)', () => {
    // Rank ⌈p/100 · 5⌉: p30 → 2nd, p40 → 2nd, p50 → 3rd, p100 → 5th.
    const s = [15, 20, 35, 40, 50];
    expect(nearestRank(s, 5)).toBe(15);
    expect(nearestRank(s, 30)).toBe(20);
    expect(nearestRank(s, 40)).toBe(20);
    expect(nearestRank(s, 50)).toBe(35);
    expect(nearestRank(s, 100)).toBe(50);
  });

  it('summarize: 1..100 shuffled gives p50 50, p95 95, p99 99, mean 50.5', () => {
    const s = Array.from({ length: 100 }, (_, i) => ((i * 37) % 100) + 1); // a permutation of 1..100
    expect(new Set(s).size).toBe(100);
    expect(summarize(s)).toEqual({ n: 100, min: 1, p50: 50, p95: 95, p99: 99, max: 100, mean: 50.5 });
  });

  it('with fewer than 100 samples the p99 is the maximum (19 samples: rank ⌈18.81⌉ = 19)', () => {
    const s = Array.from({ length: 19 }, (_, i) => i * 2);
    const r = summarize(s);
    expect(r.p99).toBe(36);
    expect(r.max).toBe(36);
    expect(r.p95).toBe(36); // ⌈18.05⌉ = 19
    expect(r.p50).toBe(18); // ⌈9.5⌉ = 10th sample = 18
  });

  it('refuses empty input and percentiles outside (0, 100]', () => {
    expect(() => summarize([])).toThrow(/no samples/);
    expect(() => nearestRank([1], 0)).toThrow(/percentile/);
    expect(() => nearestRank([1], 101)).toThrow(/percentile/);
  });

  it('linear fit of (1,2) (2,4) (3,5) (4,4) (5,5): slope 0.6, intercept 2.2, slope s.e. √0.08', () => {
    // x̄ = 3, ȳ = 4, Sxx = 10, Sxy = 6 → slope 0.6, intercept 4 − 1.8 = 2.2;
    // residuals −0.8, 0.6, 1.0, −0.6, −0.2 → SSE 2.4; s² = 2.4 / 3 = 0.8; s.e. = √(0.8 / 10).
    const f = linearFit([1, 2, 3, 4, 5], [2, 4, 5, 4, 5]);
    expect(f.n).toBe(5);
    expect(f.slope).toBeCloseTo(0.6, 12);
    expect(f.intercept).toBeCloseTo(2.2, 12);
    expect(f.slopeStdError).toBeCloseTo(Math.sqrt(0.08), 12);
  });

  it('linear fit of an exact line has zero slope error; two points have none defined', () => {
    const f = linearFit([0, 10, 20, 30], [5, 25, 45, 65]);
    expect(f.slope).toBeCloseTo(2, 12);
    expect(f.intercept).toBeCloseTo(5, 12);
    expect(f.slopeStdError).toBeCloseTo(0, 12);
    expect(Number.isNaN(linearFit([0, 1], [0, 1]).slopeStdError)).toBe(true);
    expect(() => linearFit([1, 1, 1], [1, 2, 3])).toThrow(/no slope/);
    expect(() => linearFit([1, 2], [1])).toThrow(/x values/);
  });
});
