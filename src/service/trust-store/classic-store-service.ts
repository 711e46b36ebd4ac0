// The classic trust store, organization/{id}/certificateBasedAuthConfiguration (spec cba-setup-and-signin
// §3, graph-pki-api §8.1): one configuration per tenant with the fixed id Graph gives it, created with its
// whole certificateAuthorities list, read, and deleted; never updated (Graph has no update: an admin
// deletes it and creates it again). Each certificate is checked exactly as a PKI store CA is
// (checkCaCertificate, checkCrlUrls), and what it determines (issuer, issuerSki) is derived from it.
import { createHash } from 'node:crypto';
import type { Limits } from '../../config.ts';
import { parseCertificate } from '../../pki/certificate.ts';
import { children, DER_TAG, expectTlv } from '../../pki/der.ts';
import type { ClassicCaRecord, ClassicConfigurationRecord } from '../../store/classic-store-repository.ts';
import { isUniqueViolation } from '../../store/database.ts';
import type { Repositories, Store } from '../../store/store.ts';
import { graphTimestamp } from '../clock.ts';
import { graphErrors } from '../errors.ts';
import { checkCaCertificate, checkCrlUrls } from './ca-service.ts';
import { requireOrganization } from '../directory/organization-service.ts';

/** Graph: "Only a single instance … can exist … It always has a fixed ID with a value of '29728ade-…'." */
export const CLASSIC_CONFIGURATION_ID = '29728ade-6ae4-4ee9-9103-412912537da5';
export const CLASSIC_CONFIGURATION_RESOURCE = 'certificateBasedAuthConfiguration';
const CA_RESOURCE = 'certificateAuthority';

export interface ClassicCaInput {
  readonly certificate?: string | undefined;
  readonly isRootAuthority?: boolean | undefined;
  readonly certificateRevocationListUrl?: string | null | undefined;
  readonly deltaCertificateRevocationListUrl?: string | null | undefined;
  /** Read-only in Graph: when sent, it must say what the certificate says. */
  readonly issuer?: string | null | undefined;
  readonly issuerSki?: string | null | undefined;
}

export interface ClassicConfiguration extends ClassicConfigurationRecord {
  readonly id: typeof CLASSIC_CONFIGURATION_ID;
}

type ClassicLimits = Pick<Limits, 'maxCasPerPki' | 'maxCaCertificateBytes'>;

export class ClassicStoreService {
  constructor(
    private readonly store: Store,
    private readonly limits: ClassicLimits,
  ) {}

  /** The collection: empty, or the one configuration. */
  async list(tenantId: string, organizationId: string): Promise<ClassicConfiguration[]> {
    requireOrganization(tenantId, organizationId);
    const found = await this.store.repositories.classicStore.find(tenantId);
    return found ? [withId(found)] : [];
  }

  async get(tenantId: string, organizationId: string, id: string): Promise<ClassicConfiguration> {
    requireOrganization(tenantId, organizationId);
    const found = id.toLowerCase() === CLASSIC_CONFIGURATION_ID ? await this.store.repositories.classicStore.find(tenantId) : undefined;
    if (!found) throw graphErrors.notFound(id);
    return withId(found);
  }

  /** The tenant's configuration when it has one (verification, migration, snapshots). */
  async find(tenantId: string): Promise<ClassicConfiguration | undefined> {
    const found = await this.store.repositories.classicStore.find(tenantId);
    return found && withId(found);
  }

  /**
   * Creates the configuration. A second POST while one exists is refused with 400 (Graph documents no
   * answer for it; spec §3 [ours]): the list is replaced only by a DELETE and a new POST, so a script
   * cannot overwrite it by accident.
   */
  async create(tenantId: string, organizationId: string, certificateAuthorities: readonly ClassicCaInput[], now = new Date()): Promise<ClassicConfiguration> {
    requireOrganization(tenantId, organizationId);
    const configuration: ClassicConfigurationRecord = {
      createdDateTime: graphTimestamp(now),
      certificateAuthorities: this.prepare(certificateAuthorities, now),
    };
    return this.store.transaction(async (repos) => {
      await this.insert(repos, tenantId, configuration);
      return withId(configuration);
    });
  }

  /** Inserts a prepared configuration in the caller's transaction; 400 when the tenant has one. */
  async insert(repos: Repositories, tenantId: string, configuration: ClassicConfigurationRecord): Promise<void> {
    if (await repos.classicStore.find(tenantId)) throw alreadyExists();
    try {
      await repos.classicStore.insert(tenantId, configuration);
    } catch (error) {
      // A concurrent POST created it between our check and our insert.
      if (isUniqueViolation(error)) throw alreadyExists();
      throw error;
    }
  }

  async delete(tenantId: string, organizationId: string, id: string): Promise<void> {
    requireOrganization(tenantId, organizationId);
    const deleted = id.toLowerCase() === CLASSIC_CONFIGURATION_ID && (await this.store.transaction((repos) => repos.classicStore.delete(tenantId)));
    if (!deleted) throw graphErrors.notFound(id);
  }

