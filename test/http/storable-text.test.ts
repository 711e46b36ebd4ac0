// Text both databases keep as it came (issue 13, item 4): U+0000, which PostgreSQL refuses and SQLite
// stores, and unpaired UTF-16 surrogates, which cannot be written as UTF-8 at all, are refused with 400
// naming where they are, before anything is read or written, the same on both back-ends: in ids in the
// path, query options ($filter literals, $skiptoken, any other), JSON body strings and keys, a tenant
// snapshot, and the subject of a CA certificate.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { mintAdminToken } from '../../src/auth/token-issuer.ts';
import { PERMISSION_POLICY_READ_WRITE_AUTHENTICATION_METHOD } from '../../src/auth/permissions.ts';
import { createCa } from '../helpers/certs.ts';
import { PKI_PATH, startTestServer, TENANT_B, type TestResponse, type TestServer } from '../helpers/test-server.ts';

let t: TestServer;
let pkiId: string;
let caId: string;
before(async () => {
  t = await startTestServer();
  pkiId = (await t.request('POST', `/beta${PKI_PATH}`, { body: { displayName: 'Text' } })).body.id;
  const ca = await createCa({ subject: 'CN=Text Root' });
  caId = (await t.request('POST', `/beta${PKI_PATH}/${pkiId}/certificateAuthorities`, { body: { certificate: ca.base64 } })).body.id;
});
after(() => t.close());

const X509 = '/beta/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/x509Certificate';

function assertRefused(res: TestResponse, place: RegExp, problem: RegExp = /U\+0000 \(NUL\)/): void {
  assert.equal(res.status, 400, res.text);
  const error = res.body.error;
  assert.equal(typeof error.code, 'string');
  assert.match(error.message, place, error.message);
  assert.match(error.message, problem, error.message);
  assert.match(error.message, /cannot be stored/);
}

/** JSON text with `\u0000`-style escapes kept as written (JSON.stringify would keep them too, but not lone surrogates). */
const json = (text: string) => ({ rawBody: text, headers: { 'content-type': 'application/json' } });

async function pkiNames(): Promise<string[]> {
  return (await t.request('GET', `/beta${PKI_PATH}`)).body.value.map((p: { displayName: string }) => p.displayName);
}

describe('in the path', () => {
  for (const path of [`/beta${PKI_PATH}/a%00b`, `/v1.0${PKI_PATH}/${'{pki}'}/certificateAuthorities/%00`, `/beta${PKI_PATH}/%00/certificateAuthorities`]) {
    it(`GET ${path}: 400 naming the path`, async () => {
      assertRefused(await t.request('GET', path.replace('{pki}', pkiId)), /^The request path holds U\+0000 \(NUL\) in the segment for '\w+'/);
    });
  }

  it('DELETE of an id with NUL deletes nothing and says why', async () => {
    assertRefused(await t.request('DELETE', `/beta${PKI_PATH}/${pkiId}%00`), /request path/);
    assert.equal((await t.request('GET', `/beta${PKI_PATH}/${pkiId}`)).status, 200);
  });
});

describe('in the query', () => {
  for (const [option, value] of [
    ['$filter', "displayName eq 'a\u0000b'"],
    ['$filter', "startswith(displayName,'\u0000')"],
    ['$skiptoken', 'abc\u0000'],
    ['$select', 'displayName\u0000'],
    ['x', '\u0000'],
  ] as [string, string][]) {
    it(`${option}=${JSON.stringify(value)}: 400 naming the option`, async () => {
      const res = await t.request('GET', `/beta${PKI_PATH}?${encodeURIComponent(option)}=${encodeURIComponent(value)}`);
      assertRefused(res, new RegExp(`^The query option '\\${option}' holds`));
    });
  }
});

