// RFC 5280 certification path building and validation, written here because no JS library is sound
// (pkijs accepts pathLen violations and unknown critical extensions; @peculiar's chain builder is
// greedy). Paths are built depth-first with backtracking from the leaf towards trust anchors (only
// those terminate a path), matching issuer/subject DER and AKI/SKI, within budgets so hostile input
// cannot burn CPU. Each check is a small named function with a stable reason code, in the manner of
// Go's crypto/x509. No I/O: revocation is asked of an injected checker.
import { type Certificate, EXT, KEY_USAGE, nameAttributes, OID_COMMON_NAME } from './certificate.ts';
import { type Budget, checkNameConstraints, parseNameConstraints, subjectNamesOf } from './name-constraints.ts';
import type { KeyObject } from 'node:crypto';
import { checkPublicKeyFacts as checkKeyAllowed } from './algorithms.ts';
import type { CrlDownloadProblem, CrlFailureDetail } from './crl-failure.ts';
import { children, expectTlv } from './der.ts';
import { isSelfIssued, namesEqual } from './name-compare.ts';
import { processPolicies } from './policy-tree.ts';
import { type SignaturePolicy, verifySignature } from './signature.ts';

/** Every reason a verification can fail for: the `reason` of a verdict (listed in the OpenAPI document too). */
export const REASON_CODES = [
  'untrusted_root',
  'expired',
  'not_yet_valid',
  'revoked',
  'bad_signature',
  'algorithm_not_allowed',
  'weak_key',
  'not_a_ca',
  'ca_as_leaf',
  'path_len_exceeded',
  'depth_exceeded',
  'key_usage',
  'extended_key_usage',
  'unknown_critical_extension',
  'name_constraint_violation',
  'unsupported_name_constraint',
  'policy_violation',
  'malformed',
  'name_mismatch',
  'crl_unavailable',
  'crl_invalid',
  'budget_exceeded',
] as const;
export type ReasonCode = (typeof REASON_CODES)[number];

export class ValidationFailure extends Error {
  constructor(
    readonly reason: ReasonCode,
    message: string,
    /** Which certificate of the path (0 = leaf) failed, when known. */
    readonly depth?: number,
    /** For crl_invalid and revoked: the CRL concerned (its number and dates) and why it was unusable. */
    readonly crl?: CrlFailureDetail,
    /** What else the failure knows: the certificate outside its validity, the CRL download that failed. */
    readonly facts: FailureFacts = {},
  ) {
    super(message);
  }
}

/** The facts behind a failure that its message states in words (an AADSTS message names them one by one). */
export interface FailureFacts {
  /** For expired and not_yet_valid: the certificate outside its validity period. */
  readonly certificate?: Certificate;
  /** For crl_unavailable: why the CRL could not be downloaded. */
  readonly download?: CrlDownloadProblem;
}

export type Purpose = 'clientAuth' | 'serverAuth' | 'any';

export const EKU = {
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
  smartcardLogon: '1.3.6.1.4.1.311.20.2.2',
  any: '2.5.29.37.0',
} as const;

export interface TrustAnchor<Meta = unknown> {
  readonly certificate: Certificate;
  /** Whatever the caller needs back about the anchor (e.g. the store CA and PKI ids). */
  readonly meta: Meta;
}

export interface RevocationResult {
  /** Per certificate details for the verdict (CRL URL, number, cached or fetched). */
  readonly details: unknown;
}

/** The candidate path a revocation check is made for: leaf first, trust anchor last. */
export interface RevocationPath<Meta> {
  readonly certificates: readonly Certificate[];
  readonly anchor: TrustAnchor<Meta>;
}

/** Checks one certificate against its issuer's CRLs; throws ValidationFailure (revoked, crl_*). */
export type RevocationChecker<Meta> = (
  certificate: Certificate,
  issuer: Certificate,
  issuerAnchor: TrustAnchor<Meta> | undefined,
  depth: number,
  path: RevocationPath<Meta>,
) => Promise<RevocationResult | undefined>;

