// "May this certificate sign in, and how strongly?": builds a path from a client certificate to the CAs of
// the tenant's PKIs and of its classic store (looked up by key identifier and name, so the cost does not
// grow with the store; a CA in both stores is checked through the copy Entra's rule picks, store-precedence.ts),
// checks revocation with each issuing CA's CRLs as Entra does (a configured CRL that cannot be had fails;
// no CRL URL, no check, unless the policy requires CRL validation for the issuing CA; the same CA in
// several PKIs is checked through every copy), then applies the tenant's x509 authentication-method policy.
import type { Limits } from '../../config.ts';
import { CertificateProblem, decodeCertificateValue } from '../../pki/ca-certificate.ts';
import { type Certificate, CertificateParseError, parseCertificate } from '../../pki/certificate.ts';
import { checkAgainstCrls } from '../../pki/crl-check.ts';
import { namesIssuersCrl } from '../../pki/crl-url-assignment.ts';
import { isSelfIssued } from '../../pki/name-compare.ts';
import { x509 } from '../../pki/x509-library.ts';
import { pemBlocks } from '../../pki/encoding.ts';
import { DEFAULT_VALIDATION_LIMITS, type TrustAnchor, type ValidPath, ValidationFailure, validatePath } from '../../pki/path-validation.ts';
import { type PathVerdict, verdictOf } from '../../pki/verdict.ts';
import type { CaRecord } from '../../store/ca-repository.ts';
import type { ClassicCaRecord } from '../../store/classic-store-repository.ts';
import { CLASSIC_CONFIGURATION_ID } from '../trust-store/classic-store-service.ts';
import { copiesToUse } from './store-precedence.ts';
import type { Store } from '../../store/store.ts';
import type { CrlLookup, CrlLookups, CrlService } from './crl-service.ts';
import { graphErrors } from '../errors.ts';
import { evaluatePolicy, type PolicyVerdict } from './policy-evaluation.ts';
import type { X509Policy, X509PolicyService } from '../authentication-methods/x509-policy-service.ts';
import { type CertificateFailure, certificateError, type SignInError } from './sign-in-errors.ts';
import { resolveSignIn, type SignInOutcome, type UserDirectoryLookups } from './user-resolution.ts';

export interface VerificationRequest {
  /** base64 of DER, PEM text, or base64 of PEM text. */
  readonly certificate: string;
  readonly intermediates?: readonly string[] | undefined;
  /** ISO 8601; default now. */
  readonly validationTime?: string | undefined;
  /** RFC 5280 user-initial-policy-set (policy OIDs); default anyPolicy. */
  readonly initialPolicies?: readonly string[] | undefined;
  /** RFC 5280 initial-explicit-policy, initial-policy-mapping-inhibit and initial-any-policy-inhibit; default false. */
  readonly requireExplicitPolicy?: boolean | undefined;
  readonly inhibitPolicyMapping?: boolean | undefined;
  readonly inhibitAnyPolicy?: boolean | undefined;
  /** The name typed at sign-in; absent = a username-less sign-in (the bindings search every user). */
  readonly userPrincipalName?: string | undefined;
}

/**
 * One copy of a CA in the trust store: the same certificate may be in several PKIs of the tenant, and in
 * the classic store (whose CAs have no id of their own: a classic copy names the CA by its thumbprint
 * and, as its PKI, the classic configuration's fixed id).
 */
export interface StoreAnchor {
  readonly certificateAuthorityId: string;
  readonly publicKeyInfrastructureId: string;
  readonly certificateRevocationListUrl: string | null;
  readonly deltaCertificateRevocationListUrl: string | null;
  /** 'classic': organization/{id}/certificateBasedAuthConfiguration (Entra's "legacy store"). */
  readonly store: 'pki' | 'classic';
  /** Why the classic copy is used (Entra's "Legacy Store Use Information"); classic copies only. */
  readonly legacyStoreUseInformation?: string;
}

/** A CA row of either store, as candidates() finds it. */
interface CandidateCa {
  readonly thumbprint: string;
  /** base64 of the DER */
  readonly certificate: string;
  readonly anchor: StoreAnchor;
}

/**
 * What a failed verdict names besides its reason, when a CRL decided or failed it: the store CA whose
 * CRL it is (the issuer of the certificate at failedAt), the CRL's URL, number and dates, and for
 * crl_invalid why the CRL could not be used. Fields the failure does not know are null.
 */
