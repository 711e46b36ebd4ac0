// Persistence of the classic trust store: each tenant's one certificateBasedAuthConfiguration and its
// ordered certificateAuthorities. Every method takes the tenant id and touches only that tenant's rows.
import type { Kysely, Selectable } from 'kysely';
import { textKey } from './list-query.ts';
import type { ClassicCertificateAuthorityTable, Database } from './schema.ts';

export interface ClassicCaRecord {
  /** base64 of the DER certificate */
  readonly certificate: string;
  readonly isRootAuthority: boolean;
  readonly issuer: string;
  readonly issuerSki: string;
  readonly thumbprint: string;
  readonly expirationDateTime: string;
  readonly certificateRevocationListUrl: string | null;
  readonly deltaCertificateRevocationListUrl: string | null;
}

export interface ClassicConfigurationRecord {
  readonly createdDateTime: string;
  /** In the order the client sent them. */
  readonly certificateAuthorities: readonly ClassicCaRecord[];
}

const upper = (value: string) => value.replace(/[\s:]/g, '').toUpperCase();

export class ClassicStoreRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async find(tenantId: string): Promise<ClassicConfigurationRecord | undefined> {
    const configuration = await this.db.selectFrom('classic_auth_configuration').selectAll().where('tenant_id', '=', tenantId).executeTakeFirst();
    if (!configuration) return undefined;
    const rows = await this.db.selectFrom('classic_certificate_authority').selectAll().where('tenant_id', '=', tenantId).orderBy('position').execute();
    return { createdDateTime: configuration.created_date_time, certificateAuthorities: rows.map(toRecord) };
  }

  /** Inserts the tenant's configuration; a second one fails the primary key (a unique violation). */
  async insert(tenantId: string, configuration: ClassicConfigurationRecord): Promise<void> {
    await this.db.insertInto('classic_auth_configuration').values({ tenant_id: tenantId, created_date_time: configuration.createdDateTime }).execute();
    if (configuration.certificateAuthorities.length === 0) return;
    await this.db
      .insertInto('classic_certificate_authority')
      .values(configuration.certificateAuthorities.map((ca, position) => ({ tenant_id: tenantId, position, ...toRow(ca) })))
      .execute();
  }

  /** Deletes the tenant's configuration and its CAs; false when there was none. */
  async delete(tenantId: string): Promise<boolean> {
    await this.db.deleteFrom('classic_certificate_authority').where('tenant_id', '=', tenantId).execute();
    const result = await this.db.deleteFrom('classic_auth_configuration').where('tenant_id', '=', tenantId).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  /** The tenant's classic CAs that may have issued a certificate: by subject key identifier or subject name (indexed). */
  async trustStoreCandidates(tenantId: string, subjectKeyIdentifiers: readonly string[], subjects: readonly string[]): Promise<ClassicCaRecord[]> {
    const base = () => this.db.selectFrom('classic_certificate_authority').selectAll().where('tenant_id', '=', tenantId);
    const byKey = subjectKeyIdentifiers.length > 0 ? await base().where('issuer_ski', 'in', subjectKeyIdentifiers.map(upper)).execute() : [];
    const byName = subjects.length > 0 ? await base().where('issuer_key', 'in', subjects.map(textKey)).execute() : [];
    const rows = new Map([...byKey, ...byName].map((row) => [row.position, row]));
    return [...rows.entries()].sort(([a], [b]) => a - b).map(([, row]) => toRecord(row));
  }
}

function toRow(ca: ClassicCaRecord): Omit<ClassicCertificateAuthorityTable, 'tenant_id' | 'position'> {
  return {
    certificate: ca.certificate,
    is_root_authority: ca.isRootAuthority ? 1 : 0,
    issuer: ca.issuer,
    issuer_key: textKey(ca.issuer),
    issuer_ski: ca.issuerSki,
    thumbprint: ca.thumbprint,
    expiration_date_time: ca.expirationDateTime,
    certificate_revocation_list_url: ca.certificateRevocationListUrl,
    delta_certificate_revocation_list_url: ca.deltaCertificateRevocationListUrl,
  };
}

function toRecord(row: Selectable<ClassicCertificateAuthorityTable>): ClassicCaRecord {
  return {
    certificate: row.certificate,
    isRootAuthority: row.is_root_authority === 1,
    issuer: row.issuer,
    issuerSki: row.issuer_ski,
    thumbprint: row.thumbprint,
    expirationDateTime: row.expiration_date_time,
    certificateRevocationListUrl: row.certificate_revocation_list_url,
    deltaCertificateRevocationListUrl: row.delta_certificate_revocation_list_url,
  };
}
