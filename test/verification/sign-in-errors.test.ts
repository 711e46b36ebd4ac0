// Entra's AADSTS messages with their {placeholders} filled from what the verification found: the
// certificate out of its validity (500172), the CRL download's HTTP status (500173), the CA's SKI against
// the CRL's AKI (2205015); our wordings where Entra's would be untrue (a CRL out of its validity, no HTTP
// status, a timeout, a signature that fails with the right AKI). First the table on its own, then through
// the verify API with real certificates and CRLs served on loopback. No message keeps a `{`.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_CRL_CONFIG } from '../../src/config.ts';
import { type CertificateFailure, type CrlFacts, certificateError, entraTimestamp, httpStatusName, type SignInError } from '../../src/service/verification/sign-in-errors.ts';
import { createCa, createCrl, createLeaf, type TestCert, x509 } from '../helpers/certs.ts';
import { type FileServer, startFileServer } from '../helpers/file-server.ts';
import { setX509Policy } from '../helpers/signin-client.ts';
import { PKI_PATH, startTestServer, type TestServer } from '../helpers/test-server.ts';

const AT = new Date('2026-03-04T10:15:30.250Z');
const NO_CRL: CrlFacts = {
  crlUrl: 'http://crl.contoso.test/ca.crl',
  why: null,
  issuer: 'CN=Contoso CA',
  thisUpdate: null,
  nextUpdate: null,
  authorityKeyIdentifier: null,
  expectedSubjectKeyIdentifier: null,
  download: null,
};

function failure(overrides: Partial<CertificateFailure>): CertificateFailure {
  return { reason: 'crl_unavailable', message: 'what the verification said', validationTime: AT, certificate: null, crl: null, ...overrides };
}

function assertFilled(error: SignInError): void {
  assert.ok(!error.message.includes('{') && !error.message.includes('}'), `unfilled placeholder: ${error.message}`);
}

