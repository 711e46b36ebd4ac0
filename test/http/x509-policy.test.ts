// The tenant's X.509 certificate authentication-method policy
// (/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/x509Certificate): defaults,
// partial updates answered 204, precise validation, Graph's Policy permissions, one policy per tenant,
// durable across restarts.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  DIRECTORY_ROLES,
  PERMISSION_POLICY_READ,
  PERMISSION_POLICY_READ_WRITE_AUTHENTICATION_METHOD,
  PERMISSION_READ,
  PERMISSION_READ_WRITE,
} from '../../src/auth/permissions.ts';
import type { TokenRequest } from '../../src/auth/token-issuer.ts';
import { API_VERSIONS } from '../../src/graph/context.ts';
import { defaultX509Policy, type X509Policy } from '../../src/service/authentication-methods/x509-policy-service.ts';
import { databaseForDataDir } from '../helpers/backend.ts';
import { X509_UPDATE_EXAMPLE_BETA, X509_UPDATE_EXAMPLE_BETA_DEFAULTS, X509_UPDATE_EXAMPLE_V1 } from '../helpers/x509-policy-examples.ts';
import { send, startTestServer, TENANT_A, TENANT_B, type TestResponse, type TestServer } from '../helpers/test-server.ts';

const POLICY_PATH = '/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/x509Certificate';
const ODATA_TYPE = '#microsoft.graph.x509CertificateAuthenticationMethodConfiguration';
const RESOURCE = 'microsoft.graph.x509CertificateAuthenticationMethodConfiguration';
const SKI = 'C0E9A2B3D4E5F60718293A4B5C6D7E8F9012711A';

const policyWriter: Partial<TokenRequest> = { appRoles: [PERMISSION_POLICY_READ_WRITE_AUTHENTICATION_METHOD] };

// Graph's documented default configuration (x509certificateauthenticationmethodconfiguration-get, spec
// cba-setup-and-signin §2.2): two bindings, PrincipalName→onPremisesUserPrincipalName first; all_users
// included. The properties the example leaves out (affinities, issuer hints) at their disabled/low values.
const DEFAULT_REPRESENTATION = {
  '@odata.type': ODATA_TYPE,
  id: 'X509Certificate',
  state: 'disabled',
  certificateUserBindings: [
    { x509CertificateField: 'PrincipalName', userProperty: 'onPremisesUserPrincipalName', priority: 1, trustAffinityLevel: 'low' },
    { x509CertificateField: 'RFC822Name', userProperty: 'userPrincipalName', priority: 2, trustAffinityLevel: 'low' },
  ],
  authenticationModeConfiguration: {
    x509CertificateAuthenticationDefaultMode: 'x509CertificateSingleFactor',
    x509CertificateDefaultRequiredAffinityLevel: 'low',
    rules: [],
  },
  issuerHintsConfiguration: { state: 'disabled' },
  crlValidationConfiguration: { state: 'disabled', exemptedCertificateAuthoritiesSubjectKeyIdentifiers: [] },
  certificateAuthorityScopes: [],
  includeTargets: [{ targetType: 'group', id: 'all_users', isRegistrationRequired: false }],
  excludeTargets: [],
};

let t: TestServer;
before(async () => {
  t = await startTestServer();
});
after(() => t.close());

/** A tenant nobody has used yet, with a policy-writing token for it. */
async function freshTenant(request: Partial<TokenRequest> = policyWriter): Promise<{ tenantId: string; token: string }> {
  const tenantId = randomUUID();
  return { tenantId, token: await t.token({ tenantId, ...request }) };
}

/** With Prefer: include-unknown-enum-members, so that what was written reads back as it is (issuerSubjectAndPolicyOID). */
function getPolicy(token: string, version = 'beta'): Promise<TestResponse> {
  return send(t.url, 'GET', `/${version}${POLICY_PATH}`, token, { headers: { prefer: 'include-unknown-enum-members' } });
}

function patchPolicy(token: string, body: Record<string, unknown>, version = 'beta'): Promise<TestResponse> {
  return send(t.url, 'PATCH', `/${version}${POLICY_PATH}`, token, { body: { '@odata.type': ODATA_TYPE, ...body } });
}

/** The representation without its @odata.context annotations. */
function entityOf(res: TestResponse): Record<string, unknown> {
  assert.equal(res.status, 200, res.text);
  const { '@odata.context': _context, 'includeTargets@odata.context': _targets, ...entity } = res.body as Record<string, unknown>;
  return entity;
}

