// "May this certificate sign in, and how strongly?": builds a path from a client certificate to the CAs of
// the tenant's PKIs, checks revocation with each issuing CA's CRLs as Entra does (a configured CRL that
// cannot be had fails; no CRL URL, no check, unless the policy requires CRL validation for the issuing
// CA), then applies the tenant's x509 authentication-method policy.
import type { Limits } from '../config.ts';
import { CertificateProblem, decodeCertificateValue } from '../pki/ca-certificate.ts';
import { type Certificate, CertificateParseError, parseCertificate } from '../pki/certificate.ts';
import { checkAgainstCrls } from '../pki/crl-check.ts';
import { pemBlocks } from '../pki/encoding.ts';
import { DEFAULT_VALIDATION_LIMITS, type RevocationResult, type TrustAnchor, type ValidPath, ValidationFailure, validatePath } from '../pki/path-validation.ts';
import { type PathVerdict, verdictOf } from '../pki/verdict.ts';
import type { CaRecord } from '../store/ca-repository.ts';
import type { Store } from '../store/store.ts';
import type { CrlLookups, CrlService } from './crl-service.ts';
import { graphErrors } from './errors.ts';
import { evaluatePolicy, type PolicyVerdict } from './policy-evaluation.ts';
import type { X509Policy, X509PolicyService } from './x509-policy-service.ts';

export interface VerificationRequest {
  /** base64 of DER, PEM text, or base64 of PEM text. */
  readonly certificate: string;
  readonly intermediates?: readonly string[] | undefined;
  /** ISO 8601; default now. */
  readonly validationTime?: string | undefined;
}

export interface StoreAnchor {
  readonly certificateAuthorityId: string;
  readonly publicKeyInfrastructureId: string;
  readonly certificateRevocationListUrl: string | null;
  readonly deltaCertificateRevocationListUrl: string | null;
}

export interface VerificationResult extends PathVerdict {
  readonly validationTime: string;
  /** The policy's verdict; null when the path is not trusted. */
  readonly policy: PolicyVerdict | null;
}

/** Most CAs of a path whose CRLs are checked, counted from the leaf (Entra: 10). */
const MAX_CRL_CHECKS = 10;
const MAX_INTERMEDIATES = 20;
const PARSED_CACHE_ENTRIES = 10_000;

export class VerificationService {
  /** CA certificates parsed once, by thumbprint (they never change for a thumbprint). */
  private readonly parsed = new Map<string, Certificate>();

  constructor(
    private readonly store: Store,
    private readonly crls: CrlService,
    private readonly policies: X509PolicyService,
    private readonly limits: Pick<Limits, 'maxCaCertificateBytes'>,
  ) {}

  async verify(tenantId: string, request: VerificationRequest): Promise<VerificationResult> {
    const validationTime = request.validationTime === undefined ? new Date() : new Date(request.validationTime);
    if (Number.isNaN(validationTime.getTime())) throw graphErrors.badRequest("Invalid value specified for 'validationTime': expected an ISO 8601 date and time.");
    const leaf = this.parseInput(request.certificate, 'certificate');
    if ((request.intermediates?.length ?? 0) > MAX_INTERMEDIATES) throw graphErrors.badRequest(`At most ${MAX_INTERMEDIATES} intermediates may be sent.`);
    const supplied = (request.intermediates ?? []).map((value, i) => this.parseInput(value, `intermediates[${i}]`));

    const [cas, policy] = await Promise.all([this.store.repositories.cas.trustStore(tenantId), this.policies.getPolicy(tenantId)]);
    const anchors: TrustAnchor<StoreAnchor>[] = cas.flatMap((ca) => {
      const certificate = this.parsedCa(ca);
      return certificate ? [{ certificate, meta: anchorMeta(ca) }] : [];
    });
    const byFingerprint = new Map(anchors.map((a) => [a.certificate.fingerprint, a.meta]));
    // Store CAs also serve as intermediates, so a path reaches the root and every CA's CRL is checked.
    const intermediates = [...supplied, ...anchors.map((a) => a.certificate).filter((c) => !c.subject.equals(c.issuer))];

    const crls = this.crls.forOneVerification();
    let path: ValidPath<StoreAnchor>;
    try {
      path = await validatePath(leaf, anchors, intermediates, {
        validationTime,
        purpose: 'clientAuth',
        ...DEFAULT_VALIDATION_LIMITS,
        signaturePolicy: { allowSha1: false },
        revocation: (certificate, issuer, _anchor, depth) => this.checkRevocation(crls, certificate, issuer, byFingerprint.get(issuer.fingerprint), policy, validationTime, depth),
      });
    } catch (error) {
      if (!(error instanceof ValidationFailure)) throw error;
      return { ...verdictOf(leaf, error), validationTime: validationTime.toISOString(), policy: null };
    }
    const verdict = verdictOf(leaf, path);
    return {
      ...verdict,
      // Every CA of the path that is in the trust store names its CA and PKI.
      path: verdict.path.map(({ anchor: _anchor, ...entry }, depth) => {
        const meta = depth > 0 ? byFingerprint.get((path.certificates[depth] as Certificate).fingerprint) : undefined;
        return meta ? { ...entry, trustStore: meta } : entry;
      }),
      validationTime: validationTime.toISOString(),
      policy: evaluatePolicy(policy, path.certificates),
    };
  }

