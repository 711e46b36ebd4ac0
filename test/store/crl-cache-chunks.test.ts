// Cached CRLs are stored as raw bytes in rows of at most 1 MiB (migration 010), on both back-ends: a CRL
// comes back byte for byte, a replaced or emptied one leaves no rows behind, and a database migrated
// from the base64 text column keeps its CRLs (and their highest CRL numbers). The space of deleted and
// replaced CRLs is reused: after many evictions and refreshes the tables stay within the bound plus one CRL.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { type Kysely, Migrator, sql } from 'kysely';
import { openDatabase, type OpenDatabase } from '../../src/store/database.ts';
import { migrationProvider } from '../../src/store/migrations/index.ts';
import { CRL_CHUNK_BYTES, type CachedCrl } from '../../src/store/crl-cache-repository.ts';
import type { Database } from '../../src/store/schema.ts';
import { Store } from '../../src/store/store.ts';
import pg from 'pg';
import { freshTestDatabase, POSTGRES_ADMIN_URL, TEST_BACKEND, TEST_RUN_ID } from '../helpers/backend.ts';

const opened: OpenDatabase[] = [];
/** PostgreSQL databases this file created (isolatedDatabase), dropped at its end. */
const createdDatabases: string[] = [];
after(async () => {
  for (const database of opened) await database.close();
  if (createdDatabases.length === 0) return;
  const admin = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
  await admin.connect();
  try {
    for (const name of createdDatabases) await admin.query(`drop database if exists ${name} with (force)`);
  } finally {
    await admin.end();
  }
});

/**
 * A fresh database whose space reuse no other test process can hold back. On PostgreSQL, a database of
 * its own: a VACUUM frees only rows no open snapshot may still see, and that horizon spans every session
 * of the same database, so beside other test processes in `test` the reuse measured below lagged by up to
 * 5 CRLs. Sessions of other databases do not count for a table's horizon. SQLite: a fresh file.
 */
async function isolatedDatabase(): Promise<OpenDatabase> {
  if (TEST_BACKEND !== 'postgres') return freshDatabase();
  const name = `gp_chunks_${TEST_RUN_ID}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  createdDatabases.push(name);
  const url = new URL(POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  const database = await openDatabase(url.toString());
  opened.push(database);
  return database;
}

/** A fresh database of the back-end under test (SQLite: a file), migrated to the latest schema unless told not to. */
async function freshDatabase(migrate = true): Promise<OpenDatabase> {
  const location = (await freshTestDatabase()) ?? path.join(await mkdtemp(path.join(tmpdir(), 'graph-pki-crl-chunks-')), 'graph-pki.db');
  const database = await openDatabase(location, undefined, migrate);
  opened.push(database);
  return database;
}

function entry(url: string, der: Buffer, highest = '7'): CachedCrl {
  return { url, crl_number: highest, highest_crl_number: highest, next_update: '2999-01-01T00:00:00Z', fetched_at: '2026-01-01T00:00:00Z', size_bytes: der.length, last_used_ms: 1 };
}

async function chunkRows(db: Kysely<Database>, url: string): Promise<number[]> {
  const rows = await db.selectFrom('crl_cache_chunk').select(['seq', 'data']).where('url', '=', url).orderBy('seq').execute();
  for (const row of rows) assert.ok(row.data.length <= CRL_CHUNK_BYTES, `chunk ${row.seq} holds ${row.data.length} bytes`);
  return rows.map((r) => r.seq);
}

describe('CRLs stored in chunks of raw bytes', () => {
  it('come back byte for byte, in ⌈size / 1 MiB⌉ rows', async () => {
    const database = await freshDatabase();
    const repository = new Store(database).repositories.crlCache;
    const der = randomBytes(2 * CRL_CHUNK_BYTES + 12_345);
    await repository.save(entry('http://crl.example/a.crl', der), der);
    assert.deepEqual(await chunkRows(database.db, 'http://crl.example/a.crl'), [0, 1, 2]);
    const back = await repository.readDer('http://crl.example/a.crl');
    assert.ok(back && back.equals(der), 'the same bytes');
    // Exactly one chunk's worth, and a CRL of 4 chunks (one full read of CHUNKS_PER_READ, then none).
    for (const size of [CRL_CHUNK_BYTES, 4 * CRL_CHUNK_BYTES]) {
      const exact = randomBytes(size);
      await repository.save(entry(`http://crl.example/${size}.crl`, exact), exact);
      assert.ok((await repository.readDer(`http://crl.example/${size}.crl`))?.equals(exact), `${size} bytes`);
    }
    assert.equal((await repository.find('http://crl.example/a.crl'))?.size_bytes, der.length);
  });

  it('a replaced CRL leaves none of the old rows; an emptied or dropped one leaves no rows at all', async () => {
    const database = await freshDatabase();
    const repository = new Store(database).repositories.crlCache;
    const url = 'http://crl.example/b.crl';
    const long = randomBytes(3 * CRL_CHUNK_BYTES);
    await repository.save(entry(url, long), long);
    const short = randomBytes(100);
    await repository.save(entry(url, short, '8'), short);
    assert.deepEqual(await chunkRows(database.db, url), [0]);
    assert.ok((await repository.readDer(url))?.equals(short));

    const other = 'http://crl.example/c.crl';
    await repository.save({ ...entry(other, long), last_used_ms: 2 }, long);
    const { evicted, totalBytes } = await repository.evictBeyond(long.length);
    assert.deepEqual(evicted, [url], 'the least recently used goes');
    assert.equal(totalBytes, long.length);
    assert.deepEqual(await chunkRows(database.db, url), []);
    assert.equal(await repository.readDer(url), undefined);
    assert.equal((await repository.find(url))?.highest_crl_number, '8', 'an emptied entry keeps its highest CRL number');

    // No CA names either URL: the sweep's drop removes the entries and their rows.
    await repository.dropUnreferenced();
    assert.deepEqual(await chunkRows(database.db, other), []);
    assert.equal(await repository.find(other), undefined);
  });

  it('evictBeyond leaves the URL about to be written alone', async () => {
    const database = await freshDatabase();
    const repository = new Store(database).repositories.crlCache;
    const der = randomBytes(1000);
    await repository.save(entry('http://crl.example/old.crl', der), der);
    await repository.save({ ...entry('http://crl.example/new.crl', der), last_used_ms: 0 }, der);
    const { evicted } = await repository.evictBeyond(1000, 'http://crl.example/new.crl');
    assert.deepEqual(evicted, []);
    assert.ok(await repository.readDer('http://crl.example/new.crl'));
  });
});

