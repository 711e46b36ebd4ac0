// The certificateBasedAuthPki collection as Graph serves it: every operation under /beta and /v1.0, the
// documented property order, headers and envelopes, and every class of bad input.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { API_VERSIONS } from '../../src/graph/context.ts';
import { GRAPH_JSON_CONTENT_TYPE } from '../../src/http/graph-reply.ts';
import { PKI_PATH, startTestServer, type TestServer } from '../helpers/test-server.ts';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

let t: TestServer;
before(async () => {
  t = await startTestServer();
});
after(() => t.close());

function assertGraphError(res: { status: number; body: { error?: Record<string, unknown> } }, status: number, code: string, messagePart?: RegExp): void {
  assert.equal(res.status, status, JSON.stringify(res.body));
  const error = res.body.error as { code: string; message: string; innerError: Record<string, string> };
  assert.equal(error.code, code);
  if (messagePart) assert.match(error.message, messagePart);
  assert.match(error.innerError['request-id'] ?? '', GUID);
  assert.ok(error.innerError['client-request-id']);
  assert.match(error.innerError.date ?? '', /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/);
}

for (const version of API_VERSIONS) {
  describe(`/${version} certificateBasedAuthConfigurations`, () => {
    const base = `/${version}${PKI_PATH}`;

    it('creates the seed example with 201, the documented fields in order and Graph headers', async () => {
      const res = await t.request('POST', base, {
        body: {
          '@odata.type': '#microsoft.graph.certificateBasedAuthPki',
          deletedDateTime: null,
          displayName: 'Contoso PKI',
          status: 'running',
          statusDetails: 'client text',
        },
        headers: { 'client-request-id': 'my-correlation-id' },
      });
      assert.equal(res.status, 201, res.text);
      assert.deepEqual(Object.keys(res.body), [
        '@odata.context', '@odata.type', 'id', 'deletedDateTime', 'displayName', 'status', 'statusDetails', 'lastModifiedDateTime',
      ]);
      assert.equal(res.body['@odata.context'], `${t.url}/${version}/$metadata#directory/publicKeyInfrastructure/certificateBasedAuthConfigurations/$entity`);
      assert.equal(res.body['@odata.type'], '#microsoft.graph.certificateBasedAuthPki');
      assert.match(res.body.id, GUID);
      assert.equal(res.body.displayName, 'Contoso PKI');
      // Server-managed: the client's values are accepted but not stored.
      assert.equal(res.body.status, 'succeeded');
      assert.equal(res.body.statusDetails, null);
      assert.equal(res.body.deletedDateTime, null);
      assert.match(res.body.lastModifiedDateTime, TIMESTAMP);
      assert.ok(Math.abs(Date.parse(res.body.lastModifiedDateTime) - Date.now()) < 5000);
      assert.equal(res.headers.get('content-type'), GRAPH_JSON_CONTENT_TYPE);
      assert.equal(res.headers.get('odata-version'), '4.0');
      assert.match(res.headers.get('request-id') ?? '', GUID);
      assert.equal(res.headers.get('client-request-id'), 'my-correlation-id');
      assert.equal(res.headers.get('location'), `${t.url}/${version}${PKI_PATH}/${res.body.id}`);
    });

    it('gets, lists, counts, patches and deletes', async () => {
      const created = (await t.request('POST', base, { body: { displayName: `${version} lifecycle` } })).body;
      const got = await t.request('GET', `${base}/${created.id}`);
      assert.equal(got.status, 200);
      assert.deepEqual(got.body, created);

      const list = await t.request('GET', base);
      assert.equal(list.status, 200);
      assert.equal(list.body['@odata.context'], `${t.url}/${version}/$metadata#directory/publicKeyInfrastructure/certificateBasedAuthConfigurations`);
      const listed = list.body.value.find((p: { id: string }) => p.id === created.id);
      const { '@odata.context': _context, ...entity } = created;
      assert.deepEqual(listed, entity);

      const count = await t.request('GET', `${base}/$count`);
      assert.equal(count.status, 200);
      assert.match(count.headers.get('content-type') ?? '', /^text\/plain/);
      assert.equal(Number(count.text), list.body.value.length);

      const patched = await t.request('PATCH', `${base}/${created.id}`, { body: { displayName: 'Renamed' } });
      assert.equal(patched.status, 200);
      assert.equal(patched.body.displayName, 'Renamed');
      assert.equal(patched.body.id, created.id);
      assert.equal((await t.request('GET', `${base}/${created.id}`)).body.displayName, 'Renamed');

      const deleted = await t.request('DELETE', `${base}/${created.id}`);
      assert.equal(deleted.status, 204);
      assert.equal(deleted.text, '');
      assertGraphError(await t.request('GET', `${base}/${created.id}`), 404, 'Request_ResourceNotFound', new RegExp(created.id));
      assertGraphError(await t.request('DELETE', `${base}/${created.id}`), 404, 'Request_ResourceNotFound');
      assertGraphError(await t.request('PATCH', `${base}/${created.id}`, { body: {} }), 404, 'Request_ResourceNotFound');
    });

    it('accepts a PATCH body that is the object as read back (same id, server-managed fields)', async () => {
      const created = (await t.request('POST', base, { body: { displayName: 'Round trip' } })).body;
      const { '@odata.context': _c, ...entity } = created;
      const res = await t.request('PATCH', `${base}/${created.id}`, { body: { ...entity, displayName: 'Round trip 2' } });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.displayName, 'Round trip 2');
      const other = await t.request('PATCH', `${base}/${created.id}`, { body: { id: '11111111-1111-4111-8111-111111111111' } });
      assertGraphError(other, 400, 'Request_BadRequest', /does not match/);
    });

    it('serves the publicKeyInfrastructure root with a stable id and refuses PATCH/DELETE with 405', async () => {
      const first = await t.request('GET', `/${version}/directory/publicKeyInfrastructure`);
      const second = await t.request('GET', `/${version}/directory/publicKeyInfrastructure`);
      assert.equal(first.status, 200);
      assert.match(first.body.id, GUID);
      assert.equal(first.body.id, second.body.id);
      assert.equal(first.body['@odata.context'], `${t.url}/${version}/$metadata#directory/publicKeyInfrastructure/$entity`);
      assertGraphError(await t.request('PATCH', `/${version}/directory/publicKeyInfrastructure`, { body: {} }), 405, 'BadRequest');
      assertGraphError(await t.request('DELETE', `/${version}/directory/publicKeyInfrastructure`), 405, 'BadRequest');
    });
  });
}

