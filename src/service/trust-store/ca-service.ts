// Use cases of a PKI's certificateAuthorities: every certificate is parsed and checked for real, the
// properties the certificate determines are derived from it (values a client sends for them are accepted,
// as Graph's documented bodies carry them, and ignored), and every write refreshes the parent PKI inside
// the same transaction.
import type { Limits } from '../../config.ts';
import { type CaCertificate, CertificateProblem, decodeCertificateValue, parseCaCertificate } from '../../pki/ca-certificate.ts';
import { checkStorableCertificate } from '../storable-text.ts';
import type { CaChanges, CaRecord } from '../../store/ca-repository.ts';
import type { Condition, ListQuery } from '../../store/list-query.ts';
import type { Page } from '../../store/pki-repository.ts';
import { isUniqueViolation } from '../../store/database.ts';
import type { Repositories, Store } from '../../store/store.ts';
import { graphTimestamp } from '../clock.ts';
import { newObjectId } from '../ids.ts';
import { type GraphError, graphErrors } from '../errors.ts';

const RESOURCE = 'certificateAuthorityDetail';

/**
 * What a client sets on a CA. The properties the certificate determines (certificateAuthorityType,
 * issuer, issuerSubjectKeyIdentifier, thumbprint, expirationDateTime) are not here: whatever a client
 * sends for them is ignored and the stored values are derived (derivedProperties).
 */
export interface CaInput {
  readonly certificate?: string | undefined;
  readonly displayName?: string | null | undefined;
  readonly certificateRevocationListUrl?: string | null | undefined;
  readonly deltaCertificateRevocationListUrl?: string | null | undefined;
  readonly isIssuerHintEnabled?: boolean | null | undefined;
}

type CaLimits = Pick<Limits, 'maxCasPerPki' | 'maxCaCertificateBytes' | 'maxDisplayNameLength'>;

/** Who a new CA is: a fresh id and the current time, or (a snapshot import) the identity it had. */
export interface CaIdentity {
  readonly id: string;
  readonly createdDateTime: string;
  readonly deletedDateTime: string | null;
}

export class CaService {
  constructor(
    private readonly store: Store,
    private readonly limits: CaLimits,
  ) {}

  async create(tenantId: string, pkiId: string, input: CaInput): Promise<CaRecord> {
    const now = graphTimestamp();
    const ca = this.prepareNew(pkiId, input, { id: newObjectId(), createdDateTime: now, deletedDateTime: null });
    return this.writeInPki(tenantId, pkiId, now, async (repos) => {
      await this.addToPki(repos, tenantId, pkiId, [ca]);
      return ca;
    });
  }

  /**
   * Checks a new CA exactly as create does (the certificate, the properties it determines, CRL URLs,
   * displayName) and builds its record, writing nothing: the one gate for every way a CA comes in
   * (the API, a seed file, a snapshot import).
   */
  prepareNew(pkiId: string, input: CaInput, identity: CaIdentity): CaRecord {
    if (input.certificate === undefined) {
      throw graphErrors.badRequest(`A value is required for property 'certificate' of resource '${RESOURCE}'.`);
    }
    const certificate = this.parseCertificate(input.certificate);
    const derived = derivedProperties(certificate);
    const crl = checkCrlUrls(input.certificateRevocationListUrl ?? null, input.deltaCertificateRevocationListUrl ?? null);
    this.checkDisplayName(input.displayName);
    return {
      id: identity.id,
      pkiId,
      ...derived,
      // Without a name of its own a CA is called by its subject CN, as uploads name them.
      displayName: input.displayName === undefined ? certificate.subjectCommonName : input.displayName,
      certificateRevocationListUrl: crl.base,
      deltaCertificateRevocationListUrl: crl.delta,
      isIssuerHintEnabled: input.isIssuerHintEnabled ?? false,
      createdDateTime: identity.createdDateTime,
      deletedDateTime: identity.deletedDateTime,
    };
  }

