import { Client } from 'pg';
import { EmbeddedDatabase } from './database';
import { startPasswordGate, type PasswordGate } from './password-gate';

/** The embedded case store over TCP: the password opens it, and nothing else does. */

let db: EmbeddedDatabase;
let gate: PasswordGate;
const password = 'a generated password for the store';

beforeAll(async () => {
  db = await EmbeddedDatabase.open();
  await db.pglite.exec('create table kept (v text); insert into kept values (\'secret row\')');
  gate = await startPasswordGate({ db: db.pglite, host: '127.0.0.1', port: 0, password });
});

afterAll(async () => {
  await gate?.stop();
  await db?.close();
});

async function query(url: string): Promise<string[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<{ v: string }>('select v from kept')).rows.map((r) => r.v);
  } finally {
    await client.end();
  }
}

test('the right password reads the store; a wrong one, none, or another user name alone is refused before PGlite hears of it', async () => {
  expect(await query(`postgres://postgres:${encodeURIComponent(password)}@${gate.address}/postgres`)).toEqual(['secret row']);
  await expect(query(`postgres://postgres:wrong@${gate.address}/postgres`)).rejects.toThrow(/password authentication failed/);
  await expect(query(`postgres://postgres@${gate.address}/postgres`)).rejects.toThrow(/password/);
  await expect(query(`postgres://admin:${encodeURIComponent(password.slice(0, -1))}@${gate.address}/postgres`)).rejects.toThrow(/password authentication failed/);
  // Several clients at once, as the CLI and a worker process in other terminals are.
  const many = await Promise.all(Array.from({ length: 5 }, () => query(`postgres://postgres:${encodeURIComponent(password)}@${gate.address}/postgres`)));
  expect(many.flat()).toEqual(Array(5).fill('secret row'));
});
