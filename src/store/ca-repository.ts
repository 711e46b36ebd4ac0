// Persistence of certificateAuthorityDetail objects, always scoped by tenant and parent PKI.
import type { Kysely, Selectable } from 'kysely';
import { type Condition, type FieldMap, type ListQuery, runListQuery, textKey, withFilter } from './list-query.ts';
import type { Lifecycle, Page } from './pki-repository.ts';
import type { CertificateAuthorityTable, Database } from './schema.ts';
import { SoftDeletion } from './soft-deletion.ts';

const upper = (value: string) => value.replace(/[\s:]/g, '').toUpperCase();
/** Rows of one multi-row INSERT. */
const INSERT_CHUNK_ROWS = 500;

export const CA_FIELDS: FieldMap = {
  id: { kind: 'text', column: 'id', keyColumn: 'id' },
  certificateAuthorityType: { kind: 'text', column: 'certificate_authority_type', keyColumn: 'certificate_authority_type' },
  expirationDateTime: { kind: 'timestamp', column: 'expiration_date_time' },
  thumbprint: { kind: 'text', column: 'thumbprint', keyColumn: 'thumbprint', normalise: upper },
  displayName: { kind: 'text', column: 'display_name', keyColumn: 'display_name_key', byteOrdered: true },
  isIssuerHintEnabled: { kind: 'boolean', column: 'is_issuer_hint_enabled' },
  issuer: { kind: 'text', column: 'issuer', keyColumn: 'issuer_key', byteOrdered: true },
  issuerSubjectKeyIdentifier: { kind: 'text', column: 'issuer_subject_key_identifier', keyColumn: 'issuer_subject_key_identifier', normalise: upper },
  deletedDateTime: { kind: 'timestamp', column: 'deleted_date_time' },
};

export interface CaRecord {
  readonly id: string;
  readonly pkiId: string;
  /** base64 of the DER certificate */
  readonly certificate: string;
  readonly certificateAuthorityType: string;
  readonly displayName: string | null;
  readonly issuer: string;
  readonly issuerSubjectKeyIdentifier: string | null;
  readonly thumbprint: string;
  readonly createdDateTime: string;
  readonly expirationDateTime: string;
  readonly certificateRevocationListUrl: string | null;
  readonly deltaCertificateRevocationListUrl: string | null;
  readonly isIssuerHintEnabled: boolean;
  readonly deletedDateTime: string | null;
}

export type CaChanges = Partial<Omit<CaRecord, 'id' | 'pkiId' | 'createdDateTime' | 'deletedDateTime'>>;

export class CertificateAuthorityRepository {
  private readonly lifecycle: SoftDeletion<'certificate_authority'>;

  constructor(private readonly db: Kysely<Database>) {
    this.lifecycle = new SoftDeletion(db, 'certificate_authority');
  }

  async insert(tenantId: string, cas: readonly CaRecord[]): Promise<void> {
    // Chunked: a snapshot import inserts thousands, and one statement must stay below the bound-parameter
    // limits (SQLite 32,766, PostgreSQL 65,535; 16 columns a row).
    for (let i = 0; i < cas.length; i += INSERT_CHUNK_ROWS) {
      await this.db
        .insertInto('certificate_authority')
        .values(cas.slice(i, i + INSERT_CHUNK_ROWS).map((ca) => ({ tenant_id: tenantId, ...toRow(ca) })))
        .execute();
    }
  }

  /** Every CA of the tenant, live and deleted, by PKI and id: a tenant snapshot. */
  async allOfTenant(tenantId: string): Promise<CaRecord[]> {
    const rows = await this.db.selectFrom('certificate_authority').selectAll().where('tenant_id', '=', tenantId).orderBy('pki_id').orderBy('id').execute();
    return rows.map(toRecord);
  }

  async findById(tenantId: string, pkiId: string, id: string): Promise<CaRecord | undefined> {
    const row = await this.live(tenantId, pkiId).where('id', '=', id).selectAll().executeTakeFirst();
    return row && toRecord(row);
  }

  /** One page of the PKI's live CAs in the query's order, starting after its keyset position. */
  async page(tenantId: string, pkiId: string, query: ListQuery): Promise<Page<CaRecord>> {
    const { rows, next } = await runListQuery(this.live(tenantId, pkiId).selectAll(), query, CA_FIELDS);
    return { items: rows.map(toRecord), next };
  }

