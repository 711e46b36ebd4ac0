// Refresh tokens of the certificate sign-in, driven by openid-client 6 over real TLS: a sign-in with
// offline_access gets a refresh_token; openid-client's refresh grant redeems it for new tokens and a new
// refresh token (rotation), the old one then refused (invalid_grant AADSTS70008 ExpiredOrRevokedGrant);
// another client's attempt is refused (70000) and leaves the token usable; a disabled user gets 50057, a
// deleted one 50034; a token past --signin-refresh-token-lifetime-seconds gets 70008; a tenant reset
// removes them. Stored by hash: the table never holds the token. A `scope` on the refresh narrows the new
// tokens to a subset of the grant while the rotated token keeps the whole grant; one beyond the grant is
// invalid_scope AADSTS70011 naming it, and the token stays unspent. An id token comes only when the
// refresh's scopes (the grant's, or the ones asked for) hold openid.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { decodeJwt } from 'jose';
import * as oidc from 'openid-client';
import { mintAdminToken } from '../../src/auth/token-issuer.ts';
import { DEFAULT_SIGNIN_CONFIG } from '../../src/config.ts';
import { DEV_CLIENT_ID } from '../../src/service/signin/oidc-clients.ts';
import { createChain, createCrl, createLeaf, type TestCert, x509 } from '../helpers/certs.ts';
import { type FileServer, startFileServer } from '../helpers/file-server.ts';
import { type ClientCertificate, clientCertificate, listenerCa, setX509Policy, signinRequest, trustingFetch } from '../helpers/signin-client.ts';
import { PKI_PATH, send, startTestServer, TENANT_A, type TestServer } from '../helpers/test-server.ts';

const REDIRECT = 'http://127.0.0.1:53682/callback';
const OTHER_CLIENT = 'refresh-other-client';

/** A server with a sign-in listener, a trust store with a bound user per name, and openid-client configured for it. */
interface Provider {
  readonly t: TestServer;
  readonly files: FileServer;
  readonly ca: Buffer;
  readonly signinUrl: string;
  readonly config: oidc.Configuration;
  certificateFor(upn: string): Promise<ClientCertificate>;
  close(): Promise<void>;
}

