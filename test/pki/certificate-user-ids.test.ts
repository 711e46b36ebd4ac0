// The certificateUserIds a certificate offers (spec cba-setup-and-signin §1.2), on certificates made here
// and checked against node:crypto's own reading.
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { before, describe, it } from 'node:test';
import { certificateUserIdsOf, nameOfCertificateUserId } from '../../src/pki/certificate-user-ids.ts';
import { type Certificate, parseCertificate } from '../../src/pki/certificate.ts';
import { checkCertificateUserIds } from '../../src/service/directory/certificate-user-ids.ts';
import { formatCertificateUserId, parseCertificateUserId } from '../../src/pki/certificate-user-id-key.ts';
import { createCa, createLeaf, type TestCert } from '../helpers/certs.ts';

let ca: TestCert;
let leaf: TestCert;
let parsed: Certificate;

before(async () => {
  ca = await createCa({ subject: 'DC=com, DC=contoso, CN=CONTOSO-DC-CA' });
  leaf = await createLeaf({
    subject: 'DC=com, DC=contoso, OU=UserAccounts, CN=mfatest',
    issuer: ca,
    serialNumber: '48efa06ba8127299499b069f133441b2',
    subjectAltNames: [
      { type: 'upn', value: 'Bob@Contoso.com' },
      { type: 'upn', value: 'bob@woodgrove' },
      { type: 'email', value: 'bob@contoso.com' },
    ],
  });
  parsed = parseCertificate(leaf.der);
});

describe('values a certificate offers', () => {
  it("writes every SAN UPN and email, and the names in the encoded RDN order without spaces (Entra's DC=com first)", () => {
    assert.deepEqual(certificateUserIdsOf(parsed, 'PrincipalName'), ['X509:<PN>Bob@Contoso.com', 'X509:<PN>bob@woodgrove']);
    assert.deepEqual(certificateUserIdsOf(parsed, 'RFC822Name'), ['X509:<RFC822>bob@contoso.com']);
    assert.deepEqual(certificateUserIdsOf(parsed, 'Subject'), ['X509:<S>DC=com,DC=contoso,OU=UserAccounts,CN=mfatest']);
    assert.deepEqual(certificateUserIdsOf(parsed, 'IssuerAndSubject'), ['X509:<I>DC=com,DC=contoso,CN=CONTOSO-DC-CA<S>DC=com,DC=contoso,OU=UserAccounts,CN=mfatest']);
  });

  it("writes the serial as Entra's how-to example does: bytes reversed, lowercase (48efa0…41b2 → b24134…ef48)", () => {
    assert.deepEqual(certificateUserIdsOf(parsed, 'IssuerAndSerialNumber'), ['X509:<I>DC=com,DC=contoso,CN=CONTOSO-DC-CA<SR>b24134139f069b49997212a86ba0ef48']);
  });

  it('SHA1-PUKEY is the SHA-1 thumbprint of the whole certificate; SKI the hex of the extension', () => {
    const thumbprint = new X509Certificate(leaf.der).fingerprint.replace(/:/g, '');
    assert.deepEqual(certificateUserIdsOf(parsed, 'SHA1PublicKey'), [`X509:<SHA1-PUKEY>${thumbprint}`]);
    const ski = Buffer.from(leaf.cert.getExtension('2.5.29.14')!.value).subarray(2).toString('hex').toUpperCase();
    assert.deepEqual(certificateUserIdsOf(parsed, 'SubjectKeyIdentifier'), [`X509:<SKI>${ski}`]);
  });

  it('offers nothing for a field the certificate lacks', async () => {
    const bare = parseCertificate((await createLeaf({ subject: 'CN=Bare', issuer: ca, subjectKeyIdentifier: false })).der);
    assert.deepEqual(certificateUserIdsOf(bare, 'PrincipalName'), []);
    assert.deepEqual(certificateUserIdsOf(bare, 'RFC822Name'), []);
    assert.deepEqual(certificateUserIdsOf(bare, 'SubjectKeyIdentifier'), []);
  });

  it('reads the name of a PN or RFC822 value only', () => {
    assert.equal(nameOfCertificateUserId('X509:<PN>bob@contoso.com'), 'bob@contoso.com');
    assert.equal(nameOfCertificateUserId('X509:<RFC822>bob@contoso.com'), 'bob@contoso.com');
    assert.equal(nameOfCertificateUserId('X509:<S>CN=bob'), null);
    assert.equal(nameOfCertificateUserId('x509:<PN>bob@contoso.com'), null);
  });

  it('offers only values the directory stores as they are, each its own match key (one rule for both)', () => {
    const fields = ['PrincipalName', 'RFC822Name', 'IssuerAndSubject', 'Subject', 'SubjectKeyIdentifier', 'SHA1PublicKey', 'IssuerAndSerialNumber'] as const;
    for (const field of fields) {
      for (const value of certificateUserIdsOf(parsed, field)) {
        assert.deepEqual(checkCertificateUserIds([value], { maxCertificateUserIds: 10, maxCertificateUserIdLength: 1024 }), [value], `${field} is accepted by POST /users`);
        const form = parseCertificateUserId(value);
        assert.ok(form && !('problem' in form), `${field} parses as a documented form`);
        assert.equal(formatCertificateUserId(form), value, `${field} is written back as offered`);
      }
    }
  });
});
