// /users over real HTTP, beta and v1.0: the documented minimal create, get by id or userPrincipalName,
// $select, PATCH of authorizationInfo.certificateUserIds (204) with its validation errors, soft delete,
// $filter with the advanced-query rules (ConsistencyLevel: eventual and $count=true), paging, the
// User.* permissions and directory roles, and tenant isolation.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PERMISSION_USER_READ_ALL, PERMISSION_USER_READ_WRITE_ALL, DIRECTORY_ROLES } from '../../src/auth/permissions.ts';
import { startTestServer, TENANT_B, type TestServer } from '../helpers/test-server.ts';

let t: TestServer;
let admin: string;
const EVENTUAL = { ConsistencyLevel: 'eventual' };

before(async () => {
  t = await startTestServer();
  admin = await t.token({ appRoles: [PERMISSION_USER_READ_WRITE_ALL] });
});
after(() => t.close());

/** The body of user-post-users' example, with a given name. */
function minimalUser(upn: string) {
  return {
    accountEnabled: true,
    displayName: upn.split('@')[0],
    mailNickname: upn.split('@')[0],
    userPrincipalName: upn,
    passwordProfile: { forceChangePasswordNextSignIn: true, password: 'xWwvJ]6NMw+bWH-d' },
  };
}

async function createUser(upn: string, version = 'v1.0'): Promise<string> {
  const res = await t.request('POST', `/${version}/users`, { token: admin, body: minimalUser(upn) });
  assert.equal(res.status, 201, res.text);
  return res.body.id as string;
}

