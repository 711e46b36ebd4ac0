// The verdict of a path validation as it is shown to people and machines: trusted or not, a stable
// reason code and a message, the path with its certificates, and what revocation checking found. The
// offline CLI prints it; the verification API returns it with the policy verdict added.
import type { Certificate } from './certificate.ts';
import { type ReasonCode, type ValidPath, ValidationFailure } from './path-validation.ts';

export interface PathEntry {
  readonly subject: string;
  readonly issuer: string;
  readonly serialNumber: string;
  readonly thumbprint: string;
  /** Upper-case hex; null without the extension (a sign-in log names the certificate by it). */
  readonly subjectKeyIdentifier: string | null;
  readonly notBefore: string;
  readonly notAfter: string;
  /** leaf, intermediate (supplied by the caller) or trustAnchor. */
  readonly role: 'leaf' | 'intermediate' | 'trustAnchor';
  /** For the trust anchor: whatever the trust store says about it (CA and PKI ids). */
  readonly anchor?: unknown;
  /** Revocation details of this certificate (absent for the anchor). */
  readonly revocation?: unknown;
}

export interface PathVerdict {
  readonly trusted: boolean;
  readonly reason: ReasonCode | null;
  readonly message: string;
  /** Which certificate failed (0 = leaf), when known. */
  readonly failedAt: number | null;
  readonly path: readonly PathEntry[];
}

export function verdictOf(leaf: Certificate, outcome: ValidPath<unknown> | ValidationFailure): PathVerdict {
  if (outcome instanceof ValidationFailure) {
    return { trusted: false, reason: outcome.reason, message: outcome.message, failedAt: outcome.depth ?? null, path: [entryOf(leaf, 'leaf')] };
  }
  const last = outcome.certificates.length - 1;
  return {
    trusted: true,
    reason: null,
    message: `'${leaf.subjectText}' chains to the trusted '${outcome.anchor.certificate.subjectText}'`,
    failedAt: null,
    path: outcome.certificates.map((certificate, depth) => ({
      ...entryOf(certificate, depth === 0 ? 'leaf' : depth === last ? 'trustAnchor' : 'intermediate'),
      ...(depth === last ? { anchor: outcome.anchor.meta } : { revocation: outcome.revocation[depth]?.details }),
    })),
  };
}

function entryOf(certificate: Certificate, role: PathEntry['role']): PathEntry {
  return {
    subject: certificate.subjectText,
    issuer: certificate.issuerText,
    serialNumber: certificate.serial.toString('hex').toUpperCase(),
    thumbprint: certificate.sha1Thumbprint,
    subjectKeyIdentifier: certificate.subjectKeyIdentifier ?? null,
    notBefore: certificate.notBefore.toISOString(),
    notAfter: certificate.notAfter.toISOString(),
    role,
  };
}
