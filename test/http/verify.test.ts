// POST /graph-pki/v1/verify against the tenant's trust store: paths through store CAs up to the root,
// revocation with the CAs' CRLs (downloaded from a server in the test, cached, fail closed), the x509
// policy's verdict, and the usual auth, tenant and input rules.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createCa, createCrl, createLeaf, type TestCert } from '../helpers/certs.ts';
import { startFileServer, type FileServer } from '../helpers/file-server.ts';
import { PKI_PATH, send, startTestServer, TENANT_B, tokens, type TestServer } from '../helpers/test-server.ts';

const VERIFY = '/graph-pki/v1/verify';
let t: TestServer;
let files: FileServer;
let root: TestCert;
let issuing: TestCert;
let alice: TestCert;
let pkiId: string;
const ids: Record<string, string> = {};

before(async () => {
  t = await startTestServer({ allowPrivateFetch: true });
  files = await startFileServer();
  root = await createCa({ subject: 'CN=Verify Root, O=Contoso' });
  issuing = await createCa({ subject: 'CN=Verify Issuing CA, O=Contoso', issuer: root });
  alice = await createLeaf({
    subject: 'CN=Alice, O=Contoso',
    issuer: issuing,
    extendedKeyUsage: ['1.3.6.1.5.5.7.3.2'],
    subjectAltNames: [{ type: 'upn', value: 'alice@contoso.test' }, { type: 'email', value: 'alice@contoso.test' }],
    certificatePolicies: ['1.2.3.4.5'],
  });
  pkiId = (await t.request('POST', `/beta${PKI_PATH}`, { body: { displayName: 'Verify PKI' } })).body.id;
  for (const [name, cert] of [['root', root], ['issuing', issuing]] as const) {
    ids[name] = (await t.request('POST', `/beta${PKI_PATH}/${pkiId}/certificateAuthorities`, { body: { certificate: cert.base64 } })).body.id;
  }
});
after(async () => {
  await t.close();
  await files.close();
});

const verify = (body: Record<string, unknown>, token?: string) => t.request('POST', VERIFY, { body, ...(token ? { token } : {}) });
const setCrlUrl = (caId: string, url: string | null) =>
  t.request('PATCH', `/beta${PKI_PATH}/${pkiId}/certificateAuthorities/${caId}`, { body: { certificateRevocationListUrl: url } });

describe('paths through the trust store', () => {
  it('trusts a leaf issued by a store intermediate, naming every CA and PKI up to the root', async () => {
    const res = await verify({ certificate: alice.base64 });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.trusted, true, res.body.message);
    assert.equal(res.body.reason, null);
    assert.deepEqual(res.body.path.map((p: { subject: string }) => p.subject), ['CN=Alice, O=Contoso', 'CN=Verify Issuing CA, O=Contoso', 'CN=Verify Root, O=Contoso']);
    assert.deepEqual(res.body.path.map((p: { role: string }) => p.role), ['leaf', 'intermediate', 'trustAnchor']);
    assert.equal(res.body.path[1].trustStore.certificateAuthorityId, ids.issuing);
    assert.equal(res.body.path[2].trustStore.certificateAuthorityId, ids.root);
    assert.equal(res.body.path[2].trustStore.publicKeyInfrastructureId, pkiId);
    assert.deepEqual(res.body.path[0].revocation, { checked: false, why: 'the CA has no CRL URL' });
  });

  it('accepts PEM text too', async () => {
    assert.equal((await verify({ certificate: alice.pem })).body.trusted, true);
  });

  it('reports untrusted_root for a certificate of another PKI, and expired at a later time', async () => {
    const stranger = await createLeaf({ subject: 'CN=Mallory', issuer: await createCa({ subject: 'CN=Other Root' }) });
    const other = await verify({ certificate: stranger.base64 });
    assert.equal(other.body.trusted, false);
    assert.equal(other.body.reason, 'untrusted_root');
    assert.equal(other.body.policy, null);
    const later = await verify({ certificate: alice.base64, validationTime: '2099-01-01T00:00:00Z' });
    assert.equal(later.body.reason, 'expired');
  });

  it('does not trust CAs of another tenant, nor of a deleted PKI', async () => {
    const tokenB = await t.token({ tenantId: TENANT_B });
    const res = await send(t.url, 'POST', VERIFY, tokenB, { body: { certificate: alice.base64 } });
    assert.equal(res.body.reason, 'untrusted_root');
  });
});

