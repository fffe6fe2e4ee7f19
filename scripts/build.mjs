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

/** The renderer: the kiosk page (traveller screens and consoles) and the LAN staff console page. */
const browserEntries = [
  { in: 'renderer/app.ts', out: 'renderer/app.js' },
  { in: 'renderer/console/standalone.ts', out: 'renderer/console.js' },
];
for (const e of browserEntries) {
  if (!existsSync(join(root, e.in))) continue;
  jobs.push(
    build({
      entryPoints: [join(root, e.in)],
      outfile: join(out, e.out),
      bundle: true,
      platform: 'browser',
      target: 'chrome120',
      format: 'esm',
      sourcemap: true,
      logLevel: 'warning',
    }),
  );
}
await Promise.all(jobs);
for (const asset of ['index.html', 'styles.css', 'console.html', 'console.css', 'audio']) {
  const src = join(root, 'renderer', asset);
  if (existsSync(src)) cpSync(src, join(out, 'renderer', asset), { recursive: true });
}

// The renderer's CSP allows exactly the built app.js (a hash source, not 'self'): stamp its SRI
// hash into index.html (CSP meta + integrity attribute) and record it for the servers' CSP header.
const integrities = {};
for (const [script, page, marker] of [
  ['app.js', 'index.html', '__APP_JS_INTEGRITY__'],
  ['console.js', 'console.html', '__CONSOLE_JS_INTEGRITY__'],
]) {
  const js = join(out, 'renderer', script);
  const html = join(out, 'renderer', page);
  if (!existsSync(js) || !existsSync(html)) continue;
  const integrity = `sha384-${createHash('sha384').update(readFileSync(js)).digest('base64')}`;
  writeFileSync(html, readFileSync(html, 'utf8').replaceAll(marker, integrity));
  integrities[script] = integrity;
}
if (Object.keys(integrities).length > 0) writeFileSync(join(out, 'renderer/integrity.json'), `${JSON.stringify(integrities)}\n`);
