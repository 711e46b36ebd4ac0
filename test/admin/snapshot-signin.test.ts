// Tenant snapshots and resets carry the certificate sign-in's state: registered OIDC clients (the secret
// only as its stored SHA-256), users' directory roles and the sign-in log. Real sign-ins over TLS fill
// it; export → reset → import → export is identical; the access token a sign-in gave before still works
// after the restore, and a new sign-in through the restored confidential client, with its old secret, gets
// the restored roles. Each refused import names the bad field and leaves the tenant as it was.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { decodeJwt } from 'jose';
import { DIRECTORY_ROLES, PERMISSION_AUDIT_LOG_READ, PERMISSION_DIRECTORY_READ_ALL } from '../../src/auth/permissions.ts';
import { DEFAULT_SIGNIN_CONFIG } from '../../src/config.ts';
import { createChain, type Chain, type TestCert } from '../helpers/certs.ts';
import { type ClientCertificate, clientCertificate, listenerCa, pkcePair, redirectQuery, setX509Policy, signinRequest } from '../helpers/signin-client.ts';
import { PKI_PATH, startTestServer, TENANT_A, type TestServer } from '../helpers/test-server.ts';
import { type Clients, clientsFor, withoutExportTime } from './admin-helpers.ts';

const REDIRECT = 'https://app.contoso.example/signin';
const CLIENT_ID = 'contoso-web';
const ROLES = [DIRECTORY_ROLES.privilegedAuthenticationAdministrator, DIRECTORY_ROLES.globalReader].sort();
const EMPTY_TENANT = '00000000-0000-4000-8000-0000000005e0';

let t: TestServer;
let a: Clients;
let ca: Buffer;
let signinUrl: string;
let chain: Chain;
let alice: ClientCertificate;
let aliceId: string;
let secret: string;
let auditToken: string;

before(async () => {
  t = await startTestServer({ signin: { ...DEFAULT_SIGNIN_CONFIG, port: 0 } });
  a = await clientsFor(t.url, t.server.signingKey, TENANT_A);
  signinUrl = t.server.signinUrl as string;
  ca = await listenerCa(t.dataDir);
  auditToken = await t.token({ appRoles: [PERMISSION_AUDIT_LOG_READ, PERMISSION_DIRECTORY_READ_ALL] });
  chain = await createChain({ name: 'Snapshot Sign-in', upn: 'alice@contoso.example' });
  const pki = await a.graph('POST', `/beta${PKI_PATH}`, { body: { displayName: 'Sign-in PKI' } });
  assert.equal(pki.status, 201, pki.text);
  for (const cert of [chain.root, chain.intermediates[0] as TestCert]) {
    const res = await a.graph('POST', `/beta${PKI_PATH}/${pki.body.id}/certificateAuthorities`, { body: { certificate: cert.base64 } });
    assert.equal(res.status, 201, res.text);
  }
  await setX509Policy(t, {
    state: 'enabled',
    certificateUserBindings: [{ x509CertificateField: 'PrincipalName', userProperty: 'userPrincipalName', priority: 1 }],
  });
  aliceId = (await t.server.users.create(TENANT_A, { userPrincipalName: 'alice@contoso.example', displayName: 'Alice', accountEnabled: true })).id;
  const roles = await a.admin('PUT', `/tenants/${TENANT_A}/users/${aliceId}/directoryRoles`, { body: { roleTemplateIds: ROLES } });
  assert.equal(roles.status, 200, roles.text);
  const client = await a.admin('POST', `/tenants/${TENANT_A}/oidcClients`, { body: { clientId: CLIENT_ID, displayName: 'Contoso web', redirectUris: [REDIRECT], confidential: true } });
  assert.equal(client.status, 201, client.text);
  secret = client.body.clientSecret;
  alice = await clientCertificate(chain.leaf, chain.intermediates);
});
after(async () => {
  await t?.close();
});