  private async checkRevocation(
    crls: CrlLookups,
    certificate: Certificate,
    issuer: Certificate,
    issuerInStore: StoreAnchor | undefined,
    policy: X509Policy,
    at: Date,
    depth: number,
  ): Promise<RevocationResult> {
    if (depth >= MAX_CRL_CHECKS) return { details: { checked: false, why: `beyond the ${MAX_CRL_CHECKS} CAs whose CRLs are checked` } };
    const url = issuerInStore?.certificateRevocationListUrl ?? null;
    if (url === null) {
      const exempt = policy.crlValidationConfiguration.exemptedCertificateAuthoritiesSubjectKeyIdentifiers.some(
        (ski) => ski.replace(/[\s:]/g, '').toUpperCase() === issuer.subjectKeyIdentifier,
      );
      if (depth === 0 && policy.crlValidationConfiguration.state === 'enabled' && !exempt) {
        throw new ValidationFailure('crl_unavailable', `the policy requires CRL validation, but the issuing CA '${issuer.subjectText}' has no CRL URL and is not exempted`, depth);
      }
      return { details: { checked: false, why: issuerInStore ? 'the CA has no CRL URL' : 'the issuer is not in the trust store' } };
    }
    const base = await crls.get(url, new Date(), depth);
    const deltaUrl = issuerInStore?.deltaCertificateRevocationListUrl ?? null;
    const delta = deltaUrl === null ? undefined : await crls.get(deltaUrl, new Date(), depth);
    const result = checkAgainstCrls(certificate, issuer, base.crl, delta?.crl, at, { allowSha1: false }, depth);
    return {
      details: {
        checked: true,
        crlUrl: url,
        crlNumber: result.crlNumber,
        source: base.source,
        ...(delta ? { deltaCrlUrl: deltaUrl, deltaCrlNumber: result.deltaCrlNumber, deltaSource: delta.source } : {}),
      },
    };
  }

  private parseInput(value: string, property: string): Certificate {
    try {
      const text = value.trim();
      const der = text.startsWith('-----BEGIN') ? pemBlocks(text).find((b) => b.label === 'CERTIFICATE')?.der : decodeCertificateValue(text);
      if (!der) throw new CertificateParseError('the PEM text holds no CERTIFICATE block');
      return parseCertificate(der);
    } catch (error) {
      if (error instanceof CertificateParseError || error instanceof CertificateProblem || error instanceof Error) {
        throw graphErrors.badRequest(`Invalid value specified for '${property}': ${error.message}`);
      }
      throw error;
    }
  }

  /** The parsed CA, or undefined when it cannot be parsed (stored by an older version): it is then no anchor. */
  private parsedCa(ca: CaRecord): Certificate | undefined {
    let certificate = this.parsed.get(ca.thumbprint);
    if (!certificate) {
      try {
        certificate = parseCertificate(Buffer.from(ca.certificate, 'base64'));
      } catch {
        return undefined;
      }
      if (this.parsed.size >= PARSED_CACHE_ENTRIES) this.parsed.clear();
      this.parsed.set(ca.thumbprint, certificate);
    }
    return certificate;
  }
}

function anchorMeta(ca: CaRecord): StoreAnchor {
  return {
    certificateAuthorityId: ca.id,
    publicKeyInfrastructureId: ca.pkiId,
    certificateRevocationListUrl: ca.certificateRevocationListUrl,
    deltaCertificateRevocationListUrl: ca.deltaCertificateRevocationListUrl,
  };
}

