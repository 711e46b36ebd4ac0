// The key and signature algorithms the trust store accepts (RSA ≥ 2048, ECDSA P-256/384/521, Ed25519;
// SHA-2 signatures). Weak or legacy algorithms are refused by name so the message can say which.
import type { KeyObject } from 'node:crypto';

export const MIN_RSA_BITS = 2048;

const ALLOWED_SIGNATURES = new Map<string, string>([
  ['1.2.840.113549.1.1.11', 'sha256WithRSAEncryption'],
  ['1.2.840.113549.1.1.12', 'sha384WithRSAEncryption'],
  ['1.2.840.113549.1.1.13', 'sha512WithRSAEncryption'],
  ['1.2.840.113549.1.1.10', 'RSASSA-PSS'],
  ['1.2.840.10045.4.3.2', 'ecdsa-with-SHA256'],
  ['1.2.840.10045.4.3.3', 'ecdsa-with-SHA384'],
  ['1.2.840.10045.4.3.4', 'ecdsa-with-SHA512'],
  ['1.3.101.112', 'Ed25519'],
]);

const REFUSED_SIGNATURES = new Map<string, string>([
  ['1.2.840.113549.1.1.2', 'md2WithRSAEncryption'],
  ['1.2.840.113549.1.1.4', 'md5WithRSAEncryption'],
  ['1.2.840.113549.1.1.5', 'sha1WithRSAEncryption'],
  ['1.2.840.113549.1.1.14', 'sha224WithRSAEncryption'],
  ['1.2.840.10045.4.1', 'ecdsa-with-SHA1'],
  ['1.2.840.10045.4.3.1', 'ecdsa-with-SHA224'],
  ['1.2.840.10040.4.3', 'dsa-with-SHA1'],
  ['2.16.840.1.101.3.4.3.2', 'dsa-with-SHA256'],
  ['1.3.101.113', 'Ed448'],
]);

const ALLOWED_CURVES = new Map<string, string>([
  ['prime256v1', 'P-256'],
  ['P-256', 'P-256'],
  ['secp384r1', 'P-384'],
  ['P-384', 'P-384'],
  ['secp521r1', 'P-521'],
  ['P-521', 'P-521'],
]);

export type AlgorithmVerdict = { ok: true; name: string } | { ok: false; reason: string };

export function checkSignatureAlgorithm(oid: string): AlgorithmVerdict {
  const allowed = ALLOWED_SIGNATURES.get(oid);
  if (allowed) return { ok: true, name: allowed };
  const refused = REFUSED_SIGNATURES.get(oid);
  return { ok: false, reason: `signature algorithm ${refused ?? oid} is not allowed (use SHA-256 or stronger with RSA, ECDSA or Ed25519)` };
}

/** What matters of a public key for the allow-list: its type, RSA size, EC curve. */
export interface PublicKeyFacts {
  /** node's asymmetricKeyType names: rsa, rsa-pss, ec, ed25519, … */
  readonly type: string | undefined;
  readonly modulusLength?: number | undefined;
  /** OpenSSL's curve name (prime256v1, secp384r1, …); undefined for explicit parameters. */
  readonly namedCurve?: string | undefined;
}

export function checkPublicKey(key: KeyObject): AlgorithmVerdict {
  return checkPublicKeyFacts({ type: key.asymmetricKeyType, ...key.asymmetricKeyDetails });
}

export function checkPublicKeyFacts(key: PublicKeyFacts): AlgorithmVerdict {
  const details = key;
  switch (key.type) {
    case 'rsa':
    case 'rsa-pss': {
      const bits = details.modulusLength ?? 0;
      if (bits < MIN_RSA_BITS) return { ok: false, reason: `RSA key of ${bits} bits is too short (at least ${MIN_RSA_BITS})` };
      if (bits % 8 !== 0) return { ok: false, reason: `RSA key of ${bits} bits is not a whole number of octets` };
      return { ok: true, name: `RSA ${bits}` };
    }
    case 'ec': {
      const curve = ALLOWED_CURVES.get(details.namedCurve ?? '');
      if (!curve) return { ok: false, reason: `elliptic curve ${details.namedCurve ?? 'with explicit parameters'} is not allowed (P-256, P-384 or P-521)` };
      return { ok: true, name: `ECDSA ${curve}` };
    }
    case 'ed25519':
      return { ok: true, name: 'Ed25519' };
    default:
      return { ok: false, reason: `public key type ${key.type ?? 'unknown'} is not allowed (RSA, ECDSA or Ed25519)` };
  }
}
