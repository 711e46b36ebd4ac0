// The tenant's X.509 certificate authentication-method policy: one row per tenant, the configuration as
// one JSON document (the service owns its shape; a tenant without a row has the default policy).
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('x509_certificate_policy')
    .addColumn('tenant_id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('configuration', 'text', (c) => c.notNull())
    .addColumn('last_modified_date_time', 'varchar(32)', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('x509_certificate_policy').execute();
}
