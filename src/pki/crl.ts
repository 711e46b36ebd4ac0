// Indexes an X.509 v2 CRL (RFC 5280 §5) with a streaming walk of its DER: no object per revoked
// entry. The ASN.1 libraries allocate per node (@peculiar/x509 needs ~8.7 s and ~800 MB of heap for
// 100 000 entries, pkijs cannot parse 5 000); this walk validates every entry once, keeps for each one
// two 32-bit numbers (a hash of its serial and the entry's offset, in typed arrays grouped by hash),
// and reads an entry's serial, date and reason back from the DER only when it is looked up.
import { randomBytes } from 'node:crypto';
import {
  checkIntegerEncoding,
  checkTime,
  children,
  decodeBoolean,
  decodeInteger,
  decodeOid,
  decodeSmallInteger,
  decodeTimeMillis,
  DER_PRIMITIVE_TAG,
  DER_TAG,
  DerError,
  expectTlv,
  type MutableTlv,
  newTlv,
  readTlv,
  readTlvInto,
  type Tlv,
  tlvBytes,
  tlvValue,
} from './der.ts';
import { type GeneralName, generalNames } from './distribution-points.ts';
import { signedObjectOf, type SignedObject } from './signature.ts';
import { largeUint32Array } from '../caching/large-buffers.ts';

export type CrlProblemReason = 'malformed' | 'unsupported';

/** Why a CRL cannot be used: not valid DER / not a CRL ('malformed'), or outside what we implement. */
export class CrlProblem extends Error {
  constructor(
    readonly reason: CrlProblemReason,
    message: string,
  ) {
    super(message);
  }
}

export interface CrlRevocation {
  readonly revokedAt: Date;
  /** CRLReason (RFC 5280 §5.3.1) when the entry carries a reasonCode extension. */
  readonly reason: number | undefined;
}

/**
 * Which entries a lookup may return, by the certificate issuer the entry is for: undefined = the CRL's
 * own issuer, else the names of the last certificateIssuer entry extension before it (indirect CRLs,
 * RFC 5280 §5.3.3). The default takes only entries for the CRL's own issuer.
 */
export type EntryIssuerFilter = (certificateIssuer: readonly GeneralName[] | undefined) => boolean;

export interface CrlIndex {
  readonly der: Buffer;
  readonly signed: SignedObject;
  /** DER of the issuer Name (a view into `der`). */
  readonly issuer: Buffer;
  readonly thisUpdate: Date;
  readonly nextUpdate: Date | undefined;
  /** cRLNumber (2.5.29.20). */
  readonly crlNumber: bigint | undefined;
  /** Whether the cRLNumber extension is marked critical (RFC 5280: it must not be). */
  readonly crlNumberCritical: boolean;
  /** BaseCRLNumber of the deltaCRLIndicator (2.5.29.27): set only on delta CRLs. */
  readonly deltaBaseCrlNumber: bigint | undefined;
  /** keyIdentifier of the authorityKeyIdentifier (2.5.29.35), uppercase hex. */
  readonly authorityKeyIdentifier: string | undefined;
  /** The issuingDistributionPoint (2.5.29.28) extension value (DER of IssuingDistributionPoint), if present. */
  readonly issuingDistributionPoint: Buffer | undefined;
  /** Microsoft "Next CRL Publish" (1.3.6.1.4.1.311.21.4), when present and readable: when to pre-fetch. */
  readonly nextCrlPublish: Date | undefined;
  /**
   * OIDs of critical CRL extensions we do not handle: anything but cRLNumber, deltaCRLIndicator,
   * authorityKeyIdentifier and issuingDistributionPoint (whose scope the revocation check applies).
   * A relying party must not use a CRL that lists any.
   */
  readonly unknownCriticalExtensions: readonly string[];
  readonly entryCount: number;
  /**
   * Revocation of a serial (hex of the INTEGER contents, as `serialKey` returns it: compared as signed
   * integers, so 00FF is 255 and FF is -1; case does not matter), or undefined. A real revocation wins
   * over a removeFromCRL entry for the same serial.
   */
  lookup(serialHex: string, issuerFilter?: EntryIssuerFilter): CrlRevocation | undefined;
  /** Serials (serialKey form) listed for the CRL's own issuer with reason removeFromCRL (8) — meaningful in delta CRLs. */
  readonly removedFromCrl: ReadonlySet<string>;
  /** Whether any entry carries a certificateIssuer extension (entries for other CAs: an indirect CRL). */
  readonly hasCertificateIssuers: boolean;
}

