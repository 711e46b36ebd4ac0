// Directory soft delete of PKIs and CAs through real HTTP: DELETE moves an object to
// /directory/deletedItems, from where it can be listed (with the collection query options), read,
// restored (with the conflicts a restore can meet) or purged; the retention sweep purges old items;
// Read.All may only read them, and another tenant never sees them.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { DEFAULT_LIMITS } from '../../src/config.ts';
import { API_VERSIONS } from '../../src/graph/context.ts';
import { createCa, type TestCert } from '../helpers/certs.ts';
import { PKI_PATH, startTestServer, TENANT_A, TENANT_B, type TestResponse, type TestServer, tokens } from '../helpers/test-server.ts';

const DELETED = '/directory/deletedItems';
const PKI_TYPE = 'microsoft.graph.certificateBasedAuthPki';
const CA_TYPE = 'microsoft.graph.certificateAuthorityDetail';
const SECOND_PRECISION = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;
const DAY_MS = 86_400_000;

interface Call {
  readonly token?: string;
  readonly version?: string;
}

const deletedPkis = (version = 'beta') => `/${version}${DELETED}/${PKI_TYPE}`;
const deletedCas = (version = 'beta') => `/${version}${DELETED}/${CA_TYPE}`;
const deletedItem = (id: string, version = 'beta') => `/${version}${DELETED}/${id}`;
const pkiUrl = (id: string, version = 'beta') => `/${version}${PKI_PATH}/${id}`;
const casOf = (pkiId: string, version = 'beta') => `${pkiUrl(pkiId, version)}/certificateAuthorities`;

let certCounter = 0;
/** A fresh self-signed CA certificate (P-256: cheap), unique in subject, key and serial. */
function newCert(name = 'Deleted Items CA'): Promise<TestCert> {
  certCounter += 1;
  return createCa({ subject: `CN=${name} ${certCounter}, O=graph-pki tests` });
}

async function newPki(s: TestServer, displayName: string, call: Call = {}): Promise<string> {
  const res = await s.request('POST', `/${call.version ?? 'beta'}${PKI_PATH}`, { token: call.token, body: { displayName } });
  assert.equal(res.status, 201, res.text);
  return res.body.id;
}

// biome-ignore lint/suspicious/noExplicitAny: response bodies
async function addCa(s: TestServer, pkiId: string, cert: TestCert, displayName?: string, call: Call = {}): Promise<any> {
  const body = displayName === undefined ? { certificate: cert.base64 } : { certificate: cert.base64, displayName };
  const res = await s.request('POST', casOf(pkiId, call.version), { token: call.token, body });
  assert.equal(res.status, 201, res.text);
  return res.body;
}

async function deletePki(s: TestServer, pkiId: string, call: Call = {}): Promise<void> {
  const res = await s.request('DELETE', pkiUrl(pkiId, call.version), { token: call.token });
  assert.equal(res.status, 204, res.text);
  assert.equal(res.text, '');
}

async function deleteCa(s: TestServer, pkiId: string, caId: string, call: Call = {}): Promise<void> {
  const res = await s.request('DELETE', `${casOf(pkiId, call.version)}/${caId}`, { token: call.token });
  assert.equal(res.status, 204, res.text);
  assert.equal(res.text, '');
}

function assertError(res: TestResponse, status: number, code: string, message?: RegExp): void {
  assert.equal(res.status, status, `${res.status} ${res.text}`);
  assert.equal(res.body?.error?.code, code, res.text);
  if (message) assert.match(res.body.error.message, message);
}

const assertNotFound = (res: TestResponse, id?: string) =>
  assertError(res, 404, 'Request_ResourceNotFound', id === undefined ? undefined : new RegExp(`'${id}'`));

function assertRecentTimestamp(value: unknown): void {
  assert.equal(typeof value, 'string');
  assert.match(value as string, SECOND_PRECISION);
  assert.ok(Math.abs(Date.parse(value as string) - Date.now()) < 60_000, `${value} is not about now`);
}

// biome-ignore lint/suspicious/noExplicitAny: response bodies
const idsOf = (res: TestResponse): string[] => (res.body.value as any[]).map((item) => item.id);

/** Waits until the wall clock has moved into the next second (timestamps have second precision). */
async function nextSecond(): Promise<void> {
  await sleep(1000 - (Date.now() % 1000) + 30);
}

