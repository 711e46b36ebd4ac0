// "Never a 500" for the request line and headers (issue 13): random paths sent exactly as written over a
// raw socket (double slashes, dot segments, percent-encodings valid and not, `%24`, NUL, over-long
// segments, real ids among random segments, odd query strings), with any method (HEAD, OPTIONS, TRACE,
// unknown ones) and odd headers, with and without a token. Every answer must be below 500, Graph's
// envelope when it is an error with a body, and a HEAD answer must have no body.
// Over 10,000 requests per back-end (issue 13's "Done when"): each property run sends BATCH of them at
// once, each on its own connection, which keeps the file at seconds per thousand.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import fc from 'fast-check';
import { DEFAULT_THROTTLE_CONFIG } from '../../src/config.ts';
import { rawRequest } from '../helpers/raw-http.ts';
import { PKI_PATH, startTestServer, type TestServer } from '../helpers/test-server.ts';
import { createCa } from '../helpers/certs.ts';

/** Property runs; each sends BATCH requests at once. */
const RUNS = 1_000;
const BATCH = 10;
let sent = 0;

let t: TestServer;
let token: string;
let pkiId: string;
let caId: string;
before(async () => {
  t = await startTestServer({ throttle: { ...DEFAULT_THROTTLE_CONFIG, enabled: false } });
  token = await t.token();
  pkiId = (await t.request('POST', `/beta${PKI_PATH}`, { body: { displayName: 'Raw paths' } })).body.id;
  const ca = await createCa({ subject: 'CN=Raw Paths Root' });
  caId = (await t.request('POST', `/beta${PKI_PATH}/${pkiId}/certificateAuthorities`, { body: { certificate: ca.base64 } })).body.id;
});
after(() => t.close());

const KNOWN_SEGMENTS = [
  'beta', 'v1.0', 'V1.0', 'BETA', 'directory', 'publicKeyInfrastructure', 'certificateBasedAuthConfigurations', 'certificateAuthorities',
  'deletedItems', 'microsoft.graph.certificateBasedAuthPki', 'microsoft.graph.certificateAuthorityDetail', '$count', '%24count', '$metadata',
  '%24metadata', 'upload', 'policies', 'authenticationMethodsPolicy', 'authenticationMethodConfigurations', 'x509Certificate', 'restore',
  '_admin', 'tenants', 'snapshot', 'graph-pki', 'v1', 'verify', 'healthz', 'readyz', 'metrics', 'openapi.json', '_dev', 'token', 'index.html',
  '.', '..', '', '%2e', '%2E%2E', '%2F', '%00', '%zz', '%E0%A4%A', '%ff', '%C0%AE', '%ED%A0%80', '%F0%9F%94%91', '~', ';', '@', ':', '*', "'",
  "('x')", '$ref', '$value', '(', ')', '{}', '|', '\\', '^', '`',
];

const segment = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...KNOWN_SEGMENTS) },
  { weight: 2, arbitrary: fc.constant('{pki}') },
  { weight: 1, arbitrary: fc.constant('{ca}') },
  // Printable ASCII the HTTP parser takes in a request target, anything percent-encoded, a long run.
  { weight: 2, arbitrary: fc.string({ unit: fc.constantFrom(...'abcXYZ019-._~!$&\'()*+,;=:@%'.split('')), maxLength: 12 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 6 }).map((s) => encodeURIComponent(s)) },
  { weight: 1, arbitrary: fc.integer({ min: 100, max: 12_000 }).map((n) => 'a'.repeat(n)) },
);

const query = fc.oneof(
  fc.constant(''),
  fc.constant('?'),
  fc
    .array(fc.tuple(fc.constantFrom('$filter', '$top', '$skiptoken', '$select', '$orderby', '$count', '$expand', 'x', '', '%24top'), fc.string({ unit: 'binary', maxLength: 20 })), {
      maxLength: 3,
    })
    .map((pairs) => `?${pairs.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&')}`),
  fc.constantFrom('?$top=', '?$filter=%00', '?&&', '?a=%zz', '?$top=1&$top=2', '#frag'),
);

