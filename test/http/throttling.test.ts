// Graph's throttling: resource-unit and write buckets per application and tenant, the tenant-wide write
// bucket, Graph's 429 body and x-ms-throttle-* headers, low priority, refill, metrics, and (on
// PostgreSQL) one set of buckets shared by several instances.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { DEFAULT_THROTTLE_CONFIG, type ThrottleConfig } from '../../src/config.ts';
import { ThrottleBucketRepository } from '../../src/store/throttle-bucket-repository.ts';
import { freshTestDatabase, TEST_BACKEND } from '../helpers/backend.ts';
import { PKI_PATH, startTestServer, TENANT_B, type TestServer } from '../helpers/test-server.ts';

const PKIS = `/beta${PKI_PATH}`;
const APP_1 = '11111111-1111-4111-8111-111111111111';
const APP_2 = '22222222-2222-4222-8222-222222222222';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const servers: TestServer[] = [];
after(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

async function serverWith(throttle: Partial<ThrottleConfig>, database?: string): Promise<TestServer> {
  const server = await startTestServer({ throttle: { ...DEFAULT_THROTTLE_CONFIG, ...throttle }, ...(database ? { database } : {}) });
  servers.push(server);
  return server;
}

describe('throttling', () => {
  it('charges resource units, warns near the limit and answers 429 in Graph\'s shape over it', async () => {
    const t = await serverWith({ resourceUnits: 10 });
    const token = await t.token({ appId: APP_1 });
    const statuses: number[] = [];
    const percentages: (string | null)[] = [];
    for (let i = 0; i < 10; i++) {
      const res = await t.request('GET', PKIS, { token });
      statuses.push(res.status);
      assert.equal(res.headers.get('x-ms-resource-unit'), '1');
      percentages.push(res.headers.get('x-ms-throttle-limit-percentage'));
    }
    assert.deepEqual(statuses, Array(10).fill(200));
    // Used 1..10 of 10: the header appears once more than 80 % is used.
    assert.deepEqual(percentages.slice(0, 8), Array(8).fill(null));
    // (The bucket refills a little between requests, so the values are just below 0.9 and 1.0.)
    const [ninth, tenth] = percentages.slice(8).map(Number);
    assert.ok(ninth !== undefined && ninth > 0.85 && ninth <= 0.9, `9th: ${ninth}`);
    assert.ok(tenth !== undefined && tenth > 0.95 && tenth <= 1, `10th: ${tenth}`);

    const throttled = await t.request('GET', PKIS, { token, headers: { 'client-request-id': 'burst-11' } });
    assert.equal(throttled.status, 429);
    assert.ok(Number(throttled.headers.get('retry-after')) >= 1);
    assert.equal(throttled.headers.get('x-ms-throttle-scope'), `Tenant_Application/ReadWrite/${APP_1}/${TENANT_AFromToken()}`);
    assert.equal(throttled.headers.get('x-ms-throttle-information'), 'ResourceUnitLimitExceeded');
    assert.equal(throttled.body.error.code, 'TooManyRequests');
    assert.equal(throttled.body.error.message, 'Please retry again later.');
    assert.equal(throttled.body.error.innerError.code, '429');
    assert.equal(throttled.body.error.innerError.status, '429');
    assert.equal(throttled.body.error.innerError.message, 'Please retry after');
    assert.equal(throttled.body.error.innerError['request-id'], throttled.headers.get('request-id'));
    assert.equal(throttled.body.error.innerError['client-request-id'], 'burst-11');

    // Another application, and the same application in another tenant, have buckets of their own.
    assert.equal((await t.request('GET', PKIS, { token: await t.token({ appId: APP_2 }) })).status, 200);
    assert.equal((await t.request('GET', PKIS, { token: await t.token({ appId: APP_1, tenantId: TENANT_B }) })).status, 200);

    const metrics = await t.request('GET', '/metrics', { token: null });
    assert.match(metrics.text, /graph_pki_throttled_requests_total\{limit="resource-units"\} 1\b/);
  });

  it('a burst of creates above the write limit: the excess gets 429 and writes nothing, reads go on', async () => {
    const t = await serverWith({ writes: 5 });
    const token = await t.token({ appId: APP_1 });
    const names = Array.from({ length: 12 }, (_, i) => `Burst ${i}`);
    const results = await Promise.all(names.map((displayName) => t.request('POST', PKIS, { token, body: { displayName } })));
    const created = results.filter((r) => r.status === 201);
    const refused = results.filter((r) => r.status === 429);
    assert.equal(created.length, 5);
    assert.equal(refused.length, 7);
    for (const r of refused) {
      assert.equal(r.headers.get('x-ms-throttle-information'), 'WriteLimitExceeded');
      assert.equal(r.headers.get('x-ms-throttle-scope'), `Tenant_Application/Write/${APP_1}/${TENANT_AFromToken()}`);
      // One write refills every 150 s / 5 = 30 s.
      const retryAfter = Number(r.headers.get('retry-after'));
      assert.ok(retryAfter >= 1 && retryAfter <= 30, `Retry-After ${retryAfter}`);
    }
    const list = await t.request('GET', PKIS, { token });
    assert.equal(list.status, 200, 'reads are not limited by the write bucket');
    assert.deepEqual(
      list.body.value.map((p: { displayName: string }) => p.displayName).sort(),
      created.map((r) => r.body.displayName).sort(),
      'exactly the acknowledged creates exist',
    );
  });

  it('limits all applications of a tenant together by the tenant write bucket', async () => {
    const t = await serverWith({ tenantWrites: 3 });
    const first = await t.token({ appId: APP_1 });
    const second = await t.token({ appId: APP_2 });
    assert.equal((await t.request('POST', PKIS, { token: first, body: { displayName: 'a' } })).status, 201);
    assert.equal((await t.request('POST', PKIS, { token: first, body: { displayName: 'b' } })).status, 201);
    assert.equal((await t.request('POST', PKIS, { token: second, body: { displayName: 'c' } })).status, 201);
    const refused = await t.request('POST', PKIS, { token: second, body: { displayName: 'd' } });
    assert.equal(refused.status, 429);
    assert.equal(refused.headers.get('x-ms-throttle-scope'), `Tenant/Write/${APP_2}/${TENANT_AFromToken()}`);
    // Another tenant is not affected.
    assert.equal((await t.request('POST', PKIS, { token: await t.token({ appId: APP_2, tenantId: TENANT_B }), body: { displayName: 'e' } })).status, 201);
  });

  it('throttles low-priority requests first and refills over time', async () => {
    const t = await serverWith({ resourceUnits: 4, resourceUnitWindowMs: 2000, lowPriorityReserve: 0.5 });
    const token = await t.token({ appId: APP_1 });
    const low = { 'x-ms-throttle-priority': 'Low' };
    assert.equal((await t.request('GET', PKIS, { token, headers: low })).status, 200);
    assert.equal((await t.request('GET', PKIS, { token, headers: low })).status, 200);
    assert.equal((await t.request('GET', PKIS, { token, headers: low })).status, 429, 'low priority keeps half the bucket free');
    assert.equal((await t.request('GET', PKIS, { token })).status, 200);
    assert.equal((await t.request('GET', PKIS, { token, headers: { 'x-ms-throttle-priority': 'high' } })).status, 200);
    const refused = await t.request('GET', PKIS, { token });
    assert.equal(refused.status, 429);
    // 4 units per 2 s: one unit is back within 0.5 s; Retry-After is whole seconds, rounded up.
    assert.equal(refused.headers.get('retry-after'), '1');
    await sleep(1000);
    assert.equal((await t.request('GET', PKIS, { token })).status, 200, 'allowed again after Retry-After');
  });

  it('is off with throttle.enabled false: no headers, no 429', async () => {
    const t = await serverWith({ enabled: false, resourceUnits: 1 });
    for (let i = 0; i < 5; i++) {
      const res = await t.request('GET', PKIS);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('x-ms-resource-unit'), null);
    }
  });

  it('does not charge requests that fail authentication or authorization', async () => {
    const t = await serverWith({ resourceUnits: 2 });
    const reader = await t.token({ appId: APP_1, appRoles: ['PublicKeyInfrastructure.Read.All'] });
    for (let i = 0; i < 3; i++) assert.equal((await t.request('POST', PKIS, { token: reader, body: { displayName: 'x' } })).status, 403);
    assert.equal((await t.request('GET', PKIS, { token: 'not-a-token' })).status, 401);
    assert.equal((await t.request('GET', PKIS, { token: reader })).status, 200);
    assert.equal((await t.request('GET', PKIS, { token: reader })).status, 200);
    assert.equal((await t.request('GET', PKIS, { token: reader })).status, 429);
  });
});

