// Persistence of certificateBasedAuthPki objects. Every method takes the tenant id and scopes every
// statement by it: no method can reach another tenant's rows (the purge sweep is the one maintenance
// task that works across tenants, and only on rows deleted long ago).
import type { Kysely, Selectable } from 'kysely';
import { type Condition, type FieldMap, type KeysetPosition, type ListQuery, runListQuery, textKey, withFilter } from './list-query.ts';
import { preparedQuery } from './prepared-query.ts';
import { WriteBatcher } from './write-batcher.ts';
import { BoundedMap } from '../caching/bounded-map.ts';
import type { SyncReads } from './database.ts';
import type { Database, PkiTable } from './schema.ts';
import { SoftDeletion } from './soft-deletion.ts';

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

/** live = not deleted; deleted = soft-deleted, awaiting restore or purge. */
export type Lifecycle = 'live' | 'deleted';

export interface Page<T> {
  readonly items: readonly T[];
  /** Where the next page starts, when there is one. */
  readonly next: KeysetPosition | undefined;
}

export const PKI_FIELDS: FieldMap = {
  id: { kind: 'text', column: 'id', keyColumn: 'id' },
  displayName: { kind: 'text', column: 'display_name', keyColumn: 'display_name_key', byteOrdered: true },
  status: { kind: 'text', column: 'status', keyColumn: 'status' },
  lastModifiedDateTime: { kind: 'timestamp', column: 'last_modified_date_time' },
  deletedDateTime: { kind: 'timestamp', column: 'deleted_date_time' },
};

export class CertificateBasedAuthPkiRepository {
  private readonly liveById;
  private readonly insertRow;
  private readonly inserts: WriteBatcher<PkiTable> | undefined;
  /** Live PKIs read synchronously, each with the database's change marker at the time it was read. */
  private readonly recentReads: BoundedMap<string, { readonly marker: number; readonly record: PkiRecord }>;
  private readonly lifecycle: SoftDeletion<'certificate_based_auth_pki'>;

  /**
   * `groupCommit`: batch concurrent inserts into one transaction (the root repository, not one inside a
   * transaction). `syncReads` and `readCacheEntries`: findLiveNow, and how many of its results to keep.
   */
  constructor(
    private readonly db: Kysely<Database>,
    groupCommit = false,
    private readonly syncReads?: SyncReads,
    readCacheEntries = 0,
  ) {
    this.recentReads = new BoundedMap(syncReads ? readCacheEntries : 0);
    this.lifecycle = new SoftDeletion(db, 'certificate_based_auth_pki');
    // Compiled once: building and compiling the INSERT with Kysely cost more than running it on SQLite.
    this.insertRow = preparedQuery<keyof PkiTable, never>((p) =>
      db.insertInto('certificate_based_auth_pki').values({
        tenant_id: p('tenant_id'),
        id: p('id'),
        display_name: p('display_name'),
        display_name_key: p('display_name_key'),
        status: p('status'),
        status_details: p('status_details'),
        last_modified_date_time: p('last_modified_date_time'),
        created_date_time: p('created_date_time'),
        deleted_date_time: p('deleted_date_time'),
      }),
    );
    const insertRow = this.insertRow;
    this.inserts = groupCommit
      ? new WriteBatcher((rows) =>
          db.transaction().execute(async (trx) => {
            // One prepared single-row INSERT per row: the same SQL text whatever the batch size, and no
            // statement journal spilled to a temporary file as a large multi-row INSERT needs.
            for (const row of rows) await trx.executeQuery(insertRow(row));
          }),
        )
      : undefined;
    this.liveById = preparedQuery<'tenantId' | 'id', Selectable<PkiTable>>((p) =>
      db.selectFrom('certificate_based_auth_pki').selectAll().where('tenant_id', '=', p('tenantId')).where('deleted_date_time', 'is', null).where('id', '=', p('id')),
    );
  }

  async insert(tenantId: string, pki: PkiRecord): Promise<void> {
    const row: PkiTable = {
      tenant_id: tenantId,
      id: pki.id,
      display_name: pki.displayName,
      display_name_key: textKey(pki.displayName),
      status: pki.status,
      status_details: pki.statusDetails,
      last_modified_date_time: pki.lastModifiedDateTime,
      created_date_time: pki.createdDateTime,
      deleted_date_time: pki.deletedDateTime,
    };
    if (this.inserts) await this.inserts.write(row);
    else await this.db.executeQuery(this.insertRow(row));
  }

  async findById(tenantId: string, id: string, lifecycle: Lifecycle = 'live'): Promise<PkiRecord | undefined> {
    const row =
      lifecycle === 'live'
        ? (await this.db.executeQuery(this.liveById({ tenantId, id }))).rows[0]
        : await this.scoped(tenantId, lifecycle).where('id', '=', id).selectAll().executeTakeFirst();
    return row && toRecord(row);
  }

