import { PGlite } from '@electric-sql/pglite';
import { Pool } from 'pg';
import { isChainRace } from './audit';

/**
 * The case store's database: PostgreSQL through node-postgres when DATABASE_URL is set, an
 * embedded PostgreSQL (PGlite) in a data folder otherwise. One SQL dialect, one schema.
 */
export interface Database {
  readonly kind: 'postgres' | 'embedded';
  /** Bound to one open transaction (what `transaction` hands its work), not to the database. */
  readonly inTransaction?: boolean;
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Runs a script of several statements (no parameters). */
  exec(sql: string): Promise<void>;
  /** Runs `work` in one transaction; it sees a Database bound to that transaction. */
  transaction<T>(work: (tx: Database) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export class PostgresDatabase implements Database {
  readonly kind = 'postgres';
  private readonly pool: Pool;

  constructor(url: string) {
    this.pool = new Pool({ connectionString: url, max: 10 });
  }

  async query<T>(sql: string, params: unknown[] = []): Promise<T[]> {
    return againAfterChainRaces(async () => (await this.pool.query(sql, params)).rows as T[]);
  }

  async exec(sql: string): Promise<void> {
    await this.pool.query(sql);
  }

  async transaction<T>(work: (tx: Database) => Promise<T>): Promise<T> {
    return againAfterChainRaces(() => this.attemptTransaction(work));
  }

  private async attemptTransaction<T>(work: (tx: Database) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    const tx: Database = {
      kind: 'postgres',
      inTransaction: true,
      query: async <R>(sql: string, params: unknown[] = []) => (await client.query(sql, params)).rows as R[],
      exec: async (sql: string) => void (await client.query(sql)),
      transaction: (inner) => inner(tx),
      close: async () => undefined,
    };
    try {
      await client.query('BEGIN');
      const result = await work(tx);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

/** How many times a write that lost the race for a case's chain is made again before its error stands. */
const chainRaceAttempts = 12;

/**
 * A write that lost a race for a case's audit chain (another write took its place, see
 * `appendAudit`) failed whole: made again, it appends after the winner. Each attempt waits a
 * little longer, at random, so that writers that collided do not collide again.
 */
async function againAfterChainRaces<T>(write: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await write();
    } catch (error) {
      if (!isChainRace(error) || attempt >= chainRaceAttempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(50, 2 ** attempt)));
    }
  }
}

export class EmbeddedDatabase implements Database {
  readonly kind = 'embedded';

  private constructor(readonly pglite: PGlite) {}

  /** `dataDir` keeps the data across restarts; without it the database lives in memory. */
  static async open(dataDir?: string): Promise<EmbeddedDatabase> {
    return new EmbeddedDatabase(await PGlite.create(dataDir));
  }

  async query<T>(sql: string, params: unknown[] = []): Promise<T[]> {
    return (await this.pglite.query<T>(sql, params)).rows;
  }

  async exec(sql: string): Promise<void> {
    await this.pglite.exec(sql);
  }

  async transaction<T>(work: (tx: Database) => Promise<T>): Promise<T> {
    return this.pglite.transaction(async (transaction) => {
      const tx: Database = {
        kind: 'embedded',
        inTransaction: true,
        query: async <R>(sql: string, params: unknown[] = []) => (await transaction.query<R>(sql, params)).rows,
        exec: async (sql: string) => void (await transaction.exec(sql)),
        transaction: (inner) => inner(tx),
        close: async () => undefined,
      };
      return work(tx);
    });
  }

  async close(): Promise<void> {
    await this.pglite.close();
  }
}

export async function openDatabase(options: { url?: string | undefined; dataDir?: string | undefined }): Promise<Database> {
  return options.url ? new PostgresDatabase(options.url) : EmbeddedDatabase.open(options.dataDir);
}