for (const version of API_VERSIONS) {
  describe(`/${version}: GET of a tenant that never changed its policy`, () => {
    let token: string;
    let res: TestResponse;
    before(async () => {
      ({ token } = await freshTenant());
      res = await getPolicy(token, version);
    });

    it('answers 200 with the documented default configuration in its property order', () => {
      assert.equal(res.status, 200);
      const keys = Object.keys(DEFAULT_REPRESENTATION);
      keys.splice(keys.indexOf('includeTargets'), 0, 'includeTargets@odata.context');
      assert.deepEqual(Object.keys(res.body), ['@odata.context', ...keys]);
      assert.deepEqual(entityOf(res), DEFAULT_REPRESENTATION);
    });

    it('names the entity set in @odata.context, and the includeTargets navigation as real tenants do', () => {
      assert.equal(res.body['@odata.context'], `${t.url}/${version}/$metadata#authenticationMethodConfigurations/$entity`);
      assert.equal(
        res.body['includeTargets@odata.context'],
        `${t.url}/${version}/$metadata#policies/authenticationMethodsPolicy/authenticationMethodConfigurations('X509Certificate')/microsoft.graph.x509CertificateAuthenticationMethodConfiguration/includeTargets`,
      );
      assert.match(res.headers.get('content-type') ?? '', /^application\/json;odata\.metadata=minimal/);
    });

    it('orders the properties of nested objects as documented', () => {
      assert.deepEqual(Object.keys(res.body.certificateUserBindings[0]), ['x509CertificateField', 'userProperty', 'priority', 'trustAffinityLevel']);
      assert.deepEqual(Object.keys(res.body.authenticationModeConfiguration), [
        'x509CertificateAuthenticationDefaultMode',
        'x509CertificateDefaultRequiredAffinityLevel',
        'rules',
      ]);
      assert.deepEqual(Object.keys(res.body.crlValidationConfiguration), ['state', 'exemptedCertificateAuthoritiesSubjectKeyIdentifiers']);
    });

    it('takes the id segment in any case, as Graph does', async () => {
      const other = await send(t.url, 'GET', `/${version}${POLICY_PATH.replace('x509Certificate', 'X509Certificate')}`, token);
      assert.deepEqual(entityOf(other), DEFAULT_REPRESENTATION);
    });

    it('refuses OData query options', async () => {
      const other = await send(t.url, 'GET', `/${version}${POLICY_PATH}?$select=state`, token);
      assert.equal(other.status, 400);
      assert.equal(other.body.error.code, 'Request_UnsupportedQuery');
    });

    it('answers 405 to the methods it does not implement', async () => {
      for (const method of ['POST', 'PUT']) {
        const other = await send(t.url, method, `/${version}${POLICY_PATH}`, token, { body: { '@odata.type': ODATA_TYPE } });
        assert.equal(other.status, 405, method);
        assert.equal(other.body.error.code, 'BadRequest');
        assert.equal(other.headers.get('allow'), 'GET, PATCH, DELETE, HEAD');
      }
    });
  });
}

