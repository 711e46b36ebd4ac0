// The values a certificate offers for Entra's username binding, written as certificateUserIds are:
// `X509:<PN>…`, `X509:<RFC822>…`, `X509:<I>…<S>…`, `X509:<S>…`, `X509:<SKI>…`, `X509:<SHA1-PUKEY>…`,
// `X509:<I>…<SR>…` (spec cba-setup-and-signin §1.2), and how a stored value is compared with them.
// Names are in the encoded RDN order (the reverse of Windows' display order) without spaces. SHA1-PUKEY
// is, despite its name, the SHA-1 hash of the whole certificate (its thumbprint), as Entra's deep dive and
// Microsoft's own helper compute it. The serial number is written as Entra's how-to example stores it
// (certutil's byte-reversed lowercase hex); a stored value in either byte order matches.
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

/** The parts of a well-formed certificateUserId, or null: Graph stores any string, sign-in matches only these. */
interface ParsedUserId {
  readonly kind: 'PN' | 'RFC822' | 'IS' | 'S' | 'SKI' | 'SHA1-PUKEY' | 'ISR';
  /** The issuer DN (IS, ISR), else ''. */
  readonly issuer: string;
  /** The name, subject DN, hex payload or big-endian serial (without leading zero bytes). */
  readonly payload: string;
  /** ISR only: the serial read in the other byte order (also without leading zero bytes). */
  readonly otherOrder: string | null;
}

const HEX = /^(?:[0-9A-Fa-f]{2})+$/;

function parseUserId(value: string): ParsedUserId | null {
  const prefixed = /^X509:<(PN|RFC822|S|SKI|SHA1-PUKEY|I)>(.*)$/s.exec(value);
  if (!prefixed) return null;
  const [, tag, rest] = prefixed as unknown as [string, string, string];
  switch (tag) {
    case 'PN':
    case 'RFC822':
      return rest.length > 0 ? { kind: tag, issuer: '', payload: rest.toLowerCase(), otherOrder: null } : null;
    case 'S':
      return rest.trim().length > 0 ? { kind: 'S', issuer: '', payload: rest.trim(), otherOrder: null } : null;
    case 'SKI':
    case 'SHA1-PUKEY':
      return HEX.test(rest) ? { kind: tag, issuer: '', payload: rest.toUpperCase(), otherOrder: null } : null;
    default: {
      const subject = rest.indexOf('<S>');
      const serial = rest.indexOf('<SR>');
      if (subject >= 0 && serial < 0) {
        const issuer = rest.slice(0, subject).trim();
        const subjectText = rest.slice(subject + 3).trim();
        return issuer && subjectText ? { kind: 'IS', issuer, payload: subjectText, otherOrder: null } : null;
      }
      if (serial >= 0 && subject < 0) {
        const issuer = rest.slice(0, serial).trim();
        // E-HOW's examples put a space after <SR>: trimmed.
        const hex = rest.slice(serial + 4).trim();
        if (!issuer || !HEX.test(hex)) return null;
        const bytes = Buffer.from(hex, 'hex');
        return { kind: 'ISR', issuer, payload: withoutLeadingZeros(bytes), otherOrder: withoutLeadingZeros(Buffer.from(bytes).reverse()) };
      }
      return null;
    }
  }
}

function withoutLeadingZeros(bytes: Buffer): string {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  return bytes.subarray(start).toString('hex').toUpperCase();
}

/**
 * Whether a stored certificateUserId names the value a certificate offers: the `X509:<…>` prefix exactly
 * (case-sensitive, as Entra documents), UPNs and email addresses ignoring case, hex payloads ignoring case,
 * distinguished names exactly after trimming, a serial number in either byte order. A value that is not
 * well formed never matches.
 */
export function certificateUserIdsMatch(stored: string, offered: string): boolean {
  const a = parseUserId(stored);
  const b = parseUserId(offered);
  if (!a || !b || a.kind !== b.kind || a.issuer !== b.issuer) return false;
  if (a.kind === 'ISR') return [a.payload, a.otherOrder].some((serial) => serial === b.payload || serial === b.otherOrder);
  return a.payload === b.payload;
}

/**
 * The spellings of an offered value a stored one may have (for exact-match lookups in the directory):
 * the value as generated, lower- and upper-case names and hex, the serial in both byte orders. A stored
 * value written otherwise (mixed case) still matches certificateUserIdsMatch, but is not found by lookup.
 */
export function certificateUserIdSpellings(offered: string): string[] {
  const parsed = parseUserId(offered);
  if (!parsed) return [offered];
  const spellings = new Set([offered]);
  switch (parsed.kind) {
    case 'PN':
    case 'RFC822':
      spellings.add(`X509:<${parsed.kind}>${parsed.payload}`);
      break;
    case 'SKI':
    case 'SHA1-PUKEY':
      spellings.add(`X509:<${parsed.kind}>${parsed.payload}`).add(`X509:<${parsed.kind}>${parsed.payload.toLowerCase()}`);
      break;
    case 'ISR':
      for (const hex of [parsed.payload, parsed.otherOrder as string]) {
        for (const text of [hex, `00${hex}`, `${hex}00`]) {
          spellings.add(`X509:<I>${parsed.issuer}<SR>${text}`).add(`X509:<I>${parsed.issuer}<SR>${text.toLowerCase()}`);
        }
      }
      break;
    default:
      break;
  }
  return [...spellings];
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
