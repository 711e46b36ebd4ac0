// The soft-delete life of a row, one shape for PKIs, CAs and users: live while deleted_date_time is null;
// soft-deleted by setting it; restored by clearing it; purged (deleted for good) only once soft-deleted,
// by hand or by the retention sweep. Each statement is scoped by the tenant (the sweep alone works across
// tenants, on rows deleted long ago); a repository adds what is its own (a CA's PKI, a PKI's
// lastModifiedDateTime, a user's lookup rows) around these.
import type { Kysely, Selectable, Updateable } from 'kysely';
import type { Database } from './schema.ts';

/** The tables whose rows are soft-deleted, restored and purged. */
export type SoftDeletableTable = 'certificate_based_auth_pki' | 'certificate_authority' | 'directory_user';

export class SoftDeletion<T extends SoftDeletableTable> {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly table: T,
  ) {}

  /** Soft-deletes the tenant's live row; false when there is none. `pkiId`: only within that PKI (a CA). */
  async softDelete(tenantId: string, id: string, deletedDateTime: string, pkiId?: string): Promise<boolean> {
    let query = this.db
      .updateTable(this.table as SoftDeletableTable)
      .set({ deleted_date_time: deletedDateTime })
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .where('deleted_date_time', 'is', null);
    // Only CAs have a PKI: a column named at run time.
    if (pkiId !== undefined) query = query.where(this.db.dynamic.ref('pki_id'), '=', pkiId);
    const result = await query.executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /** Brings a soft-deleted row back (with `also` set too) and returns it; undefined when there is no such deleted row. */
  async restore(tenantId: string, id: string, also: Updateable<Database[T]> = {}): Promise<Selectable<Database[T]> | undefined> {
    const row = await this.db
      .updateTable(this.table as SoftDeletableTable)
      .set({ ...(also as object), deleted_date_time: null })
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .where('deleted_date_time', 'is not', null)
      .returningAll()
      .executeTakeFirst();
    return row as Selectable<Database[T]> | undefined;
  }

  /** Deletes a soft-deleted row for good; false when there is no such deleted row. */
  async purge(tenantId: string, id: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom(this.table as SoftDeletableTable)
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .where('deleted_date_time', 'is not', null)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  /** The retention sweep: purges, in every tenant, the rows deleted before the cutoff. */
  async purgeDeletedBefore(cutoff: string): Promise<number> {
    const result = await this.db
      .deleteFrom(this.table as SoftDeletableTable)
      .where('deleted_date_time', '<', cutoff)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
