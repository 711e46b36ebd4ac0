// Signature verification for certificates and CRLs with node:crypto, under an explicit allow-list:
// RSA (≥ 2048 bits) PKCS#1 v1.5 and RSASSA-PSS with SHA-256/384/512, ECDSA on P-256/384/521 with
// SHA-256/384/512, Ed25519; the SHA-1 variants of RSA and ECDSA only when the policy allows SHA-1.
// MD2, MD5, SHA-224, DSA, Ed448 and anything unknown are refused. node:crypto itself would accept
// weak and legacy keys, so key type and size are checked here before OpenSSL is asked.
import { constants, verify, type KeyObject } from 'node:crypto';
import { checkPublicKey } from './algorithms.ts';
import { children, decodeBitString, decodeOid, decodeSmallInteger, DER_PRIMITIVE_TAG, DER_TAG, DerError, expectTlv, readTlv, type Tlv, tlvBytes } from './der.ts';

/** A signed ASN.1 object: SEQUENCE { tbs, AlgorithmIdentifier, BIT STRING } (certificates, CRLs). */
export interface SignedObject {
  /** The DER of the signed part (TLV header included), exactly the bytes the signature covers. */
  readonly tbs: Buffer;
  readonly algorithmOid: string;
  /** DER of the AlgorithmIdentifier parameters (e.g. NULL for RSA, RSASSA-PSS-params), absent when omitted. */
  readonly algorithmParams: Buffer | undefined;
  /** BIT STRING contents without the unused-bits octet. */
  readonly signature: Buffer;
}

export type SignatureFailure = 'algorithm_not_allowed' | 'weak_key' | 'bad_signature' | 'key_mismatch';

export type SignatureVerdict = { ok: true } | { ok: false; reason: SignatureFailure; message: string };

export interface SignaturePolicy {
  /** Accept sha1WithRSAEncryption, ecdsa-with-SHA1 and RSASSA-PSS with SHA-1. MD5/MD2 are never accepted. */
  readonly allowSha1: boolean;
}

type Hash = 'sha1' | 'sha256' | 'sha384' | 'sha512';
type Scheme = 'rsa-pkcs1' | 'rsa-pss' | 'ecdsa' | 'ed25519';

interface Algorithm {
  readonly name: string;
  readonly scheme: Scheme;
  /** Absent for Ed25519 (no separate hash) and RSASSA-PSS (the hash is in the parameters). */
  readonly hash?: Hash;
}

const OID_RSASSA_PSS = '1.2.840.113549.1.1.10';
const OID_MGF1 = '1.2.840.113549.1.1.8';

const SIGNATURE_ALGORITHMS = new Map<string, Algorithm>([
  ['1.2.840.113549.1.1.5', { name: 'sha1WithRSAEncryption', scheme: 'rsa-pkcs1', hash: 'sha1' }],
  ['1.2.840.113549.1.1.11', { name: 'sha256WithRSAEncryption', scheme: 'rsa-pkcs1', hash: 'sha256' }],
  ['1.2.840.113549.1.1.12', { name: 'sha384WithRSAEncryption', scheme: 'rsa-pkcs1', hash: 'sha384' }],
  ['1.2.840.113549.1.1.13', { name: 'sha512WithRSAEncryption', scheme: 'rsa-pkcs1', hash: 'sha512' }],
  [OID_RSASSA_PSS, { name: 'RSASSA-PSS', scheme: 'rsa-pss' }],
  ['1.2.840.10045.4.1', { name: 'ecdsa-with-SHA1', scheme: 'ecdsa', hash: 'sha1' }],
  ['1.2.840.10045.4.3.2', { name: 'ecdsa-with-SHA256', scheme: 'ecdsa', hash: 'sha256' }],
  ['1.2.840.10045.4.3.3', { name: 'ecdsa-with-SHA384', scheme: 'ecdsa', hash: 'sha384' }],
  ['1.2.840.10045.4.3.4', { name: 'ecdsa-with-SHA512', scheme: 'ecdsa', hash: 'sha512' }],
  ['1.3.101.112', { name: 'Ed25519', scheme: 'ed25519' }],
]);

