// RFC 5280 §6.3 over a set of given CRLs (the offline verifier): for one certificate of a validated
// path, every CRL in scope is found (the issuer's, or the cRLIssuer's of its distribution points for
// indirect CRLs; issuingDistributionPoint matched, §6.3.3 (b)), its signer found among the path and
// the given certificates (the issuer, another key of the same CA after a key rollover, or a separate
// CRL-signing certificate, whose own path to the same trust anchor the caller validates, §6.3.3 (f)),
// its delta CRL applied, and the serial looked up, until every revocation reason is covered.
import { type Certificate, nameTextOf } from './certificate.ts';
import {
  checkCrlFields,
  checkSignedBy,
  crlDetail,
  distributionPointsOf,
  lookUpSerial,
  reasonsInScope,
  signatureVerifiesWith,
  usableDelta,
} from './crl-check.ts';
import type { CrlIndex } from './crl.ts';
import { ALL_REASONS, sameName } from './distribution-points.ts';
import { ValidationFailure } from './path-validation.ts';
import type { RevocationMode } from './revocation-mode.ts';
import type { SignaturePolicy } from './signature.ts';

/** Most certificates named like a CRL's issuer whose key is tried on its signature. */
export const MAX_CRL_SIGNER_CANDIDATES = 16;

export interface GivenCrlsInput {
  readonly certificate: Certificate;
  /** The certificate's position in `path` (0 = leaf). */
  readonly depth: number;
  /** The candidate path, leaf first, trust anchor last. */
  readonly path: readonly Certificate[];
  readonly crls: readonly CrlIndex[];
  /** Certificates besides the path that may have signed a CRL (the given intermediates and trusted ones). */
  readonly certificates: readonly Certificate[];
  readonly at: Date;
  readonly policy: SignaturePolicy;
  readonly mode: Exclude<RevocationMode, 'off'>;
  /**
   * Proves that a CRL signer outside the path has a valid path, its revocation checked, to the path's
   * trust anchor; throws ValidationFailure otherwise.
   */
  readonly validateSigner: (signer: Certificate) => Promise<void>;
}

export interface GivenCrlsStatus {
  /** false: no CRL of the issuer was given ('given' mode only). */
  readonly checked: boolean;
  readonly crlNumber?: string;
  readonly deltaCrlNumber?: string;
}

/**
 * The certificate's revocation status from the given CRLs. Throws 'revoked', 'crl_invalid' (a CRL in
 * scope that does not validate: whatever the mode, fail closed) or 'crl_unavailable' (the status
 * cannot be determined where it must be: in 'require' mode, or a CRL in scope that covers only some
 * reasons).
 */
export async function statusFromGivenCrls(input: GivenCrlsInput): Promise<GivenCrlsStatus> {
  const { certificate, depth } = input;
  const points = distributionPointsOf(certificate, depth);
  const bases = newestPerScope(input.crls.filter((crl) => crl.deltaBaseCrlNumber === undefined));
  const deltas = input.crls.filter((crl) => crl.deltaBaseCrlNumber !== undefined);
  let covered = 0;
  let first: { base: CrlIndex; delta: CrlIndex | undefined } | undefined;
  // A CRL in scope that does not validate is passed over while others may still prove the status; when
  // none does, its failure is the answer (fail closed). A revocation found on any valid one is final.
  let failure: ValidationFailure | undefined;
  for (const base of bases) {
    let reasons = 0;
    for (const point of points) reasons |= reasonsInScope(base, certificate, point, depth);
    if (reasons === 0) continue;
    const context = sameName(base.issuer, certificate.issuer) ? `the CRL of '${certificate.issuerText}'` : `the CRL of '${nameTextOf(base.issuer)}' for '${certificate.issuerText}'`;
    let delta: CrlIndex | undefined;
    try {
      const signer = await signerOf(base, input, context);
      checkCrlFields(base, input.at, depth, 'base', context);
      delta = usableDelta(base, deltas, signer, input.at, input.policy, depth, context);
    } catch (error) {
      if (!(error instanceof ValidationFailure) || error.reason === 'budget_exceeded') throw error;
      failure ??= error;
      continue;
    }
    lookUpSerial(certificate, base, delta, depth);
    covered |= reasons;
    first ??= { base, delta };
  }
  if (covered === ALL_REASONS && first) {
    return { checked: true, crlNumber: first.base.crlNumber?.toString(), ...(first.delta ? { deltaCrlNumber: first.delta.crlNumber?.toString() } : {}) };
  }
  if (failure) throw failure;
  // 'given' leaves a certificate unchecked only when no CRL at all names its issuer: a CRL of the issuer
  // that is out of scope, or a delta without its base, says the status should be known and is not.
  const namesIssuer = input.crls.some((crl) => sameName(crl.issuer, certificate.issuer));
  if (covered === 0 && input.mode === 'given' && !namesIssuer) return { checked: false };
  const onlyDeltas = bases.every((crl) => !sameName(crl.issuer, certificate.issuer)) && namesIssuer;
  const what =
    covered !== 0 ? 'no CRL that covers every revocation reason' : onlyDeltas ? 'only a delta CRL, without its base CRL,' : namesIssuer ? 'no CRL whose scope (issuingDistributionPoint) covers it' : 'no CRL';
  throw new ValidationFailure('crl_unavailable', `${what} of '${certificate.issuerText}' was given for '${certificate.subjectText}'${input.mode === 'require' ? ', and its revocation status is required' : ''}`, depth);
}