const target = fc
  .tuple(fc.boolean(), fc.array(segment, { minLength: 0, maxLength: 8 }), fc.constantFrom('/', '//', '///'), fc.boolean(), query)
  .map(([leadingDouble, segments, separator, trailing, q]) => `${leadingDouble ? '//' : '/'}${segments.join(separator)}${trailing ? '/' : ''}${q}`);

const method = fc.constantFrom('GET', 'GET', 'HEAD', 'OPTIONS', 'POST', 'PATCH', 'PUT', 'DELETE', 'TRACE', 'PROPFIND', 'SEARCH', 'PURGE', 'REPORT');

const headerValue = fc.oneof(fc.string({ unit: fc.constantFrom(...' !"#$%&\'()*+,-./0123456789:;<=>?@AZaz[\\]^_`{|}~'.split('')), maxLength: 40 }), fc.constant(''));
const header = fc.oneof(
  fc.tuple(fc.constantFrom('Accept', 'Content-Type', 'client-request-id', 'x-ms-throttle-priority', 'ConsistencyLevel', 'Prefer', 'If-Match', 'Origin', 'Accept-Encoding', 'Cookie', 'Range', 'Expect'), headerValue),
  fc.tuple(fc.constantFrom('Content-Type'), fc.constantFrom('application/json', 'application/json; charset=latin1', 'text/plain', 'multipart/form-data; boundary=x', '*/*', ';;')),
  fc.tuple(fc.constantFrom('Authorization'), fc.constantFrom('Bearer', 'Bearer ', 'Basic abc', 'Bearer a.b.c', 'bearer {token}', 'Bearer {token}', 'Bearer {token}x')),
);

const request = fc.record({
  method,
  target,
  headers: fc.array(header, { maxLength: 4 }),
  token: fc.boolean(),
  body: fc.option(fc.oneof(fc.constant('{}'), fc.constant('{"displayName":"x"}'), fc.string({ maxLength: 30 })), { nil: undefined }),
});

type RawCase = typeof request extends fc.Arbitrary<infer T> ? T : never;

/** Sends one generated request exactly as written and checks its answer. */
async function checkOne({ method, target: generated, headers, token: withToken, body }: RawCase): Promise<void> {
  const path = generated.replaceAll('{pki}', pkiId).replaceAll('{ca}', caId);
  const lines = [`${method} ${path} HTTP/1.1`, 'Host: 127.0.0.1', 'Connection: close'];
  if (withToken) lines.push(`Authorization: Bearer ${token}`);
  for (const [name, value] of headers) lines.push(`${name}: ${value.replace('{token}', token)}`);
  const bodyBytes = body === undefined ? Buffer.alloc(0) : Buffer.from(body);
  if (body !== undefined) lines.push(`Content-Length: ${bodyBytes.length}`);
  const bytes = Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), bodyBytes]);
  const response = await rawRequest(t.url, bytes, { head: method === 'HEAD' });
  sent += 1;
  const what = `${method} ${path.slice(0, 300)} ${JSON.stringify(headers)}`;
  assert.ok(response, `no answer: ${what}`);
  assert.ok(response.status >= 200 && response.status < 500, `${response.status} ${response.body.slice(0, 300)}: ${what}`);
  if (method === 'HEAD') {
    assert.equal(response.body, '', what);
  } else if (response.status >= 400) {
    const error = JSON.parse(response.body).error;
    assert.equal(typeof error?.code, 'string', `not Graph's envelope: ${response.body.slice(0, 300)}: ${what}`);
    assert.equal(typeof error?.message, 'string', what);
  }
}

it('no path, method or header shape gets a 5xx, and every error with a body is Graph\'s envelope', { timeout: 300_000 }, async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(request, { minLength: BATCH, maxLength: BATCH }), async (cases) => {
      await Promise.all(cases.map(checkOne));
    }),
    { numRuns: RUNS },
  );
});

it('sent at least 10,000 raw requests, none answered 5xx', (context) => {
  context.diagnostic(`${sent} requests`);
  assert.ok(sent >= 10_000, `${sent} requests`);
});
