// Refresh tokens of the certificate sign-in (offline_access): stored by their hash, tenant-scoped, one row
// per token; redeeming one marks it used (rotation: the next one is a new row), so a replay is refused.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('refresh_token')
    // sha256 hex of the token: a leaked table row cannot be redeemed.
    .addColumn('token_hash', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('tenant_id', 'varchar(36)', (c) => c.notNull())
    // The client it was issued to: only that client redeems it.
    .addColumn('client_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('user_id', 'varchar(36)', (c) => c.notNull())
    // JSON: scopes, amr and auth_time of the sign-in it continues (service/signin owns the shape).
    .addColumn('grant_json', 'text', (c) => c.notNull())
    // epoch milliseconds
    .addColumn('expires_at_ms', 'double precision', (c) => c.notNull())
    // Set when redeemed (rotated): a second redemption is refused until the sweep removes the row at expiry.
    .addColumn('redeemed_at_ms', 'double precision')
    .execute();
  await db.schema.createIndex('refresh_token_by_tenant').on('refresh_token').columns(['tenant_id']).execute();
  await db.schema.createIndex('refresh_token_by_expiry').on('refresh_token').columns(['expires_at_ms']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('refresh_token').execute();
}
