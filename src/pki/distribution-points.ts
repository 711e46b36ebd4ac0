// CRL distribution points (RFC 5280 §4.2.1.13) and the issuingDistributionPoint CRL extension
// (§5.2.5), decoded for §6.3's scope checks: which CRL may speak for which certificate, and for which
// revocation reasons. Names are compared with sameName (RFC 5280 §7.1) where they are directory names.
import { children, decodeBitString, decodeBoolean, DerError, expectTlv, readTlv, tlvBytes, type Tlv } from './der.ts';
import { namesEqual } from './name-compare.ts';

/** A GeneralName: its context tag (0x86 URI, 0xa4 directoryName, …) and its DER (for a directoryName, the Name). */
export interface GeneralName {
  readonly tag: number;
  readonly value: Buffer;
}

export interface DistributionPointName {
  readonly fullName?: readonly GeneralName[];
  /** nameRelativeToCRLIssuer: the DER of one RelativeDistinguishedName (a SET). */
  readonly relativeName?: Buffer;
}

export interface DistributionPoint {
  readonly name?: DistributionPointName;
  /** Reason bits (REASON_BIT); undefined = all reasons. */
  readonly reasons?: number;
  readonly crlIssuer?: readonly GeneralName[];
}

export interface IssuingDistributionPoint {
  readonly name?: DistributionPointName;
  readonly onlyUserCerts: boolean;
  readonly onlyCaCerts: boolean;
  /** Reason bits; undefined = all reasons. */
  readonly onlySomeReasons?: number;
  readonly indirectCrl: boolean;
  readonly onlyAttributeCerts: boolean;
}

/** ReasonFlags bits 1..8 (keyCompromise … aACompromise) as a mask; bit 0 (unused) is never set. */
export const ALL_REASONS = 0x1fe;

const DIRECTORY_NAME = 0xa4;

/** Whether two Names are the same (RFC 5280 §7.1, name-compare.ts). The one place the CRL code compares names. */
export function sameName(a: Buffer, b: Buffer): boolean {
  return namesEqual(a, b);
}

/** CRLDistributionPoints ::= SEQUENCE SIZE (1..MAX) OF DistributionPoint. Throws DerError when malformed. */
export function parseCrlDistributionPoints(value: Buffer): DistributionPoint[] {
  const sequence = expectTlv(value, 0, 0x30, 'CRLDistributionPoints');
  if (sequence.end !== value.length) throw new DerError('trailing data after CRLDistributionPoints');
  const points: DistributionPoint[] = [];
  for (const point of children(value, sequence)) {
    if (point.tag !== 0x30) throw new DerError('DistributionPoint is not a SEQUENCE');
    let name: DistributionPointName | undefined;
    let reasons: number | undefined;
    let crlIssuer: GeneralName[] | undefined;
    for (const field of children(value, point)) {
      if (field.tag === 0xa0) name = distributionPointName(value, field);
      else if (field.tag === 0x81) reasons = reasonBits(value, field);
      else if (field.tag === 0xa2) crlIssuer = generalNames(value, field);
      else throw new DerError(`unexpected DistributionPoint field tag 0x${field.tag.toString(16)}`);
    }
    // RFC 5280: a DistributionPoint must not consist of reasons alone.
    if (!name && !crlIssuer) throw new DerError('a DistributionPoint has neither a name nor a cRLIssuer');
    points.push({ ...(name ? { name } : {}), ...(reasons === undefined ? {} : { reasons }), ...(crlIssuer ? { crlIssuer } : {}) });
  }
  if (points.length === 0) throw new DerError('empty CRLDistributionPoints');
  return points;
}

