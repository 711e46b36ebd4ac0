// A certificate as path validation sees it: the raw DER parts (names compared as bytes), validity, key,
// and the extensions it acts on, decoded strictly by a DER walk of our own. Unknown extensions are kept
// with their criticality so the validator can refuse unknown critical ones.
import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import type { PublicKeyFacts } from './algorithms.ts';
import { children, decodeBitString, decodeOid, DER_TAG, DerError, expectTlv, readTlv, type Tlv } from './der.ts';
import { ecPointProblem } from './ec-point.ts';

export const EXT = {
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  nameConstraints: '2.5.29.30',
  crlDistributionPoints: '2.5.29.31',
  certificatePolicies: '2.5.29.32',
  policyMappings: '2.5.29.33',
  authorityKeyIdentifier: '2.5.29.35',
  policyConstraints: '2.5.29.36',
  extKeyUsage: '2.5.29.37',
  inhibitAnyPolicy: '2.5.29.54',
  authorityInfoAccess: '1.3.6.1.5.5.7.1.1',
} as const;

/** keyUsage bits, numbered as in RFC 5280. */
export const KEY_USAGE = {
  digitalSignature: 0,
  nonRepudiation: 1,
  keyEncipherment: 2,
  dataEncipherment: 3,
  keyAgreement: 4,
  keyCertSign: 5,
  cRLSign: 6,
  encipherOnly: 7,
  decipherOnly: 8,
} as const;

export class CertificateParseError extends Error {}

export interface PolicyMapping {
  readonly issuerDomainPolicy: string;
  readonly subjectDomainPolicy: string;
}

export interface Extension {
  readonly critical: boolean;
  readonly value: Buffer;
}

export interface Certificate {
  readonly der: Buffer;
  /** SHA-256 of the DER, hex: identity for loop detection and caches. */
  readonly fingerprint: string;
  readonly sha1Thumbprint: string;
  readonly version: number;
  /** INTEGER contents of the serial number (two's complement). */
  readonly serial: Buffer;
  readonly tbs: Buffer;
  readonly innerSignatureAlgorithm: Buffer;
  readonly outerSignatureAlgorithm: Buffer;
  readonly signatureAlgorithmOid: string;
  readonly signatureAlgorithmParams: Buffer | undefined;
  readonly signatureValue: Buffer;
  readonly issuer: Buffer;
  readonly subject: Buffer;
  readonly issuerText: string;
  readonly subjectText: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly spki: Buffer;
  /** Imported on first use: a leaf's key is never needed to validate its path. */
  readonly publicKey: KeyObject;
  /** Type, size and curve read from the SubjectPublicKeyInfo without importing the key. */
  readonly publicKeyFacts: PublicKeyFacts;
  readonly extensions: ReadonlyMap<string, Extension>;
  readonly basicConstraints: { readonly ca: boolean; readonly pathLen: number | undefined } | undefined;
  /** Set bits of keyUsage, or undefined when the extension is absent. */
  readonly keyUsage: ReadonlySet<number> | undefined;
  readonly extKeyUsage: readonly string[] | undefined;
  readonly subjectKeyIdentifier: string | undefined;
  readonly authorityKeyIdentifier: string | undefined;
  /** certificatePolicies OIDs (qualifiers are checked for form, not kept: they decide nothing). */
  readonly policies: readonly string[] | undefined;
  readonly policyMappings: readonly PolicyMapping[] | undefined;
  readonly policyConstraints: { readonly requireExplicitPolicy: number | undefined; readonly inhibitPolicyMapping: number | undefined } | undefined;
  readonly inhibitAnyPolicy: number | undefined;
  readonly crlDistributionUrls: readonly string[];
}

export function parseCertificate(der: Buffer): Certificate {
  try {
    return parse(der);
  } catch (error) {
    if (error instanceof CertificateParseError) throw error;
    throw new CertificateParseError(`not a valid X.509 certificate: ${(error as Error).message}`);
  }
}

