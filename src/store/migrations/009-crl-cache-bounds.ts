// The CRL cache is bounded in bytes with the least recently used entries dropped first: each row
// records its stored size and when a verification last used it.
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('crl_cache').addColumn('size_bytes', 'bigint', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('crl_cache').addColumn('last_used_ms', 'bigint', (c) => c.notNull().defaultTo(0)).execute();
  await sql`update crl_cache set size_bytes = length(der)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('crl_cache').dropColumn('last_used_ms').execute();
  await db.schema.alterTable('crl_cache').dropColumn('size_bytes').execute();
}
