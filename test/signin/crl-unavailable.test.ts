// A certificate sign-in whose CRL cannot be had, driven by a real OIDC client (openid-client 6) with the
// certificate presented over real TLS: the issuing CA's CRL URL points at a loopback server that answers
// 404, then at one that never answers. The client gets the OAuth error with Entra's code (500173
// "Invalid status code NotFound", spec §6; 2205012 for a download over the time limit), its placeholders
// filled, and the sign-in log records the attempt with that code, message and CRL URL. Then CRLs that can
// be had but not used: DER without a nextUpdate gets CRL health's 500174, an HTML page 2205011.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as oidc from 'openid-client';
import { PERMISSION_AUDIT_LOG_READ, PERMISSION_DIRECTORY_READ_ALL } from '../../src/auth/permissions.ts';
import { DEFAULT_CRL_CONFIG, DEFAULT_SIGNIN_CONFIG } from '../../src/config.ts';
import { DEV_CLIENT_ID } from '../../src/service/signin/oidc-clients.ts';
import { createCa, createCrl, createLeaf, type TestCert, x509 } from '../helpers/certs.ts';
import { type FileServer, startFileServer } from '../helpers/file-server.ts';
import { assertNoPlaceholder, type ClientCertificate, clientCertificate, listenerCa, setX509Policy, signinRequest, trustingFetch } from '../helpers/signin-client.ts';
import { PKI_PATH, startTestServer, TENANT_A, type TestServer } from '../helpers/test-server.ts';

const REDIRECT = 'http://127.0.0.1:53682/callback';
const TIMEOUT_MS = 1500;

let t: TestServer;
let files: FileServer;
let ca: Buffer;
let signinUrl: string;
let config: oidc.Configuration;
let auditToken: string;

/** A root CA in the tenant's PKI whose CRL URL is `crlPath` on the loopback file server, and a leaf of it. */
async function caWithCrlAt(crlPath: string, pkiId: string): Promise<TestCert> {
  const root = await createCa({ subject: `CN=Unavailable CRL ${crlPath}, O=Contoso` });
  const res = await t.request('POST', `/beta${PKI_PATH}/${pkiId}/certificateAuthorities`, { body: { certificate: root.base64, certificateRevocationListUrl: `${files.url}${crlPath}` } });
  assert.equal(res.status, 201, res.text);
  return root;
}

let gone: TestCert;
let stalled: TestCert;
let endless: TestCert;
let html: TestCert;

before(async () => {
  t = await startTestServer({ allowPrivateFetch: true, signin: { ...DEFAULT_SIGNIN_CONFIG, port: 0 }, crl: { ...DEFAULT_CRL_CONFIG, crlDownloadTimeoutMs: TIMEOUT_MS } });
  files = await startFileServer();
  files.set('/stalled.crl', { stall: true });
  signinUrl = t.server.signinUrl as string;
  ca = await listenerCa(t.dataDir);
  await setX509Policy(t, { state: 'enabled' });
  const pki = await t.request('POST', `/beta${PKI_PATH}`, { body: { displayName: 'Unavailable CRL PKI' } });
  assert.equal(pki.status, 201, pki.text);
  gone = await caWithCrlAt('/gone.crl', pki.body.id);
  stalled = await caWithCrlAt('/stalled.crl', pki.body.id);
  endless = await caWithCrlAt('/endless.crl', pki.body.id);
  files.set('/endless.crl', { body: (await createCrl({ issuer: endless, nextUpdate: null })).der });
  html = await caWithCrlAt('/html.crl', pki.body.id);
  files.set('/html.crl', { body: Buffer.from('<html><body>Moved</body></html>') });
  await t.server.users.create(TENANT_A, { userPrincipalName: 'alice@contoso.example', displayName: 'Alice', accountEnabled: true });
  auditToken = await t.token({ appRoles: [PERMISSION_AUDIT_LOG_READ, PERMISSION_DIRECTORY_READ_ALL] });
  config = await oidc.discovery(new URL(`${signinUrl}/${TENANT_A}/v2.0`), DEV_CLIENT_ID, undefined, oidc.None(), { [oidc.customFetch]: trustingFetch(ca) });
});
after(async () => {
  await t?.close();
  await files?.close();
});

function leafOf(issuer: TestCert): Promise<TestCert> {
  return createLeaf({ subject: 'CN=Alice', issuer, extendedKeyUsage: [x509.ExtendedKeyUsage.clientAuth], subjectAltNames: [{ type: 'upn', value: 'alice@contoso.example' }] });
}