function parse(der: Buffer): Certificate {
  const outer = expectTlv(der, 0, DER_TAG.sequence, 'Certificate');
  if (outer.end !== der.length) throw new CertificateParseError('trailing data after the certificate');
  const [tbsTlv, outerAlg, signature, extra] = children(der, outer);
  if (!tbsTlv || !outerAlg || !signature || extra) throw new DerError('Certificate must have three fields');
  if (tbsTlv.tag !== DER_TAG.sequence || outerAlg.tag !== DER_TAG.sequence || signature.tag !== DER_TAG.bitString) throw new DerError('bad Certificate fields');

  const fields = [...children(der, tbsTlv)];
  let index = 0;
  let version = 1;
  if (fields[0]?.tag === DER_TAG.context0) {
    const v = expectTlv(der, fields[0].valueStart, DER_TAG.integer, 'version', fields[0].end);
    version = Number(integerValue(der, v)) + 1;
    if (version < 2 || version > 3) throw new CertificateParseError(`unsupported certificate version ${version}`);
    index = 1;
  }
  const take = (tag: number, what: string): Tlv => {
    const field = fields[index++];
    if (!field || field.tag !== tag) throw new DerError(`missing ${what}`);
    return field;
  };
  const serial = take(DER_TAG.integer, 'serialNumber');
  const innerAlg = take(DER_TAG.sequence, 'signature');
  const issuer = take(DER_TAG.sequence, 'issuer');
  const validity = take(DER_TAG.sequence, 'validity');
  const subject = take(DER_TAG.sequence, 'subject');
  const spki = take(DER_TAG.sequence, 'subjectPublicKeyInfo');
  const extensions = new Map<string, Extension>();
  for (; index < fields.length; index++) {
    const field = fields[index] as Tlv;
    if (field.tag === 0x81 || field.tag === 0x82) {
      if (version < 2) throw new CertificateParseError('unique identifiers need version 2 or 3');
      continue;
    }
    if (field.tag !== 0xa3) throw new DerError(`unexpected field tag 0x${field.tag.toString(16)} in TBSCertificate`);
    if (version !== 3) throw new CertificateParseError('extensions need a version 3 certificate');
    readExtensions(der, field, extensions);
  }

  const [notBeforeTlv, notAfterTlv] = children(der, validity);
  if (!notBeforeTlv || !notAfterTlv) throw new DerError('validity needs two times');
  const algorithm = algorithmOf(der, outerAlg);
  const spkiDer = der.subarray(spki.start, spki.end);
  let publicKey: KeyObject | undefined;
  const importKey = (): KeyObject => {
    try {
      publicKey ??= createPublicKey({ key: spkiDer, format: 'der', type: 'spki' });
      return publicKey;
    } catch (error) {
      throw new CertificateParseError(`unusable public key: ${(error as Error).message}`);
    }
  };
  refuseExplicitCurve(der, spki);
  const publicKeyFacts = publicKeyFactsOf(der, spki) ?? publicKeyFactsOf(importKey());
  refuseBadEcPoint(der, spki, publicKeyFacts);
  const bits = bitStringBytes(der, signature);
  const certificate: Omit<Certificate, 'basicConstraints' | 'keyUsage' | 'extKeyUsage' | 'subjectKeyIdentifier' | 'authorityKeyIdentifier' | 'policies' | 'policyMappings' | 'policyConstraints' | 'inhibitAnyPolicy' | 'crlDistributionUrls'> = {
    der,
    fingerprint: createHash('sha256').update(der).digest('hex'),
    sha1Thumbprint: createHash('sha1').update(der).digest('hex').toUpperCase(),
    version,
    serial: der.subarray(serial.valueStart, serial.end),
    tbs: der.subarray(tbsTlv.start, tbsTlv.end),
    innerSignatureAlgorithm: der.subarray(innerAlg.start, innerAlg.end),
    outerSignatureAlgorithm: der.subarray(outerAlg.start, outerAlg.end),
    signatureAlgorithmOid: algorithm.oid,
    signatureAlgorithmParams: algorithm.params,
    signatureValue: bits,
    issuer: der.subarray(issuer.start, issuer.end),
    subject: der.subarray(subject.start, subject.end),
    issuerText: nameText(der, issuer),
    subjectText: nameText(der, subject),
    notBefore: readTime(der, notBeforeTlv),
    notAfter: readTime(der, notAfterTlv),
    spki: spkiDer,
    get publicKey() {
      return importKey();
    },
    publicKeyFacts,
    extensions,
  };
  return Object.assign(certificate, decodeExtensions(extensions));
}