describe('PATCH then GET: each property round-trips', () => {
  const cases: { name: string; body: Record<string, unknown>; expect: Partial<Record<keyof typeof DEFAULT_REPRESENTATION, unknown>> }[] = [
    { name: 'state', body: { state: 'enabled' }, expect: { state: 'enabled' } },
    {
      name: 'includeTargets (isRegistrationRequired defaults to false; a legacy user target is kept)',
      body: {
        includeTargets: [
          { targetType: 'group', id: 'aaaaaaaa-bbbb-cccc-1111-222222222222', isRegistrationRequired: true },
          { '@odata.type': '#microsoft.graph.authenticationMethodTarget', targetType: 'group', id: 'b3c1e5a0-1111-4222-8333-444455556666' },
          { targetType: 'user', id: 'c0ffee00-1111-4222-8333-444455556666', isRegistrationRequired: false },
        ],
      },
      expect: {
        includeTargets: [
          { targetType: 'group', id: 'aaaaaaaa-bbbb-cccc-1111-222222222222', isRegistrationRequired: true },
          { targetType: 'group', id: 'b3c1e5a0-1111-4222-8333-444455556666', isRegistrationRequired: false },
          { targetType: 'user', id: 'c0ffee00-1111-4222-8333-444455556666', isRegistrationRequired: false },
        ],
      },
    },
    { name: 'includeTargets emptied', body: { includeTargets: [] }, expect: { includeTargets: [] } },
    {
      name: 'excludeTargets',
      body: { excludeTargets: [{ id: 'aaaaaaaa-bbbb-cccc-1111-222222222222', targetType: 'group' }, { id: 'b3c1e5a0-1111-4222-8333-444455556666', targetType: 'user' }] },
      expect: { excludeTargets: [{ id: 'aaaaaaaa-bbbb-cccc-1111-222222222222', targetType: 'group' }, { id: 'b3c1e5a0-1111-4222-8333-444455556666', targetType: 'user' }] },
    },
    {
      name: 'certificateUserBindings (trustAffinityLevel defaults to the field’s affinity)',
      body: {
        certificateUserBindings: [
          { x509CertificateField: 'IssuerAndSerialNumber', userProperty: 'certificateUserIds', priority: 1 },
          { x509CertificateField: 'PrincipalName', userProperty: 'onPremisesUserPrincipalName', priority: 2 },
          { x509CertificateField: 'RFC822Name', userProperty: 'email', priority: 5, trustAffinityLevel: 'high' },
          { x509CertificateField: 'SHA1PublicKey', userProperty: 'certificateUserIds', priority: 0, trustAffinityLevel: 'low' },
        ],
      },
      expect: {
        certificateUserBindings: [
          { x509CertificateField: 'IssuerAndSerialNumber', userProperty: 'certificateUserIds', priority: 1, trustAffinityLevel: 'high' },
          { x509CertificateField: 'PrincipalName', userProperty: 'onPremisesUserPrincipalName', priority: 2, trustAffinityLevel: 'low' },
          { x509CertificateField: 'RFC822Name', userProperty: 'email', priority: 5, trustAffinityLevel: 'high' },
          { x509CertificateField: 'SHA1PublicKey', userProperty: 'certificateUserIds', priority: 0, trustAffinityLevel: 'low' },
        ],
      },
    },
    {
      name: 'authenticationModeConfiguration (a rule without affinity takes the configuration default)',
      body: {
        authenticationModeConfiguration: {
          x509CertificateAuthenticationDefaultMode: 'x509CertificateMultiFactor',
          x509CertificateDefaultRequiredAffinityLevel: 'high',
          rules: [
            { x509CertificateRuleType: 'issuerSubject', identifier: 'CN=ContosoCA,DC=Contoso,DC=org', x509CertificateAuthenticationMode: 'x509CertificateSingleFactor' },
            {
              x509CertificateRuleType: 'policyOID',
              identifier: '1.3.6.1.4.1.311.21.8.1',
              x509CertificateAuthenticationMode: 'x509CertificateMultiFactor',
              x509CertificateRequiredAffinityLevel: 'low',
            },
            {
              x509CertificateRuleType: 'issuerSubjectAndPolicyOID',
              identifier: 'contoso-smartcards',
              issuerSubjectIdentifier: 'CN=ContosoCA,DC=Contoso,DC=org',
              policyOidIdentifier: '2.16.840.1.101.3.2.1.3.13',
              x509CertificateAuthenticationMode: 'x509CertificateMultiFactor',
              x509CertificateRequiredAffinityLevel: 'high',
            },
          ],
        },
      },
      expect: {
        authenticationModeConfiguration: {
          x509CertificateAuthenticationDefaultMode: 'x509CertificateMultiFactor',
          x509CertificateDefaultRequiredAffinityLevel: 'high',
          rules: [
            {
              x509CertificateRuleType: 'issuerSubject',
              identifier: 'CN=ContosoCA,DC=Contoso,DC=org',
              issuerSubjectIdentifier: null,
              policyOidIdentifier: null,
              x509CertificateAuthenticationMode: 'x509CertificateSingleFactor',
              x509CertificateRequiredAffinityLevel: 'high',
            },
            {
              x509CertificateRuleType: 'policyOID',
              identifier: '1.3.6.1.4.1.311.21.8.1',
              issuerSubjectIdentifier: null,
              policyOidIdentifier: null,
              x509CertificateAuthenticationMode: 'x509CertificateMultiFactor',
              x509CertificateRequiredAffinityLevel: 'low',
            },
            {
              x509CertificateRuleType: 'issuerSubjectAndPolicyOID',
              identifier: 'contoso-smartcards',
              issuerSubjectIdentifier: 'CN=ContosoCA,DC=Contoso,DC=org',
              policyOidIdentifier: '2.16.840.1.101.3.2.1.3.13',
              x509CertificateAuthenticationMode: 'x509CertificateMultiFactor',
              x509CertificateRequiredAffinityLevel: 'high',
            },
          ],
        },
      },
    },
    {
      name: 'authenticationModeConfiguration with only its default mode (affinity low, no rules)',
      body: { authenticationModeConfiguration: { x509CertificateAuthenticationDefaultMode: 'x509CertificateMultiFactor' } },
      expect: {
        authenticationModeConfiguration: {
          x509CertificateAuthenticationDefaultMode: 'x509CertificateMultiFactor',
          x509CertificateDefaultRequiredAffinityLevel: 'low',
          rules: [],
        },
      },
    },
    { name: 'issuerHintsConfiguration', body: { issuerHintsConfiguration: { state: 'enabled' } }, expect: { issuerHintsConfiguration: { state: 'enabled' } } },
    {
      name: 'crlValidationConfiguration',
      body: { crlValidationConfiguration: { state: 'enabled', exemptedCertificateAuthoritiesSubjectKeyIdentifiers: [SKI, 'aaaaaaaabbbbcccc111122222222222222333333'] } },
      expect: { crlValidationConfiguration: { state: 'enabled', exemptedCertificateAuthoritiesSubjectKeyIdentifiers: [SKI, 'aaaaaaaabbbbcccc111122222222222222333333'] } },
    },
    {
      name: 'crlValidationConfiguration without exemptions',
      body: { crlValidationConfiguration: { state: 'enabled' } },
      expect: { crlValidationConfiguration: { state: 'enabled', exemptedCertificateAuthoritiesSubjectKeyIdentifiers: [] } },
    },
    {
      name: 'certificateAuthorityScopes',
      body: {
        certificateAuthorityScopes: [
          { subjectKeyIdentifier: SKI, publicKeyInfrastructureIdentifier: 'Contoso PKI', includeTargets: [{ id: 'aaaaaaaa-bbbb-cccc-1111-222222222222', targetType: 'group' }] },
          { subjectKeyIdentifier: 'ABCD', includeTargets: [] },
        ],
      },
      expect: {
        certificateAuthorityScopes: [
          { subjectKeyIdentifier: SKI, publicKeyInfrastructureIdentifier: 'Contoso PKI', includeTargets: [{ id: 'aaaaaaaa-bbbb-cccc-1111-222222222222', targetType: 'group' }] },
          { subjectKeyIdentifier: 'ABCD', publicKeyInfrastructureIdentifier: null, includeTargets: [] },
        ],
      },
    },
  ];

  for (const { name, body, expect } of cases) {
    it(name, async () => {
      const { token } = await freshTenant();
      const patched = await patchPolicy(token, body);
      assert.equal(patched.status, 204, patched.text);
      assert.equal(patched.text, '');
      // Only the patched property changed; the others keep their defaults.
      assert.deepEqual(entityOf(await getPolicy(token)), { ...DEFAULT_REPRESENTATION, ...expect });
    });
  }

  it('replaces a property whole and leaves the others as they were', async () => {
    const { token } = await freshTenant();
    assert.equal((await patchPolicy(token, { state: 'enabled', excludeTargets: [{ id: 'g1', targetType: 'group' }] })).status, 204);
    assert.equal((await patchPolicy(token, { excludeTargets: [{ id: 'u2', targetType: 'user' }] })).status, 204);
    const entity = entityOf(await getPolicy(token));
    assert.equal(entity.state, 'enabled');
    assert.deepEqual(entity.excludeTargets, [{ id: 'u2', targetType: 'user' }]);
    assert.equal((await patchPolicy(token, { excludeTargets: [] })).status, 204);
    assert.deepEqual(entityOf(await getPolicy(token)).excludeTargets, []);
  });

  it('accepts a body with only @odata.type (nothing changes)', async () => {
    const { token } = await freshTenant();
    assert.equal((await patchPolicy(token, {})).status, 204);
    assert.deepEqual(entityOf(await getPolicy(token)), DEFAULT_REPRESENTATION);
  });

  it('accepts the object a client read back, with its id and @odata.context, unchanged', async () => {
    const { token } = await freshTenant();
    assert.equal((await patchPolicy(token, { state: 'enabled' })).status, 204);
    const read = await getPolicy(token);
    const again = await send(t.url, 'PATCH', `/beta${POLICY_PATH}`, token, { body: read.body });
    assert.equal(again.status, 204, again.text);
    assert.deepEqual(entityOf(await getPolicy(token)), entityOf(read));
  });

  const documented: { name: string; version: string; body: Record<string, unknown> }[] = [
    { name: 'the v1.0 update example', version: 'v1.0', body: X509_UPDATE_EXAMPLE_V1 },
    { name: 'the beta update example (issuer hints, CRL validation, CA scope)', version: 'beta', body: X509_UPDATE_EXAMPLE_BETA },
    { name: 'the older beta update example (the defaults sent back)', version: 'beta', body: X509_UPDATE_EXAMPLE_BETA_DEFAULTS },
  ];
  for (const { name, version, body } of documented) {
    it(`accepts ${name}, sent verbatim, and GET returns what it set`, async () => {
      const { token } = await freshTenant();
      // Start from something else, so that every property the example sets is seen to change.
      assert.equal((await patchPolicy(token, { includeTargets: [{ targetType: 'group', id: 'aaaaaaaa-0000-4000-8000-000000000001' }] }, version)).status, 204);
      const res = await send(t.url, 'PATCH', `/${version}${POLICY_PATH}`, token, { body });
      assert.equal(res.status, 204, res.text);
      const entity = entityOf(await getPolicy(token, version));
      assert.equal(entity.state, body.state);
      assert.deepEqual(entity.includeTargets, [{ targetType: 'group', id: 'all_users', isRegistrationRequired: false }]);
      const bindings = body.certificateUserBindings as { x509CertificateField: string; userProperty: string; priority: number }[];
      assert.deepEqual(entity.certificateUserBindings, bindings.map((b) => ({ ...b, trustAffinityLevel: 'low' })));
      const mode = entity.authenticationModeConfiguration as { x509CertificateAuthenticationDefaultMode: string; rules: { identifier: string }[] };
      const sentMode = body.authenticationModeConfiguration as { x509CertificateAuthenticationDefaultMode: string; rules: { identifier: string }[] };
      assert.equal(mode.x509CertificateAuthenticationDefaultMode, sentMode.x509CertificateAuthenticationDefaultMode);
      assert.deepEqual(mode.rules.map((r) => r.identifier), sentMode.rules.map((r) => r.identifier));
      if ('certificateAuthorityScopes' in body) assert.deepEqual(entity.certificateAuthorityScopes, body.certificateAuthorityScopes);
    });
  }

  it('is one policy for /beta and /v1.0', async () => {
    const { token } = await freshTenant();
    assert.equal((await patchPolicy(token, { state: 'enabled' }, 'v1.0')).status, 204);
    assert.equal(entityOf(await getPolicy(token, 'beta')).state, 'enabled');
  });

  it('keeps every one of concurrent updates to different properties', async () => {
    const { token } = await freshTenant();
    const results = await Promise.all([
      patchPolicy(token, { state: 'enabled' }),
      patchPolicy(token, { issuerHintsConfiguration: { state: 'enabled' } }),
      patchPolicy(token, { crlValidationConfiguration: { state: 'enabled' } }),
      patchPolicy(token, { excludeTargets: [{ id: 'g1', targetType: 'group' }] }),
      patchPolicy(token, { certificateAuthorityScopes: [{ subjectKeyIdentifier: SKI, includeTargets: [] }] }),
      patchPolicy(token, { authenticationModeConfiguration: { x509CertificateAuthenticationDefaultMode: 'x509CertificateMultiFactor' } }),
    ]);
    assert.deepEqual(results.map((r) => r.status), [204, 204, 204, 204, 204, 204]);
    const entity = entityOf(await getPolicy(token));
    assert.equal(entity.state, 'enabled');
    assert.deepEqual(entity.issuerHintsConfiguration, { state: 'enabled' });
    assert.deepEqual(entity.crlValidationConfiguration, { state: 'enabled', exemptedCertificateAuthoritiesSubjectKeyIdentifiers: [] });
    assert.deepEqual(entity.excludeTargets, [{ id: 'g1', targetType: 'group' }]);
    assert.equal((entity.certificateAuthorityScopes as unknown[]).length, 1);
    assert.equal((entity.authenticationModeConfiguration as { x509CertificateAuthenticationDefaultMode: string }).x509CertificateAuthenticationDefaultMode, 'x509CertificateMultiFactor');
  });
});

