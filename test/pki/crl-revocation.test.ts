// RFC 5280 §6.3 over given CRLs (src/pki/crl-revocation.ts) through verifyOffline, on generated PKIs:
// the revocation modes, a CRL signed by an impostor of the issuer's name, issuingDistributionPoint
// scope, CA key rollover, a separate CRL-signing certificate, indirect CRLs and delta CRLs.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { parseCertificate } from '../../src/pki/certificate.ts';
import { indexCrl } from '../../src/pki/crl.ts';
import { type OfflineInput, verifyOffline } from '../../src/pki/offline-verify.ts';
import type { PathVerdict } from '../../src/pki/verdict.ts';
import { createCa, createCrl, createLeaf, derTlv, type TestCert, type TestCrl, x509 } from '../helpers/certs.ts';
import { issuerNameOf } from '../helpers/crl-der.ts';

const OID_IDP = '2.5.29.28';
const OID_CDP = '2.5.29.31';
const OID_CERTIFICATE_ISSUER = '2.5.29.29';
const KEY_COMPROMISE = 1;
const CERTIFICATE_HOLD = 6;
const REMOVE_FROM_CRL = 8;

interface Material {
  leaf: TestCert;
  trusted: TestCert[];
  intermediates?: TestCert[];
  crls?: TestCrl[];
}

function check(material: Material, revocation: OfflineInput['revocation'] = 'require'): Promise<PathVerdict> {
  return verifyOffline({
    leaf: parseCertificate(material.leaf.der),
    trusted: material.trusted.map((c) => parseCertificate(c.der)),
    intermediates: (material.intermediates ?? []).map((c) => parseCertificate(c.der)),
    crls: (material.crls ?? []).map((c) => indexCrl(c.der)),
    validationTime: new Date(),
    purpose: 'any',
    revocation,
  });
}

function expectTrusted(verdict: PathVerdict): void {
  assert.equal(verdict.trusted, true, `expected trusted, got ${verdict.reason}: ${verdict.message}`);
}

function expectReason(verdict: PathVerdict, reason: string, pattern?: RegExp): void {
  assert.equal(verdict.trusted, false, `expected ${reason}, but the path was trusted`);
  assert.equal(verdict.reason, reason, verdict.message);
  if (pattern) assert.match(verdict.message, pattern);
}

const uri = (url: string) => derTlv(0x86, Buffer.from(url, 'latin1'));
const directoryName = (name: Buffer) => derTlv(0xa4, name);
/** IssuingDistributionPoint with a fullName and the given flag fields (already tagged). */
const idp = (critical: boolean, names: Buffer[], ...fields: Buffer[]) =>
  new x509.Extension(OID_IDP, critical, derTlv(0x30, ...(names.length > 0 ? [derTlv(0xa0, derTlv(0xa0, ...names))] : []), ...fields));
const ONLY_USER_CERTS = derTlv(0x81, Buffer.from([0xff]));
const ONLY_CA_CERTS = derTlv(0x82, Buffer.from([0xff]));
const INDIRECT_CRL = derTlv(0x84, Buffer.from([0xff]));
/** onlySomeReasons / reasons: ReasonFlags with the given bits (1 keyCompromise … 8 aACompromise). */
const reasonFlags = (tag: number, bits: number[]) => {
  const value = bits.reduce((v, bit) => v | (1 << (15 - bit)), 0);
  return derTlv(tag, Buffer.from([0, value >> 8, value & 0xff]));
};

let counter = 0;
const unique = (label: string) => `${label} ${++counter}`;