  async count(tenantId: string, pkiId: string, filter?: Condition): Promise<number> {
    const row = await withFilter(this.live(tenantId, pkiId).select((eb) => eb.fn.countAll().as('n')), filter, CA_FIELDS).executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /**
   * The live CAs of the tenant's live PKIs that may have issued a certificate: those whose subject key
   * identifier is one of `subjectKeyIdentifiers` (uppercase hex) or whose subject name (as the CA's
   * `issuer` property writes it) is one of `subjects`, compared case-insensitively. Every copy of a CA
   * (the same certificate in several PKIs) is returned. Indexed (migration 008): the cost depends on
   * the matches, not on how many CAs the tenant holds.
   */
  async trustStoreCandidates(tenantId: string, subjectKeyIdentifiers: readonly string[], subjects: readonly string[]): Promise<CaRecord[]> {
    // One indexed lookup per kind of key: an OR of both lets SQLite's planner scan every CA of the tenant.
    const byKey = subjectKeyIdentifiers.length > 0 ? await this.liveInLivePkis(tenantId).where('ca.issuer_subject_key_identifier', 'in', subjectKeyIdentifiers.map(upper)).execute() : [];
    const byName = subjects.length > 0 ? await this.liveInLivePkis(tenantId).where('ca.issuer_key', 'in', subjects.map(textKey)).execute() : [];
    const rows = new Map([...byKey, ...byName].map((row) => [`${row.pki_id}/${row.id}`, row]));
    return [...rows.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, row]) => toRecord(row));
  }

  /** The live CAs of the tenant's live PKIs: the trust store a sign-in's issuer hints are drawn from. */
  async liveInTrustStore(tenantId: string): Promise<CaRecord[]> {
    return (await this.liveInLivePkis(tenantId).orderBy('ca.pki_id').orderBy('ca.id').execute()).map(toRecord);
  }

  private liveInLivePkis(tenantId: string) {
    return this.db
      .selectFrom('certificate_authority as ca')
      .innerJoin('certificate_based_auth_pki as pki', (join) => join.onRef('pki.tenant_id', '=', 'ca.tenant_id').onRef('pki.id', '=', 'ca.pki_id'))
      .selectAll('ca')
      .where('ca.tenant_id', '=', tenantId)
      .where('ca.deleted_date_time', 'is', null)
      .where('pki.deleted_date_time', 'is', null);
  }

  /** One page of the tenant's soft-deleted CAs (of any PKI). */
  async deletedPage(tenantId: string, query: ListQuery): Promise<Page<CaRecord>> {
    const { rows, next } = await runListQuery(this.deleted(tenantId).selectAll(), query, CA_FIELDS);
    return { items: rows.map(toRecord), next };
  }

  async deletedCount(tenantId: string, filter?: Condition): Promise<number> {
    const row = await withFilter(this.deleted(tenantId).select((eb) => eb.fn.countAll().as('n')), filter, CA_FIELDS).executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async findDeleted(tenantId: string, id: string): Promise<CaRecord | undefined> {
    const row = await this.deleted(tenantId).where('id', '=', id).selectAll().executeTakeFirst();
    return row && toRecord(row);
  }

  /** Thumbprints of every CA of the PKI, live and deleted. */
  async thumbprintsOf(tenantId: string, pkiId: string): Promise<Set<string>> {
    const rows = await this.db.selectFrom('certificate_authority').select('thumbprint').where('tenant_id', '=', tenantId).where('pki_id', '=', pkiId).execute();
    return new Set(rows.map((row) => row.thumbprint));
  }

  /** Live CAs of the PKI with one of these thumbprints: thumbprint → CA id. */
  async idsByThumbprint(tenantId: string, pkiId: string, thumbprints: readonly string[]): Promise<Map<string, string>> {
    const found = new Map<string, string>();
    // Chunked to stay below SQLite's bound-parameter limit.
    for (let i = 0; i < thumbprints.length; i += 500) {
      const rows = await this.live(tenantId, pkiId)
        .where('thumbprint', 'in', thumbprints.slice(i, i + 500))
        .select(['id', 'thumbprint'])
        .execute();
      for (const row of rows) found.set(row.thumbprint, row.id);
    }
    return found;
  }

  async update(tenantId: string, pkiId: string, id: string, changes: CaChanges): Promise<CaRecord | undefined> {
    const row = await this.db
      .updateTable('certificate_authority')
      .set(toRowChanges(changes))
      .where('tenant_id', '=', tenantId)
      .where('pki_id', '=', pkiId)
      .where('id', '=', id)
      .where('deleted_date_time', 'is', null)
      .returningAll()
      .executeTakeFirst();
    return row && toRecord(row);
  }

  /** Soft-deletes a live CA; false when it does not exist. */
  softDelete(tenantId: string, pkiId: string, id: string, deletedDateTime: string): Promise<boolean> {
    return this.lifecycle.softDelete(tenantId, id, deletedDateTime, pkiId);
  }

  /** Brings a soft-deleted CA back; undefined when there is no such deleted CA. */
  async restore(tenantId: string, id: string): Promise<CaRecord | undefined> {
    const row = await this.lifecycle.restore(tenantId, id);
    return row && toRecord(row);
  }

  purge(tenantId: string, id: string): Promise<boolean> {
    return this.lifecycle.purge(tenantId, id);
  }

  /** The retention sweep: purges, in every tenant, CAs deleted before the cutoff. */
  purgeDeletedBefore(cutoff: string): Promise<number> {
    return this.lifecycle.purgeDeletedBefore(cutoff);
  }

  private deleted(tenantId: string) {
    return this.db.selectFrom('certificate_authority').where('tenant_id', '=', tenantId).where('deleted_date_time', 'is not', null);
  }

  private live(tenantId: string, pkiId: string) {
    return this.db
      .selectFrom('certificate_authority')
      .where('tenant_id', '=', tenantId)
      .where('pki_id', '=', pkiId)
      .where('deleted_date_time', 'is', null);
  }
}

