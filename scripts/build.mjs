// Bundles the TypeScript sources with esbuild. Dependencies stay external (native modules such as
// better-sqlite3 and @serialport/bindings-cpp must be loaded from node_modules at run time).
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist');
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

/** Node-side bundles: the CLI, the host process and the Electron shell. */
const nodeEntries = [
  { in: 'main/cli/index.ts', out: 'cli.js', format: 'esm' },
  { in: 'main/host/entry.ts', out: 'host.js', format: 'esm' },
  { in: 'main/electron/main.ts', out: 'electron/main.cjs', format: 'cjs' },
  // Sandboxed preloads must be a single CommonJS file.
  { in: 'main/electron/preload.ts', out: 'electron/preload.cjs', format: 'cjs' },
];

const jobs = [];
for (const e of nodeEntries) {
  if (!existsSync(join(root, e.in))) continue;
  jobs.push(
    build({
      entryPoints: [join(root, e.in)],
      outfile: join(out, e.out),
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: e.format,
      packages: 'external',
      external: ['electron'],
      sourcemap: true,
      logLevel: 'warning',
      banner: e.format === 'esm' ? { js: "import { createRequire as __kioskCreateRequire } from 'node:module'; const require = __kioskCreateRequire(import.meta.url);" } : undefined,
    }),
  );
}

/** The renderer: one browser bundle plus its static files. */
if (existsSync(join(root, 'renderer/app.ts'))) {
  jobs.push(
    build({
      entryPoints: [join(root, 'renderer/app.ts')],
      outfile: join(out, 'renderer/app.js'),
      bundle: true,
      platform: 'browser',
      target: 'chrome120',
      format: 'esm',
      sourcemap: true,
      logLevel: 'warning',
    }),
  );
}
/** Central's dashboard chart: ECharts through its tree-shaken echarts/core imports. */
if (existsSync(join(root, 'central/dashboard/charts.ts'))) {
  jobs.push(
    build({
      entryPoints: [join(root, 'central/dashboard/charts.ts')],
      outfile: join(out, 'central/dashboard.js'),
      bundle: true,
      minify: true,
      platform: 'browser',
      target: 'chrome120',
      format: 'esm',
      logLevel: 'warning',
    }),
  );
}
await Promise.all(jobs);
if (existsSync(join(root, 'central/dashboard/central.css'))) cpSync(join(root, 'central/dashboard/central.css'), join(out, 'central/central.css'));
for (const asset of ['index.html', 'styles.css', 'audio']) {
  const src = join(root, 'renderer', asset);
  if (existsSync(src)) cpSync(src, join(out, 'renderer', asset), { recursive: true });
}

// The renderer's CSP allows exactly the built app.js (a hash source, not 'self'): stamp its SRI
// hash into index.html (CSP meta + integrity attribute) and record it for the servers' CSP header.
const appJs = join(out, 'renderer/app.js');
const indexHtml = join(out, 'renderer/index.html');
if (existsSync(appJs) && existsSync(indexHtml)) {
  const integrity = `sha384-${createHash('sha384').update(readFileSync(appJs)).digest('base64')}`;
  writeFileSync(indexHtml, readFileSync(indexHtml, 'utf8').replaceAll('__APP_JS_INTEGRITY__', integrity));
  writeFileSync(join(out, 'renderer/integrity.json'), `${JSON.stringify({ 'app.js': integrity })}\n`);
}