describe('users: create, get, update, delete', () => {
  for (const version of ['v1.0', 'beta']) {
    it(`${version}: creates a user from the documented minimal body and returns Graph's default properties`, async () => {
      const res = await t.request('POST', `/${version}/users`, { token: admin, body: minimalUser(`adele.${version}@contoso.com`) });
      assert.equal(res.status, 201, res.text);
      assert.equal(res.body['@odata.context'], `${t.url}/${version}/$metadata#users/$entity`);
      assert.deepEqual(Object.keys(res.body), [
        '@odata.context', 'businessPhones', 'displayName', 'givenName', 'jobTitle', 'mail', 'mobilePhone', 'officeLocation', 'preferredLanguage', 'surname', 'userPrincipalName', 'id',
      ]);
      assert.equal(res.body.userPrincipalName, `adele.${version}@contoso.com`);
      assert.deepEqual(res.body.businessPhones, []);
      assert.equal(res.headers.get('location'), `${t.url}/${version}/users/${res.body.id}`);
    });
  }

  it('refuses a create without a documented required property, naming it', async () => {
    for (const missing of ['accountEnabled', 'displayName', 'mailNickname', 'userPrincipalName', 'passwordProfile'] as const) {
      const body: Record<string, unknown> = minimalUser('req@contoso.com');
      delete body[missing];
      const res = await t.request('POST', '/v1.0/users', { token: admin, body });
      assert.equal(res.status, 400);
      assert.equal(res.body.error.code, 'Request_BadRequest');
      assert.equal(res.body.error.message, `A value is required for property '${missing}' of resource 'User'.`);
    }
    const noPassword = await t.request('POST', '/v1.0/users', { token: admin, body: { ...minimalUser('req@contoso.com'), passwordProfile: {} } });
    assert.match(noPassword.body.error.message, /passwordProfile.password/);
    const unknown = await t.request('POST', '/v1.0/users', { token: admin, body: { ...minimalUser('req@contoso.com'), usageLocation: 'US' } });
    assert.equal(unknown.status, 400);
    assert.match(unknown.body.error.message, /Property 'usageLocation' does not exist on type 'microsoft.graph.user'/);
    const onPremises = await t.request('POST', '/v1.0/users', { token: admin, body: { ...minimalUser('req@contoso.com'), onPremisesUserPrincipalName: 'x@corp' } });
    assert.match(onPremises.body.error.message, /'onPremisesUserPrincipalName' is read-only/);
  });

  it('gets a user by id or by userPrincipalName, with $select reaching authorizationInfo', async () => {
    const id = await createUser('Megan.Bowen@contoso.com');
    const byName = await t.request('GET', '/v1.0/users/megan.bowen@contoso.com', { token: admin });
    assert.equal(byName.status, 200, byName.text);
    assert.equal(byName.body.id, id);
    assert.equal(byName.body.authorizationInfo, undefined, 'not in the default set');
    const selected = await t.request('GET', `/beta/users/${id}?$select=displayName,authorizationInfo,accountEnabled,onPremisesUserPrincipalName`, { token: admin });
    assert.deepEqual(selected.body, {
      '@odata.context': `${t.url}/beta/$metadata#users(displayName,authorizationInfo,accountEnabled,onPremisesUserPrincipalName)/$entity`,
      displayName: 'Megan.Bowen',
      accountEnabled: true,
      authorizationInfo: { certificateUserIds: [] },
      onPremisesUserPrincipalName: null,
    });
    const missing = await t.request('GET', '/v1.0/users/nobody@contoso.com', { token: admin });
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error.code, 'Request_ResourceNotFound');
  });

  it('PATCHes certificateUserIds as the docs do (204, the list replaced) and reports the documented errors', async () => {
    const id = await createUser('cbauser@contoso.com');
    const patch = await t.request('PATCH', `/v1.0/users/${id}`, {
      token: admin,
      body: { authorizationInfo: { certificateUserIds: ['X509:<PN>cbauser@contoso.com', '5432109876543210@mil'] } },
    });
    assert.equal(patch.status, 204, patch.text);
    const read = await t.request('GET', `/v1.0/users/${id}?$select=authorizationInfo`, { token: admin });
    assert.deepEqual(read.body.authorizationInfo.certificateUserIds, ['X509:<PN>cbauser@contoso.com', '5432109876543210@mil']);

    const other = await createUser('other@contoso.com');
    const taken = await t.request('PATCH', `/v1.0/users/${other}`, { token: admin, body: { authorizationInfo: { certificateUserIds: ['X509:<PN>CBAUSER@contoso.com'] } } });
    assert.equal(taken.status, 400);
    assert.deepEqual([taken.body.error.code, taken.body.error.message], ['Request_BadRequest', 'Another object with the same value for property certificateUserIds already exists.']);
    const tooMany = await t.request('PATCH', `/v1.0/users/${other}`, {
      token: admin,
      body: { authorizationInfo: { certificateUserIds: Array.from({ length: 11 }, (_, i) => `X509:<SKI>${i}`) } },
    });
    assert.match(tooMany.body.error.message, /^Invalid value specified for property 'certificateUserIds' of resource 'User'\. A user may hold at most 10 values/);
    const badForm = await t.request('PATCH', `/v1.0/users/${other}`, { token: admin, body: { authorizationInfo: { certificateUserIds: ['X509:<UPN>x@contoso.com'] } } });
    assert.match(badForm.body.error.message, /must be one of X509:<PN>/);
    const renamed = await t.request('PATCH', `/v1.0/users/${other}`, { token: admin, body: { userPrincipalName: 'CBAUser@contoso.com' } });
    assert.equal(renamed.body.error.message, 'Another object with the same value for property userPrincipalName already exists.');
  });

  it('soft-deletes a user: gone from /users, its values free again', async () => {
    const id = await createUser('leaver@contoso.com');
    await t.request('PATCH', `/v1.0/users/${id}`, { token: admin, body: { authorizationInfo: { certificateUserIds: ['X509:<RFC822>leaver@contoso.com'] } } });
    assert.equal((await t.request('DELETE', `/v1.0/users/${id}`, { token: admin })).status, 204);
    assert.equal((await t.request('GET', `/v1.0/users/${id}`, { token: admin })).status, 404);
    assert.equal((await t.request('DELETE', `/v1.0/users/${id}`, { token: admin })).status, 404);
    const heir = await createUser('heir@contoso.com');
    const reuse = await t.request('PATCH', `/v1.0/users/${heir}`, { token: admin, body: { authorizationInfo: { certificateUserIds: ['X509:<RFC822>leaver@contoso.com'] } } });
    assert.equal(reuse.status, 204, reuse.text);
  });
});