describe('the messages, filled', () => {
  it('prints dates as Entra’s Timestamp line does', () => {
    assert.equal(entraTimestamp(AT), '2026-03-04 10:15:30Z');
  });

  it('500172: the certificate’s name and issuer, the time and its validity', () => {
    const error = certificateError(
      failure({
        reason: 'expired',
        certificate: { subjectText: 'CN=Alice', issuerText: 'CN=Contoso CA', notBefore: new Date('2025-01-01T00:00:00Z'), notAfter: new Date('2026-01-01T00:00:00Z') },
      }),
    );
    assert.equal(error.code, 'AADSTS500172');
    assert.equal(
      error.message,
      "Certificate 'CN=Alice' issued by 'CN=Contoso CA' is not valid. Current time: '2026-03-04 10:15:30Z'. Certificate NotBefore: '2025-01-01 00:00:00Z'. Certificate NotAfter: '2026-01-01 00:00:00Z'.",
    );
    assert.equal(error.detail, 'what the verification said');
  });

  it('500172 for a CRL out of its validity names the CRL, not a certificate', () => {
    const error = certificateError(failure({ reason: 'crl_invalid', crl: { ...NO_CRL, why: 'expired', thisUpdate: '2026-02-01T00:00:00.000Z', nextUpdate: '2026-03-01T00:00:00.000Z' } }));
    assert.equal(error.errorCode, 500172);
    assert.equal(
      error.message,
      "Certificate Revocation List (CRL) 'http://crl.contoso.test/ca.crl' issued by 'CN=Contoso CA' is not valid. Current time: '2026-03-04 10:15:30Z'. CRL ThisUpdate: '2026-02-01 00:00:00Z'. CRL NextUpdate: '2026-03-01 00:00:00Z'.",
    );
  });

  it('500173: the HTTP status as .NET names it (Entra’s FAQ: "Invalid status code Forbidden"), the number when .NET has no name', () => {
    const error = certificateError(failure({ crl: { ...NO_CRL, download: { kind: 'status', url: NO_CRL.crlUrl as string, status: 403 } } }));
    assert.equal(error.message, 'Unable to download a Certificate Revocation List (CRL). Invalid status code Forbidden from CRL distribution point. Please contact your administrator.');
    assert.equal(httpStatusName(404), 'NotFound');
    assert.equal(httpStatusName(599), '599');
  });

  it('no status at all (refused connection): 500173 in our words, with the URL and the cause', () => {
    const error = certificateError(failure({ crl: { ...NO_CRL, download: { kind: 'unreachable', url: NO_CRL.crlUrl as string, why: 'connect ECONNREFUSED 127.0.0.1:9' } } }));
    assert.equal(error.errorCode, 500173);
    assert.equal(
      error.message,
      "Unable to download a Certificate Revocation List (CRL). No status code from CRL distribution point 'http://crl.contoso.test/ca.crl': connect ECONNREFUSED 127.0.0.1:9. Please contact your administrator.",
    );
  });

  it('a download over the time limit: 2205012 with the URL, without Entra’s "trying to download again"', () => {
    const error = certificateError(failure({ crl: { ...NO_CRL, download: { kind: 'timeout', url: NO_CRL.crlUrl as string } } }));
    assert.equal(error.errorCode, 2205012);
    assert.equal(error.message, "The attempt to download the Certificate Revocation List (CRL) from 'http://crl.contoso.test/ca.crl' during the interactive sign-in has timed out. Please try again in a few minutes.");
  });

  it('a download over the size limit: 2205014 with the URL and the limit; no free slot in time: 500179', () => {
    const large = certificateError(failure({ crl: { ...NO_CRL, download: { kind: 'too_large', url: NO_CRL.crlUrl as string, maxBytes: 20_971_520 } } }));
    assert.equal(large.errorCode, 2205014);
    assert.match(large.message, /from 'http:\/\/crl\.contoso\.test\/ca\.crl' .* \(20971520 bytes\)\. Please contact your administrator\.$/);
    assert.equal(certificateError(failure({ crl: { ...NO_CRL, download: { kind: 'busy', url: NO_CRL.crlUrl as string } } })).message, 'CRL validation timed out. Please try again later.');
  });

  it('2205015: the CA’s SKI and the CRL’s AKI in hex; our words when the AKI is the CA’s and the signature still fails', () => {
    const mismatch = certificateError(failure({ reason: 'crl_invalid', crl: { ...NO_CRL, why: 'authority_key_identifier', expectedSubjectKeyIdentifier: 'A1B2', authorityKeyIdentifier: 'C3D4' } }));
    assert.equal(mismatch.message, "The Certificate Revocation List (CRL) failed signature validation. The expected SubjectKeyIdentifier A1B2 does not match CRL's AuthorityKeyIdentifier C3D4. Please contact your administrator.");
    const badSignature = certificateError(failure({ reason: 'crl_invalid', message: 'the CRL has an invalid signature', crl: { ...NO_CRL, why: 'signature', expectedSubjectKeyIdentifier: 'A1B2', authorityKeyIdentifier: 'A1B2' } }));
    assert.equal(badSignature.errorCode, 2205015);
    assert.equal(badSignature.message, 'The Certificate Revocation List (CRL) failed signature validation: the CRL has an invalid signature. Please contact your administrator.');
  });

  it('every cause a failure can have gives a message without a placeholder', () => {
    const downloads = [
      { kind: 'status', url: 'u', status: 500 },
      { kind: 'timeout', url: 'u' },
      { kind: 'too_large', url: 'u', maxBytes: 1 },
      { kind: 'busy', url: 'u' },
      { kind: 'unreachable', url: 'u', why: 'w' },
    ] as const;
    const whys = ['signer', 'authority_key_identifier', 'signature', 'expired', 'not_yet_valid', 'malformed', 'not_a_valid_crl', 'scope', null];
    const reasons = ['untrusted_root', 'revoked', 'expired', 'not_yet_valid', 'crl_unavailable', 'crl_invalid', 'bad_signature'] as const;
    let seen = 0;
    for (const reason of reasons) {
      for (const crl of [null, NO_CRL, { ...NO_CRL, crlUrl: null }, ...downloads.map((download) => ({ ...NO_CRL, download })), ...whys.map((why) => ({ ...NO_CRL, why }))]) {
        assertFilled(certificateError(failure({ reason, crl })));
        seen++;
      }
    }
    assert.ok(seen > 100);
  });
});

