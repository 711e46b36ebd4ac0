// The tenants' registered OIDC clients (certificate sign-in). Every method takes the tenant id and
// touches only that tenant's rows.
import type { Kysely } from 'kysely';
import type { Database } from './schema.ts';

export interface OidcClientRecord {
  readonly clientId: string;
  readonly displayName: string | null;
  readonly redirectUris: readonly string[];
  /** sha256 hex of the client secret; null for a public client. */
  readonly secretHash: string | null;
  readonly defaultScopes: readonly string[];
  readonly createdDateTime: string;
}

export class OidcClientRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Adds the client; false when the tenant already has one with this id. */
  async insert(tenantId: string, client: OidcClientRecord): Promise<boolean> {
    const result = await this.db
      .insertInto('oidc_client')
      .values({
        tenant_id: tenantId,
        client_id: client.clientId,
        display_name: client.displayName,
        redirect_uris: JSON.stringify(client.redirectUris),
        secret_hash: client.secretHash,
        default_scopes: JSON.stringify(client.defaultScopes),
        created_date_time: client.createdDateTime,
      })
      .onConflict((oc) => oc.columns(['tenant_id', 'client_id']).doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
  }

  async find(tenantId: string, clientId: string): Promise<OidcClientRecord | undefined> {
    const row = await this.db.selectFrom('oidc_client').selectAll().where('tenant_id', '=', tenantId).where('client_id', '=', clientId).executeTakeFirst();
    return row && toRecord(row);
  }

  async list(tenantId: string): Promise<OidcClientRecord[]> {
    const rows = await this.db.selectFrom('oidc_client').selectAll().where('tenant_id', '=', tenantId).orderBy('client_id').execute();
    return rows.map(toRecord);
  }

  async delete(tenantId: string, clientId: string): Promise<boolean> {
    const result = await this.db.deleteFrom('oidc_client').where('tenant_id', '=', tenantId).where('client_id', '=', clientId).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }
}

function toRecord(row: Database['oidc_client']): OidcClientRecord {
  return {
    clientId: row.client_id,
    displayName: row.display_name,
    redirectUris: JSON.parse(row.redirect_uris) as string[],
    secretHash: row.secret_hash,
    defaultScopes: JSON.parse(row.default_scopes) as string[],
    createdDateTime: row.created_date_time,
  };
}
