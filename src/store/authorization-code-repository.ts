// One-time authorization codes between /authorize and /token, stored by their hash. Redeeming marks the
// code in one statement that only succeeds on an unredeemed code, so two concurrent redemptions cannot
// both get it, on any number of instances; the row stays until it expires so a replay can be told apart.
import type { Kysely } from 'kysely';
import type { Database } from './schema.ts';

export type TakenCode = { readonly state: 'taken'; readonly grantJson: string; readonly expiresAtMs: number } | { readonly state: 'redeemed' } | { readonly state: 'unknown' };

export class AuthorizationCodeRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(codeHash: string, tenantId: string, grantJson: string, expiresAtMs: number): Promise<void> {
    await this.db
      .insertInto('authorization_code')
      .values({ code_hash: codeHash, tenant_id: tenantId, grant_json: grantJson, expires_at_ms: expiresAtMs, redeemed_at_ms: null })
      .execute();
  }

  /**
   * The grant of the tenant's unredeemed code, leaving it unredeemed: a redemption the grant refuses (a
   * scope beyond it) is turned away before take() spends the code. A row's grant never changes, so what
   * this read returns is what a later take() of the same code returns.
   */
  async findUnredeemed(tenantId: string, codeHash: string): Promise<{ readonly grantJson: string; readonly expiresAtMs: number } | undefined> {
    const row = await this.db
      .selectFrom('authorization_code')
      .select(['grant_json', 'expires_at_ms'])
      .where('code_hash', '=', codeHash)
      .where('tenant_id', '=', tenantId)
      .where('redeemed_at_ms', 'is', null)
      .executeTakeFirst();
    return row && { grantJson: row.grant_json, expiresAtMs: Number(row.expires_at_ms) };
  }

  /** Marks the tenant's code redeemed and returns what it grants; or says it was redeemed before, or is unknown here. */
  async take(tenantId: string, codeHash: string, nowMs: number): Promise<TakenCode> {
    const row = await this.db
      .updateTable('authorization_code')
      .set({ redeemed_at_ms: nowMs })
      .where('code_hash', '=', codeHash)
      .where('tenant_id', '=', tenantId)
      .where('redeemed_at_ms', 'is', null)
      .returning(['grant_json', 'expires_at_ms'])
      .executeTakeFirst();
    if (row) return { state: 'taken', grantJson: row.grant_json, expiresAtMs: Number(row.expires_at_ms) };
    const used = await this.db.selectFrom('authorization_code').select('code_hash').where('code_hash', '=', codeHash).where('tenant_id', '=', tenantId).executeTakeFirst();
    return { state: used ? 'redeemed' : 'unknown' };
  }

  /** Removes codes that expired before `nowMs`, redeemed or not; how many. */
  async deleteExpired(nowMs: number): Promise<number> {
    const result = await this.db.deleteFrom('authorization_code').where('expires_at_ms', '<', nowMs).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