/** A sign-in through the confidential client: the token endpoint's answer (tokens, or the OAuth error). */
async function signIn(loginHint: string, clientSecret = secret) {
  const pkce = pkcePair();
  const query = new URLSearchParams({
    client_id: CLIENT_ID,
    redirect_uri: REDIRECT,
    response_type: 'code',
    scope: 'openid https://graph.microsoft.com/PublicKeyInfrastructure.ReadWrite.All',
    code_challenge: pkce.challenge,
    code_challenge_method: 'S256',
    login_hint: loginHint,
  });
  const redirect = redirectQuery(await signinRequest(signinUrl, `/${TENANT_A}/oauth2/v2.0/authorize?${query}`, ca, { client: alice }));
  if (!redirect.code) return { redirect };
  const token = await signinRequest(signinUrl, `/${TENANT_A}/oauth2/v2.0/token`, ca, {
    form: { grant_type: 'authorization_code', code: redirect.code, redirect_uri: REDIRECT, client_id: CLIENT_ID, client_secret: clientSecret, code_verifier: pkce.verifier },
  });
  return { redirect, token };
}

/** What the tenant shows of its sign-in state: clients, Alice's roles, the log in both versions. */
async function signInView(c: Clients) {
  const get = async (path: string) => {
    const res = await t.request('GET', path, { token: auditToken });
    assert.equal(res.status, 200, res.text);
    return res.body;
  };
  return {
    clients: (await c.admin('GET', `/tenants/${c.tenantId}/oidcClients`)).body,
    roles: (await c.admin('GET', `/tenants/${c.tenantId}/users/${aliceId}/directoryRoles`)).body,
    beta: await get('/beta/auditLogs/signIns?$top=999'),
    v1: await get('/v1.0/auditLogs/signIns?$top=999'),
  };
}

describe('the sign-in state through export → reset → import', () => {
  let accessToken: string;
  let snapshot: Record<string, unknown> & { oidcClients: { secretHash: string }[]; signIns: { id: string; status: { errorCode: number } }[] };

  it('a bound user signs in through the confidential client; an unknown name fails; both are logged', async () => {
    const ok = await signIn('alice@contoso.example');
    assert.equal(ok.token?.status, 200, ok.token?.text);
    accessToken = ok.token?.body.access_token;
    assert.deepEqual(decodeJwt(accessToken).wids, ROLES);
    assert.equal((await t.request('GET', `/beta${PKI_PATH}`, { token: accessToken })).status, 200);
    const failed = await signIn('nobody@contoso.example');
    assert.match(failed.redirect.error_description ?? '', /^AADSTS50034: /);
  });

  it('the export carries the client (its secret only as the stored SHA-256), Alice’s roles and the log', async () => {
    const res = await a.admin('GET', `/tenants/${TENANT_A}/snapshot`);
    assert.equal(res.status, 200, res.text);
    snapshot = res.body;
    const listed = (await a.admin('GET', `/tenants/${TENANT_A}/oidcClients`)).body.value[0];
    assert.deepEqual(snapshot.oidcClients, [
      {
        clientId: CLIENT_ID,
        displayName: 'Contoso web',
        redirectUris: [REDIRECT],
        secretHash: createHash('sha256').update(secret).digest('hex'),
        defaultScopes: listed.defaultScopes,
        createdDateTime: listed.createdDateTime,
      },
    ]);
    assert.ok(!res.text.includes(secret), 'the secret itself is nowhere in the snapshot');
    assert.deepEqual(snapshot.directoryRoleAssignments, [{ userId: aliceId, roleTemplateIds: ROLES }]);
    const beta = (await t.request('GET', '/beta/auditLogs/signIns?$top=999', { token: auditToken })).body.value;
    assert.equal(beta.length, 2);
    assert.deepEqual(snapshot.signIns, beta, 'the log entries exactly as the beta API shows them, newest first');
    assert.deepEqual(
      snapshot.signIns.map((s) => s.status.errorCode),
      [50034, 0],
    );
  });

  it('the reset removes and counts them; the import restores them exactly; a second export is identical', async () => {
    const before = await signInView(a);
    const reset = await a.admin('DELETE', `/tenants/${TENANT_A}`);
    assert.equal(reset.status, 200, reset.text);
    assert.deepEqual(reset.body.deleted, {
      certificateBasedAuthConfigurations: 1,
      certificateAuthorities: 2,
      jobs: 0,
      x509CertificatePolicies: 1,
      classicCertificateBasedAuthConfigurations: 0,
      classicCertificateAuthorities: 0,
      users: 1,
      oidcClients: 1,
      directoryRoleAssignments: 2,
      signIns: 2,
    });
    const emptied = await signInView(a);
    assert.deepEqual(emptied.clients.value, []);
    assert.equal(emptied.roles.error?.code, 'Request_ResourceNotFound', 'Alice is gone, and her roles with her');
    assert.deepEqual(emptied.beta.value, []);

    const imported = await a.admin('PUT', `/tenants/${TENANT_A}/snapshot`, { body: snapshot });
    assert.equal(imported.status, 200, imported.text);
    assert.equal(imported.body.imported.oidcClients, 1);
    assert.equal(imported.body.imported.directoryRoleAssignments, 2);
    assert.equal(imported.body.imported.signIns, 2);
    assert.deepEqual(await signInView(a), before);
    assert.deepEqual(withoutExportTime((await a.admin('GET', `/tenants/${TENANT_A}/snapshot`)).body), withoutExportTime(snapshot));
  });

  it('the token issued before still works, and the restored client with its old secret signs Alice in with her roles', async () => {
    const pkis = await t.request('GET', `/beta${PKI_PATH}`, { token: accessToken });
    assert.equal(pkis.status, 200, pkis.text);
    assert.equal(pkis.body.value[0].displayName, 'Sign-in PKI');
    const again = await signIn('alice@contoso.example');
    assert.equal(again.token?.status, 200, again.token?.text);
    const claims = decodeJwt(again.token?.body.access_token);
    assert.equal(claims.oid, aliceId);
    assert.deepEqual(claims.wids, ROLES);
    const created = await t.request('POST', `/beta${PKI_PATH}`, { token: again.token?.body.access_token, body: { displayName: 'After restore' } });
    assert.equal(created.status, 201, created.text);
    const wrong = await signIn('alice@contoso.example', 'not-the-secret-at-all');
    assert.equal(wrong.token?.body.error, 'invalid_client', wrong.token?.text);
    assert.deepEqual(wrong.token?.body.error_codes, [7000215]);
  });
});