export interface CrlLimits {
  /** More revoked entries than this → CrlProblem('unsupported'). Default: no limit. */
  readonly maxEntries?: number;
  /**
   * The entries the caller has set memory aside for: indexing stops with IndexBudgetExceeded on the first
   * entry past it, before its index uses more (the caller sets more aside and indexes again). Default: no limit.
   */
  readonly entryBudget?: number;
}

/**
 * The CRL has more revoked entries than CrlLimits.entryBudget: not a fault of the CRL, a signal to the
 * caller that its index needs more memory than was set aside for it.
 */
export class IndexBudgetExceeded extends Error {
  constructor(readonly entryBudget: number) {
    super(`the CRL has more than the ${entryBudget} revoked entries memory was set aside for`);
    this.name = 'IndexBudgetExceeded';
  }
}

export const CRL_REASON = {
  unspecified: 0,
  keyCompromise: 1,
  cACompromise: 2,
  affiliationChanged: 3,
  superseded: 4,
  cessationOfOperation: 5,
  certificateHold: 6,
  removeFromCRL: 8,
  privilegeWithdrawn: 9,
  aACompromise: 10,
} as const;

const REMOVE_FROM_CRL = CRL_REASON.removeFromCRL;

const OID_CRL_NUMBER = '2.5.29.20';
const OID_DELTA_CRL_INDICATOR = '2.5.29.27';
const OID_AUTHORITY_KEY_IDENTIFIER = '2.5.29.35';
const OID_ISSUING_DISTRIBUTION_POINT = '2.5.29.28';
const OID_MS_NEXT_CRL_PUBLISH = '1.3.6.1.4.1.311.21.4';

// Entry extension OIDs reasonCode (2.5.29.21) and invalidityDate (2.5.29.24) as DER value octets,
// recognised without decoding the OID.
const REASON_CODE_OID_BYTES = Buffer.from('551d15', 'hex');
const INVALIDITY_DATE_OID_BYTES = Buffer.from('551d18', 'hex');
const CERTIFICATE_ISSUER_OID_BYTES = Buffer.from('551d1d', 'hex');

/** The shortest possible revoked entry: 30 12 | 02 01 xx | 17 0d YYMMDDHHMMSSZ. */
const MIN_ENTRY_BYTES = 20;

/** The most revoked entries `bytes` of DER can hold (a bound for what an index of them can need). */
export function mostEntriesIn(bytes: number): number {
  return Math.floor(bytes / MIN_ENTRY_BYTES) + 1;
}

// The per-entry helpers are called through local bindings: a call through an imported binding can
// cost a property read per call once the module is transpiled to CommonJS (tsx, some bundlings),
// which was a third of the indexing time of a 500 000-entry CRL.
const readInto = readTlvInto;
const validTime = checkTime;
const validInteger = checkIntegerEncoding;
const TAG_SEQUENCE = DER_TAG.sequence;
const TAG_INTEGER = DER_TAG.integer;
const TAG_OID = DER_TAG.oid;
const TAG_OCTET_STRING = DER_TAG.octetString;
const TAG_BOOLEAN = DER_PRIMITIVE_TAG.boolean;
const TAG_ENUMERATED = DER_PRIMITIVE_TAG.enumerated;
const TAG_UTC_TIME = DER_PRIMITIVE_TAG.utcTime;
const TAG_GENERALIZED_TIME = DER_PRIMITIVE_TAG.generalizedTime;

/**
 * The lookup key of a serial number: its INTEGER contents, minimal two's complement, as uppercase hex.
 * Serials are signed integers: 00FF (255) and FF (-1) are different serials; a redundant sign octet
 * (00 before 00..7F, FF before 80..FF) does not change the key. The same serial gives the same key
 * whether it was read from a certificate or a CRL.
 */