describe('users in /directory/deletedItems', () => {
  const DELETED = '/v1.0/directory/deletedItems';

  it('lists a deleted user under the microsoft.graph.user cast, restores it, and purges it', async () => {
    const id = await createUser('returner@contoso.com');
    await t.request('PATCH', `/v1.0/users/${id}`, { token: admin, body: { authorizationInfo: { certificateUserIds: ['X509:<PN>returner@contoso.com'] } } });
    assert.equal((await t.request('DELETE', `/v1.0/users/${id}`, { token: admin })).status, 204);

    const list = await t.request('GET', `${DELETED}/microsoft.graph.user?$filter=${encodeURIComponent("userPrincipalName eq 'returner@contoso.com'")}`, { token: admin });
    assert.equal(list.status, 200, list.text);
    assert.equal(list.body.value.length, 1);
    assert.equal(list.body.value[0]['@odata.type'], '#microsoft.graph.user');
    assert.equal(list.body.value[0].id, id);
    assert.match(list.body.value[0].deletedDateTime, /^\d{4}-\d{2}-\d{2}T/);
    const one = await t.request('GET', `${DELETED}/${id}?$select=userPrincipalName,authorizationInfo`, { token: admin });
    assert.deepEqual(one.body.authorizationInfo, { certificateUserIds: ['X509:<PN>returner@contoso.com'] });

    const pkiOnly = await t.token();
    assert.equal((await t.request('POST', `${DELETED}/${id}/restore`, { token: pkiOnly })).status, 403, 'users need User.* permissions');
    const restored = await t.request('POST', `${DELETED}/${id}/restore`, { token: admin });
    assert.equal(restored.status, 200, restored.text);
    assert.equal(restored.body.userPrincipalName, 'returner@contoso.com');
    assert.equal(restored.body.deletedDateTime, null);
    const found = await t.request('GET', `/v1.0/users?$filter=${encodeURIComponent("authorizationInfo/certificateUserIds/any(x:x eq 'X509:<PN>returner@contoso.com')")}&$count=true`, {
      token: admin,
      headers: EVENTUAL,
    });
    assert.deepEqual(found.body.value.map((u: { id: string }) => u.id), [id], 'its values find it again');

    await t.request('DELETE', `/v1.0/users/${id}`, { token: admin });
    assert.equal((await t.request('DELETE', `${DELETED}/${id}`, { token: admin })).status, 204);
    assert.equal((await t.request('GET', `${DELETED}/${id}`, { token: admin })).status, 404);
  });

  it('refuses a restore while another user holds the name', async () => {
    const id = await createUser('twin@contoso.com');
    await t.request('DELETE', `/v1.0/users/${id}`, { token: admin });
    await createUser('twin@contoso.com');
    const refused = await t.request('POST', `${DELETED}/${id}/restore`, { token: admin });
    assert.deepEqual([refused.status, refused.body.error.message], [400, 'Another object with the same value for property userPrincipalName already exists.']);
  });
});

