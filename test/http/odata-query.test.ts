// Query options as a client sends them over HTTP, on CAs (the PKI side is covered by the property
// tests): filters per documented property, $orderby, $select with its context URL, $count, and every
// error with Graph's code.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createCa, sha1ThumbprintHex, type TestCert } from '../helpers/certs.ts';
import { PKI_PATH, send, startTestServer, TENANT_B, type TestServer } from '../helpers/test-server.ts';

let t: TestServer;
let pkiId: string;
let base: string;
let root: TestCert;
let cas: TestCert[];
const DAY = 86_400_000;

before(async () => {
  t = await startTestServer();
  pkiId = (await t.request('POST', `/beta${PKI_PATH}`, { body: { displayName: 'OData' } })).body.id;
  base = `/beta${PKI_PATH}/${pkiId}/certificateAuthorities`;
  root = await createCa({ subject: 'CN=Query Root', notAfter: new Date(Date.now() + 900 * DAY) });
  cas = [root];
  for (let i = 1; i <= 4; i++) cas.push(await createCa({ subject: `CN=Query Issuing ${i}`, issuer: root, notAfter: new Date(Date.now() + i * 100 * DAY) }));
  for (const [i, ca] of cas.entries()) {
    const res = await t.request('POST', base, { body: { certificate: ca.base64, isIssuerHintEnabled: i % 2 === 0 } });
    assert.equal(res.status, 201);
  }
});
after(() => t.close());

const get = async (query: string) => t.request('GET', `${base}?${query}`);
const names = (res: { body: { value: Array<{ displayName: string }> } }) => res.body.value.map((ca) => ca.displayName);

describe('filters on the documented CA properties', () => {
  it('certificateAuthorityType eq and in', async () => {
    assert.deepEqual(names(await get("$filter=certificateAuthorityType eq 'root'")), ['Query Root']);
    assert.equal((await get("$filter=certificateAuthorityType in ('root','intermediate')")).body.value.length, 5);
  });

  it('isIssuerHintEnabled', async () => {
    assert.deepEqual(names(await get('$filter=isIssuerHintEnabled eq true&$orderby=displayName')).sort(), ['Query Issuing 2', 'Query Issuing 4', 'Query Root']);
  });

  it('thumbprint eq (any case) and startswith', async () => {
    const thumbprint = sha1ThumbprintHex(cas[2] as TestCert);
    assert.deepEqual(names(await get(`$filter=thumbprint eq '${thumbprint.toLowerCase()}'`)), ['Query Issuing 2']);
    assert.ok(names(await get(`$filter=startswith(thumbprint,'${thumbprint.slice(0, 6)}')`)).includes('Query Issuing 2'));
  });

  it('issuer and issuerSubjectKeyIdentifier', async () => {
    assert.deepEqual(names(await get("$filter=issuer eq 'cn=query issuing 3'")), ['Query Issuing 3']);
    const ski = (await get("$filter=displayName eq 'Query Root'")).body.value[0].issuerSubjectKeyIdentifier;
    assert.deepEqual(names(await get(`$filter=issuerSubjectKeyIdentifier eq '${ski}'`)), ['Query Root']);
  });

  it('expirationDateTime ranges, ordered by expiry', async () => {
    const cutoff = new Date(Date.now() + 250 * DAY).toISOString();
    assert.deepEqual(names(await get(`$filter=expirationDateTime lt ${cutoff}&$orderby=expirationDateTime`)), ['Query Issuing 1', 'Query Issuing 2']);
    assert.deepEqual(names(await get('$orderby=expirationDateTime desc&$top=2')), ['Query Root', 'Query Issuing 4']);
  });
});

