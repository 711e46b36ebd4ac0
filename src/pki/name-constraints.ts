// RFC 5280 name constraints (§4.2.1.10, §6.1.4 / §6.1.3 (b)-(c)) as pure functions over DER: parse a CA's
// nameConstraints extension, collect the names of a certificate that constraints apply to, and check the
// names against the constraints with a comparison budget. No I/O; the path validator decides which
// certificates a CA's constraints apply to (RFC: all below it, except self-issued intermediates).
//
// Supported forms: dNSName, rfc822Name, iPAddress, directoryName (compared per RFC 5280 §7.1, see
// name-compare.ts), uniformResourceIdentifier (its host, per §4.2.1.10). Any other form in the
// constraints (otherName, x400Address, ediPartyName, registeredID) fails closed as soon as the
// certificate carries a name of that form. Where RFC 5280 leaves room, the choice that rejects is taken for
// excluded subtrees (a name that might be excluded is) and the literal one for permitted subtrees (a
// name that cannot be shown to be permitted is not).
import { children, decodeOid, DerError, expectTlv, readTlv, type Tlv } from './der.ts';
import { canonicalRdn, directoryStringText } from './name-compare.ts';

export type GeneralNameForm =
  | 'dns'
  | 'ip'
  | 'email'
  | 'directoryName'
  | 'uri'
  | 'otherName'
  | 'x400Address'
  | 'ediPartyName'
  | 'registeredID';

export type Subtree =
  | { readonly form: 'dns'; readonly value: string }
  | { readonly form: 'email'; readonly value: string }
  /** A host (`example.com`: that host only) or a domain (`.example.com`: hosts under it). */
  | { readonly form: 'uri'; readonly value: string }
  | { readonly form: 'ip'; readonly address: Buffer; readonly mask: Buffer }
  | { readonly form: 'directoryName'; readonly rdns: readonly Buffer[] /* DER of each RDN SET */ }
  /** A form we do not check; `tag` is the GeneralName context tag number (0 otherName … 8 registeredID). */
  | { readonly form: 'other'; readonly tag: number };

export interface NameConstraints {
  readonly permitted: readonly Subtree[];
  readonly excluded: readonly Subtree[];
}

export interface SubjectNames {
  /** DER of the subject Name. */
  readonly subject: Buffer;
  /** SAN dNSNames as written (latin1; validated only when DNS constraints apply). */
  readonly dns: readonly string[];
  /** SAN iPAddresses, 4 or 16 octets. */
  readonly ips: readonly Buffer[];
  /** SAN rfc822Names, or when the SAN has none, the subject's emailAddress attribute values. */
  readonly emails: readonly string[];
  /** DER Names of the SAN's directoryNames (the subject is checked separately, from `subject`). */
  readonly directoryNames: readonly Buffer[];
  /** Subject commonName values (for `checkCommonNameAsDns`). */
  readonly commonNames: readonly string[];
  /** SAN uniformResourceIdentifiers as written (latin1). */
  readonly uris: readonly string[];
  /** SAN forms present that we cannot check (otherName, x400Address, ediPartyName, registeredID), each once. */
  readonly otherForms: readonly GeneralNameForm[];
}

export type ConstraintVerdict =
  | { ok: true }
  | { ok: false; reason: 'name_constraint_violation' | 'unsupported_name_constraint' | 'name_constraint_budget'; message: string };

/** Shared over a whole path validation: each name/subtree comparison costs 1; none left → name_constraint_budget. */
export interface Budget {
  remaining: number;
}

export interface CheckOptions {
  readonly isLeaf: boolean;
  /**
   * Server-style (webpki, x509-limbo): when the SAN has no dNSName, check the leaf's subject CNs that
   * look like host names as dNSNames. Leaf only; default false.
   */
  readonly checkCommonNameAsDns?: boolean;
}

// ---------------------------------------------------------------------------------------------
// GeneralName tags (IMPLICIT tagging, RFC 5280 appendix A.2; directoryName is EXPLICIT as Name is a CHOICE)