describe('revocation modes of the offline verifier', () => {
  let root: TestCert;
  let int: TestCert;
  let leaf: TestCert;
  before(async () => {
    root = await createCa({ subject: `CN=${unique('Mode Root')}` });
    int = await createCa({ subject: `CN=${unique('Mode Int')}`, issuer: root });
    leaf = await createLeaf({ subject: 'CN=mode leaf', issuer: int });
  });

  it('require: a certificate without a CRL of its issuer fails (crl_unavailable); given: it is unchecked; off: CRLs are not read', async () => {
    const material = { leaf, trusted: [root], intermediates: [int] };
    expectReason(await check(material, 'require'), 'crl_unavailable', /no CRL of/);
    const given = await check(material, 'given');
    expectTrusted(given);
    assert.deepEqual(given.path[0]?.revocation, { checked: false, source: 'file' });
    const revoking = await createCrl({ issuer: int, revoked: [{ serialNumber: leaf.serialNumber }] });
    const withCrl = { ...material, crls: [revoking, await createCrl({ issuer: root })] };
    expectReason(await check(withCrl, 'require'), 'revoked');
    expectReason(await check(withCrl, 'given'), 'revoked');
    expectTrusted(await check(withCrl, 'off'));
  });

  it('require: every certificate below the anchor needs its status proven, the intermediate too', async () => {
    const material = { leaf, trusted: [root], intermediates: [int], crls: [await createCrl({ issuer: int })] };
    expectReason(await check(material, 'require'), 'crl_unavailable', new RegExp(`for '.*Mode Int`));
    expectTrusted(await check({ ...material, crls: [...material.crls, await createCrl({ issuer: root })] }, 'require'));
  });

  it('a CRL for the issuer signed by another key with the same name gives crl_invalid, in every mode but off (it used to be ignored)', async () => {
    const impostor = await createCa({ subject: int.subject, freshKey: true });
    const foreign = await createCrl({ issuer: impostor, revoked: [] });
    const foreignNoAki = await createCrl({ issuer: impostor, authorityKeyIdentifier: false });
    for (const crl of [foreign, foreignNoAki]) {
      const material = { leaf, trusted: [root], intermediates: [int], crls: [crl, await createCrl({ issuer: root })] };
      expectReason(await check(material, 'given'), 'crl_invalid');
      expectReason(await check(material, 'require'), 'crl_invalid');
      expectTrusted(await check(material, 'off'));
    }
    // Even when the impostor's certificate is given: it has no path to the trust anchor.
    const withImpostor = { leaf, trusted: [root], intermediates: [int, impostor], crls: [foreign] };
    expectReason(await check(withImpostor, 'given'), 'crl_invalid', /no valid path to the trust anchor/);
    // Beside a valid CRL of the issuer, the status is proven and the impostor's CRL is passed over.
    expectTrusted(await check({ ...withImpostor, crls: [foreign, await createCrl({ issuer: int })] }, 'given'));
  });
});

describe('issuingDistributionPoint', () => {
  const URL = 'http://pki.example.test/crl/issuing.crl';
  let root: TestCert;
  let int: TestCert;
  let leaf: TestCert;
  let rootCrl: TestCrl;
  before(async () => {
    root = await createCa({ subject: `CN=${unique('IDP Root')}` });
    int = await createCa({ subject: `CN=${unique('IDP Int')}`, issuer: root });
    leaf = await createLeaf({ subject: 'CN=idp leaf', issuer: int, crlDistributionPoints: [URL] });
    rootCrl = await createCrl({ issuer: root });
  });
  const material = (crl: TestCrl) => ({ leaf, trusted: [root], intermediates: [int], crls: [crl, rootCrl] });

  it('a critical IDP naming the URL of the certificate\'s CDP covers it (as AD CS writes it)', async () => {
    expectTrusted(await check(material(await createCrl({ issuer: int, extraExtensions: [idp(true, [uri(URL)])] }))));
    expectReason(await check(material(await createCrl({ issuer: int, extraExtensions: [idp(true, [uri(URL)])], revoked: [{ serialNumber: leaf.serialNumber }] }))), 'revoked');
  });

  it('an IDP naming another distribution point does not cover it: crl_unavailable, in given mode too', async () => {
    const other = material(await createCrl({ issuer: int, extraExtensions: [idp(true, [uri('http://pki.example.test/crl/other.crl')])], revoked: [{ serialNumber: leaf.serialNumber }] }));
    expectReason(await check(other, 'require'), 'crl_unavailable', /scope/);
    expectReason(await check(other, 'given'), 'crl_unavailable', /scope/);
  });

  it('onlyContainsCACerts does not cover a leaf; onlyContainsUserCerts does, and not a CA', async () => {
    expectReason(await check(material(await createCrl({ issuer: int, extraExtensions: [idp(true, [], ONLY_CA_CERTS)] }))), 'crl_unavailable');
    expectTrusted(await check(material(await createCrl({ issuer: int, extraExtensions: [idp(true, [], ONLY_USER_CERTS)] }))));
    const userOnlyRootCrl = await createCrl({ issuer: root, extraExtensions: [idp(true, [], ONLY_USER_CERTS)] });
    expectReason(await check({ leaf, trusted: [root], intermediates: [int], crls: [await createCrl({ issuer: int }), userOnlyRootCrl] }), 'crl_unavailable', /IDP Int/);
  });

  it('onlySomeReasons: two CRLs that split the reasons prove the status together, one alone does not', async () => {
    const some = [1, 2];
    const rest = [3, 4, 5, 6, 7, 8];
    const first = await createCrl({ issuer: int, extraExtensions: [idp(true, [], reasonFlags(0x83, some))] });
    const second = await createCrl({ issuer: int, extraExtensions: [idp(true, [], reasonFlags(0x83, rest))] });
    expectReason(await check(material(first)), 'crl_unavailable', /every revocation reason/);
    expectTrusted(await check({ ...material(first), crls: [first, second, rootCrl] }));
    const revokedInSecond = await createCrl({ issuer: int, extraExtensions: [idp(true, [], reasonFlags(0x83, rest))], revoked: [{ serialNumber: leaf.serialNumber, reason: CERTIFICATE_HOLD }] });
    expectReason(await check({ ...material(first), crls: [first, revokedInSecond, rootCrl] }), 'revoked', /certificateHold/);
  });
});