export function serialKey(serialDer: Uint8Array): string {
  const start = minimalStart(serialDer, 0, serialDer.length);
  return Buffer.from(serialDer.buffer, serialDer.byteOffset + start, serialDer.length - start).toString('hex').toUpperCase();
}

/** Where the minimal two's complement encoding of the INTEGER contents bytes[start, end) begins. */
function minimalStart(bytes: Uint8Array, start: number, end: number): number {
  while (end - start > 1) {
    const first = bytes[start] as number;
    const second = bytes[start + 1] as number;
    if ((first === 0x00 && second < 0x80) || (first === 0xff && second >= 0x80)) start++;
    else break;
  }
  return start;
}

/** The DER of every "X509 CRL" block of PEM text, in order (other blocks are skipped). Linear scan, no regex. */
export function crlDerFromPem(text: string): Buffer[] {
  const begin = '-----BEGIN X509 CRL-----';
  const end = '-----END X509 CRL-----';
  const result: Buffer[] = [];
  let cursor = 0;
  for (;;) {
    const start = text.indexOf(begin, cursor);
    if (start < 0) return result;
    const stop = text.indexOf(end, start + begin.length);
    if (stop < 0) throw new CrlProblem('malformed', 'an X509 CRL PEM block has no END line');
    const body = text.slice(start + begin.length, stop).replace(/\s+/g, '');
    if (body.length === 0 || body.length % 4 === 1 || !/^[A-Za-z0-9+/]*={0,2}$/.test(body)) {
      throw new CrlProblem('malformed', 'an X509 CRL PEM block is not valid base64');
    }
    result.push(Buffer.from(body, 'base64'));
    cursor = stop + end.length;
  }
}

// ---------------------------------------------------------------------------------------------
// Serial hashing (FNV-1a over the serial's minimal encoding, seeded per process so crafted
// serials cannot be made to collide on purpose without knowing the seed).

const HASH_SEED = randomBytes(4).readUInt32LE(0) ^ 0x811c9dc5;

function hashSerial(bytes: Uint8Array, start: number, end: number): number {
  start = minimalStart(bytes, start, end);
  let hash = HASH_SEED;
  for (let i = start; i < end; i++) hash = Math.imul(hash ^ (bytes[i] as number), 0x01000193);
  return hash >>> 0;
}

function sameSerial(bytes: Uint8Array, start: number, end: number, wanted: Uint8Array): boolean {
  start = minimalStart(bytes, start, end);
  if (end - start !== wanted.length) return false;
  for (let i = 0; i < wanted.length; i++) if (bytes[start + i] !== wanted[i]) return false;
  return true;
}

function serialBytesOf(serialHex: string): Buffer {
  if (!/^[0-9A-Fa-f]+$/.test(serialHex)) throw new RangeError(`'${serialHex}' is not a hexadecimal serial number`);
  const bytes = Buffer.from(serialHex.length % 2 === 1 ? `0${serialHex}` : serialHex, 'hex');
  return bytes.subarray(minimalStart(bytes, 0, bytes.length));
}

// ---------------------------------------------------------------------------------------------
// Extensions

interface Extension {
  readonly oid: string;
  readonly critical: boolean;
  /** The OCTET STRING holding the extension value. */
  readonly value: Tlv;
}

/**
 * Extensions ::= SEQUENCE SIZE (1..MAX) OF SEQUENCE { extnID OID, critical BOOLEAN DEFAULT FALSE,
 * extnValue OCTET STRING }. Accepted although not DER: an explicitly encoded FALSE and an empty list
 * (both are written by real encoders).
 */
function extensionsOf(der: Buffer, list: Tlv): Extension[] {
  if (list.tag !== DER_TAG.sequence) throw new DerError(`expected Extensions SEQUENCE at offset ${list.start}`);
  const result: Extension[] = [];
  const seen = new Set<string>();
  for (const extension of children(der, list)) {
    if (extension.tag !== DER_TAG.sequence) throw new DerError(`expected Extension SEQUENCE at offset ${extension.start}`);
    const oidTlv = expectTlv(der, extension.valueStart, DER_TAG.oid, 'extnID', extension.end);
    let next = readTlv(der, oidTlv.end, extension.end);
    let critical = false;
    if (next.tag === DER_PRIMITIVE_TAG.boolean) {
      critical = decodeBoolean(der, next);
      next = readTlv(der, next.end, extension.end);
    }
    if (next.tag !== DER_TAG.octetString) throw new DerError(`expected extnValue OCTET STRING at offset ${next.start}`);
    if (next.end !== extension.end) throw new DerError(`unexpected data after extnValue at offset ${next.end}`);
    const oid = decodeOid(der, oidTlv);
    if (seen.has(oid)) throw new DerError(`extension ${oid} appears twice`);
    seen.add(oid);
    result.push({ oid, critical, value: next });
  }
  return result;
}