const GN = {
  otherName: 0xa0,
  rfc822Name: 0x81,
  dNSName: 0x82,
  x400Address: 0xa3,
  directoryName: 0xa4,
  ediPartyName: 0xa5,
  uri: 0x86,
  iPAddress: 0x87,
  registeredID: 0x88,
} as const;

/** The GeneralName forms by context tag number. */
const FORM_BY_TAG: readonly GeneralNameForm[] = [
  'otherName',
  'email',
  'dns',
  'x400Address',
  'directoryName',
  'ediPartyName',
  'uri',
  'ip',
  'registeredID',
];

/** The GeneralName form of a context tag number 0..8. */
export function generalNameFormOfTag(tag: number): GeneralNameForm {
  const form = FORM_BY_TAG[tag];
  if (form === undefined) throw new RangeError(`no GeneralName form has tag [${tag}]`);
  return form;
}

/** Identifier octets of the forms we do not check, as the DER carries them (constructed or primitive). */
const UNCHECKED_IDENTIFIERS: ReadonlyMap<number, GeneralNameForm> = new Map([
  [GN.otherName, 'otherName'],
  [GN.x400Address, 'x400Address'],
  [GN.ediPartyName, 'ediPartyName'],
  [GN.registeredID, 'registeredID'],
]);

const OID_COMMON_NAME = '2.5.4.3';
const OID_EMAIL_ADDRESS = '1.2.840.113549.1.9.1';

// ---------------------------------------------------------------------------------------------
// Parsing

function expectEnd(parent: Tlv, offset: number, what: string): void {
  if (offset !== parent.end) throw new DerError(`unexpected data after ${what} at offset ${offset}`);
}

/** IA5String contents as a string; rejects octets ≥ 0x80. */
function ia5(bytes: Uint8Array, tlv: Tlv, what: string): string {
  for (let i = tlv.valueStart; i < tlv.end; i++) {
    if ((bytes[i] as number) >= 0x80) throw new DerError(`${what} at offset ${tlv.start} is not an IA5String`);
  }
  return Buffer.from(bytes.buffer, bytes.byteOffset + tlv.valueStart, tlv.end - tlv.valueStart).toString('latin1');
}

function slice(bytes: Uint8Array, start: number, end: number): Buffer {
  return Buffer.from(bytes.subarray(start, end));
}

/**
 * The RDN SETs of a DER Name (each as its own DER, in order), checking the structure: a SEQUENCE of
 * non-empty SETs of SEQUENCE { OID, value }.
 */
export function rdnsOfName(bytes: Uint8Array, name: Tlv = expectTlv(bytes, 0, 0x30, 'Name')): Buffer[] {
  if (name.tag !== 0x30) throw new DerError(`expected Name (SEQUENCE) at offset ${name.start}`);
  const rdns: Buffer[] = [];
  for (const rdn of children(bytes, name)) {
    if (rdn.tag !== 0x31) throw new DerError(`expected RelativeDistinguishedName (SET) at offset ${rdn.start}`);
    let count = 0;
    for (const atv of children(bytes, rdn)) {
      attributeOf(bytes, atv);
      count++;
    }
    if (count === 0) throw new DerError(`empty RelativeDistinguishedName at offset ${rdn.start}`);
    rdns.push(slice(bytes, rdn.start, rdn.end));
  }
  return rdns;
}

/** type and value TLV of an AttributeTypeAndValue. */
function attributeOf(bytes: Uint8Array, atv: Tlv): { type: string; value: Tlv } {
  if (atv.tag !== 0x30) throw new DerError(`expected AttributeTypeAndValue (SEQUENCE) at offset ${atv.start}`);
  const type = expectTlv(bytes, atv.valueStart, 0x06, 'attribute type', atv.end);
  if (type.end === type.valueStart) throw new DerError(`empty attribute type at offset ${type.start}`);
  const value = readTlv(bytes, type.end, atv.end);
  expectEnd(atv, value.end, 'attribute value');
  return { type: decodeOid(bytes, type), value };
}

const DNS_LABEL = /^[A-Za-z0-9_-]+$/;

