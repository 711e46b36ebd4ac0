// Parses and checks a CA certificate for the trust store, and derives what the certificate determines:
// thumbprint, subject (the issuer name its certificates carry), SKI, expiry, root or intermediate, CRL URLs.
import { createHash, type KeyObject, X509Certificate as NodeX509Certificate } from 'node:crypto';
import { checkPublicKey, checkSignatureAlgorithm } from './algorithms.ts';
import { type Certificate, parseCertificate } from './certificate.ts';
import { children, decodeOid, DER_TAG, DerError, expectTlv } from './der.ts';
import { type EncodingError, isBase64, looksLikePem, pemBlocks } from './encoding.ts';
import { x509 } from './x509-library.ts';

export type CertificateProblemReason =
  | 'not_base64'
  | 'not_a_certificate'
  | 'trailing_data'
  | 'too_large'
  | 'not_a_ca'
  | 'key_invalid'
  | 'key_not_allowed'
  | 'signature_not_allowed'
  /** A name or URL holds a character the service cannot keep as text (service/storable-text.ts). */
  | 'unstorable_text';

/** Why a certificate cannot be a CA of the trust store; the message is meant for the client. */
export class CertificateProblem extends Error {
  constructor(
    readonly reason: CertificateProblemReason,
    message: string,
  ) {
    super(message);
  }
}

export type CertificateAuthorityType = 'root' | 'intermediate';

export interface CaCertificate {
  readonly der: Buffer;
  /** SHA-1 over the DER, uppercase hex, as Windows shows a thumbprint. */
  readonly thumbprint: string;
  /** The CA's subject DN (RFC 4514 order as encoded): the issuer name of the certificates it signs. */
  readonly subject: string;
  readonly subjectCommonName: string | null;
  /** The CA certificate's own subjectKeyIdentifier, uppercase hex, or null when it has none. */
  readonly subjectKeyIdentifier: string | null;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** root when self-issued and self-signed, else intermediate. */
  readonly type: CertificateAuthorityType;
  /** http(s) URLs of the CRL distribution points, in order. */
  readonly crlDistributionUrls: readonly string[];
}

/**
 * Decodes Graph's `certificate` value: base64 of DER, or base64 of PEM text holding exactly one
 * certificate (accepted because people paste PEM files).
 */
export function decodeCertificateValue(value: string): Buffer {
  const compact = value.replace(/\s+/g, '');
  if (!isBase64(compact)) throw new CertificateProblem('not_base64', 'the value is not base64');
  const bytes = Buffer.from(compact, 'base64');
  if (!looksLikePem(bytes)) return bytes;
  let blocks;
  try {
    blocks = pemBlocks(bytes.toString('latin1'));
  } catch (error) {
    throw new CertificateProblem('not_a_certificate', (error as EncodingError).message);
  }
  const certificates = blocks.filter((b) => b.label === 'CERTIFICATE');
  if (certificates.length !== 1 || blocks.length !== 1) {
    throw new CertificateProblem('not_a_certificate', `the PEM text must hold exactly one CERTIFICATE block, found ${blocks.map((b) => b.label).join(', ') || 'none'}`);
  }
  return (certificates[0] as { der: Buffer }).der;
}

export function parseCaCertificate(der: Buffer, maxBytes: number): CaCertificate {
  if (der.length > maxBytes) {
    throw new CertificateProblem('too_large', `the certificate is ${der.length} bytes, more than the limit of ${maxBytes} bytes`);
  }
  const signatureOid = readSignatureAlgorithmOid(der);
  // The store keeps only what the verification engine can use: its strict parser must accept it too.
  let certificate: Certificate;
  try {
    certificate = parseCertificate(der);
  } catch (error) {
    throw new CertificateProblem('not_a_certificate', `not a usable X.509 certificate: ${(error as Error).message}`);
  }
  // Fully checked now: a key that cannot be imported would otherwise fail only when it first verifies.
  let publicKey: KeyObject;
  try {
    publicKey = certificate.publicKey;
  } catch (error) {
    throw new CertificateProblem('key_invalid', `the public key cannot be used: ${(error as Error).message}`);
  }
  let node: NodeX509Certificate;
  let parsed: InstanceType<typeof x509.X509Certificate>;
  try {
    node = new NodeX509Certificate(der);
    parsed = new x509.X509Certificate(der);
  } catch (error) {
    throw new CertificateProblem('not_a_certificate', `not an X.509 certificate: ${(error as Error).message}`);
  }
  const subject = parsed.subject;
  if (!node.ca) {
    throw new CertificateProblem('not_a_ca', `'${subject}' is not a CA certificate (basicConstraints cA is not TRUE)`);
  }
  const key = checkPublicKey(publicKey);
  if (!key.ok) throw new CertificateProblem('key_not_allowed', `'${subject}': ${key.reason}`);
  const signature = checkSignatureAlgorithm(signatureOid);
  if (!signature.ok) throw new CertificateProblem('signature_not_allowed', `'${subject}': ${signature.reason}`);

  const ski = parsed.getExtension(x509.SubjectKeyIdentifierExtension);
  return {
    der,
    thumbprint: createHash('sha1').update(der).digest('hex').toUpperCase(),
    subject,
    subjectCommonName: commonNameOf(parsed.subjectName),
    subjectKeyIdentifier: ski ? ski.keyId.toUpperCase() : null,
    notBefore: parsed.notBefore,
    notAfter: parsed.notAfter,
    type: isSelfSigned(node) ? 'root' : 'intermediate',
    crlDistributionUrls: crlUrlsOf(parsed),
  };
}

/** Reads Certificate.signatureAlgorithm and checks that nothing follows the certificate. */
function readSignatureAlgorithmOid(der: Buffer): string {
  try {
    const certificate = expectTlv(der, 0, DER_TAG.sequence, 'Certificate');
    if (certificate.end !== der.length) {
      throw new CertificateProblem('trailing_data', `${der.length - certificate.end} bytes of trailing data follow the certificate`);
    }
    const [tbs, algorithm] = children(der, certificate);
    if (!tbs || !algorithm || algorithm.tag !== DER_TAG.sequence) throw new DerError('missing signatureAlgorithm');
    return decodeOid(der, expectTlv(der, algorithm.valueStart, DER_TAG.oid, 'algorithm OID', algorithm.end));
  } catch (error) {
    if (error instanceof CertificateProblem) throw error;
    throw new CertificateProblem('not_a_certificate', `not an X.509 certificate: ${(error as Error).message}`);
  }
}

function isSelfSigned(cert: NodeX509Certificate): boolean {
  if (cert.subject !== cert.issuer) return false;
  try {
    return cert.checkIssued(cert) && cert.verify(cert.publicKey);
  } catch {
    return false;
  }
}

function commonNameOf(name: InstanceType<typeof x509.Name>): string | null {
  const [cn] = name.getField('CN');
  return cn ?? null;
}

function crlUrlsOf(cert: InstanceType<typeof x509.X509Certificate>): string[] {
  const cdp = cert.getExtension(x509.CRLDistributionPointsExtension);
  if (!cdp) return [];
  const urls: string[] = [];
  for (const point of cdp.distributionPoints) {
    for (const name of point.distributionPoint?.fullName ?? []) {
      const uri = name.uniformResourceIdentifier;
      if (uri && /^https?:\/\//i.test(uri)) urls.push(uri);
    }
  }
  return urls;
}

