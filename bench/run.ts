/**
 * `npm run bench`: runs every bench/*.bench.ts (or those named on the command line), prints each
 * figure and saves the results as JSON in bench/results/<name>.json with the machine it ran on.
 * Benchmarks measure; they never fail a build.
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { benchMachine, type BenchResult } from './bench-result.js';

const here = dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => only.length === 0 || only.some((o) => f.startsWith(o)))
  .sort();

mkdirSync(join(here, 'results'), { recursive: true });
const machine = benchMachine();

for (const file of files) {
  const name = basename(file, '.bench.ts');
  const mod = (await import(pathToFileURL(join(here, file)).href)) as { run: () => Promise<BenchResult> };
  process.stdout.write(`\n== ${name}\n`);
  const result = await mod.run();
  for (const [key, fig] of Object.entries(result.figures)) {
    const goal = fig.goal ? `   (goal: ${fig.goal}${fig.met === undefined ? '' : fig.met ? ', met' : ', NOT met'})` : '';
    process.stdout.write(`  ${key.padEnd(48)} ${String(fig.value).padStart(12)} ${fig.unit}${goal}\n`);
  }
  writeFileSync(join(here, 'results', `${name}.json`), `${JSON.stringify({ name, at: new Date().toISOString(), machine, ...result }, null, 2)}\n`);
}
process.stdout.write(`\nresults saved in ${join(here, 'results')}\n`);