const EC_PUBLIC_KEY = '1.2.840.10045.2.1';
const RSA_ENCRYPTION = '1.2.840.113549.1.1.1';
const ED25519 = '1.3.101.112';
const DSA = '1.2.840.10040.4.1';
const NAMED_CURVES: Readonly<Record<string, string>> = {
  '1.2.840.10045.3.1.7': 'prime256v1',
  '1.3.132.0.34': 'secp384r1',
  '1.3.132.0.35': 'secp521r1',
};

/**
 * Key facts for the common key types read straight from the DER (RSA modulus size, EC curve,
 * Ed25519); for anything else, undefined, and the key is imported to tell.
 */
function publicKeyFactsOf(der: Buffer, spki: Tlv): PublicKeyFacts | undefined;
function publicKeyFactsOf(key: KeyObject): PublicKeyFacts;
function publicKeyFactsOf(source: Buffer | KeyObject, spki?: Tlv): PublicKeyFacts | undefined {
  if (!Buffer.isBuffer(source)) return { type: source.asymmetricKeyType, ...source.asymmetricKeyDetails };
  const der = source;
  const [algorithm, bits] = children(der, spki as Tlv);
  if (!algorithm || !bits) return undefined;
  const [oidTlv, params] = children(der, algorithm);
  if (!oidTlv) return undefined;
  const oid = decodeOid(der, oidTlv);
  if (oid === ED25519) return { type: 'ed25519' };
  // DSA is refused whatever its parameters (a key inheriting them from its CA cannot even be imported).
  if (oid === DSA) return { type: 'dsa' };
  if (oid === EC_PUBLIC_KEY && params?.tag === DER_TAG.oid) {
    const curve = NAMED_CURVES[decodeOid(der, params)];
    return curve ? { type: 'ec', namedCurve: curve } : undefined;
  }
  if (oid === RSA_ENCRYPTION && bits.tag === DER_TAG.bitString && der[bits.valueStart] === 0) {
    const key = readTlv(der, bits.valueStart + 1, bits.end);
    const [modulus] = children(der, key);
    if (!modulus || modulus.tag !== DER_TAG.integer) return undefined;
    let start = modulus.valueStart;
    while (start < modulus.end - 1 && der[start] === 0) start++;
    const first = der[start] as number;
    return { type: 'rsa', modulusLength: (modulus.end - start - 1) * 8 + (32 - Math.clz32(first)) };
  }
  return undefined;
}

/** An EC key must name its curve; explicit parameters (a known source of attacks) are refused. */
function refuseExplicitCurve(der: Buffer, spki: Tlv): void {
  const [algorithm] = children(der, spki);
  if (!algorithm) throw new DerError('SubjectPublicKeyInfo without an algorithm');
  const [oid, params] = children(der, algorithm);
  if (oid && decodeOid(der, oid) === EC_PUBLIC_KEY && params?.tag !== DER_TAG.oid) {
    throw new CertificateParseError('the EC public key has explicit curve parameters instead of a named curve');
  }
}

/** An EC key's point must be on its curve (checked here so that a bad one is refused by name, not by a later import). */
function refuseBadEcPoint(der: Buffer, spki: Tlv, facts: PublicKeyFacts): void {
  if (facts.type !== 'ec' || facts.namedCurve === undefined) return;
  const [, bits] = children(der, spki);
  if (!bits || bits.tag !== DER_TAG.bitString) throw new DerError('SubjectPublicKeyInfo without a subjectPublicKey BIT STRING');
  const point = decodeBitString(der, bits);
  if (point.unusedBits !== 0) throw new CertificateParseError('the EC public key BIT STRING has unused bits');
  const problem = ecPointProblem(facts.namedCurve, point.bytes);
  if (problem) throw new CertificateParseError(problem);
}

