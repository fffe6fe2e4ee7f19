import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The benchmarks and the soak run outside vitest (`node --import tsx bench/run.ts`): a module they
 * load that imports vitest crashes them ("Vitest failed to access its internal state"). This walks
 * every relative import from bench/ (into test/ fixtures and harnesses too) and names any such path.
 */
const ROOT = join(import.meta.dirname, '..', '..');

function tsFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) tsFiles(p, out);
    else if (p.endsWith('.ts')) out.push(p);
  }
  return out;
}

const IMPORT = /(?:import|export)\s+(?:type\s+)?(?:[^'";]*?\s+from\s+)?['"]([^'"]+)['"]/g;

function importsOf(file: string): { relative: string[]; bare: string[] } {
  const text = readFileSync(file, 'utf8');
  const rel: string[] = [];
  const bare: string[] = [];
  for (const m of text.matchAll(IMPORT)) {
    if (/^\s*import\s+type\b/.test(m[0]) || /^\s*export\s+type\b/.test(m[0])) continue; // erased at run time
    const spec = m[1]!;
    if (spec.startsWith('.')) rel.push(resolve(dirname(file), spec.replace(/\.js$/, '.ts')));
    else bare.push(spec);
  }
  return { relative: rel, bare };
}

describe('benchmarks load without vitest', () => {
  it('no module reachable from bench/ imports vitest', () => {
    const seen = new Map<string, string | null>(); // file -> who imported it
    const queue: Array<[string, string | null]> = tsFiles(join(ROOT, 'bench')).map((f) => [f, null]);
    const offenders: string[] = [];
    while (queue.length > 0) {
      const [file, from] = queue.shift()!;
      if (seen.has(file)) continue;
      seen.set(file, from);
      const { relative: rel, bare } = importsOf(file);
      if (bare.some((b) => b === 'vitest' || b.startsWith('vitest/'))) {
        const chain: string[] = [];
        for (let f: string | null = file; f; f = seen.get(f) ?? null) chain.unshift(relative(ROOT, f));
        offenders.push(chain.join(' → '));
      }
      for (const r of rel) if (r.endsWith('.ts')) queue.push([r, file]);
    }
    expect(seen.size).toBeGreaterThan(30); // the walk reached the rig, the store, the drivers
    expect(offenders).toEqual([]);
  });
});
