// "Never a 500": random JSON bodies (fast-check) sent to every route that takes a body, random raw
// text as bodies, and random query strings on the list routes. Every answer must be a 2xx or a 4xx, and
// every 4xx Graph's error envelope with its ids. A 500 here is a defect, whatever the input.
// Over 10,000 requests per back-end: each property run sends a batch of BATCH inputs at once over a
// keep-alive agent (throttling off, it has its own tests), which keeps the file at seconds per thousand.
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { mintAdminToken } from '../../src/auth/token-issuer.ts';
import { PERMISSION_POLICY_READ_WRITE_AUTHENTICATION_METHOD } from '../../src/auth/permissions.ts';
import { DEFAULT_THROTTLE_CONFIG } from '../../src/config.ts';
import { PKI_PATH, startTestServer, TENANT_B, type TestServer } from '../helpers/test-server.ts';
import { createCa } from '../helpers/certs.ts';

let t: TestServer;
let token: string;
let policyToken: string;
let adminToken: string;
let pkiId: string;
let caId: string;
before(async () => {
  t = await startTestServer({ throttle: { ...DEFAULT_THROTTLE_CONFIG, enabled: false } });
  token = await t.token();
  policyToken = await t.token({ appRoles: [PERMISSION_POLICY_READ_WRITE_AUTHENTICATION_METHOD] });
  adminToken = await mintAdminToken(t.server.signingKey, { ttlSeconds: 3600 });
  pkiId = (await t.request('POST', `/beta${PKI_PATH}`, { body: { displayName: 'Robust' } })).body.id;
  const ca = await createCa({ subject: 'CN=Robust Root' });
  caId = (await t.request('POST', `/beta${PKI_PATH}/${pkiId}/certificateAuthorities`, { body: { certificate: ca.base64 } })).body.id;
});
after(async () => {
  agent.destroy();
  await t.close();
});

/** Property runs per route; each sends BATCH requests at once. */
const RUNS = 80;
const BATCH = 10;
const agent = new http.Agent({ keepAlive: true, maxSockets: BATCH });
let sent = 0;

interface Answer {
  readonly status: number;
  readonly requestId: string | undefined;
  readonly text: string;
}

/** One request over the keep-alive agent (lighter than fetch, which dominated the run time). */
function exchange(method: string, path: string, bearer: string, body?: string): Promise<Answer> {
  const { hostname, port } = new URL(t.url);
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { authorization: `Bearer ${bearer}` };
    if (body !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = Buffer.byteLength(body);
    }
    const request = http.request({ agent, hostname, port, method, path, headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        sent++;
        const requestId = response.headers['request-id'];
        resolve({ status: response.statusCode ?? 0, requestId: typeof requestId === 'string' ? requestId : undefined, text: Buffer.concat(chunks).toString('utf8') });
      });
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end(body);
  });
}
const X509 = '/beta/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/x509Certificate';

function assertNoServerError(res: Answer, what: string): void {
  assert.ok(res.status < 500, `${what}: ${res.status} ${res.text.slice(0, 300)}`);
  if (res.status >= 400) {
    const error = (JSON.parse(res.text) as { error?: { code?: unknown; message?: unknown; innerError?: Record<string, unknown> } } | undefined)?.error;
    assert.equal(typeof error?.code, 'string', `${what}: not Graph's envelope: ${res.text.slice(0, 300)}`);
    assert.equal(typeof error?.message, 'string', what);
    assert.equal(error?.innerError?.['request-id'], res.requestId, what);
  }
}

/** Sends every input of a batch at once and checks each answer. */
async function sendBatch<T>(inputs: readonly T[], request: (input: T) => { method: string; path: string; bearer: string; body?: string }): Promise<void> {
  await Promise.all(
    inputs.map(async (input) => {
      const { method, path, bearer, body } = request(input);
      assertNoServerError(await exchange(method, path, bearer, body), `${method} ${path} ${body === undefined ? '' : JSON.stringify(body.slice(0, 200))}`);
    }),
  );
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
      const { method, path, token: routeToken } = bodyRoutes()[route] as { method: string; path: string; token?: string };
      const bearer = routeToken ?? token;
      await fc.assert(
        fc.asyncProperty(fc.array(fc.oneof(fc.jsonValue({ maxDepth: 4 }), shapedBody), { minLength: BATCH, maxLength: BATCH }), (bodies) =>
          sendBatch(bodies, (body) => ({ method, path, bearer, body: JSON.stringify(body) })),
        ),
        { numRuns: RUNS },
      );
      await fc.assert(
        fc.asyncProperty(fc.array(fc.string({ unit: 'binary', maxLength: 200 }), { minLength: BATCH, maxLength: BATCH }), (raws) =>
          sendBatch(raws, (raw) => ({ method, path, bearer, body: raw })),
        ),
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
        fc.asyncProperty(fc.array(query, { minLength: BATCH, maxLength: BATCH }), (queries) =>
          sendBatch(queries, (pairs) => ({
            method: 'GET',
            path: `${real}?${pairs.map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(value)}`).join('&')}`,
            bearer: token,
          })),
        ),
        { numRuns: RUNS / 2 },
      );
    });
  }
});

it('sent more than 10,000 requests, none answered 5xx', (context) => {
  context.diagnostic(`${sent} requests`);
  assert.ok(sent > 10_000, `${sent} requests`);
});