/** Named only so the refusal message can say what it was. */
const REFUSED_NAMES = new Map<string, string>([
  ['1.2.840.113549.1.1.2', 'md2WithRSAEncryption'],
  ['1.2.840.113549.1.1.3', 'md4WithRSAEncryption'],
  ['1.2.840.113549.1.1.4', 'md5WithRSAEncryption'],
  ['1.2.840.113549.1.1.14', 'sha224WithRSAEncryption'],
  ['1.2.840.10045.4.3.1', 'ecdsa-with-SHA224'],
  ['1.2.840.10040.4.3', 'dsa-with-SHA1'],
  ['2.16.840.1.101.3.4.3.1', 'dsa-with-SHA224'],
  ['2.16.840.1.101.3.4.3.2', 'dsa-with-SHA256'],
  ['1.3.101.113', 'Ed448'],
]);

const HASH_OIDS = new Map<string, Hash>([
  ['1.3.14.3.2.26', 'sha1'],
  ['2.16.840.1.101.3.4.2.1', 'sha256'],
  ['2.16.840.1.101.3.4.2.2', 'sha384'],
  ['2.16.840.1.101.3.4.2.3', 'sha512'],
]);

/** The key types (KeyObject.asymmetricKeyType) each scheme may be verified with. */
const KEY_TYPES: Record<Scheme, readonly string[]> = {
  'rsa-pkcs1': ['rsa'],
  'rsa-pss': ['rsa', 'rsa-pss'],
  ecdsa: ['ec'],
  ed25519: ['ed25519'],
};

const NULL_DER = Buffer.from([DER_PRIMITIVE_TAG.null, 0x00]);

/**
 * Splits SEQUENCE { tbs, AlgorithmIdentifier, BIT STRING } — a certificate, a CRL or anything shaped
 * like them. Nothing may follow the outer SEQUENCE. Throws DerError on malformed input. The Buffers
 * returned are views into `der`.
 */
export function signedObjectOf(der: Buffer): SignedObject {
  const outer = expectTlv(der, 0, DER_TAG.sequence, 'signed SEQUENCE');
  if (outer.end !== der.length) throw new DerError(`${der.length - outer.end} bytes of trailing data follow the signed object`);
  const parts = [...children(der, outer)];
  if (parts.length !== 3) throw new DerError(`a signed object has 3 elements, found ${parts.length}`);
  const [tbs, algorithm, signature] = parts as [Tlv, Tlv, Tlv];
  if (tbs.tag !== DER_TAG.sequence) throw new DerError(`expected the signed SEQUENCE at offset ${tbs.start}, found tag 0x${tbs.tag.toString(16)}`);
  if (algorithm.tag !== DER_TAG.sequence) throw new DerError(`expected AlgorithmIdentifier at offset ${algorithm.start}`);
  if (signature.tag !== DER_TAG.bitString) throw new DerError(`expected the signature BIT STRING at offset ${signature.start}`);
  const { algorithmOid, algorithmParams } = algorithmIdentifierOf(der, algorithm);
  const bits = decodeBitString(der, signature);
  if (bits.unusedBits !== 0) throw new DerError('the signature BIT STRING has unused bits');
  return { tbs: tlvBytes(der, tbs), algorithmOid, algorithmParams, signature: bits.bytes };
}

/** AlgorithmIdentifier ::= SEQUENCE { algorithm OID, parameters ANY OPTIONAL }. */
export function algorithmIdentifierOf(der: Uint8Array, sequence: Tlv): { algorithmOid: string; algorithmParams: Buffer | undefined } {
  const oid = expectTlv(der, sequence.valueStart, DER_TAG.oid, 'algorithm OID', sequence.end);
  if (oid.end === oid.valueStart) throw new DerError(`empty OID at offset ${oid.start}`);
  let algorithmParams: Buffer | undefined;
  if (oid.end < sequence.end) {
    const params = readTlv(der, oid.end, sequence.end);
    if (params.end !== sequence.end) throw new DerError(`unexpected data after the parameters of the AlgorithmIdentifier at offset ${sequence.start}`);
    algorithmParams = tlvBytes(der, params);
  }
  return { algorithmOid: decodeOid(der, oid), algorithmParams };
}

