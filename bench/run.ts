/**
 * `npm run bench`: runs every bench/*.bench.ts (or those named on the command line), prints each
 * figure with its goal and scope, and saves the results as JSON in bench/results/<name>.json with
 * the machine, the git commit, the bench directory's filesystem and the load average.
 *
 *   node --expose-gc --import tsx bench/run.ts [name ...] [--smoke] [--keep]
 *
 * The benches work in a directory on the filesystem the kiosk keeps its data on (docs/bench.md):
 * `$KIOSK_BENCH_DIR`, else `checkpoint-kiosk-bench` beside the kiosk's default data directory
 * (never the OS temp directory, often a tmpfs where fsync costs nothing). Each run uses a fresh
 * `run-*` directory in it and removes it afterwards (`--keep` keeps it).
 *
 * `--smoke` (or KIOSK_BENCH_SMOKE=1) runs every bench briefly to check it works: its results go to
 * `<bench dir>/smoke-results/`, never to bench/results. Benchmarks measure; a goal not met never
 * fails the run (a bench that crashes does: exit 1).
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { defaultDataDir } from '../main/store/data-dir.js';
import { describeEnvironment, loadAverage, type BenchRun } from './bench-result.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const args = process.argv.slice(2);
const smoke = args.includes('--smoke') || process.env.KIOSK_BENCH_SMOKE === '1';
const keep = args.includes('--keep');
const only = args.filter((a) => !a.startsWith('--'));
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => only.length === 0 || only.some((o) => f.startsWith(o)))
  .sort();
if (files.length === 0) {
  process.stderr.write(`no bench matches ${only.join(', ')}; benches: ${readdirSync(here).filter((f) => f.endsWith('.bench.ts')).map((f) => basename(f, '.bench.ts')).join(', ')}\n`);
  process.exit(2);
}
if (!existsSync(join(root, 'dist', 'host.js')) || !existsSync(join(root, 'dist', 'renderer', 'app.js'))) {
  process.stderr.write('dist/ is missing: run `npm run build` first (npm run bench does)\n');
  process.exit(2);
}

const benchRoot = process.env.KIOSK_BENCH_DIR ?? join(dirname(defaultDataDir()), 'checkpoint-kiosk-bench');
mkdirSync(benchRoot, { recursive: true, mode: 0o700 });
const runDir = mkdtempSync(join(benchRoot, 'run-'));
const shared = join(runDir, 'shared');
mkdirSync(shared, { mode: 0o700 });
const environment = describeEnvironment(root, runDir);
const resultsDir = smoke ? join(benchRoot, 'smoke-results') : join(here, 'results');
mkdirSync(resultsDir, { recursive: true });

const fs = environment.benchDirectory;
process.stdout.write(`bench directory ${runDir}: ${fs.filesystem ?? '?'} on ${fs.device ?? '?'}${fs.problem ? ` (${fs.problem})` : ''}\n`);
if (fs.filesystem === 'tmpfs' || fs.filesystem === 'ramfs') process.stdout.write('  WARNING: a RAM filesystem: fsync costs nothing here; set KIOSK_BENCH_DIR to a directory on the kiosk\'s data disk\n');
process.stdout.write(`commit ${environment.gitCommit ?? '?'}${environment.gitDirty ? ' (with uncommitted changes)' : ''}; ${environment.cpu.cores} × ${environment.cpu.model}; ${environment.chromium ?? 'no chromium'}${smoke ? '; SMOKE RUN (not a measurement)' : ''}\n`);

let crashed = 0;
for (const file of files) {
  const name = basename(file, '.bench.ts');
  const dir = join(runDir, name);
  mkdirSync(dir, { mode: 0o700 });
  process.stdout.write(`\n== ${name}\n`);
  const loadAtStart = loadAverage();
  const startedAt = new Date();
  const t0 = performance.now();
  try {
    const mod = (await import(pathToFileURL(join(here, file)).href)) as { run: BenchRun };
    const result = await mod.run({ dir, shared, smoke });
    const durationS = Math.round((performance.now() - t0) / 1000);
    process.stdout.write(`  ${result.scope.replace(/\s+/g, ' ')}\n`);
    for (const [key, fig] of Object.entries(result.figures)) {
      const goal = fig.goal ? `   (goal: ${fig.goal}${fig.met === undefined ? '' : fig.met ? ', met' : ', NOT met'})` : '';
      const n = fig.samples === undefined ? '' : `  n=${fig.samples}`;
      process.stdout.write(`  ${key.padEnd(70)} ${String(fig.value).padStart(12)} ${fig.unit}${n}${goal}\n`);
    }
    process.stdout.write(`  (${durationS} s)\n`);
    const saved = {
      name,
      at: startedAt.toISOString(),
      durationS,
      smoke,
      environment: { ...environment, loadAverage: { atStart: loadAtStart, atEnd: loadAverage() } },
      ...result,
    };
    writeFileSync(join(resultsDir, `${name}.json`), `${JSON.stringify(saved, null, 2)}\n`);
  } catch (err) {
    crashed++;
    process.stdout.write(`  CRASHED: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  }
  if (!keep) rmSync(dir, { recursive: true, force: true });
}
if (!keep) rmSync(runDir, { recursive: true, force: true });
else process.stdout.write(`\nkept ${runDir}\n`);
process.stdout.write(`\nresults saved in ${resultsDir}${crashed ? `; ${crashed} bench(es) crashed` : ''}\n`);
process.exitCode = crashed ? 1 : 0;