describe('in a JSON body', () => {
  it('POST of a PKI whose displayName holds NUL: 400, nothing created', async () => {
    const before = await pkiNames();
    assertRefused(await t.request('POST', `/beta${PKI_PATH}`, json('{"displayName":"a\\u0000b"}')), /^The property 'displayName' of the request body holds/);
    assert.deepEqual(await pkiNames(), before);
  });

  it('PATCH of a PKI and of a CA: 400, nothing changed', async () => {
    assertRefused(await t.request('PATCH', `/v1.0${PKI_PATH}/${pkiId}`, json('{"displayName":"\\u0000"}')), /'displayName'/);
    assertRefused(
      await t.request('PATCH', `/beta${PKI_PATH}/${pkiId}/certificateAuthorities/${caId}`, json('{"certificateRevocationListUrl":"http://crl.example/\\u0000.crl"}')),
      /'certificateRevocationListUrl'/,
    );
    assert.equal((await t.request('GET', `/beta${PKI_PATH}/${pkiId}`)).body.displayName, 'Text');
    assert.equal((await t.request('GET', `/beta${PKI_PATH}/${pkiId}/certificateAuthorities/${caId}`)).body.certificateRevocationListUrl, null);
  });

  it('an upload URL, a nested policy value and a property name', async () => {
    assertRefused(await t.request('POST', `/beta${PKI_PATH}/${pkiId}/upload`, json('{"uploadUrl":"https://x.example/a\\u0000.p7b","sha256FileHash":"00"}')), /'uploadUrl'/);
    const policyToken = await t.token({ appRoles: [PERMISSION_POLICY_READ_WRITE_AUTHENTICATION_METHOD] });
    assertRefused(
      await t.request('PATCH', X509, { token: policyToken, ...json('{"certificateUserBindings":[{"x509CertificateField":"PrincipalName","userProperty":"x\\u0000"}]}') }),
      /'certificateUserBindings\[0\]\.userProperty'/,
    );
    assertRefused(await t.request('POST', `/beta${PKI_PATH}`, json('{"display\\u0000Name":"x"}')), /'display\u0000Name'/, /a property name with U\+0000/);
  });

  for (const [name, escape, code] of [
    ['a lone high surrogate', '\\ud800', 'D800'],
    ['a lone low surrogate', '\\udc00', 'DC00'],
    ['a reversed pair', '\\udc00\\ud800', 'DC00'],
  ]) {
    it(`${name}: 400, never stored as U+FFFD`, async () => {
      const before = await pkiNames();
      assertRefused(await t.request('POST', `/beta${PKI_PATH}`, json(`{"displayName":"a${escape}b"}`)), /'displayName'/, new RegExp(`unpaired surrogate U\\+${code}`));
      assert.deepEqual(await pkiNames(), before);
    });
  }

  it('a proper surrogate pair (an emoji) is text and is stored as it came', async () => {
    const res = await t.request('POST', `/beta${PKI_PATH}`, json('{"displayName":"key \\ud83d\\udd11"}'));
    assert.equal(res.status, 201, res.text);
    assert.equal((await t.request('GET', `/beta${PKI_PATH}/${res.body.id}`)).body.displayName, 'key \u{1F511}');
  });

  it('a tenant snapshot: 400 naming the JSON path, nothing imported', async () => {
    const adminToken = await mintAdminToken(t.server.signingKey, { ttlSeconds: 600 });
    const snapshot = {
      format: 'graph-pki.tenantSnapshot',
      formatVersion: 1,
      tenantId: TENANT_B,
      exportedDateTime: new Date().toISOString(),
      certificateBasedAuthConfigurations: [{ id: '11111111-1111-4111-8111-111111111111', displayName: 'a\u0000b', certificateAuthorities: [] }],
    };
    const res = await t.request('PUT', `/_admin/tenants/${TENANT_B}/snapshot`, { token: adminToken, body: snapshot });
    assertRefused(res, /certificateBasedAuthConfigurations\[0\]\.displayName/);
  });
});

describe('in a CA certificate', () => {
  it('a subject with NUL: 400 naming the subject, nothing created', async () => {
    const ca = await createCa({ subject: 'CN=Nul\u0000Root' });
    const res = await t.request('POST', `/beta${PKI_PATH}/${pkiId}/certificateAuthorities`, { body: { certificate: ca.base64 } });
    assertRefused(res, /'certificate'.*its subject "CN=Nul\\u0000Root"/);
    assert.equal((await t.request('GET', `/beta${PKI_PATH}/${pkiId}/certificateAuthorities`)).body.value.length, 1);
  });
});