/** The single TLV an extension value (OCTET STRING contents) holds, with the expected tag. */
function extensionContent(der: Buffer, extension: Extension, tag: number, what: string): Tlv {
  const inner = expectTlv(der, extension.value.valueStart, tag, what, extension.value.end);
  if (inner.end !== extension.value.end) throw new DerError(`trailing data in the ${what} extension`);
  return inner;
}

function nonNegativeInteger(der: Buffer, extension: Extension, what: string): bigint {
  const value = decodeInteger(der, extensionContent(der, extension, DER_TAG.integer, what));
  if (value < 0n) throw new DerError(`negative ${what}`);
  return value;
}

/** AuthorityKeyIdentifier ::= SEQUENCE { keyIdentifier [0] IMPLICIT OCTET STRING OPTIONAL, [1] …, [2] … }. */
function authorityKeyIdOf(der: Buffer, extension: Extension): string | undefined {
  const sequence = extensionContent(der, extension, DER_TAG.sequence, 'authorityKeyIdentifier');
  for (const field of children(der, sequence)) {
    if (field.tag === 0x80) return tlvValue(der, field).toString('hex').toUpperCase();
    if (field.tag !== 0xa1 && field.tag !== 0x82) throw new DerError(`unexpected authorityKeyIdentifier field tag 0x${field.tag.toString(16)}`);
  }
  return undefined;
}

// Scratch TLVs for entryReason (synchronous and not re-entrant, so shared).
const scratchExtension = newTlv();
const scratchOid = newTlv();
const scratchField = newTlv();
const scratchValue = newTlv();
/** Set by entryReason: the certificateIssuer extension value (its OCTET STRING) of the entry read, if any. */
const scratchCertificateIssuer = newTlv();
let sawCertificateIssuer = false;

/**
 * Reads a revoked entry's crlEntryExtensions: returns the reasonCode (or -1 when absent) and notes a
 * certificateIssuer (sawCertificateIssuer, scratchCertificateIssuer); throws CrlProblem('unsupported')
 * for another critical extension than reasonCode, invalidityDate and certificateIssuer. An empty list
 * is accepted (RFC 5280 says SIZE (1..MAX), but @peculiar/x509, for one, writes empty ones).
 */