function refuse(reason: SignatureFailure, message: string): SignatureVerdict {
  return { ok: false, reason, message };
}

interface PssParams {
  readonly hash: Hash;
  readonly mgf1Hash: Hash;
  readonly saltLength: number;
}

/** A hash AlgorithmIdentifier (parameters absent or NULL). */
function hashOf(der: Buffer, tlv: Tlv): Hash {
  if (tlv.tag !== DER_TAG.sequence) throw new DerError('hash AlgorithmIdentifier is not a SEQUENCE');
  const { algorithmOid, algorithmParams } = algorithmIdentifierOf(der, tlv);
  if (algorithmParams && !algorithmParams.equals(NULL_DER)) throw new DerError(`unexpected parameters for hash ${algorithmOid}`);
  const hash = HASH_OIDS.get(algorithmOid);
  if (!hash) throw new UnsupportedHash(algorithmOid);
  return hash;
}

class UnsupportedHash extends Error {
  constructor(readonly oid: string) {
    super(`hash ${oid} is not allowed`);
  }
}

/**
 * RSASSA-PSS-params ::= SEQUENCE { hashAlgorithm [0] DEFAULT sha1, maskGenAlgorithm [1] DEFAULT
 * mgf1SHA1, saltLength [2] INTEGER DEFAULT 20, trailerField [3] INTEGER DEFAULT 1 } (RFC 4055).
 */
function pssParamsOf(params: Buffer | undefined): PssParams {
  let hash: Hash = 'sha1';
  let mgf1Hash: Hash = 'sha1';
  let saltLength = 20;
  if (params === undefined) return { hash, mgf1Hash, saltLength };
  const sequence = expectTlv(params, 0, DER_TAG.sequence, 'RSASSA-PSS-params');
  if (sequence.end !== params.length) throw new DerError('trailing data after RSASSA-PSS-params');
  let lastTag = -1;
  for (const field of children(params, sequence)) {
    if (field.tag <= lastTag) throw new DerError('RSASSA-PSS-params fields out of order');
    lastTag = field.tag;
    const inner = readTlv(params, field.valueStart, field.end);
    if (inner.end !== field.end) throw new DerError('trailing data in an RSASSA-PSS-params field');
    switch (field.tag) {
      case 0xa0:
        hash = hashOf(params, inner);
        break;
      case 0xa1: {
        if (inner.tag !== DER_TAG.sequence) throw new DerError('maskGenAlgorithm is not a SEQUENCE');
        const mgf = algorithmIdentifierOf(params, inner);
        if (mgf.algorithmOid !== OID_MGF1) throw new UnsupportedHash(`mask generation function ${mgf.algorithmOid}`);
        if (!mgf.algorithmParams) throw new DerError('MGF1 without a hash');
        const mgfHash = readTlv(mgf.algorithmParams, 0);
        if (mgfHash.end !== mgf.algorithmParams.length) throw new DerError('trailing data after the MGF1 hash');
        mgf1Hash = hashOf(mgf.algorithmParams, mgfHash);
        break;
      }
      case 0xa2:
        if (inner.tag !== DER_TAG.integer) throw new DerError('saltLength is not an INTEGER');
        saltLength = decodeSmallInteger(params, inner);
        break;
      case 0xa3:
        if (inner.tag !== DER_TAG.integer || decodeSmallInteger(params, inner) !== 1) throw new DerError('trailerField must be 1');
        break;
      default:
        throw new DerError(`unexpected RSASSA-PSS-params field tag 0x${field.tag.toString(16)}`);
    }
  }
  return { hash, mgf1Hash, saltLength };
}

