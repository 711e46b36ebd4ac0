// Turning what clients send (base64 of DER, base64 of PEM text, PEM text, raw DER) into DER bytes.

export class EncodingError extends Error {}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;

export interface PemBlock {
  readonly label: string;
  readonly der: Buffer;
}

export function pemBlocks(text: string): PemBlock[] {
  const blocks: PemBlock[] = [];
  for (const match of text.matchAll(PEM_BLOCK)) {
    const body = (match[2] ?? '').replace(/\s+/g, '');
    if (!isBase64(body)) throw new EncodingError(`the PEM block ${match[1]} is not valid base64`);
    blocks.push({ label: match[1] ?? '', der: Buffer.from(body, 'base64') });
  }
  return blocks;
}

export function looksLikePem(bytes: Uint8Array): boolean {
  const head = Buffer.from(bytes.subarray(0, Math.min(bytes.length, 4096))).toString('latin1');
  return head.includes('-----BEGIN ');
}

/** Strict base64 (standard alphabet, optional padding); whitespace must be removed first. */
export function isBase64(text: string): boolean {
  return text.length > 0 && /^[A-Za-z0-9+/]*={0,2}$/.test(text) && text.length % 4 !== 1;
}

export function upperHex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex').toUpperCase();
}
