import { PGlite } from '@electric-sql/pglite';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { CentralDatabase, Sql } from './central-database.js';

/** The embedded database's folder inside central's data directory. */
export const PGLITE_DIR = 'pgdata';

/**
 * PGlite serves ONE connection, so every unit of work — a query or a whole transaction — waits its
 * turn in one queue: a transaction never sees another request's statements interleaved, and a
 * request never runs inside someone else's transaction. One process only may open the folder
 * (central's lock file enforces it).
 */
export class PgliteDatabase implements CentralDatabase {
  readonly engine = 'pglite';
  private tail: Promise<unknown> = Promise.resolve();

  private constructor(private readonly db: PGlite) {}

  static async open(dataDir: string): Promise<PgliteDatabase> {
    const dir = join(dataDir, PGLITE_DIR);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    return new PgliteDatabase(await PGlite.create(dir));
  }

  /** Queues `work` behind everything already queued; a failure does not block the queue. */
  private enqueue<T>(work: () => Promise<T>): Promise<T> {
    const run = this.tail.then(work, work);
    this.tail = run.catch(() => undefined);
    return run;
  }

  query<R = Record<string, unknown>>(text: string, params: readonly unknown[] = []): Promise<R[]> {
    return this.enqueue(async () => (await this.db.query<R>(text, [...params])).rows);
  }

  exec(text: string): Promise<void> {
    return this.enqueue(async () => {
      await this.db.exec(text);
    });
  }

  transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T> {
    return this.enqueue(() =>
      this.db.transaction(async (tx) =>
        fn({
          query: async <R>(text: string, params: readonly unknown[] = []) => (await tx.query<R>(text, [...params])).rows,
          exec: async (text: string) => {
            await tx.exec(text);
          },
        }),
      ),
    );
  }

  async close(): Promise<void> {
    await this.enqueue(() => this.db.close());
  }
}
