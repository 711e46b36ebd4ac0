// The certificate sign-in end to end, driven by a real OIDC client library (openid-client 6) with the
// certificate presented over real TLS (Node's TLS client): discovery, authorize with PKCE, nonce and
// login_hint, code redemption; the id token checked against the JWKS; the access token used on the
// server's own Graph API with the user's directory roles; then each binding failure with its AADSTS code.
// The id token only with `openid`; a `scope` on the redemption narrows the tokens within the code's grant,
// and one beyond it is invalid_scope AADSTS70011 that leaves the code redeemable.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createLocalJWKSet, decodeJwt, jwtVerify } from 'jose';
import * as oidc from 'openid-client';
import { DIRECTORY_ROLES, PERMISSION_AUDIT_LOG_READ, PERMISSION_DIRECTORY_READ_ALL } from '../../src/auth/permissions.ts';
import { mintAdminToken } from '../../src/auth/token-issuer.ts';
import { DEFAULT_SIGNIN_CONFIG } from '../../src/config.ts';
import { DEV_CLIENT_ID } from '../../src/service/signin/oidc-clients.ts';
import { createChain, createCrl, createLeaf, type Chain, type TestCert, x509 } from '../helpers/certs.ts';
import { startFileServer, type FileServer } from '../helpers/file-server.ts';
import { assertNoPlaceholder, type ClientCertificate, clientCertificate, listenerCa, setX509Policy, signinRequest, trustingFetch } from '../helpers/signin-client.ts';
import { PKI_PATH, send, startTestServer, TENANT_A, type TestServer } from '../helpers/test-server.ts';

const REDIRECT = 'http://127.0.0.1:53682/callback';
const GRAPH_SCOPE = 'https://graph.microsoft.com/PublicKeyInfrastructure.ReadWrite.All';

let t: TestServer;
let files: FileServer;
let ca: Buffer;
let signinUrl: string;
let chain: Chain;
let alice: ClientCertificate;
let aliceId: string;
let config: oidc.Configuration;


function setPolicy(body: Record<string, unknown>): Promise<void> {
  return setX509Policy(t, body);
}

const UPN_BINDINGS = {
  state: 'enabled',
  certificateUserBindings: [
    { x509CertificateField: 'PrincipalName', userProperty: 'userPrincipalName', priority: 1 },
    { x509CertificateField: 'RFC822Name', userProperty: 'email', priority: 2 },
  ],
};

before(async () => {
  t = await startTestServer({ allowPrivateFetch: true, signin: { ...DEFAULT_SIGNIN_CONFIG, port: 0 } });
  files = await startFileServer();
  signinUrl = t.server.signinUrl as string;
  ca = await listenerCa(t.dataDir);
  chain = await createChain({ name: 'Flow', crlBaseUrl: files.url, upn: 'alice@contoso.example' });
  files.set('/int1.crl', { body: (await createCrl({ issuer: chain.intermediates[0] as TestCert })).der });
  const pki = await t.request('POST', `/beta${PKI_PATH}`, { body: { displayName: 'Flow PKI' } });
  for (const [cert, crl] of [
    [chain.root, null],
    [chain.intermediates[0] as TestCert, `${files.url}/int1.crl`],
  ] as const) {
    const res = await t.request('POST', `/beta${PKI_PATH}/${pki.body.id}/certificateAuthorities`, { body: { certificate: cert.base64, certificateRevocationListUrl: crl } });
    assert.equal(res.status, 201, res.text);
  }
  await setPolicy(UPN_BINDINGS);
  aliceId = (await t.server.users.create(TENANT_A, { userPrincipalName: 'alice@contoso.example', displayName: 'Alice', accountEnabled: true })).id;
  const admin = await mintAdminToken(t.server.signingKey, { ttlSeconds: 600 });
  const roles = await send(t.url, 'PUT', `/_admin/tenants/${TENANT_A}/users/${aliceId}/directoryRoles`, admin, {
    body: { roleTemplateIds: [DIRECTORY_ROLES.privilegedAuthenticationAdministrator] },
  });
  assert.equal(roles.status, 200, roles.text);
  alice = await clientCertificate(chain.leaf, chain.intermediates);
  config = await oidc.discovery(new URL(`${signinUrl}/${TENANT_A}/v2.0`), DEV_CLIENT_ID, undefined, oidc.None(), { [oidc.customFetch]: trustingFetch(ca) });
});
after(async () => {
  await t?.close();
  await files?.close();
});