function readExtensions(der: Buffer, wrapper: Tlv, into: Map<string, Extension>): void {
  const list = expectTlv(der, wrapper.valueStart, DER_TAG.sequence, 'Extensions', wrapper.end);
  for (const extension of children(der, list)) {
    const parts = [...children(der, extension)];
    const oidTlv = parts[0];
    if (!oidTlv || oidTlv.tag !== DER_TAG.oid) throw new DerError('extension without an OID');
    let critical = false;
    let valueTlv = parts[1];
    if (valueTlv?.tag === 0x01) {
      critical = der[valueTlv.valueStart] !== 0;
      if (valueTlv.end - valueTlv.valueStart !== 1 || !critical) {
        // DER: a BOOLEAN is one octet and a default FALSE is omitted.
        throw new DerError('critical flag is not DER (FALSE must be omitted)');
      }
      valueTlv = parts[2];
    }
    if (!valueTlv || valueTlv.tag !== DER_TAG.octetString) throw new DerError('extension without a value');
    const oid = decodeOid(der, oidTlv);
    if (into.has(oid)) throw new CertificateParseError(`extension ${oid} appears twice`);
    into.set(oid, { critical, value: der.subarray(valueTlv.valueStart, valueTlv.end) });
  }
}

function decodeExtensions(extensions: ReadonlyMap<string, Extension>) {
  const value = (oid: string) => extensions.get(oid)?.value;
  return {
    basicConstraints: mapOptional(value(EXT.basicConstraints), decodeBasicConstraints),
    keyUsage: mapOptional(value(EXT.keyUsage), decodeKeyUsage),
    extKeyUsage: mapOptional(value(EXT.extKeyUsage), decodeOidSequence),
    subjectKeyIdentifier: mapOptional(value(EXT.subjectKeyIdentifier), (v) => {
      const tlv = expectTlv(v, 0, DER_TAG.octetString, 'SubjectKeyIdentifier');
      return v.subarray(tlv.valueStart, tlv.end).toString('hex').toUpperCase();
    }),
    authorityKeyIdentifier: mapOptional(value(EXT.authorityKeyIdentifier), decodeAuthorityKeyId),
    policies: mapOptional(value(EXT.certificatePolicies), decodePolicies),
    policyMappings: mapOptional(value(EXT.policyMappings), decodePolicyMappings),
    policyConstraints: mapOptional(value(EXT.policyConstraints), decodePolicyConstraints),
    inhibitAnyPolicy: mapOptional(value(EXT.inhibitAnyPolicy), (v) => skipCerts(v, expectTlv(v, 0, DER_TAG.integer, 'SkipCerts'))),
    crlDistributionUrls: mapOptional(value(EXT.crlDistributionPoints), decodeCrlUrls) ?? [],
    ...validateAuthorityInfoAccess(value(EXT.authorityInfoAccess)),
  };
}

function mapOptional<T>(value: Buffer | undefined, decode: (value: Buffer) => T): T | undefined {
  return value === undefined ? undefined : decode(value);
}

/** AuthorityInfoAccess is not acted on, but a malformed one makes the certificate malformed. */
function validateAuthorityInfoAccess(v: Buffer | undefined): Record<string, never> {
  if (v === undefined) return {};
  const seq = expectTlv(v, 0, DER_TAG.sequence, 'AuthorityInfoAccessSyntax');
  let count = 0;
  for (const description of children(v, seq)) {
    const [method, location, extra] = children(v, description);
    if (description.tag !== DER_TAG.sequence || !method || method.tag !== DER_TAG.oid || !location || extra || (location.tag & 0xc0) !== 0x80) {
      throw new CertificateParseError('malformed authorityInfoAccess');
    }
    count++;
  }
  if (count === 0) throw new CertificateParseError('empty authorityInfoAccess');
  return {};
}

