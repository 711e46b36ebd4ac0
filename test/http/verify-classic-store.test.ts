// POST /graph-pki/v1/verify with the classic store (organization/{id}/certificateBasedAuthConfiguration)
// beside the PKIs: a CA only in the classic store is trusted, with its CRL checked; a CA in both stores is
// checked through its PKI copy when the CRL URLs agree, and through the classic copy when the PKI copy has
// no CRL or the URLs differ (Entra's rule, spec cba-setup-and-signin.md §3), the verdict saying which store
// and why; another tenant's classic store trusts nothing here.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PERMISSION_ORGANIZATION_READ_WRITE, PERMISSION_READ_WRITE } from '../../src/auth/permissions.ts';
import { createCa, createCrl, createLeaf, type TestCert } from '../helpers/certs.ts';
import { startFileServer, type FileServer } from '../helpers/file-server.ts';
import { PKI_PATH, startTestServer, TENANT_A, TENANT_B, type TestServer } from '../helpers/test-server.ts';

const VERIFY = '/graph-pki/v1/verify';
const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';
const CONFIGURATION_ID = '29728ade-6ae4-4ee9-9103-412912537da5';

let t: TestServer;
let files: FileServer;
let admin: string;
let root: TestCert;
let good: TestCert;
let revoked: TestCert;

// biome-ignore lint/suspicious/noExplicitAny: response bodies
type Body = any;

before(async () => {
  t = await startTestServer({ allowPrivateFetch: true });
  files = await startFileServer();
  admin = await t.token({ appRoles: [PERMISSION_ORGANIZATION_READ_WRITE, PERMISSION_READ_WRITE] });
  root = await createCa({ subject: 'CN=Legacy Root, O=Woodgrove' });
  good = await createLeaf({ subject: 'CN=Good Legacy User', issuer: root, extendedKeyUsage: [CLIENT_AUTH] });
  revoked = await createLeaf({ subject: 'CN=Revoked Legacy User', issuer: root, extendedKeyUsage: [CLIENT_AUTH] });
  // One CRL that revokes `revoked`, one that revokes nothing.
  files.set('/revoking.crl', { body: (await createCrl({ issuer: root, revoked: [{ serialNumber: revoked.serialNumber, reason: 1 }] })).der });
  files.set('/clean.crl', { body: (await createCrl({ issuer: root })).der });
});
after(async () => {
  await t.close();
  await files.close();
});

async function setClassic(crlUrl: string | null, tenant = TENANT_A, token = admin): Promise<void> {
  const path = `/v1.0/organization/${tenant}/certificateBasedAuthConfiguration`;
  await t.request('DELETE', `${path}/${CONFIGURATION_ID}`, { token });
  const res = await t.request('POST', path, { token, body: { certificateAuthorities: [{ isRootAuthority: true, certificate: root.base64, certificateRevocationListUrl: crlUrl }] } });
  assert.equal(res.status, 201, res.text);
}

async function clearClassic(): Promise<void> {
  await t.request('DELETE', `/v1.0/organization/${TENANT_A}/certificateBasedAuthConfiguration/${CONFIGURATION_ID}`, { token: admin });
}

/** A new PKI holding the root with this CRL URL; returns the PKI id. */
async function pkiWithRoot(crlUrl: string | null): Promise<string> {
  const pki = await t.request('POST', `/beta${PKI_PATH}`, { token: admin, body: { displayName: `PKI ${crlUrl}` } });
  assert.equal(pki.status, 201, pki.text);
  const ca = await t.request('POST', `/beta${PKI_PATH}/${pki.body.id}/certificateAuthorities`, { token: admin, body: { certificate: root.base64, certificateRevocationListUrl: crlUrl } });
  assert.equal(ca.status, 201, ca.text);
  return pki.body.id;
}

async function deletePki(id: string): Promise<void> {
  assert.equal((await t.request('DELETE', `/beta${PKI_PATH}/${id}`, { token: admin })).status, 204);
}