describe('through the verify API (real certificates, CRLs on loopback)', () => {
  let t: TestServer;
  let files: FileServer;
  let root: TestCert;
  let leaf: TestCert;

  before(async () => {
    t = await startTestServer({ allowPrivateFetch: true, crl: { ...DEFAULT_CRL_CONFIG, crlDownloadTimeoutMs: 1500 } });
    files = await startFileServer();
    // Certificate sign-in is off in a new tenant: the sign-in outcome would be 130501 before any certificate error.
    await setX509Policy(t, { state: 'enabled' });
    root = await createCa({ subject: 'CN=Messages Root, O=Contoso' });
    leaf = await createLeaf({
      subject: 'CN=Alice, O=Contoso',
      issuer: root,
      extendedKeyUsage: ['1.3.6.1.5.5.7.3.2'],
      notBefore: new Date('2026-01-01T00:00:00Z'),
      notAfter: new Date('2027-01-01T00:00:00Z'),
    });
    const pkiId = (await t.request('POST', `/beta${PKI_PATH}`, { body: { displayName: 'Messages PKI' } })).body.id;
    const ca = await t.request('POST', `/beta${PKI_PATH}/${pkiId}/certificateAuthorities`, { body: { certificate: root.base64, certificateRevocationListUrl: `${files.url}/root.crl` } });
    assert.equal(ca.status, 201, ca.text);
  });
  after(async () => {
    await t?.close();
    await files?.close();
  });

  async function signInError(validationTime?: string): Promise<SignInError> {
    const res = await t.request('POST', '/graph-pki/v1/verify', { body: { certificate: leaf.base64, ...(validationTime ? { validationTime } : {}) } });
    assert.equal(res.status, 200, res.text);
    const error = res.body.signIn.error as SignInError;
    assert.ok(error, res.text);
    assertFilled(error);
    return error;
  }

  it('an expired certificate: 500172 with its name, issuer and dates', async () => {
    const error = await signInError('2027-02-03T04:05:06Z');
    assert.equal(
      error.message,
      "Certificate 'CN=Alice, O=Contoso' issued by 'CN=Messages Root, O=Contoso' is not valid. Current time: '2027-02-03 04:05:06Z'. Certificate NotBefore: '2026-01-01 00:00:00Z'. Certificate NotAfter: '2027-01-01 00:00:00Z'.",
    );
  });

  it('a CRL URL that answers 404: 500173 "Invalid status code NotFound"', async () => {
    const error = await signInError();
    assert.equal(error.errorCode, 500173);
    assert.equal(error.message, 'Unable to download a Certificate Revocation List (CRL). Invalid status code NotFound from CRL distribution point. Please contact your administrator.');
    assert.match(error.detail, /HTTP 404/);
  });

  it('a CRL URL that never answers: 2205012 with the URL', async () => {
    files.set('/root.crl', { stall: true });
    const error = await signInError();
    assert.equal(error.errorCode, 2205012);
    assert.match(error.message, new RegExp(`from '${files.url}/root\\.crl' during the interactive sign-in has timed out\\.`));
  });

  it('a CRL of another key under the CA’s name: 2205015 with the CA’s SKI and the CRL’s AKI', async () => {
    const impostor = await createCa({ subject: 'CN=Messages Root, O=Contoso' });
    files.set('/root.crl', { body: (await createCrl({ issuer: impostor })).der });
    const ski = (key: TestCert) => (key.cert.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId ?? '').toUpperCase();
    const error = await signInError();
    assert.equal(error.errorCode, 2205015);
    assert.equal(
      error.message,
      `The Certificate Revocation List (CRL) failed signature validation. The expected SubjectKeyIdentifier ${ski(root)} does not match CRL's AuthorityKeyIdentifier ${ski(impostor)}. Please contact your administrator.`,
    );
    assert.notEqual(ski(root), ski(impostor));
  });
});