function decodeBasicConstraints(v: Buffer): { ca: boolean; pathLen: number | undefined } {
  const seq = expectTlv(v, 0, DER_TAG.sequence, 'BasicConstraints');
  let ca = false;
  let pathLen: number | undefined;
  for (const field of children(v, seq)) {
    if (field.tag === 0x01) {
      ca = v[field.valueStart] !== 0;
      if (!ca) throw new DerError('basicConstraints cA FALSE must be omitted in DER');
    } else if (field.tag === DER_TAG.integer) {
      const n = integerValue(v, field);
      if (n < 0n) throw new CertificateParseError('negative pathLenConstraint');
      pathLen = Number(n > 1000n ? 1000n : n);
    } else {
      throw new DerError('unexpected field in basicConstraints');
    }
  }
  return { ca, pathLen };
}

function decodeKeyUsage(v: Buffer): Set<number> {
  const tlv = expectTlv(v, 0, DER_TAG.bitString, 'KeyUsage');
  const unused = v[tlv.valueStart] ?? 0;
  const bytes = v.subarray(tlv.valueStart + 1, tlv.end);
  const set = new Set<number>();
  for (let bit = 0; bit < bytes.length * 8 - unused; bit++) {
    if (((bytes[bit >> 3] as number) >> (7 - (bit & 7))) & 1) set.add(bit);
  }
  if (set.size === 0) throw new CertificateParseError('keyUsage with no bit set');
  return set;
}

function decodeOidSequence(v: Buffer): string[] {
  const seq = expectTlv(v, 0, DER_TAG.sequence, 'ExtKeyUsageSyntax');
  const oids = [...children(v, seq)].map((oid) => {
    if (oid.tag !== DER_TAG.oid) throw new DerError('ExtKeyUsage entry is not an OID');
    return decodeOid(v, oid);
  });
  if (oids.length === 0) throw new CertificateParseError('empty extKeyUsage');
  return oids;
}

function decodeAuthorityKeyId(v: Buffer): string | undefined {
  const seq = expectTlv(v, 0, DER_TAG.sequence, 'AuthorityKeyIdentifier');
  for (const field of children(v, seq)) {
    if (field.tag === 0x80) return v.subarray(field.valueStart, field.end).toString('hex').toUpperCase();
  }
  return undefined;
}

function decodePolicies(v: Buffer): string[] {
  const seq = expectTlv(v, 0, DER_TAG.sequence, 'CertificatePolicies');
  const oids = new Set<string>();
  for (const info of children(v, seq)) {
    const [oid, qualifiers, extra] = children(v, info);
    if (info.tag !== DER_TAG.sequence || !oid || oid.tag !== DER_TAG.oid || extra) throw new DerError('malformed PolicyInformation');
    if (qualifiers) checkPolicyQualifiers(v, qualifiers);
    const text = decodeOid(v, oid);
    if (oids.has(text)) throw new CertificateParseError(`policy ${text} appears twice`);
    oids.add(text);
  }
  if (oids.size === 0) throw new CertificateParseError('empty certificatePolicies');
  return [...oids];
}

/** SEQUENCE SIZE (1..MAX) OF PolicyQualifierInfo { policyQualifierId OID, qualifier ANY }. */
function checkPolicyQualifiers(v: Buffer, list: Tlv): void {
  if (list.tag !== DER_TAG.sequence) throw new DerError('policyQualifiers is not a SEQUENCE');
  let count = 0;
  for (const info of children(v, list)) {
    const [id, qualifier, extra] = children(v, info);
    if (info.tag !== DER_TAG.sequence || !id || id.tag !== DER_TAG.oid || !qualifier || extra) throw new DerError('malformed PolicyQualifierInfo');
    count++;
  }
  if (count === 0) throw new CertificateParseError('empty policyQualifiers');
}