function entryReason(der: Buffer, list: Tlv): number {
  if (list.tag !== TAG_SEQUENCE) throw new DerError(`expected crlEntryExtensions SEQUENCE at offset ${list.start}`);
  let reason = -1;
  let offset = list.valueStart;
  let sawInvalidity = false;
  sawCertificateIssuer = false;
  while (offset < list.end) {
    const extension = readInto(der, offset, list.end, scratchExtension);
    if (extension.tag !== TAG_SEQUENCE) throw new DerError(`expected Extension SEQUENCE at offset ${extension.start}`);
    const oid = readInto(der, extension.valueStart, extension.end, scratchOid);
    if (oid.tag !== TAG_OID) throw new DerError(`expected extnID at offset ${oid.start}`);
    let next: MutableTlv = readInto(der, oid.end, extension.end, scratchField);
    let critical = false;
    if (next.tag === TAG_BOOLEAN) {
      critical = decodeBoolean(der, next);
      next = readInto(der, next.end, extension.end, scratchField);
    }
    if (next.tag !== TAG_OCTET_STRING || next.end !== extension.end) throw new DerError(`malformed entry extension at offset ${extension.start}`);
    if (oidIs(der, oid, REASON_CODE_OID_BYTES)) {
      if (reason !== -1) throw new DerError(`reasonCode appears twice in the entry extensions at offset ${list.start}`);
      const value = readInto(der, next.valueStart, next.end, scratchValue);
      if (value.tag !== TAG_ENUMERATED) throw new DerError(`reasonCode at offset ${value.start} is not ENUMERATED`);
      if (value.end !== next.end) throw new DerError(`trailing data in reasonCode at offset ${next.start}`);
      reason = decodeSmallInteger(der, value);
      if (reason > 255) throw new DerError(`reasonCode ${reason} out of range at offset ${value.start}`);
    } else if (oidIs(der, oid, INVALIDITY_DATE_OID_BYTES)) {
      if (sawInvalidity) throw new DerError(`invalidityDate appears twice at offset ${list.start}`);
      sawInvalidity = true;
    } else if (oidIs(der, oid, CERTIFICATE_ISSUER_OID_BYTES)) {
      if (sawCertificateIssuer) throw new DerError(`certificateIssuer appears twice at offset ${list.start}`);
      sawCertificateIssuer = true;
      scratchCertificateIssuer.start = next.start;
      scratchCertificateIssuer.valueStart = next.valueStart;
      scratchCertificateIssuer.end = next.end;
    } else if (critical) {
      throw new CrlProblem('unsupported', `revoked entry at offset ${list.start} has the critical extension ${decodeOid(der, oid)}`);
    }
    offset = extension.end;
  }
  return reason;
}

function oidIs(der: Buffer, oid: Tlv, wanted: Buffer): boolean {
  if (oid.end - oid.valueStart !== wanted.length) return false;
  for (let i = 0; i < wanted.length; i++) if (der[oid.valueStart + i] !== wanted[i]) return false;
  return true;
}

// ---------------------------------------------------------------------------------------------
// The index

function isTime(tag: number): boolean {
  return tag === DER_PRIMITIVE_TAG.utcTime || tag === DER_PRIMITIVE_TAG.generalizedTime;
}

/**
 * Parses and indexes a DER CRL (PEM: see crlDerFromPem). Strict DER; every entry is validated (serial
 * INTEGER, revocation time, entry extensions). Throws CrlProblem: 'malformed' for anything that is not
 * a well-formed v1/v2 CRL, 'unsupported' for a version above v2, an entry with an unknown critical
 * extension, or more entries than limits.maxEntries. The signature is not checked
 * here: verifySignature(index.signed, issuerKey, policy).
 */
export function indexCrl(der: Buffer, limits: CrlLimits = {}): CrlIndex {
  try {
    return buildIndex(der, limits);
  } catch (error) {
    if (error instanceof DerError) throw new CrlProblem('malformed', `not a valid DER CRL: ${error.message}`);
    throw error;
  }
}