export interface FailureDetail {
  readonly certificateAuthorityId: string;
  readonly publicKeyInfrastructureId: string;
  readonly crlUrl: string | null;
  readonly crlKind: 'base' | 'delta' | null;
  readonly crlNumber: string | null;
  readonly thisUpdate: string | null;
  readonly nextUpdate: string | null;
  readonly why: string | null;
}

export interface VerificationResult extends PathVerdict {
  readonly validationTime: string;
  /** The policy's verdict; null when the path is not trusted. */
  readonly policy: PolicyVerdict | null;
  /** When not trusted because of a CRL: which CA, PKI and CRL; else null. */
  readonly failure: FailureDetail | null;
  /** The user this certificate would sign in, with the binding that matched, or Entra's error. */
  readonly signIn: SignInOutcome;
}

/** A failure found through one copy of the issuing CA, with what the verdict says about it. */
interface CopyFailure {
  readonly failure: ValidationFailure;
  readonly detail: FailureDetail;
  /** Added to the verdict's message (a CA URL that names its issuer's CRL). */
  readonly hint: string | null;
  /** The subject key identifier of the CA whose CRL it is (what the CRL's AKI should be). */
  readonly expectedSubjectKeyIdentifier: string | null;
}

type CopyOutcome = { readonly ok: true; readonly copy: StoreAnchor | undefined; readonly details: RevocationDetails } | ({ readonly ok: false } & CopyFailure);