/** `host` with labels of letters, digits, '-' and '_' (no empty label, no trailing dot). */
function isHostName(host: string): boolean {
  if (host.length === 0 || host.length > 253) return false;
  for (const label of host.split('.')) {
    if (label.length > 63 || !DNS_LABEL.test(label)) return false;
  }
  return true;
}

/**
 * A dNSName constraint: empty (everything) or a host. RFC 5280 allows a leading period only in URI and
 * email constraints, so `.host` is malformed here (OpenSSL accepts it; we fail closed).
 */
function isDnsConstraint(value: string): boolean {
  return value === '' || isHostName(value);
}

/** The host part of an rfc822Name constraint: a host or `.host` (addresses in subdomains). */
function isEmailHostConstraint(value: string): boolean {
  return value === '' || isHostName(value.startsWith('.') ? value.slice(1) : value);
}

/** A local part as IA5 allows it, without spaces (quoted local parts with spaces are not supported). */
function isLocalPart(local: string): boolean {
  return /^[\x21-\x7e]+$/.test(local);
}

/** An rfc822Name constraint: a mailbox, a host, `.host`, or empty (everything). */
function isEmailConstraint(value: string): boolean {
  const at = value.lastIndexOf('@');
  if (at < 0) return isEmailHostConstraint(value);
  return isLocalPart(value.slice(0, at)) && isHostName(value.slice(at + 1));
}

function isContiguousMask(mask: Uint8Array): boolean {
  let zeroSeen = false;
  for (const byte of mask) {
    for (let bit = 7; bit >= 0; bit--) {
      const set = (byte >> bit) & 1;
      if (set && zeroSeen) return false;
      if (!set) zeroSeen = true;
    }
  }
  return true;
}

function parseSubtreeBase(bytes: Uint8Array, base: Tlv): Subtree {
  switch (base.tag) {
    case GN.dNSName: {
      const value = ia5(bytes, base, 'dNSName constraint');
      if (!isDnsConstraint(value)) throw new DerError(`dNSName constraint ${JSON.stringify(value)} is not a host name`);
      return { form: 'dns', value };
    }
    case GN.rfc822Name: {
      const value = ia5(bytes, base, 'rfc822Name constraint');
      if (!isEmailConstraint(value)) throw new DerError(`rfc822Name constraint ${JSON.stringify(value)} is not a mailbox, host or .host`);
      return { form: 'email', value };
    }
    case GN.iPAddress: {
      const length = base.end - base.valueStart;
      if (length !== 8 && length !== 32) {
        throw new DerError(`iPAddress constraint of ${length} octets (expected 8 for IPv4 or 32 for IPv6)`);
      }
      const half = base.valueStart + length / 2;
      const address = slice(bytes, base.valueStart, half);
      const mask = slice(bytes, half, base.end);
      if (!isContiguousMask(mask)) throw new DerError(`iPAddress constraint has a non-contiguous mask ${mask.toString('hex')}`);
      return { form: 'ip', address, mask };
    }
    case GN.uri: {
      const value = ia5(bytes, base, 'uniformResourceIdentifier constraint');
      if (!isEmailHostConstraint(value)) throw new DerError(`uniformResourceIdentifier constraint ${JSON.stringify(value)} is not a host or .domain`);
      return { form: 'uri', value };
    }
    case GN.directoryName: {
      const name = expectTlv(bytes, base.valueStart, 0x30, 'Name', base.end);
      expectEnd(base, name.end, 'directoryName constraint');
      return { form: 'directoryName', rdns: rdnsOfName(bytes, name) };
    }
    default: {
      if (!UNCHECKED_IDENTIFIERS.has(base.tag)) {
        throw new DerError(`unknown GeneralName tag 0x${base.tag.toString(16)} at offset ${base.start}`);
      }
      return { form: 'other', tag: base.tag & 0x1f };
    }
  }
}