describe('paths and methods', () => {
  it('answers 405 in the envelope for a method the path lacks', async () => {
    assertGraphError(await t.request('PUT', `/beta${PKI_PATH}`, { body: {} }), 405, 'BadRequest', /PUT/);
    assertGraphError(await t.request('DELETE', `/beta${PKI_PATH}`), 405, 'BadRequest');
    assertGraphError(await t.request('POST', `/beta${PKI_PATH}/$count`, { body: {} }), 405, 'BadRequest');
  });

  it('answers OPTIONS with 405 too (the path exists; there is no CORS), and every 405 says what the path takes in Allow', async () => {
    const options = await t.request('OPTIONS', `/beta${PKI_PATH}`);
    assertGraphError(options, 405, 'BadRequest', /OPTIONS/);
    assert.equal(options.headers.get('allow'), 'GET, POST, HEAD');
    const pki = (await t.request('POST', `/beta${PKI_PATH}`, { body: {} })).body;
    const upload = await t.request('OPTIONS', `/v1.0${PKI_PATH}/${pki.id}/upload`);
    assertGraphError(upload, 405, 'BadRequest');
    assert.equal(upload.headers.get('allow'), 'POST');
    assert.equal((await t.request('PUT', `/beta${PKI_PATH}`, { body: {} })).headers.get('allow'), 'GET, POST, HEAD');
  });

  it('answers 404 in the envelope for unknown paths, inside and outside the Graph prefixes', async () => {
    assertGraphError(await t.request('GET', '/beta/directory/nothingHere'), 404, 'BadRequest', /nothingHere/);
    assertGraphError(await t.request('GET', '/v2.0/directory'), 404, 'BadRequest');
    assertGraphError(await t.request('GET', `/beta${PKI_PATH}/a/b/c`), 404, 'BadRequest');
  });

  it('reads %24 in a path as $, as Graph does ($metadata, $count)', async () => {
    const metadata = await t.request('GET', '/beta/%24metadata', { token: null });
    assert.equal(metadata.status, 200, metadata.text);
    assert.match(metadata.text, /^<\?xml/);
    const count = await t.request('GET', `/beta${PKI_PATH}/%24count`);
    assert.equal(count.status, 200, count.text);
    assert.equal(count.text, (await t.request('GET', `/beta${PKI_PATH}/$count`)).text);
  });

  it('matches path segments case-insensitively, as Graph does', async () => {
    const res = await t.request('GET', '/beta/Directory/PublicKeyInfrastructure/CertificateBasedAuthConfigurations');
    assert.equal(res.status, 200);
  });

  it('answers /healthz without a token', async () => {
    const res = await t.request('GET', '/healthz', { token: null });
    assert.equal(res.status, 200);
    assert.equal(res.body.status, 'ok');
  });

  it('creates a fresh client-request-id when the caller sends none', async () => {
    const res = await t.request('GET', `/beta${PKI_PATH}`);
    assert.match(res.headers.get('client-request-id') ?? '', GUID);
    assert.notEqual(res.headers.get('client-request-id'), res.headers.get('request-id'));
  });

  it('replaces a client-request-id it could not echo as it came (not printable ASCII, or over 128 characters)', async () => {
    const pki = (await t.request('POST', `/beta${PKI_PATH}`, { body: {} })).body;
    // The collection goes through Fastify, one PKI through the fast read path: both must agree.
    for (const path of [`/beta${PKI_PATH}`, `/beta${PKI_PATH}/${pki.id}`, `/beta${PKI_PATH}/nothing-here`]) {
      for (const supplied of ['caf\u00e9', 'x'.repeat(129)]) {
        const res = await t.request('GET', path, { headers: { 'client-request-id': supplied } });
        assert.match(res.headers.get('client-request-id') ?? '', GUID, `${path} ${supplied.slice(0, 10)}`);
        if (res.status >= 400) assert.equal(res.body.error.innerError['client-request-id'], res.headers.get('client-request-id'));
      }
      const kept = await t.request('GET', path, { headers: { 'client-request-id': 'Trace 42/abc-DEF_~' } });
      assert.equal(kept.headers.get('client-request-id'), 'Trace 42/abc-DEF_~');
    }
  });
});

