// /policies/authenticationMethodsPolicy: the root with its own properties (GET with the configurations
// inline, PATCH of its own properties answered 200), the authenticationMethodConfigurations collection
// holding the x509 configuration, 404 for the methods not served, and Graph's evolvable-enum rule
// (`Prefer: include-unknown-enum-members`) on every response that carries such an enum.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { PERMISSION_POLICY_READ, PERMISSION_POLICY_READ_WRITE_AUTHENTICATION_METHOD } from '../../src/auth/permissions.ts';
import { API_VERSIONS } from '../../src/graph/context.ts';
import { METHODS_POLICY_UPDATE_EXAMPLE } from '../helpers/x509-policy-examples.ts';
import { send, startTestServer, type TestResponse, type TestServer } from '../helpers/test-server.ts';

const ROOT = '/policies/authenticationMethodsPolicy';
const CONFIGURATIONS = `${ROOT}/authenticationMethodConfigurations`;
const X509 = `${CONFIGURATIONS}/x509Certificate`;
const X509_TYPE = '#microsoft.graph.x509CertificateAuthenticationMethodConfiguration';
const PREFER = { prefer: 'include-unknown-enum-members' };

const DEFAULT_CAMPAIGN = {
  snoozeDurationInDays: 1,
  enforceRegistrationAfterAllowedSnoozes: true,
  state: 'default',
  excludeTargets: [],
  includeTargets: [{ id: 'all_users', targetType: 'group', targetedAuthenticationMethod: 'microsoftAuthenticator' }],
};

let t: TestServer;
before(async () => {
  t = await startTestServer();
});
after(() => t.close());

async function freshTenant(appRoles = [PERMISSION_POLICY_READ_WRITE_AUTHENTICATION_METHOD]): Promise<{ tenantId: string; token: string }> {
  const tenantId = randomUUID();
  return { tenantId, token: await t.token({ tenantId, appRoles }) };
}

function ok(res: TestResponse, status = 200): TestResponse {
  assert.equal(res.status, status, res.text);
  return res;
}

