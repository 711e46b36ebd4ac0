// checkAgainstCrls (src/pki/crl-check.ts) on generated CAs and CRLs: the ValidationFailure it throws
// names the CRL concerned (kind, number, dates, issuer) and, for crl_invalid, why the CRL is unusable.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseCertificate } from '../../src/pki/certificate.ts';
import { checkAgainstCrls } from '../../src/pki/crl-check.ts';
import { indexCrl } from '../../src/pki/crl.ts';
import { ValidationFailure } from '../../src/pki/path-validation.ts';
import { createCa, createCrl, createLeaf, derTlv, type TestCrl, x509 } from '../helpers/certs.ts';

const DAY = 86_400_000;
const POLICY = { allowSha1: false };

function failureOf(run: () => unknown): ValidationFailure {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof ValidationFailure, String(error));
    return error;
  }
  assert.fail('expected a ValidationFailure');
}

describe('the CRL detail of a failure', async () => {
  const ca = await createCa({ subject: 'CN=crl-check CA, O=graph-pki tests' });
  const leaf = await createLeaf({ subject: 'CN=crl-check leaf', issuer: ca });
  const caCert = parseCertificate(ca.der);
  const leafCert = parseCertificate(leaf.der);
  const check = (base: TestCrl, delta?: TestCrl) => () => checkAgainstCrls(leafCert, caCert, indexCrl(base.der), delta && indexCrl(delta.der), new Date(), POLICY, 0);

  it('revoked: names the base CRL that lists the certificate, its number and dates', async () => {
    const thisUpdate = new Date(Math.floor(Date.now() / 1000) * 1000 - DAY);
    const nextUpdate = new Date(thisUpdate.getTime() + 7 * DAY);
    const crl = await createCrl({ issuer: ca, crlNumber: 41, thisUpdate, nextUpdate, revoked: [{ serialNumber: leaf.serialNumber }] });
    const failure = failureOf(check(crl));
    assert.equal(failure.reason, 'revoked');
    const caKeyId = ca.cert.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId.toUpperCase();
    assert.deepEqual(failure.crl, {
      kind: 'base',
      crlNumber: '41',
      thisUpdate: thisUpdate.toISOString(),
      nextUpdate: nextUpdate.toISOString(),
      issuer: 'CN=crl-check CA, O=graph-pki tests',
      authorityKeyIdentifier: caKeyId,
    });
  });

  it('revoked by a delta CRL: kind delta', async () => {
    const base = await createCrl({ issuer: ca, crlNumber: 50 });
    const delta = await createCrl({ issuer: ca, crlNumber: 51, deltaBaseCrlNumber: 50, revoked: [{ serialNumber: leaf.serialNumber }] });
    const failure = failureOf(check(base, delta));
    assert.equal(failure.reason, 'revoked');
    assert.equal(failure.crl?.kind, 'delta');
    assert.equal(failure.crl?.crlNumber, '51');
  });

  it('crl_invalid says why: signer, expired, not yet valid, not_a_valid_crl (no nextUpdate, no CRL number)', async () => {
    const impostor = await createCa({ subject: 'CN=crl-check CA, O=graph-pki tests' });
    const cases: Array<[TestCrl, string]> = [
      [await createCrl({ issuer: impostor, authorityKeyIdentifier: false }), 'signature'],
      [await createCrl({ issuer: impostor }), 'authority_key_identifier'],
      [await createCrl({ issuer: ca, thisUpdate: new Date(Date.now() - 9 * DAY), nextUpdate: new Date(Date.now() - DAY) }), 'expired'],
      [await createCrl({ issuer: ca, thisUpdate: new Date(Date.now() + DAY) }), 'not_yet_valid'],
      [await createCrl({ issuer: ca, nextUpdate: null }), 'not_a_valid_crl'],
      [await createCrl({ issuer: ca, crlNumber: null }), 'not_a_valid_crl'],
    ];
    for (const [crl, why] of cases) {
      const failure = failureOf(check(crl));
      assert.equal(failure.reason, 'crl_invalid', failure.message);
      assert.equal(failure.crl?.why, why, failure.message);
      assert.equal(failure.crl?.kind, 'base');
    }
    const other = await createCa({ subject: 'CN=another CA' });
    const failure = failureOf(check(await createCrl({ issuer: other, authorityKeyIdentifier: false })));
    assert.equal(failure.crl?.why, 'signer');
    assert.equal(failure.crl?.issuer, 'CN=another CA');
  });

  it('a delta CRL for a newer base than the one held: delta_base_mismatch on the delta', async () => {
    const base = await createCrl({ issuer: ca, crlNumber: 60 });
    const delta = await createCrl({ issuer: ca, crlNumber: 62, deltaBaseCrlNumber: 61 });
    const failure = failureOf(check(base, delta));
    assert.equal(failure.reason, 'crl_invalid');
    assert.deepEqual([failure.crl?.kind, failure.crl?.why, failure.crl?.crlNumber], ['delta', 'delta_base_mismatch', '62']);
  });
});

describe('checkAgainstCrls (the trust store\'s check) and issuingDistributionPoint', async () => {
  const URL = 'http://pki.example.test/CertEnroll/Issuing.crl';
  const ca = await createCa({ subject: 'CN=crl-check IDP CA, O=graph-pki tests' });
  const leaf = await createLeaf({ subject: 'CN=crl-check IDP leaf', issuer: ca, crlDistributionPoints: [URL] });
  const subCa = await createCa({ subject: 'CN=crl-check sub CA', issuer: ca, crlDistributionPoints: [URL] });
  const idp = (url: string, ...fields: Buffer[]) =>
    new x509.Extension('2.5.29.28', true, derTlv(0x30, derTlv(0xa0, derTlv(0xa0, derTlv(0x86, Buffer.from(url, 'latin1')))), ...fields));
  const run = (crl: TestCrl, certificate = leaf) => () => checkAgainstCrls(parseCertificate(certificate.der), parseCertificate(ca.der), indexCrl(crl.der), undefined, new Date(), POLICY, 0);

  it('a critical IDP naming the certificate\'s CDP URL (as AD CS writes it) is used, revocations included', async () => {
    assert.equal(run(await createCrl({ issuer: ca, extraExtensions: [idp(URL)] }))().revoked, false);
    assert.equal(failureOf(run(await createCrl({ issuer: ca, extraExtensions: [idp(URL)], revoked: [{ serialNumber: leaf.serialNumber }] }))).reason, 'revoked');
  });

  it('an IDP naming another URL, or only CA certificates for a leaf, is out of scope: crl_invalid (scope)', async () => {
    for (const crl of [await createCrl({ issuer: ca, extraExtensions: [idp('http://pki.example.test/other.crl')] }), await createCrl({ issuer: ca, extraExtensions: [idp(URL, derTlv(0x82, Buffer.from([0xff])))] })]) {
      const failure = failureOf(run(crl));
      assert.equal(failure.reason, 'crl_invalid', failure.message);
      assert.equal(failure.crl?.why, 'scope');
    }
    assert.equal(run(await createCrl({ issuer: ca, extraExtensions: [idp(URL, derTlv(0x82, Buffer.from([0xff])))] }), subCa)().revoked, false);
  });
});