/** Builds the authorize URL with openid-client and follows it over TLS with the certificate: the redirect. */
async function authorize(client: ClientCertificate | undefined, extra: Record<string, string> = {}) {
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT,
    scope: `openid profile ${GRAPH_SCOPE}`,
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
    login_hint: 'alice@contoso.example',
    ...extra,
  });
  const response = await signinRequest(signinUrl, `${url.pathname}${url.search}`, ca, client ? { client } : {});
  assert.equal(response.status, 302, response.text);
  return { location: new URL(response.headers.location as string), verifier, state, nonce };
}

describe('a bound user signs in', () => {
  let tokens: Awaited<ReturnType<typeof oidc.authorizationCodeGrant>>;
  let code: string;

  it('openid-client discovers the tenant’s provider', () => {
    const metadata = config.serverMetadata();
    assert.equal(metadata.issuer, `${signinUrl}/${TENANT_A}/v2.0`);
    assert.equal(metadata.authorization_endpoint, `${signinUrl}/${TENANT_A}/oauth2/v2.0/authorize`);
    assert.deepEqual(metadata.code_challenge_methods_supported, ['S256']);
  });

  it('the code redeems to an id token for the client, signed by a key of the JWKS', async () => {
    const { location, verifier, state, nonce } = await authorize(alice);
    code = location.searchParams.get('code') ?? '';
    assert.ok(code, location.toString());
    tokens = await oidc.authorizationCodeGrant(config, location, { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce });
    const claims = tokens.claims();
    assert.ok(claims);
    assert.equal(claims.iss, `${signinUrl}/${TENANT_A}/v2.0`);
    assert.equal(claims.aud, DEV_CLIENT_ID);
    assert.equal(claims.tid, TENANT_A);
    assert.equal(claims.oid, aliceId);
    assert.equal(claims.preferred_username, 'alice@contoso.example');
    assert.equal(claims.ver, '2.0');
    assert.equal(claims.amr, undefined);
    const keys = await signinRequest(signinUrl, `/${TENANT_A}/discovery/v2.0/keys`, ca);
    await jwtVerify(tokens.id_token as string, createLocalJWKSet(keys.body), { issuer: claims.iss, audience: DEV_CLIENT_ID });
    await jwtVerify(tokens.access_token, createLocalJWKSet(keys.body));
  });

  it('the access token is a v1 Graph token: upn, scp, amr rsa, the user’s roles as wids', () => {
    const access = decodeJwt(tokens.access_token);
    assert.equal(access.aud, '00000003-0000-0000-c000-000000000000');
    assert.equal(access.iss, `${signinUrl}/${TENANT_A}/`);
    assert.equal(access.ver, '1.0');
    assert.equal(access.upn, 'alice@contoso.example');
    assert.equal(access.oid, aliceId);
    assert.equal(access.scp, 'PublicKeyInfrastructure.ReadWrite.All');
    assert.deepEqual(access.amr, ['rsa']);
    assert.equal(access.appid, DEV_CLIENT_ID);
    assert.deepEqual(access.wids, [DIRECTORY_ROLES.privilegedAuthenticationAdministrator]);
  });

  it('the server’s Graph API takes the access token as a delegated one, within its scope', async () => {
    const created = await t.request('POST', `/beta${PKI_PATH}`, { token: tokens.access_token, body: { displayName: 'Made by Alice' } });
    assert.equal(created.status, 201, created.text);
    const logs = await t.request('GET', '/beta/auditLogs/signIns', { token: tokens.access_token });
    assert.equal(logs.status, 403);
  });

  it('a code is redeemed once: the second time AADSTS54005', async () => {
    const again = await signinRequest(signinUrl, `/${TENANT_A}/oauth2/v2.0/token`, ca, {
      form: { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, client_id: DEV_CLIENT_ID, code_verifier: 'x'.repeat(43) },
    });
    assert.equal(again.status, 400);
    assert.equal(again.body.error, 'invalid_grant');
    assert.deepEqual(again.body.error_codes, [54005]);
  });

  it('the sign-in log has the success with the binding that matched and the CRL used', async () => {
    const token = await t.token({ appRoles: [PERMISSION_AUDIT_LOG_READ, PERMISSION_DIRECTORY_READ_ALL] });
    const [latest] = (await t.request('GET', '/beta/auditLogs/signIns?$top=1', { token })).body.value;
    assert.equal(latest.status.errorCode, 0);
    assert.equal(latest.userId, aliceId);
    assert.equal(latest.authenticationDetails[0].succeeded, true);
    const details = Object.fromEntries(latest.authenticationProcessingDetails.map((d: { key: string; value: string }) => [d.key, d.value]));
    assert.equal(details['User certificate binding'], 'Certificate: PrincipalName; user attribute: userPrincipalName; Rank: 1');
    assert.equal(details['Certificate revocation list'], `${files.url}/int1.crl (CRL number 1)`);
  });
});

