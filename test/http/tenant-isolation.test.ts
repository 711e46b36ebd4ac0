// Tenant B can never read, count, change or delete tenant A's objects: every attempt looks as if the
// object did not exist, and A's data is unchanged afterwards.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { API_VERSIONS } from '../../src/graph/context.ts';
import { PKI_PATH, send, startTestServer, TENANT_A, TENANT_B, type TestServer } from '../helpers/test-server.ts';

let t: TestServer;
let tokenA: string;
let tokenB: string;
before(async () => {
  t = await startTestServer();
  tokenA = await t.token({ tenantId: TENANT_A });
  tokenB = await t.token({ tenantId: TENANT_B });
});
after(() => t.close());

for (const version of API_VERSIONS) {
  describe(`/${version}: tenant B against tenant A`, () => {
    const base = `/${version}${PKI_PATH}`;
    let pkiOfA: { id: string; displayName: string; lastModifiedDateTime: string };

    before(async () => {
      pkiOfA = (await send(t.url, 'POST', base, tokenA, { body: { displayName: `A's PKI ${version}` } })).body;
    });

    it('cannot get it', async () => {
      const res = await send(t.url, 'GET', `${base}/${pkiOfA.id}`, tokenB);
      assert.equal(res.status, 404);
      assert.equal(res.body.error.code, 'Request_ResourceNotFound');
    });

    it('does not see it in the list or the count', async () => {
      const list = await send(t.url, 'GET', base, tokenB);
      assert.equal(list.status, 200);
      assert.ok(!list.body.value.some((p: { id: string }) => p.id === pkiOfA.id));
      const countB = Number((await send(t.url, 'GET', `${base}/$count`, tokenB)).text);
      assert.equal(countB, list.body.value.length);
      const countA = Number((await send(t.url, 'GET', `${base}/$count`, tokenA)).text);
      assert.ok(countA >= 1);
    });

    it('cannot patch it', async () => {
      const res = await send(t.url, 'PATCH', `${base}/${pkiOfA.id}`, tokenB, { body: { displayName: 'hijacked' } });
      assert.equal(res.status, 404);
    });

    it('cannot delete it', async () => {
      const res = await send(t.url, 'DELETE', `${base}/${pkiOfA.id}`, tokenB);
      assert.equal(res.status, 404);
    });

    it("leaves A's object unchanged", async () => {
      const res = await send(t.url, 'GET', `${base}/${pkiOfA.id}`, tokenA);
      assert.equal(res.status, 200);
      assert.equal(res.body.displayName, pkiOfA.displayName);
      assert.equal(res.body.lastModifiedDateTime, pkiOfA.lastModifiedDateTime);
    });

    it('gives each tenant its own publicKeyInfrastructure root id', async () => {
      const a = await send(t.url, 'GET', `/${version}/directory/publicKeyInfrastructure`, tokenA);
      const b = await send(t.url, 'GET', `/${version}/directory/publicKeyInfrastructure`, tokenB);
      assert.equal(a.status, 200);
      assert.equal(b.status, 200);
      assert.notEqual(a.body.id, b.body.id);
    });
  });
}