export interface ValidationOptions<Meta> {
  readonly validationTime: Date;
  readonly purpose: Purpose;
  /** Most CAs in a path (Entra: 10). */
  readonly maxDepth: number;
  readonly maxSignatureChecks: number;
  readonly nameConstraintBudget: number;
  /**
   * Wall-clock cap for path building and signature checks, in ms. Time spent waiting for the
   * revocation callback (CRL downloads, which have their own timeout) is not counted, so a slow CRL
   * server is reported as such rather than as a path-building budget running out.
   */
  readonly timeLimitMs: number;
  readonly signaturePolicy: SignaturePolicy;
  readonly dns?: string | undefined;
  readonly ip?: string | undefined;
  readonly email?: string | undefined;
  /** Treat subject CNs as DNS names when the SAN has none (server-certificate checks of old profiles). */
  readonly commonNameAsDns?: boolean;
  /** Key usages the leaf must assert beyond what its purpose needs (e.g. digitalSignature). */
  readonly requiredKeyUsage?: readonly string[];
  readonly revocation?: RevocationChecker<Meta> | undefined;
  /** Lets the store restrict which anchors a path may end in (e.g. CA scoping); default all. */
  readonly anchorAllowed?: (anchor: TrustAnchor<Meta>) => boolean;
  /** RFC 5280 §6.1.1 (c) user-initial-policy-set: policy OIDs the caller accepts; default anyPolicy (2.5.29.32.0). */
  readonly initialPolicySet?: readonly string[];
  /** §6.1.1 (f) initial-explicit-policy: the path must be valid for a policy of the initial set. */
  readonly requireExplicitPolicy?: boolean;
  /** §6.1.1 (e) initial-policy-mapping-inhibit: policy mappings are not allowed. */
  readonly inhibitPolicyMapping?: boolean;
  /** §6.1.1 (g) initial-any-policy-inhibit: anyPolicy in a certificate does not stand for every policy. */
  readonly inhibitAnyPolicy?: boolean;
}

/** The options every check reads (everything but the callbacks typed by the anchors' metadata). */
type CommonOptions = Omit<ValidationOptions<never>, 'revocation' | 'anchorAllowed'>;

export interface ValidPath<Meta> {
  /** Leaf first, trust anchor last. */
  readonly certificates: readonly Certificate[];
  readonly anchor: TrustAnchor<Meta>;
  readonly revocation: readonly (RevocationResult | undefined)[];
  /**
   * The user-constrained policy set of RFC 5280 §6.1.5 (g): the certificate policies (in the trust
   * anchor's domain, after mappings) the path is valid for, within the initial policy set. Holds
   * anyPolicy when every policy is; empty when the path asserts none usable and none was required.
   */
  readonly policies: readonly string[];
}

export const DEFAULT_VALIDATION_LIMITS = {
  maxDepth: 10,
  maxSignatureChecks: 100,
  nameConstraintBudget: 100_000,
  timeLimitMs: 2_000,
} as const;

/**
 * Finds a valid path from `leaf` to one of `anchors`, using `intermediates` (caller-supplied, never
 * trusted on their own) to get there. Throws ValidationFailure with the most telling reason when
 * none is valid.
 */
export async function validatePath<Meta>(
  leaf: Certificate,
  anchors: readonly TrustAnchor<Meta>[],
  intermediates: readonly Certificate[],
  options: ValidationOptions<Meta>,
): Promise<ValidPath<Meta>> {
  const state: SearchState = { signatureChecks: 0, deadline: Date.now() + options.timeLimitMs, best: undefined, verified: new Map() };
  failClosed(() => checkLeafAlone(leaf, options), 0);
  const found = await search([leaf], terminalAnchors(anchors), intermediates, options, state);
  if (found) return found;
  throw state.best?.failure ?? new ValidationFailure('untrusted_root', `no path from '${leaf.subjectText}' to a trusted certificate authority`, 0);
}

/**
 * The anchors a path may end in. A CA whose own issuer is also an anchor is not one: the path must go on
 * to that issuer (the caller passes such CAs as intermediates too), so the issuer's CRL is checked for it,
 * as Entra checks every CA up to the root. Ending one CA early would let a revoked intermediate, or a
 * root CRL that cannot be had, pass. A CA whose issuer is not in the store still anchors a path.
 */
function terminalAnchors<Meta>(anchors: readonly TrustAnchor<Meta>[]): TrustAnchor<Meta>[] {
  return anchors.filter(
    (anchor) =>
      isSelfIssued(anchor.certificate) ||
      !anchors.some((other) => other.certificate.fingerprint !== anchor.certificate.fingerprint && isCandidateIssuer(other.certificate, anchor.certificate)),
  );
}

interface SearchState {
  signatureChecks: number;
  deadline: number;
  /** The failure of the longest candidate path, reported when no path is valid. */
  best: { failure: ValidationFailure; length: number } | undefined;
  readonly verified: Map<string, SignatureOutcome>;
}

type SignatureOutcome = { ok: true } | { ok: false; failure: ValidationFailure };

