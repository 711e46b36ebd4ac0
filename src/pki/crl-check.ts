// Checking one certificate against the CRLs of its issuer (RFC 5280 §6.3, the parts Entra applies):
// the CRL must be signed by the issuer (names and AKI/SKI match, signature valid, cRLSign when the
// issuer has keyUsage), current at the validation time, numbered, free of critical extensions we do
// not understand; a delta CRL, when given, must belong to the base (its BaseCRLNumber not newer than
// the base's CRLNumber) and its entries win, removeFromCRL undoing a base entry. No I/O: the caller
// supplies the CRLs (from files, or the cache the service keeps).
import { type Certificate, KEY_USAGE, nameTextOf } from './certificate.ts';
import { type CrlIndex, serialKey } from './crl.ts';
import type { CrlFailureDetail, CrlInvalidWhy } from './crl-failure.ts';
import { ValidationFailure } from './path-validation.ts';
import { type SignaturePolicy, verifySignature } from './signature.ts';

export interface CrlCheckResult {
  readonly crlNumber: string | undefined;
  readonly deltaCrlNumber: string | undefined;
  readonly revoked: false;
}

/** Throws ValidationFailure('crl_invalid' | 'revoked') or returns what was checked. */
export function checkAgainstCrls(
  certificate: Certificate,
  issuer: Certificate,
  base: CrlIndex,
  deltaGiven: CrlIndex | undefined,
  at: Date,
  policy: SignaturePolicy,
  depth: number,
): CrlCheckResult {
  let delta = deltaGiven;
  checkCrlIssuer(base, issuer, at, policy, depth, 'CRL');
  if (base.deltaBaseCrlNumber !== undefined) {
    throw new ValidationFailure('crl_invalid', `the base CRL of '${issuer.subjectText}' is a delta CRL`, depth, crlDetail(base, 'base', 'delta_base_mismatch'));
  }
  // A delta older than (or as old as) the base says nothing newer: the base alone decides, so a stale
  // delta can never undo a later revocation.
  if (delta && (delta.crlNumber === undefined || base.crlNumber === undefined || delta.crlNumber <= base.crlNumber)) delta = undefined;
  if (delta) {
    checkCrlIssuer(delta, issuer, at, policy, depth, 'delta CRL');
    if (delta.deltaBaseCrlNumber === undefined) throw new ValidationFailure('crl_invalid', `the delta CRL of '${issuer.subjectText}' has no deltaCRLIndicator`, depth, crlDetail(delta, 'delta', 'delta_base_mismatch'));
    if (base.crlNumber === undefined || delta.deltaBaseCrlNumber > base.crlNumber) {
      throw new ValidationFailure('crl_invalid', `the delta CRL of '${issuer.subjectText}' needs base CRL ${delta.deltaBaseCrlNumber}, newer than the base CRL held (${base.crlNumber ?? 'unnumbered'})`, depth, crlDetail(delta, 'delta', 'delta_base_mismatch'));
    }
  }
  const serial = serialKey(certificate.serial);
  const inDelta = delta?.lookup(serial);
  if (delta && inDelta && inDelta.reason !== REMOVE_FROM_CRL) throw revoked(certificate, inDelta.revokedAt, inDelta.reason, depth, crlDetail(delta, 'delta'));
  const inBase = base.lookup(serial);
  if (inBase && !delta?.removedFromCrl.has(serial)) throw revoked(certificate, inBase.revokedAt, inBase.reason, depth, crlDetail(base, 'base'));
  return { crlNumber: base.crlNumber?.toString(), deltaCrlNumber: delta?.crlNumber?.toString(), revoked: false };
}

const REMOVE_FROM_CRL = 8;

/** Issuers (fingerprint and signature policy) whose signature on a CRL object has been verified. */
const verifiedIssuers = new WeakMap<CrlIndex, Set<string>>();

/** What a failure on this CRL tells the verdict about it. */
export function crlDetail(crl: CrlIndex, kind: 'base' | 'delta', why?: CrlInvalidWhy): CrlFailureDetail {
  return {
    kind,
    ...(why === undefined ? {} : { why }),
    ...(crl.crlNumber === undefined ? {} : { crlNumber: crl.crlNumber.toString() }),
    thisUpdate: crl.thisUpdate.toISOString(),
    nextUpdate: crl.nextUpdate?.toISOString() ?? null,
    issuer: nameTextOf(crl.issuer),
  };
}

function revoked(certificate: Certificate, at: Date, reason: number | undefined, depth: number, crl: CrlFailureDetail): ValidationFailure {
  const why = reason === undefined ? '' : ` (reason ${reason})`;
  return new ValidationFailure('revoked', `'${certificate.subjectText}' was revoked on ${at.toISOString()}${why}`, depth, crl);
}

function checkCrlIssuer(crl: CrlIndex, issuer: Certificate, at: Date, policy: SignaturePolicy, depth: number, what: string): void {
  const kind = what === 'CRL' ? 'base' : 'delta';
  const fail = (message: string, why: CrlInvalidWhy) => new ValidationFailure('crl_invalid', `the ${what} of '${issuer.subjectText}' ${message}`, depth, crlDetail(crl, kind, why));
  if (!crl.issuer.equals(issuer.subject)) throw fail('names another issuer', 'signer');
  if (issuer.subjectKeyIdentifier && crl.authorityKeyIdentifier && crl.authorityKeyIdentifier !== issuer.subjectKeyIdentifier) {
    throw fail("has an authority key identifier that is not the CA's subject key identifier", 'authority_key_identifier');
  }
  if (issuer.keyUsage && !issuer.keyUsage.has(KEY_USAGE.cRLSign)) throw fail('is signed by a CA whose keyUsage lacks cRLSign', 'crl_sign_usage');
  const verifiedBy = verifiedIssuers.get(crl);
  const issuerKey = `${issuer.fingerprint}:${policy.allowSha1}`;
  if (!verifiedBy?.has(issuerKey)) {
    const verdict = verifySignature(crl.signed, issuer.publicKey, policy);
    if (!verdict.ok) throw fail(`has an invalid signature: ${verdict.message}`, 'signature');
    // A cached CRL is checked against the same CA for every sign-in; its signature needs checking once.
    if (verifiedBy) verifiedBy.add(issuerKey);
    else verifiedIssuers.set(crl, new Set([issuerKey]));
  }
  if (crl.unknownCriticalExtensions.length > 0) throw fail(`has critical extensions that are not understood: ${crl.unknownCriticalExtensions.join(', ')}`, 'critical_extension');
  if (crl.crlNumber === undefined) throw fail('has no CRL number', 'malformed');
  if (crl.crlNumberCritical) throw fail('marks its CRL number critical, which RFC 5280 forbids', 'malformed');
  if (crl.thisUpdate > at) throw fail(`is not valid before ${crl.thisUpdate.toISOString()}`, 'not_yet_valid');
  if (crl.nextUpdate === undefined) throw fail('has no nextUpdate', 'malformed');
  if (crl.nextUpdate < at) throw fail(`expired on ${crl.nextUpdate.toISOString()}`, 'expired');
}