  /**
   * Inserts prepared live CAs into a PKI inside the caller's transaction, which must have locked the PKI
   * (pkis.touch): refuses to exceed the CA limit and refuses a certificate the PKI already holds.
   */
  async addToPki(repos: Repositories, tenantId: string, pkiId: string, cas: readonly CaRecord[]): Promise<void> {
    const count = await repos.cas.count(tenantId, pkiId);
    if (count + cas.length > this.limits.maxCasPerPki) {
      throw graphErrors.badRequest(
        cas.length === 1
          ? `The PKI already holds ${count} certificate authorities, the most allowed (${this.limits.maxCasPerPki}).`
          : `Adding ${cas.length} certificate authorities to the ${count} the PKI holds would exceed the limit of ${this.limits.maxCasPerPki}.`,
      );
    }
    const existing = await repos.cas.idsByThumbprint(tenantId, pkiId, cas.map((ca) => ca.thumbprint));
    const clash = cas.find((ca) => existing.has(ca.thumbprint));
    if (clash) throw duplicateError(existing.get(clash.thumbprint));
    await repos.cas.insert(tenantId, cas);
  }

  async get(tenantId: string, pkiId: string, id: string): Promise<CaRecord> {
    await this.requirePki(tenantId, pkiId);
    const ca = await this.store.repositories.cas.findById(tenantId, pkiId, id);
    if (!ca) throw graphErrors.notFound(id);
    return ca;
  }

  async list(tenantId: string, pkiId: string, query: ListQuery): Promise<Page<CaRecord>> {
    await this.requirePki(tenantId, pkiId);
    return this.store.repositories.cas.page(tenantId, pkiId, query);
  }

  async count(tenantId: string, pkiId: string, filter?: Condition): Promise<number> {
    await this.requirePki(tenantId, pkiId);
    return this.store.repositories.cas.count(tenantId, pkiId, filter);
  }

  async update(tenantId: string, pkiId: string, id: string, input: CaInput): Promise<CaRecord> {
    this.checkDisplayName(input.displayName);
    const replacement = input.certificate === undefined ? undefined : this.parseCertificate(input.certificate);
    const now = graphTimestamp();
    return this.writeInPki(tenantId, pkiId, now, async (repos) => {
      const current = await repos.cas.findById(tenantId, pkiId, id);
      if (!current) throw graphErrors.notFound(id);
      const crl = checkCrlUrls(
        input.certificateRevocationListUrl === undefined ? current.certificateRevocationListUrl : input.certificateRevocationListUrl,
        input.deltaCertificateRevocationListUrl === undefined ? current.deltaCertificateRevocationListUrl : input.deltaCertificateRevocationListUrl,
      );
      if (replacement) await this.refuseDuplicate(repos, tenantId, pkiId, replacement.thumbprint, id);
      const changes: CaChanges = {
        ...(replacement ? derivedProperties(replacement) : {}),
        ...(input.displayName !== undefined ? { displayName: input.displayName } : {}),
        ...(input.isIssuerHintEnabled !== undefined ? { isIssuerHintEnabled: input.isIssuerHintEnabled ?? false } : {}),
        certificateRevocationListUrl: crl.base,
        deltaCertificateRevocationListUrl: crl.delta,
      };
      const updated = await repos.cas.update(tenantId, pkiId, id, changes);
      if (!updated) throw graphErrors.notFound(id);
      return updated;
    });
  }

  /** Soft delete: the CA leaves every normal read until restored or purged. */
  async delete(tenantId: string, pkiId: string, id: string): Promise<void> {
    const now = graphTimestamp();
    await this.writeInPki(tenantId, pkiId, now, async (repos) => {
      if (!(await repos.cas.softDelete(tenantId, pkiId, id, now))) throw graphErrors.notFound(id);
    });
  }

  /** Runs a CA write in one transaction that first refreshes (and so locks) the parent PKI. */
  private async writeInPki<T>(tenantId: string, pkiId: string, now: string, work: (repos: Repositories) => Promise<T>): Promise<T> {
    try {
      return await this.store.transaction(async (repos) => {
        if (!(await repos.pkis.touch(tenantId, pkiId, now))) throw graphErrors.notFound(pkiId);
        return work(repos);
      });
    } catch (error) {
      // A concurrent writer stored the same certificate between our check and our insert.
      if (isUniqueViolation(error)) throw duplicateError(undefined);
      throw error;
    }
  }

