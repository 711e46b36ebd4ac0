// The authenticationMethodsPolicy root's own properties (registrationEnforcement, reconfirmationInDays,
// policyMigrationState): one row per tenant, one JSON document the service owns, as the x509 configuration
// (004). A tenant without a row has the default policy.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('authentication_methods_policy')
    .addColumn('tenant_id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('configuration', 'text', (c) => c.notNull())
    .addColumn('last_modified_date_time', 'varchar(32)', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('authentication_methods_policy').execute();
}
