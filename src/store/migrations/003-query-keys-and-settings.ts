// Normalised key columns for filtering and sorting (Unicode lower case computed in JS, so SQLite and
// PostgreSQL compare and order alike; byte order via COLLATE "C" on PostgreSQL), partial indexes over
// live rows for keyset paging, and a settings table for secrets every instance must share.
import { type Kysely, PostgresAdapter, sql } from 'kysely';

const lower = (value: unknown) => (typeof value === 'string' ? value.toLowerCase() : '');

export async function up(db: Kysely<unknown>): Promise<void> {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  const keyColumn = (table: string, column: string) =>
    db.schema
      .alterTable(table)
      .addColumn(column, 'text', (c) => {
        const withDefault = c.notNull().defaultTo('');
        return postgres ? withDefault.modifyEnd(sql`collate "C"`) : withDefault;
      })
      .execute();
  await keyColumn('certificate_based_auth_pki', 'display_name_key');
  await keyColumn('certificate_authority', 'display_name_key');
  await keyColumn('certificate_authority', 'issuer_key');

  // Backfill in JS: SQL lower() folds only ASCII on SQLite.
  const untyped = db as Kysely<Record<string, Record<string, unknown>>>;
  for (const row of await untyped.selectFrom('certificate_based_auth_pki').select(['tenant_id', 'id', 'display_name']).execute()) {
    await untyped
      .updateTable('certificate_based_auth_pki')
      .set({ display_name_key: lower(row.display_name) })
      .where('tenant_id', '=', row.tenant_id)
      .where('id', '=', row.id)
      .execute();
  }
  for (const row of await untyped.selectFrom('certificate_authority').select(['tenant_id', 'id', 'display_name', 'issuer']).execute()) {
    await untyped
      .updateTable('certificate_authority')
      .set({ display_name_key: lower(row.display_name), issuer_key: lower(row.issuer) })
      .where('tenant_id', '=', row.tenant_id)
      .where('id', '=', row.id)
      .execute();
  }

  const live = sql.ref('deleted_date_time');
  const index = (name: string, table: string, columns: string[], deleted: 'live' | 'deleted') =>
    db.schema.createIndex(name).on(table).columns(columns).where(live, deleted === 'live' ? 'is' : 'is not', null).execute();
  await index('pki_live_by_id', 'certificate_based_auth_pki', ['tenant_id', 'id'], 'live');
  await index('pki_live_by_name', 'certificate_based_auth_pki', ['tenant_id', 'display_name_key', 'id'], 'live');
  await index('pki_live_by_modified', 'certificate_based_auth_pki', ['tenant_id', 'last_modified_date_time', 'id'], 'live');
  await index('pki_deleted', 'certificate_based_auth_pki', ['tenant_id', 'deleted_date_time', 'id'], 'deleted');
  await index('ca_live_by_name', 'certificate_authority', ['tenant_id', 'pki_id', 'display_name_key', 'id'], 'live');
  await index('ca_live_by_expiry', 'certificate_authority', ['tenant_id', 'pki_id', 'expiration_date_time', 'id'], 'live');
  await index('ca_deleted', 'certificate_authority', ['tenant_id', 'deleted_date_time', 'id'], 'deleted');

  await db.schema
    .createTable('server_setting')
    .addColumn('name', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('server_setting').execute();
  for (const name of ['pki_live_by_id', 'pki_live_by_name', 'pki_live_by_modified', 'pki_deleted', 'ca_live_by_name', 'ca_live_by_expiry', 'ca_deleted']) {
    await db.schema.dropIndex(name).execute();
  }
  await db.schema.alterTable('certificate_based_auth_pki').dropColumn('display_name_key').execute();
  await db.schema.alterTable('certificate_authority').dropColumn('display_name_key').execute();
  await db.schema.alterTable('certificate_authority').dropColumn('issuer_key').execute();
}
