// certificateAuthorities of a PKI: real certificates generated here, every rejection class, the derived
// properties, the limits, and tenant isolation on every CA endpoint.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { API_VERSIONS } from '../../src/graph/context.ts';
import { createCa, createCaWithOffCurveKey, createLeaf, sha1ThumbprintHex, type TestCert, x509 } from '../helpers/certs.ts';
import { DOCS_CA_EXAMPLE_VALUES } from '../helpers/docs-examples.ts';
import { PKI_PATH, send, startTestServer, TENANT_B, type TestServer } from '../helpers/test-server.ts';

let t: TestServer;
let root: TestCert;
before(async () => {
  t = await startTestServer({ limits: { ...(await import('../../src/config.ts')).DEFAULT_LIMITS, maxCasPerPki: 5 } });
  root = await createCa({ subject: 'CN=Contoso Root CA, O=Contoso', crlDistributionPoints: ['http://crl.contoso.test/root.crl'] });
});
after(() => t.close());

async function newPki(version = 'beta'): Promise<string> {
  const res = await t.request('POST', `/${version}${PKI_PATH}`, { body: { displayName: 'CA test PKI' } });
  assert.equal(res.status, 201);
  return res.body.id;
}

const casOf = (pkiId: string, version = 'beta') => `/${version}${PKI_PATH}/${pkiId}/certificateAuthorities`;

function assertBadRequest(res: { status: number; body: { error: { code: string; message: string } } }, pattern: RegExp): void {
  assert.equal(res.status, 400, JSON.stringify(res.body));
  assert.equal(res.body.error.code, 'Request_BadRequest');
  assert.match(res.body.error.message, pattern);
}

