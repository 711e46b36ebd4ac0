// Certificate sign-in (the OIDC provider beside Graph): the tenants' registered OIDC clients, the
// one-time authorization codes between /authorize and /token, and the sign-in log (Graph's signIn).
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('oidc_client')
    .addColumn('tenant_id', 'varchar(36)', (c) => c.notNull())
    .addColumn('client_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('display_name', 'text')
    // JSON array of absolute URIs.
    .addColumn('redirect_uris', 'text', (c) => c.notNull())
    // sha256 hex of the secret; null for a public client (PKCE only).
    .addColumn('secret_hash', 'varchar(64)')
    // JSON array: the Graph permissions `.default` stands for.
    .addColumn('default_scopes', 'text', (c) => c.notNull())
    .addColumn('created_date_time', 'varchar(32)', (c) => c.notNull())
    .addPrimaryKeyConstraint('oidc_client_pk', ['tenant_id', 'client_id'])
    .execute();

  await db.schema
    .createTable('authorization_code')
    // sha256 hex of the code: a leaked table row cannot be redeemed.
    .addColumn('code_hash', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('tenant_id', 'varchar(36)', (c) => c.notNull())
    // JSON: client, redirect URI, PKCE challenge, nonce, scopes and the signed-in user.
    .addColumn('grant_json', 'text', (c) => c.notNull())
    // epoch milliseconds
    .addColumn('expires_at_ms', 'double precision', (c) => c.notNull())
    // Set when redeemed: a second redemption is told the code was used (AADSTS54005) until the sweep removes it.
    .addColumn('redeemed_at_ms', 'double precision')
    .execute();
  await db.schema.createIndex('authorization_code_by_tenant').on('authorization_code').columns(['tenant_id']).execute();

  // A user's directory roles (role template ids, the `wids` of their tokens), set through the admin API
  // or the seed file: what Entra's roleManagement assignments decide.
  await db.schema
    .createTable('directory_role_assignment')
    .addColumn('tenant_id', 'varchar(36)', (c) => c.notNull())
    .addColumn('principal_id', 'varchar(36)', (c) => c.notNull())
    .addColumn('role_template_id', 'varchar(36)', (c) => c.notNull())
    .addPrimaryKeyConstraint('directory_role_assignment_pk', ['tenant_id', 'principal_id', 'role_template_id'])
    .execute();

  await db.schema
    .createTable('sign_in_log')
    .addColumn('tenant_id', 'varchar(36)', (c) => c.notNull())
    .addColumn('id', 'varchar(36)', (c) => c.notNull())
    .addColumn('created_date_time', 'varchar(32)', (c) => c.notNull())
    // JSON: the beta signIn resource as recorded.
    .addColumn('record', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('sign_in_log_pk', ['tenant_id', 'id'])
    .execute();
  await db.schema.createIndex('sign_in_log_newest_first').on('sign_in_log').columns(['tenant_id', 'created_date_time', 'id']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('sign_in_log').execute();
  await db.schema.dropTable('directory_role_assignment').execute();
  await db.schema.dropTable('authorization_code').execute();
  await db.schema.dropTable('oidc_client').execute();
}