/** PolicyMappings: SEQUENCE SIZE (1..MAX) OF SEQUENCE { issuerDomainPolicy, subjectDomainPolicy }. */
function decodePolicyMappings(v: Buffer): PolicyMapping[] {
  const seq = expectTlv(v, 0, DER_TAG.sequence, 'PolicyMappings');
  const mappings: PolicyMapping[] = [];
  for (const mapping of children(v, seq)) {
    const [issuer, subject, extra] = children(v, mapping);
    if (mapping.tag !== DER_TAG.sequence || issuer?.tag !== DER_TAG.oid || subject?.tag !== DER_TAG.oid || extra) throw new DerError('malformed policy mapping');
    mappings.push({ issuerDomainPolicy: decodeOid(v, issuer), subjectDomainPolicy: decodeOid(v, subject) });
  }
  if (mappings.length === 0) throw new CertificateParseError('empty policyMappings');
  return mappings;
}

function decodePolicyConstraints(v: Buffer): { requireExplicitPolicy: number | undefined; inhibitPolicyMapping: number | undefined } {
  const seq = expectTlv(v, 0, DER_TAG.sequence, 'PolicyConstraints');
  let requireExplicitPolicy: number | undefined;
  let inhibitPolicyMapping: number | undefined;
  for (const field of children(v, seq)) {
    const n = skipCerts(v, field);
    if (field.tag === 0x80 && requireExplicitPolicy === undefined && inhibitPolicyMapping === undefined) requireExplicitPolicy = n;
    else if (field.tag === 0x81 && inhibitPolicyMapping === undefined) inhibitPolicyMapping = n;
    else throw new DerError('unexpected field in policyConstraints');
  }
  if (requireExplicitPolicy === undefined && inhibitPolicyMapping === undefined) throw new CertificateParseError('empty policyConstraints');
  return { requireExplicitPolicy, inhibitPolicyMapping };
}

/** SkipCerts ::= INTEGER (0..MAX), capped: a path is never that long. */
function skipCerts(v: Buffer, field: Tlv): number {
  const n = integerValue(v, field);
  if (n < 0n) throw new CertificateParseError('negative SkipCerts');
  return Number(n > 1000n ? 1000n : n);
}

function decodeCrlUrls(v: Buffer): string[] {
  const urls: string[] = [];
  const seq = expectTlv(v, 0, DER_TAG.sequence, 'CRLDistributionPoints');
  for (const point of children(v, seq)) {
    for (const field of children(v, point)) {
      if (field.tag !== 0xa0) continue; // distributionPoint
      const name = readTlv(v, field.valueStart, field.end);
      if (name.tag !== 0xa0) continue; // fullName
      for (const general of children(v, name)) {
        if (general.tag === 0x86) {
          const uri = v.subarray(general.valueStart, general.end).toString('latin1');
          if (/^https?:\/\//i.test(uri)) urls.push(uri);
        }
      }
    }
  }
  return urls;
}

export function integerValue(der: Buffer, tlv: Tlv): bigint {
  const bytes = der.subarray(tlv.valueStart, tlv.end);
  if (bytes.length === 0) throw new DerError('empty INTEGER');
  let n = 0n;
  for (const byte of bytes) n = (n << 8n) | BigInt(byte);
  if ((bytes[0] as number) & 0x80) n -= 1n << BigInt(bytes.length * 8);
  return n;
}

function bitStringBytes(der: Buffer, tlv: Tlv): Buffer {
  if (tlv.end - tlv.valueStart < 1 || der[tlv.valueStart] !== 0) throw new DerError('signature BIT STRING must have no unused bits');
  return der.subarray(tlv.valueStart + 1, tlv.end);
}

function algorithmOf(der: Buffer, tlv: Tlv): { oid: string; params: Buffer | undefined } {
  const [oid, params] = children(der, tlv);
  if (!oid || oid.tag !== DER_TAG.oid) throw new DerError('AlgorithmIdentifier without an OID');
  return { oid: decodeOid(der, oid), params: params ? der.subarray(params.start, params.end) : undefined };
}

export function readTime(der: Buffer, tlv: Tlv): Date {
  const text = der.subarray(tlv.valueStart, tlv.end).toString('latin1');
  let match: RegExpExecArray | null;
  if (tlv.tag === 0x17 && (match = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text))) {
    const year = Number(match[1]);
    return utc(year >= 50 ? 1900 + year : 2000 + year, match);
  }
  if (tlv.tag === 0x18 && (match = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text))) {
    return utc(Number(match[1]), match);
  }
  throw new CertificateParseError(`invalid time '${text}'`);
}

