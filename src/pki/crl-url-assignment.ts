// Which CRL URL a bundle of CA certificates tells for each of its CAs. A certificate's CRL distribution
// point names the CRL that covers *that certificate*, i.e. the CRL its issuer publishes; a CA's own CDP
// is therefore never the URL of the CRL the CA itself issues (Entra's certificateRevocationListUrl),
// except for a self-signed root, which is its own issuer. Used by the upload action and by the
// migration that repairs URLs taken from a CA's own CDP by earlier versions.
import type { Certificate } from './certificate.ts';
import { namesEqual } from './name-compare.ts';
import { verifySignature } from './signature.ts';

/** True when `issuer` signed `child`: names and key identifiers match and the signature verifies. */
export function isIssuedBy(child: Certificate, issuer: Certificate): boolean {
  if (!namesEqual(issuer.subject, child.issuer)) return false;
  if (child.authorityKeyIdentifier && issuer.subjectKeyIdentifier && child.authorityKeyIdentifier !== issuer.subjectKeyIdentifier) return false;
  try {
    const verdict = verifySignature(
      { tbs: child.tbs, algorithmOid: child.signatureAlgorithmOid, algorithmParams: child.signatureAlgorithmParams, signature: child.signatureValue },
      issuer.publicKey,
      { allowSha1: false },
    );
    return verdict.ok;
  } catch {
    return false;
  }
}

export function isSelfSigned(certificate: Certificate): boolean {
  return isIssuedBy(certificate, certificate);
}

/**
 * For each certificate of the bundle (same order): the URL of the CRL that CA issues, as far as the
 * bundle tells it, else null. That is the first http(s) CDP URL of the first other certificate of the
 * bundle (in bundle order) that this CA signed; for a self-signed root with no such certificate, the
 * first http(s) URL of its own CDP (it is its own issuer, so its CDP names its own CRL). An
 * intermediate's own CDP is never used: it names its issuer's CRL.
 */
export function crlUrlsOfBundle(certificates: readonly Certificate[]): (string | null)[] {
  return certificates.map((ca) => {
    for (const child of certificates) {
      if (child === ca || child.fingerprint === ca.fingerprint) continue;
      const url = child.crlDistributionUrls[0];
      if (url !== undefined && isIssuedBy(child, ca)) return url;
    }
    return isSelfSigned(ca) ? (ca.crlDistributionUrls[0] ?? null) : null;
  });
}

/** True when `url` is one of the CA's own CDP URLs while the CA is not self-signed: it names the issuer's CRL. */
export function namesIssuersCrl(ca: Certificate, url: string | null): boolean {
  return url !== null && ca.crlDistributionUrls.includes(url) && !isSelfSigned(ca);
}