for (const version of API_VERSIONS) {
  describe(`/${version}: DELETE restores the documented default`, () => {
    it('answers 204 with no body, and GET then returns the default configuration', async () => {
      const { token } = await freshTenant();
      assert.equal((await patchPolicy(token, X509_UPDATE_EXAMPLE_BETA, version)).status, 204);
      assert.notDeepEqual(entityOf(await getPolicy(token, version)), DEFAULT_REPRESENTATION);
      const res = await send(t.url, 'DELETE', `/${version}${POLICY_PATH}`, token);
      assert.equal(res.status, 204, res.text);
      assert.equal(res.text, '');
      assert.deepEqual(entityOf(await getPolicy(token, version)), DEFAULT_REPRESENTATION);
    });

    it('answers 204 for a tenant that never changed the configuration (nothing to reset), and the id in any case', async () => {
      const { token } = await freshTenant();
      const res = await send(t.url, 'DELETE', `/${version}${POLICY_PATH.replace('x509Certificate', 'X509CERTIFICATE')}`, token);
      assert.equal(res.status, 204, res.text);
      assert.deepEqual(entityOf(await getPolicy(token, version)), DEFAULT_REPRESENTATION);
    });

    it('needs the write permission: a reader gets 403 and the configuration stays', async () => {
      const { tenantId, token } = await freshTenant();
      assert.equal((await patchPolicy(token, { state: 'enabled' }, version)).status, 204);
      const reader = await t.token({ tenantId, appRoles: [PERMISSION_POLICY_READ] });
      const res = await send(t.url, 'DELETE', `/${version}${POLICY_PATH}`, reader);
      assert.equal(res.status, 403, res.text);
      assert.equal(entityOf(await getPolicy(token, version)).state, 'enabled');
    });

    it("resets only the caller's tenant", async () => {
      const a = await freshTenant();
      const b = await freshTenant();
      for (const { token } of [a, b]) assert.equal((await patchPolicy(token, { state: 'enabled' }, version)).status, 204);
      assert.equal((await send(t.url, 'DELETE', `/${version}${POLICY_PATH}`, a.token)).status, 204);
      assert.equal(entityOf(await getPolicy(a.token, version)).state, 'disabled');
      assert.equal(entityOf(await getPolicy(b.token, version)).state, 'enabled');
    });
  });
}