async function search<Meta>(
  path: Certificate[],
  anchors: readonly TrustAnchor<Meta>[],
  intermediates: readonly Certificate[],
  options: ValidationOptions<Meta>,
  state: SearchState,
): Promise<ValidPath<Meta> | undefined> {
  const child = path[path.length - 1] as Certificate;
  // Self-issued intermediates (key rollover) do not count towards the depth, as with pathLen.
  const caCount = path.slice(1).filter((c) => !isSelfIssued(c)).length;
  // Self-signed anchors first; then longer paths through intermediates; an anchor that is itself
  // issued by another CA (whose issuer the store does not hold: terminalAnchors) only when the path
  // cannot be taken further.
  const roots = anchors.filter((a) => isSelfIssued(a.certificate));
  const others = anchors.filter((a) => !isSelfIssued(a.certificate));
  const viaAnchor = async (anchor: TrustAnchor<Meta>) => {
    if (!isCandidateIssuer(anchor.certificate, child)) return undefined;
    if (options.anchorAllowed && !options.anchorAllowed(anchor)) return undefined;
    if (path.some((c) => c.fingerprint === anchor.certificate.fingerprint)) return undefined;
    return tryCandidate([...path, anchor.certificate], anchor, options, state);
  };
  for (const anchor of roots) {
    const result = await viaAnchor(anchor);
    if (result) return result;
  }
  if (caCount + 1 >= options.maxDepth) {
    remember(state, new ValidationFailure('depth_exceeded', `no trusted certificate authority within ${options.maxDepth} CAs of the leaf`, path.length), path.length);
  } else {
    for (const intermediate of intermediates) {
      if (!isCandidateIssuer(intermediate, child)) continue;
      if (path.some((c) => c.fingerprint === intermediate.fingerprint)) continue;
      checkBudget(state, options);
      const signature = checkSignature(child, intermediate, path.length - 1, options, state);
      if (!signature.ok) {
        remember(state, signature.failure, path.length + 1);
        continue;
      }
      const result = await search([...path, intermediate], anchors, intermediates, options, state);
      if (result) return result;
    }
  }
  for (const anchor of others) {
    const result = await viaAnchor(anchor);
    if (result) return result;
  }
  return undefined;
}

async function tryCandidate<Meta>(
  path: Certificate[],
  anchor: TrustAnchor<Meta>,
  options: ValidationOptions<Meta>,
  state: SearchState,
): Promise<ValidPath<Meta> | undefined> {
  checkBudget(state, options);
  const signature = checkSignature(path[path.length - 2] as Certificate, anchor.certificate, path.length - 2, options, state);
  if (!signature.ok) {
    remember(state, signature.failure, path.length);
    return undefined;
  }
  try {
    let policies: readonly string[] = [];
    failClosed(() => {
      policies = checkPath(path, options);
    }, undefined);
    const revocation = await outsideTimeLimit(state, () => checkRevocation(path, anchor, options));
    return { certificates: path, anchor, revocation, policies };
  } catch (error) {
    if (!(error instanceof ValidationFailure)) throw error;
    remember(state, error, path.length);
    // Revocation and the like are facts about this path; another path may still be valid.
    return undefined;
  }
}

/** Runs `wait` with the time it takes added to the deadline: the time limit covers path building only. */
async function outsideTimeLimit<T>(state: SearchState, wait: () => Promise<T>): Promise<T> {
  const started = Date.now();
  try {
    return await wait();
  } finally {
    state.deadline += Date.now() - started;
  }
}

/** An extension that cannot be decoded fails validation (malformed) rather than escaping as an error. */
function failClosed(check: () => void, depth: number | undefined): void {
  try {
    check();
  } catch (error) {
    if (error instanceof ValidationFailure) throw error;
    throw new ValidationFailure('malformed', `a certificate cannot be decoded: ${(error as Error).message}`, depth);
  }
}

function remember(state: SearchState, failure: ValidationFailure, length: number): void {
  if (!state.best || length > state.best.length || (length === state.best.length && state.best.failure.reason === 'untrusted_root')) {
    state.best = { failure, length };
  }
}

function checkBudget(state: SearchState, options: CommonOptions): void {
  state.signatureChecks++;
  if (state.signatureChecks > options.maxSignatureChecks) {
    throw new ValidationFailure('budget_exceeded', `path building needed more than ${options.maxSignatureChecks} signature checks`);
  }
  if (Date.now() > state.deadline) throw new ValidationFailure('budget_exceeded', `path building took longer than ${options.timeLimitMs} ms`);
}

/** Same issuer name (RFC 5280 §7.1) and, when both carry key identifiers, the same key identifier. */
function isCandidateIssuer(issuer: Certificate, child: Certificate): boolean {
  if (!namesEqual(issuer.subject, child.issuer)) return false;
  if (child.authorityKeyIdentifier && issuer.subjectKeyIdentifier && child.authorityKeyIdentifier !== issuer.subjectKeyIdentifier) return false;
  return true;
}

/**
 * Signature outcomes by (certificate, issuer, policy): the same bytes always give the same answer, and
 * the CAs of a trust store sign the same intermediates for every sign-in.
 */
const SIGNATURE_CACHE_ENTRIES = 10_000;
const signatureCache = new Map<string, SignatureOutcome>();

