// The values a certificate offers for Entra's username binding, written as certificateUserIds are:
// `X509:<PN>…`, `X509:<RFC822>…`, `X509:<I>…<S>…`, `X509:<S>…`, `X509:<SKI>…`, `X509:<SHA1-PUKEY>…`,
// `X509:<I>…<SR>…` (spec cba-setup-and-signin §1.2). How stored values compare with them is the
// directory's match key (store/certificate-user-id-key.ts), one rule for uniqueness, $filter and sign-in.
// Names are in the encoded RDN order (the reverse of Windows' display order) without spaces. SHA1-PUKEY
// is, despite its name, the SHA-1 hash of the whole certificate (its thumbprint), as Entra's deep dive and
// Microsoft's own helper compute it. The serial number is written as Entra's how-to example stores it
// (certutil's byte-reversed lowercase hex).
import { type Certificate, EXT, nameTextInEncodedOrder } from './certificate.ts';
import { children, decodeOid, DER_TAG, expectTlv, readTlv } from './der.ts';

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
  switch (field) {
    case 'PrincipalName':
      return principalNames(certificate).map((upn) => `X509:<PN>${upn}`);
    case 'RFC822Name':
      return rfc822Names(certificate).map((email) => `X509:<RFC822>${email}`);
    case 'IssuerAndSubject':
      return certificate.subject.length > 2 ? [`X509:<I>${nameTextInEncodedOrder(certificate.issuer)}<S>${nameTextInEncodedOrder(certificate.subject)}`] : [];
    case 'Subject':
      return certificate.subject.length > 2 ? [`X509:<S>${nameTextInEncodedOrder(certificate.subject)}`] : [];
    case 'SubjectKeyIdentifier':
      return certificate.subjectKeyIdentifier ? [`X509:<SKI>${certificate.subjectKeyIdentifier}`] : [];
    case 'SHA1PublicKey':
      return [`X509:<SHA1-PUKEY>${certificate.sha1Thumbprint}`];
    case 'IssuerAndSerialNumber':
      return [`X509:<I>${nameTextInEncodedOrder(certificate.issuer)}<SR>${Buffer.from(certificate.serial).reverse().toString('hex')}`];
  }
}

/**
 * The value a PrincipalName or RFC822Name certificateUserId carries (the UPN or email address), for
 * bindings to userPrincipalName and onPremisesUserPrincipalName; null for the other forms.
 */
export function nameOfCertificateUserId(value: string): string | null {
  const match = /^X509:<(?:PN|RFC822)>(.*)$/s.exec(value);
  return match ? (match[1] as string) : null;
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