/** IssuingDistributionPoint (the extension value's SEQUENCE). Throws DerError when malformed. */
export function parseIssuingDistributionPoint(value: Buffer): IssuingDistributionPoint {
  const sequence = expectTlv(value, 0, 0x30, 'IssuingDistributionPoint');
  if (sequence.end !== value.length) throw new DerError('trailing data after IssuingDistributionPoint');
  let name: DistributionPointName | undefined;
  let onlySomeReasons: number | undefined;
  const flags = { onlyUserCerts: false, onlyCaCerts: false, indirectCrl: false, onlyAttributeCerts: false };
  const flagOf: Record<number, keyof typeof flags> = { 0x81: 'onlyUserCerts', 0x82: 'onlyCaCerts', 0x84: 'indirectCrl', 0x85: 'onlyAttributeCerts' };
  for (const field of children(value, sequence)) {
    const flag = flagOf[field.tag];
    if (field.tag === 0xa0) name = distributionPointName(value, field);
    else if (field.tag === 0x83) onlySomeReasons = reasonBits(value, field);
    else if (flag) flags[flag] = decodeBoolean(value, field);
    else throw new DerError(`unexpected IssuingDistributionPoint field tag 0x${field.tag.toString(16)}`);
  }
  if ([flags.onlyUserCerts, flags.onlyCaCerts, flags.onlyAttributeCerts].filter(Boolean).length > 1) {
    throw new DerError('an IssuingDistributionPoint may assert only one of onlyContainsUserCerts, onlyContainsCACerts and onlyContainsAttributeCerts');
  }
  return { ...(name ? { name } : {}), ...(onlySomeReasons === undefined ? {} : { onlySomeReasons }), ...flags };
}

/** GeneralNames ::= SEQUENCE OF GeneralName, here the contents of an IMPLICIT [n] wrapper. */
export function generalNames(der: Buffer, wrapper: Tlv): GeneralName[] {
  const names: GeneralName[] = [];
  for (const name of children(der, wrapper)) {
    if ((name.tag & 0x80) !== 0x80) throw new DerError(`a GeneralName has the non-context tag 0x${name.tag.toString(16)}`);
    if (name.tag === DIRECTORY_NAME) {
      const inner = expectTlv(der, name.valueStart, 0x30, 'directoryName', name.end);
      if (inner.end !== name.end) throw new DerError('trailing data in a directoryName');
      names.push({ tag: DIRECTORY_NAME, value: tlvBytes(der, inner) });
    } else {
      names.push({ tag: name.tag, value: tlvBytes(der, name) });
    }
  }
  if (names.length === 0) throw new DerError('empty GeneralNames');
  return names;
}

function distributionPointName(der: Buffer, field: Tlv): DistributionPointName {
  const choice = readTlv(der, field.valueStart, field.end);
  if (choice.end !== field.end) throw new DerError('trailing data in a DistributionPointName');
  if (choice.tag === 0xa0) return { fullName: generalNames(der, choice) };
  if (choice.tag === 0xa1) {
    // [1] IMPLICIT RelativeDistinguishedName: re-tag the contents as the SET it stands for.
    return { relativeName: Buffer.concat([derHeader(0x31, choice.end - choice.valueStart), der.subarray(choice.valueStart, choice.end)]) };
  }
  throw new DerError(`unexpected DistributionPointName tag 0x${choice.tag.toString(16)}`);
}

function reasonBits(der: Buffer, field: Tlv): number {
  const { bytes } = decodeBitString(der, field);
  let mask = 0;
  for (let bit = 0; bit < Math.min(bytes.length * 8, 9); bit++) {
    if (((bytes[bit >> 3] as number) >> (7 - (bit & 7))) & 1) mask |= 1 << bit;
  }
  return mask & ALL_REASONS;
}

/** The full names a DistributionPointName stands for: a relative name joined to the issuer's Name. */
export function fullNamesOf(name: DistributionPointName, relativeTo: Buffer): GeneralName[] {
  if (name.fullName) return [...name.fullName];
  if (!name.relativeName) return [];
  const issuer = readTlv(relativeTo, 0);
  const content = Buffer.concat([relativeTo.subarray(issuer.valueStart, issuer.end), name.relativeName]);
  return [{ tag: DIRECTORY_NAME, value: Buffer.concat([derHeader(0x30, content.length), content]) }];
}

/** Whether two lists of GeneralNames share a name (directory names per §7.1, others byte for byte). */
export function shareAName(a: readonly GeneralName[], b: readonly GeneralName[]): boolean {
  return a.some((x) => b.some((y) => x.tag === y.tag && (x.tag === DIRECTORY_NAME ? sameName(x.value, y.value) : x.value.equals(y.value))));
}

/** Whether the GeneralNames include this directory Name. */
export function includesDirectoryName(names: readonly GeneralName[], name: Buffer): boolean {
  return names.some((n) => n.tag === DIRECTORY_NAME && sameName(n.value, name));
}

function derHeader(tag: number, length: number): Buffer {
  if (length < 0x80) return Buffer.from([tag, length]);
  const octets: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) octets.unshift(n & 0xff);
  return Buffer.from([tag, 0x80 | octets.length, ...octets]);
}
