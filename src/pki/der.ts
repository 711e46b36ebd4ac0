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
  return readTlvInto(bytes, offset, limit, { tag: 0, start: 0, valueStart: 0, end: 0 });
}

export function expectTlv(bytes: Uint8Array, offset: number, tag: number, what: string, limit = bytes.length): Tlv {
  const tlv = readTlv(bytes, offset, limit);
  if (tlv.tag !== tag) {
    throw new DerError(`expected ${what} (tag 0x${tag.toString(16)}) at offset ${offset}, found tag 0x${tlv.tag.toString(16)}`);
  }
  return tlv;
}

/** Whether the bytes are one complete SEQUENCE TLV and nothing else: ASN.1 DER on the outside at least. */
export function isOneSequence(bytes: Uint8Array): boolean {
  try {
    const outer = readTlv(bytes, 0);
    return outer.tag === DER_TAG.sequence && outer.end === bytes.length;
  } catch {
    return false;
  }
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

// ---------------------------------------------------------------------------------------------
// Primitive values (added for signatures and CRLs). Each takes a TLV whose tag the caller checked.

/** Tags of the primitive types the helpers below decode. */
export const DER_PRIMITIVE_TAG = {
  boolean: 0x01,
  null: 0x05,
  enumerated: 0x0a,
  utcTime: 0x17,
  generalizedTime: 0x18,
} as const;

/** BOOLEAN: exactly one octet, 0x00 or 0xFF (DER). */
export function decodeBoolean(bytes: Uint8Array, tlv: Tlv): boolean {
  if (tlv.end - tlv.valueStart !== 1) throw new DerError(`BOOLEAN at offset ${tlv.start} is not one octet`);
  const value = bytes[tlv.valueStart] as number;
  if (value !== 0x00 && value !== 0xff) throw new DerError(`BOOLEAN at offset ${tlv.start} is neither 0x00 nor 0xFF`);
  return value === 0xff;
}

/** Throws unless the INTEGER (or ENUMERATED) contents are non-empty and minimally encoded. */
export function checkIntegerEncoding(bytes: Uint8Array, tlv: Tlv): void {
  const length = tlv.end - tlv.valueStart;
  if (length === 0) throw new DerError(`empty INTEGER at offset ${tlv.start}`);
  if (length > 1) {
    const first = bytes[tlv.valueStart] as number;
    const second = bytes[tlv.valueStart + 1] as number;
    if ((first === 0x00 && second < 0x80) || (first === 0xff && second >= 0x80)) {
      throw new DerError(`non-minimal INTEGER encoding at offset ${tlv.start}`);
    }
  }
}

/** INTEGER (or ENUMERATED) as a bigint, two's complement, minimal encoding required. */
export function decodeInteger(bytes: Uint8Array, tlv: Tlv): bigint {
  checkIntegerEncoding(bytes, tlv);
  let value = 0n;
  for (let i = tlv.valueStart; i < tlv.end; i++) value = (value << 8n) | BigInt(bytes[i] as number);
  if (((bytes[tlv.valueStart] as number) & 0x80) !== 0) value -= 1n << BigInt(8 * (tlv.end - tlv.valueStart));
  return value;
}

/** INTEGER (or ENUMERATED) that must fit a non-negative safe integer (e.g. a reason code, a salt length). */
export function decodeSmallInteger(bytes: Uint8Array, tlv: Tlv): number {
  const value = decodeInteger(bytes, tlv);
  if (value < 0n || value > BigInt(Number.MAX_SAFE_INTEGER)) throw new DerError(`INTEGER at offset ${tlv.start} is out of range`);
  return Number(value);
}

/** INTEGER contents as uppercase hex, exactly as encoded (sign octet included). */
export function integerHex(bytes: Uint8Array, tlv: Tlv): string {
  checkIntegerEncoding(bytes, tlv);
  return Buffer.from(bytes.buffer, bytes.byteOffset + tlv.valueStart, tlv.end - tlv.valueStart).toString('hex').toUpperCase();
}

/** BIT STRING: the unused-bits count and the content octets after it (a view, not a copy). */
export function decodeBitString(bytes: Uint8Array, tlv: Tlv): { unusedBits: number; bytes: Buffer } {
  if (tlv.end === tlv.valueStart) throw new DerError(`empty BIT STRING at offset ${tlv.start}`);
  const unusedBits = bytes[tlv.valueStart] as number;
  if (unusedBits > 7 || (unusedBits > 0 && tlv.end - tlv.valueStart === 1)) {
    throw new DerError(`invalid unused-bits count ${unusedBits} in BIT STRING at offset ${tlv.start}`);
  }
  if (unusedBits > 0 && ((bytes[tlv.end - 1] as number) & ((1 << unusedBits) - 1)) !== 0) {
    throw new DerError(`non-zero padding bits in BIT STRING at offset ${tlv.start}`);
  }
  return { unusedBits, bytes: Buffer.from(bytes.buffer, bytes.byteOffset + tlv.valueStart + 1, tlv.end - tlv.valueStart - 1) };
}

function digitsAt(bytes: Uint8Array, offset: number, count: number, what: string): number {
  let value = 0;
  for (let i = 0; i < count; i++) {
    const c = (bytes[offset + i] as number) - 0x30;
    if (c < 0 || c > 9) throw new DerError(`invalid ${what} at offset ${offset}`);
    value = value * 10 + c;
  }
  return value;
}

/**
 * UTCTime (YYMMDDHHMMSSZ; YY < 50 → 20YY, else 19YY) or GeneralizedTime (YYYYMMDDHHMMSSZ) as RFC 5280
 * profiles them: seconds present, Zulu, no fractions. Returns milliseconds since the epoch (no Date
 * allocated).
 */
export function decodeTimeMillis(bytes: Uint8Array, tlv: Tlv): number {
  const offset = checkTime(bytes, tlv);
  const year = tlv.tag === DER_PRIMITIVE_TAG.utcTime ? utcYear(bytes, tlv.valueStart) : digitsAt(bytes, tlv.valueStart, 4, 'GeneralizedTime');
  return Date.UTC(
    year,
    digitsAt(bytes, offset, 2, 'time') - 1,
    digitsAt(bytes, offset + 2, 2, 'time'),
    digitsAt(bytes, offset + 4, 2, 'time'),
    digitsAt(bytes, offset + 6, 2, 'time'),
    digitsAt(bytes, offset + 8, 2, 'time'),
  );
}

function utcYear(bytes: Uint8Array, offset: number): number {
  const yy = digitsAt(bytes, offset, 2, 'UTCTime');
  return yy < 50 ? 2000 + yy : 1900 + yy;
}

/**
 * Validates a UTCTime or GeneralizedTime as decodeTimeMillis reads it, without computing the time (for
 * bulk scans). Returns the offset of the month digits.
 */
export function checkTime(bytes: Uint8Array, tlv: Tlv): number {
  const length = tlv.end - tlv.valueStart;
  let offset = tlv.valueStart;
  let year: number;
  if (tlv.tag === DER_PRIMITIVE_TAG.utcTime) {
    if (length !== 13) throw new DerError(`UTCTime at offset ${tlv.start} is not YYMMDDHHMMSSZ`);
    year = utcYear(bytes, offset);
    offset += 2;
  } else if (tlv.tag === DER_PRIMITIVE_TAG.generalizedTime) {
    if (length !== 15) throw new DerError(`GeneralizedTime at offset ${tlv.start} is not YYYYMMDDHHMMSSZ`);
    year = digitsAt(bytes, offset, 4, 'GeneralizedTime');
    offset += 4;
  } else {
    throw new DerError(`expected UTCTime or GeneralizedTime at offset ${tlv.start}, found tag 0x${tlv.tag.toString(16)}`);
  }
  const month = digitsAt(bytes, offset, 2, 'time');
  const day = digitsAt(bytes, offset + 2, 2, 'time');
  const hour = digitsAt(bytes, offset + 4, 2, 'time');
  const minute = digitsAt(bytes, offset + 6, 2, 'time');
  const second = digitsAt(bytes, offset + 8, 2, 'time');
  if (bytes[offset + 10] !== 0x5a) throw new DerError(`time at offset ${tlv.start} does not end in Z`);
  // Checked by hand: Date.UTC rolls 31 February over into March and reads years 0..99 as 19xx.
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const daysInMonth = month === 2 ? (leap ? 29 : 28) : month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
  if (year < 100 || month < 1 || month > 12 || day < 1 || day > daysInMonth || hour > 23 || minute > 59 || second > 59) {
    throw new DerError(`invalid date or time at offset ${tlv.start}`);
  }
  return offset;
}

/** decodeTimeMillis as a Date. */
export function decodeTime(bytes: Uint8Array, tlv: Tlv): Date {
  return new Date(decodeTimeMillis(bytes, tlv));
}

/** The whole TLV (header and value) as a Buffer view. */
export function tlvBytes(bytes: Uint8Array, tlv: Tlv): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset + tlv.start, tlv.end - tlv.start);
}

/** The value octets of a TLV as a Buffer view. */
export function tlvValue(bytes: Uint8Array, tlv: Tlv): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset + tlv.valueStart, tlv.end - tlv.valueStart);
}

/** A Tlv whose fields can be overwritten: for allocation-free scans with readTlvInto. */
export interface MutableTlv {
  tag: number;
  start: number;
  valueStart: number;
  end: number;
}

export function newTlv(): MutableTlv {
  return { tag: 0, start: 0, valueStart: 0, end: 0 };
}

/**
 * readTlv without allocating: the same checks and errors, the result written into `out` (which is
 * returned). For hot loops over many elements (CRL entries).
 */
export function readTlvInto(bytes: Uint8Array, offset: number, limit: number, out: MutableTlv): MutableTlv {
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
  out.tag = tag;
  out.start = offset;
  out.valueStart = cursor;
  out.end = end;
  return out;
}
