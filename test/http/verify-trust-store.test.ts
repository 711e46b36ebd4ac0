// POST /graph-pki/v1/verify over trust stores as people build them: a root + issuing CA .p7b uploaded
// from a file server (each CA with an ordinary CRL distribution point), then the issuing CA's CRL URL
// set: trusted for a good leaf, revoked for a revoked one. Also what a failed verdict names (CA, PKI,
// CRL URL, number and dates, why), a CA URL that is the CA's own CDP flagged in the verdict, and the
// same CA in several PKIs (every copy a candidate, a revocation through any copy wins).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createCa, createCrl, createLeaf, p7bOf, sha256Hex, type TestCert } from '../helpers/certs.ts';
import { startFileServer, type FileServer } from '../helpers/file-server.ts';
import { PKI_PATH, startTestServer, type TestServer } from '../helpers/test-server.ts';

const VERIFY = '/graph-pki/v1/verify';
const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';

let t: TestServer;
let files: FileServer;
let root: TestCert;
let issuing: TestCert;
let good: TestCert;
let revoked: TestCert;
let pkiId: string;
const ids: Record<string, string> = {};

// biome-ignore lint/suspicious/noExplicitAny: response bodies
type Body = any;

before(async () => {
  t = await startTestServer({ allowPrivateFetch: true });
  files = await startFileServer();
  root = await createCa({ subject: 'CN=Store Root, O=Fabrikam' });
  // An ordinary issuing CA: its CDP names the root's CRL.
  issuing = await createCa({ subject: 'CN=Store Issuing CA 1, O=Fabrikam', issuer: root, crlDistributionPoints: [`${files.url}/root.crl`] });
  good = await createLeaf({ subject: 'CN=Good User, O=Fabrikam', issuer: issuing, extendedKeyUsage: [CLIENT_AUTH], crlDistributionPoints: [`${files.url}/issuing.crl`] });
  revoked = await createLeaf({ subject: 'CN=Revoked User, O=Fabrikam', issuer: issuing, extendedKeyUsage: [CLIENT_AUTH], crlDistributionPoints: [`${files.url}/issuing.crl`] });
  files.set('/root.crl', { body: (await createCrl({ issuer: root })).der });
  files.set('/issuing.crl', { body: (await createCrl({ issuer: issuing, revoked: [{ serialNumber: revoked.serialNumber, reason: 1 }] })).der });

  const bundle = p7bOf([root, issuing]);
  files.set('/fabrikam.p7b', { body: bundle });
  pkiId = await newPki('Uploaded PKI');
  const res = await t.request('POST', `/beta${PKI_PATH}/${pkiId}/upload`, { body: { uploadUrl: `${files.url}/fabrikam.p7b`, sha256FileHash: sha256Hex(bundle) } });
  assert.equal(res.status, 204, res.text);
  await settled(pkiId);
  for (const ca of (await t.request('GET', `/beta${PKI_PATH}/${pkiId}/certificateAuthorities`)).body.value) ids[ca.displayName] = ca.id;
});
after(async () => {
  await t.close();
  await files.close();
});

async function newPki(displayName: string): Promise<string> {
  const res = await t.request('POST', `/beta${PKI_PATH}`, { body: { displayName } });
  assert.equal(res.status, 201, res.text);
  return res.body.id;
}

