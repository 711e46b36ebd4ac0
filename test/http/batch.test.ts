// JSON batching (POST /{version}/$batch) over real HTTP: each request re-enters the app with the batch's
// token, so its auth, tenant scoping and errors are those of a single request; dependsOn orders and fails
// requests; a malformed batch is refused whole with a precise 400.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_THROTTLE_CONFIG } from '../../src/config.ts';
import { API_VERSIONS } from '../../src/graph/context.ts';
import { PKI_PATH, send, startTestServer, TENANT_A, TENANT_B, tokens, type TestServer } from '../helpers/test-server.ts';

let t: TestServer;
let writer: string;
let reader: string;
let tenantB: string;
before(async () => {
  t = await startTestServer();
  writer = await t.token({ tenantId: TENANT_A });
  reader = await t.token({ tenantId: TENANT_A, ...tokens.readOnlyApp });
  tenantB = await t.token({ tenantId: TENANT_B });
});
after(() => t.close());

const JSON_HEADERS = { 'Content-Type': 'application/json' };

interface Inner {
  id: string;
  status: number;
  headers: Record<string, string>;
  body?: { error?: { code: string; message: string }; id?: string; displayName?: string; value?: { id: string }[] };
}

for (const version of API_VERSIONS) {
  describe(`/${version}/$batch`, () => {
    const batch = (token: string | null, requests: unknown[]) => send(t.url, 'POST', `/${version}/$batch`, token, { body: { requests } });
    const byId = (responses: Inner[]) => new Map(responses.map((r) => [r.id, r]));

    it('runs mixed POST and GET requests and answers 200 with each one’s status, headers and JSON body', async () => {
      const res = await batch(writer, [
        { id: '1', method: 'POST', url: PKI_PATH, headers: JSON_HEADERS, body: { displayName: `batch ${version}` } },
        { id: '2', method: 'GET', url: `${PKI_PATH.slice(1)}?$select=displayName`, dependsOn: ['1'] },
        { id: '3', method: 'GET', url: '/directory/publicKeyInfrastructure' },
      ]);
      assert.equal(res.status, 200, res.text);
      const responses = byId(res.body.responses);
      const created = responses.get('1');
      assert.equal(created?.status, 201);
      assert.equal(created?.body?.displayName, `batch ${version}`);
      assert.match(created?.headers['Content-Type'] ?? '', /^application\/json/);
      assert.match(created?.headers.Location ?? '', new RegExp(`/${version.replace('.', '\\.')}/directory/`));
      const list = responses.get('2');
      assert.equal(list?.status, 200);
      assert.ok(list?.body?.value?.some((p) => p.id === created?.body?.id), 'the dependent GET sees the POST');
      assert.equal(responses.get('3')?.status, 200);
      // The new PKI is really stored.
      assert.equal((await send(t.url, 'GET', `/${version}${PKI_PATH}/${created?.body?.id}`, writer)).status, 200);
    });

    it('answers a sub-request without the permission with its own 403 while the others succeed', async () => {
      const res = await batch(reader, [
        { id: 'read', method: 'GET', url: PKI_PATH },
        { id: 'write', method: 'POST', url: PKI_PATH, headers: JSON_HEADERS, body: { displayName: 'not allowed' } },
      ]);
      assert.equal(res.status, 200, res.text);
      const responses = byId(res.body.responses);
      assert.equal(responses.get('read')?.status, 200);
      assert.equal(responses.get('write')?.status, 403);
      assert.equal(responses.get('write')?.body?.error?.code, 'Authorization_RequestDenied');
    });

    it('runs in dependency order and fails dependents of a failed request with 424', async () => {
      const res = await batch(writer, [
        { id: 'c', method: 'GET', url: PKI_PATH, dependsOn: ['b'] },
        { id: 'b', method: 'GET', url: `${PKI_PATH}/00000000-0000-4000-8000-000000000404`, dependsOn: ['a'] },
        { id: 'a', method: 'GET', url: '/directory/publicKeyInfrastructure' },
        { id: 'd', method: 'GET', url: PKI_PATH },
      ]);
      assert.equal(res.status, 200, res.text);
      assert.deepEqual(
        res.body.responses.map((r: Inner) => r.id),
        ['a', 'b', 'c', 'd'],
        'a runs first, then b, then c; d (no dependency) after them in the order sent',
      );
      const responses = byId(res.body.responses);
      assert.equal(responses.get('a')?.status, 200);
      assert.equal(responses.get('b')?.status, 404);
      assert.equal(responses.get('c')?.status, 424);
      assert.equal(responses.get('c')?.body?.error?.code, 'FailedDependency');
      assert.match(responses.get('c')?.body?.error?.message ?? '', /depends on request 'b', which failed with status 404/);
      assert.equal(responses.get('d')?.status, 200);
    });

    it('keeps tenants apart: a sub-request cannot reach another tenant’s PKI', async () => {
      const ofA = (await send(t.url, 'POST', `/${version}${PKI_PATH}`, writer, { body: { displayName: `A only ${version}` } })).body;
      const res = await batch(tenantB, [
        { id: 'get', method: 'GET', url: `${PKI_PATH}/${ofA.id}` },
        { id: 'patch', method: 'PATCH', url: `${PKI_PATH}/${ofA.id}`, headers: JSON_HEADERS, body: { displayName: 'hijacked' } },
        { id: 'list', method: 'GET', url: PKI_PATH },
      ]);
      assert.equal(res.status, 200, res.text);
      const responses = byId(res.body.responses);
      assert.equal(responses.get('get')?.status, 404);
      assert.equal(responses.get('patch')?.status, 404);
      assert.ok(!responses.get('list')?.body?.value?.some((p) => p.id === ofA.id));
      const still = await send(t.url, 'GET', `/${version}${PKI_PATH}/${ofA.id}`, writer);
      assert.equal(still.body.displayName, `A only ${version}`);
    });

    it('takes a url that repeats this batch’s version (as the Graph client v3 sends it) and refuses the other version', async () => {
      const res = await batch(writer, [{ id: '1', method: 'GET', url: `/${version}/directory/publicKeyInfrastructure` }]);
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.responses[0].status, 200);
      const other = version === 'beta' ? 'v1.0' : 'beta';
      const refused = await batch(writer, [{ id: '1', method: 'GET', url: `/${other}/directory/publicKeyInfrastructure` }]);
      assert.equal(refused.status, 400);
      assert.equal(refused.body.error.message, `Request '1': url '/${other}/directory/publicKeyInfrastructure' names API version ${other}, but this batch is on ${version}.`);
    });

    it('needs a valid token for the batch itself', async () => {
      const res = await batch(null, [{ id: '1', method: 'GET', url: PKI_PATH }]);
      assert.equal(res.status, 401);
      assert.equal(res.body.error.code, 'InvalidAuthenticationToken');
    });

    it('refuses more than 20 requests with 400', async () => {
      const requests = Array.from({ length: 21 }, (_, i) => ({ id: String(i + 1), method: 'GET', url: PKI_PATH }));
      const res = await batch(writer, requests);
      assert.equal(res.status, 400);
      assert.equal(
        res.body.error.message,
        'Invalid batch payload format: The number of requests in a batch may not exceed 20; this batch has 21.',
      );
      assert.equal((await batch(writer, requests.slice(0, 20))).status, 200);
    });

    const malformed: [string, unknown, string][] = [
      ['no requests array', { value: [] }, "The batch body must have a 'requests' array."],
      ['an empty requests array', { requests: [] }, 'The batch has no requests; send at least one.'],
      ['a request that is not an object', { requests: ['GET /x'] }, 'requests[0] must be a JSON object.'],
      ['a missing id', { requests: [{ method: 'GET', url: PKI_PATH }] }, 'requests[0].id is required and must be a non-empty string.'],
      ['an empty id', { requests: [{ id: '', method: 'GET', url: PKI_PATH }] }, 'requests[0].id is required and must be a non-empty string.'],
      [
        'duplicate ids (not case-sensitive)',
        { requests: [{ id: 'a', method: 'GET', url: PKI_PATH }, { id: 'A', method: 'GET', url: PKI_PATH }] },
        "The request id 'A' appears more than once in the batch; ids must be unique (not case-sensitive).",
      ],
      ['an unknown method', { requests: [{ id: '1', method: 'HEAD', url: PKI_PATH }] }, "Request '1': method 'HEAD' is not supported; use one of GET, POST, PATCH, PUT, DELETE."],
      ['a missing url', { requests: [{ id: '1', method: 'GET' }] }, "Request '1': url is required and must be a non-empty string."],
      [
        'an absolute url',
        { requests: [{ id: '1', method: 'GET', url: `https://graph.microsoft.com/v1.0${PKI_PATH}` }] },
        `Request '1': url 'https://graph.microsoft.com/v1.0${PKI_PATH}' must be relative to the API version (e.g. /directory/publicKeyInfrastructure), not absolute.`,
      ],
      [
        'a url that climbs out of the version',
        { requests: [{ id: '1', method: 'GET', url: '/../_admin/tenants' }] },
        "Request '1': url '/../_admin/tenants' must be a plain path relative to the API version, without '.' or '..' segments.",
      ],
      ['a nested batch', { requests: [{ id: '1', method: 'POST', url: '/$batch', headers: JSON_HEADERS, body: { requests: [] } }] }, "Request '1': a batch cannot contain another $batch request."],
      [
        'a body without Content-Type',
        { requests: [{ id: '1', method: 'POST', url: PKI_PATH, body: { displayName: 'x' } }] },
        "Request '1' has a body but no Content-Type header; a request with a body must name its Content-Type in headers.",
      ],
      ['a header that is not a string', { requests: [{ id: '1', method: 'GET', url: PKI_PATH, headers: { 'x-n': 1 } }] }, "Request '1': the value of header 'x-n' must be a string."],
      ['an unknown dependsOn id', { requests: [{ id: '1', method: 'GET', url: PKI_PATH, dependsOn: ['9'] }] }, "Request '1' depends on '9', which is not in the batch."],
      [
        'a dependsOn cycle',
        { requests: [{ id: '1', method: 'GET', url: PKI_PATH, dependsOn: ['2'] }, { id: '2', method: 'GET', url: PKI_PATH, dependsOn: ['1'] }] },
        "The dependsOn of requests '1', '2' form a cycle.",
      ],
      ['an unknown member', { requests: [{ id: '1', method: 'GET', url: PKI_PATH, verb: 'GET' }] }, "requests[0] has an unknown property 'verb'."],
    ];
    for (const [what, body, message] of malformed) {
      it(`refuses ${what} with 400 and a precise message, running nothing`, async () => {
        const res = await send(t.url, 'POST', `/${version}/$batch`, writer, { body });
        assert.equal(res.status, 400, res.text);
        assert.equal(res.body.error.code, 'BadRequest');
        assert.equal(res.body.error.message, message);
      });
    }

    it('runs nothing of a malformed batch', async () => {
      const name = `never ${version} ${Date.now()}`;
      const res = await batch(writer, [
        { id: '1', method: 'POST', url: PKI_PATH, headers: JSON_HEADERS, body: { displayName: name } },
        { id: '2', method: 'GET', url: PKI_PATH, dependsOn: ['missing'] },
      ]);
      assert.equal(res.status, 400);
      const list = await send(t.url, 'GET', `/${version}${PKI_PATH}?$top=999`, writer);
      assert.ok(!list.body.value.some((p: { displayName: string }) => p.displayName === name));
    });
  });
}

describe('$batch and throttling', () => {
  it('throttles each request on its own: the ones over the limit get their own 429 with Retry-After inside the 200', async () => {
    const throttled = await startTestServer({ throttle: { ...DEFAULT_THROTTLE_CONFIG, resourceUnits: 6, resourceUnitWindowMs: 600_000 } });
    try {
      const requests = Array.from({ length: 10 }, (_, i) => ({ id: String(i + 1), method: 'GET', url: PKI_PATH }));
      const res = await send(throttled.url, 'POST', '/v1.0/$batch', await throttled.token(), { body: { requests } });
      assert.equal(res.status, 200, res.text);
      const statuses = res.body.responses.map((r: Inner) => r.status);
      const firstRefused = statuses.indexOf(429);
      assert.ok(firstRefused > 0, `some requests pass before the limit: ${statuses}`);
      assert.deepEqual(statuses.slice(firstRefused), Array(statuses.length - firstRefused).fill(429), `${statuses}`);
      const refused: Inner = res.body.responses[firstRefused];
      assert.ok(Number(refused.headers['Retry-After']) >= 1, JSON.stringify(refused.headers));
      assert.equal(refused.body?.error?.code, 'TooManyRequests');
    } finally {
      await throttled.close();
    }
  });
});