/**
 * Of several base CRLs with the same issuer, key (AKI) and scope (issuingDistributionPoint), only the
 * newest speaks: an older one is superseded, whether or not it has expired.
 */
function newestPerScope(bases: readonly CrlIndex[]): CrlIndex[] {
  const newest = new Map<string, CrlIndex>();
  for (const crl of bases) {
    const key = `${crl.issuer.toString('hex')}|${crl.authorityKeyIdentifier ?? ''}|${crl.issuingDistributionPoint?.toString('hex') ?? ''}`;
    const held = newest.get(key);
    if (!held || (crl.crlNumber ?? -1n) > (held.crlNumber ?? -1n)) newest.set(key, crl);
  }
  return [...newest.values()];
}

/**
 * §6.3.3 (f): the certificate whose key signed the CRL. Looked for, in order, among the certificates
 * above `certificate` in the path (its issuer first; those are validated with the path), the
 * certificate itself (a CRL signer whose status its own indirect CRL gives, as PKITS 4.14.30 has it),
 * and then the given certificates, which must have their own valid path to the same trust anchor.
 * Certificates below `certificate` in the path cannot vouch for its status (their validity rests on it).
 */
async function signerOf(crl: CrlIndex, input: GivenCrlsInput, context: string): Promise<Certificate> {
  const { path, depth, policy } = input;
  const inPath = [...path.slice(depth + 1), input.certificate];
  const below = new Set(path.slice(0, depth).map((c) => c.fingerprint));
  const seen = new Set<string>();
  const candidates = [...inPath, ...input.certificates].filter((c) => {
    if (below.has(c.fingerprint) || seen.has(c.fingerprint)) return false;
    seen.add(c.fingerprint);
    return sameName(c.subject, crl.issuer) && (!crl.authorityKeyIdentifier || !c.subjectKeyIdentifier || crl.authorityKeyIdentifier === c.subjectKeyIdentifier);
  });
  // Each candidate costs a signature check: a pile of certificates sharing the CRL issuer's name is refused.
  if (candidates.length > MAX_CRL_SIGNER_CANDIDATES) {
    throw new ValidationFailure('budget_exceeded', `${context}: more than ${MAX_CRL_SIGNER_CANDIDATES} certificates named like its issuer could have signed it`, depth);
  }
  let failure: ValidationFailure | undefined;
  for (const candidate of candidates) {
    if (!signatureVerifiesWith(crl, candidate, policy)) continue;
    try {
      checkSignedBy(crl, candidate, policy, depth, 'base', context);
      if (!inPath.some((c) => c.fingerprint === candidate.fingerprint)) await input.validateSigner(candidate);
      return candidate;
    } catch (error) {
      if (!(error instanceof ValidationFailure) || error.reason === 'budget_exceeded') throw error;
      failure ??=
        error.reason === 'crl_invalid' && error.crl
          ? error
          : new ValidationFailure('crl_invalid', `${context} is signed by '${candidate.subjectText}', which has no valid path to the trust anchor: ${error.reason}: ${error.message}`, depth, crlDetail(crl, 'base', 'signer'));
    }
  }
  if (failure) throw failure;
  // Nobody given signed it: for the issuer, name the plain reason (a bad signature, a foreign AKI).
  const issuer = path[depth + 1];
  if (issuer && sameName(issuer.subject, crl.issuer)) checkSignedBy(crl, issuer, policy, depth, 'base', context);
  throw new ValidationFailure('crl_invalid', `${context} is not signed by any certificate of its issuer that was given`, depth, crlDetail(crl, 'base', 'signer'));
}