async function settled(id: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const pki = (await t.request('GET', `/beta${PKI_PATH}/${id}`)).body;
    if (pki.status !== 'running') {
      assert.equal(pki.status, 'succeeded', pki.statusDetails);
      return;
    }
    if (Date.now() > deadline) throw new Error('upload still running');
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function addCa(pki: string, cert: TestCert, crlUrl: string | null): Promise<string> {
  const res = await t.request('POST', `/beta${PKI_PATH}/${pki}/certificateAuthorities`, { body: { certificate: cert.base64, certificateRevocationListUrl: crlUrl } });
  assert.equal(res.status, 201, res.text);
  return res.body.id;
}

async function setCrlUrl(pki: string, caId: string, url: string | null): Promise<void> {
  const res = await t.request('PATCH', `/beta${PKI_PATH}/${pki}/certificateAuthorities/${caId}`, { body: { certificateRevocationListUrl: url } });
  assert.equal(res.status, 200, res.text);
}

async function verify(leaf: TestCert): Promise<Body> {
  const res = await t.request('POST', VERIFY, { body: { certificate: leaf.base64 } });
  assert.equal(res.status, 200, res.text);
  return res.body;
}

describe('a root + issuing CA .p7b uploaded, then the issuing CA given its CRL URL', () => {
  it("takes the root's URL from the issuing CA's CDP and leaves the issuing CA's empty", async () => {
    const cas = (await t.request('GET', `/beta${PKI_PATH}/${pkiId}/certificateAuthorities`)).body.value as Body[];
    const url = (name: string) => cas.find((ca) => ca.displayName === name)?.certificateRevocationListUrl;
    assert.equal(url('Store Root'), `${files.url}/root.crl`);
    assert.equal(url('Store Issuing CA 1'), null);
  });

  it('trusts a good leaf and finds a revoked one revoked, checking both CRLs', async () => {
    await setCrlUrl(pkiId, ids['Store Issuing CA 1'] as string, `${files.url}/issuing.crl`);
    const ok = await verify(good);
    assert.equal(ok.trusted, true, ok.message);
    assert.equal(ok.path[0].revocation.crlUrl, `${files.url}/issuing.crl`);
    assert.equal(ok.path[1].revocation.crlUrl, `${files.url}/root.crl`);
    assert.equal(ok.path[1].trustStore.certificateAuthorityId, ids['Store Issuing CA 1']);
    assert.equal(ok.failure, null);

    const no = await verify(revoked);
    assert.equal(no.trusted, false);
    assert.equal(no.reason, 'revoked', no.message);
    assert.equal(no.failedAt, 0);
    assert.equal(no.failure.certificateAuthorityId, ids['Store Issuing CA 1']);
    assert.equal(no.failure.publicKeyInfrastructureId, pkiId);
    assert.equal(no.failure.crlUrl, `${files.url}/issuing.crl`);
    assert.equal(no.failure.crlKind, 'base');
    assert.match(no.failure.crlNumber, /^\d+$/);
    assert.ok(Date.parse(no.failure.thisUpdate) < Date.now() && Date.parse(no.failure.nextUpdate) > Date.now(), JSON.stringify(no.failure));
  });

  it("flags a CA whose URL is its own CDP: crl_invalid says the URL names the issuer's CRL, and names the CRL", async () => {
    await setCrlUrl(pkiId, ids['Store Issuing CA 1'] as string, `${files.url}/root.crl`);
    try {
      const body = await verify(good);
      assert.equal(body.reason, 'crl_invalid', body.message);
      assert.match(body.message, /is its own CRL distribution point, which names the CRL of its issuer 'CN=Store Root, O=Fabrikam'/);
      assert.equal(body.failure.certificateAuthorityId, ids['Store Issuing CA 1']);
      assert.equal(body.failure.crlUrl, `${files.url}/root.crl`);
      assert.equal(body.failure.crlKind, 'base');
      assert.equal(body.failure.why, 'signer');
      assert.match(body.failure.crlNumber, /^\d+$/);
    } finally {
      await setCrlUrl(pkiId, ids['Store Issuing CA 1'] as string, `${files.url}/issuing.crl`);
    }
  });

  it('names the CA, PKI and URL of a CRL that cannot be had', async () => {
    await setCrlUrl(pkiId, ids['Store Issuing CA 1'] as string, `${files.url}/missing.crl`);
    try {
      const body = await verify(good);
      assert.equal(body.reason, 'crl_unavailable', body.message);
      assert.deepEqual(
        { ...body.failure },
        {
          certificateAuthorityId: ids['Store Issuing CA 1'],
          publicKeyInfrastructureId: pkiId,
          crlUrl: `${files.url}/missing.crl`,
          crlKind: 'base',
          crlNumber: null,
          thisUpdate: null,
          nextUpdate: null,
          why: null,
        },
      );
    } finally {
      await setCrlUrl(pkiId, ids['Store Issuing CA 1'] as string, `${files.url}/issuing.crl`);
    }
  });
});

describe('a delta CRL that cannot be used', () => {
  it('names the delta CRL and its URL, not the base, when the delta is not a CRL', async () => {
    const caId = ids['Store Issuing CA 1'] as string;
    files.set('/broken-delta.crl', { body: Buffer.from('this is not a CRL') });
    const patch = await t.request('PATCH', `/beta${PKI_PATH}/${pkiId}/certificateAuthorities/${caId}`, { body: { deltaCertificateRevocationListUrl: `${files.url}/broken-delta.crl` } });
    assert.equal(patch.status, 200, patch.text);
    try {
      const body = await verify(good);
      assert.equal(body.reason, 'crl_invalid', body.message);
      assert.match(body.message, /broken-delta\.crl/);
      assert.equal(body.failure.certificateAuthorityId, caId);
      assert.equal(body.failure.crlUrl, `${files.url}/broken-delta.crl`);
      assert.equal(body.failure.crlKind, 'delta');
    } finally {
      await t.request('PATCH', `/beta${PKI_PATH}/${pkiId}/certificateAuthorities/${caId}`, { body: { deltaCertificateRevocationListUrl: null } });
    }
  });
});

describe('the same CA in several PKIs', () => {
  let otherRoot: TestCert;
  let otherIssuing: TestCert;
  let userA: TestCert;
  let userB: TestCert;
  let pkiA: string;
  let pkiB: string;
  let issuingA: string;
  let issuingB: string;

  before(async () => {
    otherRoot = await createCa({ subject: 'CN=Copies Root, O=Fabrikam' });
    otherIssuing = await createCa({ subject: 'CN=Copies Issuing CA, O=Fabrikam', issuer: otherRoot });
    userA = await createLeaf({ subject: 'CN=Copies User A, O=Fabrikam', issuer: otherIssuing, extendedKeyUsage: [CLIENT_AUTH] });
    userB = await createLeaf({ subject: 'CN=Copies User B, O=Fabrikam', issuer: otherIssuing, extendedKeyUsage: [CLIENT_AUTH] });
    files.set('/copies-good.crl', { body: (await createCrl({ issuer: otherIssuing })).der });
    files.set('/copies-revokes-b.crl', { body: (await createCrl({ issuer: otherIssuing, revoked: [{ serialNumber: userB.serialNumber }] })).der });
    pkiA = await newPki('Copies A');
    pkiB = await newPki('Copies B');
    await addCa(pkiA, otherRoot, null);
    await addCa(pkiB, otherRoot, null);
    issuingA = await addCa(pkiA, otherIssuing, `${files.url}/copies-missing.crl`);
    issuingB = await addCa(pkiB, otherIssuing, `${files.url}/copies-good.crl`);
  });

  it('succeeds through the copy whose CRL checks pass, naming that copy', async () => {
    const body = await verify(userA);
    assert.equal(body.trusted, true, body.message);
    assert.equal(body.path[1].trustStore.certificateAuthorityId, issuingB);
    assert.equal(body.path[1].trustStore.publicKeyInfrastructureId, pkiB);
    assert.equal(body.path[0].revocation.crlUrl, `${files.url}/copies-good.crl`);
  });

  it('fails, naming the first copy, when no copy passes', async () => {
    await setCrlUrl(pkiB, issuingB, `${files.url}/copies-missing-too.crl`);
    try {
      const body = await verify(userA);
      assert.equal(body.reason, 'crl_unavailable', body.message);
      assert.ok([issuingA, issuingB].includes(body.failure.certificateAuthorityId));
    } finally {
      await setCrlUrl(pkiB, issuingB, `${files.url}/copies-good.crl`);
    }
  });

  it("is revoked when any copy's CRL revokes it, even if another copy has no CRL URL", async () => {
    await setCrlUrl(pkiA, issuingA, null);
    await setCrlUrl(pkiB, issuingB, `${files.url}/copies-revokes-b.crl`);
    try {
      const b = await verify(userB);
      assert.equal(b.reason, 'revoked', b.message);
      assert.equal(b.failure.certificateAuthorityId, issuingB);
      assert.equal(b.failure.publicKeyInfrastructureId, pkiB);
      // The other leaf passes through both copies; the one that checked a CRL is named.
      const a = await verify(userA);
      assert.equal(a.trusted, true, a.message);
      assert.equal(a.path[1].trustStore.certificateAuthorityId, issuingB);
    } finally {
      await setCrlUrl(pkiA, issuingA, `${files.url}/copies-missing.crl`);
      await setCrlUrl(pkiB, issuingB, `${files.url}/copies-good.crl`);
    }
  });
});

describe('the RFC 5280 policy inputs of POST /verify', () => {
  let policyLeaf: TestCert;

  before(async () => {
    const policyRoot = await createCa({ subject: 'CN=Policy Inputs Root, O=Fabrikam' });
    // The issuing CA asserts only anyPolicy; the leaf asserts 1.2.3.4.
    const policyIssuing = await createCa({ subject: 'CN=Policy Inputs Issuing CA, O=Fabrikam', issuer: policyRoot, certificatePolicies: ['2.5.29.32.0'] });
    policyLeaf = await createLeaf({ subject: 'CN=Policy Inputs User, O=Fabrikam', issuer: policyIssuing, extendedKeyUsage: [CLIENT_AUTH], certificatePolicies: ['1.2.3.4'] });
    const pki = await newPki('Policy inputs');
    await addCa(pki, policyRoot, null);
    await addCa(pki, policyIssuing, null);
  });

  const verifyWith = async (inputs: Record<string, unknown>): Promise<Body> => {
    const res = await t.request('POST', VERIFY, { body: { certificate: policyLeaf.base64, ...inputs } });
    assert.equal(res.status, 200, res.text);
    return res.body;
  };

  it('applies the initial policy set and an explicit policy requirement', async () => {
    assert.equal((await verifyWith({})).trusted, true);
    const wanted = await verifyWith({ initialPolicies: ['1.2.3.4'], requireExplicitPolicy: true });
    assert.equal(wanted.trusted, true, wanted.message);
    const other = await verifyWith({ initialPolicies: ['1.2.3.5'], requireExplicitPolicy: true });
    assert.equal(other.reason, 'policy_violation', other.message);
    // Without an explicit policy required, a path valid for no policy of the set still passes (RFC 5280).
    assert.equal((await verifyWith({ initialPolicies: ['1.2.3.5'] })).trusted, true);
  });

  it('inhibits anyPolicy: the issuing CA then asserts no usable policy', async () => {
    assert.equal((await verifyWith({ requireExplicitPolicy: true, inhibitAnyPolicy: false })).trusted, true);
    const inhibited = await verifyWith({ requireExplicitPolicy: true, inhibitAnyPolicy: true, inhibitPolicyMapping: true });
    assert.equal(inhibited.reason, 'policy_violation', inhibited.message);
  });

  for (const [what, inputs, message] of [
    ['a string for a boolean', { requireExplicitPolicy: 'true' }, /requireExplicitPolicy/],
    ['a number for a boolean', { inhibitAnyPolicy: 1 }, /inhibitAnyPolicy/],
    ['a string for the policy list', { initialPolicies: '1.2.3.4' }, /initialPolicies/],
    ['a policy that is not an OID', { initialPolicies: ['policy-a'] }, /initialPolicies/],
    ['an empty policy list', { initialPolicies: [] }, /initialPolicies/],
    ['an unknown property', { inhibitPolicyMappings: true }, /inhibitPolicyMappings/],
  ] as const) {
    it(`refuses ${what} with 400 and Graph's error envelope`, async () => {
      const res = await t.request('POST', VERIFY, { body: { certificate: policyLeaf.base64, ...inputs } });
      assert.equal(res.status, 400, res.text);
      assert.match(res.body.error.message, message);
    });
  }
});
