// Which database back-end the suite runs on: `npm test` runs every test file twice, once on SQLite and
// once on PostgreSQL (GRAPH_PKI_TEST_BACKEND=postgres). On PostgreSQL each server gets its own fresh
// schema in the `test` database, so runs and files never see each other's rows; schemas are dropped
// when the test file ends.
import { createHash, randomBytes } from 'node:crypto';
import { after } from 'node:test';
import pg from 'pg';

export type Backend = 'sqlite' | 'postgres';

export const TEST_BACKEND: Backend = process.env.GRAPH_PKI_TEST_BACKEND === 'postgres' ? 'postgres' : 'sqlite';
export const POSTGRES_ADMIN_URL = process.env.GRAPH_PKI_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

const created = new Set<string>();

// Under `npm test` the runner drops every test schema once all files are done (GRAPH_PKI_TEST_KEEP_SCHEMAS):
// a DROP SCHEMA while another test process introspects the catalog (Kysely's migrator does) can fail it.
after(async () => {
  if (created.size === 0 || process.env.GRAPH_PKI_TEST_KEEP_SCHEMAS === '1') return;
  const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
  await client.connect();
  try {
    for (const schema of created) await client.query(`drop schema if exists ${schema} cascade`);
  } finally {
    await client.end();
  }
});

/** A database URL whose connections use `schema` (created if missing). */
export async function postgresSchemaUrl(schema: string): Promise<string> {
  if (!/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`bad schema name ${schema}`);
  const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
  await client.connect();
  try {
    await client.query(`create schema if not exists ${schema}`);
  } finally {
    await client.end();
  }
  created.add(schema);
  const url = new URL(POSTGRES_ADMIN_URL);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return url.toString();
}

/** A fresh, empty database for one test server: undefined (SQLite file in the data folder) or a new schema. */
export async function freshTestDatabase(): Promise<string | undefined> {
  if (TEST_BACKEND === 'sqlite') return undefined;
  return postgresSchemaUrl(`gp_test_${randomBytes(8).toString('hex')}`);
}

/** The database that belongs to a data folder, so a server restarted on the folder finds its data. */
export async function databaseForDataDir(dataDir: string): Promise<string | undefined> {
  if (TEST_BACKEND === 'sqlite') return undefined;
  return postgresSchemaUrl(`gp_dir_${createHash('sha256').update(dataDir).digest('hex').slice(0, 16)}`);
}
