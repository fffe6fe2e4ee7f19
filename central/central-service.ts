import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Logger } from '../main/host/logger.js';
import { auditAdminAction } from './admin-audit.js';
import { CentralKeys } from './central-keys.js';
import { openCentralDatabase, type CentralDatabase } from './db/central-database.js';
import { migrateCentral } from './db/migrations.js';
import { redactUrl } from './db/postgres-database.js';
import { buildCentralApp, type CentralApp } from './server.js';

/** Held while a central process uses the embedded database of a data directory. */
export const CENTRAL_LOCK_FILE = 'central.lock';
/** The URL the last `kiosk central start` served (what `kiosk central enroll` prints by default). */
export const CENTRAL_URL_FILE = 'central-url';

export interface CentralServiceOptions {
  dataDir: string;
  /** postgres://… for PostgreSQL; null or absent for the embedded PGlite in the data directory. */
  databaseUrl?: string | null;
  port?: number;
  host?: string;
  log: Logger;
  assetsDir?: string;
  /** TLS key and certificate (PEM files). */
  tls?: { keyFile: string; certFile: string };
  /** The URL kiosks use, when it differs from the address listened on (a proxy, a public name). */
  publicUrl?: string;
}

export interface RunningCentral extends CentralApp {
  url: string;
  db: CentralDatabase;
  keys: CentralKeys;
  stop(): Promise<void>;
}

/** A second process on the same embedded database would corrupt it: one holder, named in the lock file. */
export function acquireEmbeddedLock(dataDir: string): () => void {
  const file = join(dataDir, CENTRAL_LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx', 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(file, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const pid = Number(readFileSync(file, 'utf8').trim());
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && processAlive(pid)) {
        throw new Error(
          `central's embedded database in ${dataDir} is in use by process ${pid} (a running \`kiosk central start\`); stop it first, or run central on PostgreSQL (--database postgres://…) to work alongside it`,
        );
      }
      rmSync(file, { force: true }); // left by a process that is gone
    }
  }
  throw new Error(`could not take ${file}`);
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Opens the database (migrating it) and central's keys; with the embedded database, takes its lock. */
export async function openCentralData(opts: { dataDir: string; databaseUrl?: string | null }): Promise<{ db: CentralDatabase; keys: CentralKeys; release: () => Promise<void> }> {
  mkdirSync(opts.dataDir, { recursive: true, mode: 0o700 });
  const unlock = opts.databaseUrl ? () => {} : acquireEmbeddedLock(opts.dataDir);
  let db: CentralDatabase | undefined;
  try {
    db = await openCentralDatabase({ url: opts.databaseUrl ?? null, dataDir: opts.dataDir });
    await migrateCentral(db);
    const keys = await CentralKeys.load(opts.dataDir);
    const opened = db;
    return {
      db,
      keys,
      release: async () => {
        await opened.close();
        unlock();
      },
    };
  } catch (err) {
    await db?.close();
    unlock();
    throw err;
  }
}

/** `kiosk central start`: database, keys, HTTP service. */
export async function startCentral(opts: CentralServiceOptions): Promise<RunningCentral> {
  const { db, keys, release } = await openCentralData(opts);
  try {
    const https = opts.tls ? { key: readFileSync(opts.tls.keyFile), cert: readFileSync(opts.tls.certFile) } : undefined;
    const central = await buildCentralApp({ db, keys, log: opts.log, ...(opts.assetsDir && { assetsDir: opts.assetsDir }), ...(https && { https }), ...(opts.publicUrl && { publicUrl: opts.publicUrl }) });
    const host = opts.host ?? '127.0.0.1';
    await central.app.listen({ port: opts.port ?? 0, host });
    const port = (central.app.server.address() as AddressInfo).port;
    const url = opts.publicUrl ?? `${https ? 'https' : 'http'}://${host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host}:${port}`;
    writeFileSync(join(opts.dataDir, CENTRAL_URL_FILE), `${url}\n`);
    await auditAdminAction(db, 'system', 'central.start', { database: db.engine });
    opts.log.info({ url, database: opts.databaseUrl ? redactUrl(opts.databaseUrl) : 'embedded (PGlite)' }, 'central: serving');
    return {
      ...central,
      url,
      db,
      keys,
      stop: async () => {
        await central.app.close();
        await release();
      },
    };
  } catch (err) {
    await release();
    throw err;
  }
}