function checkSignature(child: Certificate, issuer: Certificate, depth: number, options: CommonOptions, state: SearchState): SignatureOutcome {
  const key = `${child.fingerprint}:${issuer.fingerprint}:${options.signaturePolicy.allowSha1}`;
  // Only successes are shared between validations: a failure names the depth where it was found.
  const cached = state.verified.get(key) ?? signatureCache.get(key);
  if (cached) return cached;
  let outcome: SignatureOutcome;
  const issuerKey = usableKeyOf(issuer);
  if (!child.innerSignatureAlgorithm.equals(child.outerSignatureAlgorithm)) {
    outcome = { ok: false, failure: new ValidationFailure('malformed', `'${child.subjectText}': the signature algorithm inside and outside the certificate differ`, depth) };
  } else if (!issuerKey.ok) {
    const allowed = checkKeyAllowed(issuer.publicKeyFacts);
    const failure = allowed.ok
      ? new ValidationFailure('malformed', `the public key of '${issuer.subjectText}' cannot be used: ${issuerKey.message}`, depth + 1)
      : new ValidationFailure('algorithm_not_allowed', `'${child.subjectText}' is signed by '${issuer.subjectText}', whose key is not allowed: ${allowed.reason}`, depth);
    outcome = { ok: false, failure };
  } else {
    const verdict = verifySignature(
      { tbs: child.tbs, algorithmOid: child.signatureAlgorithmOid, algorithmParams: child.signatureAlgorithmParams, signature: child.signatureValue },
      issuerKey.key,
      options.signaturePolicy,
    );
    outcome = verdict.ok
      ? { ok: true }
      : {
          ok: false,
          failure: new ValidationFailure(
            verdict.reason === 'algorithm_not_allowed' ? 'algorithm_not_allowed' : verdict.reason === 'weak_key' ? 'weak_key' : 'bad_signature',
            `'${child.subjectText}' is not validly signed by '${issuer.subjectText}': ${verdict.message}`,
            depth,
          ),
        };
  }
  state.verified.set(key, outcome);
  if (outcome.ok) {
    if (signatureCache.size >= SIGNATURE_CACHE_ENTRIES) signatureCache.clear();
    signatureCache.set(key, outcome);
  }
  return outcome;
}

/**
 * The issuer's key, imported on first use. Import can fail for a key whose facts were read from the
 * DER (a DSA key inheriting its parameters, a broken RSA key): that is a failed check, not an error.
 */
function usableKeyOf(issuer: Certificate): { ok: true; key: KeyObject } | { ok: false; message: string } {
  try {
    return { ok: true, key: issuer.publicKey };
  } catch (error) {
    return { ok: false, message: (error as Error).message };
  }
}

const HANDLED_EXTENSIONS: ReadonlySet<string> = new Set([
  EXT.subjectKeyIdentifier, EXT.keyUsage, EXT.subjectAltName, EXT.basicConstraints, EXT.nameConstraints,
  EXT.crlDistributionPoints, EXT.certificatePolicies, EXT.policyMappings, EXT.authorityKeyIdentifier, EXT.policyConstraints,
  EXT.extKeyUsage, EXT.inhibitAnyPolicy, EXT.authorityInfoAccess,
]);

/** Checks on the leaf that need no path: they fail the same whatever the path. */
function checkLeafAlone(leaf: Certificate, options: CommonOptions): void {
  checkSerial(leaf, 0);
  // A CA certificate cannot sign a user in (CBA); server checks follow RFC 5280, which allows it.
  if (options.purpose === 'clientAuth' && leaf.basicConstraints?.ca) {
    throw new ValidationFailure('ca_as_leaf', `'${leaf.subjectText}' is a CA certificate, not an end-entity certificate`, 0);
  }
  checkLeafKeyUsage(leaf, options.purpose, options.requiredKeyUsage ?? []);
  checkLeafExtendedKeyUsage(leaf, options.purpose);
  checkIdentity(leaf, options);
}

/** RFC 5280 §6.1.3–6.1.5 over one candidate path (leaf first, anchor last); returns its valid policies. */
function checkPath(path: readonly Certificate[], options: CommonOptions): readonly string[] {
  const anchorIndex = path.length - 1;
  for (const [depth, certificate] of path.entries()) {
    checkValidity(certificate, depth, options.validationTime);
    checkCriticalExtensions(certificate, depth);
    checkExtensionProfile(certificate, depth, depth > 0, depth === anchorIndex && depth > 0);
    checkPublicKey(certificate, depth);
    checkSubjectAltNameSyntax(certificate, depth);
    if (depth > 0) {
      checkCa(certificate, depth, path);
      checkCaPurpose(certificate, depth, options.purpose);
    }
    if (depth > 0 && depth < anchorIndex) checkSerial(certificate, depth);
  }
  if (options.purpose === 'serverAuth') checkServerProfile(path);
  checkNameConstraintsOfPath(path, options);
  return checkPolicies(path, options);
}