describe('the service hands the verification engine the typed policy', () => {
  it('getPolicy: defaults for an untouched tenant, the stored policy after a PATCH', async () => {
    const { tenantId, token } = await freshTenant();
    assert.deepEqual(await t.server.x509Policies.getPolicy(tenantId), defaultX509Policy());
    await patchPolicy(token, {
      state: 'enabled',
      authenticationModeConfiguration: {
        x509CertificateAuthenticationDefaultMode: 'x509CertificateSingleFactor',
        rules: [{ x509CertificateRuleType: 'policyOID', identifier: '1.2.3.4', x509CertificateAuthenticationMode: 'x509CertificateMultiFactor' }],
      },
    });
    const policy: X509Policy = await t.server.x509Policies.getPolicy(tenantId);
    assert.equal(policy.state, 'enabled');
    assert.deepEqual(policy.authenticationModeConfiguration.rules, [
      {
        x509CertificateRuleType: 'policyOID',
        identifier: '1.2.3.4',
        issuerSubjectIdentifier: null,
        policyOidIdentifier: null,
        x509CertificateAuthenticationMode: 'x509CertificateMultiFactor',
        x509CertificateRequiredAffinityLevel: 'low',
      },
    ]);
    assert.deepEqual(policy.certificateUserBindings, defaultX509Policy().certificateUserBindings);
  });
});