describe('query options the metadata declares unsupported', () => {
  for (const option of ['$expand=certificateAuthorities', '$skip=1', '$search="x"', '$apply=x', 'expand=x', 'skip=2']) {
    it(`refuses ${option} with Request_UnsupportedQuery`, async () => {
      const res = await t.request('GET', `/beta${PKI_PATH}?${encodeURI(option).replaceAll('$', '%24')}`);
      const name = option.replace(/^\$?([a-z]+).*/, '$1');
      assertGraphError(res, 400, 'Request_UnsupportedQuery', new RegExp(`\\$${name}`));
    });
  }

  it('refuses an unknown $ parameter and ignores ordinary custom parameters', async () => {
    assertGraphError(await t.request('GET', `/beta${PKI_PATH}?$frobnicate=1`), 400, 'BadRequest', /\$frobnicate/);
    assert.equal((await t.request('GET', `/beta${PKI_PATH}?tracing=1`)).status, 200);
    // On v1.0 Graph requires the $: a bare `filter` is an ordinary parameter there.
    assert.equal((await t.request('GET', `/v1.0${PKI_PATH}?filter=x`)).status, 200);
  });

  it('accepts the ConsistencyLevel header', async () => {
    const res = await t.request('GET', `/beta${PKI_PATH}`, { headers: { ConsistencyLevel: 'eventual' } });
    assert.equal(res.status, 200);
  });
});

