// Checks an uncompressed EC public point against its named curve (y² = x³ - 3x + b mod p), so a key off
// its curve is refused at parse time with a message that says so. OpenSSL refuses such a key too, but
// only when it is imported and with a bare "decode error".

interface CurveParameters {
  readonly name: string;
  readonly p: bigint;
  readonly b: bigint;
  /** Bytes of one coordinate. */
  readonly size: number;
}

// SEC 2 / FIPS 186-4 domain parameters (a = -3 for all three).
const CURVES: Readonly<Record<string, CurveParameters>> = {
  prime256v1: {
    name: 'P-256',
    p: 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn,
    b: 0x5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604bn,
    size: 32,
  },
  secp384r1: {
    name: 'P-384',
    p: 0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffff0000000000000000ffffffffn,
    b: 0xb3312fa7e23ee7e4988e056be3f82d19181d9c6efe8141120314088f5013875ac656398d8a2ed19d2a85c8edd3ec2aefn,
    size: 48,
  },
  secp521r1: {
    name: 'P-521',
    p: (1n << 521n) - 1n,
    b: 0x0051953eb9618e1c9a1f929a21a0b68540eea2da725b99b315f3b8b489918ef109e156193951ec7e937b1652c0bd3bb1bf073573df883d2c34f1ef451fd46b503f00n,
    size: 66,
  },
};

/**
 * Why `point` (the subjectPublicKey octets) is no valid key on `namedCurve` (OpenSSL's name), or
 * undefined when it is. Compressed points are only checked for length: importing the key decides them.
 */
export function ecPointProblem(namedCurve: string, point: Uint8Array): string | undefined {
  const curve = CURVES[namedCurve];
  if (!curve) return undefined;
  const form = point[0];
  if (form === 0x02 || form === 0x03) {
    return point.length === 1 + curve.size ? undefined : `the compressed ${curve.name} point is ${point.length} bytes, expected ${1 + curve.size}`;
  }
  if (form !== 0x04) return `the ${curve.name} public key has an unknown point encoding (first byte 0x${(form ?? 0).toString(16).padStart(2, '0')})`;
  if (point.length !== 1 + 2 * curve.size) return `the ${curve.name} point is ${point.length} bytes, expected ${1 + 2 * curve.size}`;
  const x = bigintOf(point.subarray(1, 1 + curve.size));
  const y = bigintOf(point.subarray(1 + curve.size));
  if (x >= curve.p || y >= curve.p) return `a coordinate of the ${curve.name} public key is not below the field prime`;
  const { p, b } = curve;
  const left = (y * y) % p;
  const right = (((x * x) % p) * x - 3n * x + b) % p;
  if (left !== (right + p) % p) return `the EC public key is not a point on ${curve.name}`;
  return undefined;
}

function bigintOf(bytes: Uint8Array): bigint {
  return bytes.length === 0 ? 0n : BigInt(`0x${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('hex')}`);
}