describe('PATCH validation: 400 with a precise message, nothing stored', () => {
  const binding = (priority: number, extra: Record<string, unknown> = {}) => ({
    x509CertificateField: 'PrincipalName',
    userProperty: 'userPrincipalName',
    priority,
    ...extra,
  });
  const rule = (extra: Record<string, unknown>) => ({
    x509CertificateRuleType: 'issuerSubject',
    identifier: 'CN=Contoso Issuing CA',
    x509CertificateAuthenticationMode: 'x509CertificateMultiFactor',
    ...extra,
  });
  const modes = (rules: unknown[]) => ({
    authenticationModeConfiguration: { x509CertificateAuthenticationDefaultMode: 'x509CertificateSingleFactor', rules },
  });
  const invalid = (property: string, problem: string) => `Invalid value specified for property '${property}' of resource '${RESOURCE}': ${problem}.`;

  const cases: { name: string; body: Record<string, unknown>; message: string; raw?: boolean }[] = [
    {
      name: 'no @odata.type',
      body: { state: 'enabled' },
      raw: true,
      message: `A value is required for property '@odata.type' of resource '${RESOURCE}'.`,
    },
    {
      name: 'another @odata.type',
      body: { '@odata.type': '#microsoft.graph.fido2AuthenticationMethodConfiguration', state: 'enabled' },
      raw: true,
      message: invalid('@odata.type', `"#microsoft.graph.fido2AuthenticationMethodConfiguration" is not allowed (expected "${ODATA_TYPE}")`),
    },
    {
      name: 'an unknown property',
      body: { includedTargets: [] },
      message: `Property 'includedTargets' does not exist on type '${RESOURCE}'; send only properties the type defines.`,
    },
    {
      name: 'an include target without an id',
      body: { includeTargets: [{ targetType: 'group', isRegistrationRequired: false }] },
      message: "A value is required for property 'id' of resource 'microsoft.graph.authenticationMethodTarget' (in 'includeTargets.0').",
    },
    {
      name: 'an include target with isRegistrationRequired that is not a Boolean',
      body: { includeTargets: [{ targetType: 'group', id: 'all_users', isRegistrationRequired: 'false' }] },
      message: invalid('includeTargets.0.isRegistrationRequired', '"false" is not a boolean'),
    },
    {
      name: 'the same include target twice',
      body: { includeTargets: [{ targetType: 'group', id: 'all_users' }, { targetType: 'group', id: 'ALL_USERS' }] },
      message: invalid('includeTargets.1.id', '"ALL_USERS" is already includeTargets.0; each target can be included once'),
    },
    {
      name: 'all_users as a user target',
      body: { includeTargets: [{ targetType: 'user', id: 'all_users' }] },
      message: invalid('includeTargets.0.targetType', "'all_users' is a group target (targetType 'group'), not 'user'"),
    },
    {
      name: 'an include target with an empty id',
      body: { includeTargets: [{ targetType: 'group', id: ' ' }] },
      message: invalid('includeTargets.0.id', 'the value must not be empty'),
    },
    {
      name: 'an unknown property of a binding',
      body: { certificateUserBindings: [binding(1, { weight: 3 })] },
      message: "Property 'weight' does not exist on type 'microsoft.graph.x509CertificateUserBinding' (in 'certificateUserBindings.0'); send only properties the type defines.",
    },
    {
      name: 'a binding without priority',
      body: { certificateUserBindings: [{ x509CertificateField: 'PrincipalName', userProperty: 'userPrincipalName' }] },
      message: "A value is required for property 'priority' of resource 'microsoft.graph.x509CertificateUserBinding' (in 'certificateUserBindings.0').",
    },
    {
      name: 'a state that is no member',
      body: { state: 'on' },
      message: invalid('state', '"on" is not allowed (expected "enabled", "disabled")'),
    },
    {
      name: 'unknownFutureValue as a state',
      body: { state: 'unknownFutureValue' },
      message: invalid('state', '"unknownFutureValue" is not allowed (expected "enabled", "disabled")'),
    },
    {
      name: 'an excludeTargets targetType',
      body: { excludeTargets: [{ id: 'g1', targetType: 'device' }] },
      message: invalid('excludeTargets.0.targetType', '"device" is not allowed (expected "user", "group")'),
    },
    {
      name: 'a blank target id',
      body: { excludeTargets: [{ id: '  ', targetType: 'group' }] },
      message: invalid('excludeTargets.0.id', 'the value must not be empty'),
    },
    {
      name: 'excludeTargets null',
      body: { excludeTargets: null },
      message: invalid('excludeTargets', 'null is not an array'),
    },
    {
      name: 'an x509CertificateField',
      body: { certificateUserBindings: [binding(1, { x509CertificateField: 'CommonName' })] },
      message: invalid(
        'certificateUserBindings.0.x509CertificateField',
        '"CommonName" is not allowed (expected "PrincipalName", "RFC822Name", "IssuerAndSubject", "Subject", "SubjectKeyIdentifier", "SHA1PublicKey", "IssuerAndSerialNumber")',
      ),
    },
    {
      name: 'a userProperty',
      body: { certificateUserBindings: [binding(1, { userProperty: 'mail' })] },
      message: invalid(
        'certificateUserBindings.0.userProperty',
        '"mail" is not allowed (expected "userPrincipalName", "onPremisesUserPrincipalName", "certificateUserIds", "email")',
      ),
    },
    {
      name: 'a trustAffinityLevel',
      body: { certificateUserBindings: [binding(1, { trustAffinityLevel: 'medium' })] },
      message: invalid('certificateUserBindings.0.trustAffinityLevel', '"medium" is not allowed (expected "low", "high")'),
    },
    {
      name: 'a fractional priority',
      body: { certificateUserBindings: [binding(1.5)] },
      message: invalid('certificateUserBindings.0.priority', '1.5 is not an integer'),
    },
    {
      name: 'a negative priority',
      body: { certificateUserBindings: [binding(-1)] },
      message: invalid('certificateUserBindings.0.priority', 'must be >= 0'),
    },
    {
      name: 'two bindings with one priority',
      body: { certificateUserBindings: [binding(1), binding(2, { userProperty: 'email' }), binding(1, { x509CertificateField: 'RFC822Name' })] },
      message: invalid('certificateUserBindings.2.priority', 'priority 1 is already used by certificateUserBindings.0; every binding needs a unique priority'),
    },
    {
      name: 'an authenticationModeConfiguration without its default mode',
      body: { authenticationModeConfiguration: { rules: [] } },
      message:
        "A value is required for property 'x509CertificateAuthenticationDefaultMode' of resource 'microsoft.graph.x509CertificateAuthenticationModeConfiguration' (in 'authenticationModeConfiguration').",
    },
    {
      name: 'a default authentication mode',
      body: { authenticationModeConfiguration: { x509CertificateAuthenticationDefaultMode: 'x509CertificateTwoFactor' } },
      message: invalid(
        'authenticationModeConfiguration.x509CertificateAuthenticationDefaultMode',
        '"x509CertificateTwoFactor" is not allowed (expected "x509CertificateSingleFactor", "x509CertificateMultiFactor")',
      ),
    },
    {
      name: 'a rule type',
      body: modes([rule({ x509CertificateRuleType: 'subjectAltName' })]),
      message: invalid(
        'authenticationModeConfiguration.rules.0.x509CertificateRuleType',
        '"subjectAltName" is not allowed (expected "issuerSubject", "policyOID", "issuerSubjectAndPolicyOID")',
      ),
    },
    {
      name: 'a rule authentication mode',
      body: modes([rule({ x509CertificateAuthenticationMode: 'none' })]),
      message: invalid(
        'authenticationModeConfiguration.rules.0.x509CertificateAuthenticationMode',
        '"none" is not allowed (expected "x509CertificateSingleFactor", "x509CertificateMultiFactor")',
      ),
    },
    {
      name: 'a rule without identifier',
      body: modes([{ x509CertificateRuleType: 'issuerSubject', x509CertificateAuthenticationMode: 'x509CertificateMultiFactor' }]),
      message:
        "A value is required for property 'identifier' of resource 'microsoft.graph.x509CertificateRule' (in 'authenticationModeConfiguration.rules.0').",
    },
    {
      name: 'a blank rule identifier',
      body: modes([rule({ identifier: '' })]),
      message: invalid('authenticationModeConfiguration.rules.0.identifier', 'the value must not be empty'),
    },
    {
      name: 'two rules with one identifier (case-insensitively)',
      body: modes([rule({}), rule({ identifier: 'cn=contoso issuing ca', x509CertificateAuthenticationMode: 'x509CertificateSingleFactor' })]),
      message: invalid(
        'authenticationModeConfiguration.rules.1.identifier',
        '"cn=contoso issuing ca" is already the identifier of authenticationModeConfiguration.rules.0; rule identifiers must be unique',
      ),
    },
    {
      name: 'a policyOID rule whose identifier is no OID',
      body: modes([rule({ x509CertificateRuleType: 'policyOID', identifier: '1.3.six.1' })]),
      message: invalid(
        'authenticationModeConfiguration.rules.0.identifier',
        '"1.3.six.1" is not a policy OID (expected a dotted-decimal object identifier such as 1.3.6.1.4.1.311.21.8)',
      ),
    },
    {
      name: 'a policyOID rule with a first arc above 2',
      body: modes([rule({ x509CertificateRuleType: 'policyOID', identifier: '3.1.4' })]),
      message: invalid('authenticationModeConfiguration.rules.0.identifier', '"3.1.4" is not a policy OID (expected a dotted-decimal object identifier such as 1.3.6.1.4.1.311.21.8)'),
    },
    {
      name: 'an issuerSubjectAndPolicyOID rule without its policy OID',
      body: modes([rule({ x509CertificateRuleType: 'issuerSubjectAndPolicyOID', identifier: 'both', issuerSubjectIdentifier: 'CN=Contoso Issuing CA' })]),
      message: `A value is required for property 'authenticationModeConfiguration.rules.0.policyOidIdentifier' of resource '${RESOURCE}' when x509CertificateRuleType is 'issuerSubjectAndPolicyOID'.`,
    },
    {
      name: 'an issuerSubjectAndPolicyOID rule without its issuer subject',
      body: modes([rule({ x509CertificateRuleType: 'issuerSubjectAndPolicyOID', identifier: 'both', issuerSubjectIdentifier: null, policyOidIdentifier: '1.2.3' })]),
      message: `A value is required for property 'authenticationModeConfiguration.rules.0.issuerSubjectIdentifier' of resource '${RESOURCE}' when x509CertificateRuleType is 'issuerSubjectAndPolicyOID'.`,
    },
    {
      name: 'an issuerSubjectAndPolicyOID rule whose policy OID is no OID',
      body: modes([rule({ x509CertificateRuleType: 'issuerSubjectAndPolicyOID', identifier: 'both', issuerSubjectIdentifier: 'CN=X', policyOidIdentifier: '1.2.' })]),
      message: invalid(
        'authenticationModeConfiguration.rules.0.policyOidIdentifier',
        '"1.2." is not a policy OID (expected a dotted-decimal object identifier such as 1.3.6.1.4.1.311.21.8)',
      ),
    },
    {
      name: 'a policyOidIdentifier on an issuerSubject rule',
      body: modes([rule({ policyOidIdentifier: '1.2.3' })]),
      message: invalid(
        'authenticationModeConfiguration.rules.0.policyOidIdentifier',
        "only a rule of x509CertificateRuleType 'issuerSubjectAndPolicyOID' has one (this rule is 'issuerSubject')",
      ),
    },
    {
      name: 'an issuerHintsConfiguration state',
      body: { issuerHintsConfiguration: { state: 'yes' } },
      message: invalid('issuerHintsConfiguration.state', '"yes" is not allowed (expected "enabled", "disabled")'),
    },
    {
      name: 'an exempted SKI that is not hex',
      body: { crlValidationConfiguration: { state: 'enabled', exemptedCertificateAuthoritiesSubjectKeyIdentifiers: [SKI, 'C0:E9:A2'] } },
      message: invalid(
        'crlValidationConfiguration.exemptedCertificateAuthoritiesSubjectKeyIdentifiers.1',
        '"C0:E9:A2" is not a subject key identifier (expected hexadecimal digits, an even number of them, e.g. 40 for a SHA-1 key identifier)',
      ),
    },
    {
      name: 'a CA scope SKI with an odd number of digits',
      body: { certificateAuthorityScopes: [{ subjectKeyIdentifier: 'ABC', includeTargets: [] }] },
      message: invalid(
        'certificateAuthorityScopes.0.subjectKeyIdentifier',
        '"ABC" is not a subject key identifier (expected hexadecimal digits, an even number of them, e.g. 40 for a SHA-1 key identifier)',
      ),
    },
    {
      name: 'two scopes for one CA of one PKI',
      body: {
        certificateAuthorityScopes: [
          { subjectKeyIdentifier: SKI, publicKeyInfrastructureIdentifier: 'Contoso PKI', includeTargets: [] },
          { subjectKeyIdentifier: SKI.toLowerCase(), publicKeyInfrastructureIdentifier: 'contoso pki', includeTargets: [] },
        ],
      },
      message: invalid(
        'certificateAuthorityScopes.1.subjectKeyIdentifier',
        `certificateAuthorityScopes.0 already scopes the CA ${SKI.toLowerCase()} of the same PKI; each CA can have one scope`,
      ),
    },
    {
      name: 'a CA scope include target type',
      body: { certificateAuthorityScopes: [{ subjectKeyIdentifier: SKI, includeTargets: [{ id: 'g', targetType: 'groups' }] }] },
      message: invalid('certificateAuthorityScopes.0.includeTargets.0.targetType', '"groups" is not allowed (expected "user", "group")'),
    },
    {
      name: 'an id that is not X509Certificate',
      body: { id: 'Fido2', state: 'enabled' },
      message: "The id 'Fido2' in the body does not match the id 'X509Certificate' of the configuration.",
    },
  ];

  let token: string;
  before(async () => {
    ({ token } = await freshTenant());
  });

  for (const { name, body, message, raw } of cases) {
    it(`refuses ${name}`, async () => {
      const res = raw
        ? await send(t.url, 'PATCH', `/beta${POLICY_PATH}`, token, { body })
        : await patchPolicy(token, body);
      assert.equal(res.status, 400, res.text);
      assert.equal(res.body.error.code, 'Request_BadRequest');
      assert.equal(res.body.error.message, message);
    });
  }

  it('refuses a body that is not JSON, and one that is not an object', async () => {
    const notJson = await send(t.url, 'PATCH', `/beta${POLICY_PATH}`, token, { rawBody: '{', headers: { 'content-type': 'application/json' } });
    assert.equal(notJson.status, 400);
    const array = await send(t.url, 'PATCH', `/beta${POLICY_PATH}`, token, { body: [] });
    assert.equal(array.status, 400);
    assert.equal(array.body.error.message, 'The request body must be a JSON object.');
  });

  it('stored nothing from any refused request', async () => {
    assert.deepEqual(entityOf(await getPolicy(token)), DEFAULT_REPRESENTATION);
  });
});