/** Bytes the CRL cache takes in the database: PostgreSQL, both tables with TOAST and indexes; SQLite, the whole file (pages × page size). */
async function storedBytes(database: OpenDatabase): Promise<number> {
  if (database.dialect === 'postgres') {
    const result = await sql<{ bytes: string }>`select pg_total_relation_size('crl_cache') + pg_total_relation_size('crl_cache_chunk') as bytes`.execute(database.db);
    return Number(result.rows[0]?.bytes);
  }
  const pages = await sql<{ page_count: number }>`pragma page_count`.execute(database.db);
  const size = await sql<{ page_size: number }>`pragma page_size`.execute(database.db);
  return Number(pages.rows[0]?.page_count) * Number(size.rows[0]?.page_size);
}

describe('the space of deleted CRLs', () => {
  it('is reused: 24 CRLs of 2 MiB written under a 6 MiB bound (evictions, and refreshes of one URL) leave the tables under the bound plus two CRLs', async () => {
    const database = await isolatedDatabase();
    const repository = new Store(database).repositories.crlCache;
    const size = 2 * CRL_CHUNK_BYTES;
    const bound = 3 * size;
    const empty = await storedBytes(database);
    // As CrlService writes: room made first, then the CRL (random bytes: no compression helps).
    const write = async (url: string, n: number) => {
      await repository.evictBeyond(bound - size, url);
      const der = randomBytes(size);
      await repository.save({ ...entry(url, der), last_used_ms: n }, der);
    };
    let most = 0;
    for (let n = 0; n < 24; n++) {
      await write(n % 2 === 0 ? `http://crl.example/distinct-${n}.crl` : 'http://crl.example/refreshed.crl', n);
      most = Math.max(most, (await storedBytes(database)) - empty);
    }
    assert.equal(await repository.totalBytes(), bound, 'three CRLs held');
    // 48 MiB were written; without reuse the tables hold all of it until a VACUUM (PostgreSQL: 50 MiB
    // measured with the VACUUM switched off).
    assert.ok(most <= bound + 2 * size, `the tables grew by ${(most / CRL_CHUNK_BYTES).toFixed(1)} MiB at most, for ${bound / CRL_CHUNK_BYTES} MiB of CRLs held`);
  });
});

describe('migration 010', () => {
  it('moves base64 CRLs into chunks and keeps emptied rows (with their CRL numbers) as they were', async () => {
    const database = await freshDatabase(false);
    // On PostgreSQL the migration tables live in the schema of the connection (as migrateToLatest has it).
    const schema = database.dialect === 'postgres' ? (await sql<{ schema: string }>`select current_schema() as schema`.execute(database.db)).rows[0]?.schema : undefined;
    const migrator = new Migrator({ db: database.db, provider: migrationProvider, ...(schema ? { migrationTableSchema: schema } : {}) });
    const to009 = await migrator.migrateTo('009-crl-cache-bounds');
    assert.equal(to009.error, undefined);
    const der = randomBytes(CRL_CHUNK_BYTES + 5);
    const base64 = der.toString('base64');
    const insert = (url: string, text: string, highest: string) =>
      sql`insert into crl_cache (url, der, crl_number, highest_crl_number, next_update, fetched_at, size_bytes, last_used_ms)
          values (${url}, ${text}, ${highest}, ${highest}, '2999-01-01T00:00:00Z', '2026-01-01T00:00:00Z', ${text.length}, 5)`.execute(database.db);
    await insert('http://crl.example/kept.crl', base64, '41');
    await insert('http://crl.example/emptied.crl', '', '42');
    const latest = await migrator.migrateToLatest();
    assert.equal(latest.error, undefined);
    const repository = new Store(database).repositories.crlCache;
    assert.ok((await repository.readDer('http://crl.example/kept.crl'))?.equals(der));
    const kept = await repository.find('http://crl.example/kept.crl');
    assert.equal(kept?.size_bytes, der.length, 'the size is now that of the DER');
    assert.equal(kept?.highest_crl_number, '41');
    assert.equal(await repository.readDer('http://crl.example/emptied.crl'), undefined);
    assert.equal((await repository.find('http://crl.example/emptied.crl'))?.highest_crl_number, '42');
    assert.deepEqual(await chunkRows(database.db, 'http://crl.example/emptied.crl'), []);
  });
});
