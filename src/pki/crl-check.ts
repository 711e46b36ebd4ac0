// The pieces of RFC 5280 §6.3 CRL processing that need no path building: a CRL's own validity (signed
// by a given key with cRLSign, current, numbered, no unknown critical extension), its scope for a
// certificate (issuingDistributionPoint against the certificate's distribution points, §6.3.3 (b)),
// the delta CRL that goes with a base (§5.2.4), and the lookup of the certificate's serial (signed
// integers, certificateIssuer of indirect CRLs). checkAgainstCrls puts them together for the trust
// store, where each CA has one CRL URL; crl-revocation.ts does the full §6.3 for given CRLs. No I/O.
import { type Certificate, EXT, KEY_USAGE, nameTextOf } from './certificate.ts';
import { type CrlIndex, type EntryIssuerFilter, serialKey } from './crl.ts';
import { isOneSequence } from './der.ts';
import type { CrlFailureDetail, CrlInvalidWhy } from './crl-failure.ts';
import {
  ALL_REASONS,
  type DistributionPoint,
  fullNamesOf,
  includesDirectoryName,
  type IssuingDistributionPoint,
  parseCrlDistributionPoints,
  parseIssuingDistributionPoint,
  sameName,
  shareAName,
} from './distribution-points.ts';
import { ValidationFailure } from './path-validation.ts';
import { type SignaturePolicy, verifySignature } from './signature.ts';

export interface CrlCheckResult {
  readonly crlNumber: string | undefined;
  readonly deltaCrlNumber: string | undefined;
  readonly revoked: false;
}

const REMOVE_FROM_CRL = 8;

/**
 * The trust store's check: `base` (and `deltaGiven`) are the CRLs at the issuing CA's URLs. They must be
 * signed by that CA and cover the certificate for every reason. Throws ValidationFailure('crl_invalid'
 * | 'revoked') or returns what was checked.
 */
export function checkAgainstCrls(
  certificate: Certificate,
  issuer: Certificate,
  base: CrlIndex,
  deltaGiven: CrlIndex | undefined,
  at: Date,
  policy: SignaturePolicy,
  depth: number,
): CrlCheckResult {
  const context = `the CRL of '${issuer.subjectText}'`;
  checkSignedBy(base, issuer, policy, depth, 'base', context);
  checkCrlFields(base, at, depth, 'base', context);
  if (base.deltaBaseCrlNumber !== undefined) {
    throw new ValidationFailure('crl_invalid', `the base CRL of '${issuer.subjectText}' is a delta CRL`, depth, crlDetail(base, 'base', 'delta_base_mismatch'));
  }
  if (!sameName(base.issuer, certificate.issuer)) throw invalid(base, 'base', 'signer', `${context} names another issuer than the certificate's`, depth);
  const reasons = coveredReasons(base, certificate, distributionPointsOf(certificate, depth), depth);
  if (reasons !== ALL_REASONS) {
    throw invalid(base, 'base', 'scope', `${context} does not cover '${certificate.subjectText}'${reasons === 0 ? '' : ' for every revocation reason'} (its issuingDistributionPoint)`, depth);
  }
  const delta = usableDelta(base, deltaGiven ? [deltaGiven] : [], issuer, at, policy, depth, context);
  lookUpSerial(certificate, base, delta, depth);
  return { crlNumber: base.crlNumber?.toString(), deltaCrlNumber: delta?.crlNumber?.toString(), revoked: false };
}

/** What a failure on this CRL tells the verdict about it. */
export function crlDetail(crl: CrlIndex, kind: 'base' | 'delta', why?: CrlInvalidWhy): CrlFailureDetail {
  return {
    kind,
    ...(why === undefined ? {} : { why }),
    ...(crl.crlNumber === undefined ? {} : { crlNumber: crl.crlNumber.toString() }),
    thisUpdate: crl.thisUpdate.toISOString(),
    nextUpdate: crl.nextUpdate?.toISOString() ?? null,
    issuer: nameTextOf(crl.issuer),
    ...(crl.authorityKeyIdentifier === undefined ? {} : { authorityKeyIdentifier: crl.authorityKeyIdentifier }),
  };
}

