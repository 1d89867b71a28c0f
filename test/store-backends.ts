import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { EmbeddedDatabase, PostgresDatabase, type Database } from '../src/cases/database';

/** The databases store tests run on: the embedded default, and PostgreSQL when TEST_DATABASE_URL names one (each test file its own database). */

const postgresUrl = process.env.TEST_DATABASE_URL;
if (process.env.CI === 'true' && !postgresUrl) {
  throw new Error('TEST_DATABASE_URL is not set: CI runs the case store tests against PostgreSQL too (scripts/test.sh starts one)');
}

async function freshPostgres(): Promise<Database> {
  const name = `scc_test_${randomBytes(6).toString('hex')}`;
  const admin = new Client({ connectionString: postgresUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(postgresUrl!);
  url.pathname = `/${name}`;
  return new PostgresDatabase(url.toString());
}

export const postgresConfigured = postgresUrl !== undefined;

export const storeBackends: [string, () => Promise<Database>][] = [['embedded', () => EmbeddedDatabase.open()], ...(postgresUrl ? [['postgres', freshPostgres] as [string, () => Promise<Database>]] : [])];
