// PUT /_admin/tenants/{tenantId}/users/{userId}/directoryRoles gives roles only to a live user of that
// tenant: an id that is no user, a user of another tenant or a soft-deleted user gets Graph's 404 and
// nothing is written, so the tenant's snapshot export never meets roles it could not restore. Removing
// every role works for any id. Reading the roles of an id that is no user (live or soft-deleted) and
// holds none is the same 404, not an empty list.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DIRECTORY_ROLES } from '../../src/auth/permissions.ts';
import { startTestServer, TENANT_A, TENANT_B, type TestServer } from '../helpers/test-server.ts';
import { type Clients, clientsFor } from './admin-helpers.ts';

const ROLES = [DIRECTORY_ROLES.globalReader];
const rolesPath = (tenantId: string, userId: string) => `/tenants/${tenantId}/users/${userId}/directoryRoles`;

let t: TestServer;
let a: Clients;

before(async () => {
  t = await startTestServer();
  a = await clientsFor(t.url, t.server.signingKey, TENANT_A);
});
after(async () => {
  await t?.close();
});

async function createUser(c: Clients, alias: string): Promise<string> {
  const res = await c.graph('POST', '/v1.0/users', {
    body: { accountEnabled: true, displayName: alias, mailNickname: alias, userPrincipalName: `${alias}@contoso.com`, passwordProfile: { password: 'p@ss-W0rd!' } },
  });
  assert.equal(res.status, 201, res.text);
  return res.body.id as string;
}

/** The 404 GET /v1.0/users/{id} gives for an unknown id, and that nothing was written. */
async function assertNotFound(c: Clients, userId: string, rolesBefore: readonly string[]): Promise<void> {
  const res = await c.admin('PUT', rolesPath(c.tenantId, userId), { body: { roleTemplateIds: ROLES } });
  assert.equal(res.status, 404, res.text);
  const user = await c.graph('GET', `/v1.0/users/${userId}`);
  assert.equal(user.status, 404, user.text);
  assert.equal(res.body.error.code, 'Request_ResourceNotFound');
  assert.equal(res.body.error.message, `Resource '${userId}' does not exist or one of its queried reference-property objects are not present.`);
  assert.equal(res.body.error.message, user.body.error.message, 'worded as the users routes word it');
  const after = await c.admin('GET', rolesPath(c.tenantId, userId));
  if (rolesBefore.length === 0) assert.equal(after.status, 404, `nothing written: ${after.text}`);
  else assert.deepEqual(after.body.roleTemplateIds, rolesBefore, 'nothing written');
}

describe('directory roles through the admin API', () => {
  it('go to a live user of the tenant, by its id in any case', async () => {
    const id = await createUser(a, 'roles-live');
    const res = await a.admin('PUT', rolesPath(TENANT_A, id.toUpperCase()), { body: { roleTemplateIds: ROLES } });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual((await a.admin('GET', rolesPath(TENANT_A, id))).body.roleTemplateIds, ROLES);
  });

  it('an id that is no user: 404 as GET /users answers, nothing written, and the export still works', async () => {
    await assertNotFound(a, '00000000-0000-4000-8000-0000000000bb', []);
    const snapshot = await a.admin('GET', `/tenants/${TENANT_A}/snapshot`);
    assert.equal(snapshot.status, 200, snapshot.text);
  });

  it('a user of another tenant: 404, nothing written in either', async () => {
    const b = await clientsFor(t.url, t.server.signingKey, TENANT_B);
    const id = await createUser(b, 'roles-other-tenant');
    await assertNotFound(a, id, []);
    assert.deepEqual((await b.admin('GET', rolesPath(TENANT_B, id))).body.roleTemplateIds, []);
  });

  it('a soft-deleted user: 404 and its roles stay as they were; restored, it takes roles again', async () => {
    const id = await createUser(a, 'roles-deleted');
    assert.equal((await a.admin('PUT', rolesPath(TENANT_A, id), { body: { roleTemplateIds: [DIRECTORY_ROLES.userAdministrator] } })).status, 200);
    assert.equal((await a.graph('DELETE', `/v1.0/users/${id}`)).status, 204);
    await assertNotFound(a, id, [DIRECTORY_ROLES.userAdministrator]);
    assert.equal((await a.graph('POST', `/v1.0/directory/deletedItems/${id}/restore`)).status, 200);
    const res = await a.admin('PUT', rolesPath(TENANT_A, id), { body: { roleTemplateIds: ROLES } });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.body.roleTemplateIds, ROLES);
  });

  it('removing every role works for any id (roles a database kept from before the check can be cleared)', async () => {
    const stray = '00000000-0000-4000-8000-0000000000bc';
    const res = await a.admin('PUT', rolesPath(TENANT_A, stray), { body: { roleTemplateIds: [] } });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.body, { userId: stray, roleTemplateIds: [] });
  });

  it('reading: a live user without roles is [], an id that is no user 404 as GET /users answers, no GUID 400', async () => {
    const id = await createUser(a, 'roles-none');
    const none = await a.admin('GET', rolesPath(TENANT_A, id));
    assert.equal(none.status, 200, none.text);
    assert.deepEqual(none.body, { userId: id, roleTemplateIds: [] });

    const stray = '00000000-0000-4000-8000-0000000000bd';
    const missing = await a.admin('GET', rolesPath(TENANT_A, stray));
    assert.equal(missing.status, 404, missing.text);
    assert.equal(missing.body.error.code, 'Request_ResourceNotFound');
    assert.equal(missing.body.error.message, (await a.graph('GET', `/v1.0/users/${stray}`)).body.error.message);

    const b = await clientsFor(t.url, t.server.signingKey, TENANT_B);
    assert.equal((await b.admin('GET', rolesPath(TENANT_B, id))).status, 404, "another tenant's user is no user here");

    const notGuid = await a.admin('GET', rolesPath(TENANT_A, 'not-a-guid'));
    assert.equal(notGuid.status, 400, notGuid.text);
    assert.equal(notGuid.body.error.message, "'not-a-guid' is not a user id: expected the user's object id (a GUID).");
  });
});
