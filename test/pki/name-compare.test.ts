// Name comparison per RFC 5280 §7.1 (src/pki/name-compare.ts) on hand-made DER Names, and through path
// validation on generated chains: an issuer Name that differs from its CA's subject only in case is
// chained, and a self-issued CA (key rollover) written that way is still self-issued for pathLen.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseCertificate } from '../../src/pki/certificate.ts';
import { canonicalName, canonicalRdn, isSelfIssued, namesEqual } from '../../src/pki/name-compare.ts';
import { verifyOffline } from '../../src/pki/offline-verify.ts';
import { createCa, createLeaf, derTlv, type TestCert } from '../helpers/certs.ts';

const OID = { C: '0603550406', O: '060355040a', CN: '0603550403', DC: '06092a864886f22c640119' } as const;
const TAG = { utf8: 0x0c, printable: 0x13, ia5: 0x16, bmp: 0x1e, octets: 0x04 } as const;

type Attribute = [keyof typeof OID, number, string | Buffer];

function atv([type, tag, value]: Attribute): Buffer {
  const bytes = Buffer.isBuffer(value) ? value : tag === TAG.bmp ? Buffer.from(value, 'utf16le').swap16() : Buffer.from(value, 'utf8');
  return derTlv(0x30, Buffer.from(OID[type], 'hex'), derTlv(tag, bytes));
}

/** A DER Name: each inner array one RDN (several attributes make a multi-valued RDN, in the given order). */
function name(...rdns: Attribute[][]): Buffer {
  return derTlv(0x30, ...rdns.map((attributes) => derTlv(0x31, ...attributes.map(atv))));
}

describe('namesEqual (RFC 5280 §7.1)', () => {
  const base = name([['C', TAG.printable, 'US']], [['O', TAG.printable, 'Test Certificates 2011']], [['CN', TAG.utf8, 'Issuing CA']]);

  it('ignores case', () => {
    assert.ok(namesEqual(base, name([['C', TAG.printable, 'us']], [['O', TAG.printable, 'TEST certificates 2011']], [['CN', TAG.utf8, 'issuing ca']])));
  });

  it('removes leading and trailing white space and folds internal runs', () => {
    assert.ok(namesEqual(base, name([['C', TAG.printable, ' US']], [['O', TAG.printable, 'Test   Certificates  2011  ']], [['CN', TAG.utf8, '  Issuing\tCA']])));
    assert.ok(!namesEqual(base, name([['C', TAG.printable, 'US']], [['O', TAG.printable, 'TestCertificates 2011']], [['CN', TAG.utf8, 'Issuing CA']])), 'spaces are folded, not removed');
  });

  it('compares PrintableString, UTF8String and BMPString values as the same text', () => {
    assert.ok(namesEqual(base, name([['C', TAG.utf8, 'US']], [['O', TAG.utf8, 'Test Certificates 2011']], [['CN', TAG.printable, 'Issuing CA']])));
    assert.ok(namesEqual(base, name([['C', TAG.bmp, 'US']], [['O', TAG.printable, 'Test Certificates 2011']], [['CN', TAG.bmp, 'Issuing CA']])));
  });

  it('ignores the order of attributes within an RDN, not the order of RDNs', () => {
    const multi = name([['O', TAG.printable, 'Contoso'], ['CN', TAG.utf8, 'CA']]);
    assert.ok(namesEqual(multi, name([['CN', TAG.utf8, 'ca'], ['O', TAG.printable, 'contoso']])));
    assert.ok(!namesEqual(name([['O', TAG.printable, 'Contoso']], [['CN', TAG.utf8, 'CA']]), name([['CN', TAG.utf8, 'CA']], [['O', TAG.printable, 'Contoso']])));
    assert.ok(!namesEqual(multi, name([['O', TAG.printable, 'Contoso']], [['CN', TAG.utf8, 'CA']])), 'one RDN of two attributes is not two RDNs');
  });

  it('tells different values, attributes and lengths apart', () => {
    assert.ok(!namesEqual(base, name([['C', TAG.printable, 'US']], [['O', TAG.printable, 'Test Certificates 2011']], [['CN', TAG.utf8, 'Issuing CA 2']])));
    assert.ok(!namesEqual(base, name([['C', TAG.printable, 'US']], [['O', TAG.printable, 'Test Certificates 2011']], [['O', TAG.utf8, 'Issuing CA']])));
    assert.ok(!namesEqual(base, name([['C', TAG.printable, 'US']], [['O', TAG.printable, 'Test Certificates 2011']])));
  });

  it('compares values of other types by their DER (an OCTET STRING is not the text it holds)', () => {
    const octets = name([['CN', TAG.octets, Buffer.from('CA')]]);
    assert.ok(namesEqual(octets, name([['CN', TAG.octets, Buffer.from('CA')]])));
    assert.ok(!namesEqual(octets, name([['CN', TAG.octets, Buffer.from('ca')]])));
    assert.ok(!namesEqual(octets, name([['CN', TAG.utf8, 'CA']])));
  });

  it('a Name that cannot be decoded equals only its own bytes', () => {
    const broken = Buffer.from('3005310330010c', 'hex');
    assert.ok(namesEqual(broken, Buffer.from(broken)));
    assert.ok(!namesEqual(broken, name([['CN', TAG.utf8, 'x']])));
    assert.match(canonicalName(broken), /^!/);
    // Invalid UTF-8 is not text to compare loosely.
    assert.ok(!namesEqual(name([['CN', TAG.utf8, Buffer.from([0x41, 0xff])]]), name([['CN', TAG.utf8, Buffer.from([0x61, 0xff])]])));
  });

  it('canonicalName is a key: equal for equal Names, usable to index CAs or CRLs by name', () => {
    const a = name([['DC', TAG.ia5, 'COM']], [['DC', TAG.ia5, 'contoso']], [['CN', TAG.printable, 'Contoso  Issuing CA']]);
    const b = name([['DC', TAG.ia5, 'com']], [['DC', TAG.ia5, 'Contoso']], [['CN', TAG.utf8, 'contoso issuing ca ']]);
    assert.equal(canonicalName(a), canonicalName(b));
    assert.equal(canonicalRdn(derTlv(0x31, atv(['CN', TAG.printable, 'A  B']))), canonicalRdn(derTlv(0x31, atv(['CN', TAG.utf8, 'a b']))));
  });
});

