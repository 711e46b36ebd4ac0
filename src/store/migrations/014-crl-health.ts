// The last CRL health check of each configured CRL (per tenant, CA and kind), so every instance reports
// the same state, the monitor sees what changed since the last round (and logs a change once), and a
// read answers without downloading again.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('crl_health')
    .addColumn('tenant_id', 'varchar(36)', (c) => c.notNull())
    .addColumn('ca_id', 'varchar(36)', (c) => c.notNull())
    .addColumn('kind', 'varchar(8)', (c) => c.notNull())
    .addColumn('url', 'varchar(2048)', (c) => c.notNull())
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('report', 'text', (c) => c.notNull())
    .addColumn('checked_at', 'varchar(32)', (c) => c.notNull())
    .addPrimaryKeyConstraint('crl_health_pk', ['tenant_id', 'ca_id', 'kind'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('crl_health').execute();
}