describe('users: $filter, advanced queries, paging', () => {
  let tenant: string;
  before(async () => {
    tenant = await t.token({ tenantId: '00000000-0000-4000-8000-0000000000f1', appRoles: [PERMISSION_USER_READ_WRITE_ALL] });
    for (const [upn, ids] of [
      ['alex@fabrikam.com', ['X509:<PN>alex@fabrikam.com']],
      ['allan@fabrikam.com', ['X509:<SKI>0A0B']],
      ['bianca@fabrikam.com', []],
    ] as const) {
      const res = await t.request('POST', '/v1.0/users', { token: tenant, body: minimalUser(upn) });
      assert.equal(res.status, 201, res.text);
      if (ids.length) await t.request('PATCH', `/v1.0/users/${res.body.id}`, { token: tenant, body: { authorizationInfo: { certificateUserIds: ids } } });
    }
  });
  const names = (body: { value: Array<{ userPrincipalName: string }> }) => body.value.map((u) => u.userPrincipalName);

  it('filters on certificateUserIds only with ConsistencyLevel: eventual and $count=true', async () => {
    const filter = encodeURIComponent("authorizationInfo/certificateUserIds/any(x:x eq 'X509:<PN>alex@fabrikam.com')");
    const url = `/v1.0/users?$select=userPrincipalName,authorizationInfo&$filter=${filter}&$count=true`;
    const ok = await t.request('GET', url, { token: tenant, headers: EVENTUAL });
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.body['@odata.count'], 1);
    assert.deepEqual(ok.body.value, [{ userPrincipalName: 'alex@fabrikam.com', authorizationInfo: { certificateUserIds: ['X509:<PN>alex@fabrikam.com'] } }]);

    for (const [path, headers] of [[url, {}], [url.replace('&$count=true', ''), EVENTUAL]] as const) {
      const refused = await t.request('GET', path, { token: tenant, headers });
      assert.equal(refused.status, 400, path);
      assert.equal(refused.body.error.code, path.includes('$count') ? 'Request_BadRequest' : 'Request_UnsupportedQuery');
    }
    const noCount = await t.request('GET', url.replace('&$count=true', ''), { token: tenant, headers: EVENTUAL });
    assert.equal(noCount.body.error.message, "Unsupported or invalid query filter clause specified for property 'certificateUserIds' of resource 'User'.");

    const starts = await t.request('GET', `/beta/users?$filter=${encodeURIComponent("authorizationInfo/certificateUserIds/any(x:startswith(x,'X509:<SKI>'))")}&$count=true`, {
      token: tenant,
      headers: EVENTUAL,
    });
    assert.deepEqual(names(starts.body), ['allan@fabrikam.com']);
    const none = await t.request('GET', `/beta/users?$filter=${encodeURIComponent("not(authorizationInfo/certificateUserIds/any(x:startswith(x,'X509:')))")}&$count=true`, {
      token: tenant,
      headers: EVENTUAL,
    });
    assert.deepEqual(names(none.body), ['bianca@fabrikam.com']);
  });

  it('filters names with eq and startsWith plainly; ne and not need the advanced parameters', async () => {
    const starts = await t.request('GET', `/v1.0/users?$filter=${encodeURIComponent("startsWith(userPrincipalName,'AL')")}`, { token: tenant });
    assert.deepEqual(names(starts.body), ['alex@fabrikam.com', 'allan@fabrikam.com']);
    const eq = await t.request('GET', `/v1.0/users?$filter=${encodeURIComponent("displayName eq 'bianca'")}`, { token: tenant });
    assert.deepEqual(names(eq.body), ['bianca@fabrikam.com']);
    const ne = await t.request('GET', `/v1.0/users?$filter=${encodeURIComponent("displayName ne 'bianca'")}`, { token: tenant });
    assert.equal(ne.status, 400);
    assert.match(ne.body.error.message, /^Operator 'ne' is not supported because the required parameters might be missing/);
    const neOk = await t.request('GET', `/v1.0/users?$filter=${encodeURIComponent("displayName ne 'bianca'")}&$count=true`, { token: tenant, headers: EVENTUAL });
    assert.deepEqual(names(neOk.body), ['alex@fabrikam.com', 'allan@fabrikam.com']);
    assert.equal(neOk.body['@odata.count'], 2);
  });

  it('$count needs ConsistencyLevel: eventual, as a query option and as a segment', async () => {
    const refused = await t.request('GET', '/v1.0/users?$count=true', { token: tenant });
    assert.deepEqual([refused.status, refused.body.error.message], [400, '$count is not currently supported.']);
    assert.equal((await t.request('GET', '/v1.0/users/$count', { token: tenant })).status, 400);
    const counted = await t.request('GET', '/v1.0/users/$count', { token: tenant, headers: EVENTUAL });
    assert.equal(counted.text, '3');
  });

  it('pages with $top and @odata.nextLink, and sorts by displayName', async () => {
    const first = await t.request('GET', '/v1.0/users?$top=2&$orderby=displayName desc', { token: tenant });
    assert.deepEqual(names(first.body), ['bianca@fabrikam.com', 'allan@fabrikam.com']);
    const next = new URL(first.body['@odata.nextLink']);
    const second = await t.request('GET', `${next.pathname}${next.search}`, { token: tenant });
    assert.deepEqual(names(second.body), ['alex@fabrikam.com']);
    assert.equal(second.body['@odata.nextLink'], undefined);
  });
});