for (const version of API_VERSIONS) {
  describe(`/${version}: GET ${ROOT}`, () => {
    it("answers the root with its own properties and the x509 configuration inline, as Graph's get example", async () => {
      const { token } = await freshTenant();
      const res = ok(await send(t.url, 'GET', `/${version}${ROOT}`, token));
      assert.deepEqual(Object.keys(res.body), [
        '@odata.context',
        '@odata.type',
        'id',
        'displayName',
        'description',
        'lastModifiedDateTime',
        'policyVersion',
        'policyMigrationState',
        'reconfirmationInDays',
        'registrationEnforcement',
        'authenticationMethodConfigurations',
      ]);
      assert.equal(res.body['@odata.context'], `${t.url}/${version}/$metadata#authenticationMethodsPolicy`);
      assert.equal(res.body.id, 'authenticationMethodsPolicy');
      assert.equal(res.body.displayName, 'Authentication Methods Policy');
      assert.equal(res.body.policyVersion, '1.4');
      assert.equal(res.body.lastModifiedDateTime, null, 'a tenant that changed nothing');
      assert.deepEqual(res.body.registrationEnforcement, { authenticationMethodsRegistrationCampaign: DEFAULT_CAMPAIGN });
      assert.equal(res.body.authenticationMethodConfigurations.length, 1);
      const [x509] = res.body.authenticationMethodConfigurations;
      assert.equal(x509['@odata.type'], X509_TYPE);
      assert.equal(x509.id, 'X509Certificate');
      assert.deepEqual(x509.includeTargets, [{ targetType: 'group', id: 'all_users', isRegistrationRequired: false }]);
    });

    it('shows the x509 configuration as its own URL does, and the latest change as lastModifiedDateTime', async () => {
      const { token } = await freshTenant();
      ok(await send(t.url, 'PATCH', `/${version}${X509}`, token, { body: { '@odata.type': X509_TYPE, state: 'enabled' } }), 204);
      const root = ok(await send(t.url, 'GET', `/${version}${ROOT}`, token)).body;
      const { '@odata.context': _c, 'includeTargets@odata.context': _i, ...own } = ok(await send(t.url, 'GET', `/${version}${X509}`, token)).body;
      assert.deepEqual(root.authenticationMethodConfigurations, [own]);
      assert.match(root.lastModifiedDateTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    });

    it('takes no query options and answers 405 to POST, PUT and DELETE', async () => {
      const { token } = await freshTenant();
      assert.equal(ok(await send(t.url, 'GET', `/${version}${ROOT}?$select=id`, token), 400).body.error.code, 'Request_UnsupportedQuery');
      for (const method of ['POST', 'PUT', 'DELETE']) {
        const res = await send(t.url, method, `/${version}${ROOT}`, token, method === 'DELETE' ? {} : { body: {} });
        assert.equal(res.status, 405, method);
        assert.equal(res.headers.get('allow'), 'GET, PATCH, HEAD');
      }
    });
  });

  describe(`/${version}: PATCH ${ROOT}`, () => {
    it("accepts Graph's documented example verbatim and answers 200 with the updated policy", async () => {
      const { token } = await freshTenant();
      const res = ok(await send(t.url, 'PATCH', `/${version}${ROOT}`, token, { body: METHODS_POLICY_UPDATE_EXAMPLE }));
      assert.equal(res.body['@odata.context'], `${t.url}/${version}/$metadata#authenticationMethodsPolicy`);
      const expected = { ...METHODS_POLICY_UPDATE_EXAMPLE.registrationEnforcement.authenticationMethodsRegistrationCampaign, enforceRegistrationAfterAllowedSnoozes: true };
      assert.deepEqual(res.body.registrationEnforcement.authenticationMethodsRegistrationCampaign, expected);
      assert.equal(res.body.authenticationMethodConfigurations, undefined, "the configurations are not part of the answer, as in Graph's example");
      assert.match(res.body.lastModifiedDateTime, /Z$/);
      const read = ok(await send(t.url, 'GET', `/${version}${ROOT}`, token)).body;
      assert.deepEqual(read.registrationEnforcement.authenticationMethodsRegistrationCampaign, expected);
    });

    it('changes only what it names: a campaign property left out keeps its value; the x509 configuration is untouched', async () => {
      const { token } = await freshTenant();
      ok(await send(t.url, 'PATCH', `/${version}${ROOT}`, token, { body: METHODS_POLICY_UPDATE_EXAMPLE }));
      const res = ok(
        await send(t.url, 'PATCH', `/${version}${ROOT}`, token, {
          body: { reconfirmationInDays: 90, policyMigrationState: 'migrationComplete', registrationEnforcement: { authenticationMethodsRegistrationCampaign: { snoozeDurationInDays: 0 } } },
        }),
      );
      assert.equal(res.body.reconfirmationInDays, 90);
      assert.equal(res.body.policyMigrationState, 'migrationComplete');
      const campaign = res.body.registrationEnforcement.authenticationMethodsRegistrationCampaign;
      assert.equal(campaign.snoozeDurationInDays, 0);
      assert.equal(campaign.state, 'enabled');
      assert.equal(campaign.includeTargets[0].id, '3ee3a9de-0a86-4e12-a287-9769accf1ba2');
      const x509 = ok(await send(t.url, 'GET', `/${version}${X509}`, token)).body;
      assert.equal(x509.state, 'disabled');
    });

    it('accepts the policy it read back except its read-only properties, each refused by name', async () => {
      const { token } = await freshTenant();
      const read = ok(await send(t.url, 'GET', `/${version}${ROOT}`, token)).body;
      const cases: [string, Record<string, unknown>, string][] = [
        ['displayName', { displayName: 'x' }, "Property 'displayName' of resource 'microsoft.graph.authenticationMethodsPolicy' is read-only and cannot be updated."],
        ['policyVersion', { policyVersion: '2' }, "Property 'policyVersion' of resource 'microsoft.graph.authenticationMethodsPolicy' is read-only and cannot be updated."],
        [
          'authenticationMethodConfigurations',
          { authenticationMethodConfigurations: read.authenticationMethodConfigurations },
          "Property 'authenticationMethodConfigurations' cannot be updated through the policy; PATCH each configuration at /policies/authenticationMethodsPolicy/authenticationMethodConfigurations/{id}.",
        ],
        ['another id', { id: 'other' }, "The id 'other' in the body does not match the id 'authenticationMethodsPolicy' of the policy."],
        [
          'a snooze over 14 days',
          { registrationEnforcement: { authenticationMethodsRegistrationCampaign: { snoozeDurationInDays: 15 } } },
          "Invalid value specified for property 'registrationEnforcement.authenticationMethodsRegistrationCampaign.snoozeDurationInDays' of resource 'microsoft.graph.authenticationMethodsRegistrationCampaign': 15 is outside 0 to 14.",
        ],
        [
          'reconfirmationInDays over 365',
          { reconfirmationInDays: 366 },
          "Invalid value specified for property 'reconfirmationInDays' of resource 'microsoft.graph.authenticationMethodsPolicy': 366 is outside 0 to 365.",
        ],
      ];
      for (const [name, body, message] of cases) {
        const res = ok(await send(t.url, 'PATCH', `/${version}${ROOT}`, token, { body }), 400);
        assert.equal(res.body.error.message, message, name);
      }
      const unknownState = ok(await send(t.url, 'PATCH', `/${version}${ROOT}`, token, { body: { policyMigrationState: 'done' } }), 400);
      assert.match(unknownState.body.error.message, /policyMigrationState/);
      // The object read back, its read-only properties and configurations taken out, is accepted as it is.
      const { displayName: _d, description: _e, lastModifiedDateTime: _l, policyVersion: _p, authenticationMethodConfigurations: _a, ...writable } = read;
      ok(await send(t.url, 'PATCH', `/${version}${ROOT}`, token, { body: writable }));
      assert.deepEqual(ok(await send(t.url, 'GET', `/${version}${ROOT}`, token)).body.registrationEnforcement, read.registrationEnforcement);
    });

    it('needs Policy.ReadWrite.AuthenticationMethod: a reader gets 403 and nothing changes', async () => {
      const { tenantId } = await freshTenant();
      const reader = await t.token({ tenantId, appRoles: [PERMISSION_POLICY_READ] });
      ok(await send(t.url, 'GET', `/${version}${ROOT}`, reader));
      ok(await send(t.url, 'PATCH', `/${version}${ROOT}`, reader, { body: METHODS_POLICY_UPDATE_EXAMPLE }), 403);
      const read = ok(await send(t.url, 'GET', `/${version}${ROOT}`, reader)).body;
      assert.deepEqual(read.registrationEnforcement.authenticationMethodsRegistrationCampaign, DEFAULT_CAMPAIGN);
    });
  });

  describe(`/${version}: ${CONFIGURATIONS}`, () => {
    it('lists the x509 configuration, and gets it by id in any case', async () => {
      const { token } = await freshTenant();
      const list = ok(await send(t.url, 'GET', `/${version}${CONFIGURATIONS}`, token)).body;
      assert.equal(list['@odata.context'], `${t.url}/${version}/$metadata#policies/authenticationMethodsPolicy/authenticationMethodConfigurations`);
      assert.deepEqual(list.value.map((c: { id: string }) => c.id), ['X509Certificate']);
      for (const id of ['X509Certificate', 'x509certificate']) {
        const one = ok(await send(t.url, 'GET', `/${version}${CONFIGURATIONS}/${id}`, token)).body;
        assert.equal(one['@odata.type'], X509_TYPE);
      }
    });

    it('answers 404 for the methods it does not serve, saying so, and for unknown ids', async () => {
      const { token } = await freshTenant();
      for (const [method, id] of [['GET', 'Fido2'], ['PATCH', 'microsoftAuthenticator'], ['DELETE', 'Sms']] as const) {
        const res = ok(await send(t.url, method, `/${version}${CONFIGURATIONS}/${id}`, token, method === 'PATCH' ? { body: { '@odata.type': '#microsoft.graph.microsoftAuthenticatorAuthenticationMethodConfiguration' } } : {}), 404);
        assert.equal(res.body.error.code, 'Request_ResourceNotFound');
        assert.match(res.body.error.message, /is not served by graph-pki; only 'X509Certificate' is\.$/);
      }
      const unknown = ok(await send(t.url, 'GET', `/${version}${CONFIGURATIONS}/nonsense`, token), 404);
      assert.equal(unknown.body.error.message, "Resource 'nonsense' does not exist or one of its queried reference-property objects are not present.");
    });
  });
}

describe('evolvable enums: members after unknownFutureValue only with Prefer: include-unknown-enum-members', () => {
  const combinedRule = {
    x509CertificateRuleType: 'issuerSubjectAndPolicyOID',
    identifier: 'issuerSubjectAndPolicyOID',
    issuerSubjectIdentifier: 'CN=ContosoCA,DC=Contoso,DC=org',
    policyOidIdentifier: '1.2.3.4',
    x509CertificateAuthenticationMode: 'x509CertificateMultiFactor',
  };
  let token: string;
  before(async () => {
    ({ token } = await freshTenant());
    // Accepted on input whether or not the header is there.
    const res = await send(t.url, 'PATCH', `/beta${X509}`, token, {
      body: { '@odata.type': X509_TYPE, authenticationModeConfiguration: { x509CertificateAuthenticationDefaultMode: 'x509CertificateSingleFactor', rules: [combinedRule] } },
    });
    ok(res, 204);
  });

  const ruleOf = (configuration: { authenticationModeConfiguration: { rules: Record<string, unknown>[] } }): Record<string, unknown> => configuration.authenticationModeConfiguration.rules[0] ?? {};

  for (const version of API_VERSIONS) {
    it(`/${version}: without the header the rule type reads unknownFutureValue (and nothing else changes), with no Preference-Applied`, async () => {
      const res = ok(await send(t.url, 'GET', `/${version}${X509}`, token));
      assert.deepEqual(ruleOf(res.body), { ...combinedRule, x509CertificateRuleType: 'unknownFutureValue', x509CertificateRequiredAffinityLevel: 'low' });
      assert.equal(res.headers.get('preference-applied'), null);
    });

    it(`/${version}: with the header (among other preferences, any case) the member is sent and Preference-Applied says so`, async () => {
      for (const prefer of ['include-unknown-enum-members', 'odata.maxpagesize=5, Include-Unknown-Enum-Members']) {
        const res = ok(await send(t.url, 'GET', `/${version}${X509}`, token, { headers: { prefer } }));
        assert.equal(ruleOf(res.body).x509CertificateRuleType, 'issuerSubjectAndPolicyOID', prefer);
        assert.equal(res.headers.get('preference-applied'), 'include-unknown-enum-members');
      }
    });

    it(`/${version}: the same on the policy root and the configurations collection; a rule identifier with the member's name is left alone`, async () => {
      const root = ok(await send(t.url, 'GET', `/${version}${ROOT}`, token)).body;
      assert.equal(ruleOf(root.authenticationMethodConfigurations[0]).x509CertificateRuleType, 'unknownFutureValue');
      assert.equal(ruleOf(root.authenticationMethodConfigurations[0]).identifier, 'issuerSubjectAndPolicyOID');
      const list = ok(await send(t.url, 'GET', `/${version}${CONFIGURATIONS}`, token)).body;
      assert.equal(ruleOf(list.value[0]).x509CertificateRuleType, 'unknownFutureValue');
      const preferred = ok(await send(t.url, 'GET', `/${version}${CONFIGURATIONS}`, token, { headers: PREFER }));
      assert.equal(ruleOf(preferred.body.value[0]).x509CertificateRuleType, 'issuerSubjectAndPolicyOID');
      assert.equal(preferred.headers.get('preference-applied'), 'include-unknown-enum-members');
    });
  }

  it('the verification engine still sees the real rule type', async () => {
    const { tenantId } = await freshTenant();
    const writer = await t.token({ tenantId, appRoles: [PERMISSION_POLICY_READ_WRITE_AUTHENTICATION_METHOD] });
    ok(await send(t.url, 'PATCH', `/v1.0${X509}`, writer, { body: { '@odata.type': X509_TYPE, authenticationModeConfiguration: { x509CertificateAuthenticationDefaultMode: 'x509CertificateSingleFactor', rules: [combinedRule] } } }), 204);
    const policy = await t.server.x509Policies.getPolicy(tenantId);
    assert.equal(policy.authenticationModeConfiguration.rules[0]?.x509CertificateRuleType, 'issuerSubjectAndPolicyOID');
  });
});