/**
 * Why a body indexCrl refused cannot be used: 'malformed' when it is not ASN.1 DER at all (PEM text, an
 * HTML page), 'not_a_valid_crl' when it is DER but not a CRL that can be used. The CRL health encoding
 * check tells them apart the same way (crl-health-checks.ts).
 */
export function unreadableCrlWhy(body: Buffer): CrlInvalidWhy {
  return isOneSequence(body) ? 'not_a_valid_crl' : 'malformed';
}

function invalid(crl: CrlIndex, kind: 'base' | 'delta', why: CrlInvalidWhy, message: string, depth: number): ValidationFailure {
  return new ValidationFailure('crl_invalid', message, depth, crlDetail(crl, kind, why));
}

/** Issuers (fingerprint and signature policy) whose signature on a CRL object has been verified. */
const verifiedIssuers = new WeakMap<CrlIndex, Set<string>>();

/**
 * The CRL names `signer` as its issuer, its AKI (when both have key identifiers) is the signer's SKI,
 * the signer may sign CRLs (cRLSign, when it has keyUsage) and the signature verifies with its key.
 */
export function checkSignedBy(crl: CrlIndex, signer: Certificate, policy: SignaturePolicy, depth: number, kind: 'base' | 'delta', context: string): void {
  if (!sameName(crl.issuer, signer.subject)) throw invalid(crl, kind, 'signer', `${context} names another issuer`, depth);
  if (signer.subjectKeyIdentifier && crl.authorityKeyIdentifier && crl.authorityKeyIdentifier !== signer.subjectKeyIdentifier) {
    throw invalid(crl, kind, 'authority_key_identifier', `${context} has an authority key identifier that is not the subject key identifier of '${signer.subjectText}'`, depth);
  }
  if (signer.keyUsage && !signer.keyUsage.has(KEY_USAGE.cRLSign)) throw invalid(crl, kind, 'crl_sign_usage', `${context} is signed by '${signer.subjectText}', whose keyUsage lacks cRLSign`, depth);
  const verifiedBy = verifiedIssuers.get(crl);
  const signerKey = `${signer.fingerprint}:${policy.allowSha1}`;
  if (verifiedBy?.has(signerKey)) return;
  const verdict = verifySignature(crl.signed, signer.publicKey, policy);
  if (!verdict.ok) throw invalid(crl, kind, 'signature', `${context} has an invalid signature: ${verdict.message}`, depth);
  // A cached CRL is checked against the same CA for every sign-in; its signature needs checking once.
  if (verifiedBy) verifiedBy.add(signerKey);
  else verifiedIssuers.set(crl, new Set([signerKey]));
}

/** Whether `signer`'s key made the CRL's signature (names and key identifiers aside). */
export function signatureVerifiesWith(crl: CrlIndex, signer: Certificate, policy: SignaturePolicy): boolean {
  const signerKey = `${signer.fingerprint}:${policy.allowSha1}`;
  if (verifiedIssuers.get(crl)?.has(signerKey)) return true;
  if (!verifySignature(crl.signed, signer.publicKey, policy).ok) return false;
  const verifiedBy = verifiedIssuers.get(crl);
  if (verifiedBy) verifiedBy.add(signerKey);
  else verifiedIssuers.set(crl, new Set([signerKey]));
  return true;
}

/** Current at `at`, numbered, nothing critical we do not understand (RFC 5280 §5, §6.3.3 (a), (j)). */
export function checkCrlFields(crl: CrlIndex, at: Date, depth: number, kind: 'base' | 'delta', context: string): void {
  const fail = (why: CrlInvalidWhy, message: string) => invalid(crl, kind, why, `${context} ${message}`, depth);
  if (crl.unknownCriticalExtensions.length > 0) throw fail('critical_extension', `has critical extensions that are not understood: ${crl.unknownCriticalExtensions.join(', ')}`);
  if (crl.crlNumber === undefined) throw fail('not_a_valid_crl', 'has no CRL number');
  if (crl.crlNumberCritical) throw fail('not_a_valid_crl', 'marks its CRL number critical, which RFC 5280 forbids');
  if (crl.thisUpdate > at) throw fail('not_yet_valid', `is not valid before ${crl.thisUpdate.toISOString()}`);
  if (crl.nextUpdate === undefined) throw fail('not_a_valid_crl', 'has no nextUpdate');
  if (crl.nextUpdate < at) throw fail('expired', `expired on ${crl.nextUpdate.toISOString()}`);
}

