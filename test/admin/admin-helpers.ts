// What the admin-API tests share: admin calls, a tenant filled with every kind of data (live and deleted
// PKIs, CAs and users, an x509 policy, the authenticationMethodsPolicy root, OIDC clients and directory
// roles), and a tenant's complete view through Graph's and the admin API's own GETs, to compare before and
// after a reset, an import or a seed.
import assert from 'node:assert/strict';
import {
  DIRECTORY_ROLES,
  PERMISSION_AUDIT_LOG_READ,
  PERMISSION_DIRECTORY_READ_ALL,
  PERMISSION_ORGANIZATION_READ_WRITE,
  PERMISSION_READ_WRITE,
  PERMISSION_POLICY_READ_WRITE_AUTHENTICATION_METHOD,
  PERMISSION_USER_READ_WRITE_ALL,
} from '../../src/auth/permissions.ts';
import { mintAdminToken, mintToken } from '../../src/auth/token-issuer.ts';
import type { SigningKey } from '../../src/auth/signing-key.ts';
import { createCa } from '../helpers/certs.ts';
import { PKI_PATH, send, type RequestOptions, type TestResponse } from '../helpers/test-server.ts';

export const POLICY_PATH = '/beta/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/x509Certificate';
export const METHODS_POLICY_PATH = '/beta/policies/authenticationMethodsPolicy';
const DELETED_PKIS = '/beta/directory/deletedItems/microsoft.graph.certificateBasedAuthPki';
const DELETED_CAS = '/beta/directory/deletedItems/microsoft.graph.certificateAuthorityDetail';
const DELETED_USERS = '/beta/directory/deletedItems/microsoft.graph.user';
const USER_PROPERTIES = 'id,userPrincipalName,displayName,mail,mailNickname,accountEnabled,authorizationInfo,createdDateTime,deletedDateTime,onPremisesUserPrincipalName,onPremisesSyncEnabled';

/** A Graph client of one tenant and an admin client, on one server. */
export interface Clients {
  readonly tenantId: string;
  graph(method: string, path: string, options?: RequestOptions): Promise<TestResponse>;
  admin(method: string, path: string, options?: RequestOptions): Promise<TestResponse>;
}

export async function clientsFor(url: string, key: SigningKey, tenantId: string): Promise<Clients> {
  const graphToken = await mintToken(key, {
    tenantId,
    appRoles: [PERMISSION_READ_WRITE, PERMISSION_POLICY_READ_WRITE_AUTHENTICATION_METHOD, PERMISSION_ORGANIZATION_READ_WRITE, PERMISSION_USER_READ_WRITE_ALL, PERMISSION_AUDIT_LOG_READ, PERMISSION_DIRECTORY_READ_ALL],
    scopes: [],
    directoryRoles: [],
    ttlSeconds: 3600,
  });
  const adminToken = await mintAdminToken(key, { ttlSeconds: 3600 });
  return {
    tenantId,
    graph: (method, path, options = {}) => send(url, method, path, graphToken, options),
    admin: (method, path, options = {}) => send(url, method, `/_admin${path}`, adminToken, options),
  };
}

let counter = 0;

/**
 * Fills the tenant: two live PKIs with CAs (one CA deleted), a deleted PKI with its CA, a changed x509
 * policy, a classic store of two CAs, a user with certificateUserIds and a deleted one, a public and a
 * confidential OIDC client, and directory roles for both users (two and one).
 */
