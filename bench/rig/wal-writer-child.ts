/**
 * Leaves a data directory as a writer killed mid-stream leaves it, with the fullest WAL the kiosk
 * lets grow: opens the store (its own write path), turns SQLite's autocheckpoint off, commits
 * screenings until the WAL holds `walBytes`, says so, and waits for the bench to SIGKILL it (no
 * close, no checkpoint: the WAL and its -shm stay behind for the next start to recover).
 *
 *   node --import tsx bench/rig/wal-writer-child.ts '{"dataDir": "...", "walBytes": 4100000}'   (forked)
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { KioskStore } from '../../main/store/kiosk-store.js';
import { BenchRecords } from './retention-store.js';

const { dataDir, walBytes } = JSON.parse(process.argv[2] ?? '{}') as { dataDir: string; walBytes: number };
const store = await KioskStore.open({ dataDir, maintenanceIntervalMs: 0, integrityCheck: 'quick' });
store.db.pragma('wal_autocheckpoint = 0');
const records = await BenchRecords.make();
const wal = join(dataDir, 'kiosk.db-wal');
let n = 0;
while (!existsSync(wal) || statSync(wal).size < walBytes) await store.records.commit(records.record(500_000 + n++, Date.now()));
process.send?.({ type: 'wal-full', walBytes: statSync(wal).size, commits: n });
setInterval(() => undefined, 60_000); // until killed