/** Authorize (URL by openid-client, followed over TLS with the certificate), then the code grant: the client's error. */
async function signInError(client: ClientCertificate): Promise<oidc.AuthorizationResponseError> {
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT,
    scope: 'openid profile https://graph.microsoft.com/.default',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    login_hint: 'alice@contoso.example',
  });
  const response = await signinRequest(signinUrl, `${url.pathname}${url.search}`, ca, { client });
  assert.equal(response.status, 302, response.text);
  const location = new URL(response.headers.location as string);
  try {
    await oidc.authorizationCodeGrant(config, location, { pkceCodeVerifier: verifier, expectedState: state });
  } catch (error) {
    assert.ok(error instanceof oidc.AuthorizationResponseError, String(error));
    assertNoPlaceholder(error.error_description ?? '');
    return error;
  }
  assert.fail(`the sign-in succeeded: ${location}`);
}

async function latestLogEntry() {
  const res = await t.request('GET', '/beta/auditLogs/signIns?$top=1', { token: auditToken });
  assert.equal(res.status, 200, res.text);
  const [entry] = res.body.value;
  assertNoPlaceholder(entry.status.failureReason);
  return { entry, details: Object.fromEntries(entry.authenticationProcessingDetails.map((d: { key: string; value: string }) => [d.key, d.value])) };
}

describe('the CRL distribution point answers 404', () => {
  it('the OIDC client gets access_denied with AADSTS500173 "Invalid status code NotFound"', async () => {
    const error = await signInError(await clientCertificate(await leafOf(gone)));
    assert.equal(error.error, 'access_denied');
    assert.match(
      error.error_description ?? '',
      /^AADSTS500173: Unable to download a Certificate Revocation List \(CRL\)\. Invalid status code NotFound from CRL distribution point\. Please contact your administrator\.\r\nTrace ID: /,
    );
    assert.equal(error.cause.get('error_uri'), 'https://login.microsoftonline.com/error?code=500173');
    assert.equal(files.hits.get('/gone.crl'), 1);
  });

  it('the sign-in log records the failure: code, message, the user, the CRL URL and what happened', async () => {
    const { entry, details } = await latestLogEntry();
    assert.equal(entry.status.errorCode, 500173);
    assert.equal(entry.status.failureReason, 'Unable to download a Certificate Revocation List (CRL). Invalid status code NotFound from CRL distribution point. Please contact your administrator.');
    assert.match(entry.status.additionalDetails, /gone\.crl cannot be downloaded: the server answered HTTP 404/);
    assert.equal(entry.userPrincipalName, 'alice@contoso.example');
    assert.equal(entry.authenticationDetails[0].succeeded, false);
    assert.equal(details['Certificate revocation list'], `${files.url}/gone.crl (CRL number unknown)`);
  });
});

describe('the CRL distribution point never answers', () => {
  it('after the download timeout the OIDC client gets AADSTS2205012 naming the URL, and the log records it', async () => {
    const started = Date.now();
    const error = await signInError(await clientCertificate(await leafOf(stalled)));
    assert.ok(Date.now() - started >= TIMEOUT_MS - 100, `answered after ${Date.now() - started} ms`);
    assert.equal(error.error, 'access_denied');
    const message = `The attempt to download the Certificate Revocation List (CRL) from '${files.url}/stalled.crl' during the interactive sign-in has timed out. Please try again in a few minutes.`;
    assert.ok((error.error_description ?? '').startsWith(`AADSTS2205012: ${message}\r\n`), error.error_description);
    const { entry } = await latestLogEntry();
    assert.equal(entry.status.errorCode, 2205012);
    assert.equal(entry.status.failureReason, message);
  });
});

describe('the CRL can be had but not used', () => {
  it('DER without a nextUpdate: AADSTS500174, as CRL health says, in the OIDC error and the log', async () => {
    const message = 'Unable to construct valid Certificate Revocation List (CRL) from response.';
    const error = await signInError(await clientCertificate(await leafOf(endless)));
    assert.ok((error.error_description ?? '').startsWith(`AADSTS500174: ${message}\r\n`), error.error_description);
    const { entry } = await latestLogEntry();
    assert.equal(entry.status.errorCode, 500174);
    assert.equal(entry.status.failureReason, message);
    assert.match(entry.status.additionalDetails, /has no nextUpdate/);
  });

  it('not ASN.1 at all (an HTML page): AADSTS2205011', async () => {
    const error = await signInError(await clientCertificate(await leafOf(html)));
    assert.match(error.error_description ?? '', /^AADSTS2205011: The downloaded Certificate Revocation List \(CRL\) is not in a valid ASN\.1 encoding format\./);
    assert.equal((await latestLogEntry()).entry.status.errorCode, 2205011);
  });
});
