// Verification from given material alone (trusted certificates, intermediates, CRLs): the engine behind
// `graph-pki verify` and the conformance runners. Revocation per RFC 5280 §6.3 from the given CRLs
// (crl-revocation.ts), as the revocation mode asks; CRL signers outside the path get their own path to
// the same trust anchor, within MAX_CRL_SIGNER_PATHS and MAX_CRL_SIGNER_NESTING.
import { type Certificate, parseCertificate } from './certificate.ts';
import { statusFromGivenCrls } from './crl-revocation.ts';
import type { CrlIndex } from './crl.ts';
import {
  DEFAULT_VALIDATION_LIMITS,
  type Purpose,
  type RevocationChecker,
  type TrustAnchor,
  type ValidPath,
  ValidationFailure,
  validatePath,
} from './path-validation.ts';
import type { PolicyInputs } from './policy-tree.ts';
import type { RevocationMode } from './revocation-mode.ts';
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
  /** The RFC 5280 policy inputs, as in ValidationOptions (for the leaf's path, not CRL signers'). */
  readonly policyInputs?: PolicyInputs;
  /** Default 'given'. */
  readonly revocation?: RevocationMode;
}

/** Most CRL-signer certificates whose own path one verification validates (each may need its own CRLs). */
export const MAX_CRL_SIGNER_PATHS = 16;
/** How deep CRL-signer paths may nest (a signer whose CRL is signed by another signer, …). */
export const MAX_CRL_SIGNER_NESTING = 3;

type FileAnchor = TrustAnchor<{ source: 'file' }>;

export async function verifyOffline(input: OfflineInput): Promise<PathVerdict> {
  const policy = input.signaturePolicy ?? { allowSha1: false };
  const mode = input.revocation ?? 'given';
  const anchors: FileAnchor[] = input.trusted.map((certificate) => ({ certificate, meta: { source: 'file' } }));
  const limits = {
    maxSignatureChecks: DEFAULT_VALIDATION_LIMITS.maxSignatureChecks,
    nameConstraintBudget: DEFAULT_VALIDATION_LIMITS.nameConstraintBudget,
    timeLimitMs: DEFAULT_VALIDATION_LIMITS.timeLimitMs,
    signaturePolicy: policy,
    validationTime: input.validationTime,
    maxDepth: input.maxDepth ?? DEFAULT_VALIDATION_LIMITS.maxDepth,
  };
  const signerBudget = { paths: 0 };
  const others = [...input.intermediates, ...input.trusted];

  // The revocation checker at a nesting level: level 0 checks the leaf's path, level n the path of a
  // CRL signer found at level n - 1. A signer's path must end in the same trust anchor (RFC 5280 §6.3.3 (f)).
  const checkerAt = (nesting: number): RevocationChecker<{ source: 'file' }> | undefined =>
    mode === 'off'
      ? undefined
      : async (certificate, _issuer, _issuerAnchor, depth, path) => {
          const status = await statusFromGivenCrls({
            certificate,
            depth,
            path: path.certificates,
            crls: input.crls,
            certificates: others,
            at: input.validationTime,
            policy,
            mode,
            validateSigner: async (signer) => {
              if (nesting + 1 > MAX_CRL_SIGNER_NESTING) throw new ValidationFailure('budget_exceeded', `CRL signers nest more than ${MAX_CRL_SIGNER_NESTING} deep`, depth);
              if (++signerBudget.paths > MAX_CRL_SIGNER_PATHS) throw new ValidationFailure('budget_exceeded', `more than ${MAX_CRL_SIGNER_PATHS} CRL-signer paths to validate`, depth);
              await validatePath(signer, [path.anchor], input.intermediates, { ...limits, purpose: 'any', revocation: checkerAt(nesting + 1) });
            },
          });
          return { details: { checked: status.checked, source: 'file', ...(status.checked ? { crlNumber: status.crlNumber, deltaCrlNumber: status.deltaCrlNumber } : {}) } };
        };

  let path: ValidPath<{ source: 'file' }>;
  try {
    path = await validatePath(input.leaf, anchors, input.intermediates, {
      ...limits,
      purpose: input.purpose,
      dns: input.dns,
      ip: input.ip,
      email: input.email,
      commonNameAsDns: input.commonNameAsDns ?? false,
      requiredKeyUsage: input.keyUsage ?? [],
      ...input.policyInputs,
      revocation: checkerAt(0),
    });
  } catch (error) {
    if (error instanceof ValidationFailure) return verdictOf(input.leaf, error);
    throw error;
  }
  return verdictOf(input.leaf, path);
}

/** Parses certificates, turning a parse error into a verdict-ready failure. */
export function parseAll(ders: readonly Buffer[]): Certificate[] {
  return ders.map((der) => parseCertificate(der));
}