async function verify(leaf: TestCert, token = admin): Promise<Body> {
  const res = await t.request('POST', VERIFY, { token, body: { certificate: leaf.base64 } });
  assert.equal(res.status, 200, res.text);
  return res.body;
}

describe('verification with the classic store', () => {
  it('trusts a leaf of a CA that is only in the classic store, and checks that CA’s CRL', async () => {
    assert.equal((await verify(good)).reason, 'untrusted_root');
    await setClassic(`${files.url}/revoking.crl`);
    const ok = await verify(good);
    assert.equal(ok.trusted, true, ok.message);
    assert.equal(ok.path[1].trustStore.store, 'classic');
    assert.equal(ok.path[1].trustStore.publicKeyInfrastructureId, CONFIGURATION_ID);
    assert.equal(ok.path[1].trustStore.legacyStoreUseInformation, 'The CA is only in the classic store.');
    assert.equal(ok.path[0].revocation.crlUrl, `${files.url}/revoking.crl`);
    const no = await verify(revoked);
    assert.equal(no.trusted, false);
    assert.equal(no.reason, 'revoked');
    assert.equal(no.failure.publicKeyInfrastructureId, CONFIGURATION_ID);
    await clearClassic();
    assert.equal((await verify(good)).reason, 'untrusted_root', 'deleting the classic store removes the trust');
  });

  it('uses the PKI copy when both copies name the same CRL', async () => {
    const pkiId = await pkiWithRoot(`${files.url}/clean.crl`);
    await setClassic(`${files.url}/clean.crl`);
    const ok = await verify(revoked);
    assert.equal(ok.trusted, true, ok.message);
    assert.equal(ok.path[1].trustStore.store, 'pki');
    assert.equal(ok.path[1].trustStore.publicKeyInfrastructureId, pkiId);
    assert.equal(ok.path[1].trustStore.legacyStoreUseInformation, undefined);
    await deletePki(pkiId);
    await clearClassic();
  });

  it('uses the classic copy when the PKI copy has no CRL and the classic copy has one', async () => {
    const pkiId = await pkiWithRoot(null);
    await setClassic(`${files.url}/revoking.crl`);
    const no = await verify(revoked);
    assert.equal(no.trusted, false, 'the classic copy’s CRL decided');
    assert.equal(no.reason, 'revoked');
    const ok = await verify(good);
    assert.equal(ok.path[1].trustStore.store, 'classic');
    assert.equal(ok.path[1].trustStore.legacyStoreUseInformation, 'The PKI store copy has no CRL and the classic store copy has one.');
    await deletePki(pkiId);
    await clearClassic();
  });

  it('uses the classic copy when the CRL URLs differ, even when the PKI copy’s CRL would revoke', async () => {
    const pkiId = await pkiWithRoot(`${files.url}/revoking.crl`);
    await setClassic(`${files.url}/clean.crl`);
    const ok = await verify(revoked);
    assert.equal(ok.trusted, true, ok.message);
    assert.equal(ok.path[1].trustStore.store, 'classic');
    assert.equal(ok.path[1].trustStore.legacyStoreUseInformation, 'The CRL URLs of the PKI store copy and the classic store copy differ.');
    assert.equal(ok.path[0].revocation.crlUrl, `${files.url}/clean.crl`);
    // Without the classic store the PKI copy decides again.
    await clearClassic();
    assert.equal((await verify(revoked)).reason, 'revoked');
    await deletePki(pkiId);
  });

  it('does not trust another tenant’s classic store', async () => {
    const tenantB = await t.token({ tenantId: TENANT_B, appRoles: [PERMISSION_ORGANIZATION_READ_WRITE, PERMISSION_READ_WRITE] });
    await setClassic(null, TENANT_B, tenantB);
    assert.equal((await verify(good, tenantB)).trusted, true);
    assert.equal((await verify(good)).reason, 'untrusted_root');
  });
});