function buildIndex(der: Buffer, limits: CrlLimits): CrlIndex {
  const signed = signedObjectOf(der);
  const outer = readTlv(der, 0);
  const tbs = readTlv(der, outer.valueStart, outer.end);
  const outerAlgorithm = readTlv(der, tbs.end, outer.end);

  let cursor = tbs.valueStart;
  const next = (): Tlv | undefined => (cursor < tbs.end ? readTlv(der, cursor, tbs.end) : undefined);
  let field = next();

  // version Version OPTIONAL — if present, MUST be v2 (INTEGER 1).
  let version = 1;
  if (field?.tag === DER_TAG.integer) {
    const value = decodeInteger(der, field);
    if (value === 0n) throw new DerError('version v1 must be omitted, not encoded');
    if (value !== 1n) throw new CrlProblem('unsupported', `CRL version ${value + 1n} is not supported (v2 only)`);
    version = 2;
    cursor = field.end;
    field = next();
  }

  // signature AlgorithmIdentifier — must equal the outer signatureAlgorithm.
  if (field?.tag !== DER_TAG.sequence) throw new DerError('TBSCertList.signature AlgorithmIdentifier is missing');
  if (!tlvBytes(der, field).equals(tlvBytes(der, outerAlgorithm))) {
    throw new DerError('TBSCertList.signature differs from the outer signatureAlgorithm');
  }
  cursor = field.end;

  const issuerTlv = expectTlv(der, cursor, DER_TAG.sequence, 'issuer Name', tbs.end);
  cursor = issuerTlv.end;

  const thisUpdateTlv = readTlv(der, cursor, tbs.end);
  if (!isTime(thisUpdateTlv.tag)) throw new DerError('thisUpdate is missing or not a Time');
  const thisUpdate = new Date(decodeTimeMillis(der, thisUpdateTlv));
  cursor = thisUpdateTlv.end;
  field = next();

  let nextUpdate: Date | undefined;
  if (field && isTime(field.tag)) {
    nextUpdate = new Date(decodeTimeMillis(der, field));
    cursor = field.end;
    field = next();
  }

  let revoked: Tlv | undefined;
  if (field?.tag === DER_TAG.sequence) {
    revoked = field;
    cursor = field.end;
    field = next();
  }

  let crlExtensions: Extension[] = [];
  if (field?.tag === DER_TAG.context0) {
    const list = readTlv(der, field.valueStart, field.end);
    if (list.end !== field.end) throw new DerError('trailing data in crlExtensions');
    crlExtensions = extensionsOf(der, list);
    cursor = field.end;
    field = next();
  }
  if (field) throw new DerError(`unexpected element (tag 0x${field.tag.toString(16)}) at offset ${field.start} in TBSCertList`);
  if (crlExtensions.length > 0 && version !== 2) throw new DerError('a v1 CRL carries crlExtensions');

  // CRL extensions.
  let crlNumber: bigint | undefined;
  let crlNumberCritical = false;
  let deltaBaseCrlNumber: bigint | undefined;
  let authorityKeyIdentifier: string | undefined;
  let issuingDistributionPoint: Buffer | undefined;
  let nextCrlPublish: Date | undefined;
  const unknownCriticalExtensions: string[] = [];
  for (const extension of crlExtensions) {
    switch (extension.oid) {
      case OID_CRL_NUMBER:
        crlNumber = nonNegativeInteger(der, extension, 'cRLNumber');
        crlNumberCritical = extension.critical;
        break;
      case OID_DELTA_CRL_INDICATOR:
        deltaBaseCrlNumber = nonNegativeInteger(der, extension, 'deltaCRLIndicator');
        break;
      case OID_AUTHORITY_KEY_IDENTIFIER:
        authorityKeyIdentifier = authorityKeyIdOf(der, extension);
        break;
      case OID_ISSUING_DISTRIBUTION_POINT:
        extensionContent(der, extension, DER_TAG.sequence, 'issuingDistributionPoint');
        issuingDistributionPoint = tlvValue(der, extension.value);
        break;
      case OID_MS_NEXT_CRL_PUBLISH:
        nextCrlPublish = msNextPublishOf(der, extension);
        if (extension.critical) unknownCriticalExtensions.push(extension.oid);
        break;
      default:
        if (extension.critical) unknownCriticalExtensions.push(extension.oid);
    }
  }

  // revokedCertificates: one pass validating every entry and recording its serial's hash and offset.
  const maxEntries = limits.maxEntries ?? Number.POSITIVE_INFINITY;
  const entryBudget = limits.entryBudget ?? Number.POSITIVE_INFINITY;
  const capacity = revoked ? mostEntriesIn(revoked.end - revoked.valueStart) : 0;
  const entryHashes = largeUint32Array(capacity);
  const entryOffsets = largeUint32Array(capacity);
  let count = 0;
  const removedFromCrl = new Set<string>();
  const issuers: EntryIssuers = { names: [], ofEntry: new Map() };
  if (revoked) {
    // One limit in the walk; which one it was decides what is thrown (entryLimitError).
    const stopAt = Math.min(maxEntries, entryBudget);
    count = scanEntries(der, revoked, version === 2, stopAt, entryHashes, entryOffsets, removedFromCrl, issuers, () => entryLimitError(maxEntries, entryBudget));
  }
  const table = bucketTable(entryHashes, entryOffsets, count);

  const readEntry = (entryOffset: number): { serial: Tlv; date: Tlv; extensions: Tlv | undefined } => {
    const entry = readTlv(der, entryOffset);
    const serial = readTlv(der, entry.valueStart, entry.end);
    const date = readTlv(der, serial.end, entry.end);
    return { serial, date, extensions: date.end < entry.end ? readTlv(der, date.end, entry.end) : undefined };
  };

  const lookup = (serialHex: string, issuerFilter: EntryIssuerFilter = ownIssuerOnly): CrlRevocation | undefined => {
    const wanted = serialBytesOf(serialHex);
    const hash = hashSerial(wanted, 0, wanted.length);
    const bucket = table.shift === 32 ? 0 : hash >>> table.shift;
    const last = table.starts[bucket + 1] as number;
    let found: CrlRevocation | undefined;
    for (let i = table.starts[bucket] as number; i < last; i++) {
      if (table.hashes[i] !== hash) continue;
      const { serial, date, extensions } = readEntry(table.offsets[i] as number);
      if (!sameSerial(der, serial.valueStart, serial.end, wanted)) continue;
      const issuerIndex = issuers.ofEntry.get(table.offsets[i] as number);
      if (!issuerFilter(issuerIndex === undefined ? undefined : issuers.names[issuerIndex])) continue;
      const reason = extensions ? entryReason(der, extensions) : -1;
      const revocation = { revokedAt: new Date(decodeTimeMillis(der, date)), reason: reason === -1 ? undefined : reason };
      // A serial listed twice: a real revocation wins over removeFromCRL.
      if (reason !== REMOVE_FROM_CRL) return revocation;
      found ??= revocation;
    }
    return found;
  };

  return {
    der,
    signed,
    issuer: tlvBytes(der, issuerTlv),
    thisUpdate,
    nextUpdate,
    crlNumber,
    crlNumberCritical,
    deltaBaseCrlNumber,
    authorityKeyIdentifier,
    issuingDistributionPoint,
    nextCrlPublish,
    unknownCriticalExtensions,
    entryCount: count,
    lookup,
    removedFromCrl,
    hasCertificateIssuers: issuers.names.length > 0,
  };
}

