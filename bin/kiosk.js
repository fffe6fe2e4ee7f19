#!/usr/bin/env node
// Technician and launcher CLI. The TypeScript sources are bundled to dist/ by `npm run build`
// (run automatically by `npm ci` through the prepare script).
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const entry = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
if (!existsSync(entry)) {
  process.stderr.write('kiosk: dist/cli.js is missing; run `npm run build` (or `npm ci`) first\n');
  process.exit(2);
}
await import(pathToFileURL(entry).href);
