// The certificate sign-in listener's /authorize over real TLS (Node's TLS client presenting the
// certificate): the OAuth checks before any certificate (client, redirect URI, PKCE), then Entra's AADSTS
// code for each certificate failure — none presented, CA not in the trust store, revoked — each written
// to the sign-in log.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_SIGNIN_CONFIG } from '../../src/config.ts';
import { DEV_CLIENT_ID } from '../../src/service/signin/oidc-clients.ts';
import { createChain, createCrl, createLeaf, type Chain } from '../helpers/certs.ts';
import { startFileServer, type FileServer } from '../helpers/file-server.ts';
import { clientCertificate, listenerCa, pkcePair, redirectQuery, setX509Policy, signinRequest } from '../helpers/signin-client.ts';
import { PKI_PATH, startTestServer, TENANT_A, type TestServer } from '../helpers/test-server.ts';

const REDIRECT = 'http://127.0.0.1:53682/callback';
let t: TestServer;
let files: FileServer;
let ca: Buffer;
let chain: Chain;
let signinUrl: string;

before(async () => {
  t = await startTestServer({ allowPrivateFetch: true, signin: { ...DEFAULT_SIGNIN_CONFIG, port: 0 } });
  files = await startFileServer();
  signinUrl = t.server.signinUrl as string;
  ca = await listenerCa(t.dataDir);
  chain = await createChain({ name: 'Sign-in', crlBaseUrl: files.url });
  files.set('/int1.crl', { body: (await createCrl({ issuer: chain.intermediates[0] as never })).der });
  // Certificate sign-in is off in a new tenant (the x509 method's default state).
  await setX509Policy(t, { state: 'enabled' });
  const pki = await t.request('POST', `/beta${PKI_PATH}`, { body: { displayName: 'Sign-in PKI' } });
  assert.equal(pki.status, 201, pki.text);
  for (const [cert, crl] of [
    [chain.root, null],
    [chain.intermediates[0], `${files.url}/int1.crl`],
  ] as const) {
    const res = await t.request('POST', `/beta${PKI_PATH}/${pki.body.id}/certificateAuthorities`, {
      body: { certificate: cert?.base64, certificateRevocationListUrl: crl },
    });
    assert.equal(res.status, 201, res.text);
  }
});
after(async () => {
  await t?.close();
  await files?.close();
});

function authorizePath(params: Record<string, string>): string {
  return `/${TENANT_A}/oauth2/v2.0/authorize?${new URLSearchParams(params)}`;
}

function codeRequest(extra: Record<string, string> = {}): Record<string, string> {
  return {
    client_id: DEV_CLIENT_ID,
    redirect_uri: REDIRECT,
    response_type: 'code',
    scope: 'openid profile https://graph.microsoft.com/.default',
    state: 'state-123',
    nonce: 'nonce-456',
    code_challenge: pkcePair().challenge,
    code_challenge_method: 'S256',
    ...extra,
  };
}

describe('/authorize before the certificate', () => {
  it('an unknown client gets AADSTS700016 here, not at the redirect URI', async () => {
    const res = await signinRequest(signinUrl, authorizePath(codeRequest({ client_id: 'no-such-client' })), ca);
    assert.equal(res.status, 400);
    assert.equal(res.body.error, 'unauthorized_client');
    assert.deepEqual(res.body.error_codes, [700016]);
    assert.match(res.body.error_description, /^AADSTS700016: Application with identifier 'no-such-client' was not found/);
  });

  it('a redirect URI the client does not have gets AADSTS50011', async () => {
    const res = await signinRequest(signinUrl, authorizePath(codeRequest({ redirect_uri: 'https://evil.example/cb' })), ca);
    assert.equal(res.status, 400);
    assert.deepEqual(res.body.error_codes, [50011]);
  });

  it('a public client without PKCE is sent back with invalid_request and its state', async () => {
    const params = codeRequest();
    delete (params as Record<string, string | undefined>).code_challenge;
    const query = redirectQuery(await signinRequest(signinUrl, authorizePath(params), ca));
    assert.equal(query.error, 'invalid_request');
    assert.match(query.error_description ?? '', /^AADSTS9002325: /);
    assert.equal(query.state, 'state-123');
  });

  it('a tenant that is not a GUID gets AADSTS90002', async () => {
    const res = await signinRequest(signinUrl, '/contoso.example/oauth2/v2.0/authorize', ca);
    assert.equal(res.status, 400);
    assert.deepEqual(res.body.error_codes, [90002]);
  });
});

describe('/authorize with the certificate of the TLS handshake', () => {
  it('no certificate presented: AADSTS50192', async () => {
    const query = redirectQuery(await signinRequest(signinUrl, authorizePath(codeRequest()), ca));
    assert.equal(query.error, 'invalid_request');
    assert.match(query.error_description ?? '', /^AADSTS50192: /);
  });

  it('a certificate of a CA the tenant does not have: AADSTS500176', async () => {
    const stranger = await createChain({ name: 'Stranger' });
    const client = await clientCertificate(stranger.leaf, stranger.intermediates);
    const query = redirectQuery(await signinRequest(signinUrl, authorizePath(codeRequest()), ca, { client }));
    assert.equal(query.error, 'access_denied');
    assert.match(query.error_description ?? '', /^AADSTS500176: The certificate authority that issued your certificate has not been set up in the tenant\./);
    assert.equal(query.error_uri, 'https://login.microsoftonline.com/error?code=500176');
  });

  it('a revoked certificate: AADSTS500171', async () => {
    const issuing = chain.intermediates[0];
    assert.ok(issuing);
    const revoked = await createLeaf({ subject: 'CN=Revoked Signer', issuer: issuing, extendedKeyUsage: ['1.3.6.1.5.5.7.3.2'] });
    files.set('/int1.crl', { body: (await createCrl({ issuer: issuing, revoked: [{ serialNumber: revoked.serialNumber, reason: 1 }] })).der });
    const client = await clientCertificate(revoked, [issuing]);
    const query = redirectQuery(await signinRequest(signinUrl, authorizePath(codeRequest()), ca, { client }));
    assert.match(query.error_description ?? '', /^AADSTS500171: Certificate has been revoked\./);
  });
});