function parseSubtrees(bytes: Uint8Array, list: Tlv, what: string): Subtree[] {
  const subtrees: Subtree[] = [];
  for (const subtree of children(bytes, list)) {
    if (subtree.tag !== 0x30) throw new DerError(`expected GeneralSubtree (SEQUENCE) at offset ${subtree.start}`);
    const base = readTlv(bytes, subtree.valueStart, subtree.end);
    let offset = base.end;
    if (offset < subtree.end) {
      const minimum = readTlv(bytes, offset, subtree.end);
      if (minimum.tag === 0x80) {
        // DEFAULT 0 should be omitted in DER; an explicit 0 is tolerated, anything else is not.
        if (minimum.end - minimum.valueStart !== 1 || bytes[minimum.valueStart] !== 0) {
          throw new DerError(`GeneralSubtree minimum at offset ${minimum.start} is not 0 (RFC 5280: MUST be zero)`);
        }
        offset = minimum.end;
      }
    }
    if (offset < subtree.end) {
      const next = readTlv(bytes, offset, subtree.end);
      if (next.tag === 0x81) throw new DerError(`GeneralSubtree maximum at offset ${next.start} (RFC 5280: MUST be absent)`);
      throw new DerError(`unexpected tag 0x${next.tag.toString(16)} in GeneralSubtree at offset ${next.start}`);
    }
    subtrees.push(parseSubtreeBase(bytes, base));
  }
  if (subtrees.length === 0) throw new DerError(`empty ${what} at offset ${list.start}`);
  return subtrees;
}

/**
 * Parses a nameConstraints extension value (the contents of the extnValue OCTET STRING). Throws
 * DerError when it is malformed, including: no subtrees at all, an empty subtree list, a minimum other
 * than 0, a maximum, an iPAddress of other than 8 / 32 octets or with a non-contiguous mask, a
 * dNSName / rfc822Name that is not a host name, `.host` or mailbox, an unknown GeneralName tag.
 */
export function parseNameConstraints(extensionValue: Buffer): NameConstraints {
  const bytes = extensionValue;
  const outer = expectTlv(bytes, 0, 0x30, 'NameConstraints');
  expectEnd({ tag: 0, start: 0, valueStart: 0, end: bytes.length }, outer.end, 'NameConstraints');
  let permitted: Subtree[] = [];
  let excluded: Subtree[] = [];
  let offset = outer.valueStart;
  if (offset < outer.end) {
    const first = readTlv(bytes, offset, outer.end);
    if (first.tag === 0xa0) {
      permitted = parseSubtrees(bytes, first, 'permittedSubtrees');
      offset = first.end;
    }
  }
  if (offset < outer.end) {
    const second = readTlv(bytes, offset, outer.end);
    if (second.tag === 0xa1) {
      excluded = parseSubtrees(bytes, second, 'excludedSubtrees');
      offset = second.end;
    }
  }
  if (offset < outer.end) {
    const extra = readTlv(bytes, offset, outer.end);
    throw new DerError(`unexpected tag 0x${extra.tag.toString(16)} in NameConstraints at offset ${extra.start}`);
  }
  if (permitted.length === 0 && excluded.length === 0) {
    throw new DerError('NameConstraints has neither permitted nor excluded subtrees (RFC 5280: MUST NOT be empty)');
  }
  return { permitted, excluded };
}

// ---------------------------------------------------------------------------------------------
// Names of a certificate

/** A directory string's text (for CN and emailAddress values); other value types give null. */
function directoryStringOf(bytes: Uint8Array, value: Tlv): string | null {
  return directoryStringText(Buffer.from(bytes.subarray(value.valueStart, value.end)), value.tag) ?? null;
}

function addForm(forms: GeneralNameForm[], form: GeneralNameForm): void {
  if (!forms.includes(form)) forms.push(form);
}

/**
 * The names of a certificate that name constraints apply to, from the DER subject Name and the
 * subjectAltName extension value (OCTET STRING contents) if the certificate has one. Throws DerError on
 * malformed DER, an empty SAN, an unknown GeneralName tag or an iPAddress that is not 4 or 16 octets.
 */
