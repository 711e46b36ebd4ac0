// Throttling buckets shared by the instances of one deployment (used on PostgreSQL): each row is one
// token bucket's level at updated_ms (the database's clock), with the capacity and refill rate it has.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('throttle_bucket')
    .addColumn('bucket_key', 'varchar(200)', (c) => c.primaryKey())
    .addColumn('level', 'double precision', (c) => c.notNull())
    .addColumn('capacity', 'double precision', (c) => c.notNull())
    .addColumn('refill_per_ms', 'double precision', (c) => c.notNull())
    .addColumn('updated_ms', 'double precision', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('throttle_bucket').execute();
}