async function startProvider(refreshTokenLifetimeSeconds: number): Promise<Provider> {
  const t = await startTestServer({ allowPrivateFetch: true, signin: { ...DEFAULT_SIGNIN_CONFIG, port: 0, refreshTokenLifetimeSeconds } });
  const files = await startFileServer();
  const signinUrl = t.server.signinUrl as string;
  const ca = await listenerCa(t.dataDir);
  const chain = await createChain({ name: 'Refresh', crlBaseUrl: files.url });
  const issuing = chain.intermediates[0] as TestCert;
  files.set('/int1.crl', { body: (await createCrl({ issuer: issuing })).der });
  const pki = await t.request('POST', `/beta${PKI_PATH}`, { body: { displayName: 'Refresh PKI' } });
  for (const [cert, crl] of [
    [chain.root, null],
    [issuing, `${files.url}/int1.crl`],
  ] as const) {
    const res = await t.request('POST', `/beta${PKI_PATH}/${pki.body.id}/certificateAuthorities`, { body: { certificate: cert.base64, certificateRevocationListUrl: crl } });
    assert.equal(res.status, 201, res.text);
  }
  await setX509Policy(t, { state: 'enabled', certificateUserBindings: [{ x509CertificateField: 'PrincipalName', userProperty: 'userPrincipalName', priority: 1 }] });
  const config = await oidc.discovery(new URL(`${signinUrl}/${TENANT_A}/v2.0`), DEV_CLIENT_ID, undefined, oidc.None(), { [oidc.customFetch]: trustingFetch(ca) });
  return {
    t,
    files,
    ca,
    signinUrl,
    config,
    async certificateFor(upn) {
      await t.server.users.create(TENANT_A, { userPrincipalName: upn, displayName: upn.split('@')[0] as string, accountEnabled: true });
      const leaf = await createLeaf({ subject: `CN=${upn}`, issuer: issuing, extendedKeyUsage: [x509.ExtendedKeyUsage.clientAuth], subjectAltNames: [{ type: 'upn', value: upn }] });
      return clientCertificate(leaf, [issuing]);
    },
    async close() {
      await t.close();
      await files.close();
    },
  };
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** A sign-in with the certificate and these scopes; the token response openid-client gets for the code. */
async function signIn(p: Provider, certificate: ClientCertificate, upn: string, scope = 'openid profile offline_access https://graph.microsoft.com/.default') {
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const url = oidc.buildAuthorizationUrl(p.config, {
    redirect_uri: REDIRECT,
    scope,
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    login_hint: upn,
  });
  const response = await signinRequest(p.signinUrl, `${url.pathname}${url.search}`, p.ca, { client: certificate });
  assert.equal(response.status, 302, response.text);
  return oidc.authorizationCodeGrant(p.config, new URL(response.headers.location as string), { pkceCodeVerifier: verifier, expectedState: state });
}

/** The OAuth error openid-client's refresh grant throws: its status, `error` and AADSTS codes. */
async function refusedRefresh(config: oidc.Configuration, refreshToken: string, parameters?: Record<string, string>): Promise<{ status: number; error: string; codes: unknown; description: string }> {
  try {
    await oidc.refreshTokenGrant(config, refreshToken, parameters);
  } catch (error) {
    assert.ok(error instanceof oidc.ResponseBodyError, String(error));
    return { status: error.status, error: error.error, codes: error.cause.error_codes, description: String(error.cause.error_description) };
  }
  assert.fail('the refresh token was redeemed');
}

describe('refresh tokens (default lifetime)', () => {
  let p: Provider;
  let alice: ClientCertificate;

  before(async () => {
    p = await startProvider(DEFAULT_SIGNIN_CONFIG.refreshTokenLifetimeSeconds);
    alice = await p.certificateFor('alice@contoso.example');
  });
  after(() => p?.close());

  it('a sign-in without offline_access gets no refresh token', async () => {
    const tokens = await signIn(p, alice, 'alice@contoso.example', 'openid profile https://graph.microsoft.com/.default');
    assert.equal(tokens.refresh_token, undefined);
    assert.ok(tokens.access_token);
  });

  it('with offline_access: a refresh token; the refresh grant gives new tokens and a new refresh token, and the old one is refused (70008)', async () => {
    const first = await signIn(p, alice, 'alice@contoso.example');
    assert.equal(typeof first.refresh_token, 'string');
    assert.match(first.scope ?? '', /\boffline_access\b/);
    const refreshed = await oidc.refreshTokenGrant(p.config, first.refresh_token as string);
    assert.equal(typeof refreshed.refresh_token, 'string');
    assert.notEqual(refreshed.refresh_token, first.refresh_token);
    assert.equal(decodeJwt(refreshed.access_token).upn, 'alice@contoso.example');
    assert.equal(refreshed.claims()?.preferred_username, 'alice@contoso.example');
    assert.equal(refreshed.claims()?.sub, first.claims()?.sub);
    const replay = await refusedRefresh(p.config, first.refresh_token as string);
    assert.equal(replay.error, 'invalid_grant');
    assert.deepEqual(replay.codes, [70008]);
    assert.match(replay.description, /^AADSTS70008: /);
    // The rotated one works, once.
    const again = await oidc.refreshTokenGrant(p.config, refreshed.refresh_token as string);
    assert.ok(again.refresh_token);
  });

  it('scope on a refresh: the tokens carry that subset, the rotated token keeps the whole grant', async () => {
    const first = await signIn(p, alice, 'alice@contoso.example');
    // Graph permission names match case-insensitively and come back as the grant spells them.
    const narrowed = await oidc.refreshTokenGrant(p.config, first.refresh_token as string, { scope: 'openid https://graph.microsoft.com/policy.readwrite.authenticationmethod' });
    assert.equal(narrowed.scope, 'openid https://graph.microsoft.com/Policy.ReadWrite.AuthenticationMethod');
    assert.equal(decodeJwt(narrowed.access_token).scp, 'Policy.ReadWrite.AuthenticationMethod');
    assert.equal(narrowed.claims()?.preferred_username, undefined, 'profile was not asked for');
    // offline_access was not asked for either; the grant has it, so the token still rotates (as Entra does).
    assert.equal(typeof narrowed.refresh_token, 'string');
    const whole = await oidc.refreshTokenGrant(p.config, narrowed.refresh_token as string);
    assert.equal(whole.scope, first.scope);
    assert.equal(decodeJwt(whole.access_token).scp, decodeJwt(first.access_token).scp);
    assert.equal(whole.claims()?.preferred_username, 'alice@contoso.example');
    // Asking for the whole set again is within the grant too.
    const again = await oidc.refreshTokenGrant(p.config, whole.refresh_token as string, { scope: 'openid profile offline_access https://graph.microsoft.com/.default' });
    assert.equal(again.scope, first.scope);
    // A spent token with a scope within its grant is still 70008.
    assert.deepEqual((await refusedRefresh(p.config, narrowed.refresh_token as string, { scope: 'openid' })).codes, [70008]);
  });

  it('a scope beyond the grant: 400 invalid_scope AADSTS70011 naming it, and the token is not spent', async () => {
    const tokens = await signIn(p, alice, 'alice@contoso.example', 'openid offline_access https://graph.microsoft.com/PublicKeyInfrastructure.ReadWrite.All');
    const token = tokens.refresh_token as string;
    const beyond = await refusedRefresh(p.config, token, { scope: 'openid profile https://graph.microsoft.com/User.Read https://graph.microsoft.com/PublicKeyInfrastructure.ReadWrite.All' });
    assert.equal(beyond.status, 400);
    assert.equal(beyond.error, 'invalid_scope');
    assert.deepEqual(beyond.codes, [70011]);
    assert.match(beyond.description, /^AADSTS70011: .*Not granted to this refresh token: 'profile', 'https:\/\/graph\.microsoft\.com\/User\.Read'\./);
    const foreign = await refusedRefresh(p.config, token, { scope: 'openid api://contoso.example/files.read' });
    assert.equal(foreign.error, 'invalid_scope');
    assert.deepEqual(foreign.codes, [70011]);
    const stored = await p.t.server.store.repositories.refreshTokens.findUnredeemed(TENANT_A, DEV_CLIENT_ID, sha256(token));
    assert.ok(stored, 'the refused requests left the token unredeemed');
    // .default on a refresh is the grant's Graph permissions, not the client's wider defaults.
    const refreshed = await oidc.refreshTokenGrant(p.config, token, { scope: 'openid https://graph.microsoft.com/.default' });
    assert.equal(decodeJwt(refreshed.access_token).scp, 'PublicKeyInfrastructure.ReadWrite.All');
  });

  it('an id token only when the refresh’s scopes hold openid', async () => {
    const first = await signIn(p, alice, 'alice@contoso.example', 'openid offline_access https://graph.microsoft.com/PublicKeyInfrastructure.ReadWrite.All');
    const graphOnly = await oidc.refreshTokenGrant(p.config, first.refresh_token as string, { scope: 'https://graph.microsoft.com/PublicKeyInfrastructure.ReadWrite.All' });
    assert.equal(graphOnly.id_token, undefined);
    assert.equal(graphOnly.scope, 'https://graph.microsoft.com/PublicKeyInfrastructure.ReadWrite.All');
    assert.equal(decodeJwt(graphOnly.access_token).scp, 'PublicKeyInfrastructure.ReadWrite.All');
    // The grant keeps openid: a refresh without a scope has the id token again.
    const whole = await oidc.refreshTokenGrant(p.config, graphOnly.refresh_token as string);
    assert.ok(whole.id_token);
    assert.equal(whole.claims()?.sub, first.claims()?.sub);
  });

  it('a sign-in without openid: no id token on any redemption, and openid is beyond its grant (70011)', async () => {
    const first = await signIn(p, alice, 'alice@contoso.example', 'offline_access https://graph.microsoft.com/PublicKeyInfrastructure.ReadWrite.All');
    assert.equal(first.id_token, undefined);
    assert.equal(first.scope, 'offline_access https://graph.microsoft.com/PublicKeyInfrastructure.ReadWrite.All');
    const refreshed = await oidc.refreshTokenGrant(p.config, first.refresh_token as string);
    assert.equal(refreshed.id_token, undefined);
    assert.equal(refreshed.scope, first.scope);
    const refused = await refusedRefresh(p.config, refreshed.refresh_token as string, { scope: 'openid https://graph.microsoft.com/PublicKeyInfrastructure.ReadWrite.All' });
    assert.deepEqual(refused.codes, [70011]);
    assert.match(refused.description, /Not granted to this refresh token: 'openid'\./);
  });

  it('is stored by its SHA-256, never as issued', async () => {
    const tokens = await signIn(p, alice, 'alice@contoso.example');
    const token = tokens.refresh_token as string;
    const stored = p.t.server.store.repositories.refreshTokens;
    assert.equal((await stored.take(TENANT_A, DEV_CLIENT_ID, token, Date.now())).state, 'unknown');
    assert.equal((await stored.take(TENANT_A, DEV_CLIENT_ID, sha256(token), Date.now())).state, 'taken');
  });

  it('another client’s refresh grant is refused (70000) and leaves the token to its client', async () => {
    const admin = await mintAdminToken(p.t.server.signingKey, { ttlSeconds: 600 });
    const created = await send(p.t.url, 'POST', `/_admin/tenants/${TENANT_A}/oidcClients`, admin, { body: { clientId: OTHER_CLIENT, redirectUris: [REDIRECT] } });
    assert.equal(created.status, 201, created.text);
    const other = await oidc.discovery(new URL(`${p.signinUrl}/${TENANT_A}/v2.0`), OTHER_CLIENT, undefined, oidc.None(), { [oidc.customFetch]: trustingFetch(p.ca) });
    const tokens = await signIn(p, alice, 'alice@contoso.example');
    const refused = await refusedRefresh(other, tokens.refresh_token as string);
    assert.equal(refused.error, 'invalid_grant');
    assert.deepEqual(refused.codes, [70000]);
    assert.ok((await oidc.refreshTokenGrant(p.config, tokens.refresh_token as string)).access_token);
  });

  it('a refresh token that was never issued: 70008', async () => {
    assert.deepEqual((await refusedRefresh(p.config, 'not-a-token-this-server-issued')).codes, [70008]);
  });

  it('once the user is disabled: 50057; once deleted: 50034', async () => {
    const bob = await p.certificateFor('bob@contoso.example');
    const first = await signIn(p, bob, 'bob@contoso.example');
    const second = await signIn(p, bob, 'bob@contoso.example');
    await p.t.server.users.update(TENANT_A, 'bob@contoso.example', { accountEnabled: false });
    const disabled = await refusedRefresh(p.config, first.refresh_token as string);
    assert.equal(disabled.error, 'invalid_grant');
    assert.deepEqual(disabled.codes, [50057]);
    await p.t.server.users.softDelete(TENANT_A, 'bob@contoso.example');
    assert.deepEqual((await refusedRefresh(p.config, second.refresh_token as string)).codes, [50034]);
  });

  it('a tenant reset removes the tenant’s refresh tokens', async () => {
    const tokens = await signIn(p, alice, 'alice@contoso.example');
    const admin = await mintAdminToken(p.t.server.signingKey, { ttlSeconds: 600 });
    const reset = await send(p.t.url, 'DELETE', `/_admin/tenants/${TENANT_A}`, admin);
    assert.equal(reset.status, 200, reset.text);
    const stored = p.t.server.store.repositories.refreshTokens;
    assert.equal((await stored.take(TENANT_A, DEV_CLIENT_ID, sha256(tokens.refresh_token as string), Date.now())).state, 'unknown');
    // The dev client is built in and stays: the token is simply unknown now.
    assert.deepEqual((await refusedRefresh(p.config, tokens.refresh_token as string)).codes, [70008]);
  });
});

describe('refresh token lifetime (--signin-refresh-token-lifetime-seconds)', () => {
  let p: Provider;
  before(async () => {
    p = await startProvider(1);
  });
  after(() => p?.close());

  it('a refresh token past its lifetime: 70008', async () => {
    const alice = await p.certificateFor('alice@contoso.example');
    const tokens = await signIn(p, alice, 'alice@contoso.example');
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    const expired = await refusedRefresh(p.config, tokens.refresh_token as string);
    assert.equal(expired.error, 'invalid_grant');
    assert.deepEqual(expired.codes, [70008]);
  });

  it('asking beyond the grant: 70011 while the token lives, 70008 once it is past its lifetime', async () => {
    const bob = await p.certificateFor('bob@contoso.example');
    const tokens = await signIn(p, bob, 'bob@contoso.example', 'openid offline_access');
    assert.deepEqual((await refusedRefresh(p.config, tokens.refresh_token as string, { scope: 'openid profile' })).codes, [70011]);
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    assert.deepEqual((await refusedRefresh(p.config, tokens.refresh_token as string, { scope: 'openid profile' })).codes, [70008]);
  });
});
