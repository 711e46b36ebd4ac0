// Cached CRLs by URL. CRLs are public documents and each use verifies the signature against the issuer
// in the trust store, so one cache serves every tenant.
import type { Kysely } from 'kysely';
import type { CrlCacheTable, Database } from './schema.ts';

export type CachedCrl = CrlCacheTable;

export class CrlCacheRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async find(url: string): Promise<CachedCrl | undefined> {
    return this.db.selectFrom('crl_cache').selectAll().where('url', '=', url).executeTakeFirst();
  }

  async save(entry: CachedCrl): Promise<void> {
    await this.db
      .insertInto('crl_cache')
      .values(entry)
      .onConflict((oc) =>
        oc.column('url').doUpdateSet({
          der: entry.der,
          crl_number: entry.crl_number,
          highest_crl_number: entry.highest_crl_number,
          next_update: entry.next_update,
          fetched_at: entry.fetched_at,
        }),
      )
      .execute();
  }

  /** URLs whose cached CRL expires before `before` (ISO), for the background refresh. */
  async expiringBefore(before: string): Promise<string[]> {
    const rows = await this.db.selectFrom('crl_cache').select('url').where('next_update', '<', before).execute();
    return rows.map((r) => r.url);
  }
}