type RevocationDetails = Readonly<Record<string, unknown>> & { readonly checked: boolean };

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
    private readonly users: UserDirectoryLookups,
  ) {}

  async verify(tenantId: string, request: VerificationRequest): Promise<VerificationResult> {
    const validationTime = request.validationTime === undefined ? new Date() : new Date(request.validationTime);
    if (Number.isNaN(validationTime.getTime())) throw graphErrors.badRequest("Invalid value specified for 'validationTime': expected an ISO 8601 date and time.");
    const leaf = this.parseInput(request.certificate, 'certificate');
    if ((request.intermediates?.length ?? 0) > MAX_INTERMEDIATES) throw graphErrors.badRequest(`At most ${MAX_INTERMEDIATES} intermediates may be sent.`);
    const supplied = (request.intermediates ?? []).map((value, i) => this.parseInput(value, `intermediates[${i}]`));

    const [cas, policy] = await Promise.all([this.candidates(tenantId, [leaf, ...supplied]), this.policies.getPolicy(tenantId)]);
    // One anchor per certificate; its copies (one per PKI holding it) are all candidates.
    const copiesOf = new Map<string, StoreAnchor[]>();
    const anchors: TrustAnchor<readonly StoreAnchor[]>[] = [];
    for (const ca of cas) {
      const certificate = this.parsedCa(ca);
      if (!certificate) continue;
      const copies = copiesOf.get(certificate.fingerprint);
      if (copies) {
        copies.push(ca.anchor);
        continue;
      }
      const meta = [ca.anchor];
      copiesOf.set(certificate.fingerprint, meta);
      anchors.push({ certificate, meta });
    }
    // A CA in both stores: Entra's rule picks the copies (store-precedence.ts); the arrays are the anchors' meta.
    for (const copies of copiesOf.values()) copies.splice(0, copies.length, ...copiesToUse(copies));
    // Store CAs also serve as intermediates, so a path reaches the root and every CA's CRL is checked.
    const intermediates = [...supplied, ...anchors.map((a) => a.certificate).filter((c) => !isSelfIssued(c))];
    // The copy whose checks passed, per (certificate, issuer) pair: the one the verdict names.
    const chosen = new Map<string, StoreAnchor>();
    const failures = new WeakMap<ValidationFailure, CopyFailure>();

    const crls = this.crls.forOneVerification();
    let path: ValidPath<readonly StoreAnchor[]>;
    try {
      path = await validatePath(leaf, anchors, intermediates, {
        validationTime,
        purpose: 'clientAuth',
        ...DEFAULT_VALIDATION_LIMITS,
        signaturePolicy: { allowSha1: false },
        ...(request.initialPolicies !== undefined ? { initialPolicySet: request.initialPolicies } : {}),
        requireExplicitPolicy: request.requireExplicitPolicy ?? false,
        inhibitPolicyMapping: request.inhibitPolicyMapping ?? false,
        inhibitAnyPolicy: request.inhibitAnyPolicy ?? false,
        revocation: async (certificate, issuer, _anchor, depth) => {
          const copies = copiesOf.get(issuer.fingerprint);
          const outcome = await this.checkRevocation(crls, certificate, issuer, copies, policy, validationTime, depth);
          if (!outcome.ok) {
            failures.set(outcome.failure, outcome);
            throw outcome.failure;
          }
          if (outcome.copy) chosen.set(`${certificate.fingerprint}:${issuer.fingerprint}`, outcome.copy);
          return { details: outcome.details };
        },
      });
    } catch (error) {
      if (!(error instanceof ValidationFailure)) throw error;
      const known = failures.get(error);
      const verdict = verdictOf(leaf, error);
      const message = known?.hint ? `${verdict.message} (${known.hint})` : verdict.message;
      return {
        ...verdict,
        message,
        validationTime: validationTime.toISOString(),
        policy: null,
        failure: known?.detail ?? null,
        signIn: await this.signIn(tenantId, request, policy, null, certificateError(failureFacts(error, message, validationTime, known))),
      };
    }
    const verdict = verdictOf(leaf, path);
    const policyVerdict = evaluatePolicy(policy, path.certificates);
    return {
      ...verdict,
      // Every CA of the path that is in the trust store names its CA and PKI: the copy whose checks passed.
      path: verdict.path.map(({ anchor: _anchor, ...entry }, depth) => {
        if (depth === 0) return entry;
        const certificate = path.certificates[depth] as Certificate;
        const below = path.certificates[depth - 1] as Certificate;
        const copy = chosen.get(`${below.fingerprint}:${certificate.fingerprint}`) ?? copiesOf.get(certificate.fingerprint)?.[0];
        if (!copy) return entry;
        const warning = ownCdpHint(certificate, copy);
        return { ...entry, trustStore: copy, ...(warning ? { warnings: [warning] } : {}) };
      }),
      validationTime: validationTime.toISOString(),
      policy: policyVerdict,
      failure: null,
      signIn: await this.signIn(tenantId, request, policy, policyVerdict, null),
    };
  }

  private signIn(tenantId: string, request: VerificationRequest, policy: X509Policy, verdict: PolicyVerdict | null, error: SignInError | null): Promise<SignInOutcome> {
    return resolveSignIn(this.users, {
      tenantId,
      userPrincipalName: request.userPrincipalName,
      policy,
      verdict,
      certificateError: error,
    });
  }

  /**
   * The store CAs a path from these certificates can go through, found by subject key identifier and
   * subject name level by level up to self-signed roots (indexed lookups: the cost does not grow with
   * the tenant's other CAs). Every copy of each CA is returned.
   */
  private async candidates(tenantId: string, start: readonly Certificate[]): Promise<CandidateCa[]> {
    const found = new Map<string, CandidateCa>();
    const askedKeys = new Set<string>();
    const askedNames = new Set<string>();
    let frontier = start;
    // A path has at most maxDepth CAs; one more level finds the CAs a too-long path fails on.
    for (let level = 0; level <= DEFAULT_VALIDATION_LIMITS.maxDepth && frontier.length > 0; level++) {
      const keys: string[] = [];
      const names: string[] = [];
      for (const certificate of frontier) {
        const key = certificate.authorityKeyIdentifier;
        if (key !== undefined && !askedKeys.has(key)) {
          askedKeys.add(key);
          keys.push(key);
        }
        const name = issuerNameKey(certificate);
        if (!askedNames.has(name)) {
          askedNames.add(name);
          names.push(name);
        }
      }
      const [pkiRows, classicRows] = await Promise.all([
        this.store.repositories.cas.trustStoreCandidates(tenantId, keys, names),
        this.store.repositories.classicStore.trustStoreCandidates(tenantId, keys, names),
      ]);
      const rows = [...pkiRows.map(pkiCandidate), ...classicRows.map(classicCandidate)];
      const next: Certificate[] = [];
      for (const row of rows) {
        const key = `${row.anchor.store}:${row.anchor.publicKeyInfrastructureId}:${row.anchor.certificateAuthorityId}`;
        if (found.has(key)) continue;
        found.set(key, row);
        const certificate = this.parsedCa(row);
        if (certificate && !looksSelfSigned(certificate)) next.push(certificate);
      }
      frontier = next;
    }
    return [...found.values()];
  }

  /**
   * Checks `certificate` with the CRLs of every copy of its issuer: a revocation found through any copy
   * revokes it; otherwise it passes through a copy whose checks pass (one that checked a CRL first);
   * when none passes, the first copy's failure is the answer.
   */
  private async checkRevocation(
    crls: CrlLookups,
    certificate: Certificate,
    issuer: Certificate,
    copies: readonly StoreAnchor[] | undefined,
    policy: X509Policy,
    at: Date,
    depth: number,
  ): Promise<CopyOutcome> {
    if (!copies) {
      if (depth === 0 && crlRequiredFor(issuer, policy)) {
        throw new ValidationFailure('crl_unavailable', `the policy requires CRL validation, but the issuing CA '${issuer.subjectText}' has no CRL URL and is not exempted`, depth);
      }
      return { ok: true, copy: undefined, details: { checked: false, why: 'the issuer is not in the trust store' } };
    }
    const first = copies[0] as StoreAnchor;
    if (depth >= MAX_CRL_CHECKS) return { ok: true, copy: first, details: { checked: false, why: `beyond the ${MAX_CRL_CHECKS} CAs whose CRLs are checked` } };
    // Copies configured alike give the same answer: each configuration is checked once.
    const outcomes: CopyOutcome[] = [];
    const seen = new Set<string>();
    for (const copy of copies) {
      const configuration = `${copy.certificateRevocationListUrl}\n${copy.deltaCertificateRevocationListUrl}`;
      if (seen.has(configuration)) continue;
      seen.add(configuration);
      outcomes.push(await this.checkCopy(crls, certificate, issuer, copy, policy, at, depth));
    }
    const revoked = outcomes.find((o) => !o.ok && o.failure.reason === 'revoked');
    if (revoked) return revoked;
    const passed = outcomes.find((o) => o.ok && o.details.checked) ?? outcomes.find((o) => o.ok);
    return passed ?? (outcomes[0] as CopyOutcome);
  }

  private async checkCopy(
    crls: CrlLookups,
    certificate: Certificate,
    issuer: Certificate,
    copy: StoreAnchor,
    policy: X509Policy,
    at: Date,
    depth: number,
  ): Promise<CopyOutcome> {
    const url = copy.certificateRevocationListUrl;
    const where = { certificateAuthorityId: copy.certificateAuthorityId, publicKeyInfrastructureId: copy.publicKeyInfrastructureId };
    if (url === null) {
      if (depth === 0 && crlRequiredFor(issuer, policy)) {
        const failure = new ValidationFailure('crl_unavailable', `the policy requires CRL validation, but the issuing CA '${issuer.subjectText}' has no CRL URL and is not exempted`, depth);
        return { ok: false, failure, hint: null, expectedSubjectKeyIdentifier: issuer.subjectKeyIdentifier ?? null, detail: { ...where, crlUrl: null, crlKind: null, crlNumber: null, thisUpdate: null, nextUpdate: null, why: null } };
      }
      return { ok: true, copy, details: { checked: false, why: 'the CA has no CRL URL' } };
    }
    const deltaUrl = copy.deltaCertificateRevocationListUrl;
    let base: CrlLookup | undefined;
    let delta: CrlLookup | undefined;
    try {
      base = await crls.get(url, new Date(), depth);
      delta = deltaUrl === null ? undefined : await crls.get(deltaUrl, new Date(), depth);
      const result = checkAgainstCrls(certificate, issuer, base.crl, delta?.crl, at, { allowSha1: false }, depth);
      return {
        ok: true,
        copy,
        details: {
          checked: true,
          crlUrl: url,
          crlNumber: result.crlNumber,
          source: base.source,
          ...(delta ? { deltaCrlUrl: deltaUrl, deltaCrlNumber: result.deltaCrlNumber, deltaSource: delta.source } : {}),
        },
      };
    } catch (error) {
      if (!(error instanceof ValidationFailure)) throw error;
      const engine = error.crl;
      // A failure while the delta was being fetched (not there, not a CRL, replayed) is the delta's, whatever
      // the CRL service says: it fetches by URL and does not know which of the CA's CRLs the URL is. Otherwise
      // the engine's word on which CRL it was, else the base.
      const fetchingDelta = base !== undefined && deltaUrl !== null && delta === undefined;
      const kind = fetchingDelta ? 'delta' : (engine?.kind ?? 'base');
      const held = kind === 'delta' ? delta?.crl : base?.crl;
      return {
        ok: false,
        failure: error,
        hint: error.reason === 'crl_invalid' ? ownCdpHint(issuer, copy) : null,
        expectedSubjectKeyIdentifier: issuer.subjectKeyIdentifier ?? null,
        detail: {
          ...where,
          crlUrl: kind === 'delta' ? deltaUrl : url,
          crlKind: kind,
          crlNumber: engine?.crlNumber ?? held?.crlNumber?.toString() ?? null,
          thisUpdate: engine?.thisUpdate ?? held?.thisUpdate.toISOString() ?? null,
          nextUpdate: engine?.nextUpdate ?? held?.nextUpdate?.toISOString() ?? null,
          why: engine?.why ?? null,
        },
      };
    }
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
  private parsedCa(ca: { readonly thumbprint: string; readonly certificate: string }): Certificate | undefined {
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

/** What an AADSTS message names of a failed verification: the certificate out of its validity, the CRL at fault. */
function failureFacts(error: ValidationFailure, message: string, validationTime: Date, known: CopyFailure | undefined): CertificateFailure {
  const detail = known?.detail;
  return {
    reason: error.reason,
    message,
    validationTime,
    certificate: error.facts.certificate ?? null,
    crl: detail
      ? {
          crlUrl: detail.crlUrl,
          why: detail.why,
          issuer: error.crl?.issuer ?? null,
          thisUpdate: detail.thisUpdate,
          nextUpdate: detail.nextUpdate,
          authorityKeyIdentifier: error.crl?.authorityKeyIdentifier ?? null,
          expectedSubjectKeyIdentifier: known.expectedSubjectKeyIdentifier,
          download: error.facts.download ?? null,
        }
      : null,
  };
}

/** No CRL URL (or no copy in the store): fails when the policy requires CRL validation of the issuing CA. */
function crlRequiredFor(issuer: Certificate, policy: X509Policy): boolean {
  const configuration = policy.crlValidationConfiguration;
  const exempt = configuration.exemptedCertificateAuthoritiesSubjectKeyIdentifiers.some((ski) => ski.replace(/[\s:]/g, '').toUpperCase() === issuer.subjectKeyIdentifier);
  return configuration.state === 'enabled' && !exempt;
}

/** The CA's URL is its own CDP, which names the CRL of its issuer: said in the verdict (README). */
function ownCdpHint(ca: Certificate, copy: StoreAnchor): string | null {
  const url = copy.certificateRevocationListUrl;
  if (!namesIssuersCrl(ca, url)) return null;
  return `the certificateRevocationListUrl ${url} of '${ca.subjectText}' is its own CRL distribution point, which names the CRL of its issuer '${ca.issuerText}', not the CRL this CA issues`;
}

/** The child's issuer name as the store keeps CA names (the `issuer` property, @peculiar/x509's text). */
function issuerNameKey(certificate: Certificate): string {
  return new x509.Name(certificate.issuer).toString();
}

/** Same name and key identifier as its issuer: where a lookup upwards stops (a rollover certificate goes on). */
function looksSelfSigned(certificate: Certificate): boolean {
  return isSelfIssued(certificate) && (certificate.authorityKeyIdentifier === undefined || certificate.authorityKeyIdentifier === certificate.subjectKeyIdentifier);
}

function pkiCandidate(ca: CaRecord): CandidateCa {
  return {
    thumbprint: ca.thumbprint,
    certificate: ca.certificate,
    anchor: {
      certificateAuthorityId: ca.id,
      publicKeyInfrastructureId: ca.pkiId,
      certificateRevocationListUrl: ca.certificateRevocationListUrl,
      deltaCertificateRevocationListUrl: ca.deltaCertificateRevocationListUrl,
      store: 'pki',
    },
  };
}

function classicCandidate(ca: ClassicCaRecord): CandidateCa {
  return {
    thumbprint: ca.thumbprint,
    certificate: ca.certificate,
    anchor: {
      certificateAuthorityId: ca.thumbprint,
      publicKeyInfrastructureId: CLASSIC_CONFIGURATION_ID,
      certificateRevocationListUrl: ca.certificateRevocationListUrl,
      deltaCertificateRevocationListUrl: ca.deltaCertificateRevocationListUrl,
      store: 'classic',
    },
  };
}