  /**
   * Checks a whole certificateAuthorities list and builds its records, writing nothing: the one gate for
   * the API and a snapshot import. `now` decides expiry (spec §3 [ours]: Entra refuses an upload while a
   * CA is expired, so an expired CA is refused).
   */
  prepare(certificateAuthorities: readonly ClassicCaInput[], now: Date): ClassicCaRecord[] {
    if (certificateAuthorities.length > this.limits.maxCasPerPki) {
      throw graphErrors.badRequest(
        `A ${CLASSIC_CONFIGURATION_RESOURCE} holds at most ${this.limits.maxCasPerPki} certificate authorities; ${certificateAuthorities.length} were sent.`,
      );
    }
    const seen = new Map<string, number>();
    return certificateAuthorities.map((input, index) => {
      const ca = this.prepareOne(input, index, now);
      const earlier = seen.get(ca.thumbprint);
      if (earlier !== undefined) {
        throw graphErrors.badRequest(`certificateAuthorities[${index}] holds the same certificate as certificateAuthorities[${earlier}] (thumbprint ${ca.thumbprint}).`);
      }
      seen.set(ca.thumbprint, index);
      return ca;
    });
  }

  private prepareOne(input: ClassicCaInput, index: number, now: Date): ClassicCaRecord {
    const at = `certificateAuthorities[${index}]`;
    const required = (property: string) => graphErrors.badRequest(`A value is required for property '${property}' of resource '${CA_RESOURCE}' (${at}).`);
    if (input.certificate === undefined) throw required('certificate');
    if (input.isRootAuthority === undefined) throw required('isRootAuthority');
    const certificate = checkCaCertificate(input.certificate, this.limits.maxCaCertificateBytes, CA_RESOURCE);
    const invalid = (property: string, why: string) =>
      graphErrors.badRequest(`Invalid value specified for property '${property}' of resource '${CA_RESOURCE}' (${at}): ${why}.`);
    // The flag decides which CAs are roots; one that contradicts the certificate would make a path end
    // at an intermediate, or a root be passed over.
    const isRoot = certificate.type === 'root';
    if (input.isRootAuthority !== isRoot) {
      throw invalid('isRootAuthority', `${input.isRootAuthority} does not match the certificate '${certificate.subject}', which is ${isRoot ? 'a self-signed root' : 'an intermediate (not self-signed)'}`);
    }
    if (certificate.notAfter.getTime() < now.getTime()) {
      throw invalid('certificate', `the certificate '${certificate.subject}' expired on ${graphTimestamp(certificate.notAfter)}; Entra refuses the list while a CA in it is expired`);
    }
    const issuerSki = certificate.subjectKeyIdentifier ?? publicKeySha1(certificate.der);
    if (input.issuer != null && dnKey(input.issuer) !== dnKey(certificate.subject)) {
      throw invalid('issuer', `'${input.issuer}' does not match the certificate, which has '${certificate.subject}' (the property is read-only)`);
    }
    if (input.issuerSki != null && hexKey(input.issuerSki) !== issuerSki) {
      throw invalid('issuerSki', `'${input.issuerSki}' does not match the certificate, which has '${issuerSki}' (the property is read-only)`);
    }
    const crl = checkCrlUrls(input.certificateRevocationListUrl ?? null, input.deltaCertificateRevocationListUrl ?? null, CA_RESOURCE);
    return {
      certificate: certificate.der.toString('base64'),
      isRootAuthority: isRoot,
      issuer: certificate.subject,
      issuerSki,
      thumbprint: certificate.thumbprint,
      expirationDateTime: graphTimestamp(certificate.notAfter),
      certificateRevocationListUrl: crl.base,
      deltaCertificateRevocationListUrl: crl.delta,
    };
  }
}

function withId(record: ClassicConfigurationRecord): ClassicConfiguration {
  return { id: CLASSIC_CONFIGURATION_ID, ...record };
}

function alreadyExists() {
  return graphErrors.badRequest(
    `The organization already has a ${CLASSIC_CONFIGURATION_RESOURCE} ('${CLASSIC_CONFIGURATION_ID}'); it cannot be updated: delete it, then create it again with the whole certificateAuthorities list.`,
  );
}

const hexKey = (value: string) => value.replace(/[\s:]/g, '').toUpperCase();
const dnKey = (value: string) => value.replace(/\s*([,=+])\s*/g, '$1').trim().toUpperCase();

/** A CA without a subjectKeyIdentifier still has Graph's non-null issuerSki: RFC 5280 §4.2.1.2 method (1). */
function publicKeySha1(der: Buffer): string {
  const spki = parseCertificate(der).spki;
  const [, key] = children(spki, expectTlv(spki, 0, DER_TAG.sequence, 'SubjectPublicKeyInfo'));
  // The subjectPublicKey BIT STRING's contents after its unused-bits byte.
  const bits = key ? spki.subarray(key.valueStart + 1, key.end) : spki;
  return createHash('sha1').update(bits).digest('hex').toUpperCase();
}
