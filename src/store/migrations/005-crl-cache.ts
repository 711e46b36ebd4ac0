// Downloaded CRLs, kept until their nextUpdate so every instance (and a restarted one) can use them
// without downloading again, and the highest CRL number seen per URL (a CRL must never go backwards).
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('crl_cache')
    .addColumn('url', 'varchar(2048)', (c) => c.primaryKey())
    .addColumn('der', 'text', (c) => c.notNull())
    .addColumn('crl_number', 'varchar(64)')
    .addColumn('highest_crl_number', 'varchar(64)')
    .addColumn('next_update', 'varchar(32)')
    .addColumn('fetched_at', 'varchar(32)', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('crl_cache').execute();
}