describe('name comparison in path validation', () => {
  let counter = 0;
  const unique = (label: string) => `${label} ${++counter}`;
  const check = (leaf: TestCert, trusted: TestCert[], intermediates: TestCert[] = []) =>
    verifyOffline({
      leaf: parseCertificate(leaf.der),
      trusted: trusted.map((c) => parseCertificate(c.der)),
      intermediates: intermediates.map((c) => parseCertificate(c.der)),
      crls: [],
      validationTime: new Date(),
      purpose: 'any',
    });

  it('chains a certificate whose issuer Name differs from its CA subject only in case', async () => {
    const label = unique('Case');
    const root = await createCa({ subject: `CN=${label} Root, O=graph-pki tests` });
    const leaf = await createLeaf({ subject: `CN=${label} User`, issuer: root, issuerNameOverride: `CN=${label.toUpperCase()} ROOT, O=Graph-PKI Tests` });
    assert.notDeepEqual(parseCertificate(leaf.der).issuer, parseCertificate(root.der).subject, 'the DER differs');
    const verdict = await check(leaf, [root]);
    assert.equal(verdict.trusted, true, verdict.message);
    // A different name is still no issuer.
    const stranger = await createLeaf({ subject: `CN=${label} Other`, issuer: root, issuerNameOverride: `CN=${label} Root 2, O=graph-pki tests` });
    assert.equal((await check(stranger, [root])).reason, 'untrusted_root');
  });

  it('a key-rollover CA (self-issued, its issuer written in another case) does not count towards pathLenConstraint', async () => {
    const label = unique('Rollover');
    const root = await createCa({ subject: `CN=${label} Root, O=graph-pki tests` });
    const oldCa = await createCa({ subject: `CN=${label} CA, O=graph-pki tests`, issuer: root, pathLength: 0 });
    const newKeyCa = await createCa({ subject: `CN=${label} CA, O=graph-pki tests`, freshKey: true });
    // The old key signs the new one (self-issued: same name, issuer in upper case).
    const newWithOld = await createCa({ subject: `CN=${label} CA, O=graph-pki tests`, keys: newKeyCa.keys, issuer: oldCa, issuerNameOverride: `CN=${label.toUpperCase()} CA, O=GRAPH-PKI TESTS` });
    assert.ok(isSelfIssued(parseCertificate(newWithOld.der)));
    const leaf = await createLeaf({ subject: `CN=${label} User`, issuer: newWithOld });
    const verdict = await check(leaf, [root], [oldCa, newWithOld]);
    assert.equal(verdict.trusted, true, verdict.message);
    assert.equal(verdict.path.length, 4);
  });
});
