import type { Kysely } from 'kysely';

// `unknown` because a migration must keep working whatever the current Database type becomes.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('certificate_based_auth_pki')
    .addColumn('tenant_id', 'varchar(36)', (c) => c.notNull())
    .addColumn('id', 'varchar(36)', (c) => c.notNull())
    .addColumn('display_name', 'text')
    .addColumn('status', 'varchar(64)', (c) => c.notNull())
    .addColumn('status_details', 'text')
    .addColumn('last_modified_date_time', 'varchar(32)', (c) => c.notNull())
    .addColumn('created_date_time', 'varchar(32)', (c) => c.notNull())
    .addColumn('deleted_date_time', 'varchar(32)')
    .addPrimaryKeyConstraint('certificate_based_auth_pki_pk', ['tenant_id', 'id'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('certificate_based_auth_pki').execute();
}
