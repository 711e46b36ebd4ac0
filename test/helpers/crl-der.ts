// DER writing for CRLs that @peculiar/x509 cannot make (entry extensions, versions, GeneralizedTime,
// hundreds of thousands of entries), shared by the CRL tests and the CRL benchmark.
import assert from 'node:assert/strict';
import { KeyObject, randomBytes, sign } from 'node:crypto';
import { derInteger, derTlv, type TestCert, x509 } from './certs.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export function oidDer(oid: string): Buffer {
  const parts = oid.split('.').map(Number);
  const values = [(parts[0] ?? 0) * 40 + (parts[1] ?? 0), ...parts.slice(2)];
  const bytes: number[] = [];
  for (const value of values) {
    const chunk = [value & 0x7f];
    for (let v = Math.floor(value / 128); v > 0; v = Math.floor(v / 128)) chunk.unshift((v & 0x7f) | 0x80);
    bytes.push(...chunk);
  }
  return derTlv(0x06, Buffer.from(bytes));
}

export function extension(oid: string, critical: boolean, value: Buffer): Buffer {
  return derTlv(0x30, oidDer(oid), ...(critical ? [Buffer.from('0101ff', 'hex')] : []), derTlv(0x04, value));
}

export function two(n: number): string {
  return String(n).padStart(2, '0');
}

export function utcTime(date: Date): Buffer {
  const d = date;
  const text = `${two(d.getUTCFullYear() % 100)}${two(d.getUTCMonth() + 1)}${two(d.getUTCDate())}${two(d.getUTCHours())}${two(d.getUTCMinutes())}${two(d.getUTCSeconds())}Z`;
  return derTlv(0x17, Buffer.from(text, 'latin1'));
}

export function generalizedTime(date: Date): Buffer {
  const d = date;
  const text = `${d.getUTCFullYear()}${two(d.getUTCMonth() + 1)}${two(d.getUTCDate())}${two(d.getUTCHours())}${two(d.getUTCMinutes())}${two(d.getUTCSeconds())}Z`;
  return derTlv(0x18, Buffer.from(text, 'latin1'));
}

export const ECDSA_SHA256 = derTlv(0x30, oidDer('1.2.840.10045.4.3.2'));

export const REASON = (code: number): Buffer => extension('2.5.29.21', false, derTlv(0x0a, Buffer.from([code])));

export function issuerNameOf(ca: TestCert): Buffer {
  return Buffer.from(ca.cert.subjectName.toArrayBuffer());
}

export function akiOf(ca: TestCert): Buffer {
  return extension('2.5.29.35', false, derTlv(0x30, derTlv(0x80, Buffer.from(skiOf(ca), 'hex'))));
}

export interface BigCrl {
  der: Buffer;
  serials: (i: number) => string;
  dates: Date[];
}

function skiOf(ca: TestCert): string {
  const ski = ca.cert.getExtension(x509.SubjectKeyIdentifierExtension);
  assert.ok(ski, 'CA without subjectKeyIdentifier');
  return ski.keyId.toUpperCase();
}

/**
 * Writes a CRL with `count` entries straight into one buffer: 16-byte serials (random, with the
 * entry index in the last four octets; `serialBytes` from 5 to 90 for others), UTCTime dates from a
 * small rotating set, a reasonCode on every tenth entry. Signed with ECDSA P-256 / SHA-256 by node:crypto.
 */
export function bigCrl(ca: TestCert, count: number, { serialBytes = 16 }: { serialBytes?: number } = {}): BigCrl {
  assert.ok(serialBytes >= 5 && serialBytes <= 90, 'serialBytes from 5 to 90 (an entry stays under 128 bytes)');
  const SERIAL = serialBytes;
  const base = Date.UTC(2025, 0, 1);
  const dates = Array.from({ length: 997 }, (_, i) => new Date(base + i * 61_000));
  const dateDers = dates.map(utcTime);
  const random = randomBytes(count * SERIAL);
  const reasonExtensions = (code: number): Buffer => derTlv(0x30, REASON(code));
  const reasons = Array.from({ length: 11 }, (_, code) => reasonExtensions(code));
  const plainEntry = 2 + 2 + SERIAL + 15;
  const withReason = plainEntry + (reasons[1] as Buffer).length;
  const total = count * plainEntry + Math.ceil(count / 10) * (withReason - plainEntry);
  const body = Buffer.allocUnsafe(total);
  let offset = 0;
  for (let i = 0; i < count; i++) {
    const reason = i % 10 === 0 ? (reasons[1 + (i % 9)] as Buffer) : undefined;
    body[offset++] = 0x30;
    body[offset++] = 2 + SERIAL + 15 + (reason ? reason.length : 0);
    body[offset++] = 0x02;
    body[offset++] = SERIAL;
    random.copy(body, offset, i * SERIAL, i * SERIAL + SERIAL - 4);
    body[offset] = ((body[offset] as number) & 0x3f) | 0x40;
    body.writeUInt32BE(i, offset + SERIAL - 4);
    offset += SERIAL;
    (dateDers[i % dateDers.length] as Buffer).copy(body, offset);
    offset += 15;
    if (reason) {
      reason.copy(body, offset);
      offset += reason.length;
    }
  }
  assert.equal(offset, total);
  const tbs = derTlv(
    0x30,
    derInteger(1),
    ECDSA_SHA256,
    issuerNameOf(ca),
    utcTime(new Date(Date.now() - HOUR)),
    utcTime(new Date(Date.now() + 7 * DAY)),
    derTlv(0x30, body),
    derTlv(0xa0, derTlv(0x30, akiOf(ca), extension('2.5.29.20', false, derInteger(123456)))),
  );
  const signature = sign('sha256', tbs, { key: KeyObject.from(ca.keys.privateKey), dsaEncoding: 'der' });
  const der = derTlv(0x30, tbs, ECDSA_SHA256, derTlv(0x03, Buffer.from([0]), signature));
  const serials = (i: number): string => {
    const serial = Buffer.from(random.subarray(i * SERIAL, i * SERIAL + SERIAL));
    serial[0] = ((serial[0] as number) & 0x3f) | 0x40;
    serial.writeUInt32BE(i, SERIAL - 4);
    return serial.toString('hex').toUpperCase();
  };
  return { der, serials, dates };
}
