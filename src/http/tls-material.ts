// TLS material for `graph-pki serve`: a certificate and key given as files, or a self-signed
// certificate for localhost generated into the data folder on first use and reused afterwards.
import { createPrivateKey, type KeyObject, webcrypto, X509Certificate } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { TlsConfig } from '../config.ts';
import { x509 } from '../pki/x509-library.ts';

export const TLS_CERT_FILE_NAME = 'tls-cert.pem';
export const TLS_KEY_FILE_NAME = 'tls-key.pem';

export interface TlsMaterial {
  readonly cert: Buffer;
  readonly key: Buffer;
  /** Path of the generated (or reused) self-signed certificate; undefined for --tls-cert/--tls-key. */
  readonly selfSignedCertFile: string | undefined;
  /** Things the operator should hear at start-up: a renewed self-signed certificate, an expired own one. */
  readonly notices: readonly string[];
}

/** A self-signed certificate this close to its end is replaced at start-up, so it never lapses in use. */
const SELF_SIGNED_RENEW_BEFORE_MS = 30 * 24 * 3_600_000;

async function readPem(file: string, what: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (error) {
    throw new Error(`cannot read the TLS ${what} ${file}: ${(error as Error).message}`);
  }
}

async function readIfExists(file: string): Promise<Buffer | undefined> {
  try {
    return await readFile(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function pem(label: string, der: ArrayBuffer): string {
  const base64 = Buffer.from(der).toString('base64');
  return `-----BEGIN ${label}-----\n${base64.replace(/.{1,64}/g, '$&\n')}-----END ${label}-----\n`;
}

/** A P-256 key and a one-year self-signed serverAuth certificate for localhost, 127.0.0.1 and ::1. */
export async function generateSelfSignedTls(): Promise<{ certPem: string; keyPem: string }> {
  const algorithm = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = (await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const notBefore = new Date(Date.now() - 60_000);
  const notAfter = new Date(notBefore.getTime() + 365 * 24 * 3_600_000);
  const serial = webcrypto.getRandomValues(new Uint8Array(16));
  serial[0] = ((serial[0] ?? 0) & 0x7f) || 0x01;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: Buffer.from(serial).toString('hex'),
    name: 'CN=localhost',
    notBefore,
    notAfter,
    signingAlgorithm: algorithm,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([
        { type: 'dns', value: 'localhost' },
        { type: 'ip', value: '127.0.0.1' },
        { type: 'ip', value: '::1' },
      ]),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
  return { certPem: cert.toString('pem') + '\n', keyPem: pem('PRIVATE KEY', pkcs8) };
}

/**
 * Checks a certificate and key before anything else starts, so a wrong file is named in the error
 * (OpenSSL's own words, "key values mismatch" or "no start line", name neither file).
 */
function checkPair(cert: Buffer, key: Buffer, certFile: string, keyFile: string): X509Certificate {
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(cert);
  } catch {
    throw new Error(`the TLS certificate ${certFile} is not a PEM certificate (expected -----BEGIN CERTIFICATE-----)`);
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(key);
  } catch {
    throw new Error(`the TLS key ${keyFile} is not an unencrypted PEM private key`);
  }
  if (!certificate.checkPrivateKey(privateKey)) throw new Error(`the TLS key ${keyFile} does not belong to the certificate ${certFile}`);
  return certificate;
}

export async function loadTls(tls: TlsConfig, dataDir: string, now = new Date()): Promise<TlsMaterial> {
  if ('certFile' in tls) {
    const [cert, key] = [await readPem(tls.certFile, 'certificate'), await readPem(tls.keyFile, 'key')];
    const certificate = checkPair(cert, key, tls.certFile, tls.keyFile);
    const validTo = new Date(certificate.validTo);
    // Served anyway: the operator chose this file, and clients will say why they refuse it.
    const notices = validTo <= now ? [`warning: the TLS certificate ${tls.certFile} expired on ${validTo.toISOString()}; clients will refuse it`] : [];
    return { cert, key, selfSignedCertFile: undefined, notices };
  }
  const certFile = path.resolve(dataDir, TLS_CERT_FILE_NAME);
  const keyFile = path.resolve(dataDir, TLS_KEY_FILE_NAME);
  const [cert, key] = [await readIfExists(certFile), await readIfExists(keyFile)];
  let replacing: string | undefined;
  if (cert && key) {
    let validTo: Date | undefined;
    try {
      validTo = new Date(checkPair(cert, key, certFile, keyFile).validTo);
    } catch (error) {
      replacing = (error as Error).message;
    }
    if (validTo && validTo.getTime() - now.getTime() > SELF_SIGNED_RENEW_BEFORE_MS) return { cert, key, selfSignedCertFile: certFile, notices: [] };
    if (validTo) replacing = `it ${validTo <= now ? 'expired' : 'expires'} on ${validTo.toISOString()}`;
  }
  const generated = await generateSelfSignedTls();
  await mkdir(dataDir, { recursive: true });
  // The key first, never readable by others; the certificate is public.
  await writeFile(keyFile, generated.keyPem, { mode: 0o600 });
  await chmod(keyFile, 0o600);
  await writeFile(certFile, generated.certPem, { mode: 0o644 });
  await chmod(certFile, 0o644);
  const notices = replacing ? [`HTTPS certificate ${certFile} renewed (${replacing}): clients that trusted the old file must load the new one`] : [];
  return { cert: Buffer.from(generated.certPem), key: Buffer.from(generated.keyPem), selfSignedCertFile: certFile, notices };
}