function utc(year: number, m: RegExpExecArray): Date {
  const [month, day, hour, minute, second] = [2, 3, 4, 5, 6].map((i) => Number(m[i]));
  const date = new Date(Date.UTC(year, (month as number) - 1, day, hour, minute, second));
  if (date.getUTCMonth() !== (month as number) - 1 || date.getUTCDate() !== day || (hour as number) > 23 || (minute as number) > 59 || (second as number) > 59) {
    throw new CertificateParseError('invalid calendar date');
  }
  return date;
}

const ATTRIBUTE_NAMES: Readonly<Record<string, string>> = {
  '2.5.4.3': 'CN', '2.5.4.6': 'C', '2.5.4.7': 'L', '2.5.4.8': 'ST', '2.5.4.10': 'O', '2.5.4.11': 'OU',
  '0.9.2342.19200300.100.1.25': 'DC', '1.2.840.113549.1.9.1': 'E', '2.5.4.5': 'SERIALNUMBER',
};

/** A readable form of a Name, RDNs in the order they are encoded (for messages). */
export function nameText(der: Buffer, name: Tlv): string {
  return rdnTexts(der, name).join(', ');
}

/** nameText of a whole DER Name (e.g. a CRL's issuer); '(unreadable name)' when it cannot be decoded. */
export function nameTextOf(name: Buffer): string {
  try {
    return nameText(name, expectTlv(name, 0, DER_TAG.sequence, 'Name'));
  } catch {
    return '(unreadable name)';
  }
}

/** A Name with its RDNs in reverse of the encoded order (RFC 4514's, as Windows shows it), joined by commas without spaces. */
export function nameTextReversed(name: Buffer): string {
  return rdnTexts(name, expectTlv(name, 0, DER_TAG.sequence, 'Name')).reverse().join(',');
}

/**
 * A Name as Entra writes it in certificateUserIds: "the reverse of the order Windows displays", which is
 * the encoded RDN order, joined by commas without spaces (e.g. `DC=com,DC=contoso,OU=UserAccounts,CN=mfatest`
 * for an Active Directory certificate).
 */
export function nameTextInEncodedOrder(name: Buffer): string {
  return rdnTexts(name, expectTlv(name, 0, DER_TAG.sequence, 'Name')).join(',');
}

function rdnTexts(der: Buffer, name: Tlv): string[] {
  const parts: string[] = [];
  for (const rdn of children(der, name)) {
    const values: string[] = [];
    for (const atv of children(der, rdn)) {
      const [type, value] = children(der, atv);
      if (!type || !value || type.tag !== DER_TAG.oid) throw new DerError('bad AttributeTypeAndValue');
      const oid = decodeOid(der, type);
      const raw = der.subarray(value.valueStart, value.end);
      const text = value.tag === 0x1e ? utf16be(raw) : raw.toString('utf8');
      values.push(`${ATTRIBUTE_NAMES[oid] ?? oid}=${text}`);
    }
    parts.push(values.join('+'));
  }
  return parts;
}

/** The values of one attribute (e.g. CN) of a DER Name. */
export function nameAttributes(name: Buffer, oid: string): string[] {
  const out: string[] = [];
  const seq = expectTlv(name, 0, DER_TAG.sequence, 'Name');
  for (const rdn of children(name, seq)) {
    for (const atv of children(name, rdn)) {
      const [type, value] = children(name, atv);
      if (type && value && decodeOid(name, type) === oid) out.push(name.subarray(value.valueStart, value.end).toString('utf8'));
    }
  }
  return out;
}

function utf16be(bytes: Buffer): string {
  const swapped = Buffer.from(bytes);
  swapped.swap16();
  return swapped.toString('utf16le');
}

export const OID_COMMON_NAME = '2.5.4.3';
