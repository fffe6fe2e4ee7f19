/**
 * Central's database, the same SQL on two engines: PGlite (PostgreSQL compiled to WebAssembly, in the
 * data directory: the embedded default) and PostgreSQL through the `pg` driver (production). Write SQL
 * that PostgreSQL 15 and PGlite (PostgreSQL 18) both accept; cast counts to int so both drivers return
 * numbers; pass JSON as text cast to jsonb.
 */
export interface Sql {
  query<R = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<R[]>;
  /** Several statements without parameters (migrations). */
  exec(text: string): Promise<void>;
}

export interface CentralDatabase extends Sql {
  readonly engine: 'pglite' | 'postgres';
  /** Runs `fn` in one transaction (BEGIN … COMMIT, ROLLBACK on a throw). */
  transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** The database named by `--database`: a postgres:// URL, or the embedded PGlite in `<data>/pgdata`. */
export async function openCentralDatabase(opts: { url?: string | null; dataDir: string }): Promise<CentralDatabase> {
  if (opts.url) {
    const { PostgresDatabase } = await import('./postgres-database.js');
    return PostgresDatabase.connect(opts.url);
  }
  const { PgliteDatabase } = await import('./pglite-database.js');
  return PgliteDatabase.open(opts.dataDir);
}
