// Resetting tenants through the admin API: one tenant loses everything it held (PKIs and CAs live or
// deleted, upload jobs, its x509 policy) while every other tenant stays exactly as it was; a reset of all
// empties every tenant; the tenant works normally afterwards.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PKI_PATH, startTestServer, TENANT_A, TENANT_B, type TestServer } from '../helpers/test-server.ts';
import { type Clients, clientsFor, fillTenant, pkiCount, POLICY_PATH, tenantView } from './admin-helpers.ts';

const TENANT_C = '00000000-0000-4000-8000-00000000000c';

let t: TestServer;
let a: Clients;
let b: Clients;
before(async () => {
  t = await startTestServer();
  a = await clientsFor(t.url, t.server.signingKey, TENANT_A);
  b = await clientsFor(t.url, t.server.signingKey, TENANT_B);
});
after(() => t.close());

describe('DELETE /_admin/tenants/{tenantId}', () => {
  it('removes everything of the tenant and leaves another tenant exactly as it was', async () => {
    await fillTenant(a, 'Reset A');
    await fillTenant(b, 'Reset B');
    const defaultPolicy = (await (await clientsFor(t.url, t.server.signingKey, TENANT_C)).graph('GET', POLICY_PATH)).body;
    const before = await tenantView(b);

    const res = await a.admin('DELETE', `/tenants/${TENANT_A}`);
    assert.equal(res.status, 200, res.text);
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
    assert.deepEqual(res.body, {
      tenantId: TENANT_A,
      deleted: { certificateBasedAuthConfigurations: 3, certificateAuthorities: 4, jobs: 0, x509CertificatePolicies: 1, classicCertificateBasedAuthConfigurations: 1, classicCertificateAuthorities: 2, users: 2, oidcClients: 2, directoryRoleAssignments: 3, signIns: 0 },
    });

    assert.equal(await pkiCount(a), 0);
    const view = await tenantView(a);
    assert.deepEqual(view[`/beta${PKI_PATH}?$top=999`], { '@odata.context': (view[`/beta${PKI_PATH}?$top=999`] as { '@odata.context': string })['@odata.context'], value: [] });
    assert.equal((view['/beta/directory/deletedItems/microsoft.graph.certificateAuthorityDetail?$top=999'] as { value: unknown[] }).value.length, 0);
    assert.deepEqual(view[POLICY_PATH], defaultPolicy, 'the policy is back to its defaults');
    assert.deepEqual(await tenantView(b), before);
  });

  it('takes the tenant id in any case, answers zeros for an empty tenant, and the tenant works afterwards', async () => {
    await fillTenant(a, 'Again');
    const res = await a.admin('DELETE', `/tenants/${TENANT_A.toUpperCase()}`);
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.tenantId, TENANT_A);
    assert.equal(res.body.deleted.certificateBasedAuthConfigurations, 3);
    const empty = await a.admin('DELETE', `/tenants/${TENANT_C}`);
    assert.deepEqual(empty.body.deleted, { certificateBasedAuthConfigurations: 0, certificateAuthorities: 0, jobs: 0, x509CertificatePolicies: 0, classicCertificateBasedAuthConfigurations: 0, classicCertificateAuthorities: 0, users: 0, oidcClients: 0, directoryRoleAssignments: 0, signIns: 0 });
    const created = await a.graph('POST', `/beta${PKI_PATH}`, { body: { displayName: 'after reset' } });
    assert.equal(created.status, 201, created.text);
    assert.equal(await pkiCount(a), 1);
  });

  it('refuses a tenant id that is not a GUID, query parameters, and other methods, in the Graph envelope', async () => {
    const bad = await a.admin('DELETE', '/tenants/contoso.onmicrosoft.com');
    assert.equal(bad.status, 400);
    assert.match(bad.body.error.message, /'contoso.onmicrosoft.com' is not a tenant id/);
    const query = await a.admin('DELETE', `/tenants/${TENANT_A}?force=true`);
    assert.equal(query.status, 400);
    assert.match(query.body.error.message, /'force' is not supported/);
    const method = await a.admin('PATCH', `/tenants/${TENANT_A}`, { body: {} });
    assert.equal(method.status, 405);
    assert.equal((await a.admin('GET', '/nowhere')).status, 404);
    // `/_admin/tenants/$TENANT` with $TENANT empty: the router would take it for the reset of all.
    await fillTenant(b, 'Untouched B');
    for (const path of ['/tenants/', '/TENANTS/']) {
      const empty = await a.admin('DELETE', path);
      assert.equal(empty.status, 400, empty.text);
      assert.match(empty.body.error.message, /The tenant id is empty\. To reset every tenant, send DELETE \/_admin\/tenants, without a trailing slash/);
    }
    assert.equal(await pkiCount(a), 1, 'nothing was removed by the refused requests');
    assert.ok((await pkiCount(b)) > 0, 'nor in another tenant');
  });
});

describe('DELETE /_admin/tenants', () => {
  it('empties every tenant and says how many held data', async () => {
    await fillTenant(b, 'All B');
    const before = { a: await pkiCount(a), b: await pkiCount(b) };
    assert.ok(before.a > 0 && before.b > 0);
    const res = await a.admin('DELETE', '/tenants');
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.tenants, 2);
    assert.equal(res.body.deleted.certificateBasedAuthConfigurations, before.a + before.b);
    assert.equal(res.body.deleted.x509CertificatePolicies, 1);
    assert.equal(res.body.deleted.classicCertificateBasedAuthConfigurations, 1, 'tenant B’s classic store (A’s was reset above)');
    assert.equal(await pkiCount(a), 0);
    assert.equal(await pkiCount(b), 0);
    const again = await a.admin('DELETE', '/tenants');
    assert.deepEqual(again.body, { tenants: 0, deleted: { certificateBasedAuthConfigurations: 0, certificateAuthorities: 0, jobs: 0, x509CertificatePolicies: 0, classicCertificateBasedAuthConfigurations: 0, classicCertificateAuthorities: 0, users: 0, oidcClients: 0, directoryRoleAssignments: 0, signIns: 0 } });
  });
});