describe('$select, $count and $top', () => {
  it('projects lists and single CAs, with the selection in @odata.context', async () => {
    const list = await get('$select=displayName,thumbprint');
    assert.equal(list.body['@odata.context'], `${t.url}/beta/$metadata#directory/publicKeyInfrastructure/certificateBasedAuthConfigurations('${pkiId}')/certificateAuthorities(displayName,thumbprint)`);
    for (const ca of list.body.value) assert.deepEqual(Object.keys(ca), ['@odata.type', 'id', 'displayName', 'thumbprint']);
    const id = list.body.value[0].id;
    const one = await t.request('GET', `${base}/${id}?$select=deltacertificateRevocationListUrl,isIssuerHintEnabled`);
    assert.deepEqual(Object.keys(one.body), ['@odata.context', '@odata.type', 'id', 'deltaCertificateRevocationListUrl', 'isIssuerHintEnabled']);
    assert.match(one.body['@odata.context'], /certificateAuthorities\(deltaCertificateRevocationListUrl,isIssuerHintEnabled\)\/\$entity$/);
  });

  it('adds @odata.count to the first page only, and /$count honours $filter', async () => {
    const first = await get('$count=true&$top=2&$filter=certificateAuthorityType eq \'intermediate\'');
    assert.equal(first.body['@odata.count'], 4);
    assert.deepEqual(Object.keys(first.body), ['@odata.context', '@odata.count', 'value', '@odata.nextLink']);
    const second = await send('', 'GET', first.body['@odata.nextLink'], await t.token());
    assert.equal(second.body['@odata.count'], undefined);
    assert.equal(second.body.value.length, 2);
    assert.equal(second.body['@odata.nextLink'], undefined);
    assert.equal((await t.request('GET', `${base}/$count?$filter=isIssuerHintEnabled eq false`)).text, '2');
  });
});

describe('errors, each with the Graph code', () => {
  const cases: Array<[string, number, string, RegExp]> = [
    ['$top=0', 400, 'Request_BadRequest', /between 1 and 999/],
    ['$top=1000', 400, 'Request_BadRequest', /between 1 and 999/],
    ['$top=ten', 400, 'Request_BadRequest', /between 1 and 999/],
    ['$top=1&$top=2', 400, 'BadRequest', /more than once/],
    ['$count=maybe', 400, 'BadRequest', /true or false/],
    ['$select=displayName,bogus', 400, 'BadRequest', /property named 'bogus'/],
    ['$orderby=thumbprint', 400, 'Request_UnsupportedQuery', /Sorting by 'thumbprint'/],
    ['$orderby=displayName sideways', 400, 'BadRequest', /Invalid \$orderby/],
    ['$orderby=displayName,displayName desc', 400, 'BadRequest', /appears twice/],
    ["$filter=createdDateTime eq 2024-01-01T00:00:00Z", 400, 'Request_UnsupportedQuery', /'createdDateTime' does not support/],
    ["$filter=thumbprint ne 'AB'", 400, 'Request_UnsupportedQuery', /operator 'ne'/],
    ["$filter=endswith(displayName,'x')", 400, 'Request_UnsupportedQuery', /endswith/],
    ["$filter=displayName eq 'x", 400, 'BadRequest', /unterminated string.*position 16/],
    ["$filter=certificateAuthorityType eq 'other'", 400, 'BadRequest', /one of 'root', 'intermediate'/],
    ['$expand=certificateAuthorities', 400, 'Request_UnsupportedQuery', /\$expand/],
    ['$skip=2', 400, 'Request_UnsupportedQuery', /\$skip/],
    ['$search="x"', 400, 'Request_UnsupportedQuery', /\$search/],
    ['$skiptoken=forged', 400, 'Request_BadRequest', /\$skiptoken is not valid/],
  ];
  for (const [query, status, code, message] of cases) {
    it(`${query} → ${status} ${code}`, async () => {
      const res = await t.request('GET', `${base}?${query.replace(/ /g, '%20').replace(/'/g, '%27')}`);
      assert.equal(res.status, status, res.text);
      assert.equal(res.body.error.code, code);
      assert.match(res.body.error.message, message);
    });
  }

  it('refuses a skiptoken replayed by another tenant, with another filter, or altered', async () => {
    const first = await get('$top=2&$orderby=displayName');
    const link = new URL(first.body['@odata.nextLink']);
    const token = link.searchParams.get('$skiptoken') ?? '';
    const tokenB = await t.token({ tenantId: TENANT_B });
    const pkiB = (await send(t.url, 'POST', `/beta${PKI_PATH}`, tokenB, { body: {} })).body.id;
    const foreign = await send(t.url, 'GET', `/beta${PKI_PATH}/${pkiB}/certificateAuthorities?$top=2&$orderby=displayName&$skiptoken=${token}`, tokenB);
    assert.equal(foreign.status, 400);
    const otherOrder = await get(`$top=2&$orderby=displayName desc&$skiptoken=${token}`);
    assert.equal(otherOrder.status, 400);
    const altered = `${token.slice(0, 10)}${token[10] === 'A' ? 'B' : 'A'}${token.slice(11)}`;
    assert.equal((await get(`$top=2&$orderby=displayName&$skiptoken=${altered}`)).status, 400);
    assert.equal((await send('', 'GET', link.href, await t.token())).status, 200);
  });
});
