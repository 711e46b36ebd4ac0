// Persistence of each tenant's authentication-method policy documents: the X.509 certificate method's
// configuration (x509_certificate_policy) and the authenticationMethodsPolicy root's own properties
// (authentication_methods_policy). One row per tenant and table, holding a JSON document the service owns
// (this layer never looks inside it). Every method takes the tenant id and touches only that tenant's row.
import type { Kysely } from 'kysely';
import type { Database } from './schema.ts';

/** The tables of this shape. */
export type PolicyDocumentTable = 'x509_certificate_policy' | 'authentication_methods_policy';

export interface StoredPolicyDocument {
  /** The configuration as JSON text. */
  readonly configuration: string;
  readonly lastModifiedDateTime: string;
}

/** The x509 configuration's row (the name the snapshot and the service use). */
export type StoredX509Policy = StoredPolicyDocument;

export class PolicyDocumentRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly table: PolicyDocumentTable,
  ) {}

  /** The tenant's stored document, or undefined when the tenant never changed it (the default applies). */
  async find(tenantId: string): Promise<StoredPolicyDocument | undefined> {
    const row = await this.db
      .selectFrom(this.table)
      .select(['configuration', 'last_modified_date_time'])
      .where('tenant_id', '=', tenantId)
      .executeTakeFirst();
    return row && { configuration: row.configuration, lastModifiedDateTime: row.last_modified_date_time };
  }

  /**
   * Returns the tenant's row, creating it from `initial` when missing, and locks it for the rest of the
   * transaction: the update takes PostgreSQL's row lock (SQLite runs one write transaction at a time), so
   * concurrent read-modify-write cycles of one tenant's policy run one after the other.
   */
  async lock(tenantId: string, initial: StoredPolicyDocument): Promise<StoredPolicyDocument> {
    await this.db
      .insertInto(this.table)
      .values({ tenant_id: tenantId, configuration: initial.configuration, last_modified_date_time: initial.lastModifiedDateTime })
      .onConflict((oc) => oc.column('tenant_id').doNothing())
      .execute();
    const row = await this.db
      .updateTable(this.table)
      .set((eb) => ({ configuration: eb.ref('configuration') }))
      .where('tenant_id', '=', tenantId)
      .returning(['configuration', 'last_modified_date_time'])
      .executeTakeFirstOrThrow();
    return { configuration: row.configuration, lastModifiedDateTime: row.last_modified_date_time };
  }

  /** Stores the tenant's document, replacing any earlier one. */
  async save(tenantId: string, policy: StoredPolicyDocument): Promise<void> {
    await this.db
      .insertInto(this.table)
      .values({ tenant_id: tenantId, configuration: policy.configuration, last_modified_date_time: policy.lastModifiedDateTime })
      .onConflict((oc) =>
        oc.column('tenant_id').doUpdateSet({ configuration: policy.configuration, last_modified_date_time: policy.lastModifiedDateTime }),
      )
      .execute();
  }

  /** Removes one tenant's document (or every tenant's): a tenant reset. */
  async deleteTenant(tenantId: string | undefined): Promise<void> {
    let query = this.db.deleteFrom(this.table);
    if (tenantId !== undefined) query = query.where('tenant_id', '=', tenantId);
    await query.execute();
  }
}
