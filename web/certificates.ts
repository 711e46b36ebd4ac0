// Reading certificate files in the browser: PEM (any number of CERTIFICATE blocks) or a DER
// certificate, as base64 DER for the API; and the SHA-256 an upload's sha256FileHash expects.

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;

export function bytesToBase64(bytes: Uint8Array): string {
  let binary = '';
  const chunk = 0x8000;
  for (let i = 0; i < bytes.length; i += chunk) binary += String.fromCharCode(...bytes.subarray(i, i + chunk));
  return btoa(binary);
}

/** The DER of OID 1.2.840.113549.1.7.2 (pkcs7-signedData) with its tag and length. */
const SIGNED_DATA_OID = [0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02];

/** Whether DER bytes are a PKCS#7 ContentInfo of signedData (a .p7b bundle), which opens with that OID. */
function isDerPkcs7(bytes: Uint8Array): boolean {
  if (bytes[0] !== 0x30 || bytes.length < 2) return false;
  const length = bytes[1] ?? 0;
  const contentStart = 2 + (length & 0x80 ? length & 0x7f : 0);
  return SIGNED_DATA_OID.every((byte, i) => bytes[contentStart + i] === byte);
}

function asText(bytes: Uint8Array): string | undefined {
  const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
  return text.includes('-----BEGIN ') ? text : undefined;
}

export interface CertificateFile {
  /** base64 of each DER certificate in the file, in file order. */
  readonly certificates: readonly string[];
  /** Labels of PEM blocks that are not certificates (e.g. PKCS7), which the file also held; 'PKCS7' for a DER .p7b. */
  readonly otherBlocks: readonly string[];
}

export function readCertificateFile(bytes: Uint8Array): CertificateFile {
  const text = asText(bytes);
  if (text === undefined) return isDerPkcs7(bytes) ? { certificates: [], otherBlocks: ['PKCS7'] } : { certificates: [bytesToBase64(bytes)], otherBlocks: [] };
  const certificates: string[] = [];
  const otherBlocks: string[] = [];
  for (const match of text.matchAll(PEM_BLOCK)) {
    const [, label = '', body = ''] = match;
    if (label === 'CERTIFICATE' || label === 'X509 CERTIFICATE') certificates.push(body.replace(/\s+/g, ''));
    else otherBlocks.push(label);
  }
  return { certificates, otherBlocks };
}

/** What the verify API takes: the PEM text as it is, or base64 of a DER file. */
export function certificateTextOf(bytes: Uint8Array): string {
  return asText(bytes) ?? bytesToBase64(bytes);
}

/** The PEM blocks of a text, each as its full text (for the intermediates list). */
export function pemBlocks(text: string): string[] {
  return [...text.matchAll(PEM_BLOCK)].map((match) => match[0]);
}

/** Uppercase hex SHA-256, as PowerShell's Get-FileHash and `graph-pki hash` print it. */
export async function sha256Hex(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  // WebCrypto exists only in secure contexts: https, or http on localhost / 127.0.0.1.
  if (!globalThis.crypto?.subtle) {
    throw new Error('this browser offers hashing only on https or localhost pages; compute the hash with `graph-pki hash FILE` instead');
  }
  const digest = await crypto.subtle.digest('SHA-256', bytes);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('').toUpperCase();
}

export async function readFile(file: File): Promise<Uint8Array<ArrayBuffer>> {
  return new Uint8Array(await file.arrayBuffer());
}
