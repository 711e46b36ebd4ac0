// The last health check of each configured CRL, per tenant, CA and kind (base/delta), and the CAs whose
// CRLs are checked: live CAs of live PKIs. A new state is written only over the state it was judged
// against, so when several instances check the same CRL, one of them records (and logs) a change.
import type { Kysely, Selectable } from 'kysely';
import type { CrlHealthTable, Database } from './schema.ts';

export type CrlHealthRow = Selectable<CrlHealthTable>;

/** A live CA and its CRL configuration. */
export interface CrlConfiguredCa {
  readonly tenantId: string;
  readonly pkiId: string;
  readonly id: string;
  /** base64 of the DER certificate. */
  readonly certificate: string;
  readonly certificateRevocationListUrl: string | null;
  readonly deltaCertificateRevocationListUrl: string | null;
}

export class CrlHealthRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Live CAs of live PKIs: of one tenant, or (undefined) of every tenant; by tenant, PKI and id. */
  async liveCas(tenantId?: string): Promise<CrlConfiguredCa[]> {
    let query = this.db
      .selectFrom('certificate_authority as ca')
      .innerJoin('certificate_based_auth_pki as pki', (join) => join.onRef('pki.tenant_id', '=', 'ca.tenant_id').onRef('pki.id', '=', 'ca.pki_id'))
      .where('ca.deleted_date_time', 'is', null)
      .where('pki.deleted_date_time', 'is', null)
      .select([
        'ca.tenant_id as tenantId',
        'ca.pki_id as pkiId',
        'ca.id as id',
        'ca.certificate as certificate',
        'ca.certificate_revocation_list_url as certificateRevocationListUrl',
        'ca.delta_certificate_revocation_list_url as deltaCertificateRevocationListUrl',
      ]);
    if (tenantId !== undefined) query = query.where('ca.tenant_id', '=', tenantId);
    return query.orderBy('ca.tenant_id').orderBy('ca.pki_id').orderBy('ca.id').execute();
  }

  /** The stored checks of a tenant, or (undefined) of every tenant. */
  async rows(tenantId?: string): Promise<CrlHealthRow[]> {
    let query = this.db.selectFrom('crl_health').selectAll();
    if (tenantId !== undefined) query = query.where('tenant_id', '=', tenantId);
    return query.execute();
  }

  /**
   * Stores a check. `previousStatus` is the status it was judged against (undefined: none was stored);
   * returns whether this write changed the stored status (false when another instance got there first
   * or the status is the same).
   */
  async record(row: CrlHealthRow, previousStatus: string | undefined): Promise<boolean> {
    if (previousStatus === undefined) {
      const inserted = await this.db
        .insertInto('crl_health')
        .values(row)
        .onConflict((oc) => oc.columns(['tenant_id', 'ca_id', 'kind']).doNothing())
        .executeTakeFirst();
      if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) > 0) return true;
    }
    const key = this.db
      .updateTable('crl_health')
      .set({ url: row.url, status: row.status, report: row.report, checked_at: row.checked_at })
      .where('tenant_id', '=', row.tenant_id)
      .where('ca_id', '=', row.ca_id)
      .where('kind', '=', row.kind);
    if (previousStatus !== undefined && previousStatus !== row.status) {
      const changed = await key.where('status', '=', previousStatus).executeTakeFirst();
      if (Number(changed.numUpdatedRows) > 0) return true;
    }
    await key.execute();
    return false;
  }

  /** Forgets the checks of CAs (and kinds) no longer configured: deleted CAs, removed URLs. */
  async forgetExcept(tenantId: string | undefined, keep: ReadonlySet<string>): Promise<void> {
    const rows = await this.rows(tenantId);
    for (const row of rows) {
      if (keep.has(healthKey(row.tenant_id, row.ca_id, row.kind))) continue;
      await this.db.deleteFrom('crl_health').where('tenant_id', '=', row.tenant_id).where('ca_id', '=', row.ca_id).where('kind', '=', row.kind).execute();
    }
  }

  /** Deletes every stored check of a tenant, or (undefined) of every tenant: a tenant reset. */
  async deleteTenant(tenantId: string | undefined): Promise<void> {
    let query = this.db.deleteFrom('crl_health');
    if (tenantId !== undefined) query = query.where('tenant_id', '=', tenantId);
    await query.execute();
  }
}

export function healthKey(tenantId: string, caId: string, kind: string): string {
  return `${tenantId}\n${caId}\n${kind}`;
}
