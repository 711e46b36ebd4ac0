// JSON bodies nested deeper than --max-json-depth (default 64) are refused with a 400 before they are
// parsed: a 40 KB body of 20 000 nested arrays used to hold the event loop ~10 s (the NUL check copied the
// path at every level) and V8's parse of 1 MB of them a third of a second; no Graph type nests that deep.
// Brackets inside strings do not count, and the NUL check walks a deep value in time linear in its depth.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { mintAdminToken } from '../../src/auth/token-issuer.ts';
import { DEFAULT_LIMITS } from '../../src/config.ts';
import { findUnstorableText } from '../../src/service/storable-text.ts';
import { PKI_PATH, startTestServer, type TestServer } from '../helpers/test-server.ts';

let t: TestServer;
before(async () => {
  t = await startTestServer();
});
after(() => t.close());

const nested = (levels: number) => `${'['.repeat(levels)}${']'.repeat(levels)}`;
const depthMessage = (limit: number) => `The request body nests arrays and objects deeper than ${limit} levels (--max-json-depth), which no Graph type does.`;

describe('a JSON body nested deeper than --max-json-depth', () => {
  it('is refused with a 400 naming the limit on Graph routes, /verify, $batch and the admin API', async () => {
    const adminToken = await mintAdminToken(t.server.signingKey, { ttlSeconds: 600 });
    const body = nested(20_000);
    const routes: [string, string, string | undefined][] = [
      ['POST', `/beta${PKI_PATH}`, undefined],
      ['POST', '/graph-pki/v1/verify', undefined],
      ['POST', '/v1.0/$batch', undefined],
      ['PUT', '/_admin/tenants/00000000-0000-4000-8000-0000000000f1/snapshot', adminToken],
    ];
    for (const [method, path, token] of routes) {
      const started = Date.now();
      const res = await t.request(method, path, { rawBody: body, headers: { 'content-type': 'application/json' }, ...(token ? { token } : {}) });
      assert.equal(res.status, 400, `${method} ${path}: ${res.text}`);
      assert.equal(res.body.error.message, depthMessage(DEFAULT_LIMITS.maxJsonDepth), `${method} ${path}`);
      assert.ok(Date.now() - started < 5_000, `${method} ${path} took ${Date.now() - started} ms`);
    }
  });

  it('takes exactly the limit (then the schema speaks) and refuses one level more', async () => {
    const within = `{"displayName": ${nested(DEFAULT_LIMITS.maxJsonDepth - 1)}}`;
    const atLimit = await t.request('POST', `/beta${PKI_PATH}`, { rawBody: within, headers: { 'content-type': 'application/json' } });
    assert.equal(atLimit.status, 400, atLimit.text);
    assert.doesNotMatch(atLimit.body.error.message, /--max-json-depth/);
    const beyond = `{"displayName": ${nested(DEFAULT_LIMITS.maxJsonDepth)}}`;
    const over = await t.request('POST', `/beta${PKI_PATH}`, { rawBody: beyond, headers: { 'content-type': 'application/json' } });
    assert.equal(over.status, 400, over.text);
    assert.equal(over.body.error.message, depthMessage(DEFAULT_LIMITS.maxJsonDepth));
  });

  it('does not count brackets inside strings, escaped quotes included', async () => {
    const displayName = `${'['.repeat(100)}\\"{{{${'{'.repeat(100)}`;
    const res = await t.request('POST', `/beta${PKI_PATH}`, { rawBody: `{"displayName": "${displayName}"}`, headers: { 'content-type': 'application/json' } });
    assert.equal(res.status, 201, res.text);
    assert.equal(res.body.displayName, JSON.parse(`"${displayName}"`));
  });

  it('follows --max-json-depth', async () => {
    const shallow = await startTestServer({ limits: { ...DEFAULT_LIMITS, maxJsonDepth: 16 } });
    try {
      const res = await shallow.request('POST', `/beta${PKI_PATH}`, { rawBody: `{"displayName": ${nested(16)}}`, headers: { 'content-type': 'application/json' } });
      assert.equal(res.status, 400, res.text);
      assert.equal(res.body.error.message, depthMessage(16));
    } finally {
      await shallow.close();
    }
  });
});

describe('the NUL check over a deeply nested value', () => {
  it('names the place 100 000 levels down, in time linear in the depth', { timeout: 20_000 }, () => {
    let value: unknown = 'a\u0000b';
    for (let i = 0; i < 100_000; i++) value = [value];
    const found = findUnstorableText({ deep: value });
    assert.equal(found?.problem, 'U+0000 (NUL)');
    assert.equal(found?.segments.length, 100_001);
    assert.equal(found?.segments[0], 'deep');
    assert.ok(found?.segments.slice(1).every((segment) => segment === 0));
  });
});