describe('deletedItems', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer();
  });
  after(() => t.close());

  for (const version of API_VERSIONS) {
    describe(`/${version} a deleted PKI`, () => {
      it('leaves every normal read with its CAs, is listed and read under deletedItems, and comes back with its CAs on restore', async () => {
        const pkiId = await newPki(t, `Soft delete ${version}`, { version });
        const root = await addCa(t, pkiId, await newCert(), undefined, { version });
        const second = await addCa(t, pkiId, await newCert(), undefined, { version });
        const liveCountBefore = Number((await t.request('GET', `/${version}${PKI_PATH}/$count`)).text);
        assert.ok(liveCountBefore >= 1);

        await deletePki(t, pkiId, { version });

        // Gone from the normal reads, and so are its CAs.
        assertNotFound(await t.request('GET', pkiUrl(pkiId, version)), pkiId);
        const listed = await t.request('GET', `/${version}${PKI_PATH}?$filter=id eq '${pkiId}'`);
        assert.equal(listed.status, 200);
        assert.deepEqual(listed.body.value, []);
        assert.equal((await t.request('GET', `/${version}${PKI_PATH}/$count`)).text, String(liveCountBefore - 1));
        assertNotFound(await t.request('GET', `${casOf(pkiId, version)}/${root.id}`));
        assertNotFound(await t.request('GET', casOf(pkiId, version)), pkiId);
        assertNotFound(await t.request('GET', `${casOf(pkiId, version)}/$count`), pkiId);
        assertNotFound(await t.request('DELETE', pkiUrl(pkiId, version)), pkiId);
        assertNotFound(await t.request('PATCH', pkiUrl(pkiId, version), { body: { displayName: 'while deleted' } }), pkiId);

        // Listed under deletedItems with its deletion time.
        const list = await t.request('GET', deletedPkis(version));
        assert.equal(list.status, 200, list.text);
        assert.equal(list.body['@odata.context'], `${t.url}/${version}/$metadata#directory/deletedItems/${PKI_TYPE}`);
        const entry = list.body.value.find((item: { id: string }) => item.id === pkiId);
        assert.ok(entry, 'the deleted PKI is listed');
        assert.equal(entry['@odata.type'], `#${PKI_TYPE}`);
        assert.equal(entry.displayName, `Soft delete ${version}`);
        assertRecentTimestamp(entry.deletedDateTime);

        // Readable one by one.
        const got = await t.request('GET', deletedItem(pkiId, version));
        assert.equal(got.status, 200, got.text);
        assert.equal(got.body['@odata.context'], `${t.url}/${version}/$metadata#directory/deletedItems/$entity`);
        assert.equal(got.body['@odata.type'], `#${PKI_TYPE}`);
        assert.equal(got.body.id, pkiId);
        assert.equal(got.body.deletedDateTime, entry.deletedDateTime);
        assert.equal(got.body.displayName, entry.displayName);
        assert.equal(got.body.status, entry.status);

        // Restore brings it back with both CAs.
        const restored = await t.request('POST', `${deletedItem(pkiId, version)}/restore`);
        assert.equal(restored.status, 200, restored.text);
        assert.equal(restored.body['@odata.context'], `${t.url}/${version}/$metadata#directoryObjects/$entity`);
        assert.equal(restored.body['@odata.type'], `#${PKI_TYPE}`);
        assert.equal(restored.body.id, pkiId);
        assert.equal(restored.body.deletedDateTime, null);
        assert.equal(restored.body.displayName, `Soft delete ${version}`);

        const back = await t.request('GET', pkiUrl(pkiId, version));
        assert.equal(back.status, 200);
        assert.equal(back.body.deletedDateTime, null);
        assert.equal((await t.request('GET', `/${version}${PKI_PATH}/$count`)).text, String(liveCountBefore));
        const cas = await t.request('GET', casOf(pkiId, version));
        assert.equal(cas.status, 200);
        assert.deepEqual(idsOf(cas).sort(), [root.id, second.id].sort());
        const gotCa = await t.request('GET', `${casOf(pkiId, version)}/${root.id}`);
        assert.equal(gotCa.status, 200);
        assert.equal(gotCa.body.thumbprint, root.thumbprint);
        assert.equal(gotCa.body.deletedDateTime, null);

        // And it is no longer a deleted item.
        assertNotFound(await t.request('GET', deletedItem(pkiId, version)), pkiId);
        assert.ok(!idsOf(await t.request('GET', deletedPkis(version))).includes(pkiId));
        assertNotFound(await t.request('POST', `${deletedItem(pkiId, version)}/restore`), pkiId);
      });
    });

    describe(`/${version} a deleted CA`, () => {
      it('leaves its PKI, is listed and read under deletedItems, and returns to its PKI on restore', async () => {
        const pkiId = await newPki(t, `CA soft delete ${version}`, { version });
        const kept = await addCa(t, pkiId, await newCert(), undefined, { version });
        const ca = await addCa(t, pkiId, await newCert(), 'To be deleted', { version });

        await deleteCa(t, pkiId, ca.id, { version });
        assertNotFound(await t.request('GET', `${casOf(pkiId, version)}/${ca.id}`), ca.id);
        assert.deepEqual(idsOf(await t.request('GET', casOf(pkiId, version))), [kept.id]);
        assert.equal((await t.request('GET', `${casOf(pkiId, version)}/$count`)).text, '1');

        const list = await t.request('GET', deletedCas(version));
        assert.equal(list.status, 200, list.text);
        assert.equal(list.body['@odata.context'], `${t.url}/${version}/$metadata#directory/deletedItems/${CA_TYPE}`);
        const entry = list.body.value.find((item: { id: string }) => item.id === ca.id);
        assert.ok(entry, 'the deleted CA is listed');
        assert.equal(entry['@odata.type'], `#${CA_TYPE}`);
        assert.equal(entry.displayName, 'To be deleted');
        assert.equal(entry.thumbprint, ca.thumbprint);
        assert.equal(entry.certificate, ca.certificate);
        assertRecentTimestamp(entry.deletedDateTime);
        assert.ok(!idsOf(list).includes(kept.id), 'a live CA is not a deleted item');

        const got = await t.request('GET', deletedItem(ca.id, version));
        assert.equal(got.status, 200, got.text);
        assert.equal(got.body['@odata.context'], `${t.url}/${version}/$metadata#directory/deletedItems/$entity`);
        assert.deepEqual(got.body, { '@odata.context': got.body['@odata.context'], ...entry });

        const restored = await t.request('POST', `${deletedItem(ca.id, version)}/restore`);
        assert.equal(restored.status, 200, restored.text);
        assert.equal(restored.body['@odata.context'], `${t.url}/${version}/$metadata#directoryObjects/$entity`);
        assert.equal(restored.body['@odata.type'], `#${CA_TYPE}`);
        assert.equal(restored.body.id, ca.id);
        assert.equal(restored.body.deletedDateTime, null);
        assert.equal(restored.body.thumbprint, ca.thumbprint);

        const back = await t.request('GET', `${casOf(pkiId, version)}/${ca.id}`);
        assert.equal(back.status, 200);
        assert.deepEqual(back.body, { ...ca, '@odata.context': back.body['@odata.context'] });
        assert.deepEqual(idsOf(await t.request('GET', casOf(pkiId, version))).sort(), [kept.id, ca.id].sort());
        assertNotFound(await t.request('GET', deletedItem(ca.id, version)), ca.id);
        assert.ok(!idsOf(await t.request('GET', deletedCas(version))).includes(ca.id));
      });
    });

    it(`/${version} refuses deletedItems without a supported type cast`, async () => {
      assertError(await t.request('GET', `/${version}${DELETED}`), 400, 'Request_BadRequest', /type cast/);
      assertError(await t.request('GET', `/${version}${DELETED}/microsoft.graph.group`), 400, 'Request_BadRequest', /microsoft\.graph\.group/);
    });
  }

  it('also restores through the microsoft.graph.restore action name', async () => {
    const pkiId = await newPki(t, 'Qualified restore');
    await deletePki(t, pkiId);
    const restored = await t.request('POST', `${deletedItem(pkiId)}/microsoft.graph.restore`);
    assert.equal(restored.status, 200, restored.text);
    assert.equal(restored.body.deletedDateTime, null);
    assert.equal((await t.request('GET', pkiUrl(pkiId))).status, 200);
  });

  describe('restoring a CA', () => {
    it('is refused while its PKI is deleted, and works once the PKI is restored', async () => {
      const pkiId = await newPki(t, 'Parent deleted');
      const other = await addCa(t, pkiId, await newCert());
      const ca = await addCa(t, pkiId, await newCert());
      await deleteCa(t, pkiId, ca.id);
      await deletePki(t, pkiId);

      // The CA deleted on its own is still a deleted item, but cannot come back into a deleted PKI.
      assert.equal((await t.request('GET', deletedItem(ca.id))).status, 200);
      assertError(await t.request('POST', `${deletedItem(ca.id)}/restore`), 400, 'Request_BadRequest', new RegExp(`${pkiId}.*restore the PKI first`));
      assert.equal((await t.request('GET', deletedItem(ca.id))).status, 200, 'the refused restore changed nothing');
      assertNotFound(await t.request('GET', pkiUrl(pkiId)));

      // Restoring the PKI brings back the CAs it had, not the one deleted on its own before.
      assert.equal((await t.request('POST', `${deletedItem(pkiId)}/restore`)).status, 200);
      assert.deepEqual(idsOf(await t.request('GET', casOf(pkiId))), [other.id]);
      const restored = await t.request('POST', `${deletedItem(ca.id)}/restore`);
      assert.equal(restored.status, 200, restored.text);
      assert.deepEqual(idsOf(await t.request('GET', casOf(pkiId))).sort(), [other.id, ca.id].sort());
    });

    it('is refused as a duplicate when the same certificate was added again meanwhile', async () => {
      const pkiId = await newPki(t, 'Duplicate on restore');
      const cert = await newCert();
      const original = await addCa(t, pkiId, cert);
      await deleteCa(t, pkiId, original.id);

      // The duplicate check ignores deleted CAs: the same certificate can be added again.
      const again = await addCa(t, pkiId, cert);
      assert.notEqual(again.id, original.id);
      assert.equal(again.thumbprint, original.thumbprint);

      assertError(await t.request('POST', `${deletedItem(original.id)}/restore`), 400, 'Request_BadRequest', new RegExp(`Duplicate Certificate exists.*${again.id}`));
      assert.equal((await t.request('GET', deletedItem(original.id))).status, 200, 'still a deleted item');
      assert.deepEqual(idsOf(await t.request('GET', casOf(pkiId))), [again.id]);

      // Once the new copy is gone, the old one can come back.
      await deleteCa(t, pkiId, again.id);
      assert.equal((await t.request('POST', `${deletedItem(original.id)}/restore`)).status, 200);
      assert.deepEqual(idsOf(await t.request('GET', casOf(pkiId))), [original.id]);
    });

    it('is refused beyond the per-PKI CA limit', async () => {
      const small = await startTestServer({ limits: { ...DEFAULT_LIMITS, maxCasPerPki: 2 } });
      try {
        const pkiId = await newPki(small, 'Limit on restore');
        const first = await addCa(small, pkiId, await newCert());
        const second = await addCa(small, pkiId, await newCert());
        await deleteCa(small, pkiId, first.id);
        const third = await addCa(small, pkiId, await newCert()); // deleted CAs do not count

        assertError(await small.request('POST', `${deletedItem(first.id)}/restore`), 400, 'Request_BadRequest', /already holds 2 certificate authorities.*\(2\)/);
        assert.equal((await small.request('GET', `${casOf(pkiId)}/$count`)).text, '2');
        assert.equal((await small.request('GET', deletedItem(first.id))).status, 200, 'still a deleted item');

        await deleteCa(small, pkiId, third.id);
        assert.equal((await small.request('POST', `${deletedItem(first.id)}/restore`)).status, 200);
        assert.deepEqual(idsOf(await small.request('GET', casOf(pkiId))).sort(), [first.id, second.id].sort());
      } finally {
        await small.close();
      }
    });
  });

  describe('purging', () => {
    for (const version of API_VERSIONS) {
      it(`/${version} DELETE deletedItems/{id} removes a deleted CA for good`, async () => {
        const pkiId = await newPki(t, `Purge CA ${version}`, { version });
        const ca = await addCa(t, pkiId, await newCert(), undefined, { version });
        await deleteCa(t, pkiId, ca.id, { version });

        const purged = await t.request('DELETE', deletedItem(ca.id, version));
        assert.equal(purged.status, 204, purged.text);
        assert.equal(purged.text, '');
        assertNotFound(await t.request('GET', deletedItem(ca.id, version)), ca.id);
        assertNotFound(await t.request('POST', `${deletedItem(ca.id, version)}/restore`), ca.id);
        assertNotFound(await t.request('DELETE', deletedItem(ca.id, version)), ca.id);
        assert.ok(!idsOf(await t.request('GET', deletedCas(version))).includes(ca.id));
        assert.equal((await t.request('GET', `${casOf(pkiId, version)}/$count`)).text, '0');
      });
    }

    it('removes a deleted PKI together with its CAs, live and deleted', async () => {
      const pkiId = await newPki(t, 'Purge PKI');
      const live = await addCa(t, pkiId, await newCert());
      const deletedBefore = await addCa(t, pkiId, await newCert());
      await deleteCa(t, pkiId, deletedBefore.id);
      await deletePki(t, pkiId);
      assert.equal(await t.server.store.repositories.cas.count(TENANT_A, pkiId), 1, 'the live CA row is kept while the PKI is deleted');

      const purged = await t.request('DELETE', deletedItem(pkiId));
      assert.equal(purged.status, 204, purged.text);
      assertNotFound(await t.request('GET', deletedItem(pkiId)), pkiId);
      assertNotFound(await t.request('POST', `${deletedItem(pkiId)}/restore`), pkiId);
      assertNotFound(await t.request('DELETE', deletedItem(pkiId)), pkiId);
      assert.ok(!idsOf(await t.request('GET', deletedPkis())).includes(pkiId));
      assertNotFound(await t.request('GET', pkiUrl(pkiId)));

      // The CA deleted on its own went with its PKI, and so did the live one.
      assertNotFound(await t.request('GET', deletedItem(deletedBefore.id)), deletedBefore.id);
      assert.ok(!idsOf(await t.request('GET', deletedCas())).includes(deletedBefore.id));
      assert.equal(await t.server.store.repositories.cas.count(TENANT_A, pkiId), 0, `live CA ${live.id} was not removed`);
    });
  });

  it('treats live objects and unknown ids as not deleted items (404 for get, restore and purge)', async () => {
    const pkiId = await newPki(t, 'Live object');
    const ca = await addCa(t, pkiId, await newCert());
    for (const id of [pkiId, ca.id, '11111111-1111-4111-8111-111111111111']) {
      assertNotFound(await t.request('GET', deletedItem(id)), id);
      assertNotFound(await t.request('POST', `${deletedItem(id)}/restore`), id);
      assertNotFound(await t.request('DELETE', deletedItem(id)), id);
    }
    const pki = await t.request('GET', pkiUrl(pkiId));
    assert.equal(pki.status, 200);
    assert.equal(pki.body.deletedDateTime, null);
    assert.equal((await t.request('GET', `${casOf(pkiId)}/${ca.id}`)).status, 200);
  });

  describe('permissions', () => {
    it('lets a Read.All token list and get deleted items but not restore or purge them', async () => {
      const pkiId = await newPki(t, 'Read-only view');
      const ca = await addCa(t, pkiId, await newCert());
      await deleteCa(t, pkiId, ca.id);
      await deletePki(t, pkiId);
      const readOnly = await t.token(tokens.readOnlyApp);

      assert.ok(idsOf(await t.request('GET', deletedPkis(), { token: readOnly })).includes(pkiId));
      assert.ok(idsOf(await t.request('GET', deletedCas(), { token: readOnly })).includes(ca.id));
      assert.equal((await t.request('GET', `${deletedPkis()}/$count?$filter=id eq '${pkiId}'`, { token: readOnly })).text, '1');
      const got = await t.request('GET', deletedItem(pkiId), { token: readOnly });
      assert.equal(got.status, 200);
      assert.equal(got.body.id, pkiId);

      for (const id of [pkiId, ca.id]) {
        assertError(await t.request('POST', `${deletedItem(id)}/restore`, { token: readOnly }), 403, 'Authorization_RequestDenied');
        assertError(await t.request('DELETE', deletedItem(id), { token: readOnly }), 403, 'Authorization_RequestDenied');
        assert.equal((await t.request('GET', deletedItem(id))).status, 200, 'neither restored nor purged');
      }
      assertNotFound(await t.request('GET', pkiUrl(pkiId)));
    });

    it('lets a delegated read-write admin restore and purge', async () => {
      const delegated = await t.token(tokens.delegatedReadWrite);
      const pkiId = await newPki(t, 'Delegated');
      await deletePki(t, pkiId);
      assert.equal((await t.request('POST', `${deletedItem(pkiId)}/restore`, { token: delegated })).status, 200);
      assert.equal((await t.request('GET', pkiUrl(pkiId))).status, 200);
      await deletePki(t, pkiId);
      assert.equal((await t.request('DELETE', deletedItem(pkiId), { token: delegated })).status, 204);
      assertNotFound(await t.request('GET', deletedItem(pkiId)));
    });
  });

  describe("tenant B against tenant A's deleted items", () => {
    let tokenB: string;
    let pkiA: string;
    let caA: string;
    let pkiB: string;
    before(async () => {
      tokenB = await t.token({ tenantId: TENANT_B });
      pkiA = await newPki(t, 'Tenant A deleted');
      const livePkiA = await newPki(t, 'Tenant A live');
      caA = (await addCa(t, livePkiA, await newCert())).id;
      await deleteCa(t, livePkiA, caA);
      await deletePki(t, pkiA);
      pkiB = await newPki(t, 'Tenant B deleted', { token: tokenB });
      await deletePki(t, pkiB, { token: tokenB });
    });

    for (const [method, suffix] of [
      ['GET', ''],
      ['POST', '/restore'],
      ['DELETE', ''],
    ] as const) {
      it(`${method} deletedItems/{id}${suffix} answers 404`, async () => {
        for (const id of [pkiA, caA]) assertNotFound(await t.request(method, `${deletedItem(id)}${suffix}`, { token: tokenB }), id);
      });
    }

    it("lists and counts only tenant B's own deleted items", async () => {
      const pkis = await t.request('GET', `${deletedPkis()}?$count=true`, { token: tokenB });
      assert.equal(pkis.status, 200);
      assert.deepEqual(idsOf(pkis), [pkiB]);
      assert.equal(pkis.body['@odata.count'], 1);
      assert.equal((await t.request('GET', `${deletedPkis()}/$count`, { token: tokenB })).text, '1');
      const cas = await t.request('GET', `${deletedCas()}?$count=true`, { token: tokenB });
      assert.deepEqual(cas.body.value, []);
      assert.equal(cas.body['@odata.count'], 0);
      assert.equal((await t.request('GET', `${deletedCas()}/$count`, { token: tokenB })).text, '0');
      assert.deepEqual(idsOf(await t.request('GET', `${deletedPkis()}?$filter=id eq '${pkiA}'`, { token: tokenB })), []);
    });

    it("leaves tenant A's deleted items in place, and hides tenant B's from tenant A", async () => {
      for (const id of [pkiA, caA]) assert.equal((await t.request('GET', deletedItem(id))).status, 200, id);
      assertNotFound(await t.request('GET', pkiUrl(pkiA)));
      assertNotFound(await t.request('GET', deletedItem(pkiB)), pkiB);
      assertNotFound(await t.request('POST', `${deletedItem(pkiB)}/restore`), pkiB);
      assert.ok(!idsOf(await t.request('GET', deletedPkis())).includes(pkiB));
      const countA = Number((await t.request('GET', `${deletedPkis()}/$count`)).text);
      assert.ok(countA >= 1);
      assert.equal((await t.request('GET', `${deletedPkis()}/$count?$filter=id eq '${pkiB}'`)).text, '0');
    });
  });
});

