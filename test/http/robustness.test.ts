// "Never a 500": random JSON bodies (fast-check) sent to every route that takes a body, random raw
// text as bodies, and random query strings on the list routes. Every answer must be a 2xx or a 4xx, and
// every 4xx Graph's error envelope with its ids. A 500 here is a defect, whatever the input.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { mintAdminToken } from '../../src/auth/token-issuer.ts';
import { PERMISSION_POLICY_READ_WRITE_AUTHENTICATION_METHOD } from '../../src/auth/permissions.ts';
import { PKI_PATH, send, startTestServer, TENANT_B, type TestResponse, type TestServer } from '../helpers/test-server.ts';
import { createCa } from '../helpers/certs.ts';

let t: TestServer;
let policyToken: string;
let adminToken: string;
let pkiId: string;
let caId: string;
before(async () => {
  t = await startTestServer();
  policyToken = await t.token({ appRoles: [PERMISSION_POLICY_READ_WRITE_AUTHENTICATION_METHOD] });
  adminToken = await mintAdminToken(t.server.signingKey, { ttlSeconds: 3600 });
  pkiId = (await t.request('POST', `/beta${PKI_PATH}`, { body: { displayName: 'Robust' } })).body.id;
  const ca = await createCa({ subject: 'CN=Robust Root' });
  caId = (await t.request('POST', `/beta${PKI_PATH}/${pkiId}/certificateAuthorities`, { body: { certificate: ca.base64 } })).body.id;
});
after(() => t.close());

const RUNS = 100;
const X509 = '/beta/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/x509Certificate';

function assertNoServerError(res: TestResponse, what: string): void {
  assert.ok(res.status < 500, `${what}: ${res.status} ${res.text.slice(0, 300)}`);
  if (res.status >= 400) {
    const error = (res.body as { error?: { code?: unknown; message?: unknown; innerError?: Record<string, unknown> } } | undefined)?.error;
    assert.equal(typeof error?.code, 'string', `${what}: not Graph's envelope: ${res.text.slice(0, 300)}`);
    assert.equal(typeof error?.message, 'string', what);
    assert.equal(error?.innerError?.['request-id'], res.headers.get('request-id'), what);
  }
}

/** Routes that take a body, with the token each needs; ids are real, so bodies reach the use cases. */
function bodyRoutes(): { method: string; path: string; token?: string }[] {
  return [
    { method: 'POST', path: `/beta${PKI_PATH}` },
    { method: 'PATCH', path: `/v1.0${PKI_PATH}/${pkiId}` },
    { method: 'POST', path: `/beta${PKI_PATH}/${pkiId}/certificateAuthorities` },
    { method: 'PATCH', path: `/beta${PKI_PATH}/${pkiId}/certificateAuthorities/${caId}` },
    { method: 'POST', path: `/beta${PKI_PATH}/${pkiId}/upload` },
    { method: 'PATCH', path: X509, token: policyToken },
    { method: 'POST', path: '/graph-pki/v1/verify' },
    { method: 'PUT', path: `/_admin/tenants/${TENANT_B}/snapshot`, token: adminToken },
  ];
}

/** Bodies shaped like the real ones often enough to get past the first check: known keys, any values. */
const KEYS = [
  'displayName', 'certificate', 'isIssuerHintEnabled', 'certificateRevocationListUrl', 'deltaCertificateRevocationListUrl',
  'uploadUrl', 'sha256FileHash', '@odata.type', 'state', 'certificateUserBindings', 'authenticationModeConfiguration',
  'crlValidationConfiguration', 'issuerHintsConfiguration', 'intermediates', 'userPrincipalName', 'format', 'formatVersion',
  'tenantId', 'certificateBasedAuthConfigurations', 'uploadJobs', 'id', 'status', '__proto__', 'constructor',
];
const shapedBody = fc.dictionary(fc.constantFrom(...KEYS), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 6 });

describe('random bodies never get a 500', () => {
  for (const route of [0, 1, 2, 3, 4, 5, 6, 7]) {
    it(`route ${route}: JSON values, shaped objects and raw text`, async () => {
      const { method, path, token } = bodyRoutes()[route] as { method: string; path: string; token?: string };
      const options = (extra: object) => ({ ...(token ? { token } : {}), ...extra });
      await fc.assert(
        fc.asyncProperty(fc.oneof(fc.jsonValue({ maxDepth: 4 }), shapedBody), async (body) => {
          assertNoServerError(await t.request(method, path, options({ rawBody: JSON.stringify(body), headers: { 'content-type': 'application/json' } })), `${method} ${path} ${JSON.stringify(body).slice(0, 200)}`);
        }),
        { numRuns: RUNS },
      );
      await fc.assert(
        fc.asyncProperty(fc.string({ unit: 'binary', maxLength: 200 }), async (raw) => {
          assertNoServerError(await t.request(method, path, options({ rawBody: raw, headers: { 'content-type': 'application/json' } })), `${method} ${path} raw ${JSON.stringify(raw)}`);
        }),
        { numRuns: RUNS / 2 },
      );
    });
  }
});

describe('random query strings never get a 500', () => {
  const OPTIONS = ['$filter', '$orderby', '$top', '$select', '$count', '$skiptoken', '$expand', '$search', '$format', 'x'];
  const query = fc.array(fc.tuple(fc.constantFrom(...OPTIONS), fc.string({ unit: 'binary', maxLength: 40 })), { maxLength: 3 });
  for (const path of [`/beta${PKI_PATH}`, `/beta${PKI_PATH}/${'{pki}'}/certificateAuthorities`, '/beta/directory/deletedItems/microsoft.graph.certificateBasedAuthPki', `/beta${PKI_PATH}/$count`]) {
    it(`GET ${path}`, async () => {
      const real = path.replace('{pki}', pkiId);
      await fc.assert(
        fc.asyncProperty(query, async (pairs) => {
          const search = pairs.map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(value)}`).join('&');
          const res = await send(t.url, 'GET', `${real}?${search}`, await t.token());
          assertNoServerError(res, `GET ${real}?${search}`);
        }),
        { numRuns: RUNS },
      );
    });
  }
});