const ownIssuerOnly: EntryIssuerFilter = (certificateIssuer) => certificateIssuer === undefined;

/** The certificateIssuer names of an indirect CRL, and which entries (by offset) each applies to. */
interface EntryIssuers {
  readonly names: GeneralName[][];
  /** Entry offset → index in names; entries of the CRL's own issuer are not listed. */
  readonly ofEntry: Map<number, number>;
}

/**
 * The walk over revokedCertificates: validates every entry (serial INTEGER, revocationDate, entry
 * extensions) and records each serial's hash and the entry's offset. Returns the entry count. Kept
 * small and separate from buildIndex so the optimising compiler takes it on early.
 */
function scanEntries(
  der: Buffer,
  revoked: Tlv,
  v2: boolean,
  stopAt: number,
  hashes: Uint32Array,
  offsets: Uint32Array,
  removedFromCrl: Set<string>,
  issuers: EntryIssuers,
  pastStopAt: () => Error,
): number {
  // RFC 5280 §5.3.3: a certificateIssuer applies to its entry and every later one until the next.
  let currentIssuer = -1;
  const entry = newTlv();
  const serial = newTlv();
  const date = newTlv();
  const list = newTlv();
  let count = 0;
  let offset = revoked.valueStart;
  const end = revoked.end;
  while (offset < end) {
    readInto(der, offset, end, entry);
    if (entry.tag !== TAG_SEQUENCE) throw new DerError(`expected a revoked entry SEQUENCE at offset ${offset}`);
    readInto(der, entry.valueStart, entry.end, serial);
    if (serial.tag !== TAG_INTEGER) throw new DerError(`expected the serial INTEGER at offset ${serial.start}`);
    validInteger(der, serial);
    readInto(der, serial.end, entry.end, date);
    if (date.tag !== TAG_UTC_TIME && date.tag !== TAG_GENERALIZED_TIME) throw new DerError(`expected the revocationDate at offset ${date.start}`);
    validTime(der, date);
    if (date.end !== entry.end) {
      if (!v2) throw new DerError('a v1 CRL carries crlEntryExtensions');
      readInto(der, date.end, entry.end, list);
      if (list.end !== entry.end) throw new DerError(`unexpected data after the entry extensions at offset ${list.end}`);
      const reason = entryReason(der, list);
      if (sawCertificateIssuer) {
        const names = readTlv(der, scratchCertificateIssuer.valueStart, scratchCertificateIssuer.end);
        if (names.tag !== TAG_SEQUENCE || names.end !== scratchCertificateIssuer.end) throw new DerError(`malformed certificateIssuer at offset ${scratchCertificateIssuer.start}`);
        issuers.names.push(generalNames(der, names));
        currentIssuer = issuers.names.length - 1;
      }
      if (reason === REMOVE_FROM_CRL && currentIssuer === -1) removedFromCrl.add(serialKey(tlvValue(der, serial)));
    }
    if (currentIssuer !== -1) issuers.ofEntry.set(entry.start, currentIssuer);
    if (count >= stopAt) throw pastStopAt();
    // FNV-1a of the serial (hashSerial, inlined; the serial was checked to be minimally encoded).
    const start = serial.valueStart;
    const stop = serial.end;
    let hash = HASH_SEED;
    for (let i = start; i < stop; i++) hash = Math.imul(hash ^ (der[i] as number), 0x01000193);
    hashes[count] = hash >>> 0;
    offsets[count++] = entry.start;
    offset = entry.end;
  }
  return count;
}