describe('bad request bodies', () => {
  const url = `/beta${PKI_PATH}`;
  const cases: Array<[string, RequestInitLike, number, string, RegExp]> = [
    ['malformed JSON', { rawBody: '{"displayName": ', json: true }, 400, 'BadRequest', /not valid JSON/],
    ['trailing comma (the docs example)', { rawBody: '{"displayName": "Contoso PKI",}', json: true }, 400, 'BadRequest', /not valid JSON/],
    ['a JSON array', { rawBody: '[]', json: true }, 400, 'Request_BadRequest', /JSON object/],
    ['a JSON string', { rawBody: '"x"', json: true }, 400, 'Request_BadRequest', /JSON object/],
    ['an empty body', { rawBody: '', json: true }, 400, 'BadRequest', /empty/],
    ['text/plain', { rawBody: '{}', contentType: 'text/plain' }, 415, 'BadRequest', /text\/plain/],
    ['no content type', { rawBody: '{}', contentType: '' }, 415, 'BadRequest', /application\/json/],
    ['an unknown property', { body: { displayName: 'x', bogus: 1 } }, 400, 'Request_BadRequest', /'bogus'/],
    ['a number as displayName', { body: { displayName: 5 } }, 400, 'Request_BadRequest', /'displayName'/],
    ['a 257-character displayName', { body: { displayName: 'x'.repeat(257) } }, 400, 'Request_BadRequest', /'displayName'.*257/],
    ['the placeholder timestamp', { body: { lastModifiedDateTime: 'String (timestamp)' } }, 400, 'Request_BadRequest', /'lastModifiedDateTime'.*DateTimeOffset/],
    ['a bad deletedDateTime', { body: { deletedDateTime: '2024-13-45' } }, 400, 'Request_BadRequest', /'deletedDateTime'/],
    ['a boolean status', { body: { status: true } }, 400, 'Request_BadRequest', /'status'/],
    ['another @odata.type', { body: { '@odata.type': '#microsoft.graph.user' } }, 400, 'Request_BadRequest', /@odata.type/],
    ['a prototype-pollution key', { rawBody: '{"__proto__": {"x": 1}}', json: true }, 400, 'BadRequest', /property named '__proto__'/],
    ['a constructor.prototype key', { rawBody: '{"constructor": {"prototype": {"x": 1}}}', json: true }, 400, 'BadRequest', /'constructor' with a 'prototype'/],
    ['malformed JSON, saying where', { rawBody: '{"displayName": "x",}', json: true }, 400, 'BadRequest', /not valid JSON: Expected double-quoted property name in JSON at position 20\./],
    ['a UTF-16 charset', { rawBody: '{}', contentType: 'application/json; charset=utf-16' }, 415, 'BadRequest', /charset 'utf-16' is not supported/],
    ['a gzip Content-Encoding', { rawBody: '{}', contentType: 'application/json', headers: { 'content-encoding': 'gzip' } }, 415, 'BadRequest', /Content-Encoding 'gzip' is not supported/],
    ['a body with a UTF-8 BOM (PowerShell 5.1 writes one)', { rawBody: '\uFEFF{"displayName": 5}', json: true }, 400, 'Request_BadRequest', /'displayName'/],
    // 20 000 levels is 40 KB, far below the body limit, and deeper than JSON.stringify can go.
    ['a displayName nested 20 000 arrays deep', { rawBody: `{"displayName":${'['.repeat(20_000)}${']'.repeat(20_000)}}`, json: true }, 400, 'BadRequest', /nests arrays and objects deeper than 64 levels \(--max-json-depth\)/],
    ['an object nested 20 000 levels deep', { rawBody: `${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)}`, json: true }, 400, 'BadRequest', /nests arrays and objects deeper than 64 levels \(--max-json-depth\)/],
  ];
  for (const [name, init, status, code, message] of cases) {
    it(`refuses ${name} with ${status} and writes nothing`, async () => {
      const before = Number((await t.request('GET', `${url}/$count`)).text);
      const headers: Record<string, string> = { ...init.headers };
      if (init.json) headers['content-type'] = 'application/json';
      if (init.contentType !== undefined && init.contentType !== '') headers['content-type'] = init.contentType;
      const res = await t.request('POST', url, { ...(init.body !== undefined ? { body: init.body } : { rawBody: init.rawBody ?? '' }), headers });
      assertGraphError(res, status, code, message);
      assert.equal(Number((await t.request('GET', `${url}/$count`)).text), before);
    });
  }

  it('accepts exactly 256 characters, counted as characters not bytes', async () => {
    const name = 'é'.repeat(255) + '😀';
    const res = await t.request('POST', url, { body: { displayName: name } });
    assert.equal(res.status, 201, res.text);
    assert.equal(res.body.displayName, name);
  });

  it('refuses a body over 1 MB with 413', async () => {
    const res = await t.request('POST', url, { body: { displayName: 'x'.repeat(1024 * 1024 + 10) } });
    assertGraphError(res, 413, 'Request_EntityTooLarge');
  });

  it('refuses bad PATCH bodies the same way', async () => {
    const created = (await t.request('POST', url, { body: { displayName: 'patch target' } })).body;
    assertGraphError(await t.request('PATCH', `${url}/${created.id}`, { body: { status: 5 } }), 400, 'Request_BadRequest', /'status'/);
    assertGraphError(await t.request('PATCH', `${url}/${created.id}`, { body: { extra: 'x' } }), 400, 'Request_BadRequest', /'extra'/);
    const unchanged = await t.request('GET', `${url}/${created.id}`);
    assert.equal(unchanged.body.displayName, 'patch target');
  });

  it('treats PATCH with displayName null as clearing it', async () => {
    const created = (await t.request('POST', url, { body: { displayName: 'to clear' } })).body;
    const res = await t.request('PATCH', `${url}/${created.id}`, { body: { displayName: null } });
    assert.equal(res.status, 200);
    assert.equal(res.body.displayName, null);
  });
});

interface RequestInitLike {
  body?: unknown;
  rawBody?: string;
  json?: boolean;
  contentType?: string;
  headers?: Record<string, string>;
}
