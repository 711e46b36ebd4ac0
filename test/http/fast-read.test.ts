// The fast read path of GET one PKI (src/http/fast-pki-read.ts) answers exactly as the Fastify route
// does: the same status, body and headers for every case, checked by sending each request twice, to a
// server with the fast path and to a second server on the same database and key without it. Misses,
// errors, other tenants, throttling and fault injection go to Fastify. On PostgreSQL there is no fast
// path (no synchronous reads), which the counter shows.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_THROTTLE_CONFIG } from '../../src/config.ts';
import { postgresSchemaUrl, TEST_BACKEND } from '../helpers/backend.ts';

/** The PostgreSQL URL (schema) a test server runs on, so a second server can share it. */
async function postgresUrlOf(server: TestServer): Promise<string> {
  const row = await server.server.database.db.selectNoFrom((eb) => eb.fn<string>('current_schema', []).as('schema')).executeTakeFirstOrThrow();
  return postgresSchemaUrl(row.schema);
}
import { PKI_PATH, startTestServer, TENANT_B, tokens, type TestResponse, type TestServer } from '../helpers/test-server.ts';

const PKIS = `/beta${PKI_PATH}`;
const FAST_ON_THIS_BACKEND = TEST_BACKEND === 'sqlite';
/** Headers that differ between any two responses. */
const PER_RESPONSE = new Set(['date', 'request-id', 'keep-alive', 'connection']);

async function fastReads(server: TestServer): Promise<number> {
  const metrics = (await server.request('GET', '/metrics', { token: null })).text;
  return Number(/^graph_pki_fast_read_requests_total (\d+)/m.exec(metrics)?.[1] ?? Number.NaN);
}

/** Status, body and headers, without what differs between any two responses (a generated client-request-id too). */
function comparable(res: TestResponse, clientRequestIdSent: boolean): { status: number; body: unknown; headers: Record<string, string> } {
  const headers: Record<string, string> = {};
  res.headers.forEach((value, name) => {
    if (!PER_RESPONSE.has(name) && (clientRequestIdSent || name !== 'client-request-id')) headers[name] = value;
  });
  const body = res.body && typeof res.body === 'object' && 'error' in res.body ? { ...res.body, error: { ...res.body.error, innerError: undefined } } : res.body;
  return { status: res.status, body, headers };
}