export function subjectNamesOf(subjectDer: Buffer, subjectAltNameExtension: Buffer | undefined): SubjectNames {
  const subjectTlv = expectTlv(subjectDer, 0, 0x30, 'subject Name');
  if (subjectTlv.end !== subjectDer.length) throw new DerError('unexpected data after the subject Name');
  const commonNames: string[] = [];
  const subjectEmails: string[] = [];
  for (const rdn of children(subjectDer, subjectTlv)) {
    if (rdn.tag !== 0x31) throw new DerError(`expected RelativeDistinguishedName (SET) at offset ${rdn.start}`);
    let count = 0;
    for (const atv of children(subjectDer, rdn)) {
      count++;
      const { type, value } = attributeOf(subjectDer, atv);
      if (type !== OID_COMMON_NAME && type !== OID_EMAIL_ADDRESS) continue;
      const text = directoryStringOf(subjectDer, value);
      if (type === OID_COMMON_NAME) {
        if (text !== null) commonNames.push(text);
      } else {
        // An emailAddress we cannot read still counts (as raw latin1), so that it fails the checks
        // instead of slipping past them.
        subjectEmails.push(text ?? Buffer.from(subjectDer.subarray(value.valueStart, value.end)).toString('latin1'));
      }
    }
    if (count === 0) throw new DerError(`empty RelativeDistinguishedName at offset ${rdn.start}`);
  }

  const dns: string[] = [];
  const ips: Buffer[] = [];
  const sanEmails: string[] = [];
  const directoryNames: Buffer[] = [];
  const uris: string[] = [];
  const otherForms: GeneralNameForm[] = [];
  if (subjectAltNameExtension !== undefined) {
    const bytes = subjectAltNameExtension;
    const names = expectTlv(bytes, 0, 0x30, 'GeneralNames');
    if (names.end !== bytes.length) throw new DerError('unexpected data after GeneralNames');
    let count = 0;
    for (const name of children(bytes, names)) {
      count++;
      switch (name.tag) {
        case GN.dNSName:
          dns.push(Buffer.from(bytes.subarray(name.valueStart, name.end)).toString('latin1'));
          break;
        case GN.uri:
          uris.push(Buffer.from(bytes.subarray(name.valueStart, name.end)).toString('latin1'));
          break;
        case GN.rfc822Name:
          sanEmails.push(Buffer.from(bytes.subarray(name.valueStart, name.end)).toString('latin1'));
          break;
        case GN.iPAddress: {
          const length = name.end - name.valueStart;
          if (length !== 4 && length !== 16) throw new DerError(`iPAddress of ${length} octets at offset ${name.start}`);
          ips.push(slice(bytes, name.valueStart, name.end));
          break;
        }
        case GN.directoryName: {
          const dn = expectTlv(bytes, name.valueStart, 0x30, 'Name', name.end);
          expectEnd(name, dn.end, 'directoryName');
          rdnsOfName(bytes, dn);
          directoryNames.push(slice(bytes, dn.start, dn.end));
          break;
        }
        default: {
          const form = UNCHECKED_IDENTIFIERS.get(name.tag);
          if (form === undefined) throw new DerError(`unknown GeneralName tag 0x${name.tag.toString(16)} at offset ${name.start}`);
          addForm(otherForms, form);
        }
      }
    }
    if (count === 0) throw new DerError('empty subjectAltName (RFC 5280: at least one GeneralName)');
  }

  return {
    subject: Buffer.from(subjectDer),
    dns,
    ips,
    emails: sanEmails.length > 0 ? sanEmails : subjectEmails,
    directoryNames,
    commonNames,
    uris,
    otherForms,
  };
}

// ---------------------------------------------------------------------------------------------
// Matchers

/** ASCII-only lower case (no Unicode folding: 'K' U+212A must not become 'k'). */
function asciiLower(text: string): string {
  return text.replace(/[A-Z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 32));
}

/** A presented dNSName we can check: a host name, or `*.` + host name (wildcard as the whole first label). */
export function isCheckableDnsName(name: string): boolean {
  return isHostName(name.startsWith('*.') ? name.slice(2) : name);
}

/**
 * Whether dNSName `name` is within dNSName constraint `constraint` (RFC 5280 §4.2.1.10): case-insensitive;
 * `example.com` covers itself and its subdomains (not `badexample.com`), `.example.com` only subdomains,
 * '' everything. A wildcard name is compared literally (`*.example.com` is within `example.com` but not
 * within `a.example.com`); see dnsNameMayMatch for exclusions.
 */
