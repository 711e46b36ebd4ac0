// Refresh tokens of the certificate sign-in, stored by their hash, tenant-scoped. Redeeming one marks it in
// one statement that only succeeds on an unredeemed token of that client, so two concurrent redemptions
// cannot both rotate it, on any number of instances, and another client's attempt leaves it untouched.
import type { Kysely } from 'kysely';
import type { Database } from './schema.ts';

export type TakenRefreshToken =
  | { readonly state: 'taken'; readonly userId: string; readonly grantJson: string; readonly expiresAtMs: number }
  | { readonly state: 'redeemed' | 'another_client' | 'unknown' };

export interface NewRefreshToken {
  readonly tokenHash: string;
  readonly tenantId: string;
  readonly clientId: string;
  readonly userId: string;
  readonly grantJson: string;
  readonly expiresAtMs: number;
}

export class RefreshTokenRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(token: NewRefreshToken): Promise<void> {
    await this.db
      .insertInto('refresh_token')
      .values({
        token_hash: token.tokenHash,
        tenant_id: token.tenantId,
        client_id: token.clientId,
        user_id: token.userId,
        grant_json: token.grantJson,
        expires_at_ms: token.expiresAtMs,
        redeemed_at_ms: null,
      })
      .execute();
  }

  /**
   * The grant of the tenant's unredeemed token of this client, leaving it unredeemed: a request the
   * grant refuses (a scope beyond it) is turned away before take() spends the token. A row's grant never
   * changes, so what this read returns is what a later take() of the same token returns.
   */
  async findUnredeemed(tenantId: string, clientId: string, tokenHash: string): Promise<{ readonly grantJson: string; readonly expiresAtMs: number } | undefined> {
    const row = await this.db
      .selectFrom('refresh_token')
      .select(['grant_json', 'expires_at_ms'])
      .where('token_hash', '=', tokenHash)
      .where('tenant_id', '=', tenantId)
      .where('client_id', '=', clientId)
      .where('redeemed_at_ms', 'is', null)
      .executeTakeFirst();
    return row && { grantJson: row.grant_json, expiresAtMs: Number(row.expires_at_ms) };
  }

  /** Marks the tenant's token of this client redeemed and returns what it grants; else why not. */
  async take(tenantId: string, clientId: string, tokenHash: string, nowMs: number): Promise<TakenRefreshToken> {
    const row = await this.db
      .updateTable('refresh_token')
      .set({ redeemed_at_ms: nowMs })
      .where('token_hash', '=', tokenHash)
      .where('tenant_id', '=', tenantId)
      .where('client_id', '=', clientId)
      .where('redeemed_at_ms', 'is', null)
      .returning(['user_id', 'grant_json', 'expires_at_ms'])
      .executeTakeFirst();
    if (row) return { state: 'taken', userId: row.user_id, grantJson: row.grant_json, expiresAtMs: Number(row.expires_at_ms) };
    const other = await this.db.selectFrom('refresh_token').select('client_id').where('token_hash', '=', tokenHash).where('tenant_id', '=', tenantId).executeTakeFirst();
    if (!other) return { state: 'unknown' };
    return { state: other.client_id === clientId ? 'redeemed' : 'another_client' };
  }

  /** Removes tokens that expired before `nowMs`, redeemed or not; how many. */
  async deleteExpired(nowMs: number): Promise<number> {
    const result = await this.db.deleteFrom('refresh_token').where('expires_at_ms', '<', nowMs).executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  /** Deletes every token of a tenant, or (undefined) of every tenant: a tenant reset. */
  async deleteTenant(tenantId: string | undefined): Promise<void> {
    let query = this.db.deleteFrom('refresh_token');
    if (tenantId !== undefined) query = query.where('tenant_id', '=', tenantId);
    await query.execute();
  }
}
