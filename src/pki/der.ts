// A minimal strict DER reader: tag, length and value bounds of one TLV at a time, without building
// objects per node. Hand-written because the ASN.1 libraries cap node counts (asn1js: 10 000) and
// allocate per node, which large bundles and CRLs exceed; here a walk costs nothing per element.

export class DerError extends Error {}

export interface Tlv {
  /** The identifier octet (single-octet tags only, which is all X.509 and PKCS#7 use). */
  readonly tag: number;
  /** Offset of the identifier octet. */
  readonly start: number;
  /** Offset of the first value octet. */
  readonly valueStart: number;
  /** Offset just past the value. */
  readonly end: number;
}

export const DER_TAG = {
  integer: 0x02,
  bitString: 0x03,
  octetString: 0x04,
  oid: 0x06,
  sequence: 0x30,
  set: 0x31,
  context0: 0xa0,
  context1: 0xa1,
  /** [0] IMPLICIT constructed, e.g. PKCS#7 certificates. */
  implicitConstructed0: 0xa0,
} as const;

export function readTlv(bytes: Uint8Array, offset: number, limit = bytes.length): Tlv {
  if (offset >= limit) throw new DerError(`unexpected end of data at offset ${offset}`);
  const tag = bytes[offset] as number;
  if ((tag & 0x1f) === 0x1f) throw new DerError(`multi-byte tag at offset ${offset} is not supported`);
  let cursor = offset + 1;
  if (cursor >= limit) throw new DerError(`truncated length at offset ${cursor}`);
  const first = bytes[cursor++] as number;
  let length: number;
  if (first < 0x80) {
    length = first;
  } else if (first === 0x80) {
    throw new DerError(`indefinite length (BER) at offset ${offset} is not DER`);
  } else {
    const octets = first & 0x7f;
    if (octets > 4) throw new DerError(`length of ${octets} octets at offset ${offset} is too large`);
    if (cursor + octets > limit) throw new DerError(`truncated length at offset ${cursor}`);
    length = 0;
    for (let i = 0; i < octets; i++) length = length * 256 + (bytes[cursor++] as number);
    if (length < 0x80 || (octets > 1 && bytes[offset + 2] === 0)) {
      throw new DerError(`non-minimal length encoding at offset ${offset}`);
    }
  }
  const end = cursor + length;
  if (end > limit) throw new DerError(`value at offset ${offset} runs past the end of its container`);
  return { tag, start: offset, valueStart: cursor, end };
}

export function expectTlv(bytes: Uint8Array, offset: number, tag: number, what: string, limit = bytes.length): Tlv {
  const tlv = readTlv(bytes, offset, limit);
  if (tlv.tag !== tag) {
    throw new DerError(`expected ${what} (tag 0x${tag.toString(16)}) at offset ${offset}, found tag 0x${tlv.tag.toString(16)}`);
  }
  return tlv;
}

/** The children of a constructed TLV, in order. */
export function* children(bytes: Uint8Array, parent: Tlv): Generator<Tlv> {
  let offset = parent.valueStart;
  while (offset < parent.end) {
    const child = readTlv(bytes, offset, parent.end);
    yield child;
    offset = child.end;
  }
}

/** Decodes an OBJECT IDENTIFIER value into dotted form. */
export function decodeOid(bytes: Uint8Array, tlv: Tlv): string {
  const parts: number[] = [];
  let value = 0;
  for (let i = tlv.valueStart; i < tlv.end; i++) {
    const byte = bytes[i] as number;
    value = value * 128 + (byte & 0x7f);
    if ((byte & 0x80) === 0) {
      if (parts.length === 0) {
        const first = value < 80 ? Math.floor(value / 40) : 2;
        parts.push(first, value - first * 40);
      } else {
        parts.push(value);
      }
      value = 0;
    }
  }
  return parts.join('.');
}
