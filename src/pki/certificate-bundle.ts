// Reads the certificates out of a PKCS#7 (.p7b) bundle, DER or PEM, as Windows and OpenSSL export
// them; a PEM file of CERTIFICATE blocks is accepted too. Only the certificates are used: the bundle's
// (usually empty) signature is not a trust statement. Walks the DER itself so a 250-CA bundle needs no
// per-node objects and no ASN.1 node limits.
import { X509Certificate } from 'node:crypto';
import { children, decodeOid, DER_TAG, expectTlv } from './der.ts';
import { looksLikePem, pemBlocks } from './encoding.ts';

const SIGNED_DATA_OID = '1.2.840.113549.1.7.2';

export class BundleProblem extends Error {}

export function certificatesOfBundle(bytes: Buffer): Buffer[] {
  if (bytes.length === 0) throw new BundleProblem('the file is empty');
  if (looksLikePem(bytes)) return certificatesOfPem(bytes.toString('latin1'));
  return certificatesOfPkcs7(bytes);
}

function certificatesOfPem(text: string): Buffer[] {
  let blocks;
  try {
    blocks = pemBlocks(text);
  } catch (error) {
    throw new BundleProblem((error as Error).message);
  }
  if (blocks.length === 0) throw new BundleProblem('the PEM text holds no complete PEM block');
  const certificates: Buffer[] = [];
  for (const block of blocks) {
    if (block.label === 'PKCS7') certificates.push(...certificatesOfPkcs7(block.der));
    else if (block.label === 'CERTIFICATE') certificates.push(block.der);
    else throw new BundleProblem(`unexpected PEM block '${block.label}' (expected PKCS7 or CERTIFICATE)`);
  }
  return certificates;
}

function certificatesOfPkcs7(der: Buffer): Buffer[] {
  try {
    const contentInfo = expectTlv(der, 0, DER_TAG.sequence, 'ContentInfo');
    if (contentInfo.end !== der.length) throw new Error(`${der.length - contentInfo.end} bytes of trailing data`);
    const [type, explicitContent] = children(der, contentInfo);
    if (!type || type.tag !== DER_TAG.oid) throw new Error('ContentInfo has no content type');
    const oid = decodeOid(der, type);
    if (oid !== SIGNED_DATA_OID) throw new Error(`content type ${oid} is not signedData`);
    if (!explicitContent || explicitContent.tag !== DER_TAG.context0) throw new Error('signedData content is missing');
    const signedData = expectTlv(der, explicitContent.valueStart, DER_TAG.sequence, 'SignedData', explicitContent.end);
    for (const field of children(der, signedData)) {
      if (field.tag === DER_TAG.implicitConstructed0) {
        return [...children(der, field)].map((cert) => {
          if (cert.tag !== DER_TAG.sequence) throw new Error(`an entry of the certificates set is not a certificate (tag 0x${cert.tag.toString(16)})`);
          return der.subarray(cert.start, cert.end);
        });
      }
    }
    return [];
  } catch (error) {
    throw new BundleProblem(`not a PKCS#7 certificate bundle: ${(error as Error).message}`);
  }
}

/**
 * The certificates in a file as people have them: PEM (any number of CERTIFICATE or PKCS7 blocks),
 * a DER .p7b, or one DER certificate.
 */
export function certificatesOfFile(bytes: Buffer): Buffer[] {
  if (looksLikePem(bytes)) return certificatesOfPem(bytes.toString('latin1'));
  if (isPkcs7(bytes)) return certificatesOfPkcs7(bytes);
  return [bytes];
}

function isPkcs7(der: Buffer): boolean {
  try {
    const outer = expectTlv(der, 0, DER_TAG.sequence, 'ContentInfo');
    const [first] = children(der, outer);
    return first?.tag === DER_TAG.oid;
  } catch {
    return false;
  }
}

/** A short human description of a certificate (its subject), or a placeholder when it does not parse. */
export function describeCertificate(der: Buffer): string {
  try {
    return new X509Certificate(der).subject.replaceAll('\n', ', ');
  } catch {
    return '(unparseable certificate)';
  }
}
