// Checks the certificate factory against independent parsers: node:crypto's X509Certificate
// (OpenSSL underneath) and the openssl command line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { X509Certificate as NodeX509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  createCa,
  createChain,
  createCrl,
  createLeaf,
  p7bOf,
  p7bPemOf,
  sha1ThumbprintHex,
  sha256Hex,
  type KeyKind,
  x509,
} from './certs.ts';

const OPENSSL = '/usr/bin/openssl';

function openssl(args: string[], input: Buffer | string): string {
  return execFileSync(OPENSSL, args, { input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
}

function cdpUrls(der: Buffer): string[] {
  const cdp = new x509.X509Certificate(der).getExtension(x509.CRLDistributionPointsExtension);
  assert.ok(cdp, 'CRL distribution points extension present');
  return Array.from(cdp.distributionPoints).flatMap((dp) => (dp.distributionPoint?.fullName ?? []).map((n) => n.uniformResourceIdentifier ?? ''));
}

test('a self-signed root verifies with its own public key and is a CA', async () => {
  const root = await createCa({ subject: 'CN=Contoso Root CA, O=Contoso' });
  const node = new NodeX509Certificate(root.der);
  assert.equal(node.ca, true);
  assert.equal(node.checkIssued(node), true);
  assert.equal(node.verify(node.publicKey), true);
  assert.equal(node.subject, 'CN=Contoso Root CA\nO=Contoso');
  assert.equal(node.subject, node.issuer);
  assert.equal(root.base64, root.der.toString('base64'));
  assert.match(root.pem, /^-----BEGIN CERTIFICATE-----\n/);
  assert.equal(sha1ThumbprintHex(root), node.fingerprint.replace(/:/g, ''));
  assert.equal(sha256Hex(root.der), node.fingerprint256.replace(/:/g, ''));
  assert.equal(node.serialNumber.toLowerCase(), root.serialNumber);
  assert.equal(node.serialNumber.length, 32, '16-byte serial, no leading zero byte');
  const ext = root.cert.getExtension(x509.BasicConstraintsExtension);
  assert.ok(ext?.critical, 'basicConstraints critical on a CA');
  assert.equal(root.cert.getExtension(x509.AuthorityKeyIdentifierExtension), null, 'no AKI on a self-signed root by default');
});

test('an intermediate is issued by its root, a leaf by the intermediate; the ca flag follows the role', async () => {
  const root = await createCa({ subject: 'CN=Fabrikam Root CA, O=Fabrikam' });
  const intermediate = await createCa({ subject: 'CN=Fabrikam Issuing CA, O=Fabrikam', issuer: root, pathLength: 0 });
  const leaf = await createLeaf({
    subject: 'CN=Alice',
    issuer: intermediate,
    subjectAltNames: [{ type: 'upn', value: 'alice@fabrikam.example' }, { type: 'email', value: 'alice@fabrikam.example' }],
    extendedKeyUsage: [x509.ExtendedKeyUsage.clientAuth],
  });
  const [r, i, l] = [root, intermediate, leaf].map((c) => new NodeX509Certificate(c.der)) as [NodeX509Certificate, NodeX509Certificate, NodeX509Certificate];
  assert.equal(i.checkIssued(r), true);
  assert.equal(i.verify(r.publicKey), true);
  assert.equal(i.verify(i.publicKey), false);
  assert.equal(i.issuer, r.subject);
  assert.equal(l.checkIssued(i), true);
  assert.equal(l.verify(i.publicKey), true);
  assert.equal(l.verify(r.publicKey), false);
  assert.deepEqual([r.ca, i.ca, l.ca], [true, true, false]);
  assert.equal(l.subjectAltName, 'othername:UPN:alice@fabrikam.example, email:alice@fabrikam.example');
  assert.equal(intermediate.cert.getExtension(x509.BasicConstraintsExtension)?.pathLength, 0);
  const aki = intermediate.cert.getExtension(x509.AuthorityKeyIdentifierExtension);
  assert.equal(aki?.keyId, root.cert.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId);
  assert.equal(leaf.cert.getExtension(x509.KeyUsagesExtension)?.usages, x509.KeyUsageFlags.digitalSignature);
  assert.equal(
    intermediate.cert.getExtension(x509.KeyUsagesExtension)?.usages,
    x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign,
  );
});

test('CRL distribution points are written and parse back', async () => {
  const root = await createCa({ subject: 'CN=CDP Root' });
  const urls = ['http://crl.contoso.example/root.crl', 'ldap://ldap.contoso.example/CN=Root,O=Contoso?certificateRevocationList'];
  const ca = await createCa({ subject: 'CN=CDP Issuing CA', issuer: root, crlDistributionPoints: urls });
  assert.deepEqual(cdpUrls(ca.der), urls);

  const chain = await createChain({ depth: 2, crlBaseUrl: 'https://pki.example/crl/' });
  assert.deepEqual(chain.crlUrls, { root: 'https://pki.example/crl/root.crl', intermediates: ['https://pki.example/crl/int1.crl', 'https://pki.example/crl/int2.crl'] });
  assert.deepEqual(cdpUrls(chain.intermediates[0]!.der), ['https://pki.example/crl/root.crl']);
  assert.deepEqual(cdpUrls(chain.intermediates[1]!.der), ['https://pki.example/crl/int1.crl']);
  assert.deepEqual(cdpUrls(chain.leaf.der), ['https://pki.example/crl/int2.crl']);
  assert.equal(chain.root.cert.getExtension(x509.CRLDistributionPointsExtension), null);
});

test('createChain links root → intermediates → leaf', async () => {
  const { root, intermediates, leaf } = await createChain({ depth: 2 });
  const path = [root, ...intermediates, leaf].map((c) => new NodeX509Certificate(c.der));
  for (let n = 1; n < path.length; n++) {
    assert.equal(path[n]!.checkIssued(path[n - 1]!), true, `link ${n}`);
    assert.equal(path[n]!.verify(path[n - 1]!.publicKey), true, `signature ${n}`);
  }
  assert.equal(path.at(-1)!.ca, false);
  const other = await createChain();
  assert.notEqual(other.root.subject, root.subject, 'subjects are unique per chain');
});

test('other key kinds and signature hashes (RSA key re-imported for the hash)', async () => {
  for (const key of ['p384', 'ed25519', 'rsa2048'] as KeyKind[]) {
    const root = await createCa({ subject: `CN=Root ${key}`, key });
    const sub = await createCa({ subject: `CN=Sub ${key}`, key, issuer: root, signatureHash: 'SHA-512' });
    const r = new NodeX509Certificate(root.der);
    const s = new NodeX509Certificate(sub.der);
    assert.equal(r.verify(r.publicKey), true, key);
    assert.equal(s.verify(r.publicKey), true, key);
    assert.notEqual(root.keys, sub.keys, `${key}: an issued cert never reuses its issuer's key`);
    const text = openssl(['x509', '-inform', 'DER', '-noout', '-text'], sub.der);
    const expected = key === 'ed25519' ? 'ED25519' : key === 'p384' ? 'ecdsa-with-SHA512' : 'sha512WithRSAEncryption';
    assert.match(text, new RegExp(`Signature Algorithm: ${expected}`), key);
  }
});

test('a .p7b bundle round-trips through @peculiar/x509 in order, DER and PEM', async () => {
  const { root, intermediates, leaf } = await createChain({ depth: 2 });
  const certs = [intermediates[1]!, root, leaf, intermediates[0]!];
  const der = p7bOf(certs);
  const parsed = new x509.X509Certificates(der);
  assert.equal(parsed.length, certs.length);
  parsed.forEach((c, n) => assert.deepEqual(Buffer.from(c.rawData), certs[n]!.der, `certificate ${n}`));

  const pem = p7bPemOf(certs);
  assert.match(pem, /^-----BEGIN PKCS7-----\n(?:[A-Za-z0-9+/=]{1,64}\n)+-----END PKCS7-----\n$/);
  const fromPem = new x509.X509Certificates(pem);
  assert.deepEqual(Array.from(fromPem, (c) => Buffer.from(c.rawData)), certs.map((c) => c.der));

  assert.equal(new x509.X509Certificates(p7bOf([])).length, 0);
});

test('openssl reads the .p7b and lists every subject in order', async () => {
  const { root, intermediates, leaf } = await createChain({ name: 'OpenSSL P7B' });
  const certs = [root, intermediates[0]!, leaf];
  const subjects = (text: string) => [...text.matchAll(/^subject=(.*)$/gm)].map((m) => m[1]);
  const expected = ['CN = OpenSSL P7B Root CA, O = graph-pki tests', 'CN = OpenSSL P7B Issuing CA 1, O = graph-pki tests', 'CN = Test User OpenSSL P7B, O = graph-pki tests'];
  assert.deepEqual(subjects(openssl(['pkcs7', '-inform', 'DER', '-print_certs', '-noout'], p7bOf(certs))), expected);
  assert.deepEqual(subjects(openssl(['pkcs7', '-inform', 'PEM', '-print_certs', '-noout'], p7bPemOf(certs))), expected);
});

test('openssl reads a generated CRL with its revoked serial and CRL number', async () => {
  const { intermediates, leaf } = await createChain({ name: 'CRL Check' });
  const issuer = intermediates[0]!;
  const crl = await createCrl({
    issuer,
    revoked: [{ serialNumber: leaf.serialNumber, reason: x509.X509CrlReason.keyCompromise }],
    crlNumber: 4242,
  });
  const text = openssl(['crl', '-inform', 'DER', '-noout', '-text'], crl.der);
  assert.match(text, /Version 2/);
  assert.match(text, /Issuer: CN = CRL Check Issuing CA 1, O = graph-pki tests/);
  assert.match(text, /X509v3 CRL Number: \n\s+4242/);
  assert.match(text, new RegExp(`Serial Number: ${leaf.serialNumber.toUpperCase()}`));
  assert.match(text, /Key Compromise/);
  assert.match(crl.pem, /^-----BEGIN X509 CRL-----\n/);
  // Signature checks out against the issuer, with openssl and with @peculiar/x509.
  const dir = mkdtempSync(path.join(tmpdir(), 'certs-test-'));
  try {
    writeFileSync(path.join(dir, 'issuer.pem'), issuer.pem);
    writeFileSync(path.join(dir, 'crl.der'), crl.der);
    const result = spawnSync(OPENSSL, ['crl', '-inform', 'DER', '-in', path.join(dir, 'crl.der'), '-CAfile', path.join(dir, 'issuer.pem'), '-noout'], { encoding: 'utf8' });
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stderr + result.stdout, /verify OK/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  assert.equal(await crl.crl.verify({ publicKey: issuer.cert }), true);
  assert.equal(crl.crl.findRevoked(leaf.serialNumber)?.reason, x509.X509CrlReason.keyCompromise);

  const delta = await createCrl({ issuer, crlNumber: 4243, deltaBaseCrlNumber: 4242, revoked: [{ serialNumber: '01', reason: 0 }] });
  const deltaText = openssl(['crl', '-inform', 'DER', '-noout', '-text'], delta.der);
  assert.match(deltaText, /Delta CRL Indicator: critical\n\s+4242/);
  assert.match(deltaText, /Unspecified/, 'reason 0 is written, not dropped');
});

test('250 distinct CA certificates (p256) are fast', async (t) => {
  const started = performance.now();
  const cas = [];
  for (let n = 0; n < 250; n++) cas.push(await createCa({ subject: `CN=Bulk CA ${n}, O=graph-pki tests` }));
  const elapsed = performance.now() - started;
  t.diagnostic(`250 p256 CAs in ${elapsed.toFixed(0)} ms`);
  assert.ok(elapsed < 10_000, `took ${elapsed.toFixed(0)} ms`);
  assert.equal(new Set(cas.map((c) => c.serialNumber)).size, 250);
  assert.equal(new Set(cas.map((c) => sha1ThumbprintHex(c))).size, 250);
  assert.equal(new Set(cas.map((c) => c.cert.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId)).size, 250);
});
