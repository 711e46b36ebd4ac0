// Certificate factory for the tests: builds real X.509 material in-process (CAs, leaves, chains,
// PKCS#7 .p7b bundles, CRLs) with @peculiar/x509 on Node's WebCrypto. No binary fixtures.
//
// Keys: EC and Ed25519 key pairs are cheap (< 2 ms) and are generated fresh for every certificate, so
// every certificate has its own key and subjectKeyIdentifier. RSA key generation is slow (~200 ms for
// 2048 bits), so RSA key pairs come from a small round-robin pool per KeyKind (see setKeyPoolSize);
// certificates stay unique through their random serial numbers (and the subjects the caller picks),
// but two RSA certificates may share a key and therefore a SKI. Pass `freshKey: true` or `keys` to
// control this per certificate.
import 'reflect-metadata';
import { createHash, KeyObject, sign, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

/** The same @peculiar/x509 module, ready to use (reflect-metadata loaded, crypto provider set). */
export { x509 };

const subtle = webcrypto.subtle;

export type CryptoKey = webcrypto.CryptoKey;
export type CryptoKeyPair = webcrypto.CryptoKeyPair;

export type KeyKind = 'rsa2048' | 'rsa3072' | 'rsa1024' | 'p256' | 'p384' | 'p521' | 'ed25519';
export type SignatureHash = 'SHA-256' | 'SHA-384' | 'SHA-512' | 'SHA-1';
export type SanType = 'dns' | 'email' | 'ip' | 'upn' | 'url';

export interface TestCert {
  cert: x509.X509Certificate;
  der: Buffer;
  pem: string;
  /** base64 of the DER, as Graph's `certificate` property carries it. */
  base64: string;
  keys: CryptoKeyPair;
  keyKind: KeyKind;
  /** The subject as passed in the options. */
  subject: string;
  /** Serial number as lowercase hex, as @peculiar/x509 reports it (`cert.serialNumber`). */
  serialNumber: string;
}

export interface CertOptions {
  /** e.g. 'CN=Contoso Root CA, O=Contoso' (attributes are DER-encoded in the written order). */
  subject: string;
  /** Absent = self-signed. */
  issuer?: TestCert;
  /** Default 'p256'. Ignored when `keys` is given. */
  key?: KeyKind;
  /** Use exactly this key pair for the new certificate (e.g. a re-issued CA with the same key). */
  keys?: CryptoKeyPair;
  /** Generate a new key pair even for RSA kinds (bypasses the pool). */
  freshKey?: boolean;
  /** Defaults: now - 1 h, now + 365 d. */
  notBefore?: Date;
  notAfter?: Date;
  /** Hex. Default: 16 random bytes, first byte 0x01..0x7f (positive, no leading zero). */
  serialNumber?: string;
  /** basicConstraints cA (default true for createCa, false for createLeaf). */
  ca?: boolean;
  /** Include basicConstraints at all (default true). */
  basicConstraints?: boolean;
  /** Criticality of basicConstraints; default true for CAs, false for leaves. */
  basicConstraintsCritical?: boolean;
  pathLength?: number;
  /** x509.KeyUsageFlags bitmask; default CA: keyCertSign|cRLSign, leaf: digitalSignature; null = omit. */
  keyUsage?: number | null;
  /** Criticality of keyUsage; default true. */
  keyUsageCritical?: boolean;
  /** OIDs. */
  extendedKeyUsage?: string[];
  /** URLs (http/https/ldap), one distribution point per URL. */
  crlDistributionPoints?: string[];
  /** Authority Information Access URLs. */
  authorityInfoAccess?: { caIssuers?: string[]; ocsp?: string[] };
  /** Default true. */
  subjectKeyIdentifier?: boolean;
  /** Default true when issued by another cert, false for self-signed. */
  authorityKeyIdentifier?: boolean;
  /** upn = otherName 1.3.6.1.4.1.311.20.2.3 (UTF8String). */
  subjectAltNames?: Array<{ type: SanType; value: string }>;
  /** Policy OIDs. */
  certificatePolicies?: string[];
  /** Appended after the generated extensions, e.g. an unknown critical extension. */
  extraExtensions?: x509.Extension[];
  /**
   * Hash of the signature made by the issuer's key. Default: SHA-256, or SHA-384 / SHA-512 when the
   * signing key is P-384 / P-521. Ignored for Ed25519 signers.
   */
  signatureHash?: SignatureHash;
  /**
   * Write this issuer DN instead of the issuer's real subject (the signature is still made by the
   * issuer's key) — for name-chaining failure tests.
   */
  issuerNameOverride?: string;
}

// ---------------------------------------------------------------------------------------------
// Keys

const RSA_EXPONENT = new Uint8Array([1, 0, 1]);

function keyGenAlgorithm(kind: KeyKind): webcrypto.RsaHashedKeyGenParams | webcrypto.EcKeyGenParams | webcrypto.Algorithm {
  switch (kind) {
    case 'rsa1024':
      return { name: 'RSASSA-PKCS1-v1_5', modulusLength: 1024, publicExponent: RSA_EXPONENT, hash: 'SHA-256' };
    case 'rsa2048':
      return { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: RSA_EXPONENT, hash: 'SHA-256' };
    case 'rsa3072':
      return { name: 'RSASSA-PKCS1-v1_5', modulusLength: 3072, publicExponent: RSA_EXPONENT, hash: 'SHA-256' };
    case 'p256':
      return { name: 'ECDSA', namedCurve: 'P-256' };
    case 'p384':
      return { name: 'ECDSA', namedCurve: 'P-384' };
    case 'p521':
      return { name: 'ECDSA', namedCurve: 'P-521' };
    case 'ed25519':
      return { name: 'Ed25519' };
  }
}

/** Generates a brand-new key pair (extractable, so RSA keys can be re-imported with another hash). */
export async function generateKeyPair(kind: KeyKind): Promise<CryptoKeyPair> {
  const pair = await subtle.generateKey(keyGenAlgorithm(kind), true, ['sign', 'verify']);
  if (!('privateKey' in pair)) throw new Error(`expected a key pair for ${kind}`);
  return pair;
}

/** Pool size per kind; 0 = no pooling (fresh key every time). */
const poolSizes: Record<KeyKind, number> = {
  rsa1024: 8,
  rsa2048: 8,
  rsa3072: 4,
  p256: 0,
  p384: 0,
  p521: 0,
  ed25519: 0,
};
const pools = new Map<KeyKind, Array<Promise<CryptoKeyPair>>>();
const poolCursor = new Map<KeyKind, number>();

/** Sets how many key pairs of a kind are generated before they are reused round-robin (0 = never reuse). */
export function setKeyPoolSize(kind: KeyKind, size: number): void {
  poolSizes[kind] = Math.max(0, Math.floor(size));
  const pool = pools.get(kind);
  if (pool && pool.length > poolSizes[kind]) pool.length = poolSizes[kind];
}

/**
 * A key pair of the kind: fresh when the kind is not pooled, else the next one of the pool (filling
 * it lazily up to its size). `avoid` is skipped when possible, so a certificate never gets its
 * issuer's key by accident.
 */
export async function keyPairFor(kind: KeyKind, avoid?: CryptoKeyPair): Promise<CryptoKeyPair> {
  const size = poolSizes[kind];
  if (size === 0) return generateKeyPair(kind);
  let pool = pools.get(kind);
  if (!pool) pools.set(kind, (pool = []));
  for (let attempt = 0; attempt < 2; attempt++) {
    const cursor = poolCursor.get(kind) ?? 0;
    poolCursor.set(kind, cursor + 1);
    const index = cursor % size;
    let entry = pool[index];
    if (!entry) {
      entry = generateKeyPair(kind);
      pool[index] = entry;
    }
    const pair = await entry;
    if (pair !== avoid || size === 1) return pair;
  }
  return generateKeyPair(kind);
}

/** Fills the pool of a kind concurrently (RSA generation runs on libuv's thread pool). */
export async function warmKeyPool(kind: KeyKind): Promise<void> {
  const size = poolSizes[kind];
  let pool = pools.get(kind);
  if (!pool) pools.set(kind, (pool = []));
  for (let index = 0; index < size; index++) pool[index] ??= generateKeyPair(kind);
  await Promise.all(pool);
}

function keyKindOf(key: CryptoKey): KeyKind {
  const algorithm = key.algorithm as webcrypto.KeyAlgorithm & { namedCurve?: string; modulusLength?: number };
  switch (algorithm.name) {
    case 'ECDSA':
      if (algorithm.namedCurve === 'P-256') return 'p256';
      if (algorithm.namedCurve === 'P-384') return 'p384';
      if (algorithm.namedCurve === 'P-521') return 'p521';
      break;
    case 'Ed25519':
      return 'ed25519';
    case 'RSASSA-PKCS1-v1_5':
      if (algorithm.modulusLength === 1024) return 'rsa1024';
      if (algorithm.modulusLength === 2048) return 'rsa2048';
      if (algorithm.modulusLength === 3072) return 'rsa3072';
      break;
  }
  throw new Error(`unsupported key algorithm ${JSON.stringify(algorithm)}`);
}

function defaultHashFor(kind: KeyKind): SignatureHash {
  if (kind === 'p384') return 'SHA-384';
  if (kind === 'p521') return 'SHA-512';
  return 'SHA-256';
}

// @peculiar/x509 builds the signature algorithm as {...signingAlgorithm, ...signingKey.algorithm}, so
// for RSA the hash bound into the CryptoKey wins over the one asked for. To sign RSA with another
// hash, the private key is re-imported with that hash (cached per key and hash).
const rehashedKeys = new WeakMap<CryptoKey, Map<SignatureHash, Promise<CryptoKey>>>();

async function signingKeyWithHash(privateKey: CryptoKey, hash: SignatureHash): Promise<CryptoKey> {
  const algorithm = privateKey.algorithm as webcrypto.RsaHashedKeyAlgorithm;
  if (algorithm.name !== 'RSASSA-PKCS1-v1_5' || algorithm.hash.name === hash) return privateKey;
  let byHash = rehashedKeys.get(privateKey);
  if (!byHash) rehashedKeys.set(privateKey, (byHash = new Map()));
  let key = byHash.get(hash);
  if (!key) {
    key = subtle
      .exportKey('pkcs8', privateKey)
      .then((pkcs8) => subtle.importKey('pkcs8', pkcs8, { name: 'RSASSA-PKCS1-v1_5', hash }, false, ['sign']));
    byHash.set(hash, key);
  }
  return key;
}

// ---------------------------------------------------------------------------------------------
// Certificates

/** 16 random bytes as hex, first byte in 0x01..0x7f: positive and exactly 16 bytes when DER-encoded. */
export function randomSerialNumber(): string {
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0] = ((bytes[0] ?? 0) & 0x7f) || 0x01;
  return Buffer.from(bytes).toString('hex');
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

async function issue(options: CertOptions, defaultCa: boolean): Promise<TestCert> {
  const keyKind = options.keys ? keyKindOf(options.keys.publicKey) : (options.key ?? 'p256');
  const keys =
    options.keys ?? (options.freshKey ? await generateKeyPair(keyKind) : await keyPairFor(keyKind, options.issuer?.keys));
  const signer = options.issuer;
  const signerKeys = signer ? signer.keys : keys;
  const signerKind = signer ? signer.keyKind : keyKind;
  const hash = options.signatureHash ?? defaultHashFor(signerKind);

  const ca = options.ca ?? defaultCa;
  const extensions: x509.Extension[] = [];
  if (options.basicConstraints ?? true) {
    extensions.push(new x509.BasicConstraintsExtension(ca, options.pathLength, options.basicConstraintsCritical ?? ca));
  }
  const keyUsage = options.keyUsage === undefined ? (ca ? x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign : x509.KeyUsageFlags.digitalSignature) : options.keyUsage;
  if (keyUsage !== null) extensions.push(new x509.KeyUsagesExtension(keyUsage, options.keyUsageCritical ?? true));
  if (options.extendedKeyUsage?.length) extensions.push(new x509.ExtendedKeyUsageExtension(options.extendedKeyUsage, false));

  let ownSki: x509.SubjectKeyIdentifierExtension | undefined;
  if (options.subjectKeyIdentifier ?? true) {
    ownSki = await x509.SubjectKeyIdentifierExtension.create(keys.publicKey);
    extensions.push(ownSki);
  }
  if (options.authorityKeyIdentifier ?? Boolean(signer)) {
    let keyId: string;
    if (signer) {
      const issuerSki = signer.cert.getExtension(x509.SubjectKeyIdentifierExtension);
      keyId = issuerSki ? issuerSki.keyId : (await x509.SubjectKeyIdentifierExtension.create(signer.keys.publicKey)).keyId;
    } else {
      keyId = (ownSki ?? (await x509.SubjectKeyIdentifierExtension.create(keys.publicKey))).keyId;
    }
    extensions.push(new x509.AuthorityKeyIdentifierExtension(keyId, false));
  }
  if (options.subjectAltNames?.length) {
    extensions.push(new x509.SubjectAlternativeNameExtension(options.subjectAltNames.map((n) => ({ type: n.type, value: n.value })), false));
  }
  if (options.certificatePolicies?.length) extensions.push(new x509.CertificatePolicyExtension(options.certificatePolicies, false));
  if (options.crlDistributionPoints?.length) extensions.push(new x509.CRLDistributionPointsExtension(options.crlDistributionPoints, false));
  const aia = options.authorityInfoAccess;
  if (aia && (aia.caIssuers?.length || aia.ocsp?.length)) {
    const params: x509.AuthorityInfoAccessParams = {};
    if (aia.caIssuers?.length) params.caIssuers = aia.caIssuers;
    if (aia.ocsp?.length) params.ocsp = aia.ocsp;
    extensions.push(new x509.AuthorityInfoAccessExtension(params, false));
  }
  if (options.extraExtensions) extensions.push(...options.extraExtensions);

  const now = Date.now();
  const serialNumber = options.serialNumber ?? randomSerialNumber();
  const subjectName = new x509.Name(options.subject);
  // The issuer's subject Name object (not its string form) keeps the issuer DN byte-identical.
  const issuerName = options.issuerNameOverride !== undefined ? new x509.Name(options.issuerNameOverride) : signer ? signer.cert.subjectName : subjectName;

  const cert = await x509.X509CertificateGenerator.create({
    serialNumber,
    subject: subjectName,
    issuer: issuerName,
    notBefore: options.notBefore ?? new Date(now - HOUR),
    notAfter: options.notAfter ?? new Date(now + 365 * DAY),
    publicKey: keys.publicKey,
    signingKey: await signingKeyWithHash(signerKeys.privateKey, hash),
    signingAlgorithm: { name: signerKeys.privateKey.algorithm.name, hash },
    extensions,
  });
  return toTestCert(cert, keys, keyKind, options.subject);
}

function toTestCert(cert: x509.X509Certificate, keys: CryptoKeyPair, keyKind: KeyKind, subject: string): TestCert {
  const der = Buffer.from(cert.rawData);
  return {
    cert,
    der,
    pem: toPem(der, 'CERTIFICATE'),
    base64: der.toString('base64'),
    keys,
    keyKind,
    subject,
    serialNumber: cert.serialNumber,
  };
}

/** A CA certificate: self-signed root without `issuer`, else an intermediate signed by `issuer`. */
export function createCa(options: CertOptions): Promise<TestCert> {
  return issue(options, true);
}

/** An end-entity certificate (cA false, digitalSignature) — pass `issuer` for a realistic one. */
export function createLeaf(options: CertOptions): Promise<TestCert> {
  return issue(options, false);
}

let chainCounter = 0;

export interface ChainOptions {
  key?: KeyKind;
  /** Number of intermediates, default 1. */
  depth?: number;
  /**
   * When set, every certificate below the root gets a CRL distribution point naming its issuer's CRL:
   * `${crlBaseUrl}/root.crl` for certificates the root issues, `${crlBaseUrl}/int1.crl` … for those
   * intermediate 1 … issues (see `crlUrls` in the result).
   */
  crlBaseUrl?: string;
  /** Distinguishes the subjects; default a per-process counter ('Chain 1', 'Chain 2', …). */
  name?: string;
  /** UPN written into the leaf's SAN; default 'user@<name>.example' slug. */
  upn?: string;
}

export interface Chain {
  root: TestCert;
  /** From the one the root issued down to the one that issued the leaf. */
  intermediates: TestCert[];
  leaf: TestCert;
  /** With crlBaseUrl: the CRL URL of the root and of each intermediate (same order). */
  crlUrls?: { root: string; intermediates: string[] };
}

/** Root → depth intermediates → client-auth leaf with a UPN SAN. Subjects are unique per call. */
export async function createChain(options: ChainOptions = {}): Promise<Chain> {
  const key = options.key ?? 'p256';
  const depth = options.depth ?? 1;
  const name = options.name ?? `Chain ${++chainCounter}`;
  const base = options.crlBaseUrl?.replace(/\/+$/, '');
  const crlUrlOf = (level: number): string | undefined => (base === undefined ? undefined : level === 0 ? `${base}/root.crl` : `${base}/int${level}.crl`);
  const cdp = (issuerLevel: number): string[] | undefined => {
    const url = crlUrlOf(issuerLevel);
    return url === undefined ? undefined : [url];
  };

  const root = await createCa({ subject: `CN=${name} Root CA, O=graph-pki tests`, key });
  const intermediates: TestCert[] = [];
  let issuer = root;
  for (let i = 1; i <= depth; i++) {
    const intermediate = await createCa({
      subject: `CN=${name} Issuing CA ${i}, O=graph-pki tests`,
      key,
      issuer,
      crlDistributionPoints: cdp(i - 1),
    });
    intermediates.push(intermediate);
    issuer = intermediate;
  }
  const slug = name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
  const upn = options.upn ?? `user@${slug}.example`;
  const leaf = await createLeaf({
    subject: `CN=Test User ${name}, O=graph-pki tests`,
    key,
    issuer,
    extendedKeyUsage: [x509.ExtendedKeyUsage.clientAuth],
    subjectAltNames: [{ type: 'upn', value: upn }],
    crlDistributionPoints: cdp(depth),
  });
  const chain: Chain = { root, intermediates, leaf };
  if (base !== undefined) {
    chain.crlUrls = { root: `${base}/root.crl`, intermediates: intermediates.map((_, i) => `${base}/int${i + 1}.crl`) };
  }
  return chain;
}

// ---------------------------------------------------------------------------------------------
// Minimal DER writer (for PKCS#7 and CRL extension values)

function derLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

/** One DER TLV: tag byte, definite length, content. */
export function derTlv(tag: number, ...content: Buffer[]): Buffer {
  const body = Buffer.concat(content);
  return Buffer.concat([Buffer.from([tag]), derLength(body.length), body]);
}

/** DER INTEGER of a non-negative number (or bigint). */
export function derInteger(value: number | bigint): Buffer {
  let n = BigInt(value);
  if (n < 0n) throw new RangeError('only non-negative integers');
  const bytes: number[] = [];
  do {
    bytes.unshift(Number(n & 0xffn));
    n >>= 8n;
  } while (n > 0n);
  if ((bytes[0] ?? 0) & 0x80) bytes.unshift(0);
  return derTlv(0x02, Buffer.from(bytes));
}

const OID_SIGNED_DATA = Buffer.from('06092a864886f70d010702', 'hex'); // 1.2.840.113549.1.7.2
const OID_DATA = Buffer.from('06092a864886f70d010701', 'hex'); // 1.2.840.113549.1.7.1

export interface P7bOptions {
  /** DER CRLs to put in the bundle's `crls` field. */
  crls?: Buffer[];
}

/**
 * DER PKCS#7 SignedData "certs-only" bundle as Windows exports a .p7b: version 1, no digest
 * algorithms, encapsulated content type id-data without content, the certificates in the given order
 * (not sorted as a DER SET OF would be), no signers. Raw Buffers are inserted as-is (e.g. garbage for
 * negative tests). An empty list omits the certificates field.
 */
export function p7bOf(certs: Array<TestCert | Buffer>, options: P7bOptions = {}): Buffer {
  const certDers = certs.map((c) => (Buffer.isBuffer(c) ? c : c.der));
  const parts: Buffer[] = [
    derInteger(1),
    derTlv(0x31), // digestAlgorithms: empty SET
    derTlv(0x30, OID_DATA), // encapContentInfo { eContentType id-data }
  ];
  if (certDers.length) parts.push(derTlv(0xa0, ...certDers)); // [0] IMPLICIT certificates
  if (options.crls?.length) parts.push(derTlv(0xa1, ...options.crls)); // [1] IMPLICIT crls
  parts.push(derTlv(0x31)); // signerInfos: empty SET
  const signedData = derTlv(0x30, ...parts);
  return derTlv(0x30, OID_SIGNED_DATA, derTlv(0xa0, signedData));
}

/** PEM with 64-column lines. */
export function toPem(der: Buffer, label: string): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/** The same bundle as p7bOf, as PEM "-----BEGIN PKCS7-----". */
export function p7bPemOf(certs: Array<TestCert | Buffer>, options: P7bOptions = {}): string {
  return toPem(p7bOf(certs, options), 'PKCS7');
}

// ---------------------------------------------------------------------------------------------
// CRLs

const OID_CRL_NUMBER = '2.5.29.20';
const OID_DELTA_CRL_INDICATOR = '2.5.29.27';
const OID_CRL_REASON = '2.5.29.21';

const crlCounters = new WeakMap<TestCert, number>();

export interface CrlOptions {
  issuer: TestCert;
  /** reason: RFC 5280 CRLReason (x509.X509CrlReason); written even when 0 (unspecified). */
  revoked?: Array<{ serialNumber: string; date?: Date; reason?: number; invalidity?: Date; extensions?: x509.Extension[] }>;
  /** Default now - 1 h. */
  thisUpdate?: Date;
  /** Default now + 7 d; null = omit. */
  nextUpdate?: Date | null;
  /** Default: 1, 2, 3 … per issuer; null = omit the extension. */
  crlNumber?: number | null;
  /** Makes it a delta CRL (critical deltaCRLIndicator naming this base CRL number). */
  deltaBaseCrlNumber?: number;
  /** Default true: authorityKeyIdentifier from the issuer's SKI. */
  authorityKeyIdentifier?: boolean;
  extraExtensions?: x509.Extension[];
  /** Default as for certificates (SHA-256, or SHA-384/512 for P-384/P-521 issuers). */
  signatureHash?: SignatureHash;
}

export interface TestCrl {
  crl: x509.X509Crl;
  der: Buffer;
  pem: string;
}

/** A v2 CRL signed by `issuer`'s key, with issuer DN byte-identical to the issuer's subject. */
export async function createCrl(options: CrlOptions): Promise<TestCrl> {
  const { issuer } = options;
  const now = Date.now();
  const extensions: x509.Extension[] = [];
  if (options.authorityKeyIdentifier ?? true) {
    const ski = issuer.cert.getExtension(x509.SubjectKeyIdentifierExtension);
    const keyId = ski ? ski.keyId : (await x509.SubjectKeyIdentifierExtension.create(issuer.keys.publicKey)).keyId;
    extensions.push(new x509.AuthorityKeyIdentifierExtension(keyId, false));
  }
  let crlNumber = options.crlNumber;
  if (crlNumber === undefined) {
    crlNumber = (crlCounters.get(issuer) ?? 0) + 1;
    crlCounters.set(issuer, crlNumber);
  }
  if (crlNumber !== null) extensions.push(new x509.Extension(OID_CRL_NUMBER, false, derInteger(crlNumber)));
  if (options.deltaBaseCrlNumber !== undefined) {
    extensions.push(new x509.Extension(OID_DELTA_CRL_INDICATOR, true, derInteger(options.deltaBaseCrlNumber)));
  }
  if (options.extraExtensions) extensions.push(...options.extraExtensions);

  // Reason codes are written here rather than through X509CrlEntryParams.reason, which drops 0.
  const entries: x509.X509CrlEntryParams[] = (options.revoked ?? []).map((r) => {
    const entry: x509.X509CrlEntryParams = { serialNumber: r.serialNumber, revocationDate: r.date ?? new Date(now - HOUR) };
    if (r.invalidity) entry.invalidity = r.invalidity;
    if (r.reason !== undefined) {
      entry.extensions = [new x509.Extension(OID_CRL_REASON, false, derTlv(0x0a, Buffer.from([r.reason])))];
    }
    if (r.extensions) entry.extensions = [...(entry.extensions ?? []), ...r.extensions];
    return entry;
  });

  const hash = options.signatureHash ?? defaultHashFor(issuer.keyKind);
  const params: x509.X509CrlCreateParams = {
    issuer: issuer.cert.subjectName,
    thisUpdate: options.thisUpdate ?? new Date(now - HOUR),
    extensions,
    entries,
    signingKey: await signingKeyWithHash(issuer.keys.privateKey, hash),
    signingAlgorithm: { name: issuer.keys.privateKey.algorithm.name, hash },
  };
  const nextUpdate = options.nextUpdate === undefined ? new Date(now + 7 * DAY) : options.nextUpdate;
  if (nextUpdate !== null) params.nextUpdate = nextUpdate;
  const crl = await x509.X509CrlGenerator.create(params);
  const der = Buffer.from(crl.rawData);
  return { crl, der, pem: toPem(der, 'X509 CRL') };
}

// ---------------------------------------------------------------------------------------------
// Hashes

/** SHA-256 as uppercase hex. */
export function sha256Hex(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex').toUpperCase();
}

/** SHA-1 over the DER as uppercase hex: the thumbprint Windows and Graph show. */
export function sha1ThumbprintHex(cert: TestCert): string {
  return createHash('sha1').update(cert.der).digest('hex').toUpperCase();
}

/**
 * An intermediate CA signed properly by `issuer` whose P-256 public key is not on the curve (the last
 * byte of the point's y coordinate changed): only the key is wrong, the signature over it is valid.
 */
export async function createCaWithOffCurveKey(issuer: TestCert, subject = 'CN=Off-Curve Key CA'): Promise<Buffer> {
  const base = await createCa({ subject, issuer, key: 'p256', freshKey: true });
  const der = Buffer.from(base.der);
  const spkiAt = der.indexOf(Buffer.from(base.cert.publicKey.rawData));
  if (spkiAt < 0) throw new Error('SubjectPublicKeyInfo not found in the certificate');
  const pointEnd = spkiAt + base.cert.publicKey.rawData.byteLength;
  der[pointEnd - 1] = (der[pointEnd - 1] as number) ^ 0x01;
  // Certificate = SEQUENCE { tbs, algorithm, signature }: re-sign the changed tbs with the issuer's key.
  const tbsAt = der[1] === 0x82 ? 4 : der[1] === 0x81 ? 3 : 2;
  const tbsLength = der[tbsAt + 1] === 0x82 ? 4 + der.readUInt16BE(tbsAt + 2) : der[tbsAt + 1] === 0x81 ? 3 + (der[tbsAt + 2] as number) : 2 + (der[tbsAt + 1] as number);
  const tbs = der.subarray(tbsAt, tbsAt + tbsLength);
  const algorithm = Buffer.from('300a06082a8648ce3d040302', 'hex'); // ecdsa-with-SHA256
  const signature = sign('sha256', tbs, { key: KeyObject.from(issuer.keys.privateKey), dsaEncoding: 'der' });
  return derTlv(0x30, tbs, algorithm, derTlv(0x03, Buffer.from([0]), signature));
}