describe('query options on the deleted lists', () => {
  let q: TestServer;
  const pki: Record<string, string> = {};
  const ca: Record<string, string> = {};
  let earlier: string;
  let later: string;

  before(async () => {
    q = await startTestServer();
    for (const name of ['Alpha', 'Bravo', 'Charlie', 'Delta', 'Echo']) pki[name] = await newPki(q, name);
    const holder = await newPki(q, 'CA holder');
    for (const name of ['ca-one', 'ca-two', 'ca-three', 'ca-live']) ca[name] = (await addCa(q, holder, await newCert(), name)).id;
    // Two deletion times, a second apart: Alpha, Bravo and ca-one first; Charlie, Delta, ca-two and ca-three later. Echo and ca-live stay.
    await nextSecond();
    await deletePki(q, pki.Alpha as string);
    await deletePki(q, pki.Bravo as string);
    await deleteCa(q, holder, ca['ca-one'] as string);
    await nextSecond();
    await deletePki(q, pki.Charlie as string);
    await deletePki(q, pki.Delta as string);
    await deleteCa(q, holder, ca['ca-two'] as string);
    await deleteCa(q, holder, ca['ca-three'] as string);
    earlier = (await q.request('GET', deletedItem(pki.Alpha as string))).body.deletedDateTime;
    later = (await q.request('GET', deletedItem(pki.Delta as string))).body.deletedDateTime;
  });
  after(() => q.close());

  const names = (res: TestResponse) => (res.body.value as Array<{ displayName: string }>).map((item) => item.displayName);

  it('has two distinct deletion times to work with', async () => {
    assert.match(earlier, SECOND_PRECISION);
    assert.match(later, SECOND_PRECISION);
    assert.ok(earlier < later, `${earlier} < ${later}`);
    assert.equal((await q.request('GET', deletedItem(pki.Bravo as string))).body.deletedDateTime, earlier);
    assert.equal((await q.request('GET', deletedItem(ca['ca-one'] as string))).body.deletedDateTime, earlier);
    assert.equal((await q.request('GET', deletedItem(ca['ca-three'] as string))).body.deletedDateTime, later);
  });

  it('lists exactly the deleted objects', async () => {
    assert.deepEqual(names(await q.request('GET', `${deletedPkis()}?$orderby=displayName`)), ['Alpha', 'Bravo', 'Charlie', 'Delta']);
    assert.deepEqual(names(await q.request('GET', `${deletedCas()}?$orderby=displayName`)), ['ca-one', 'ca-three', 'ca-two']);
  });

  it('$filter on displayName and deletedDateTime', async () => {
    assert.deepEqual(names(await q.request('GET', `${deletedPkis()}?$filter=displayName eq 'Bravo'`)), ['Bravo']);
    assert.deepEqual(names(await q.request('GET', `${deletedPkis()}?$filter=startswith(displayName,'ch')`)), ['Charlie']);
    assert.deepEqual(names(await q.request('GET', `${deletedPkis()}?$filter=displayName eq 'Echo'`)), [], 'a live PKI is not listed');
    assert.deepEqual(names(await q.request('GET', `${deletedPkis()}?$filter=deletedDateTime ge ${later}&$orderby=displayName`)), ['Charlie', 'Delta']);
    assert.deepEqual(names(await q.request('GET', `${deletedPkis()}?$filter=deletedDateTime lt ${later}&$orderby=displayName`)), ['Alpha', 'Bravo']);
    assert.deepEqual(
      names(await q.request('GET', `${deletedPkis()}?$filter=deletedDateTime ge ${later} and startswith(displayName,'D')`)),
      ['Delta'],
    );
    assert.deepEqual(names(await q.request('GET', `${deletedCas()}?$filter=deletedDateTime ge ${later}&$orderby=displayName`)), ['ca-three', 'ca-two']);
    assert.deepEqual(names(await q.request('GET', `${deletedCas()}?$filter=displayName eq 'ca-live'`)), []);
    assertError(await q.request('GET', `${deletedPkis()}?$filter=deletedDateTime ge 'yesterday'`), 400, 'BadRequest', /'deletedDateTime' must be a DateTimeOffset/);
  });

  it('$orderby=deletedDateTime desc, and paging through it with $top and @odata.nextLink', async () => {
    const all = await q.request('GET', `${deletedPkis()}?$orderby=deletedDateTime desc`);
    assert.equal(all.status, 200, all.text);
    const order = names(all);
    assert.deepEqual(order.slice(0, 2).sort(), ['Charlie', 'Delta']);
    assert.deepEqual(order.slice(2).sort(), ['Alpha', 'Bravo']);
    assert.equal(all.body['@odata.nextLink'], undefined);
    const asc = names(await q.request('GET', `${deletedPkis()}?$orderby=deletedDateTime`));
    assert.deepEqual(asc.slice(0, 2).sort(), ['Alpha', 'Bravo']);

    const casDesc = names(await q.request('GET', `${deletedCas()}?$orderby=deletedDateTime desc`));
    assert.equal(casDesc.at(-1), 'ca-one');
    assert.equal(casDesc.length, 3);

    // One per page: the pages follow the same order, ties included, and the last page has no link.
    const paged: string[] = [];
    let url: string | undefined = `${deletedPkis()}?$orderby=deletedDateTime desc&$top=1`;
    for (let pages = 1; url !== undefined; pages++) {
      assert.ok(pages <= 4, `a 5th page for 4 items (pages so far: ${paged.join(', ')})`);
      const page: TestResponse = await q.request('GET', url);
      assert.equal(page.status, 200, page.text);
      assert.equal(page.body.value.length, 1);
      const [name] = names(page);
      assert.ok(name !== undefined && !paged.includes(name), `page ${pages} repeats ${name} (pages so far: ${paged.join(', ')})`);
      paged.push(name);
      const next: string | undefined = page.body['@odata.nextLink'];
      if (next !== undefined) {
        assert.ok(next.startsWith(`${q.url}${deletedPkis()}?`), next);
        assert.match(next, /\$orderby=deletedDateTime(%20|\+)desc/);
        assert.match(next, /\$top=1/);
        assert.match(next, /\$skiptoken=/);
      }
      url = next?.slice(q.url.length);
    }
    assert.deepEqual(paged, order);
  });

  it('$count=true and /$count, with and without $filter', async () => {
    const counted = await q.request('GET', `${deletedPkis()}?$count=true&$top=1`);
    assert.equal(counted.body['@odata.count'], 4);
    assert.equal(counted.body.value.length, 1);
    assert.ok(counted.body['@odata.nextLink']);
    const filtered = await q.request('GET', `${deletedCas()}?$count=true&$filter=deletedDateTime lt ${later}`);
    assert.equal(filtered.body['@odata.count'], 1);
    assert.deepEqual(names(filtered), ['ca-one']);

    const count = await q.request('GET', `${deletedPkis()}/$count`);
    assert.equal(count.status, 200);
    assert.match(count.headers.get('content-type') ?? '', /^text\/plain/);
    assert.equal(count.text, '4');
    assert.equal((await q.request('GET', `${deletedPkis()}/$count?$filter=deletedDateTime ge ${later}`)).text, '2');
    assert.equal((await q.request('GET', `${deletedCas()}/$count`)).text, '3');
    assert.equal((await q.request('GET', `/v1.0${DELETED}/${CA_TYPE}/$count?$filter=displayName eq 'ca-two'`)).text, '1');
  });

  it('$select', async () => {
    const res = await q.request('GET', `${deletedPkis()}?$select=displayName,deletedDateTime&$orderby=displayName&$top=1`);
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body['@odata.context'], `${q.url}/beta/$metadata#directory/deletedItems/${PKI_TYPE}(displayName,deletedDateTime)`);
    assert.deepEqual(res.body.value[0], { '@odata.type': `#${PKI_TYPE}`, id: pki.Alpha, deletedDateTime: earlier, displayName: 'Alpha' });

    const cas = await q.request('GET', `${deletedCas()}?$select=thumbprint&$filter=displayName eq 'ca-one'`);
    assert.deepEqual(Object.keys(cas.body.value[0]), ['@odata.type', 'id', 'thumbprint']);
    assert.equal(cas.body.value[0].id, ca['ca-one']);

    const one = await q.request('GET', `${deletedItem(pki.Bravo as string)}?$select=displayName`);
    assert.equal(one.status, 200, one.text);
    assert.deepEqual(one.body, { '@odata.context': `${q.url}/beta/$metadata#directory/deletedItems/$entity`, '@odata.type': `#${PKI_TYPE}`, id: pki.Bravo, displayName: 'Bravo' });
  });
});