describe('CA key rollover and separate CRL signers', () => {
  it('certificate under the old key, CRL under the new key (AD CS after a renewal with a new key); one CRL per key', async () => {
    const root = await createCa({ subject: `CN=${unique('Rollover Root')}` });
    const subject = `CN=${unique('Rollover Issuing CA')}`;
    const oldCa = await createCa({ subject, issuer: root });
    const newCa = await createCa({ subject, issuer: root, freshKey: true });
    const leaf = await createLeaf({ subject: 'CN=old-key leaf', issuer: oldCa });
    const rootCrl = await createCrl({ issuer: root });
    const base = { leaf, trusted: [root], intermediates: [oldCa, newCa] };
    expectTrusted(await check({ ...base, crls: [await createCrl({ issuer: newCa }), rootCrl] }));
    expectReason(await check({ ...base, crls: [await createCrl({ issuer: newCa, revoked: [{ serialNumber: leaf.serialNumber }] }), rootCrl] }), 'revoked');
    // One CRL per key: the old key's (clean) and the new key's (revoking): any valid CRL listing it revokes.
    expectReason(await check({ ...base, crls: [await createCrl({ issuer: oldCa }), await createCrl({ issuer: newCa, revoked: [{ serialNumber: leaf.serialNumber }] }), rootCrl] }), 'revoked');
    // The new key's certificate must be given, and itself not revoked.
    expectReason(await check({ ...base, intermediates: [oldCa], crls: [await createCrl({ issuer: newCa }), rootCrl] }), 'crl_invalid');
    const newKeyRevoked = await createCrl({ issuer: root, revoked: [{ serialNumber: newCa.serialNumber, reason: KEY_COMPROMISE }] });
    expectReason(await check({ ...base, crls: [await createCrl({ issuer: newCa }), newKeyRevoked] }), 'crl_invalid', /revoked/);
  });

  it('a separate CRL-signing certificate: its path must reach the same anchor, its own revocation checked', async () => {
    const root = await createCa({ subject: `CN=${unique('Signer Root')}` });
    const otherRoot = await createCa({ subject: `CN=${unique('Other Root')}` });
    const subject = `CN=${unique('Signer Issuing CA')}`;
    const int = await createCa({ subject, issuer: root, keyUsage: x509.KeyUsageFlags.keyCertSign });
    const crlSigner = await createLeaf({ subject, issuer: root, keyUsage: x509.KeyUsageFlags.cRLSign });
    const leaf = await createLeaf({ subject: 'CN=separate-signer leaf', issuer: int });
    const rootCrl = await createCrl({ issuer: root });
    const base = { leaf, trusted: [root, otherRoot], intermediates: [int, crlSigner] };
    expectTrusted(await check({ ...base, crls: [await createCrl({ issuer: crlSigner }), rootCrl] }));
    expectReason(await check({ ...base, crls: [await createCrl({ issuer: crlSigner, revoked: [{ serialNumber: leaf.serialNumber }] }), rootCrl] }), 'revoked');
    // The CA's own key lacks cRLSign: a CRL it signed itself does not count.
    expectReason(await check({ ...base, crls: [await createCrl({ issuer: int }), rootCrl] }), 'crl_invalid', /cRLSign/);
    // The signer revoked on the root's CRL.
    const signerRevoked = await createCrl({ issuer: root, revoked: [{ serialNumber: crlSigner.serialNumber }] });
    expectReason(await check({ ...base, crls: [await createCrl({ issuer: crlSigner }), signerRevoked] }), 'crl_invalid', /revoked/);
    // A signer under another trust anchor does not count, even one that is trusted itself.
    const strangerSigner = await createLeaf({ subject, issuer: otherRoot, keyUsage: x509.KeyUsageFlags.cRLSign });
    expectReason(
      await check({ ...base, intermediates: [int, strangerSigner], crls: [await createCrl({ issuer: strangerSigner }), rootCrl, await createCrl({ issuer: otherRoot })] }),
      'crl_invalid',
    );
  });
});