for (const version of API_VERSIONS) {
  describe(`/${version} certificateAuthorities`, () => {
    it('accepts the documented example values of the derived properties, ignores them, and answers what it stored', async () => {
      const pkiId = await newPki(version);
      const created = await t.request('POST', casOf(pkiId, version), { body: { ...DOCS_CA_EXAMPLE_VALUES, certificate: root.base64 } });
      assert.equal(created.status, 201, created.text);
      const derived = {
        certificateAuthorityType: 'root',
        issuer: 'CN=Contoso Root CA, O=Contoso',
        issuerSubjectKeyIdentifier: root.cert.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId.toUpperCase(),
        expirationDateTime: `${root.cert.notAfter.toISOString().slice(0, 19)}Z`,
        thumbprint: sha1ThumbprintHex(root),
      };
      for (const [property, value] of Object.entries(derived)) assert.equal(created.body[property], value, property);
      // What the client may set is taken.
      assert.equal(created.body.displayName, 'Contoso2 CA1');
      assert.equal(created.body.isIssuerHintEnabled, true);
      const read = await t.request('GET', `${casOf(pkiId, version)}/${created.body.id}`);
      for (const [property, value] of Object.entries(derived)) assert.equal(read.body[property], value, `stored ${property}`);

      // PATCH with the same example values (the update page's own example is isIssuerHintEnabled alone).
      const patched = await t.request('PATCH', `${casOf(pkiId, version)}/${created.body.id}`, {
        body: { ...DOCS_CA_EXAMPLE_VALUES, displayName: 'renamed', isIssuerHintEnabled: false },
      });
      assert.equal(patched.status, 200, patched.text);
      for (const [property, value] of Object.entries(derived)) assert.equal(patched.body[property], value, `patched ${property}`);
      assert.equal(patched.body.displayName, 'renamed');
      assert.equal(patched.body.isIssuerHintEnabled, false);
      const documentedUpdate = await t.request('PATCH', `${casOf(pkiId, version)}/${created.body.id}`, { body: { isIssuerHintEnabled: true } });
      assert.equal(documentedUpdate.status, 200, documentedUpdate.text);
      assert.equal(documentedUpdate.body.isIssuerHintEnabled, true);
    });

    it('refuses the create page\'s example body as printed (a trailing comma is not JSON) and as the SDK sample sends it (no certificate)', async () => {
      const pkiId = await newPki(version);
      const printed = '{\n \n  "certificateAuthorityType": "intermediate",\n \n}';
      const asPrinted = await t.request('POST', casOf(pkiId, version), { rawBody: printed, headers: { 'content-type': 'application/json' } });
      assert.equal(asPrinted.status, 400, asPrinted.text);
      assertBadRequest(await t.request('POST', casOf(pkiId, version), { body: { certificateAuthorityType: 'intermediate' } }), /required for property 'certificate'/);
    });

    it('adds a root CA with every certificate-determined property derived, in the documented order', async () => {
      const pkiId = await newPki(version);
      const pkiBefore = (await t.request('GET', `/${version}${PKI_PATH}/${pkiId}`)).body;
      await new Promise((r) => setTimeout(r, 1100)); // lastModifiedDateTime has second precision
      const res = await t.request('POST', casOf(pkiId, version), { body: { certificate: root.base64, isIssuerHintEnabled: true } });
      assert.equal(res.status, 201, res.text);
      assert.deepEqual(Object.keys(res.body), [
        '@odata.context', '@odata.type', 'id', 'deletedDateTime', 'certificateAuthorityType', 'certificate', 'displayName', 'issuer',
        'issuerSubjectKeyIdentifier', 'createdDateTime', 'expirationDateTime', 'thumbprint', 'certificateRevocationListUrl',
        'deltaCertificateRevocationListUrl', 'isIssuerHintEnabled',
      ]);
      assert.equal(res.body['@odata.context'], `${t.url}/${version}/$metadata#directory/publicKeyInfrastructure/certificateBasedAuthConfigurations('${pkiId}')/certificateAuthorities/$entity`);
      assert.equal(res.body['@odata.type'], '#microsoft.graph.certificateAuthorityDetail');
      assert.equal(res.body.certificateAuthorityType, 'root');
      assert.equal(res.body.certificate, root.der.toString('base64'));
      assert.equal(res.body.thumbprint, sha1ThumbprintHex(root));
      assert.equal(res.body.issuer, 'CN=Contoso Root CA, O=Contoso');
      const ski = root.cert.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId.toUpperCase();
      assert.equal(res.body.issuerSubjectKeyIdentifier, ski);
      assert.equal(res.body.expirationDateTime, `${root.cert.notAfter.toISOString().slice(0, 19)}Z`);
      assert.equal(res.body.displayName, 'Contoso Root CA');
      assert.equal(res.body.isIssuerHintEnabled, true);
      assert.equal(res.body.certificateRevocationListUrl, null);
      assert.equal(res.body.deltaCertificateRevocationListUrl, null);
      assert.match(res.body.createdDateTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);

      const pkiAfter = (await t.request('GET', `/${version}${PKI_PATH}/${pkiId}`)).body;
      assert.ok(pkiAfter.lastModifiedDateTime > pkiBefore.lastModifiedDateTime, 'a CA write refreshes the PKI');

      const got = await t.request('GET', `${casOf(pkiId, version)}/${res.body.id}`);
      assert.deepEqual(got.body, res.body);
      const list = await t.request('GET', casOf(pkiId, version));
      assert.equal(list.body['@odata.context'], `${t.url}/${version}/$metadata#directory/publicKeyInfrastructure/certificateBasedAuthConfigurations('${pkiId}')/certificateAuthorities`);
      assert.equal(list.body.value.length, 1);
      assert.equal((await t.request('GET', `${casOf(pkiId, version)}/$count`)).text, '1');
    });

    it('derives intermediate for a CA issued by another, and accepts base64 of PEM text', async () => {
      const pkiId = await newPki(version);
      const intermediate = await createCa({ subject: 'CN=Contoso Issuing CA 1', issuer: root });
      const res = await t.request('POST', casOf(pkiId, version), { body: { certificate: Buffer.from(intermediate.pem).toString('base64') } });
      assert.equal(res.status, 201, res.text);
      assert.equal(res.body.certificateAuthorityType, 'intermediate');
      assert.equal(res.body.certificate, intermediate.der.toString('base64'));
      assert.equal(res.body.issuer, 'CN=Contoso Issuing CA 1');
    });

    it('patches, then deletes, refreshing the PKI each time', async () => {
      const pkiId = await newPki(version);
      const ca = (await t.request('POST', casOf(pkiId, version), { body: { certificate: root.base64 } })).body;
      const patched = await t.request('PATCH', `${casOf(pkiId, version)}/${ca.id}`, {
        body: {
          isIssuerHintEnabled: true,
          displayName: 'Root',
          certificateRevocationListUrl: 'http://crl.contoso.test/root.crl',
          deltacertificateRevocationListUrl: 'http://crl.contoso.test/root-delta.crl',
        },
      });
      assert.equal(patched.status, 200, patched.text);
      assert.equal(patched.body.isIssuerHintEnabled, true);
      assert.equal(patched.body.displayName, 'Root');
      assert.equal(patched.body.deltaCertificateRevocationListUrl, 'http://crl.contoso.test/root-delta.crl');
      assert.equal(patched.body.thumbprint, ca.thumbprint);
      assert.equal(patched.body.createdDateTime, ca.createdDateTime);
      assert.equal((await t.request('DELETE', `${casOf(pkiId, version)}/${ca.id}`)).status, 204);
      assert.equal((await t.request('GET', `${casOf(pkiId, version)}/${ca.id}`)).status, 404);
      assert.equal((await t.request('GET', `${casOf(pkiId, version)}/$count`)).text, '0');
    });
  });
}

