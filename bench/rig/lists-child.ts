/**
 * Loading and swapping a lists file in a process of its own (a clean heap to measure), for
 * bench/lists.bench.ts: the file is read as the host reads it (loadWatchlist: JSON, the schema,
 * the date checks, the index by HMAC); then, while an engine screens travellers one after another
 * (EngineFeed, the cards during the previous result), the same file rewritten with a newer date is
 * loaded and swapped in on the event loop, and the event loop's delay is recorded.
 *
 *   node --import tsx --expose-gc bench/rig/lists-child.ts '{"dataDir": "...", "travellers": 2000}'   (forked)
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseKioskConfig } from '../../main/config/kiosk-config.js';
import { HmacIdHasher } from '../../main/engine/id-hasher.js';
import { loadWatchlist, WATCHLIST_FILE } from '../../main/host/local-lists.js';
import { EngineFeed } from './engine-feed.js';
import { DEFAULT_MIX, syntheticPerson } from './synthetic-people.js';

const { dataDir, travellers } = JSON.parse(process.argv[2] ?? '{}') as { dataDir: string; travellers: number };
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc');
const MIB = 2 ** 20;
const memory = () => {
  gc();
  const m = process.memoryUsage();
  return { rssMiB: m.rss / MIB, heapUsedMiB: m.heapUsed / MIB, externalMiB: m.external / MIB };
};
const parsed = parseKioskConfig({ checkpoint: { id: 'bench', name: '基准' }, lists: { source: 'file' } });
if (!parsed.ok) throw new Error(parsed.problems.join('; '));
const config = parsed.config;

const before = memory();
const t0 = performance.now();
const first = loadWatchlist(dataDir, config);
const loadMs = performance.now() - t0;
if (first.refusal) throw new Error(first.refusal);
const loaded = memory();

// Travellers through an engine holding the loaded lists; halfway, a newer file is loaded and swapped in.
const feed = new EngineFeed(config, { commit: async () => undefined }, new HmacIdHasher(randomBytes(32)), first.snapshot);
const file = join(dataDir, WATCHLIST_FILE);
const text = readFileSync(file, 'utf8');
writeFileSync(file, text.replace(/"refreshedAt":"[^"]+"/, `"refreshedAt":"${new Date().toISOString()}"`));
const screeningMs: number[] = [];
/** The event loop's longest stall: how late a 5 ms interval timer fired, at most (reset per phase). */
const TICK_MS = 5;
let lastTick = performance.now();
let stall = 0;
const ticker = setInterval(() => {
  const now = performance.now();
  stall = Math.max(stall, now - lastTick - TICK_MS);
  lastTick = now;
}, TICK_MS);
let quietStall = 0;
let swapStall = 0;
const swapIndex = Math.floor(travellers / 2);
let swapMs = 0;
let swapScreeningMs = 0;
const swap = () => {
  const s = performance.now();
  feed.lists.replace(loadWatchlist(dataDir, config).snapshot);
  swapMs = performance.now() - s;
};
for (let i = 0; i < travellers; i++) {
  const s = performance.now();
  if (i === swapIndex) {
    quietStall = stall;
    stall = 0;
    // The swap falls due while this traveller is being measured: their readings arrive behind it.
    await feed.screen(syntheticPerson(i, DEFAULT_MIX), async () => {
      setImmediate(swap);
      await new Promise((r) => setImmediate(r));
    });
    swapScreeningMs = performance.now() - s;
    // The ticker notices the stall when it fires next: give it the chance.
    await new Promise((r) => setTimeout(r, 4 * TICK_MS));
    swapStall = stall;
    stall = 0;
  } else {
    await feed.screen(syntheticPerson(i, DEFAULT_MIX));
    if (i !== swapIndex + 1) screeningMs.push(performance.now() - s);
  }
  await EngineFeed.nextTurn();
}
await feed.stop();
clearInterval(ticker);
quietStall = Math.max(quietStall, stall);
const after = memory();
process.send?.({
  type: 'lists',
  entries: first.snapshot.byHmac.size,
  fileMiB: Buffer.byteLength(text) / MIB,
  loadMs,
  swapMs,
  swapScreeningMs,
  memory: { before, loaded, after, maxRssMiB: process.resourceUsage().maxRSS / 1024 },
  loopStallMs: { withoutSwap: quietStall, duringSwap: swapStall },
  screeningMs,
});
