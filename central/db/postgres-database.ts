import pg from 'pg';
import type { CentralDatabase, Sql } from './central-database.js';

/**
 * PostgreSQL through a `pg` pool (production; several stateless central instances may share one
 * server). A transaction holds one pooled client from BEGIN to COMMIT.
 */
export class PostgresDatabase implements CentralDatabase {
  readonly engine = 'postgres';

  private constructor(private readonly pool: pg.Pool) {}

  static async connect(url: string, max = 10): Promise<PostgresDatabase> {
    const pool = new pg.Pool({ connectionString: url, max, connectionTimeoutMillis: 10_000 });
    // An idle client losing its server must not crash the process: the next query reports it.
    pool.on('error', (err) => process.emitWarning(`central: idle PostgreSQL client failed: ${err.message}`));
    const db = new PostgresDatabase(pool);
    try {
      await db.query('SELECT 1');
    } catch (err) {
      await pool.end();
      throw new Error(`cannot reach PostgreSQL at ${redactUrl(url)}: ${err instanceof Error ? err.message : String(err)}`);
    }
    return db;
  }

  async query<R = Record<string, unknown>>(text: string, params: readonly unknown[] = []): Promise<R[]> {
    return (await this.pool.query(text, [...params])).rows as R[];
  }

  async exec(text: string): Promise<void> {
    await this.pool.query(text);
  }

  async transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      const result = await fn({
        query: async <R>(text: string, params: readonly unknown[] = []) => (await client.query(text, [...params])).rows as R[],
        exec: async (text: string) => {
          await client.query(text);
        },
      });
      await client.query('COMMIT');
      return result;
    } catch (err) {
      try {
        await client.query('ROLLBACK');
      } catch (rollbackErr) {
        // The connection itself failed: release it as broken (the pool drops it); report the first error.
        broken = rollbackErr instanceof Error ? rollbackErr : new Error(String(rollbackErr));
      }
      throw err;
    } finally {
      client.release(broken);
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

/** The URL without its password, for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgres://…';
  }
}