/** What stops the walk over revokedCertificates once it has `min(maxEntries, entryBudget)` entries. */
function entryLimitError(maxEntries: number, entryBudget: number): Error {
  if (entryBudget < maxEntries) return new IndexBudgetExceeded(entryBudget);
  return new CrlProblem('unsupported', `the CRL has more than ${maxEntries} revoked entries`);
}

interface BucketTable {
  /** Bucket b holds positions starts[b] .. starts[b + 1] - 1 of hashes/offsets. */
  readonly starts: Uint32Array;
  readonly hashes: Uint32Array;
  readonly offsets: Uint32Array;
  /** bucket = hash >>> shift (32: a single bucket). */
  readonly shift: number;
}

/**
 * Groups the entries by the top bits of their serial hash with a counting sort: O(n), no comparisons,
 * entry order kept within a bucket; about one entry per bucket on average. Even serials crafted to
 * collide only make their lookups scan longer; building never degrades. The bucket starts double as
 * the fill positions (one array, not a second of the same size while indexing).
 */
function bucketTable(hashes: Uint32Array, offsets: Uint32Array, count: number): BucketTable {
  const bits = count <= 1 ? 0 : Math.min(24, Math.ceil(Math.log2(count)));
  const shift = 32 - bits;
  const buckets = 2 ** bits;
  // Bucket b's count goes to positions[b + 2]; summed up, positions[b + 1] is where bucket b starts.
  // Filling advances positions[b + 1] to the end of bucket b, i.e. the start of b + 1: afterwards
  // positions[b] is the start of bucket b for every b, which is what the lookups read.
  const positions = largeUint32Array(buckets + 2);
  const bucketOf = (hash: number) => (shift === 32 ? 0 : hash >>> shift);
  for (let i = 0; i < count; i++) {
    const slot = bucketOf(hashes[i] as number) + 2;
    positions[slot] = (positions[slot] as number) + 1;
  }
  for (let k = 2; k < buckets + 2; k++) positions[k] = (positions[k] as number) + (positions[k - 1] as number);
  const sortedHashes = largeUint32Array(count);
  const sortedOffsets = largeUint32Array(count);
  for (let i = 0; i < count; i++) {
    const hash = hashes[i] as number;
    const slot = bucketOf(hash) + 1;
    const position = positions[slot] as number;
    positions[slot] = position + 1;
    sortedHashes[position] = hash;
    sortedOffsets[position] = offsets[i] as number;
  }
  return { starts: positions.subarray(0, buckets + 1), hashes: sortedHashes, offsets: sortedOffsets, shift };
}

/** The Microsoft Next CRL Publish value is a bare Time; an unreadable one is ignored (it is only a hint). */
function msNextPublishOf(der: Buffer, extension: Extension): Date | undefined {
  try {
    const inner = readTlv(der, extension.value.valueStart, extension.value.end);
    if (!isTime(inner.tag) || inner.end !== extension.value.end) return undefined;
    return new Date(decodeTimeMillis(der, inner));
  } catch {
    return undefined;
  }
}