describe('revocation with the CAs CRLs', () => {
  it('finds a revoked leaf through the issuing CA CRL, downloads once and then uses the cache', async () => {
    const crl = await createCrl({ issuer: issuing, revoked: [{ serialNumber: alice.serialNumber }], crlNumber: 5 });
    files.set('/issuing.crl', { body: crl.der });
    await setCrlUrl(ids.issuing as string, `${files.url}/issuing.crl`);
    try {
      const first = await verify({ certificate: alice.base64 });
      assert.equal(first.body.trusted, false);
      assert.equal(first.body.reason, 'revoked');
      const good = await createLeaf({ subject: 'CN=Bob', issuer: issuing, extendedKeyUsage: ['1.3.6.1.5.5.7.3.2'] });
      const second = await verify({ certificate: good.base64 });
      assert.equal(second.body.trusted, true, second.body.message);
      assert.equal(second.body.path[0].revocation.checked, true);
      assert.equal(second.body.path[0].revocation.crlNumber, '5');
      assert.equal(second.body.path[0].revocation.source, 'memory');
      assert.equal(files.hits.get('/issuing.crl'), 1);
    } finally {
      await setCrlUrl(ids.issuing as string, null);
    }
  });

  it('fails closed when a configured CRL cannot be downloaded', async () => {
    await setCrlUrl(ids.issuing as string, `${files.url}/missing.crl`);
    try {
      const res = await verify({ certificate: alice.base64 });
      assert.equal(res.body.trusted, false);
      assert.equal(res.body.reason, 'crl_unavailable');
      assert.match(res.body.message, /HTTP 404/);
    } finally {
      await setCrlUrl(ids.issuing as string, null);
    }
  });

  it('refuses a CRL signed by another CA', async () => {
    const forged = await createCrl({ issuer: root, crlNumber: 1 });
    files.set('/forged.crl', { body: forged.der });
    await setCrlUrl(ids.issuing as string, `${files.url}/forged.crl`);
    try {
      const res = await verify({ certificate: alice.base64 });
      assert.equal(res.body.reason, 'crl_invalid');
    } finally {
      await setCrlUrl(ids.issuing as string, null);
    }
  });

  it('requires a CRL for the issuing CA when the policy says so, unless the CA is exempted', async () => {
    const policyUrl = '/beta/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/x509Certificate';
    const admin = await t.token({ appRoles: ['Policy.ReadWrite.AuthenticationMethod'] });
    const patch = (body: Record<string, unknown>) =>
      t.request('PATCH', policyUrl, { body: { '@odata.type': '#microsoft.graph.x509CertificateAuthenticationMethodConfiguration', ...body }, token: admin });
    assert.equal((await patch({ crlValidationConfiguration: { state: 'enabled', exemptedCertificateAuthoritiesSubjectKeyIdentifiers: [] } })).status, 204);
    try {
      const res = await verify({ certificate: alice.base64 });
      assert.equal(res.body.reason, 'crl_unavailable');
      const ski = issuing.cert.getExtension('2.5.29.14') ? (await t.request('GET', `/beta${PKI_PATH}/${pkiId}/certificateAuthorities/${ids.issuing}`)).body.issuerSubjectKeyIdentifier : '';
      await patch({ crlValidationConfiguration: { state: 'enabled', exemptedCertificateAuthoritiesSubjectKeyIdentifiers: [ski] } });
      assert.equal((await verify({ certificate: alice.base64 })).body.trusted, true);
    } finally {
      await patch({ crlValidationConfiguration: { state: 'disabled', exemptedCertificateAuthoritiesSubjectKeyIdentifiers: [] } });
    }
  });
});

