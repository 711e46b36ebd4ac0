// Which database back-end the suite runs on: `npm test` runs every test file that uses a back-end twice,
// once on SQLite and once on PostgreSQL (GRAPH_PKI_TEST_BACKEND=postgres). On PostgreSQL each server gets
// its own fresh schema in the `test` database, so files never see each other's rows. Every schema name
// carries the run's id (gp_<kind>_<run id>_<suffix>), so several runs can share one PostgreSQL server:
// a run drops its own schemas only (the test file when it ends, or `npm test` once all files are done).
import { createHash, randomBytes } from 'node:crypto';
import { after } from 'node:test';
import pg from 'pg';

export type Backend = 'sqlite' | 'postgres';

export const TEST_BACKEND: Backend = process.env.GRAPH_PKI_TEST_BACKEND === 'postgres' ? 'postgres' : 'sqlite';
export const POSTGRES_ADMIN_URL = process.env.GRAPH_PKI_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/**
 * This run's id: `npm test` gives every file of one run the same (GRAPH_PKI_TEST_RUN_ID) and drops
 * gp_*_<id>_* afterwards; a test file run on its own makes its own.
 */
export const TEST_RUN_ID = process.env.GRAPH_PKI_TEST_RUN_ID ?? randomBytes(4).toString('hex');

/** A schema name of this run: `gp_<kind>_<run id>_<suffix>` (kind and suffix: lower-case letters, digits). */
export function testSchemaName(kind: string, suffix: string): string {
  return `gp_${kind}_${TEST_RUN_ID}_${suffix}`;
}

const created = new Set<string>();

// Under `npm test` the runner drops the run's schemas once all files are done (GRAPH_PKI_TEST_KEEP_SCHEMAS):
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
  return postgresSchemaUrl(testSchemaName('test', randomBytes(8).toString('hex')));
}

/** The database that belongs to a data folder, so a server restarted on the folder finds its data. */
export async function databaseForDataDir(dataDir: string): Promise<string | undefined> {
  if (TEST_BACKEND === 'sqlite') return undefined;
  return postgresSchemaUrl(testSchemaName('dir', createHash('sha256').update(dataDir).digest('hex').slice(0, 16)));
}
