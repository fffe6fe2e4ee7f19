import { onTestFailed } from 'vitest';
import { seededRandom } from '../../drivers/sim/seeded-random.js';

/**
 * The seed of a fuzz test: `FUZZ_SEED` when set (to replay a failure), a new one otherwise. It is
 * printed when the test fails: `FUZZ_SEED=<seed> npx vitest run <file>` plays the same inputs
 * (the timing of a live host may still differ a little from run to run).
 */
export interface Fuzz {
  seed: number;
  /** Uniform in [0, 1). */
  random: () => number;
  int(lo: number, hi: number): number;
  pick<T>(items: readonly T[]): T;
  chance(p: number): boolean;
}

export function fuzzSeed(name: string): Fuzz {
  const fromEnv = process.env.FUZZ_SEED;
  const seed = fromEnv !== undefined && /^\d+$/.test(fromEnv) ? Number(fromEnv) : Math.floor(Math.random() * 2 ** 31);
  onTestFailed(() => {
    process.stderr.write(`\n${name}: fuzz seed ${seed} (replay: FUZZ_SEED=${seed} npx vitest run test/fuzz)\n`);
  });
  const random = seededRandom(seed);
  return {
    seed,
    random,
    int: (lo, hi) => lo + Math.floor(random() * (hi - lo + 1)),
    pick: (items) => items[Math.floor(random() * items.length)]!,
    chance: (p) => random() < p,
  };
}