describe('indirect CRLs', () => {
  it('cRLIssuer in the CDP, an indirect CRL of another authority, entries by certificateIssuer', async () => {
    const root = await createCa({ subject: `CN=${unique('Indirect Root')}` });
    const int = await createCa({ subject: `CN=${unique('Indirect Int')}`, issuer: root });
    const authority = await createCa({ subject: `CN=${unique('CRL Authority')}`, issuer: root, keyUsage: x509.KeyUsageFlags.cRLSign });
    const dpName = Buffer.from('http://crl.example.test/indirect.crl', 'latin1');
    const cdp = new x509.Extension(OID_CDP, false, derTlv(0x30, derTlv(0x30, derTlv(0xa0, derTlv(0xa0, derTlv(0x86, dpName))), derTlv(0xa2, directoryName(issuerNameOf(authority))))));
    const leaf = await createLeaf({ subject: 'CN=indirect leaf', issuer: int, extraExtensions: [cdp] });
    const indirectIdp = idp(true, [derTlv(0x86, dpName)], INDIRECT_CRL);
    const forInt = new x509.Extension(OID_CERTIFICATE_ISSUER, true, derTlv(0x30, directoryName(issuerNameOf(int))));
    const forOther = new x509.Extension(OID_CERTIFICATE_ISSUER, true, derTlv(0x30, directoryName(issuerNameOf(root))));
    const rootCrl = await createCrl({ issuer: root });
    const base = { leaf, trusted: [root], intermediates: [int, authority] };
    expectTrusted(await check({ ...base, crls: [await createCrl({ issuer: authority, extraExtensions: [indirectIdp] }), rootCrl] }));
    const revoking = await createCrl({ issuer: authority, extraExtensions: [indirectIdp], revoked: [{ serialNumber: leaf.serialNumber, extensions: [forInt] }] });
    expectReason(await check({ ...base, crls: [revoking, rootCrl] }), 'revoked');
    // The same serial listed for another CA does not revoke this certificate.
    const otherCa = await createCrl({ issuer: authority, extraExtensions: [indirectIdp], revoked: [{ serialNumber: leaf.serialNumber, extensions: [forOther] }] });
    expectTrusted(await check({ ...base, crls: [otherCa, rootCrl] }));
    // Without indirectCRL in its IDP the authority's CRL cannot speak for the certificates of another CA.
    expectReason(await check({ ...base, crls: [await createCrl({ issuer: authority, extraExtensions: [idp(true, [derTlv(0x86, dpName)])] }), rootCrl] }), 'crl_unavailable');
  });
});

describe('delta CRLs', () => {
  it('a delta newer than its base revokes, removeFromCRL undoes a hold, a stale delta is ignored', async () => {
    const root = await createCa({ subject: `CN=${unique('Delta Root')}` });
    const int = await createCa({ subject: `CN=${unique('Delta Int')}`, issuer: root });
    const leaf = await createLeaf({ subject: 'CN=delta leaf', issuer: int });
    const rootCrl = await createCrl({ issuer: root });
    const material = (crls: TestCrl[]) => ({ leaf, trusted: [root], intermediates: [int], crls: [...crls, rootCrl] });
    const base = await createCrl({ issuer: int, crlNumber: 10 });
    expectReason(await check(material([base, await createCrl({ issuer: int, crlNumber: 11, deltaBaseCrlNumber: 10, revoked: [{ serialNumber: leaf.serialNumber }] })])), 'revoked');
    const held = await createCrl({ issuer: int, crlNumber: 20, revoked: [{ serialNumber: leaf.serialNumber, reason: CERTIFICATE_HOLD }] });
    expectReason(await check(material([held])), 'revoked', /certificateHold/);
    expectTrusted(await check(material([held, await createCrl({ issuer: int, crlNumber: 21, deltaBaseCrlNumber: 20, revoked: [{ serialNumber: leaf.serialNumber, reason: REMOVE_FROM_CRL }] })])));
    const stale = await createCrl({ issuer: int, crlNumber: 19, deltaBaseCrlNumber: 18, revoked: [{ serialNumber: leaf.serialNumber, reason: REMOVE_FROM_CRL }] });
    expectReason(await check(material([held, stale])), 'revoked');
    // A delta alone is no proof.
    expectReason(await check(material([await createCrl({ issuer: int, crlNumber: 31, deltaBaseCrlNumber: 30 })]), 'given'), 'crl_unavailable', /without its base/);
  });
});

describe('budgets', () => {
  it('more than 16 certificates named like the CRL issuer: budget_exceeded rather than a signature check each', async () => {
    const root = await createCa({ subject: `CN=${unique('Budget Root')}` });
    const int = await createCa({ subject: `CN=${unique('Budget Int')}`, issuer: root });
    const leaf = await createLeaf({ subject: 'CN=budget leaf', issuer: int });
    const lookalikes = await Promise.all(Array.from({ length: 16 }, () => createCa({ subject: int.subject, issuer: root, subjectKeyIdentifier: false })));
    const crls = [await createCrl({ issuer: int, authorityKeyIdentifier: false }), await createCrl({ issuer: root })];
    expectTrusted(await check({ leaf, trusted: [root], intermediates: [int, ...lookalikes.slice(0, 15)], crls }));
    expectReason(await check({ leaf, trusted: [root], intermediates: [int, ...lookalikes], crls }), 'budget_exceeded', /more than 16 certificates/);
  });
});