describe('permissions: Graph’s Policy permissions, not the PKI ones', () => {
  const validPatch = { '@odata.type': ODATA_TYPE, state: 'enabled' };
  const matrix: { name: string; request: Partial<TokenRequest>; get: number; patch: number }[] = [
    { name: 'app Policy.ReadWrite.AuthenticationMethod', request: { appRoles: [PERMISSION_POLICY_READ_WRITE_AUTHENTICATION_METHOD] }, get: 200, patch: 204 },
    { name: 'app Policy.Read.All', request: { appRoles: [PERMISSION_POLICY_READ] }, get: 200, patch: 403 },
    { name: 'app PublicKeyInfrastructure.Read.All', request: { appRoles: [PERMISSION_READ] }, get: 403, patch: 403 },
    { name: 'app PublicKeyInfrastructure.ReadWrite.All', request: { appRoles: [PERMISSION_READ_WRITE] }, get: 403, patch: 403 },
    { name: 'app with no roles', request: { appRoles: [] }, get: 403, patch: 403 },
    {
      name: 'delegated Policy.ReadWrite.AuthenticationMethod + Authentication Policy Administrator',
      request: { scopes: [PERMISSION_POLICY_READ_WRITE_AUTHENTICATION_METHOD], directoryRoles: [DIRECTORY_ROLES.authenticationPolicyAdministrator] },
      get: 200,
      patch: 204,
    },
    {
      name: 'delegated Policy.Read.All + Global Reader',
      request: { scopes: [PERMISSION_POLICY_READ], directoryRoles: [DIRECTORY_ROLES.globalReader] },
      get: 200,
      patch: 403,
    },
    {
      name: 'delegated Policy.ReadWrite.AuthenticationMethod + Global Reader',
      request: { scopes: [PERMISSION_POLICY_READ_WRITE_AUTHENTICATION_METHOD], directoryRoles: [DIRECTORY_ROLES.globalReader] },
      get: 200,
      patch: 403,
    },
    {
      name: 'delegated Policy.ReadWrite.AuthenticationMethod without a role',
      request: { scopes: [PERMISSION_POLICY_READ_WRITE_AUTHENTICATION_METHOD], directoryRoles: [] },
      get: 403,
      patch: 403,
    },
    {
      name: 'delegated Policy.ReadWrite.AuthenticationMethod + a PKI role (Privileged Authentication Administrator)',
      request: { scopes: [PERMISSION_POLICY_READ_WRITE_AUTHENTICATION_METHOD], directoryRoles: [DIRECTORY_ROLES.privilegedAuthenticationAdministrator] },
      get: 403,
      patch: 403,
    },
    {
      name: 'delegated PublicKeyInfrastructure.ReadWrite.All + Authentication Policy Administrator',
      request: { scopes: [PERMISSION_READ_WRITE], directoryRoles: [DIRECTORY_ROLES.authenticationPolicyAdministrator] },
      get: 403,
      patch: 403,
    },
  ];

  for (const { name, request, get, patch } of matrix) {
    it(`${name}: GET ${get}, PATCH ${patch}`, async () => {
      const { tenantId, token } = await freshTenant(request);
      const read = await getPolicy(token);
      assert.equal(read.status, get, read.text);
      const write = await send(t.url, 'PATCH', `/beta${POLICY_PATH}`, token, { body: validPatch });
      assert.equal(write.status, patch, write.text);
      for (const res of [read, write]) {
        if (res.status === 403) {
          assert.equal(res.body.error.code, 'Authorization_RequestDenied');
          assert.equal(res.body.error.message, 'Insufficient privileges to complete the operation.');
        }
      }
      const stored = await t.server.x509Policies.getPolicy(tenantId);
      assert.equal(stored.state, patch === 204 ? 'enabled' : 'disabled');
    });
  }

  it('leaves the PKI routes to the PKI permissions (a policy writer cannot list PKIs)', async () => {
    const { token } = await freshTenant();
    const res = await send(t.url, 'GET', '/beta/directory/publicKeyInfrastructure/certificateBasedAuthConfigurations', token);
    assert.equal(res.status, 403);
  });

  it('answers 401 without a token', async () => {
    const res = await send(t.url, 'GET', `/beta${POLICY_PATH}`, null);
    assert.equal(res.status, 401);
    assert.equal(res.body.error.code, 'InvalidAuthenticationToken');
  });
});