describe('certificate checks (400 saying why, nothing written)', () => {
  let pkiId: string;
  before(async () => {
    pkiId = await newPki();
  });

  const cases: Array<[string, () => Promise<Record<string, unknown>>, RegExp]> = [
    ['no certificate', async () => ({ displayName: 'x' }), /required for property 'certificate'/],
    ['not base64', async () => ({ certificate: 'not base64!' }), /'certificate'.*not base64/],
    ['base64 of garbage', async () => ({ certificate: Buffer.from('hello world, not DER').toString('base64') }), /'certificate'.*not an X.509 certificate/],
    ['trailing garbage', async () => ({ certificate: Buffer.concat([root.der, Buffer.from([1, 2, 3])]).toString('base64') }), /trailing data/],
    ['two PEM certificates', async () => ({ certificate: Buffer.from(root.pem + root.pem).toString('base64') }), /exactly one CERTIFICATE/],
    ['a leaf (no basicConstraints cA)', async () => ({ certificate: (await createLeaf({ subject: 'CN=alice', issuer: root })).base64 }), /not a CA certificate/],
    ['a CA:FALSE certificate with keyCertSign', async () => ({ certificate: (await createCa({ subject: 'CN=fake CA', ca: false })).base64 }), /not a CA/],
    ['an RSA 1024 key', async () => ({ certificate: (await createCa({ subject: 'CN=weak', key: 'rsa1024' })).base64 }), /RSA key of 1024 bits/],
    ['an EC key off its curve (properly signed)', async () => ({ certificate: (await createCaWithOffCurveKey(root)).toString('base64') }), /'certificate'.*the EC public key is not a point on P-256/],
    ['a SHA-1 signature', async () => ({ certificate: (await createCa({ subject: 'CN=sha1', key: 'rsa2048', signatureHash: 'SHA-1' })).base64 }), /sha1WithRSAEncryption/],
    ['over 8 KB', async () => ({ certificate: (await createCa({ subject: `CN=${'x'.repeat(60)}`, certificatePolicies: Array.from({ length: 1200 }, (_, i) => `1.2.3.4.${i}`) })).base64 }), /more than the limit of 8192 bytes/],
    ['an unknown type', async () => ({ certificate: root.base64, certificateAuthorityType: 'unknownFutureValue' }), /'certificateAuthorityType'/],
    ['a derived property of the wrong type', async () => ({ certificate: root.base64, expirationDateTime: 'String (timestamp)' }), /'expirationDateTime'/],
    ['a relative CRL URL', async () => ({ certificate: root.base64, certificateRevocationListUrl: '/crl' }), /'certificateRevocationListUrl'.*absolute http/],
    ['an ldap CRL URL', async () => ({ certificate: root.base64, certificateRevocationListUrl: 'ldap://dc/crl' }), /absolute http/],
    ['a delta URL without base', async () => ({ certificate: root.base64, deltaCertificateRevocationListUrl: 'http://crl.test/d.crl' }), /needs a base/],
    ['both delta spellings, different', async () => ({ certificate: root.base64, certificateRevocationListUrl: 'http://a.test/b.crl', deltaCertificateRevocationListUrl: 'http://a.test/1.crl', deltacertificateRevocationListUrl: 'http://a.test/2.crl' }), /different values/],
    ['a string for isIssuerHintEnabled', async () => ({ certificate: root.base64, isIssuerHintEnabled: 'true' }), /'isIssuerHintEnabled'/],
    ['an unknown property', async () => ({ certificate: root.base64, isRootAuthority: true }), /'isRootAuthority' does not exist/],
  ];
  for (const [name, body, message] of cases) {
    it(`refuses ${name}`, async () => {
      const res = await t.request('POST', casOf(pkiId), { body: await body() });
      assertBadRequest(res, message);
      assert.equal((await t.request('GET', `${casOf(pkiId)}/$count`)).text, '0');
    });
  }

  it('accepts supplied properties that match the certificate (any case, colons in hex)', async () => {
    const ski = root.cert.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId ?? '';
    const res = await t.request('POST', casOf(await newPki()), {
      body: {
        certificate: root.base64,
        thumbprint: sha1ThumbprintHex(root).toLowerCase(),
        issuer: 'cn=Contoso Root CA,o=Contoso',
        issuerSubjectKeyIdentifier: ski.match(/../g)?.join(':'),
        expirationDateTime: root.cert.notAfter.toISOString(),
        certificateAuthorityType: 'root',
        createdDateTime: '2020-01-01T00:00:00Z',
      },
    });
    assert.equal(res.status, 201, res.text);
    assert.notEqual(res.body.createdDateTime, '2020-01-01T00:00:00Z');
  });

  it('refuses a duplicate certificate in the same PKI, but allows it in another PKI', async () => {
    const target = await newPki();
    const first = await t.request('POST', casOf(target), { body: { certificate: root.base64 } });
    assert.equal(first.status, 201);
    assertBadRequest(await t.request('POST', casOf(target), { body: { certificate: root.base64 } }), new RegExp(`Duplicate Certificate exists.*${first.body.id}`));
    assert.equal((await t.request('POST', casOf(await newPki()), { body: { certificate: root.base64 } })).status, 201);
  });

  it("deletes a CA only through its own PKI's path: another PKI's path is 404 and the CA stays", async () => {
    const owner = await newPki();
    const ca = (await t.request('POST', casOf(owner), { body: { certificate: root.base64 } })).body;
    const elsewhere = await newPki();
    assert.equal((await t.request('DELETE', `${casOf(elsewhere)}/${ca.id}`)).status, 404);
    assert.equal((await t.request('GET', `${casOf(owner)}/${ca.id}`)).status, 200);
    assert.equal((await t.request('DELETE', `${casOf(owner)}/${ca.id}`)).status, 204);
    assert.equal((await t.request('GET', `${casOf(owner)}/${ca.id}`)).status, 404);
  });

  it('refuses a PATCH that swaps in a certificate the PKI already holds', async () => {
    const target = await newPki();
    const other = await createCa({ subject: 'CN=Other Root' });
    await t.request('POST', casOf(target), { body: { certificate: root.base64 } });
    const second = (await t.request('POST', casOf(target), { body: { certificate: other.base64 } })).body;
    assertBadRequest(await t.request('PATCH', `${casOf(target)}/${second.id}`, { body: { certificate: root.base64 } }), /Duplicate Certificate exists/);
    const replacement = await createCa({ subject: 'CN=Replacement Root' });
    const swapped = await t.request('PATCH', `${casOf(target)}/${second.id}`, { body: { certificate: replacement.base64 } });
    assert.equal(swapped.status, 200);
    assert.equal(swapped.body.issuer, 'CN=Replacement Root');
    assert.equal(swapped.body.thumbprint, sha1ThumbprintHex(replacement));
  });

  it('refuses a PATCH to a certificate whose EC key is off its curve, and keeps the CA as it was', async () => {
    const target = await newPki();
    const created = (await t.request('POST', casOf(target), { body: { certificate: root.base64 } })).body;
    const bad = await createCaWithOffCurveKey(root);
    assertBadRequest(await t.request('PATCH', `${casOf(target)}/${created.id}`, { body: { certificate: bad.toString('base64') } }), /'certificate'.*the EC public key is not a point on P-256/);
    assert.equal((await t.request('GET', `${casOf(target)}/${created.id}`)).body.thumbprint, sha1ThumbprintHex(root));
  });

  it('enforces the per-PKI CA limit (configured 5 here), also against concurrent creates', async () => {
    const target = await newPki();
    const cas = await Promise.all(Array.from({ length: 8 }, (_, i) => createCa({ subject: `CN=Limit CA ${i}` })));
    const results = await Promise.all(cas.map((ca) => t.request('POST', casOf(target), { body: { certificate: ca.base64 } })));
    assert.equal(results.filter((r) => r.status === 201).length, 5);
    for (const refused of results.filter((r) => r.status !== 201)) assertBadRequest(refused, /already holds 5 certificate authorities/);
    assert.equal((await t.request('GET', `${casOf(target)}/$count`)).text, '5');
  });

  it('never stores the same certificate twice under concurrent creates', async () => {
    const target = await newPki();
    const ca = await createCa({ subject: 'CN=Raced CA' });
    const results = await Promise.all(Array.from({ length: 6 }, () => t.request('POST', casOf(target), { body: { certificate: ca.base64 } })));
    assert.equal(results.filter((r) => r.status === 201).length, 1);
    assert.equal((await t.request('GET', `${casOf(target)}/$count`)).text, '1');
  });

  it('answers 404 for a CA under a missing PKI, naming the PKI', async () => {
    const missing = '11111111-1111-4111-8111-111111111111';
    for (const [method, path, body] of [
      ['GET', casOf(missing), undefined],
      ['POST', casOf(missing), { certificate: root.base64 }],
      ['GET', `${casOf(missing)}/$count`, undefined],
      ['GET', `${casOf(missing)}/x`, undefined],
      ['DELETE', `${casOf(missing)}/x`, undefined],
      ['PATCH', `${casOf(missing)}/x`, { displayName: 'x' }],
    ] as const) {
      const res = await t.request(method, path, body === undefined ? {} : { body });
      assert.equal(res.status, 404, `${method} ${path}`);
      assert.equal(res.body.error.code, 'Request_ResourceNotFound');
      assert.match(res.body.error.message, new RegExp(missing));
    }
  });

  it('deletes the CAs with their PKI', async () => {
    const target = await newPki();
    const ca = (await t.request('POST', casOf(target), { body: { certificate: root.base64 } })).body;
    assert.equal((await t.request('DELETE', `/beta${PKI_PATH}/${target}`)).status, 204);
    assert.equal((await t.request('GET', `${casOf(target)}/${ca.id}`)).status, 404);
  });
});

