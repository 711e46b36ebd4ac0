// Persistence of each tenant's X.509 certificate authentication-method policy: one row per tenant holding
// the configuration as a JSON document the service owns (this layer never looks inside it). Every method
// takes the tenant id and touches only that tenant's row.
import type { Kysely } from 'kysely';
import type { Database } from './schema.ts';

export interface StoredX509Policy {
  /** The configuration as JSON text. */
  readonly configuration: string;
  readonly lastModifiedDateTime: string;
}

export class X509CertificatePolicyRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** The tenant's stored policy, or undefined when the tenant never changed it (the default applies). */
  async find(tenantId: string): Promise<StoredX509Policy | undefined> {
    const row = await this.db
      .selectFrom('x509_certificate_policy')
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
  async lock(tenantId: string, initial: StoredX509Policy): Promise<StoredX509Policy> {
    await this.db
      .insertInto('x509_certificate_policy')
      .values({ tenant_id: tenantId, configuration: initial.configuration, last_modified_date_time: initial.lastModifiedDateTime })
      .onConflict((oc) => oc.column('tenant_id').doNothing())
      .execute();
    const row = await this.db
      .updateTable('x509_certificate_policy')
      .set((eb) => ({ configuration: eb.ref('configuration') }))
      .where('tenant_id', '=', tenantId)
      .returning(['configuration', 'last_modified_date_time'])
      .executeTakeFirstOrThrow();
    return { configuration: row.configuration, lastModifiedDateTime: row.last_modified_date_time };
  }

  /** Stores the tenant's policy, replacing any earlier one. */
  async save(tenantId: string, policy: StoredX509Policy): Promise<void> {
    await this.db
      .insertInto('x509_certificate_policy')
      .values({ tenant_id: tenantId, configuration: policy.configuration, last_modified_date_time: policy.lastModifiedDateTime })
      .onConflict((oc) =>
        oc.column('tenant_id').doUpdateSet({ configuration: policy.configuration, last_modified_date_time: policy.lastModifiedDateTime }),
      )
      .execute();
  }

  /** Removes the tenant's policy: the default applies again. */
  async remove(tenantId: string): Promise<void> {
    await this.db.deleteFrom('x509_certificate_policy').where('tenant_id', '=', tenantId).execute();
  }
}