describe('users: permissions, roles and tenants', () => {
  it('reads with User.Read.All, writes only with User.ReadWrite.All', async () => {
    const reader = await t.token({ appRoles: [PERMISSION_USER_READ_ALL] });
    assert.equal((await t.request('GET', '/v1.0/users', { token: reader })).status, 200);
    const denied = await t.request('POST', '/v1.0/users', { token: reader, body: minimalUser('denied@contoso.com') });
    assert.deepEqual([denied.status, denied.body.error.code], [403, 'Authorization_RequestDenied']);
    const pkiOnly = await t.token();
    assert.equal((await t.request('GET', '/v1.0/users', { token: pkiOnly })).status, 403);
  });

  it('delegated: a User Administrator manages users but only a Privileged Authentication Administrator or Global Administrator writes certificateUserIds', async () => {
    const delegated = (role: string) => t.token({ scopes: [PERMISSION_USER_READ_WRITE_ALL], directoryRoles: [role] });
    const userAdmin = await delegated(DIRECTORY_ROLES.userAdministrator);
    const created = await t.request('POST', '/v1.0/users', { token: userAdmin, body: minimalUser('delegated@contoso.com') });
    assert.equal(created.status, 201, created.text);
    const body = { authorizationInfo: { certificateUserIds: ['X509:<PN>delegated@contoso.com'] } };
    assert.equal((await t.request('PATCH', `/v1.0/users/${created.body.id}`, { token: userAdmin, body })).status, 403);
    assert.equal((await t.request('PATCH', `/v1.0/users/${created.body.id}`, { token: userAdmin, body: { displayName: 'D' } })).status, 204);
    for (const role of [DIRECTORY_ROLES.privilegedAuthenticationAdministrator, DIRECTORY_ROLES.globalAdministrator]) {
      assert.equal((await t.request('PATCH', `/v1.0/users/${created.body.id}`, { token: await delegated(role), body })).status, 204);
    }
    const member = await t.token({ scopes: [PERMISSION_USER_READ_ALL], directoryRoles: [] });
    assert.equal((await t.request('GET', `/v1.0/users/${created.body.id}`, { token: member })).status, 200, 'members read the directory');
  });

  it('keeps each tenant to its own users', async () => {
    const id = await createUser('isolated@contoso.com');
    const other = await t.token({ tenantId: TENANT_B, appRoles: [PERMISSION_USER_READ_WRITE_ALL] });
    assert.equal((await t.request('GET', `/v1.0/users/${id}`, { token: other })).status, 404);
    assert.equal((await t.request('PATCH', `/v1.0/users/${id}`, { token: other, body: { displayName: 'x' } })).status, 404);
    assert.equal((await t.request('DELETE', `/v1.0/users/${id}`, { token: other })).status, 404);
    const list = await t.request('GET', `/v1.0/users?$filter=${encodeURIComponent("userPrincipalName eq 'isolated@contoso.com'")}`, { token: other });
    assert.deepEqual(list.body.value, []);
    assert.equal((await t.request('POST', '/v1.0/users', { token: other, body: minimalUser('isolated@contoso.com') })).status, 201);
  });
});