function checkValidity(certificate: Certificate, depth: number, validationTime: Date): void {
  // Validity has whole seconds; compare at that granularity.
  const at = new Date(Math.floor(validationTime.getTime() / 1000) * 1000);
  if (at < certificate.notBefore) {
    throw new ValidationFailure('not_yet_valid', `'${certificate.subjectText}' is not valid before ${certificate.notBefore.toISOString()}`, depth, undefined, { certificate });
  }
  if (at > certificate.notAfter) {
    throw new ValidationFailure('expired', `'${certificate.subjectText}' expired on ${certificate.notAfter.toISOString()}`, depth, undefined, { certificate });
  }
}

/**
 * RFC 5280's MUSTs on extensions that decide how a certificate may be used: key identifiers present
 * (Entra builds chains on AKI/SKI), criticality as mandated, name constraints only in CAs, and an
 * empty subject only with a critical subjectAltName.
 *
 * basicConstraints and policyConstraints are acted on whatever their criticality (RFC 5280 §6.1 does
 * not look at it; PKITS 4.6.4, 4.8 and 4.12 expect CAs that mark them non-critical to work). Two
 * profile rules stay, where no PKITS test needs the leniency and x509-limbo expects the refusal: the
 * trust anchor's basicConstraints must be critical, and a non-critical policyConstraints is refused in
 * a CA that asserts no certificatePolicies (every non-critical one in PKITS comes with policies).
 */
function checkExtensionProfile(certificate: Certificate, depth: number, isCa: boolean, isAnchor: boolean): void {
  const fail = (message: string) => new ValidationFailure('malformed', `'${certificate.subjectText || certificate.sha1Thumbprint}' ${message}`, depth);
  const ext = certificate.extensions;
  const selfSigned = isSelfIssued(certificate) && (certificate.authorityKeyIdentifier === undefined || certificate.authorityKeyIdentifier === certificate.subjectKeyIdentifier);
  if (ext.get(EXT.authorityKeyIdentifier)?.critical) throw fail('marks authorityKeyIdentifier critical (RFC 5280: must not)');
  if (ext.get(EXT.subjectKeyIdentifier)?.critical) throw fail('marks subjectKeyIdentifier critical (RFC 5280: must not)');
  if (ext.get(EXT.authorityInfoAccess)?.critical) throw fail('marks authorityInfoAccess critical (RFC 5280: must not)');
  if (ext.has(EXT.policyConstraints) && !ext.get(EXT.policyConstraints)?.critical && !certificate.policies) {
    throw fail('has a non-critical policyConstraints extension and no certificatePolicies (RFC 5280: policyConstraints must be critical)');
  }
  if (ext.has(EXT.nameConstraints)) {
    if (!ext.get(EXT.nameConstraints)?.critical) throw fail('has non-critical name constraints (RFC 5280: must be critical)');
    if (!isCa) throw fail('is an end-entity certificate with name constraints (only CAs may have them)');
  }
  // Every certificate but a self-signed root names its issuer's key, trust anchors included: a
  // cross-signed root without it is refused (fail closed), as Entra chains on AKI/SKI.
  if (!selfSigned && certificate.authorityKeyIdentifier === undefined) throw fail('has no authorityKeyIdentifier key identifier (required on every certificate but self-signed roots)');
  const aki = ext.get(EXT.authorityKeyIdentifier);
  if (selfSigned && aki && certificate.authorityKeyIdentifier === undefined) throw fail('has an authorityKeyIdentifier without a key identifier');
  if (isCa) {
    if (certificate.subjectKeyIdentifier === undefined) throw fail('is a CA without a subjectKeyIdentifier (required for CAs)');
    if (isAnchor && certificate.basicConstraints && !ext.get(EXT.basicConstraints)?.critical) throw fail('is a trust anchor whose basicConstraints is not critical');
    if (certificate.subject.length <= 2) throw fail('is a CA with an empty subject');
  }
  if (certificate.subject.length <= 2) {
    const san = ext.get(EXT.subjectAltName);
    if (!san?.critical) throw fail('has an empty subject and no critical subjectAltName');
  }
}