describe('importing the sign-in state', () => {
  it('refuses each bad client, role assignment or sign-in with a 400 naming the field, and leaves the tenant as it was', async () => {
    const good = (await a.admin('GET', `/tenants/${TENANT_A}/snapshot`)).body;
    assert.ok(good.signIns.length >= 2 && good.oidcClients.length === 1);
    const c = await clientsFor(t.url, t.server.signingKey, EMPTY_TENANT);
    const emptyBefore = withoutExportTime((await c.admin('GET', `/tenants/${EMPTY_TENANT}/snapshot`)).body);
    const variant = (change: (s: typeof good) => void) => {
      const copy = structuredClone(good);
      change(copy);
      return copy;
    };
    const otherUser = '00000000-0000-4000-8000-0000000000aa';
    const cases: [unknown, RegExp][] = [
      [variant((s) => s.oidcClients.push({ ...s.oidcClients[0], displayName: 'copy' })), /\$\.oidcClients\[1\]\.clientId: the clientId 'contoso-web' is already used by \$\.oidcClients\[0\]/],
      [variant((s) => (s.oidcClients[0].redirectUris = ['https://app.contoso.example/cb#fragment'])), /\$\.oidcClients\[0\]\.redirectUris\[0\]: 'https:\/\/app\.contoso\.example\/cb#fragment' must not contain a fragment/],
      [variant((s) => (s.oidcClients[0].redirectUris = ['https://ok.example/cb', 'javascript:alert(1)'])), /\$\.oidcClients\[0\]\.redirectUris\[1\]: 'javascript:alert\(1\)' uses javascript:, which is refused/],
      [variant((s) => (s.oidcClients[0].redirectUris = ['not a uri'])), /\$\.oidcClients\[0\]\.redirectUris\[0\]: 'not a uri' is not an absolute URI/],
      [variant((s) => (s.oidcClients[0].redirectUris = [])), /\$\.oidcClients\[0\]\.redirectUris: give 1 to 256 absolute URIs/],
      [variant((s) => (s.oidcClients[0].clientId = 'has space')), /\$\.oidcClients\[0\]\.clientId: Invalid value specified for 'clientId'/],
      [variant((s) => (s.oidcClients[0].clientId = '00000000-0000-4000-8000-00000000DC11')), /\$\.oidcClients\[0\]\.clientId: .* is the dev client's id/],
      [variant((s) => (s.oidcClients[0].secretHash = 'the-secret-in-clear')), /\$\.oidcClients\[0\]\.secretHash: /],
      [variant((s) => (s.oidcClients[0].clientSecret = 'x'.repeat(20))), /\$\.oidcClients\[0\]\.clientSecret: unknown property/],
      [variant((s) => (s.oidcClients[0].createdDateTime = '2026-02-30T10:00:00Z')), /\$\.oidcClients\[0\]\.createdDateTime: "2026-02-30T10:00:00Z" is not a valid time/],
      [variant((s) => (s.directoryRoleAssignments[0].userId = otherUser)), new RegExp(`\\$\\.directoryRoleAssignments\\[0\\]\\.userId: no user of the snapshot has the id '${otherUser}'`)],
      [variant((s) => s.directoryRoleAssignments.push({ ...s.directoryRoleAssignments[0] })), /\$\.directoryRoleAssignments\[1\]\.userId: the user '.*' already has its roles at \$\.directoryRoleAssignments\[0\]/],
      [variant((s) => s.directoryRoleAssignments[0].roleTemplateIds.push(s.directoryRoleAssignments[0].roleTemplateIds[0])), /\$\.directoryRoleAssignments\[0\]\.roleTemplateIds\[2\]: the role template id '.*' is listed twice/],
      [variant((s) => (s.directoryRoleAssignments[0].roleTemplateIds = ['Global Administrator'])), /\$\.directoryRoleAssignments\[0\]\.roleTemplateIds\[0\]: "Global Administrator" is not a GUID in lower case/],
      [variant((s) => (s.directoryRoleAssignments[0].roleTemplateIds = [])), /\$\.directoryRoleAssignments\[0\]\.roleTemplateIds: /],
      [variant((s) => (s.signIns[1].id = s.signIns[0].id)), /\$\.signIns\[1\]\.id: the id '.*' is already used by \$\.signIns\[0\]/],
      [variant((s) => (s.signIns[0].createdDateTime = '2026-02-30T10:00:00.000Z')), /\$\.signIns\[0\]\.createdDateTime: "2026-02-30T10:00:00\.000Z" is not a valid time/],
      [variant((s) => (s.signIns[0].status.errorCode = 'AADSTS50034')), /\$\.signIns\[0\]\.status\.errorCode: /],
      [variant((s) => (s.signIns[0].riskLevel = 'none')), /\$\.signIns\[0\]\.riskLevel: unknown property/],
      [variant((s) => delete s.signIns[0].authenticationProcessingDetails), /\$\.signIns\[0\]: missing required property 'authenticationProcessingDetails'/],
    ];
    for (const [body, message] of cases) {
      const res = await c.admin('PUT', `/tenants/${EMPTY_TENANT}/snapshot`, { body });
      assert.equal(res.status, 400, `${message}: ${res.text}`);
      assert.equal(res.body.error.code, 'Request_BadRequest');
      assert.match(res.body.error.message, /^The snapshot is invalid: /);
      assert.match(res.body.error.message, message);
      assert.deepEqual(withoutExportTime((await c.admin('GET', `/tenants/${EMPTY_TENANT}/snapshot`)).body), emptyBefore, `${message}: nothing was written`);
    }
    // The good snapshot goes in: the refusals left the tenant empty.
    const imported = await c.admin('PUT', `/tenants/${EMPTY_TENANT}/snapshot`, { body: good });
    assert.equal(imported.status, 200, imported.text);
    assert.equal((await c.admin('DELETE', `/tenants/${EMPTY_TENANT}`)).status, 200);
  });

  it('imports a snapshot written before the sign-in (no such sections) as a tenant without clients, roles or log', async () => {
    const { oidcClients: _c, directoryRoleAssignments: _r, signIns: _s, ...older } = (await a.admin('GET', `/tenants/${TENANT_A}/snapshot`)).body;
    const c = await clientsFor(t.url, t.server.signingKey, EMPTY_TENANT);
    const res = await c.admin('PUT', `/tenants/${EMPTY_TENANT}/snapshot`, { body: older });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual([res.body.imported.users, res.body.imported.oidcClients, res.body.imported.directoryRoleAssignments, res.body.imported.signIns], [1, 0, 0, 0]);
    const exported = (await c.admin('GET', `/tenants/${EMPTY_TENANT}/snapshot`)).body;
    assert.deepEqual([exported.oidcClients, exported.directoryRoleAssignments, exported.signIns], [[], [], []]);
  });

  it('a tenant holding only a sign-in log entry is not empty: 409, nothing written', async () => {
    const snapshot = (await a.admin('GET', `/tenants/${TENANT_A}/snapshot`)).body;
    const target = '00000000-0000-4000-8000-0000000005e1';
    const c = await clientsFor(t.url, t.server.signingKey, target);
    const only = await c.admin('PUT', `/tenants/${target}/snapshot`, { body: { ...snapshot, certificateBasedAuthConfigurations: [], uploadJobs: [], x509CertificatePolicy: null, users: [], directoryRoleAssignments: [], oidcClients: [], signIns: snapshot.signIns.slice(0, 1) } });
    assert.equal(only.status, 200, only.text);
    const conflict = await c.admin('PUT', `/tenants/${target}/snapshot`, { body: snapshot });
    assert.equal(conflict.status, 409, conflict.text);
    assert.match(conflict.body.error.message, /is not empty \(signIns: 1;/);
    assert.equal((await c.admin('GET', `/tenants/${target}/snapshot`)).body.signIns.length, 1);
  });

  it('an export refuses (409) directory roles that name no user of the tenant, and a purged user’s roles go with it (purge or retention sweep)', async () => {
    const target = '00000000-0000-4000-8000-0000000005e2';
    const c = await clientsFor(t.url, t.server.signingKey, target);
    const stray = '00000000-0000-4000-8000-0000000000bb';
    // The admin API refuses such roles now (404); a database written before it checked may still hold them.
    assert.equal((await c.admin('PUT', `/tenants/${target}/users/${stray}/directoryRoles`, { body: { roleTemplateIds: ROLES } })).status, 404);
    await t.server.store.transaction((repos) => repos.directoryRoles.replace(target, stray, ROLES));
    const refused = await c.admin('GET', `/tenants/${target}/snapshot`);
    assert.equal(refused.status, 409, refused.text);
    assert.match(refused.body.error.message, new RegExp(`directory roles for '${stray}', which is no user of the tenant`));
    assert.equal((await c.admin('PUT', `/tenants/${target}/users/${stray}/directoryRoles`, { body: { roleTemplateIds: [] } })).status, 200);
    assert.equal((await c.admin('GET', `/tenants/${target}/snapshot`)).status, 200);

    const user = await c.graph('POST', '/v1.0/users', { body: { accountEnabled: true, displayName: 'Purged', mailNickname: 'purged', userPrincipalName: 'purged@contoso.com', passwordProfile: { password: 'p@ss-W0rd!' } } });
    assert.equal(user.status, 201, user.text);
    assert.equal((await c.admin('PUT', `/tenants/${target}/users/${user.body.id}/directoryRoles`, { body: { roleTemplateIds: ROLES } })).status, 200);
    assert.equal((await c.graph('DELETE', `/v1.0/users/${user.body.id}`)).status, 204);
    assert.deepEqual((await c.admin('GET', `/tenants/${target}/snapshot`)).body.directoryRoleAssignments, [{ userId: user.body.id, roleTemplateIds: ROLES }], 'a deleted user keeps its roles');
    assert.equal((await c.graph('DELETE', `/beta/directory/deletedItems/${user.body.id}`)).status, 204);
    const after = await c.admin('GET', `/tenants/${target}/snapshot`);
    assert.equal(after.status, 200, after.text);
    assert.deepEqual(after.body.directoryRoleAssignments, []);

    // The retention sweep purges the same way.
    const swept = await c.graph('POST', '/v1.0/users', { body: { accountEnabled: true, displayName: 'Swept', mailNickname: 'swept', userPrincipalName: 'swept@contoso.com', passwordProfile: { password: 'p@ss-W0rd!' } } });
    assert.equal(swept.status, 201, swept.text);
    assert.equal((await c.admin('PUT', `/tenants/${target}/users/${swept.body.id}/directoryRoles`, { body: { roleTemplateIds: ROLES } })).status, 200);
    assert.equal((await c.graph('DELETE', `/v1.0/users/${swept.body.id}`)).status, 204);
    assert.equal((await t.server.deletedItems.sweep(Date.now() + 31 * 24 * 3600 * 1000)).users, 1);
    const afterSweep = await c.admin('GET', `/tenants/${target}/snapshot`);
    assert.equal(afterSweep.status, 200, afterSweep.text);
    assert.deepEqual(afterSweep.body.directoryRoleAssignments, []);
    assert.equal((await c.admin('GET', `/tenants/${target}/users/${swept.body.id}/directoryRoles`)).status, 404, 'the purged user is no user, and holds no roles');
  });
});
