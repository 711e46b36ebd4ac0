// The tenants' sign-in logs (Graph's signIn resource): one JSON record per attempt, read newest first.
import type { Kysely } from 'kysely';
import type { Database } from './schema.ts';

export interface StoredSignIn {
  readonly id: string;
  readonly createdDateTime: string;
  /** The signIn resource as JSON text; the service owns its shape. */
  readonly record: string;
}

/** Where a page starts: after this entry in newest-first order. */
export interface SignInCursor {
  readonly createdDateTime: string;
  readonly id: string;
}

export class SignInLogRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(tenantId: string, entry: StoredSignIn): Promise<void> {
    await this.db.insertInto('sign_in_log').values({ tenant_id: tenantId, id: entry.id, created_date_time: entry.createdDateTime, record: entry.record }).execute();
  }

  async find(tenantId: string, id: string): Promise<StoredSignIn | undefined> {
    const row = await this.db.selectFrom('sign_in_log').selectAll().where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
    return row && { id: row.id, createdDateTime: row.created_date_time, record: row.record };
  }

  /** Every entry of the tenant, newest first (a snapshot export). */
  async allOfTenant(tenantId: string): Promise<StoredSignIn[]> {
    const rows = await this.db.selectFrom('sign_in_log').selectAll().where('tenant_id', '=', tenantId).orderBy('created_date_time', 'desc').orderBy('id', 'desc').execute();
    return rows.map((row) => ({ id: row.id, createdDateTime: row.created_date_time, record: row.record }));
  }

  /** Up to `limit` entries, newest first, after `cursor` when given. */
  async page(tenantId: string, limit: number, cursor: SignInCursor | undefined): Promise<StoredSignIn[]> {
    let query = this.db.selectFrom('sign_in_log').selectAll().where('tenant_id', '=', tenantId);
    if (cursor) {
      query = query.where((eb) =>
        eb.or([eb('created_date_time', '<', cursor.createdDateTime), eb.and([eb('created_date_time', '=', cursor.createdDateTime), eb('id', '<', cursor.id)])]),
      );
    }
    const rows = await query.orderBy('created_date_time', 'desc').orderBy('id', 'desc').limit(limit).execute();
    return rows.map((row) => ({ id: row.id, createdDateTime: row.created_date_time, record: row.record }));
  }
}
