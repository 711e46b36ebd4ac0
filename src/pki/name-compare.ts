// Distinguished-name comparison per RFC 5280 §7.1 (with RFC 4518's string preparation, approximated):
// the one place where the engine decides whether two Names are the same, so chaining (issuer vs subject),
// self-issued detection, directoryName name constraints and CRL issuer matching all agree.
//
// Attribute values of the directory string types (UTF8String, PrintableString, TeletexString, IA5String,
// VisibleString, BMPString, UniversalString) compare as text whatever their encoding: NFKC, case folded,
// leading and trailing white space removed, internal white space runs folded to one space. Other values
// compare by their DER. The order of attributes within an RDN does not matter; the order of RDNs does.
// A Name that cannot be decoded equals only itself, byte for byte (fail closed).
import { children, decodeOid, expectTlv, readTlv, type Tlv } from './der.ts';

/**
 * The comparison key of a DER Name: two Names are the same per RFC 5280 §7.1 exactly when their keys
 * are equal, so the key can index CAs or CRLs by name. Cached per buffer (certificates keep theirs).
 */
export function canonicalName(name: Buffer): string {
  let key = keyCache.get(name);
  if (key === undefined) {
    key = computeKey(name);
    keyCache.set(name, key);
  }
  return key;
}

/** Whether two DER Names are the same Name (RFC 5280 §7.1). */
export function namesEqual(a: Buffer, b: Buffer): boolean {
  return a.equals(b) || canonicalName(a) === canonicalName(b);
}

/** The comparison key of one RelativeDistinguishedName (a DER SET), for prefix matching of Names. */
export function canonicalRdn(rdn: Buffer): string {
  try {
    return rdnKey(rdn, readTlv(rdn, 0));
  } catch {
    return `!${rdn.toString('hex')}`;
  }
}

const keyCache = new WeakMap<Buffer, string>();

function computeKey(name: Buffer): string {
  try {
    const sequence = expectTlv(name, 0, 0x30, 'Name');
    if (sequence.end !== name.length) throw new Error('trailing data after the Name');
    const rdns: string[] = [];
    for (const rdn of children(name, sequence)) rdns.push(rdnKey(name, rdn));
    return JSON.stringify(rdns);
  } catch {
    return `!${name.toString('hex')}`;
  }
}

function rdnKey(der: Buffer, rdn: Tlv): string {
  if (rdn.tag !== 0x31) throw new Error('RelativeDistinguishedName is not a SET');
  const attributes: string[] = [];
  for (const atv of children(der, rdn)) {
    const [type, value, extra] = children(der, atv);
    if (atv.tag !== 0x30 || !type || type.tag !== 0x06 || !value || extra) throw new Error('bad AttributeTypeAndValue');
    attributes.push(`${decodeOid(der, type)}=${valueKey(der, value)}`);
  }
  if (attributes.length === 0) throw new Error('empty RelativeDistinguishedName');
  return JSON.stringify(attributes.sort());
}

function valueKey(der: Buffer, value: Tlv): string {
  const text = directoryStringText(der.subarray(value.valueStart, value.end), value.tag);
  if (text === undefined) return `#${der.subarray(value.start, value.end).toString('hex')}`;
  return `"${prepareString(text)}`;
}

/** RFC 4518 in short: compatibility normalisation, case folding, insignificant white space removed. */
export function prepareString(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(/\s+/gu, ' ').trim();
}

/** The text of a directory string value, or undefined for other types and invalid encodings. */
export function directoryStringText(content: Buffer, tag: number): string | undefined {
  switch (tag) {
    case 0x0c: {
      const text = content.toString('utf8');
      // A UTF8String that does not round-trip is not text we may compare loosely.
      return Buffer.from(text, 'utf8').equals(content) ? text : undefined;
    }
    case 0x13: // PrintableString
    case 0x14: // TeletexString (read as latin1, as most software does)
    case 0x16: // IA5String
    case 0x1a: // VisibleString
      return content.toString('latin1');
    case 0x1e: // BMPString (UTF-16BE)
      return content.length % 2 === 0 ? Buffer.from(content).swap16().toString('utf16le') : undefined;
    case 0x1c: {
      // UniversalString (UTF-32BE)
      if (content.length % 4 !== 0) return undefined;
      let text = '';
      for (let i = 0; i < content.length; i += 4) {
        const codePoint = content.readUInt32BE(i);
        if (codePoint > 0x10ffff) return undefined;
        text += String.fromCodePoint(codePoint);
      }
      return text;
    }
    default:
      return undefined;
  }
}

/** Self-issued (RFC 5280 §6.1): subject and issuer are the same Name; key rollover and roots are. */
export function isSelfIssued(certificate: { readonly subject: Buffer; readonly issuer: Buffer }): boolean {
  return namesEqual(certificate.subject, certificate.issuer);
}