describe('the retention sweep', () => {
  let s: TestServer;
  let tokenB: string;
  let livePki: string;
  let liveCa: string;
  let deletedCa: string;
  let deletedPkiA: string;
  let deletedPkiB: string;

  before(async () => {
    s = await startTestServer();
    tokenB = await s.token({ tenantId: TENANT_B });
    livePki = await newPki(s, 'Kept');
    liveCa = (await addCa(s, livePki, await newCert())).id;
    deletedCa = (await addCa(s, livePki, await newCert())).id;
    await deleteCa(s, livePki, deletedCa);
    deletedPkiA = await newPki(s, 'Swept A');
    await addCa(s, deletedPkiA, await newCert());
    await deletePki(s, deletedPkiA);
    deletedPkiB = await newPki(s, 'Swept B', { token: tokenB });
    await deletePki(s, deletedPkiB, { token: tokenB });
  });
  after(() => s.close());

  it('keeps items deleted 29 days ago', async () => {
    assert.deepEqual(await s.server.deletedItems.sweep(Date.now() + 29 * DAY_MS), { pkis: 0, cas: 0, users: 0 });
    assert.equal((await s.request('GET', deletedItem(deletedPkiA))).status, 200);
    assert.equal((await s.request('GET', deletedItem(deletedCa))).status, 200);
    assert.equal((await s.request('GET', deletedItem(deletedPkiB), { token: tokenB })).status, 200);
    assert.equal((await s.request('GET', `${deletedPkis()}/$count`)).text, '1');
  });

  it('purges, in every tenant, items deleted 31 days ago, and nothing live', async () => {
    assert.deepEqual(await s.server.deletedItems.sweep(Date.now() + 31 * DAY_MS), { pkis: 2, cas: 1, users: 0 });
    assertNotFound(await s.request('GET', deletedItem(deletedPkiA)), deletedPkiA);
    assertNotFound(await s.request('POST', `${deletedItem(deletedPkiA)}/restore`), deletedPkiA);
    assertNotFound(await s.request('GET', deletedItem(deletedCa)), deletedCa);
    assertNotFound(await s.request('GET', deletedItem(deletedPkiB), { token: tokenB }), deletedPkiB);
    assert.equal((await s.request('GET', `${deletedPkis()}/$count`)).text, '0');
    assert.equal((await s.request('GET', `${deletedCas()}/$count`)).text, '0');
    assert.deepEqual((await s.request('GET', deletedPkis(), { token: tokenB })).body.value, []);
    assert.equal(await s.server.store.repositories.cas.count(TENANT_A, deletedPkiA), 0, "the swept PKI's CAs went with it");

    assert.equal((await s.request('GET', pkiUrl(livePki))).status, 200);
    assert.deepEqual(idsOf(await s.request('GET', casOf(livePki))), [liveCa]);
  });
});
