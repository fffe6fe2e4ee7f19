// electron-builder's beforePack hook (electron-builder.yml): refuses to pack a staged app whose
// native modules were built for another CPU or another Electron. The staging step
// (scripts/stage-electron-app.ts) compiles better-sqlite3 on the machine it runs on and records
// that machine in release/app/stage.json; electron-builder itself never rebuilds (npmRebuild: false),
// so an arm64 package built from an x64 staging tree would install and then fail on its first start.
// Build each architecture on a machine of that architecture (docs/installing.md).
'use strict';
const { readFileSync } = require('node:fs');
const { join } = require('node:path');

/** electron-builder's Arch enum (builder-util): the numbers the hook receives. */
const ARCH_NAMES = { 0: 'ia32', 1: 'x64', 2: 'armv7l', 3: 'arm64', 4: 'universal' };

/** The stage record of an app directory, or a reason it cannot be used. */
function readStage(appDir) {
  try {
    return JSON.parse(readFileSync(join(appDir, 'stage.json'), 'utf8'));
  } catch (err) {
    throw new Error(`${join(appDir, 'stage.json')} cannot be read (${err.message}): run \`npm run electron:stage\` on a machine of the target architecture first`);
  }
}

/** Null when the staged app fits the target, else why not. */
function stageMismatch(stage, target) {
  if (stage.platform !== target.platform) return `the staged app was built on ${stage.platform}, the target is ${target.platform}`;
  if (stage.arch !== target.arch) return `the staged native modules were built for ${stage.arch}, the target is ${target.arch}: stage on a ${target.arch} machine and build there (electron-builder --linux --${target.arch})`;
  return null;
}

async function beforePack(context) {
  const stage = readStage(context.packager.info.appDir);
  const problem = stageMismatch(stage, { platform: context.electronPlatformName, arch: ARCH_NAMES[context.arch] ?? String(context.arch) });
  if (problem) throw new Error(`beforePack: ${problem}`);
}

module.exports = { default: beforePack, stageMismatch, ARCH_NAMES };