  private async refuseDuplicate(repos: Repositories, tenantId: string, pkiId: string, thumbprint: string, self: string | undefined): Promise<void> {
    const existing = (await repos.cas.idsByThumbprint(tenantId, pkiId, [thumbprint])).get(thumbprint);
    if (existing !== undefined && existing !== self) throw duplicateError(existing);
  }

  private parseCertificate(value: string): CaCertificate {
    return checkCaCertificate(value, this.limits.maxCaCertificateBytes, RESOURCE);
  }

  private checkDisplayName(displayName: string | null | undefined): void {
    if (typeof displayName === 'string' && [...displayName].length > this.limits.maxDisplayNameLength) {
      throw graphErrors.badRequest(
        `Invalid value specified for property 'displayName' of resource '${RESOURCE}': at most ${this.limits.maxDisplayNameLength} characters allowed.`,
      );
    }
  }

  /** 404 naming the PKI when it is missing (or deleted: its CAs are hidden with it). */
  private async requirePki(tenantId: string, pkiId: string): Promise<void> {
    if (!(await this.store.repositories.pkis.findById(tenantId, pkiId))) throw graphErrors.notFound(pkiId);
  }
}

type DerivedProperties = Pick<
  CaRecord,
  'certificate' | 'certificateAuthorityType' | 'issuer' | 'issuerSubjectKeyIdentifier' | 'thumbprint' | 'expirationDateTime'
>;

export function derivedProperties(certificate: CaCertificate): DerivedProperties {
  return {
    certificate: certificate.der.toString('base64'),
    certificateAuthorityType: certificate.type,
    issuer: certificate.subject,
    issuerSubjectKeyIdentifier: certificate.subjectKeyIdentifier,
    thumbprint: certificate.thumbprint,
    expirationDateTime: graphTimestamp(certificate.notAfter),
  };
}

export function duplicateError(existingId: string | undefined): GraphError {
  const which = existingId ? ` as certificate authority '${existingId}'` : '';
  return graphErrors.badRequest(`Duplicate Certificate exists: the PKI already holds this certificate${which}.`);
}

/**
 * Parses and checks a trust-store CA certificate (Graph's base64 `certificate` value) as every store takes
 * it: the PKI store's CAs and the classic store's certificateAuthorities. 400 naming `resource` when it
 * cannot be a CA.
 */
export function checkCaCertificate(value: string, maxBytes: number, resource: string): CaCertificate {
  try {
    const certificate = parseCaCertificate(decodeCertificateValue(value), maxBytes);
    checkStorableCertificate(certificate);
    return certificate;
  } catch (error) {
    if (error instanceof CertificateProblem) {
      throw graphErrors.badRequest(`Invalid value specified for property 'certificate' of resource '${resource}': ${error.message}.`);
    }
    throw error;
  }
}

/** CRL URLs as every store takes them: absolute http(s), and a delta only with a base. */
export function checkCrlUrls(base: string | null, delta: string | null, resource = RESOURCE): { base: string | null; delta: string | null } {
  for (const [property, url] of [
    ['certificateRevocationListUrl', base],
    ['deltaCertificateRevocationListUrl', delta],
  ] as const) {
    if (url !== null && !isHttpUrl(url)) {
      throw graphErrors.badRequest(`Invalid value specified for property '${property}' of resource '${resource}': '${url}' is not an absolute http or https URL.`);
    }
  }
  if (delta !== null && base === null) {
    throw graphErrors.badRequest(
      `Invalid value specified for property 'deltaCertificateRevocationListUrl' of resource '${resource}': a delta CRL URL needs a base certificateRevocationListUrl.`,
    );
  }
  return { base, delta };
}

export function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname.length > 0;
  } catch {
    return false;
  }
}
