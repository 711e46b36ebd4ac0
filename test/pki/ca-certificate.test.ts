// The CA certificate checks and derivations of pki/, without HTTP.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CertificateProblem, decodeCertificateValue, parseCaCertificate } from '../../src/pki/ca-certificate.ts';
import { BundleProblem, certificatesOfBundle, certificatesOfFile } from '../../src/pki/certificate-bundle.ts';
import { DerError, readTlv } from '../../src/pki/der.ts';
import { createCa, createCaWithOffCurveKey, p7bOf, p7bPemOf, sha1ThumbprintHex, type KeyKind } from '../helpers/certs.ts';

const LIMIT = 8192;

function problemOf(run: () => unknown): CertificateProblem {
  try {
    run();
  } catch (error) {
    if (error instanceof CertificateProblem) return error;
    throw error;
  }
  throw new Error('expected a CertificateProblem');
}

describe('parseCaCertificate', () => {
  for (const key of ['rsa2048', 'p256', 'p384', 'p521', 'ed25519'] as KeyKind[]) {
    it(`accepts a ${key} root and derives its properties`, async () => {
      const ca = await createCa({ subject: `CN=${key} Root, O=Test`, key, crlDistributionPoints: ['http://crl.test/a.crl'] });
      const parsed = parseCaCertificate(ca.der, LIMIT);
      assert.equal(parsed.type, 'root');
      assert.equal(parsed.thumbprint, sha1ThumbprintHex(ca));
      assert.equal(parsed.subject, `CN=${key} Root, O=Test`);
      assert.equal(parsed.subjectCommonName, `${key} Root`);
      assert.deepEqual(parsed.crlDistributionUrls, ['http://crl.test/a.crl']);
      assert.match(parsed.subjectKeyIdentifier ?? '', /^[0-9A-F]+$/);
    });
  }

  it('refuses an EC key whose point is off its curve, naming the curve (the signature over it is valid)', async () => {
    const offCurveDer = await createCaWithOffCurveKey(await createCa({ subject: 'CN=Parent' }));
    const problem = problemOf(() => parseCaCertificate(offCurveDer, LIMIT));
    assert.equal(problem.reason, 'not_a_certificate');
    assert.match(problem.message, /the EC public key is not a point on P-256$/);
  });

  it('calls a self-issued certificate signed by another key intermediate, not root', async () => {
    const signer = await createCa({ subject: 'CN=Signer' });
    const crossLike = await createCa({ subject: 'CN=Same Name', issuer: signer, issuerNameOverride: 'CN=Same Name' });
    assert.equal(parseCaCertificate(crossLike.der, LIMIT).type, 'intermediate');
  });

  it('reports a missing subjectKeyIdentifier as null', async () => {
    const ca = await createCa({ subject: 'CN=No SKI', subjectKeyIdentifier: false });
    assert.equal(parseCaCertificate(ca.der, LIMIT).subjectKeyIdentifier, null);
  });

  it('refuses a certificate without basicConstraints', async () => {
    const ca = await createCa({ subject: 'CN=No BC', basicConstraints: false });
    assert.equal(problemOf(() => parseCaCertificate(ca.der, LIMIT)).reason, 'not_a_ca');
  });

  it('refuses truncated and padded DER', async () => {
    const ca = await createCa({ subject: 'CN=Cut' });
    assert.equal(problemOf(() => parseCaCertificate(ca.der.subarray(0, ca.der.length - 1), LIMIT)).reason, 'not_a_certificate');
    assert.equal(problemOf(() => parseCaCertificate(Buffer.concat([ca.der, Buffer.alloc(1)]), LIMIT)).reason, 'trailing_data');
  });

  it('decodes base64 of DER and base64 of PEM to the same bytes', async () => {
    const ca = await createCa({ subject: 'CN=Encodings' });
    assert.deepEqual(decodeCertificateValue(ca.base64), ca.der);
    assert.deepEqual(decodeCertificateValue(Buffer.from(ca.pem).toString('base64')), ca.der);
    assert.deepEqual(decodeCertificateValue(ca.base64.replace(/(.{64})/g, '$1\n')), ca.der);
  });
});

describe('certificate bundles', () => {
  it('reads DER and PEM .p7b in order, and PEM certificate lists', async () => {
    const a = await createCa({ subject: 'CN=A' });
    const b = await createCa({ subject: 'CN=B', issuer: a });
    assert.deepEqual(certificatesOfBundle(p7bOf([a, b])), [a.der, b.der]);
    assert.deepEqual(certificatesOfBundle(Buffer.from(p7bPemOf([a, b]))), [a.der, b.der]);
    assert.deepEqual(certificatesOfBundle(Buffer.from(a.pem + b.pem)), [a.der, b.der]);
    assert.deepEqual(certificatesOfFile(a.der), [a.der]);
    assert.deepEqual(certificatesOfFile(p7bOf([b])), [b.der]);
  });

  it('refuses what is not a bundle, with the reason', () => {
    assert.throws(() => certificatesOfBundle(Buffer.alloc(0)), BundleProblem);
    assert.throws(() => certificatesOfBundle(Buffer.from([0x30, 0x80, 0, 0])), /indefinite length/);
    assert.throws(() => certificatesOfBundle(Buffer.from('-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n')), /unexpected PEM block 'PRIVATE KEY'/);
    // A ContentInfo of type data (1.2.840.113549.1.7.1), not signedData.
    assert.throws(() => certificatesOfBundle(Buffer.from('300b06092a864886f70d010701', 'hex')), /not signedData/);
  });
});

describe('DER reader', () => {
  it('refuses lengths that run past their container and non-minimal lengths', () => {
    assert.throws(() => readTlv(Buffer.from([0x30, 0x05, 0x01]), 0), DerError);
    assert.throws(() => readTlv(Buffer.from([0x30, 0x81, 0x05, 0, 0, 0, 0, 0]), 0), /non-minimal/);
    assert.throws(() => readTlv(Buffer.from([0x30, 0x85, 1, 1, 1, 1, 1]), 0), /too large/);
    assert.deepEqual(readTlv(Buffer.from([0x04, 0x02, 0xaa, 0xbb]), 0), { tag: 4, start: 0, valueStart: 2, end: 4 });
  });
});