/** subjectAltName dNSName and rfc822Name values must be well-formed (LDH host names, one '@'). */
function checkSubjectAltNameSyntax(certificate: Certificate, depth: number): void {
  const san = certificate.extensions.get(EXT.subjectAltName);
  if (!san) return;
  const names = subjectNamesOf(certificate.subject, san.value);
  for (const dns of names.dns) {
    const host = dns.startsWith('*.') ? dns.slice(2) : dns;
    if (!host.split('.').every((label) => /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/.test(label))) {
      throw new ValidationFailure('malformed', `'${certificate.subjectText}' has the malformed DNS name '${dns}' in subjectAltName`, depth);
    }
  }
  for (const email of names.emails) {
    const at = email.indexOf('@');
    if (at <= 0 || at !== email.lastIndexOf('@') || at === email.length - 1) {
      throw new ValidationFailure('malformed', `'${certificate.subjectText}' has the malformed email address '${email}' in subjectAltName`, depth);
    }
  }
}

function checkPublicKey(certificate: Certificate, depth: number): void {
  const verdict = checkKeyAllowed(certificate.publicKeyFacts);
  if (!verdict.ok) throw new ValidationFailure('weak_key', `'${certificate.subjectText}': ${verdict.reason}`, depth);
}

/**
 * The CA/Browser Forum server-certificate profile, applied when checking a server certificate: the
 * leaf names its purpose (serverAuth, not anyExtendedKeyUsage, extension not critical), a CN repeats a
 * subjectAltName exactly, and roots carry no extKeyUsage.
 */
function checkServerProfile(path: readonly Certificate[]): void {
  const leaf = path[0] as Certificate;
  const fail = (message: string, depth = 0) => new ValidationFailure('extended_key_usage', message, depth);
  if (!leaf.extKeyUsage?.includes(EKU.serverAuth)) throw fail(`'${leaf.subjectText}' does not name serverAuth in extKeyUsage`);
  if (leaf.extKeyUsage.includes(EKU.any)) throw fail(`'${leaf.subjectText}' asserts anyExtendedKeyUsage`);
  if (leaf.extensions.get(EXT.extKeyUsage)?.critical) throw fail(`'${leaf.subjectText}' marks extKeyUsage critical`);
  if (leaf.basicConstraints?.ca) throw fail(`'${leaf.subjectText}' is a CA certificate used as a server certificate`);
  const anchor = path[path.length - 1] as Certificate;
  if (path.length > 1 && anchor.extKeyUsage) throw fail(`the root '${anchor.subjectText}' carries extKeyUsage`, path.length - 1);
  const anchorAki = anchor.extensions.get(EXT.authorityKeyIdentifier);
  if (anchorAki && isSelfIssued(anchor) && (anchor.authorityKeyIdentifier !== anchor.subjectKeyIdentifier || !akiHasKeyIdOnly(anchorAki.value))) {
    throw new ValidationFailure('malformed', `the root '${anchor.subjectText}' has an authorityKeyIdentifier that is not its own key identifier alone`, path.length - 1);
  }
  const names = subjectNamesOf(leaf.subject, leaf.extensions.get(EXT.subjectAltName)?.value);
  const ipTexts = names.ips.map(ipText);
  for (const cn of nameAttributes(leaf.subject, OID_COMMON_NAME)) {
    if (!names.dns.includes(cn) && !ipTexts.includes(cn)) {
      throw new ValidationFailure('name_mismatch', `'${leaf.subjectText}': the CN '${cn}' is not one of its subjectAltNames`, 0);
    }
  }
}

function akiHasKeyIdOnly(value: Buffer): boolean {
  return [...children(value, expectTlv(value, 0, 0x30, 'AuthorityKeyIdentifier'))].every((field) => field.tag === 0x80);
}

function ipText(bytes: Buffer): string {
  if (bytes.length === 4) return [...bytes].join('.');
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] as number) * 256 + (bytes[i + 1] as number)).toString(16));
  return groups.join(':').replace(/(^|:)0(:0)+(:|$)/, '::');
}

function checkCriticalExtensions(certificate: Certificate, depth: number): void {
  for (const [oid, extension] of certificate.extensions) {
    if (extension.critical && !HANDLED_EXTENSIONS.has(oid)) {
      throw new ValidationFailure('unknown_critical_extension', `'${certificate.subjectText}' has the critical extension ${oid}, which is not understood`, depth);
    }
  }
}

/**
 * A CA restricted by extKeyUsage may only vouch for those purposes (as Windows and Go enforce): a CA
 * limited to TLS servers cannot issue certificates that sign users in.
 */
function checkCaPurpose(certificate: Certificate, depth: number, purpose: Purpose): void {
  if (!certificate.extKeyUsage || purpose === 'any') return;
  const accepted: readonly string[] = purpose === 'clientAuth' ? [EKU.clientAuth, EKU.smartcardLogon, EKU.any] : [EKU.serverAuth, EKU.any];
  if (!certificate.extKeyUsage.some((oid) => accepted.includes(oid))) {
    throw new ValidationFailure('extended_key_usage', `the CA '${certificate.subjectText}' is restricted to other purposes than ${purpose} (extKeyUsage ${certificate.extKeyUsage.join(', ')})`, depth);
  }
}

