// Stages the app that electron-builder packs (electron-builder.yml: directories.app = release/app):
// the built bundles, the CLI, and the production dependencies installed FOR ELECTRON, so the
// development tree keeps its Node build (tests, browser mode) and the package gets modules built for
// the runtime that will load them. Needs the network (Electron's headers); run on the packaging machine:
//   npm ci && npm run build && npm run electron:stage
// Ends with the same ABI check the host runs at start-up, against the staged modules.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { electronAbi } from '../main/cli/electron-readiness.js';
import { abiMismatch, betterSqliteModule } from '../main/host/native-modules.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const stage = join(root, 'release', 'app');
const electronDir = join(root, 'node_modules', 'electron');

const electronVersion = (JSON.parse(readFileSync(join(electronDir, 'package.json'), 'utf8')) as { version: string }).version;
const abi = electronAbi(electronDir);
if (abi === null) throw new Error(`${electronDir}/abi_version is missing: run \`npm ci\` first`);
if (!existsSync(join(root, 'dist', 'host.js'))) throw new Error('dist/ is missing: run `npm run build` first');

rmSync(stage, { recursive: true, force: true });
mkdirSync(join(stage, 'bin'), { recursive: true });
cpSync(join(root, 'dist'), join(stage, 'dist'), { recursive: true, filter: (src) => !src.endsWith('.map') });
cpSync(join(root, 'bin', 'kiosk.js'), join(stage, 'bin', 'kiosk.js'));
cpSync(join(root, 'package-lock.json'), join(stage, 'package-lock.json'));
// The app's package.json without scripts (no build on install) and without the dev dependencies.
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Record<string, unknown>;
delete pkg.scripts;
delete pkg.devDependencies;
writeFileSync(join(stage, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);

// npm's documented way to build native modules for Electron: the npm_config_* target variables
// (prebuild-install fetches an Electron prebuild when there is one; otherwise node-gyp compiles
// against Electron's headers). Node-API modules (serialport) are unaffected.
const env = {
  ...process.env,
  npm_config_runtime: 'electron',
  npm_config_target: electronVersion,
  npm_config_disturl: 'https://electronjs.org/headers',
  npm_config_build_from_source: 'true',
};
process.stdout.write(`stage: installing production dependencies for Electron ${electronVersion} (ABI ${abi}) in ${stage}\n`);
execFileSync('npm', ['ci', '--omit=dev', '--no-audit', '--no-fund'], { cwd: stage, env, stdio: 'inherit' });

const problem = abiMismatch(betterSqliteModule(join(stage, 'package.json')), { abi, name: `Electron ${electronVersion}` });
if (problem) {
  process.stderr.write(`stage: FAILED: ${problem}\n`);
  process.exit(1);
}
// What the native modules were built for: electron-builder's beforePack hook
// (packaging/electron-before-pack.cjs) refuses to pack them for another architecture.
writeFileSync(join(stage, 'stage.json'), `${JSON.stringify({ platform: process.platform, arch: process.arch, electronVersion, abi, stagedAt: new Date().toISOString() }, null, 2)}\n`);
process.stdout.write(`stage: better-sqlite3 is built for Electron ${electronVersion} (ABI ${abi}) on ${process.arch}; now \`npx electron-builder --linux --${process.arch}\`\n`);
