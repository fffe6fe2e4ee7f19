import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { freshPostgresDatabase } from '../fixtures/central/fresh-postgres-database.js';

export { freshPostgresDatabase };
import { pino } from 'pino';
import { startCentral, type RunningCentral } from '../../central/central-service.js';
import { PgliteDatabase, PGLITE_DIR } from '../../central/db/pglite-database.js';

/** A logger that keeps quiet (tests assert on behaviour, not log lines) unless CENTRAL_TEST_LOG is set. */
export const quietLog = () => pino({ level: process.env.CENTRAL_TEST_LOG ?? 'silent' });

export interface Backend {
  name: 'pglite' | 'postgres';
  /** A fresh database for one suite (postgres: a new database on the test server; pglite: null). */
  create(): Promise<{ url: string | null; drop(): Promise<void> }>;
}

/**
 * The databases central's suites run against: PGlite always; PostgreSQL when TEST_DATABASE_URL names a
 * server (.ci/run starts one). Under CI=true a missing server is an error, not a skip.
 */
export function backends(): Backend[] {
  const url = process.env.TEST_DATABASE_URL;
  const list: Backend[] = [{ name: 'pglite', create: async () => ({ url: null, drop: async () => {} }) }];
  if (!url) {
    if (process.env.CI === 'true') throw new Error('CI=true but TEST_DATABASE_URL is not set: .ci/run must start PostgreSQL (bash .ci/postgres.sh) and export it');
    process.stderr.write('central tests: TEST_DATABASE_URL is not set, so the PostgreSQL runs are skipped (PGlite runs). Start one with `bash .ci/postgres.sh`.\n');
    return list;
  }
  list.push({ name: 'postgres', create: () => freshPostgresDatabase(url) });
  return list;
}

/** CREATE DATABASE on the test server (the test role has CREATEDB); dropped afterwards. */
export function tempDir(prefix: string): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * One central for the tests of a file (in this process, on `backend`; PGlite when none is given),
 * started before them and stopped, with its database and data directory removed, after them.
 */
export function centralPerFile(prefix: string, backend?: Backend): () => RunningCentral {
  let central: RunningCentral | undefined;
  let data: ReturnType<typeof tempDir> | undefined;
  let drop: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    data = tempDir(prefix);
    const db = backend ? await backend.create() : { url: null, drop: async () => {} };
    drop = db.drop;
    central = await startTestCentral({ dataDir: data.dir, databaseUrl: db.url });
  }, 60_000);
  afterAll(async () => {
    await central?.stop();
    await drop?.();
    data?.cleanup();
  });
  return () => central!;
}

/** Central in this process (a real HTTP server on 127.0.0.1). */
export async function startTestCentral(opts: { dataDir: string; databaseUrl: string | null; port?: number }): Promise<RunningCentral> {
  if (opts.databaseUrl === null) await seedEmbeddedDatabase(opts.dataDir);
  return startCentral({ dataDir: opts.dataDir, databaseUrl: opts.databaseUrl, port: opts.port ?? 0, log: quietLog() });
}

/**
 * An empty, cleanly closed PGlite cluster made once per machine (initdb in WebAssembly takes 10–20 s
 * on a loaded machine; opening a copy takes about one). Each test still gets its own copy and runs
 * central's migrations on it.
 */
async function pgliteTemplate(): Promise<string> {
  const template = join(tmpdir(), `central-test-pglite-template-${process.getuid?.() ?? 0}`);
  if (existsSync(join(template, PGLITE_DIR, 'PG_VERSION'))) return template;
  const building = mkdtempSync(join(tmpdir(), 'central-test-pglite-building-'));
  const db = await PgliteDatabase.open(building);
  await db.close();
  try {
    renameSync(building, template);
  } catch {
    rmSync(building, { recursive: true, force: true }); // another test process made it first
  }
  return template;
}

/** Gives a fresh central data directory an empty embedded database (copied from the template). */
export async function seedEmbeddedDatabase(dataDir: string): Promise<void> {
  if (existsSync(join(dataDir, PGLITE_DIR))) return;
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  cpSync(join(await pgliteTemplate(), PGLITE_DIR), join(dataDir, PGLITE_DIR), { recursive: true });
}