describe('tenant B against the CAs of tenant A', () => {
  let pkiId: string;
  let caId: string;
  let tokenB: string;
  before(async () => {
    pkiId = await newPki();
    caId = (await t.request('POST', casOf(pkiId), { body: { certificate: root.base64 } })).body.id;
    tokenB = await t.token({ tenantId: TENANT_B });
  });

  for (const [method, suffix, body] of [
    ['GET', '', undefined],
    ['POST', '', 'certificate'],
    ['GET', '/$count', undefined],
    ['GET', '/CA', undefined],
    ['PATCH', '/CA', { displayName: 'hijack' }],
    ['DELETE', '/CA', undefined],
  ] as const) {
    it(`${method} certificateAuthorities${suffix} answers 404`, async () => {
      const path = `${casOf(pkiId)}${suffix.replace('CA', caId)}`;
      const payload = body === 'certificate' ? { certificate: (await createCa({ subject: 'CN=B CA' })).base64 } : body;
      const res = await send(t.url, method, path, tokenB, payload === undefined ? {} : { body: payload });
      assert.equal(res.status, 404);
      assert.equal(res.body.error.code, 'Request_ResourceNotFound');
    });
  }

  it("leaves A's CA untouched", async () => {
    const res = await t.request('GET', `${casOf(pkiId)}/${caId}`);
    assert.equal(res.status, 200);
    assert.equal(res.body.displayName, 'Contoso Root CA');
    assert.equal((await t.request('GET', `${casOf(pkiId)}/$count`)).text, '1');
  });
});