/** The OAuth error openid-client's code grant throws: its status, `error`, AADSTS codes and description. */
async function refusedRedemption(location: URL, verifier: string, state: string, parameters: Record<string, string>) {
  try {
    await oidc.authorizationCodeGrant(config, location, { pkceCodeVerifier: verifier, expectedState: state }, parameters);
  } catch (error) {
    assert.ok(error instanceof oidc.ResponseBodyError, String(error));
    return { status: error.status, error: error.error, codes: error.cause.error_codes, description: String(error.cause.error_description) };
  }
  assert.fail('the code was redeemed');
}

describe('the id token and the scopes of a redemption', () => {
  it('without openid: an access token and no id token; the response’s scope says so', async () => {
    const { location, verifier, state } = await authorize(alice, { scope: `profile ${GRAPH_SCOPE}` });
    const tokens = await oidc.authorizationCodeGrant(config, location, { pkceCodeVerifier: verifier, expectedState: state });
    assert.equal(tokens.id_token, undefined);
    assert.equal(tokens.scope, `profile ${GRAPH_SCOPE}`);
    assert.equal(decodeJwt(tokens.access_token).scp, 'PublicKeyInfrastructure.ReadWrite.All');
    const created = await t.request('POST', `/beta${PKI_PATH}`, { token: tokens.access_token, body: { displayName: 'Made without openid' } });
    assert.equal(created.status, 201, created.text);
  });

  it('a scope within the code’s grant: the tokens carry that subset, an id token only if it holds openid', async () => {
    const asked = await authorize(alice, { scope: `openid profile ${GRAPH_SCOPE} https://graph.microsoft.com/AuditLog.Read.All` });
    // Graph permission names match case-insensitively and come back as the grant spells them.
    const narrowed = await oidc.authorizationCodeGrant(config, asked.location, { pkceCodeVerifier: asked.verifier, expectedState: asked.state, expectedNonce: asked.nonce }, { scope: 'openid https://graph.microsoft.com/publickeyinfrastructure.readwrite.all' });
    assert.equal(narrowed.scope, `openid ${GRAPH_SCOPE}`);
    assert.equal(decodeJwt(narrowed.access_token).scp, 'PublicKeyInfrastructure.ReadWrite.All');
    assert.equal(narrowed.claims()?.preferred_username, undefined, 'profile was not asked for');
    assert.equal(narrowed.claims()?.nonce, asked.nonce);
    const graphOnly = await authorize(alice);
    const withoutOpenid = await oidc.authorizationCodeGrant(config, graphOnly.location, { pkceCodeVerifier: graphOnly.verifier, expectedState: graphOnly.state }, { scope: GRAPH_SCOPE });
    assert.equal(withoutOpenid.id_token, undefined);
    assert.equal(withoutOpenid.scope, GRAPH_SCOPE);
  });

  it('a scope beyond the code’s grant: 400 invalid_scope AADSTS70011 naming it, and the code is not spent', async () => {
    const { location, verifier, state, nonce } = await authorize(alice, { scope: `openid ${GRAPH_SCOPE}` });
    const beyond = await refusedRedemption(location, verifier, state, { scope: `openid profile offline_access https://graph.microsoft.com/User.Read ${GRAPH_SCOPE}` });
    assert.equal(beyond.status, 400);
    assert.equal(beyond.error, 'invalid_scope');
    assert.deepEqual(beyond.codes, [70011]);
    assert.match(beyond.description, /^AADSTS70011: .*Not granted to this authorization code: 'profile', 'offline_access', 'https:\/\/graph\.microsoft\.com\/User\.Read'\./);
    const foreign = await refusedRedemption(location, verifier, state, { scope: 'openid api://contoso.example/files.read' });
    assert.deepEqual(foreign.codes, [70011]);
    // The refused redemptions left the code to its holder: .default is the code's Graph permissions.
    const tokens = await oidc.authorizationCodeGrant(config, location, { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce }, { scope: 'openid https://graph.microsoft.com/.default' });
    assert.equal(tokens.scope, `openid ${GRAPH_SCOPE}`);
    assert.equal(tokens.refresh_token, undefined);
    assert.ok(tokens.id_token);
  });

  it('a wrong verifier with a scope beyond the grant: the verifier’s error (501481), not the scope’s', async () => {
    const { location, state } = await authorize(alice, { scope: `openid ${GRAPH_SCOPE}` });
    const refused = await refusedRedemption(location, oidc.randomPKCECodeVerifier(), state, { scope: 'openid profile' });
    assert.deepEqual(refused.codes, [501481]);
  });
});

