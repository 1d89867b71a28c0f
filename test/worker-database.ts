import { randomBytes } from 'node:crypto';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { Client } from 'pg';
import { CaseStore } from '../src/cases/case-store';
import { EmbeddedDatabase, PostgresDatabase } from '../src/cases/database';
import { freePort } from './free-port';

/**
 * A case store that worker processes and the test share over the PostgreSQL protocol: a fresh
 * database on the run's PostgreSQL (`npm test` starts one), or, run alone without it, the
 * embedded database behind a socket. The socket serializes one backend for every connection,
 * so it is slower and retries more; CI always has the real server.
 */
export interface WorkerDatabase {
  url: string;
  store: CaseStore;
  close(): Promise<void>;
}

const postgresUrl = process.env.TEST_DATABASE_URL;

export async function freshWorkerDatabase(): Promise<WorkerDatabase> {
  if (postgresUrl) {
    const name = `scc_workers_${randomBytes(6).toString('hex')}`;
    const admin = new Client({ connectionString: postgresUrl });
    await admin.connect();
    await admin.query(`create database ${name}`);
    await admin.end();
    const url = new URL(postgresUrl);
    url.pathname = `/${name}`;
    const store = new CaseStore(new PostgresDatabase(url.toString()));
    await store.migrate();
    return { url: url.toString(), store, close: () => store.db.close() };
  }
  if (process.env.CI === 'true') throw new Error('TEST_DATABASE_URL is not set: CI runs worker processes against PostgreSQL (scripts/test.sh starts one)');
  const db = await EmbeddedDatabase.open();
  const store = new CaseStore(db);
  await store.migrate();
  const socket = new PGLiteSocketServer({ db: db.pglite, host: '127.0.0.1', port: await freePort(), maxConnections: 64 });
  await socket.start();
  return {
    url: `postgres://postgres@${socket.getServerConn()}/postgres`,
    store,
    async close() {
      await socket.stop();
      await db.close();
    },
  };
}