const distributionPointCache = new WeakMap<Certificate, readonly (DistributionPoint | undefined)[]>();

/**
 * The certificate's CRL distribution points; a certificate without the extension has one implied point:
 * the CRL of its issuer, for every reason (undefined). A malformed extension fails (malformed).
 */
export function distributionPointsOf(certificate: Certificate, depth?: number): readonly (DistributionPoint | undefined)[] {
  let points = distributionPointCache.get(certificate);
  if (!points) {
    const value = certificate.extensions.get(EXT.crlDistributionPoints)?.value;
    try {
      points = value ? parseCrlDistributionPoints(value) : [undefined];
    } catch (error) {
      throw new ValidationFailure('malformed', `'${certificate.subjectText}' has malformed CRL distribution points: ${(error as Error).message}`, depth);
    }
    distributionPointCache.set(certificate, points);
  }
  return points;
}

const idpCache = new WeakMap<CrlIndex, IssuingDistributionPoint | null>();

/** The CRL's issuingDistributionPoint, decoded; crl_invalid (not_a_valid_crl) when it cannot be. */
export function issuingDistributionPointOf(crl: CrlIndex, kind: 'base' | 'delta', depth: number): IssuingDistributionPoint | undefined {
  let idp = idpCache.get(crl);
  if (idp === undefined) {
    try {
      idp = crl.issuingDistributionPoint ? parseIssuingDistributionPoint(crl.issuingDistributionPoint) : null;
    } catch (error) {
      throw invalid(crl, kind, 'not_a_valid_crl', `the CRL of '${nameTextOf(crl.issuer)}' has a malformed issuingDistributionPoint: ${(error as Error).message}`, depth);
    }
    idpCache.set(crl, idp);
  }
  return idp ?? undefined;
}

/**
 * §6.3.3 (b) and (d): the revocation reasons (ALL_REASONS bits) for which `crl` speaks for `certificate`
 * through the distribution point `point` (undefined: the implied one); 0 when it is out of scope.
 */
export function reasonsInScope(crl: CrlIndex, certificate: Certificate, point: DistributionPoint | undefined, depth: number): number {
  const idp = issuingDistributionPointOf(crl, 'base', depth);
  const crlIssuerNames = point?.crlIssuer;
  if (crlIssuerNames) {
    // The distribution point names who issues its CRL: that issuer, and an indirect CRL unless it is the certificate's issuer.
    if (!includesDirectoryName(crlIssuerNames, crl.issuer)) return 0;
    if (!sameName(crl.issuer, certificate.issuer) && !idp?.indirectCrl) return 0;
  } else if (!sameName(crl.issuer, certificate.issuer)) {
    return 0;
  }
  if (idp) {
    if (idp.name) {
      const idpNames = fullNamesOf(idp.name, crl.issuer);
      if (point?.name) {
        if (!shareAName(idpNames, fullNamesOf(point.name, crlIssuerDirectoryName(point) ?? certificate.issuer))) return 0;
      } else if (crlIssuerNames) {
        if (!shareAName(idpNames, crlIssuerNames)) return 0;
      } else {
        return 0; // A CRL for one named distribution point cannot speak for a certificate that names none.
      }
    }
    const isCa = certificate.basicConstraints?.ca === true;
    if ((idp.onlyUserCerts && isCa) || (idp.onlyCaCerts && !isCa) || idp.onlyAttributeCerts) return 0;
  }
  return (idp?.onlySomeReasons ?? ALL_REASONS) & (point?.reasons ?? ALL_REASONS);
}

function crlIssuerDirectoryName(point: DistributionPoint): Buffer | undefined {
  return point.crlIssuer?.find((n) => n.tag === 0xa4)?.value;
}