describe('fast read path of GET one PKI', () => {
  let t: TestServer;
  /** The same data, without the fast path: the reference. */
  let reference: TestServer;
  let live: string;
  let deleted: string;

  before(async () => {
    const publicUrl = 'https://graph.example.test';
    t = await startTestServer({ publicUrl });
    reference = await startTestServer({ publicUrl, dataDir: t.dataDir, database: t.server.database.dialect === 'sqlite' ? undefined : await postgresUrlOf(t) }, { fastReads: false });
    live = (await t.request('POST', PKIS, { body: { displayName: 'Fast PKI' } })).body.id;
    deleted = (await t.request('POST', PKIS, { body: { displayName: 'Gone' } })).body.id;
    assert.equal((await t.request('DELETE', `${PKIS}/${deleted}`)).status, 204);
  });

  after(async () => {
    await reference?.close();
    await t?.close();
  });

  it('answers like the Fastify route in every case', async () => {
    const reader = await t.token(tokens.readOnlyApp);
    const otherTenant = await t.token({ tenantId: TENANT_B });
    const delegated = await t.token(tokens.delegatedReadWrite);
    const cases: { name: string; path: string; token?: string; headers?: Record<string, string>; fast: boolean }[] = [
      { name: 'beta', path: `${PKIS}/${live}`, fast: true },
      { name: 'v1.0', path: `/v1.0${PKI_PATH}/${live}`, fast: true },
      { name: 'other casing, trailing slash', path: `/BETA/Directory/PublicKeyInfrastructure/CertificateBasedAuthConfigurations/${live}/`, fast: true },
      { name: 'upper-case id', path: `${PKIS}/${live.toUpperCase()}`, fast: false },
      { name: 'read-only token', path: `${PKIS}/${live}`, token: reader, fast: true },
      { name: 'delegated token', path: `${PKIS}/${live}`, token: delegated, fast: true },
      { name: 'client-request-id echoed', path: `${PKIS}/${live}`, headers: { 'client-request-id': 'fast-123' }, fast: true },
      { name: 'another tenant', path: `${PKIS}/${live}`, token: otherTenant, fast: false },
      { name: 'deleted PKI', path: `${PKIS}/${deleted}`, fast: false },
      { name: 'unknown id', path: `${PKIS}/00000000-0000-4000-8000-000000000000`, fast: false },
    ];
    // Verify every token once, so that the fast path (which uses only cached tokens) can take them.
    for (const c of cases) await t.request('GET', '/beta/directory/publicKeyInfrastructure', c.token ? { token: c.token } : {});
    for (const c of cases) {
      const before = await fastReads(t);
      const options = { ...(c.token ? { token: c.token } : {}), ...(c.headers ? { headers: c.headers } : {}) };
      const plain = await t.request('GET', c.path, options);
      const taken = (await fastReads(t)) - before;
      const viaFastify = await reference.request('GET', c.path, options);
      assert.equal(taken, c.fast && FAST_ON_THIS_BACKEND ? 1 : 0, `${c.name}: fast path taken`);
      assert.equal(await fastReads(reference), 0, 'the reference server has no fast path');
      const sent = c.headers?.['client-request-id'] !== undefined;
      assert.deepEqual(comparable(plain, sent), comparable(viaFastify, sent), c.name);
      assert.match(plain.headers.get('client-request-id') ?? '', sent ? /^fast-123$/ : /^[0-9a-f-]{36}$/);
      assert.notEqual(plain.headers.get('request-id'), viaFastify.headers.get('request-id'));
    }
    const ok = await t.request('GET', `${PKIS}/${live}`, { headers: { 'client-request-id': 'fast-456' } });
    assert.equal(ok.status, 200);
    assert.equal(ok.headers.get('client-request-id'), 'fast-456');
    assert.equal(ok.body.displayName, 'Fast PKI');
    assert.match(ok.body['@odata.context'], /\/beta\/\$metadata#directory\/publicKeyInfrastructure\/certificateBasedAuthConfigurations\/\$entity$/);
  });

  it('a query string always goes to Fastify', async () => {
    const before = await fastReads(t);
    const res = await t.request('GET', `${PKIS}/${live}?$select=displayName`);
    assert.equal(res.status, 200);
    assert.deepEqual(Object.keys(res.body).filter((k) => !k.startsWith('@')).sort(), ['displayName', 'id']);
    assert.equal((await fastReads(t)) - before, 0);
  });

  it('a token seen for the first time goes to Fastify, then takes the fast path', async () => {
    const fresh = await t.token({ ttlSeconds: 1800 });
    const before = await fastReads(t);
    assert.equal((await t.request('GET', `${PKIS}/${live}`, { token: fresh })).status, 200);
    assert.equal((await fastReads(t)) - before, 0);
    assert.equal((await t.request('GET', `${PKIS}/${live}`, { token: fresh })).status, 200);
    assert.equal((await fastReads(t)) - before, FAST_ON_THIS_BACKEND ? 1 : 0);
  });

  it('sees its own writes at once, though it keeps PKIs it read in memory', async () => {
    const id = (await t.request('POST', PKIS, { body: { displayName: 'Own 1' } })).body.id;
    assert.equal((await t.request('GET', `${PKIS}/${id}`)).body.displayName, 'Own 1');
    const before = await fastReads(t);
    assert.equal((await t.request('PATCH', `${PKIS}/${id}`, { body: { displayName: 'Own 2' } })).status, 200);
    const read = await t.request('GET', `${PKIS}/${id}`);
    assert.equal(read.body.displayName, 'Own 2');
    assert.equal((await t.request('DELETE', `${PKIS}/${id}`)).status, 204);
    assert.equal((await t.request('GET', `${PKIS}/${id}`)).status, 404);
    assert.equal((await fastReads(t)) - before, FAST_ON_THIS_BACKEND ? 1 : 0, 'the read after the PATCH was fast, the 404 was not');
  });

  it('sees a write committed by another connection to the same database at once', async () => {
    // `reference` is a second server with its own connection to the same database (on SQLite the same
    // file): a write there must end what `t` keeps in memory, on its very next read.
    const id = (await t.request('POST', PKIS, { body: { displayName: 'Shared 1' } })).body.id;
    for (let i = 0; i < 2; i++) assert.equal((await t.request('GET', `${PKIS}/${id}`)).body.displayName, 'Shared 1');
    const before = await fastReads(t);
    assert.equal((await reference.request('PATCH', `${PKIS}/${id}`, { body: { displayName: 'Shared 2' } })).status, 200);
    const read = await t.request('GET', `${PKIS}/${id}`);
    assert.equal(read.body.displayName, 'Shared 2');
    assert.equal(read.body.lastModifiedDateTime, (await reference.request('GET', `${PKIS}/${id}`)).body.lastModifiedDateTime);
    assert.equal((await fastReads(t)) - before, FAST_ON_THIS_BACKEND ? 1 : 0, 'answered by the fast path, from the new row');
    assert.equal((await reference.request('DELETE', `${PKIS}/${id}`)).status, 204);
    assert.equal((await t.request('GET', `${PKIS}/${id}`)).status, 404);
  });

  it('is counted in the request metrics under the route pattern', async () => {
    const metrics = (await t.request('GET', '/metrics', { token: null })).text;
    assert.match(metrics, /graph_pki_http_request_duration_seconds_count\{route="\/beta\/directory\/publicKeyInfrastructure\/certificateBasedAuthConfigurations\/:pkiId",status_code="200"\} \d+/);
  });
});

describe('fast read path with throttling and faults', () => {
  const servers: TestServer[] = [];
  after(async () => {
    await Promise.all(servers.map((s) => s.close()));
  });

  it('charges the throttle like Fastify and leaves the 429 to it', async () => {
    const t = await startTestServer({ throttle: { ...DEFAULT_THROTTLE_CONFIG, resourceUnits: 4, resourceUnitWindowMs: 600_000 } });
    servers.push(t);
    const id = (await t.request('POST', PKIS, { body: { displayName: 'Throttled' } })).body.id;
    // The create cost 1 unit; 3 remain.
    const answers: TestResponse[] = [];
    for (let i = 0; i < 4; i++) answers.push(await t.request('GET', `${PKIS}/${id}`));
    assert.deepEqual(answers.map((r) => r.status), [200, 200, 200, 429]);
    assert.deepEqual(answers.map((r) => r.headers.get('x-ms-resource-unit')), ['1', '1', '1', '1']);
    assert.deepEqual(answers.slice(0, 3).map((r) => r.headers.get('x-ms-throttle-limit-percentage')), [null, null, '1.00']);
    assert.equal(answers[3]?.body.error.code, 'TooManyRequests');
    assert.equal(await fastReads(t), FAST_ON_THIS_BACKEND ? 3 : 0, 'the create verified the token; all three GETs were fast');
  });

  it('is off while faults are injected', async () => {
    const t = await startTestServer({ faults: { seed: 1, rules: [{ methods: ['POST'], path: '/nothing/**', rate: 1, times: undefined, effect: { delayMs: 1 } }] } });
    servers.push(t);
    const id = (await t.request('POST', PKIS, { body: { displayName: 'Faulty' } })).body.id;
    for (let i = 0; i < 3; i++) assert.equal((await t.request('GET', `${PKIS}/${id}`)).status, 200);
    assert.equal(await fastReads(t), 0);
  });
});