function toRow(ca: CaRecord): Omit<CertificateAuthorityTable, 'tenant_id'> {
  return {
    id: ca.id,
    pki_id: ca.pkiId,
    certificate: ca.certificate,
    certificate_authority_type: ca.certificateAuthorityType,
    display_name: ca.displayName,
    display_name_key: textKey(ca.displayName),
    issuer: ca.issuer,
    issuer_key: textKey(ca.issuer),
    issuer_subject_key_identifier: ca.issuerSubjectKeyIdentifier,
    thumbprint: ca.thumbprint,
    created_date_time: ca.createdDateTime,
    expiration_date_time: ca.expirationDateTime,
    certificate_revocation_list_url: ca.certificateRevocationListUrl,
    delta_certificate_revocation_list_url: ca.deltaCertificateRevocationListUrl,
    is_issuer_hint_enabled: ca.isIssuerHintEnabled ? 1 : 0,
    deleted_date_time: ca.deletedDateTime,
  };
}

function toRowChanges(changes: CaChanges): Partial<CertificateAuthorityTable> {
  const row: Partial<CertificateAuthorityTable> = {};
  if (changes.certificate !== undefined) row.certificate = changes.certificate;
  if (changes.certificateAuthorityType !== undefined) row.certificate_authority_type = changes.certificateAuthorityType;
  if (changes.displayName !== undefined) {
    row.display_name = changes.displayName;
    row.display_name_key = textKey(changes.displayName);
  }
  if (changes.issuer !== undefined) {
    row.issuer = changes.issuer;
    row.issuer_key = textKey(changes.issuer);
  }
  if (changes.issuerSubjectKeyIdentifier !== undefined) row.issuer_subject_key_identifier = changes.issuerSubjectKeyIdentifier;
  if (changes.thumbprint !== undefined) row.thumbprint = changes.thumbprint;
  if (changes.expirationDateTime !== undefined) row.expiration_date_time = changes.expirationDateTime;
  if (changes.certificateRevocationListUrl !== undefined) row.certificate_revocation_list_url = changes.certificateRevocationListUrl;
  if (changes.deltaCertificateRevocationListUrl !== undefined) row.delta_certificate_revocation_list_url = changes.deltaCertificateRevocationListUrl;
  if (changes.isIssuerHintEnabled !== undefined) row.is_issuer_hint_enabled = changes.isIssuerHintEnabled ? 1 : 0;
  return row;
}

function toRecord(row: Selectable<CertificateAuthorityTable>): CaRecord {
  return {
    id: row.id,
    pkiId: row.pki_id,
    certificate: row.certificate,
    certificateAuthorityType: row.certificate_authority_type,
    displayName: row.display_name,
    issuer: row.issuer,
    issuerSubjectKeyIdentifier: row.issuer_subject_key_identifier,
    thumbprint: row.thumbprint,
    createdDateTime: row.created_date_time,
    expirationDateTime: row.expiration_date_time,
    certificateRevocationListUrl: row.certificate_revocation_list_url,
    deltaCertificateRevocationListUrl: row.delta_certificate_revocation_list_url,
    isIssuerHintEnabled: row.is_issuer_hint_enabled === 1,
    deletedDateTime: row.deleted_date_time,
  };
}