describe('the policy verdict', () => {
  before(async () => {
    // Graph's default has two bindings (PrincipalName, RFC822Name); a third with high affinity shows the
    // affinity rules at work.
    const res = await t.request('PATCH', '/beta/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/x509Certificate', {
      body: {
        '@odata.type': '#microsoft.graph.x509CertificateAuthenticationMethodConfiguration',
        certificateUserBindings: [
          { x509CertificateField: 'PrincipalName', userProperty: 'userPrincipalName', priority: 1 },
          { x509CertificateField: 'RFC822Name', userProperty: 'userPrincipalName', priority: 2 },
          { x509CertificateField: 'SubjectKeyIdentifier', userProperty: 'certificateUserIds', priority: 3 },
        ],
      },
      token: await t.token({ appRoles: ['Policy.ReadWrite.AuthenticationMethod'] }),
    });
    assert.equal(res.status, 204, res.text);
  });

  it('offers certificateUserIds candidates in binding priority order with their affinity', async () => {
    const res = await verify({ certificate: alice.base64 });
    const candidates = res.body.policy.userBindingCandidates;
    assert.deepEqual(candidates.map((c: { x509CertificateField: string }) => c.x509CertificateField), ['PrincipalName', 'RFC822Name', 'SubjectKeyIdentifier']);
    assert.deepEqual(candidates[0].values, ['X509:<PN>alice@contoso.test']);
    assert.deepEqual(candidates[1].values, ['X509:<RFC822>alice@contoso.test']);
    assert.match(candidates[2].values[0], /^X509:<SKI>[0-9A-F]+$/);
    assert.equal(res.body.policy.authenticationMode, 'x509CertificateSingleFactor');
    assert.equal(res.body.policy.requiredAffinityLevel, 'low');
  });

  it('applies rules with Entra precedence: issuer+policy OID over policy OID over issuer', async () => {
    const policyUrl = '/beta/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/x509Certificate';
    const admin = await t.token({ appRoles: ['Policy.ReadWrite.AuthenticationMethod'] });
    const rules = (list: unknown[]) =>
      t.request('PATCH', policyUrl, {
        body: {
          '@odata.type': '#microsoft.graph.x509CertificateAuthenticationMethodConfiguration',
          authenticationModeConfiguration: { x509CertificateAuthenticationDefaultMode: 'x509CertificateSingleFactor', x509CertificateDefaultRequiredAffinityLevel: 'low', rules: list },
        },
        token: admin,
      });
    const issuerRule = { x509CertificateRuleType: 'issuerSubject', identifier: 'CN=Verify Issuing CA, O=Contoso', x509CertificateAuthenticationMode: 'x509CertificateMultiFactor', x509CertificateRequiredAffinityLevel: 'low' };
    const oidRule = { x509CertificateRuleType: 'policyOID', identifier: '1.2.3.4.5', x509CertificateAuthenticationMode: 'x509CertificateSingleFactor', x509CertificateRequiredAffinityLevel: 'high' };
    assert.equal((await rules([issuerRule])).status, 204, 'policy patch');
    let verdict = (await verify({ certificate: alice.base64 })).body.policy;
    assert.equal(verdict.authenticationMode, 'x509CertificateMultiFactor');
    await rules([issuerRule, oidRule]);
    verdict = (await verify({ certificate: alice.base64 })).body.policy;
    assert.equal(verdict.authenticationMode, 'x509CertificateSingleFactor');
    assert.equal(verdict.requiredAffinityLevel, 'high');
    assert.deepEqual(verdict.matchedRules, [{ type: 'policyOID', identifier: '1.2.3.4.5' }]);
    // With high affinity required, the low-affinity bindings cannot be used.
    assert.deepEqual(verdict.userBindingCandidates.map((c: { usable: boolean }) => c.usable), [false, false, true]);
    // A tenant default of high affinity drops low bindings even when the deciding rule asks for low (§5.2 step 2).
    const highDefault = await t.request('PATCH', policyUrl, {
      body: {
        '@odata.type': '#microsoft.graph.x509CertificateAuthenticationMethodConfiguration',
        authenticationModeConfiguration: { x509CertificateAuthenticationDefaultMode: 'x509CertificateSingleFactor', x509CertificateDefaultRequiredAffinityLevel: 'high', rules: [{ ...issuerRule, x509CertificateRequiredAffinityLevel: 'low' }] },
      },
      token: admin,
    });
    assert.equal(highDefault.status, 204);
    verdict = (await verify({ certificate: alice.base64 })).body.policy;
    assert.equal(verdict.authenticationMode, 'x509CertificateMultiFactor');
    assert.equal(verdict.requiredAffinityLevel, 'high');
    await rules([]);
  });
});

describe('requests', () => {
  it('refuses bad input with 400 and needs a PKI read permission', async () => {
    assert.equal((await verify({ certificate: 'not a certificate' })).status, 400);
    assert.equal((await verify({ certificate: alice.base64, bogus: 1 })).status, 400);
    assert.equal((await verify({ certificate: alice.base64, validationTime: 'yesterday' })).status, 400);
    assert.equal((await verify({ certificate: alice.base64, intermediates: ['%%%'] })).status, 400);
    assert.equal((await verify({ certificate: alice.base64 }, await t.token({ appRoles: ['Directory.Read.All'] }))).status, 403);
    assert.equal((await verify({ certificate: alice.base64 }, await t.token(tokens.readOnlyApp))).status, 200);
    assert.equal((await send(t.url, 'POST', VERIFY, null, { body: { certificate: alice.base64 } })).status, 401);
    assert.equal((await t.request('GET', VERIFY)).status, 405);
  });
});
