// The values a certificate offers for Entra's username binding, written as certificateUserIds are:
// `X509:<PN>…`, `X509:<RFC822>…`, `X509:<I>…<S>…`, `X509:<S>…`, `X509:<SKI>…`, `X509:<SHA1-PUKEY>…`,
// `X509:<I>…<SR>…` (spec cba-setup-and-signin §1.2). The forms themselves, and how stored values compare
// with these, are the one rule of pki/certificate-user-id-key.ts (uniqueness, $filter and sign-in); this
// file only reads the fields out of the certificate.
// Names are in the encoded RDN order (the reverse of Windows' display order) without spaces. SHA1-PUKEY
// is, despite its name, the SHA-1 hash of the whole certificate (its thumbprint), as Entra's deep dive and
// Microsoft's own helper compute it. The serial number is written as Entra's how-to example stores it
// (certutil's byte-reversed lowercase hex).
import { type Certificate, EXT, nameTextInEncodedOrder } from './certificate.ts';
import { children, decodeOid, DER_TAG, expectTlv, readTlv } from './der.ts';
import { formatCertificateUserId, parseCertificateUserId } from './certificate-user-id-key.ts';

export type CertificateField = 'PrincipalName' | 'RFC822Name' | 'IssuerAndSubject' | 'Subject' | 'SubjectKeyIdentifier' | 'SHA1PublicKey' | 'IssuerAndSerialNumber';

/** Entra's affinity of each field: how strongly it ties the certificate to one user. */
export const FIELD_AFFINITY: Readonly<Record<CertificateField, 'low' | 'high'>> = {
  PrincipalName: 'low',
  RFC822Name: 'low',
  IssuerAndSubject: 'low',
  Subject: 'low',
  SubjectKeyIdentifier: 'high',
  SHA1PublicKey: 'high',
  IssuerAndSerialNumber: 'high',
};

const UPN_OID = '1.3.6.1.4.1.311.20.2.3';

/** The certificateUserIds values of one field (empty when the certificate lacks it). */
export function certificateUserIdsOf(certificate: Certificate, field: CertificateField): string[] {
  const issuer = () => nameTextInEncodedOrder(certificate.issuer);
  const subject = () => nameTextInEncodedOrder(certificate.subject);
  switch (field) {
    case 'PrincipalName':
      return principalNames(certificate).map((upn) => formatCertificateUserId({ form: 'PN', payload: upn }));
    case 'RFC822Name':
      return rfc822Names(certificate).map((email) => formatCertificateUserId({ form: 'RFC822', payload: email }));
    case 'IssuerAndSubject':
      return certificate.subject.length > 2 ? [formatCertificateUserId({ form: 'I-S', issuer: issuer(), payload: subject() })] : [];
    case 'Subject':
      return certificate.subject.length > 2 ? [formatCertificateUserId({ form: 'S', payload: subject() })] : [];
    case 'SubjectKeyIdentifier':
      return certificate.subjectKeyIdentifier ? [formatCertificateUserId({ form: 'SKI', payload: certificate.subjectKeyIdentifier })] : [];
    case 'SHA1PublicKey':
      return [formatCertificateUserId({ form: 'SHA1-PUKEY', payload: certificate.sha1Thumbprint })];
    case 'IssuerAndSerialNumber':
      return [formatCertificateUserId({ form: 'I-SR', issuer: issuer(), payload: Buffer.from(certificate.serial).reverse().toString('hex') })];
  }
}

/**
 * The value a PrincipalName or RFC822Name certificateUserId carries (the UPN or email address), for
 * bindings to userPrincipalName and onPremisesUserPrincipalName; null for the other forms.
 */
export function nameOfCertificateUserId(value: string): string | null {
  const parsed = parseCertificateUserId(value);
  return parsed !== undefined && !('problem' in parsed) && (parsed.form === 'PN' || parsed.form === 'RFC822') ? parsed.payload : null;
}

function generalNames(certificate: Certificate): Array<{ tag: number; bytes: Buffer }> {
  const san = certificate.extensions.get(EXT.subjectAltName)?.value;
  if (!san) return [];
  return [...children(san, expectTlv(san, 0, DER_TAG.sequence, 'GeneralNames'))].map((name) => ({ tag: name.tag, bytes: san.subarray(name.start, name.end) }));
}

function principalNames(certificate: Certificate): string[] {
  const names: string[] = [];
  for (const { tag, bytes } of generalNames(certificate)) {
    if (tag !== 0xa0) continue; // otherName
    const otherName = readTlv(bytes, 0);
    const [typeId, explicit] = children(bytes, otherName);
    if (!typeId || typeId.tag !== DER_TAG.oid || decodeOid(bytes, typeId) !== UPN_OID || !explicit) continue;
    const value = readTlv(bytes, explicit.valueStart, explicit.end);
    names.push(bytes.subarray(value.valueStart, value.end).toString('utf8'));
  }
  return names;
}

function rfc822Names(certificate: Certificate): string[] {
  return generalNames(certificate)
    .filter((name) => name.tag === 0x81)
    .map((name) => {
      const tlv = readTlv(name.bytes, 0);
      return name.bytes.subarray(tlv.valueStart, tlv.end).toString('latin1');
    });
}