if (TEST_BACKEND === 'postgres') {
  describe('throttling across instances on PostgreSQL', () => {
    it('two instances draw from one bucket', async () => {
      const database = await freshTestDatabase();
      assert.ok(database);
      const config = { resourceUnits: 10, resourceUnitWindowMs: 600_000, syncIntervalMs: 50 };
      const a = await serverWith(config, database);
      const b = await serverWith(config, database);
      const token = await a.token({ appId: APP_1 });
      for (let i = 0; i < 6; i++) assert.equal((await a.request('GET', PKIS, { token })).status, 200);
      // The instances exchange their usage every 50 ms; exchange now, so the test does not race the timer.
      await a.server.throttle?.exchangeNow();
      await b.server.throttle?.exchangeNow();
      // B's first request finds no bucket there yet: it is admitted and B fetches the shared level.
      assert.equal((await b.request('GET', PKIS, { token })).status, 200);
      await b.server.throttle?.exchangeNow();
      const onB: number[] = [];
      for (let i = 0; i < 5; i++) onB.push((await b.request('GET', PKIS, { token })).status);
      assert.deepEqual(onB, [200, 200, 200, 429, 429], 'instance B sees the 6 units instance A spent');
      await b.server.throttle?.exchangeNow();
      await a.server.throttle?.exchangeNow();
      assert.equal((await a.request('GET', PKIS, { token })).status, 429, 'and A sees what B spent');

      // The hourly sweep forgets buckets idle for a day; with a day of 0 it takes every row. (The
      // instances stop exchanging first, or their next exchange would write the rows back.)
      await a.server.throttle?.stop();
      await b.server.throttle?.stop();
      const buckets = new ThrottleBucketRepository(a.server.database.db);
      const rows = async () => (await a.server.database.db.selectFrom('throttle_bucket').select('bucket_key').execute()).length;
      const before = await rows();
      assert.ok(before >= 1);
      assert.equal(await buckets.forgetIdle(24 * 3_600_000), 0, 'nothing is a day old');
      assert.equal(await buckets.forgetIdle(0), before);
      assert.equal(await rows(), 0);
    });
  });
}

/** The test server's default tenant (the tokens' tid). */
function TENANT_AFromToken(): string {
  return '00000000-0000-4000-8000-000000000001';
}
