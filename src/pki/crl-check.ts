// Checking one certificate against the CRLs of its issuer (RFC 5280 §6.3, the parts Entra applies):
// the CRL must be signed by the issuer (names and AKI/SKI match, signature valid, cRLSign when the
// issuer has keyUsage), current at the validation time, numbered, free of critical extensions we do
// not understand; a delta CRL, when given, must belong to the base (its BaseCRLNumber not newer than
// the base's CRLNumber) and its entries win, removeFromCRL undoing a base entry. No I/O: the caller
// supplies the CRLs (from files, or the cache the service keeps).
import { type Certificate, KEY_USAGE } from './certificate.ts';
import { type CrlIndex, serialKey } from './crl.ts';
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
    throw new ValidationFailure('crl_invalid', `the base CRL of '${issuer.subjectText}' is a delta CRL`, depth);
  }
  // A delta older than (or as old as) the base says nothing newer: the base alone decides, so a stale
  // delta can never undo a later revocation.
  if (delta && (delta.crlNumber === undefined || base.crlNumber === undefined || delta.crlNumber <= base.crlNumber)) delta = undefined;
  if (delta) {
    checkCrlIssuer(delta, issuer, at, policy, depth, 'delta CRL');
    if (delta.deltaBaseCrlNumber === undefined) throw new ValidationFailure('crl_invalid', `the delta CRL of '${issuer.subjectText}' has no deltaCRLIndicator`, depth);
    if (base.crlNumber === undefined || delta.deltaBaseCrlNumber > base.crlNumber) {
      throw new ValidationFailure('crl_invalid', `the delta CRL of '${issuer.subjectText}' needs base CRL ${delta.deltaBaseCrlNumber}, newer than the base CRL held (${base.crlNumber ?? 'unnumbered'})`, depth);
    }
  }
  const serial = serialKey(certificate.serial);
  const inDelta = delta?.lookup(serial);
  if (inDelta && inDelta.reason !== REMOVE_FROM_CRL) throw revoked(certificate, inDelta.revokedAt, inDelta.reason, depth);
  const inBase = base.lookup(serial);
  if (inBase && !delta?.removedFromCrl.has(serial)) throw revoked(certificate, inBase.revokedAt, inBase.reason, depth);
  return { crlNumber: base.crlNumber?.toString(), deltaCrlNumber: delta?.crlNumber?.toString(), revoked: false };
}

const REMOVE_FROM_CRL = 8;

/** Issuers (fingerprint and signature policy) whose signature on a CRL object has been verified. */
const verifiedIssuers = new WeakMap<CrlIndex, Set<string>>();

function revoked(certificate: Certificate, at: Date, reason: number | undefined, depth: number): ValidationFailure {
  const why = reason === undefined ? '' : ` (reason ${reason})`;
  return new ValidationFailure('revoked', `'${certificate.subjectText}' was revoked on ${at.toISOString()}${why}`, depth);
}

function checkCrlIssuer(crl: CrlIndex, issuer: Certificate, at: Date, policy: SignaturePolicy, depth: number, what: string): void {
  const fail = (message: string) => new ValidationFailure('crl_invalid', `the ${what} of '${issuer.subjectText}' ${message}`, depth);
  if (!crl.issuer.equals(issuer.subject)) throw fail('names another issuer');
  if (issuer.subjectKeyIdentifier && crl.authorityKeyIdentifier && crl.authorityKeyIdentifier !== issuer.subjectKeyIdentifier) {
    throw fail("has an authority key identifier that is not the CA's subject key identifier");
  }
  if (issuer.keyUsage && !issuer.keyUsage.has(KEY_USAGE.cRLSign)) throw fail('is signed by a CA whose keyUsage lacks cRLSign');
  const verifiedBy = verifiedIssuers.get(crl);
  const issuerKey = `${issuer.fingerprint}:${policy.allowSha1}`;
  if (!verifiedBy?.has(issuerKey)) {
    const verdict = verifySignature(crl.signed, issuer.publicKey, policy);
    if (!verdict.ok) throw fail(`has an invalid signature: ${verdict.message}`);
    // A cached CRL is checked against the same CA for every sign-in; its signature needs checking once.
    if (verifiedBy) verifiedBy.add(issuerKey);
    else verifiedIssuers.set(crl, new Set([issuerKey]));
  }
  if (crl.unknownCriticalExtensions.length > 0) throw fail(`has critical extensions that are not understood: ${crl.unknownCriticalExtensions.join(', ')}`);
  if (crl.crlNumber === undefined) throw fail('has no CRL number');
  if (crl.crlNumberCritical) throw fail('marks its CRL number critical, which RFC 5280 forbids');
  if (crl.thisUpdate > at) throw fail(`is not valid before ${crl.thisUpdate.toISOString()}`);
  if (crl.nextUpdate === undefined) throw fail('has no nextUpdate');
  if (crl.nextUpdate < at) throw fail(`expired on ${crl.nextUpdate.toISOString()}`);
}
