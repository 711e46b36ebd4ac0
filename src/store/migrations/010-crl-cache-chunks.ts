// Cached CRLs move from one base64 text column to raw bytes (BLOB on SQLite, bytea on PostgreSQL) in rows
// of at most 1 MiB (crl_cache_chunk). Base64 took 4/3 of the DER on disk and a second, larger string in
// memory on every write and read; one 20 MB value made both drivers hold another full copy or two of
// it (SQLite assembles the record and binds a private copy; pg sends and receives bytea as one
// message, in hex when reading). In chunks no statement handles more than 1 MiB of a CRL.
// crl_cache keeps one row per URL (its CRL number, highest number seen, size, last use).
import { type Kysely, PostgresAdapter, sql } from 'kysely';
import { CRL_CHUNK_BYTES } from '../crl-cache-repository.ts';

export async function up(db: Kysely<unknown>): Promise<void> {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  // PostgreSQL runs each migration in a transaction already; on SQLite this one makes its own, so a
  // crash half-way leaves the old table as it was.
  if (postgres) await moveToChunks(db, 'bytea');
  else await db.transaction().execute((trx) => moveToChunks(trx, 'blob'));
}

async function moveToChunks(db: Kysely<unknown>, bytesType: 'bytea' | 'blob'): Promise<void> {
  await db.schema
    .createTable('crl_cache_chunk')
    .addColumn('url', 'varchar(2048)', (c) => c.notNull())
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('data', bytesType, (c) => c.notNull())
    .addPrimaryKeyConstraint('crl_cache_chunk_pk', ['url', 'seq'])
    .execute();
  // Cached CRLs carried over one at a time (a URL's highest CRL number must survive: it stops replays).
  const urls = await sql<{ url: string }>`select url from crl_cache where der <> ''`.execute(db);
  for (const { url } of urls.rows) {
    const row = await sql<{ der: string }>`select der from crl_cache where url = ${url}`.execute(db);
    const der = Buffer.from(row.rows[0]?.der ?? '', 'base64');
    for (let seq = 0; seq * CRL_CHUNK_BYTES < der.length; seq++) {
      const data = der.subarray(seq * CRL_CHUNK_BYTES, (seq + 1) * CRL_CHUNK_BYTES);
      await sql`insert into crl_cache_chunk (url, seq, data) values (${url}, ${seq}, ${data})`.execute(db);
    }
    await sql`update crl_cache set size_bytes = ${der.length} where url = ${url}`.execute(db);
  }
  await db.schema.alterTable('crl_cache').dropColumn('der').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  // Going back empties the cache (every row keeps its highest CRL number): CRLs are downloaded again.
  await db.schema.alterTable('crl_cache').addColumn('der', 'text', (c) => c.notNull().defaultTo('')).execute();
  await sql`update crl_cache set size_bytes = 0`.execute(db);
  await db.schema.dropTable('crl_cache_chunk').execute();
}