function checkCa(certificate: Certificate, depth: number, path: readonly Certificate[]): void {
  if (!certificate.basicConstraints?.ca) {
    throw new ValidationFailure('not_a_ca', `'${certificate.subjectText}' issues a certificate but is not a CA (basicConstraints cA is not TRUE)`, depth);
  }
  if (certificate.keyUsage && !certificate.keyUsage.has(KEY_USAGE.keyCertSign)) {
    throw new ValidationFailure('key_usage', `'${certificate.subjectText}' may not sign certificates (keyUsage lacks keyCertSign)`, depth);
  }
  const pathLen = certificate.basicConstraints.pathLen;
  if (pathLen !== undefined) {
    // Non-self-issued intermediates between this CA and the leaf.
    let below = 0;
    for (let i = 1; i < depth; i++) if (!isSelfIssued(path[i] as Certificate)) below++;
    if (below > pathLen) {
      throw new ValidationFailure('path_len_exceeded', `'${certificate.subjectText}' allows ${pathLen} intermediate CA(s) below it, the path has ${below}`, depth);
    }
  }
}

function checkSerial(certificate: Certificate, depth: number): void {
  const serial = certificate.serial;
  const negative = ((serial[0] as number) & 0x80) !== 0;
  const zero = serial.every((b) => b === 0);
  if (serial.length > 20 || negative || zero || (serial.length > 1 && serial[0] === 0 && ((serial[1] as number) & 0x80) === 0)) {
    throw new ValidationFailure('malformed', `'${certificate.subjectText}' has an invalid serial number (it must be a positive integer of at most 20 octets)`, depth);
  }
}

function checkLeafKeyUsage(leaf: Certificate, purpose: Purpose, required: readonly string[]): void {
  for (const name of required) {
    const bit = (KEY_USAGE as Record<string, number>)[name];
    if (bit === undefined || !leaf.keyUsage?.has(bit)) {
      throw new ValidationFailure('key_usage', `'${leaf.subjectText}' does not assert the key usage ${name}`, 0);
    }
  }
  if (!leaf.keyUsage) return;
  const ok =
    purpose === 'clientAuth'
      ? leaf.keyUsage.has(KEY_USAGE.digitalSignature)
      : purpose === 'serverAuth'
        ? leaf.keyUsage.has(KEY_USAGE.digitalSignature) || leaf.keyUsage.has(KEY_USAGE.keyEncipherment) || leaf.keyUsage.has(KEY_USAGE.keyAgreement)
        : true;
  if (!ok) throw new ValidationFailure('key_usage', `'${leaf.subjectText}' lacks the key usage its purpose needs (digitalSignature)`, 0);
  if (leaf.keyUsage.has(KEY_USAGE.keyCertSign) && !leaf.basicConstraints?.ca) {
    throw new ValidationFailure('key_usage', `'${leaf.subjectText}' asserts keyCertSign without being a CA`, 0);
  }
}

function checkLeafExtendedKeyUsage(leaf: Certificate, purpose: Purpose): void {
  if (!leaf.extKeyUsage || purpose === 'any') return;
  const accepted = purpose === 'clientAuth' ? [EKU.clientAuth, EKU.smartcardLogon, EKU.any] : [EKU.serverAuth, EKU.any];
  if (!leaf.extKeyUsage.some((oid) => (accepted as readonly string[]).includes(oid))) {
    throw new ValidationFailure('extended_key_usage', `'${leaf.subjectText}' is not meant for ${purpose} (extKeyUsage ${leaf.extKeyUsage.join(', ')})`, 0);
  }
}

function checkIdentity(leaf: Certificate, options: CommonOptions): void {
  if (options.dns === undefined && options.ip === undefined && options.email === undefined) return;
  const names = subjectNamesOf(leaf.subject, leaf.extensions.get(EXT.subjectAltName)?.value);
  const hasSan = leaf.extensions.has(EXT.subjectAltName);
  if (options.dns !== undefined) {
    const wanted = options.dns.toLowerCase().replace(/\.$/, '');
    const candidates = names.dns.length > 0 || hasSan || !options.commonNameAsDns ? names.dns : nameAttributes(leaf.subject, OID_COMMON_NAME);
    if (!candidates.some((name) => dnsNameMatches(name, wanted))) {
      throw new ValidationFailure('name_mismatch', `'${leaf.subjectText}' is not valid for the DNS name ${options.dns}`, 0);
    }
  }
  if (options.ip !== undefined) {
    const wanted = ipBytes(options.ip);
    if (!wanted || !names.ips.some((ip) => ip.equals(wanted))) {
      throw new ValidationFailure('name_mismatch', `'${leaf.subjectText}' is not valid for the IP address ${options.ip}`, 0);
    }
  }
  if (options.email !== undefined) {
    const at = options.email.lastIndexOf('@');
    const wantedLocal = options.email.slice(0, at);
    const wantedDomain = options.email.slice(at + 1).toLowerCase();
    const ok = names.emails.some((email) => {
      const i = email.lastIndexOf('@');
      return email.slice(0, i) === wantedLocal && email.slice(i + 1).toLowerCase() === wantedDomain;
    });
    if (!ok) throw new ValidationFailure('name_mismatch', `'${leaf.subjectText}' is not valid for the email address ${options.email}`, 0);
  }
}

