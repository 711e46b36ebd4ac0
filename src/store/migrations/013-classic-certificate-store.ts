// The classic trust store (organization/{id}/certificateBasedAuthConfiguration): at most one configuration
// per tenant (its presence is a row here; Graph gives it a fixed id) and its ordered list of CAs. The CAs
// are looked up by subject key identifier and lower-cased subject name during a verification, like the
// PKI store's CAs (migration 008), so those two get indexes.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('classic_auth_configuration')
    .addColumn('tenant_id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('created_date_time', 'varchar(32)', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('classic_certificate_authority')
    .addColumn('tenant_id', 'varchar(36)', (c) => c.notNull())
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('certificate', 'text', (c) => c.notNull())
    .addColumn('is_root_authority', 'integer', (c) => c.notNull())
    .addColumn('issuer', 'text', (c) => c.notNull())
    .addColumn('issuer_key', 'text', (c) => c.notNull())
    .addColumn('issuer_ski', 'varchar(256)', (c) => c.notNull())
    .addColumn('thumbprint', 'varchar(40)', (c) => c.notNull())
    .addColumn('expiration_date_time', 'varchar(32)', (c) => c.notNull())
    .addColumn('certificate_revocation_list_url', 'text')
    .addColumn('delta_certificate_revocation_list_url', 'text')
    .addPrimaryKeyConstraint('classic_certificate_authority_pk', ['tenant_id', 'position'])
    .addForeignKeyConstraint('classic_certificate_authority_configuration_fk', ['tenant_id'], 'classic_auth_configuration', ['tenant_id'], (fk) =>
      fk.onDelete('cascade'),
    )
    .execute();
  // A certificate at most once in a tenant's list, enforced by the database as well as by the service.
  await db.schema
    .createIndex('classic_certificate_authority_unique_thumbprint')
    .on('classic_certificate_authority')
    .columns(['tenant_id', 'thumbprint'])
    .unique()
    .execute();
  await db.schema.createIndex('classic_certificate_authority_by_ski').on('classic_certificate_authority').columns(['tenant_id', 'issuer_ski']).execute();
  await db.schema.createIndex('classic_certificate_authority_by_subject').on('classic_certificate_authority').columns(['tenant_id', 'issuer_key']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('classic_certificate_authority').execute();
  await db.schema.dropTable('classic_auth_configuration').execute();
}