/** The union of reasonsInScope over the certificate's distribution points. */
function coveredReasons(crl: CrlIndex, certificate: Certificate, points: readonly (DistributionPoint | undefined)[], depth: number): number {
  let reasons = 0;
  for (const point of points) reasons |= reasonsInScope(crl, certificate, point, depth);
  return reasons;
}

/**
 * The delta CRL to use with `base` (RFC 5280 §5.2.4, §6.3.3 (c)): among `deltas`, those of the same
 * issuer, key and scope, the newest; none when it is not newer than the base (a stale delta can never
 * undo a later revocation). The chosen one must be signed by `signer`, current, and belong to a base no
 * newer than `base`.
 */
export function usableDelta(
  base: CrlIndex,
  deltas: readonly CrlIndex[],
  signer: Certificate,
  at: Date,
  policy: SignaturePolicy,
  depth: number,
  context: string,
): CrlIndex | undefined {
  const sameScope = (crl: CrlIndex) =>
    sameName(crl.issuer, base.issuer) &&
    (crl.authorityKeyIdentifier ?? null) === (base.authorityKeyIdentifier ?? null) &&
    (crl.issuingDistributionPoint === undefined ? base.issuingDistributionPoint === undefined : base.issuingDistributionPoint?.equals(crl.issuingDistributionPoint) === true);
  const candidates = deltas.filter(sameScope);
  const newest = candidates.sort((a, b) => ((a.crlNumber ?? -1n) < (b.crlNumber ?? -1n) ? 1 : -1))[0];
  if (!newest || newest.crlNumber === undefined || base.crlNumber === undefined || newest.crlNumber <= base.crlNumber) return undefined;
  const deltaContext = context.replace(/^the CRL/, 'the delta CRL');
  checkSignedBy(newest, signer, policy, depth, 'delta', deltaContext);
  checkCrlFields(newest, at, depth, 'delta', deltaContext);
  if (newest.deltaBaseCrlNumber === undefined) throw invalid(newest, 'delta', 'delta_base_mismatch', `${deltaContext} has no deltaCRLIndicator`, depth);
  if (newest.deltaBaseCrlNumber > base.crlNumber) {
    throw invalid(newest, 'delta', 'delta_base_mismatch', `${deltaContext} needs base CRL ${newest.deltaBaseCrlNumber}, newer than the base CRL held (${base.crlNumber})`, depth);
  }
  return newest;
}

/**
 * §6.3.3 (i): throws 'revoked' when the delta (unless it says removeFromCRL) or the base lists the
 * certificate; entries of an indirect CRL count only when their certificateIssuer is the certificate's issuer.
 */
export function lookUpSerial(certificate: Certificate, base: CrlIndex, delta: CrlIndex | undefined, depth: number): void {
  const serial = serialKey(certificate.serial);
  const forIssuer = (crl: CrlIndex): EntryIssuerFilter => (names) => (names === undefined ? sameName(crl.issuer, certificate.issuer) : includesDirectoryName(names, certificate.issuer));
  const inDelta = delta?.lookup(serial, forIssuer(delta));
  if (delta && inDelta && inDelta.reason !== REMOVE_FROM_CRL) throw revoked(certificate, inDelta.revokedAt, inDelta.reason, depth, crlDetail(delta, 'delta'));
  const inBase = base.lookup(serial, forIssuer(base));
  if (inBase && inBase.reason !== REMOVE_FROM_CRL && inDelta?.reason !== REMOVE_FROM_CRL) throw revoked(certificate, inBase.revokedAt, inBase.reason, depth, crlDetail(base, 'base'));
}

function revoked(certificate: Certificate, at: Date, reason: number | undefined, depth: number, crl: CrlFailureDetail): ValidationFailure {
  const why = reason === undefined ? '' : ` (reason ${reason}${reason === 6 ? ': certificateHold' : ''})`;
  return new ValidationFailure('revoked', `'${certificate.subjectText}' was revoked on ${at.toISOString()}${why}`, depth, crl);
}