function dnsNameMatches(pattern: string, wanted: string): boolean {
  const name = pattern.toLowerCase().replace(/\.$/, '');
  if (name === wanted) return true;
  // A wildcard stands for exactly one whole left-most label.
  if (name.startsWith('*.') && !name.slice(2).includes('*')) {
    const dot = wanted.indexOf('.');
    return dot > 0 && wanted.slice(dot + 1) === name.slice(2) && name.slice(2).includes('.');
  }
  return false;
}

export function ipBytes(text: string): Buffer | undefined {
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(text)) {
    const parts = text.split('.').map(Number);
    return parts.every((p) => p <= 255) ? Buffer.from(parts) : undefined;
  }
  if (!text.includes(':')) return undefined;
  const [head, tail, extra] = text.split('::');
  if (extra !== undefined) return undefined;
  const groups = (s: string | undefined) => (s ? s.split(':') : []);
  const left = groups(head);
  const right = groups(tail);
  const missing = 8 - left.length - right.length;
  if (tail === undefined ? missing !== 0 : missing < 1) return undefined;
  const all = [...left, ...Array(tail === undefined ? 0 : missing).fill('0'), ...right];
  if (!all.every((g) => /^[0-9a-f]{1,4}$/i.test(g))) return undefined;
  return Buffer.from(all.flatMap((g) => [Number.parseInt(g, 16) >> 8, Number.parseInt(g, 16) & 0xff]));
}

/** Name constraints of every CA apply to every certificate below it (self-issued intermediates aside). */
function checkNameConstraintsOfPath(path: readonly Certificate[], options: CommonOptions): void {
  const budget: Budget = { remaining: options.nameConstraintBudget };
  for (let caDepth = path.length - 1; caDepth >= 1; caDepth--) {
    const extension = (path[caDepth] as Certificate).extensions.get(EXT.nameConstraints);
    if (!extension) continue;
    let constraints: ReturnType<typeof parseNameConstraints>;
    try {
      constraints = parseNameConstraints(extension.value);
    } catch (error) {
      throw new ValidationFailure('malformed', `'${(path[caDepth] as Certificate).subjectText}' has malformed name constraints: ${(error as Error).message}`, caDepth);
    }
    for (let depth = caDepth - 1; depth >= 0; depth--) {
      const certificate = path[depth] as Certificate;
      if (depth > 0 && isSelfIssued(certificate)) continue;
      const names = subjectNamesOf(certificate.subject, certificate.extensions.get(EXT.subjectAltName)?.value);
      const verdict = checkNameConstraints(constraints, names, { isLeaf: depth === 0, checkCommonNameAsDns: options.commonNameAsDns ?? false }, budget);
      if (!verdict.ok) {
        const reason = verdict.reason === 'name_constraint_budget' ? 'budget_exceeded' : verdict.reason;
        throw new ValidationFailure(reason, `'${certificate.subjectText}': ${verdict.message}`, depth);
      }
    }
  }
}

/**
 * RFC 5280 §6.1 policy processing (policy-tree.ts) with the caller's four policy inputs; the trust
 * anchor is an input of the algorithm, not a certificate of the path. policyMappings, policyConstraints
 * and inhibitAnyPolicy are acted on whatever their criticality.
 */
function checkPolicies(fullPath: readonly Certificate[], options: CommonOptions): readonly string[] {
  const outcome = processPolicies(fullPath.slice(0, -1), options);
  if (!outcome.ok) throw new ValidationFailure(outcome.reason, outcome.message, outcome.depth);
  return outcome.policies;
}

async function checkRevocation<Meta>(path: readonly Certificate[], anchor: TrustAnchor<Meta>, options: ValidationOptions<Meta>): Promise<(RevocationResult | undefined)[]> {
  if (!options.revocation) return path.map(() => undefined);
  const results: (RevocationResult | undefined)[] = [];
  for (let depth = 0; depth < path.length - 1; depth++) {
    const issuer = path[depth + 1] as Certificate;
    const issuerAnchor = depth + 1 === path.length - 1 ? anchor : undefined;
    results.push(await options.revocation(path[depth] as Certificate, issuer, issuerAnchor, depth, { certificates: path, anchor }));
  }
  results.push(undefined);
  return results;
}
