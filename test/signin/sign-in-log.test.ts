// GET /auditLogs/signIns: every certificate sign-in attempt as Graph's signIn, tenant-scoped, newest
// first, with the AADSTS code and the certificate (subject, issuer, serial, thumbprint, SKI) and CRL in
// the beta-only authenticationProcessingDetails; v1.0 without the beta-only properties. AuditLog.Read.All and Directory.Read.All.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { PERMISSION_AUDIT_LOG_READ, PERMISSION_DIRECTORY_READ_ALL } from '../../src/auth/permissions.ts';
import { DEFAULT_SIGNIN_CONFIG } from '../../src/config.ts';
import { DEV_CLIENT_ID } from '../../src/service/signin/oidc-clients.ts';
import { createChain, type Chain } from '../helpers/certs.ts';
import { clientCertificate, listenerCa, pkcePair, redirectQuery, setX509Policy, signinRequest } from '../helpers/signin-client.ts';
import { PKI_PATH, send, startTestServer, TENANT_A, TENANT_B, type TestServer } from '../helpers/test-server.ts';
import { mintAdminToken } from '../../src/auth/token-issuer.ts';

let t: TestServer;
let auditToken: string;
let stranger: Chain;

before(async () => {
  t = await startTestServer({ signin: { ...DEFAULT_SIGNIN_CONFIG, port: 0 } });
  auditToken = await t.token({ appRoles: [PERMISSION_AUDIT_LOG_READ, PERMISSION_DIRECTORY_READ_ALL] });
  const ca = await listenerCa(t.dataDir);
  // Certificate sign-in is off in a new tenant (the x509 method's default state).
  await setX509Policy(t, { state: 'enabled' });
  // The typed user exists, so the certificate decides (Entra looks the user up first).
  await t.server.users.create(TENANT_A, { userPrincipalName: 'someone@contoso.example', accountEnabled: true });
  const pki = await t.request('POST', `/beta${PKI_PATH}`, { body: { displayName: 'Log PKI' } });
  assert.equal(pki.status, 201, pki.text);
  stranger = await createChain({ name: 'Log Stranger' });
  const signinUrl = t.server.signinUrl as string;
  const query = new URLSearchParams({
    client_id: DEV_CLIENT_ID,
    redirect_uri: 'http://localhost:8400/cb',
    response_type: 'code',
    scope: 'openid',
    code_challenge: pkcePair().challenge,
    code_challenge_method: 'S256',
    login_hint: 'someone@contoso.example',
  });
  // First no certificate, then one whose CA the tenant lacks.
  redirectQuery(await signinRequest(signinUrl, `/${TENANT_A}/oauth2/v2.0/authorize?${query}`, ca));
  const client = await clientCertificate(stranger.leaf, stranger.intermediates);
  redirectQuery(await signinRequest(signinUrl, `/${TENANT_A}/oauth2/v2.0/authorize?${query}`, ca, { client }));
});
after(async () => {
  await t?.close();
});

it('beta lists each attempt newest first with its AADSTS code and the certificate', async () => {
  const res = await t.request('GET', '/beta/auditLogs/signIns', { token: auditToken });
  assert.equal(res.status, 200, res.text);
  assert.match(res.body['@odata.context'], /\/beta\/\$metadata#auditLogs\/signIns$/);
  const [untrusted, none] = res.body.value;
  assert.equal(res.body.value.length, 2);
  assert.deepEqual(untrusted.status.errorCode, 500176);
  assert.equal(untrusted.appId, DEV_CLIENT_ID);
  assert.equal(untrusted.userPrincipalName, 'someone@contoso.example');
  assert.equal(untrusted.authenticationDetails[0].authenticationMethod, 'X.509 Certificate');
  assert.equal(untrusted.authenticationDetails[0].succeeded, false);
  const details = Object.fromEntries(untrusted.authenticationProcessingDetails.map((d: { key: string; value: string }) => [d.key, d.value]));
  assert.equal(details['User certificate subject name'], 'CN=Test User Log Stranger, O=graph-pki tests');
  assert.equal(details['User certificate serial number'], stranger.leaf.serialNumber.toUpperCase());
  assert.match(details['User certificate thumbprint'] ?? '', /^[0-9A-F]{40}$/);
  assert.match(details['User certificate subject key identifier'] ?? '', /^[0-9A-F]+$/);
  assert.equal(none.status.errorCode, 50192);
  assert.ok(untrusted.createdDateTime > none.createdDateTime);
});

it('$top pages with a nextLink; one entry by id; v1.0 without the beta-only properties', async () => {
  const first = await t.request('GET', '/beta/auditLogs/signIns?$top=1', { token: auditToken });
  assert.equal(first.body.value.length, 1);
  const next = new URL(first.body['@odata.nextLink']);
  const second = await t.request('GET', `${next.pathname}${next.search}`, { token: auditToken });
  assert.equal(second.body.value[0].status.errorCode, 50192);
  assert.equal(second.body['@odata.nextLink'], undefined);
  const one = await t.request('GET', `/v1.0/auditLogs/signIns/${first.body.value[0].id}`, { token: auditToken });
  assert.equal(one.status, 200, one.text);
  assert.equal(one.body.status.errorCode, 500176);
  assert.equal(one.body.authenticationDetails, undefined);
  assert.equal(one.body.authenticationProcessingDetails, undefined);
});

it('needs AuditLog.Read.All and Directory.Read.All (both, as signin-list.md says), and shows only the token tenant\'s attempts', async () => {
  const pkiToken = await t.token();
  assert.equal((await t.request('GET', '/beta/auditLogs/signIns', { token: pkiToken })).status, 403);
  for (const alone of [PERMISSION_AUDIT_LOG_READ, PERMISSION_DIRECTORY_READ_ALL]) {
    const refused = await t.request('GET', '/beta/auditLogs/signIns', { token: await t.token({ appRoles: [alone] }) });
    assert.equal(refused.status, 403, `${alone} alone: ${refused.text}`);
  }
  const other = await t.request('GET', '/beta/auditLogs/signIns', { token: await t.token({ tenantId: TENANT_B, appRoles: [PERMISSION_AUDIT_LOG_READ, PERMISSION_DIRECTORY_READ_ALL] }) });
  assert.deepEqual(other.body.value, []);
});

it('a tenant reset empties its sign-in log and OIDC clients', async () => {
  const admin = await mintAdminToken(t.server.signingKey, { ttlSeconds: 600 });
  const client = await send(t.url, 'POST', `/_admin/tenants/${TENANT_A}/oidcClients`, admin, { body: { clientId: 'reset-me', redirectUris: ['https://app.example/cb'] } });
  assert.equal(client.status, 201, client.text);
  const reset = await send(t.url, 'DELETE', `/_admin/tenants/${TENANT_A}`, admin);
  assert.equal(reset.status, 200, reset.text);
  assert.deepEqual((await t.request('GET', '/beta/auditLogs/signIns', { token: auditToken })).body.value, []);
  assert.deepEqual((await send(t.url, 'GET', `/_admin/tenants/${TENANT_A}/oidcClients`, admin)).body.value, []);
});