export function dnsNameMatches(name: string, constraint: string): boolean {
  if (constraint === '') return true;
  const n = asciiLower(name);
  const c = asciiLower(constraint);
  if (c.startsWith('.')) return n.length > c.length && n.endsWith(c);
  return n === c || (n.length > c.length && n.endsWith(c) && n.charCodeAt(n.length - c.length - 1) === 0x2e /* . */);
}

/**
 * Whether some host name a (possibly wildcard) dNSName stands for may be within the constraint: for
 * `*.example.com` also true when the constraint is one label under example.com (`a.example.com`).
 * Used for excluded subtrees, so that a wildcard cannot cover an excluded host.
 */
export function dnsNameMayMatch(name: string, constraint: string): boolean {
  if (dnsNameMatches(name, constraint)) return true;
  if (!name.startsWith('*.') || constraint.startsWith('.') || constraint === '') return false;
  const dot = constraint.indexOf('.');
  return dot > 0 && asciiLower(constraint.slice(dot + 1)) === asciiLower(name.slice(2));
}

/** The local part and domain of an address we can check (the domain a host name), or null. */
export function splitEmail(address: string): { local: string; domain: string } | null {
  const at = address.lastIndexOf('@');
  if (at <= 0) return null;
  const local = address.slice(0, at);
  const domain = address.slice(at + 1);
  if (!isLocalPart(local) || !isHostName(domain)) return null;
  return { local, domain };
}

/**
 * Whether rfc822Name `address` is within rfc822Name constraint `constraint`: a mailbox matches exactly
 * (local part case-sensitive, domain case-insensitive), a host matches every address at that host, a
 * `.host` every address in a subdomain of it, '' every address. False for an address we cannot parse.
 */
export function emailMatches(address: string, constraint: string): boolean {
  const parsed = splitEmail(address);
  if (parsed === null) return false;
  if (constraint === '') return true;
  const domain = asciiLower(parsed.domain);
  const at = constraint.lastIndexOf('@');
  if (at >= 0) return parsed.local === constraint.slice(0, at) && domain === asciiLower(constraint.slice(at + 1));
  const c = asciiLower(constraint);
  if (c.startsWith('.')) return domain.length > c.length && domain.endsWith(c);
  return domain === c;
}

/**
 * The host of a URI with an authority (`scheme://[userinfo@]host[:port]...`), lower-cased, or null when
 * it has none or names an IP address (a URI constraint names hosts; such URIs cannot satisfy one).
 */