describe('sign-ins that fail after the certificate is trusted', () => {
  async function failure(client: ClientCertificate, extra: Record<string, string> = {}): Promise<string> {
    const { location } = await authorize(client, extra);
    const query = Object.fromEntries(location.searchParams);
    assert.equal(query.code, undefined, location.toString());
    assertNoPlaceholder(query.error_description ?? '');
    return query.error_description ?? '';
  }

  it('the typed name is no user: AADSTS50034', async () => {
    assert.match(await failure(alice, { login_hint: 'nobody@contoso.example' }), /^AADSTS50034: /);
  });

  it('the certificate has none of the binding fields: AADSTS1001003', async () => {
    const bare = await createLeaf({ subject: 'CN=No SAN', issuer: chain.intermediates[0] as TestCert, extendedKeyUsage: [x509.ExtendedKeyUsage.clientAuth] });
    assert.match(await failure(await clientCertificate(bare, chain.intermediates)), /^AADSTS1001003: Unable To Acquire Value Specified In Binding From Certificate/);
  });

  it('high affinity required and only low-affinity bindings: AADSTS1001003', async () => {
    await setPolicy({ authenticationModeConfiguration: { x509CertificateAuthenticationDefaultMode: 'x509CertificateSingleFactor', x509CertificateDefaultRequiredAffinityLevel: 'high', rules: [] } });
    try {
      assert.match(await failure(alice), /^AADSTS1001003: /);
    } finally {
      await setPolicy({ authenticationModeConfiguration: { x509CertificateAuthenticationDefaultMode: 'x509CertificateSingleFactor', x509CertificateDefaultRequiredAffinityLevel: 'low', rules: [] } });
    }
  });

  it('two users share the certificate’s e-mail, signing in without a name: AADSTS50034', async () => {
    await t.server.users.create(TENANT_A, { userPrincipalName: 'shared1@contoso.example', mail: 'shared@contoso.example', accountEnabled: true });
    await t.server.users.create(TENANT_A, { userPrincipalName: 'shared2@contoso.example', mail: 'shared@contoso.example', accountEnabled: true });
    const mailOnly = await createLeaf({
      subject: 'CN=Shared Mail',
      issuer: chain.intermediates[0] as TestCert,
      extendedKeyUsage: [x509.ExtendedKeyUsage.clientAuth],
      subjectAltNames: [{ type: 'email', value: 'shared@contoso.example' }],
    });
    assert.match(await failure(await clientCertificate(mailOnly, chain.intermediates), { login_hint: '' }), /^AADSTS50034: /);
  });

  it('a disabled user: AADSTS50057', async () => {
    await t.server.users.create(TENANT_A, { userPrincipalName: 'bob@contoso.example', accountEnabled: false });
    const bob = await createLeaf({
      subject: 'CN=Bob',
      issuer: chain.intermediates[0] as TestCert,
      extendedKeyUsage: [x509.ExtendedKeyUsage.clientAuth],
      subjectAltNames: [{ type: 'upn', value: 'bob@contoso.example' }],
    });
    assert.match(await failure(await clientCertificate(bob, chain.intermediates), { login_hint: 'bob@contoso.example' }), /^AADSTS50057: /);
  });

  it('certificate-based authentication disabled in the policy: AADSTS130501', async () => {
    await setPolicy({ state: 'disabled' });
    try {
      assert.match(await failure(alice), /^AADSTS130501: /);
    } finally {
      await setPolicy({ state: 'enabled' });
    }
  });

  it('a multi-factor rule for the issuing CA puts mfa in amr', async () => {
    const issuer = (chain.intermediates[0] as TestCert).cert.subject;
    await setPolicy({
      authenticationModeConfiguration: {
        x509CertificateAuthenticationDefaultMode: 'x509CertificateSingleFactor',
        x509CertificateDefaultRequiredAffinityLevel: 'low',
        rules: [{ x509CertificateRuleType: 'issuerSubject', identifier: issuer, x509CertificateAuthenticationMode: 'x509CertificateMultiFactor' }],
      },
    });
    const { location, verifier, state, nonce } = await authorize(alice);
    const tokens = await oidc.authorizationCodeGrant(config, location, { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce });
    assert.deepEqual(decodeJwt(tokens.access_token).amr, ['rsa', 'mfa']);
  });
});