/**
 * Verifies `signed` with `publicKey`. The algorithm must be on the allow-list (SHA-1 only with
 * policy.allowSha1), the key type must suit the algorithm, the key must be strong enough (RSA ≥ 2048,
 * P-256/384/521), and the signature must be valid over `signed.tbs`.
 */
export function verifySignature(signed: SignedObject, publicKey: KeyObject, policy: SignaturePolicy): SignatureVerdict {
  const algorithm = SIGNATURE_ALGORITHMS.get(signed.algorithmOid);
  if (!algorithm) {
    const name = REFUSED_NAMES.get(signed.algorithmOid) ?? signed.algorithmOid;
    return refuse('algorithm_not_allowed', `signature algorithm ${name} is not allowed (use SHA-256 or stronger with RSA, ECDSA or Ed25519)`);
  }

  // Parameters: NULL or absent for RSA PKCS#1 v1.5 (RFC 4055 says NULL; some encoders omit it),
  // absent for ECDSA and Ed25519 (RFC 5758, RFC 8410), RSASSA-PSS-params for PSS.
  let hash = algorithm.hash;
  let saltLength: number | undefined;
  const params = signed.algorithmParams;
  if (algorithm.scheme === 'rsa-pss') {
    let pss: PssParams;
    try {
      pss = pssParamsOf(params);
    } catch (error) {
      if (error instanceof UnsupportedHash) return refuse('algorithm_not_allowed', `RSASSA-PSS with ${error.oid} is not allowed`);
      return refuse('algorithm_not_allowed', `malformed RSASSA-PSS parameters: ${(error as Error).message}`);
    }
    if (pss.mgf1Hash !== pss.hash) {
      return refuse('algorithm_not_allowed', `RSASSA-PSS with MGF1 hash ${pss.mgf1Hash} differing from the message hash ${pss.hash} is not allowed`);
    }
    hash = pss.hash;
    saltLength = pss.saltLength;
  } else if (algorithm.scheme === 'rsa-pkcs1') {
    if (params && !params.equals(NULL_DER)) return refuse('algorithm_not_allowed', `${algorithm.name} with parameters other than NULL`);
  } else if (params) {
    return refuse('algorithm_not_allowed', `${algorithm.name} must not carry algorithm parameters`);
  }
  if (hash === 'sha1' && !policy.allowSha1) {
    return refuse('algorithm_not_allowed', `${algorithm.name}${algorithm.scheme === 'rsa-pss' ? ' with SHA-1' : ''} is not allowed (SHA-1 signatures are disabled)`);
  }

  const keyType = publicKey.type === 'secret' ? 'secret' : (publicKey.asymmetricKeyType ?? 'unknown');
  if (!KEY_TYPES[algorithm.scheme].includes(keyType)) {
    return refuse('key_mismatch', `a ${keyType} key cannot verify a ${algorithm.name} signature`);
  }
  const strength = checkPublicKey(publicKey);
  if (!strength.ok) return refuse('weak_key', strength.reason);

  let valid: boolean;
  try {
    switch (algorithm.scheme) {
      case 'rsa-pkcs1':
        valid = verify(hash ?? null, signed.tbs, { key: publicKey, padding: constants.RSA_PKCS1_PADDING }, signed.signature);
        break;
      case 'rsa-pss':
        valid = verify(hash ?? null, signed.tbs, { key: publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: saltLength ?? 20 }, signed.signature);
        break;
      case 'ecdsa':
        valid = verify(hash ?? null, signed.tbs, { key: publicKey, dsaEncoding: 'der' }, signed.signature);
        break;
      case 'ed25519':
        valid = verify(null, signed.tbs, publicKey, signed.signature);
        break;
    }
  } catch (error) {
    // OpenSSL errors on some malformed signatures (and on PSS keys whose own restrictions conflict).
    return refuse('bad_signature', `${algorithm.name} signature could not be verified: ${(error as Error).message}`);
  }
  return valid ? { ok: true } : refuse('bad_signature', `the ${algorithm.name} signature does not verify with the given key`);
}