  /**
   * The live PKI read synchronously, for the fast read path; undefined when it is absent or cannot be
   * read synchronously right now (PostgreSQL, or a transaction is open): then ask findById.
   * A PKI read before is answered from memory while the database's change marker shows that nothing
   * at all has been written since (by this process or another): the same object, so callers may
   * remember what they derived from it.
   */
  findLiveNow(tenantId: string, id: string): PkiRecord | undefined {
    const marker = this.syncReads?.changeMarker();
    if (!this.syncReads || marker === undefined) return undefined;
    const key = `${tenantId}/${id}`;
    const recent = this.recentReads.get(key);
    if (recent?.marker === marker) return recent.record;
    const row = this.syncReads.read(this.liveById({ tenantId, id }))?.[0];
    if (!row) return undefined;
    const record = toRecord(row);
    this.recentReads.set(key, { marker, record });
    return record;
  }

  /** The tenant's PKI with exactly this displayName: a live one if any, else a deleted one; the oldest first. */
  async findByDisplayName(tenantId: string, displayName: string): Promise<PkiRecord | undefined> {
    for (const lifecycle of ['live', 'deleted'] as const) {
      const row = await this.scoped(tenantId, lifecycle).where('display_name', '=', displayName).selectAll().orderBy('id').limit(1).executeTakeFirst();
      if (row) return toRecord(row);
    }
    return undefined;
  }

  /** Every PKI of the tenant, live and deleted, by id: a tenant snapshot. */
  async allOfTenant(tenantId: string): Promise<PkiRecord[]> {
    const rows = await this.db.selectFrom('certificate_based_auth_pki').selectAll().where('tenant_id', '=', tenantId).orderBy('id').execute();
    return rows.map(toRecord);
  }

  /** One page of PKIs in the query's order, starting after its keyset position. */
  async page(tenantId: string, lifecycle: Lifecycle, query: ListQuery): Promise<Page<PkiRecord>> {
    const { rows, next } = await runListQuery(this.scoped(tenantId, lifecycle).selectAll(), query, PKI_FIELDS);
    return { items: rows.map(toRecord), next };
  }

  async count(tenantId: string, lifecycle: Lifecycle = 'live', filter?: Condition): Promise<number> {
    const row = await withFilter(this.scoped(tenantId, lifecycle).select((eb) => eb.fn.countAll().as('n')), filter, PKI_FIELDS).executeTakeFirstOrThrow();
    // PostgreSQL returns count(*) as a bigint string, SQLite as a number.
    return Number(row.n);
  }

  /** Applies the changes and returns the updated PKI, or undefined when it does not exist. */
  async update(tenantId: string, id: string, changes: PkiChanges): Promise<PkiRecord | undefined> {
    const row = await this.liveUpdate(tenantId, id)
      .set({
        last_modified_date_time: changes.lastModifiedDateTime,
        ...(changes.displayName !== undefined ? { display_name: changes.displayName, display_name_key: textKey(changes.displayName) } : {}),
      })
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

  /**
   * Records how the job on a PKI ended. Deleted PKIs too: a PKI deleted while its upload ran must not stay
   * `running` for good (a restore would bring back a PKI that refuses every upload).
   */
  async setStatus(tenantId: string, id: string, status: string, statusDetails: string | null, lastModifiedDateTime: string): Promise<boolean> {
    const result = await this.db
      .updateTable('certificate_based_auth_pki')
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .set({ status, status_details: statusDetails, last_modified_date_time: lastModifiedDateTime })
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /** Soft-deletes a live PKI; false when it does not exist. */
  softDelete(tenantId: string, id: string, deletedDateTime: string): Promise<boolean> {
    return this.lifecycle.softDelete(tenantId, id, deletedDateTime);
  }

  /** Brings a soft-deleted PKI back; undefined when there is no such deleted PKI. */
  async restore(tenantId: string, id: string, lastModifiedDateTime: string): Promise<PkiRecord | undefined> {
    const row = await this.lifecycle.restore(tenantId, id, { last_modified_date_time: lastModifiedDateTime });
    return row && toRecord(row);
  }

  /** Removes a soft-deleted PKI and its CAs for good; false when there is no such deleted PKI. */
  purge(tenantId: string, id: string): Promise<boolean> {
    return this.lifecycle.purge(tenantId, id);
  }

  /** The retention sweep: purges, in every tenant, PKIs deleted before the cutoff. */
  purgeDeletedBefore(cutoff: string): Promise<number> {
    return this.lifecycle.purgeDeletedBefore(cutoff);
  }

  private liveUpdate(tenantId: string, id: string) {
    return this.db
      .updateTable('certificate_based_auth_pki')
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .where('deleted_date_time', 'is', null);
  }

  private scoped(tenantId: string, lifecycle: Lifecycle) {
    return this.db
      .selectFrom('certificate_based_auth_pki')
      .where('tenant_id', '=', tenantId)
      .where('deleted_date_time', lifecycle === 'live' ? 'is' : 'is not', null);
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
