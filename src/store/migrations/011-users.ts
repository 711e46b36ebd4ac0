// Directory users with the properties certificate-based authentication binds to, and a lookup table of
// their certificateUserIds: one row per value of a live user, keyed by a hash of the value's match key,
// so a value finds its user through an index and cannot be stored twice in a tenant (the database
// enforces it, whichever instance writes). The hash keeps the key short: PostgreSQL's b-tree entries
// are capped near 2.7 KB and a value may hold 1024 characters of multi-byte text.
import { type ColumnDefinitionBuilder, type Kysely, PostgresAdapter, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  // Key columns sort in byte order on PostgreSQL, as the PKI tables' (migration 003), so prefix ranges are exact.
  const keyColumn = (c: ColumnDefinitionBuilder) => (postgres ? c.notNull().modifyEnd(sql`collate "C"`) : c.notNull());
  await db.schema
    .createTable('directory_user')
    .addColumn('tenant_id', 'varchar(36)', (c) => c.notNull())
    .addColumn('id', 'varchar(36)', (c) => c.notNull())
    .addColumn('user_principal_name', 'text', (c) => c.notNull())
    .addColumn('user_principal_name_key', 'text', (c) => keyColumn(c))
    .addColumn('on_premises_user_principal_name', 'text')
    .addColumn('on_premises_user_principal_name_key', 'text', (c) => keyColumn(c))
    .addColumn('on_premises_sync_enabled', 'integer')
    .addColumn('mail', 'text')
    .addColumn('mail_key', 'text', (c) => keyColumn(c))
    .addColumn('mail_nickname', 'text')
    .addColumn('display_name', 'text')
    .addColumn('display_name_key', 'text', (c) => keyColumn(c))
    .addColumn('given_name', 'text')
    .addColumn('surname', 'text')
    .addColumn('job_title', 'text')
    .addColumn('account_enabled', 'integer', (c) => c.notNull())
    // JSON array, in the order the client wrote them.
    .addColumn('certificate_user_ids', 'text', (c) => c.notNull())
    .addColumn('created_date_time', 'varchar(32)', (c) => c.notNull())
    .addColumn('deleted_date_time', 'varchar(32)')
    .addPrimaryKeyConstraint('directory_user_pk', ['tenant_id', 'id'])
    .execute();
  const live = sql.ref('deleted_date_time');
  // One live user per userPrincipalName (case-insensitive) and per onPremisesUserPrincipalName in a tenant.
  await db.schema.createIndex('user_live_upn').on('directory_user').columns(['tenant_id', 'user_principal_name_key']).unique().where(live, 'is', null).execute();
  await db.schema
    .createIndex('user_live_on_premises_upn')
    .on('directory_user')
    .columns(['tenant_id', 'on_premises_user_principal_name_key'])
    .unique()
    .where(live, 'is', null)
    .where(sql.ref('on_premises_user_principal_name'), 'is not', null)
    .execute();
  await db.schema.createIndex('user_live_by_name').on('directory_user').columns(['tenant_id', 'display_name_key', 'id']).where(live, 'is', null).execute();
  await db.schema.createIndex('user_live_by_mail').on('directory_user').columns(['tenant_id', 'mail_key', 'id']).where(live, 'is', null).execute();
  await db.schema.createIndex('user_deleted').on('directory_user').columns(['tenant_id', 'deleted_date_time', 'id']).where(live, 'is not', null).execute();

  await db.schema
    .createTable('user_certificate_user_id')
    .addColumn('tenant_id', 'varchar(36)', (c) => c.notNull())
    // SHA-256 (hex) of the value's match key (service/directory/certificate-user-ids.ts).
    .addColumn('match_hash', 'varchar(64)', (c) => c.notNull())
    .addColumn('user_id', 'varchar(36)', (c) => c.notNull())
    // The value as written, for startsWith filters.
    .addColumn('value', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('user_certificate_user_id_pk', ['tenant_id', 'match_hash'])
    .addForeignKeyConstraint('user_certificate_user_id_user_fk', ['tenant_id', 'user_id'], 'directory_user', ['tenant_id', 'id'], (fk) => fk.onDelete('cascade'))
    .execute();
  await db.schema.createIndex('user_certificate_user_id_by_user').on('user_certificate_user_id').columns(['tenant_id', 'user_id']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('user_certificate_user_id').execute();
  await db.schema.dropTable('directory_user').execute();
}
