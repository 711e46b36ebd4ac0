// Persistence of certificateBasedAuthPki objects. Every method takes the tenant id and scopes every
// statement by it: no method can reach another tenant's rows.
import type { Kysely, Selectable } from 'kysely';
import type { Database, PkiTable } from './schema.ts';

export interface PkiRecord {
  readonly id: string;
  readonly displayName: string | null;
  readonly status: string;
  readonly statusDetails: string | null;
  readonly lastModifiedDateTime: string;
  readonly createdDateTime: string;
  readonly deletedDateTime: string | null;
}

export interface PkiChanges {
  readonly displayName?: string | null;
  readonly lastModifiedDateTime: string;
}

export class CertificateBasedAuthPkiRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(tenantId: string, pki: PkiRecord): Promise<void> {
    await this.db
      .insertInto('certificate_based_auth_pki')
      .values({
        tenant_id: tenantId,
        id: pki.id,
        display_name: pki.displayName,
        status: pki.status,
        status_details: pki.statusDetails,
        last_modified_date_time: pki.lastModifiedDateTime,
        created_date_time: pki.createdDateTime,
        deleted_date_time: pki.deletedDateTime,
      })
      .execute();
  }

  async findById(tenantId: string, id: string): Promise<PkiRecord | undefined> {
    const row = await this.live(tenantId).where('id', '=', id).selectAll().executeTakeFirst();
    return row && toRecord(row);
  }

  /** The first `limit` live PKIs in id order. */
  async list(tenantId: string, limit: number): Promise<PkiRecord[]> {
    const rows = await this.live(tenantId).selectAll().orderBy('id').limit(limit).execute();
    return rows.map(toRecord);
  }

  async count(tenantId: string): Promise<number> {
    const row = await this.live(tenantId).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
    // PostgreSQL returns count(*) as a bigint string, SQLite as a number.
    return Number(row.n);
  }

  /** Applies the changes and returns the updated PKI, or undefined when it does not exist. */
  async update(tenantId: string, id: string, changes: PkiChanges): Promise<PkiRecord | undefined> {
    const row = await this.db
      .updateTable('certificate_based_auth_pki')
      .set({
        last_modified_date_time: changes.lastModifiedDateTime,
        ...(changes.displayName !== undefined ? { display_name: changes.displayName } : {}),
      })
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .where('deleted_date_time', 'is', null)
      .returningAll()
      .executeTakeFirst();
    return row && toRecord(row);
  }

  /**
   * Sets lastModifiedDateTime of a live PKI; false when it does not exist. Called first in every
   * transaction that changes the PKI's CAs: the row lock it takes serialises those transactions, so
   * checks such as the CA limit hold across concurrent writers and instances.
   */
  async touch(tenantId: string, id: string, lastModifiedDateTime: string): Promise<boolean> {
    const result = await this.liveUpdate(tenantId, id).set({ last_modified_date_time: lastModifiedDateTime }).executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /** Marks a job as running unless one already runs; false when the PKI is missing or busy. */
  async markRunning(tenantId: string, id: string, lastModifiedDateTime: string): Promise<boolean> {
    const result = await this.liveUpdate(tenantId, id)
      .set({ status: 'running', status_details: null, last_modified_date_time: lastModifiedDateTime })
      .where('status', '<>', 'running')
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async setStatus(tenantId: string, id: string, status: string, statusDetails: string | null, lastModifiedDateTime: string): Promise<boolean> {
    const result = await this.liveUpdate(tenantId, id)
      .set({ status, status_details: statusDetails, last_modified_date_time: lastModifiedDateTime })
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /** Removes the PKI; false when it does not exist. */
  async delete(tenantId: string, id: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom('certificate_based_auth_pki')
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .where('deleted_date_time', 'is', null)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  private liveUpdate(tenantId: string, id: string) {
    return this.db
      .updateTable('certificate_based_auth_pki')
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .where('deleted_date_time', 'is', null);
  }

  private live(tenantId: string) {
    return this.db
      .selectFrom('certificate_based_auth_pki')
      .where('tenant_id', '=', tenantId)
      .where('deleted_date_time', 'is', null);
  }
}

function toRecord(row: Selectable<PkiTable>): PkiRecord {
  return {
    id: row.id,
    displayName: row.display_name,
    status: row.status,
    statusDetails: row.status_details,
    lastModifiedDateTime: row.last_modified_date_time,
    createdDateTime: row.created_date_time,
    deletedDateTime: row.deleted_date_time,
  };
}
