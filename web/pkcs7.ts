// The certificates of a local .p7b bundle (DER, or PEM PKCS7 blocks; PEM CERTIFICATE blocks too), read in
// the browser so the page can add them one by one with the CA API. Only the few DER fields on the way to
// the certificates set are walked (ContentInfo → [0] → SignedData → [0] IMPLICIT certificates); each
// certificate goes to the server as it is, which parses and checks it as for any other POST. The server's
// own reader (src/pki/certificate-bundle.ts) works on Node Buffers and cannot be bundled into the page.
import { bytesToBase64 } from './certificates.ts';

const SEQUENCE = 0x30;
const OID = 0x06;
const CONTEXT_0 = 0xa0;
/** 1.2.840.113549.1.7.2, pkcs7-signedData. */
const SIGNED_DATA_OID = [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02];

interface Tlv {
  readonly tag: number;
  readonly start: number;
  readonly valueStart: number;
  readonly end: number;
}

export class BundleError extends Error {}

/** One DER TLV at `offset`, which must end by `limit` (definite lengths only, as DER has). */
function readTlv(bytes: Uint8Array, offset: number, limit: number): Tlv {
  const tag = bytes[offset];
  const first = bytes[offset + 1];
  if (tag === undefined || first === undefined || offset + 2 > limit) throw new BundleError(`truncated at byte ${offset}`);
  let length = first;
  let valueStart = offset + 2;
  if (first & 0x80) {
    const count = first & 0x7f;
    if (count === 0 || count > 4) throw new BundleError(`unsupported length encoding at byte ${offset}`);
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + (bytes[valueStart + i] ?? 0);
    valueStart += count;
  }
  const end = valueStart + length;
  if (end > limit) throw new BundleError(`an element at byte ${offset} runs past its end`);
  return { tag, start: offset, valueStart, end };
}

function childrenOf(bytes: Uint8Array, parent: Tlv): Tlv[] {
  const children: Tlv[] = [];
  for (let offset = parent.valueStart; offset < parent.end; ) {
    const child = readTlv(bytes, offset, parent.end);
    children.push(child);
    offset = child.end;
  }
  return children;
}

function expect(tlv: Tlv | undefined, tag: number, what: string): Tlv {
  if (tlv?.tag !== tag) throw new BundleError(`${what} is missing`);
  return tlv;
}

/** The DER certificates of a DER PKCS#7 SignedData bundle. */
export function certificatesOfPkcs7(der: Uint8Array): Uint8Array[] {
  const contentInfo = expect(readTlv(der, 0, der.length), SEQUENCE, 'ContentInfo');
  if (contentInfo.end !== der.length) throw new BundleError(`${der.length - contentInfo.end} bytes of trailing data`);
  const [type, content] = childrenOf(der, contentInfo);
  const oid = expect(type, OID, 'the content type');
  const oidBytes = der.subarray(oid.valueStart, oid.end);
  if (oidBytes.length !== SIGNED_DATA_OID.length || !SIGNED_DATA_OID.every((b, i) => oidBytes[i] === b)) throw new BundleError('the content is not signedData');
  const explicit = expect(content, CONTEXT_0, 'the signedData content');
  const signedData = expect(childrenOf(der, explicit)[0], SEQUENCE, 'SignedData');
  const certificates = childrenOf(der, signedData).find((field) => field.tag === CONTEXT_0);
  if (!certificates) return [];
  return childrenOf(der, certificates).map((entry, index) => {
    if (entry.tag !== SEQUENCE) throw new BundleError(`entry ${index + 1} of the certificates set is not a certificate`);
    return der.subarray(entry.start, entry.end);
  });
}

function base64ToBytes(text: string): Uint8Array {
  const binary = atob(text.replace(/\s+/g, ''));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;

/** base64 of each DER certificate in a bundle file: DER .p7b, or PEM with PKCS7 and CERTIFICATE blocks. */
export function certificatesOfBundleFile(bytes: Uint8Array): string[] {
  try {
    const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
    if (!text.includes('-----BEGIN ')) return certificatesOfPkcs7(bytes).map(bytesToBase64);
    const certificates: string[] = [];
    for (const [, label = '', body = ''] of text.matchAll(PEM_BLOCK)) {
      if (label === 'PKCS7') certificates.push(...certificatesOfPkcs7(base64ToBytes(body)).map(bytesToBase64));
      else if (label === 'CERTIFICATE') certificates.push(body.replace(/\s+/g, ''));
      else throw new BundleError(`it holds a PEM block '${label}' (expected PKCS7 or CERTIFICATE)`);
    }
    return certificates;
  } catch (error) {
    if (error instanceof BundleError || error instanceof DOMException) throw new BundleError(`not a PKCS#7 certificate bundle: ${error.message}`);
    throw error;
  }
}
