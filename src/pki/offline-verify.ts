// Verification from given material alone (trusted certificates, intermediates, CRLs): the engine behind
// `graph-pki verify` and the conformance runner. CRLs are matched to each issuer by name and key
// identifier; an issuer without a CRL among them is not checked for revocation.
import { type Certificate, parseCertificate } from './certificate.ts';
import { checkAgainstCrls } from './crl-check.ts';
import type { CrlIndex } from './crl.ts';
import {
  DEFAULT_VALIDATION_LIMITS,
  type Purpose,
  type RevocationResult,
  type TrustAnchor,
  type ValidPath,
  ValidationFailure,
  validatePath,
} from './path-validation.ts';
import type { PolicyInputs } from './policy-tree.ts';
import type { SignaturePolicy } from './signature.ts';
import { type PathVerdict, verdictOf } from './verdict.ts';

export interface OfflineInput {
  readonly leaf: Certificate;
  readonly trusted: readonly Certificate[];
  readonly intermediates: readonly Certificate[];
  readonly crls: readonly CrlIndex[];
  readonly validationTime: Date;
  readonly purpose: Purpose;
  readonly maxDepth?: number;
  readonly dns?: string | undefined;
  readonly ip?: string | undefined;
  readonly email?: string | undefined;
  readonly commonNameAsDns?: boolean;
  readonly signaturePolicy?: SignaturePolicy;
  /** Key usages the leaf must assert (names as in RFC 5280, e.g. digitalSignature). */
  readonly keyUsage?: readonly string[];
  /** The RFC 5280 policy inputs, as in ValidationOptions. */
  readonly policyInputs?: PolicyInputs;
}

export async function verifyOffline(input: OfflineInput): Promise<PathVerdict> {
  const policy = input.signaturePolicy ?? { allowSha1: false };
  const anchors: TrustAnchor<{ source: 'file' }>[] = input.trusted.map((certificate) => ({ certificate, meta: { source: 'file' } }));
  let path: ValidPath<{ source: 'file' }>;
  try {
    path = await validatePath(input.leaf, anchors, input.intermediates, {
      validationTime: input.validationTime,
      purpose: input.purpose,
      maxDepth: input.maxDepth ?? DEFAULT_VALIDATION_LIMITS.maxDepth,
      maxSignatureChecks: DEFAULT_VALIDATION_LIMITS.maxSignatureChecks,
      nameConstraintBudget: DEFAULT_VALIDATION_LIMITS.nameConstraintBudget,
      timeLimitMs: DEFAULT_VALIDATION_LIMITS.timeLimitMs,
      signaturePolicy: policy,
      dns: input.dns,
      ip: input.ip,
      email: input.email,
      commonNameAsDns: input.commonNameAsDns ?? false,
      requiredKeyUsage: input.keyUsage ?? [],
      ...input.policyInputs,
      revocation: async (certificate, issuer, _anchor, depth) => checkWithGivenCrls(certificate, issuer, input.crls, input.validationTime, policy, depth),
    });
  } catch (error) {
    if (error instanceof ValidationFailure) return verdictOf(input.leaf, error);
    throw error;
  }
  return verdictOf(input.leaf, path);
}

function checkWithGivenCrls(
  certificate: Certificate,
  issuer: Certificate,
  crls: readonly CrlIndex[],
  at: Date,
  policy: SignaturePolicy,
  depth: number,
): RevocationResult {
  const mine = crls.filter(
    (crl) => crl.issuer.equals(issuer.subject) && (!crl.authorityKeyIdentifier || !issuer.subjectKeyIdentifier || crl.authorityKeyIdentifier === issuer.subjectKeyIdentifier),
  );
  const newest = (list: CrlIndex[]) => list.sort((a, b) => (a.crlNumber ?? -1n) < (b.crlNumber ?? -1n) ? 1 : -1)[0];
  const base = newest(mine.filter((crl) => crl.deltaBaseCrlNumber === undefined));
  const delta = newest(mine.filter((crl) => crl.deltaBaseCrlNumber !== undefined));
  if (!base) {
    if (delta) throw new ValidationFailure('crl_unavailable', `a delta CRL of '${issuer.subjectText}' was given without its base CRL`, depth);
    return { details: { checked: false, source: 'file' } };
  }
  const result = checkAgainstCrls(certificate, issuer, base, delta, at, policy, depth);
  return { details: { checked: true, source: 'file', crlNumber: result.crlNumber, deltaCrlNumber: result.deltaCrlNumber } };
}

/** Parses certificates, turning a parse error into a verdict-ready failure. */
export function parseAll(ders: readonly Buffer[]): Certificate[] {
  return ders.map((der) => parseCertificate(der));
}