export async function fillTenant(c: Clients, label: string): Promise<{ livePki: string; deletedPki: string; deletedCa: string }> {
  const created = async (path: string, body: unknown) => {
    const res = await c.graph('POST', path, { body });
    assert.equal(res.status, 201, res.text);
    return res.body.id as string;
  };
  const newCa = async (pkiId: string, extra: Record<string, unknown> = {}) => {
    counter += 1;
    const cert = await createCa({ subject: `CN=${label} CA ${counter}, O=graph-pki admin tests` });
    return created(`/beta${PKI_PATH}/${pkiId}/certificateAuthorities`, { certificate: cert.base64, ...extra });
  };
  const livePki = await created(`/beta${PKI_PATH}`, { displayName: `${label} live` });
  await newCa(livePki, { certificateRevocationListUrl: 'http://crl.contoso.test/a.crl', isIssuerHintEnabled: true });
  const deletedCa = await newCa(livePki, { displayName: `${label} CA to delete` });
  const second = await created(`/beta${PKI_PATH}`, { displayName: `${label} second` });
  await newCa(second);
  const deletedPki = await created(`/beta${PKI_PATH}`, { displayName: `${label} deleted` });
  await newCa(deletedPki);
  assert.equal((await c.graph('DELETE', `/beta${PKI_PATH}/${livePki}/certificateAuthorities/${deletedCa}`)).status, 204);
  assert.equal((await c.graph('DELETE', `/beta${PKI_PATH}/${deletedPki}`)).status, 204);
  const policy = await c.graph('PATCH', POLICY_PATH, {
    body: {
      '@odata.type': '#microsoft.graph.x509CertificateAuthenticationMethodConfiguration',
      state: 'enabled',
      excludeTargets: [{ id: `${label}-group`, targetType: 'group' }],
    },
  });
  assert.equal(policy.status, 204, policy.text);
  const user = (name: string) => ({
    accountEnabled: true,
    displayName: `${label} ${name}`,
    mailNickname: name,
    userPrincipalName: `${name}.${label.replace(/[^A-Za-z0-9]/g, '')}@contoso.com`,
    passwordProfile: { password: 'p@ss-W0rd!' },
  });
  const kept = await created('/v1.0/users', user('kept'));
  const patched = await c.graph('PATCH', `/v1.0/users/${kept}`, { body: { authorizationInfo: { certificateUserIds: [`X509:<PN>kept@${label.replace(/[^A-Za-z0-9]/g, '')}`] } } });
  assert.equal(patched.status, 204, patched.text);
  const gone = await created('/v1.0/users', user('gone'));
  const roles = async (userId: string, roleTemplateIds: string[]) => {
    const res = await c.admin('PUT', `/tenants/${c.tenantId}/users/${userId}/directoryRoles`, { body: { roleTemplateIds } });
    assert.equal(res.status, 200, res.text);
  };
  await roles(kept, [DIRECTORY_ROLES.privilegedAuthenticationAdministrator, DIRECTORY_ROLES.globalReader]);
  await roles(gone, [DIRECTORY_ROLES.globalAdministrator]);
  assert.equal((await c.graph('DELETE', `/v1.0/users/${gone}`)).status, 204);
  const clientId = label.replace(/[^A-Za-z0-9]/g, '-');
  for (const body of [
    { clientId: `${clientId}-public`, redirectUris: ['http://127.0.0.1:53682/callback', 'https://app.contoso.test/signin'] },
    { clientId: `${clientId}-confidential`, displayName: `${label} web app`, redirectUris: ['https://web.contoso.test/cb'], confidential: true, defaultScopes: ['User.Read.All'] },
  ]) {
    const res = await c.admin('POST', `/tenants/${c.tenantId}/oidcClients`, { body });
    assert.equal(res.status, 201, res.text);
  }
  const root = await c.graph('PATCH', METHODS_POLICY_PATH, {
    body: { reconfirmationInDays: 30, registrationEnforcement: { authenticationMethodsRegistrationCampaign: { state: 'enabled', excludeTargets: [{ id: `${label}-group`, targetType: 'group' }] } } },
  });
  assert.equal(root.status, 200, root.text);
  // The classic store: two CAs, one with CRL URLs.
  counter += 1;
  const classicRoot = await createCa({ subject: `CN=${label} classic root ${counter}, O=graph-pki admin tests` });
  const classicIssuing = await createCa({ subject: `CN=${label} classic issuing ${counter}, O=graph-pki admin tests`, issuer: classicRoot });
  // One classic store per tenant: a tenant filled again gets a new one.
  await c.graph('DELETE', `/v1.0/organization/${c.tenantId}/certificateBasedAuthConfiguration/29728ade-6ae4-4ee9-9103-412912537da5`);
  const classic = await c.graph('POST', `/v1.0/organization/${c.tenantId}/certificateBasedAuthConfiguration`, {
    body: {
      certificateAuthorities: [
        { isRootAuthority: true, certificate: classicRoot.base64 },
        { isRootAuthority: false, certificate: classicIssuing.base64, certificateRevocationListUrl: 'http://crl.contoso.test/c.crl', deltaCertificateRevocationListUrl: 'http://crl.contoso.test/c+.crl' },
      ],
    },
  });
  assert.equal(classic.status, 201, classic.text);
  return { livePki, deletedPki, deletedCa };
}

/** Everything Graph shows of the tenant: PKIs, each one and its CAs, both deleted-item lists, the policy. */
export async function tenantView(c: Clients): Promise<Record<string, unknown>> {
  const view: Record<string, unknown> = {};
  const get = async (path: string) => {
    const res = await c.graph('GET', path);
    assert.equal(res.status, 200, `${path}: ${res.text}`);
    view[path] = res.body;
    return res.body;
  };
  const pkis = await get(`/beta${PKI_PATH}?$top=999`);
  for (const pki of pkis.value as { id: string }[]) {
    await get(`/beta${PKI_PATH}/${pki.id}`);
    await get(`/beta${PKI_PATH}/${pki.id}/certificateAuthorities?$top=999`);
  }
  await get(`${DELETED_PKIS}?$top=999`);
  await get(`${DELETED_CAS}?$top=999`);
  await get(POLICY_PATH);
  await get(`/beta/users?$top=999&$select=${USER_PROPERTIES}`);
  await get(`${DELETED_USERS}?$top=999&$select=${USER_PROPERTIES}`);
  await get(METHODS_POLICY_PATH);
  await get(`/v1.0/organization/${c.tenantId}/certificateBasedAuthConfiguration`);
  await get('/beta/auditLogs/signIns?$top=999');
  const admin = async (path: string) => {
    const res = await c.admin('GET', path);
    assert.equal(res.status, 200, `${path}: ${res.text}`);
    view[`/_admin${path}`] = res.body;
  };
  await admin(`/tenants/${c.tenantId}/oidcClients`);
  for (const list of [view[`/beta/users?$top=999&$select=${USER_PROPERTIES}`], view[`${DELETED_USERS}?$top=999&$select=${USER_PROPERTIES}`]] as { value: { id: string }[] }[]) {
    for (const user of list.value) await admin(`/tenants/${c.tenantId}/users/${user.id}/directoryRoles`);
  }
  return view;
}

/** How many PKIs (live + deleted) Graph shows the tenant. */
export async function pkiCount(c: Clients): Promise<number> {
  const live = await c.graph('GET', `/beta${PKI_PATH}/$count`);
  const deleted = await c.graph('GET', `${DELETED_PKIS}/$count`);
  return Number(live.text) + Number(deleted.text);
}

/** A snapshot without its export time, for comparing two exports. */
export function withoutExportTime(snapshot: Record<string, unknown>): Record<string, unknown> {
  const { exportedDateTime: _time, ...rest } = snapshot;
  return rest;
}
