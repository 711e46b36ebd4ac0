import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('certificate_authority')
    .addColumn('tenant_id', 'varchar(36)', (c) => c.notNull())
    .addColumn('id', 'varchar(36)', (c) => c.notNull())
    .addColumn('pki_id', 'varchar(36)', (c) => c.notNull())
    .addColumn('certificate', 'text', (c) => c.notNull())
    .addColumn('certificate_authority_type', 'varchar(32)', (c) => c.notNull())
    .addColumn('display_name', 'text')
    .addColumn('issuer', 'text', (c) => c.notNull())
    .addColumn('issuer_subject_key_identifier', 'varchar(256)')
    .addColumn('thumbprint', 'varchar(40)', (c) => c.notNull())
    .addColumn('created_date_time', 'varchar(32)', (c) => c.notNull())
    .addColumn('expiration_date_time', 'varchar(32)', (c) => c.notNull())
    .addColumn('certificate_revocation_list_url', 'text')
    .addColumn('delta_certificate_revocation_list_url', 'text')
    .addColumn('is_issuer_hint_enabled', 'integer', (c) => c.notNull())
    .addColumn('deleted_date_time', 'varchar(32)')
    .addPrimaryKeyConstraint('certificate_authority_pk', ['tenant_id', 'id'])
    .addForeignKeyConstraint('certificate_authority_pki_fk', ['tenant_id', 'pki_id'], 'certificate_based_auth_pki', ['tenant_id', 'id'], (fk) =>
      fk.onDelete('cascade'),
    )
    .execute();
  await db.schema.createIndex('certificate_authority_by_pki').on('certificate_authority').columns(['tenant_id', 'pki_id', 'id']).execute();
  // The same certificate at most once per PKI among live CAs, enforced by the database so that
  // concurrent writers (several instances) cannot store a duplicate.
  await db.schema
    .createIndex('certificate_authority_unique_thumbprint')
    .on('certificate_authority')
    .columns(['tenant_id', 'pki_id', 'thumbprint'])
    .unique()
    .where(sql.ref('deleted_date_time'), 'is', null)
    .execute();

  await db.schema
    .createTable('job')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('tenant_id', 'varchar(36)', (c) => c.notNull())
    .addColumn('kind', 'varchar(32)', (c) => c.notNull())
    .addColumn('subject_id', 'varchar(36)', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('state', 'varchar(16)', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('lease_owner', 'varchar(64)')
    .addColumn('lease_expires_at', 'bigint')
    .addColumn('result', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('finished_at', 'bigint')
    .execute();
  await db.schema.createIndex('job_claimable').on('job').columns(['state', 'created_at']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('job').execute();
  await db.schema.dropTable('certificate_authority').execute();
}