describe('tenant isolation', () => {
  it("B's PATCH changes B's policy only", async () => {
    const tokenA = await t.token({ tenantId: TENANT_A, ...policyWriter });
    const tokenB = await t.token({ tenantId: TENANT_B, ...policyWriter });
    const before = entityOf(await getPolicy(tokenA));
    const patched = await patchPolicy(tokenB, {
      state: 'enabled',
      excludeTargets: [{ id: 'b-group', targetType: 'group' }],
      crlValidationConfiguration: { state: 'enabled' },
    });
    assert.equal(patched.status, 204);
    assert.deepEqual(entityOf(await getPolicy(tokenA)), before);
    const b = entityOf(await getPolicy(tokenB));
    assert.equal(b.state, 'enabled');
    assert.deepEqual(b.excludeTargets, [{ id: 'b-group', targetType: 'group' }]);
  });
});

describe('durability', () => {
  it('keeps the policy across a restart of the server on the same database', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'graph-pki-x509-'));
    const database = await databaseForDataDir(dataDir);
    const first = await startTestServer({ dataDir, database });
    const body = {
      '@odata.type': ODATA_TYPE,
      state: 'enabled',
      certificateUserBindings: [{ x509CertificateField: 'SubjectKeyIdentifier', userProperty: 'certificateUserIds', priority: 1 }],
      certificateAuthorityScopes: [{ subjectKeyIdentifier: SKI, publicKeyInfrastructureIdentifier: 'Contoso PKI', includeTargets: [{ id: 'g1', targetType: 'group' }] }],
    };
    let written: Record<string, unknown>;
    try {
      const token = await first.token(policyWriter);
      assert.equal((await send(first.url, 'PATCH', `/v1.0${POLICY_PATH}`, token, { body })).status, 204);
      written = entityOf(await send(first.url, 'GET', `/v1.0${POLICY_PATH}`, token));
    } finally {
      // Not first.close(): that would remove the data folder the second server needs.
      await first.server.close();
    }
    const second = await startTestServer({ dataDir, database });
    try {
      const res = await send(second.url, 'GET', `/v1.0${POLICY_PATH}`, await second.token(policyWriter));
      assert.deepEqual(entityOf(res), written);
      assert.equal(entityOf(res).state, 'enabled');
    } finally {
      await second.close();
    }
  });
});