export function uriHost(uri: string): string | null {
  const match = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/([^/?#]*)/.exec(uri);
  if (!match) return null;
  const authority = match[1] as string;
  const host = authority.slice(authority.lastIndexOf('@') + 1).replace(/:\d*$/, '');
  if (host.startsWith('[') || /^[\d.]+$/.test(host) || !isHostName(host)) return null;
  return asciiLower(host);
}

/**
 * Whether a URI's host is within a URI constraint (RFC 5280 §4.2.1.10): `.example.com` covers the
 * hosts under example.com (not example.com itself), `example.com` that host only, '' every host.
 */
export function uriMatches(uri: string, constraint: string): boolean {
  const host = uriHost(uri);
  if (host === null) return false;
  if (constraint === '') return true;
  const c = asciiLower(constraint);
  if (c.startsWith('.')) return host.length > c.length && host.endsWith(c);
  return host === c;
}

/** Whether `address` (4 or 16 octets) is within the iPAddress subtree: same family and (addr & mask) == (base & mask). */
export function ipMatches(address: Uint8Array, subtree: { readonly address: Uint8Array; readonly mask: Uint8Array }): boolean {
  if (address.length !== subtree.address.length || subtree.mask.length !== subtree.address.length) return false;
  for (let i = 0; i < address.length; i++) {
    const mask = subtree.mask[i] as number;
    if (((address[i] as number) & mask) !== ((subtree.address[i] as number) & mask)) return false;
  }
  return true;
}

/** The IPv4 address inside an IPv4-mapped IPv6 address (::ffff:a.b.c.d), else null. */
export function ipv4MappedOf(address: Uint8Array): Uint8Array | null {
  if (address.length !== 16) return null;
  for (let i = 0; i < 10; i++) if (address[i] !== 0) return null;
  if (address[10] !== 0xff || address[11] !== 0xff) return null;
  return address.subarray(12);
}

/**
 * Whether the Name (as RDN DERs) starts with the constraint's RDNs, each RDN compared as RFC 5280 §7.1
 * compares names (name-compare.ts: string type, case and insignificant spaces aside).
 */
export function directoryNameMatches(name: readonly Buffer[], constraint: readonly Buffer[]): boolean {
  if (constraint.length > name.length) return false;
  for (let i = 0; i < constraint.length; i++) {
    const [a, b] = [name[i] as Buffer, constraint[i] as Buffer];
    if (!a.equals(b) && canonicalRdn(a) !== canonicalRdn(b)) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Checking

type Form = 'dns' | 'email' | 'uri' | 'ip' | 'directoryName';

interface FormCheck<N> {
  readonly form: Form;
  readonly label: string;
  readonly names: readonly N[];
  readonly show: (name: N) => string;
  /** Null when the name can be checked, else why not (fails closed when constraints of the form exist). */
  readonly unusable: (name: N) => string | null;
  readonly permittedBy: (name: N, subtree: Subtree) => boolean;
  readonly excludedBy: (name: N, subtree: Subtree) => boolean;
}

function showSubtree(subtree: Subtree): string {
  switch (subtree.form) {
    case 'dns':
    case 'email':
    case 'uri':
      return JSON.stringify(subtree.value);
    case 'ip':
      return `${subtree.address.toString('hex')}/${subtree.mask.toString('hex')}`;
    case 'directoryName':
      return `${subtree.rdns.length} RDN(s) ${Buffer.concat([...subtree.rdns]).toString('hex')}`;
    case 'other':
      return `[${subtree.tag}]`;
  }
}

function showIp(address: Buffer): string {
  if (address.length === 4) return [...address].join('.');
  const groups: string[] = [];
  for (let i = 0; i < address.length; i += 2) groups.push(address.readUInt16BE(i).toString(16));
  return groups.join(':');
}

const budgetExhausted = (): ConstraintVerdict => ({
  ok: false,
  reason: 'name_constraint_budget',
  message: 'name constraint checking exceeded its comparison budget',
});

function checkForm<N>(check: FormCheck<N>, constraints: NameConstraints, budget: Budget): ConstraintVerdict | null {
  const excluded = constraints.excluded.filter((s) => s.form === check.form);
  const permitted = constraints.permitted.filter((s) => s.form === check.form);
  if (excluded.length === 0 && permitted.length === 0) return null;
  for (const name of check.names) {
    const problem = check.unusable(name);
    if (problem !== null) {
      return { ok: false, reason: 'name_constraint_violation', message: `${check.label} ${check.show(name)} ${problem}, so it cannot satisfy the name constraints` };
    }
    for (const subtree of excluded) {
      if (budget.remaining <= 0) return budgetExhausted();
      budget.remaining--;
      if (check.excludedBy(name, subtree)) {
        return { ok: false, reason: 'name_constraint_violation', message: `${check.label} ${check.show(name)} is within excluded subtree ${showSubtree(subtree)}` };
      }
    }
    if (permitted.length === 0) continue;
    let within = false;
    for (const subtree of permitted) {
      if (budget.remaining <= 0) return budgetExhausted();
      budget.remaining--;
      if (check.permittedBy(name, subtree)) {
        within = true;
        break;
      }
    }
    if (!within) {
      return { ok: false, reason: 'name_constraint_violation', message: `${check.label} ${check.show(name)} is not within any permitted ${check.label} subtree` };
    }
  }
  return null;
}

/**
 * Checks the names of one certificate against one CA's name constraints (RFC 5280 §6.1.4 semantics
 * for that CA): excluded subtrees first, then, per form with permitted subtrees, every name of the form
 * must be within one. Fails closed on constraints of forms we do not check when the certificate has
 * names of that form, on names of a constrained form we cannot parse, and when the budget runs out.
 */
export function checkNameConstraints(
  constraints: NameConstraints,
  names: SubjectNames,
  options: CheckOptions,
  budget: Budget,
): ConstraintVerdict {
  // Forms we cannot check: reject when both the constraints and the certificate have them.
  const uncheckedTags = new Set<number>();
  for (const subtree of [...constraints.permitted, ...constraints.excluded]) {
    if (subtree.form === 'other') uncheckedTags.add(subtree.tag);
  }
  for (const form of names.otherForms) {
    const tag = FORM_BY_TAG.indexOf(form);
    if (uncheckedTags.has(tag)) {
      return { ok: false, reason: 'unsupported_name_constraint', message: `the CA constrains ${form} names, which are not supported, and the certificate has one` };
    }
  }

  let dnsNames = names.dns;
  if (dnsNames.length === 0 && options.isLeaf && options.checkCommonNameAsDns === true) {
    dnsNames = names.commonNames.filter((cn) => isCheckableDnsName(cn));
  }

  const directoryNames: Array<readonly Buffer[]> = [];
  const subjectRdns = rdnsOfName(names.subject);
  if (subjectRdns.length > 0) directoryNames.push(subjectRdns); // an empty subject is exempt
  for (const dn of names.directoryNames) directoryNames.push(rdnsOfName(dn));

  const dns = checkForm<string>(
    {
      form: 'dns',
      label: 'dNSName',
      names: dnsNames,
      show: (n) => JSON.stringify(n),
      unusable: (n) => (isCheckableDnsName(n) ? null : 'is not a valid host name'),
      permittedBy: (n, s) => s.form === 'dns' && dnsNameMatches(n, s.value),
      excludedBy: (n, s) => s.form === 'dns' && dnsNameMayMatch(n, s.value),
    },
    constraints,
    budget,
  );
  if (dns) return dns;

  const email = checkForm<string>(
    {
      form: 'email',
      label: 'rfc822Name',
      names: names.emails,
      show: (n) => JSON.stringify(n),
      unusable: (n) => (splitEmail(n) === null ? 'is not a mailbox we can check' : null),
      permittedBy: (n, s) => s.form === 'email' && emailMatches(n, s.value),
      excludedBy: (n, s) => s.form === 'email' && emailMatches(n, s.value),
    },
    constraints,
    budget,
  );
  if (email) return email;

  const uri = checkForm<string>(
    {
      form: 'uri',
      label: 'uniformResourceIdentifier',
      names: names.uris,
      show: (n) => JSON.stringify(n),
      unusable: (n) => (uriHost(n) === null ? 'has no host name (none, or an IP address)' : null),
      permittedBy: (n, s) => s.form === 'uri' && uriMatches(n, s.value),
      excludedBy: (n, s) => s.form === 'uri' && uriMatches(n, s.value),
    },
    constraints,
    budget,
  );
  if (uri) return uri;

  const ip = checkForm<Buffer>(
    {
      form: 'ip',
      label: 'iPAddress',
      names: names.ips,
      show: showIp,
      unusable: (n) => (n.length === 4 || n.length === 16 ? null : `has ${n.length} octets`),
      permittedBy: (n, s) => s.form === 'ip' && ipMatches(n, s),
      // An IPv4-mapped IPv6 address is excluded by an IPv4 subtree of its IPv4 address too.
      excludedBy: (n, s) => {
        if (s.form !== 'ip') return false;
        if (ipMatches(n, s)) return true;
        const v4 = ipv4MappedOf(n);
        return v4 !== null && ipMatches(v4, s);
      },
    },
    constraints,
    budget,
  );
  if (ip) return ip;

  const directory = checkForm<readonly Buffer[]>(
    {
      form: 'directoryName',
      label: 'directoryName',
      names: directoryNames,
      show: (rdns) => Buffer.concat([...rdns]).toString('hex'),
      unusable: () => null,
      permittedBy: (n, s) => s.form === 'directoryName' && directoryNameMatches(n, s.rdns),
      excludedBy: (n, s) => s.form === 'directoryName' && directoryNameMatches(n, s.rdns),
    },
    constraints,
    budget,
  );
  if (directory) return directory;

  return { ok: true };
}
