// The x509 authentication-method configuration and the authenticationMethodsPolicy root through Microsoft's
// Graph client v3 (beta and v1.0; the Kiota packages on npm have no policies request builders): the documented
// update bodies sent verbatim, DELETE back to the documented defaults, the root and its configurations
// collection, and the evolvable-enum Prefer header as an SDK user sets it.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { type Client, GraphError, ResponseType } from '@microsoft/microsoft-graph-client';
import { loopbackGraphClient } from '../helpers/graph-client-loopback.ts';
import { rejection } from '../helpers/rejection.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import { METHODS_POLICY_UPDATE_EXAMPLE, X509_UPDATE_EXAMPLE_BETA, X509_UPDATE_EXAMPLE_V1 } from '../helpers/x509-policy-examples.ts';

const ROOT = '/policies/authenticationMethodsPolicy';
const CONFIGURATIONS = `${ROOT}/authenticationMethodConfigurations`;
const X509 = `${CONFIGURATIONS}/x509Certificate`;
const DOCUMENTED_DEFAULT_BINDINGS = [
  { x509CertificateField: 'PrincipalName', userProperty: 'onPremisesUserPrincipalName', priority: 1 },
  { x509CertificateField: 'RFC822Name', userProperty: 'userPrincipalName', priority: 2 },
];
const EXAMPLES = { 'v1.0': X509_UPDATE_EXAMPLE_V1, beta: X509_UPDATE_EXAMPLE_BETA } as const;

interface Binding {
  x509CertificateField: string;
  userProperty: string;
  priority: number;
}

let server: TestServer;

before(async () => {
  server = await startTestServer();
});

after(() => server?.close());

/** A client for a tenant of its own, so the versions' cases cannot see each other's writes. */
async function clientFor(version: 'beta' | 'v1.0', tenantId: string): Promise<Client> {
  const token = await server.token({ tenantId, appRoles: ['Policy.ReadWrite.AuthenticationMethod'] });
  return loopbackGraphClient(server.url, token, version);
}

const bindingsOf = (configuration: { certificateUserBindings: Binding[] }): Binding[] =>
  configuration.certificateUserBindings.map(({ x509CertificateField, userProperty, priority }) => ({ x509CertificateField, userProperty, priority }));

for (const [version, tenantSuffix] of [['v1.0', 'c1'], ['beta', 'c2']] as const) {
  describe(`x509 policy through the Graph client v3 (${version})`, () => {
    let client: Client;
    before(async () => {
      client = await clientFor(version, `00000000-0000-4000-8000-0000000000${tenantSuffix}`);
    });

    it('reads the documented defaults, with includeTargets all_users', async () => {
      const configuration = await client.api(X509).get();
      assert.equal(configuration.id, 'X509Certificate');
      assert.deepEqual(bindingsOf(configuration), DOCUMENTED_DEFAULT_BINDINGS);
      assert.deepEqual(
        configuration.includeTargets.map((target: { id: string; targetType: string }) => [target.targetType, target.id]),
        [['group', 'all_users']],
      );
    });

    it('takes the documented update body verbatim and returns what it stored', async () => {
      const example = EXAMPLES[version];
      assert.equal(await client.api(X509).patch(example), undefined, 'PATCH answers 204 without a body');
      const configuration = await client.api(X509).get();
      assert.equal(configuration.state, 'enabled');
      assert.deepEqual(bindingsOf(configuration), example.certificateUserBindings);
      assert.deepEqual(configuration.includeTargets, example.includeTargets);
      assert.equal(
        configuration.authenticationModeConfiguration.x509CertificateAuthenticationDefaultMode,
        example.authenticationModeConfiguration.x509CertificateAuthenticationDefaultMode,
      );
    });

    it('DELETE resets the configuration to the documented defaults', async () => {
      await client.api(X509).delete();
      const configuration = await client.api(X509).get();
      assert.deepEqual(bindingsOf(configuration), DOCUMENTED_DEFAULT_BINDINGS);
      assert.equal(configuration.authenticationModeConfiguration.rules.length, 0);
    });

    it('serves the policy root and its configurations collection, and PATCHes the root with the documented body', async () => {
      const collection = await client.api(CONFIGURATIONS).get();
      assert.deepEqual(collection.value.map((c: { id: string }) => c.id), ['X509Certificate']);
      const updated = await client.api(ROOT).patch(METHODS_POLICY_UPDATE_EXAMPLE);
      const campaign = METHODS_POLICY_UPDATE_EXAMPLE.registrationEnforcement.authenticationMethodsRegistrationCampaign;
      const root = updated ?? (await client.api(ROOT).get());
      assert.equal(root.registrationEnforcement.authenticationMethodsRegistrationCampaign.snoozeDurationInDays, campaign.snoozeDurationInDays);
      assert.deepEqual(
        (await client.api(ROOT).get()).authenticationMethodConfigurations.map((c: { id: string }) => c.id),
        ['X509Certificate'],
      );
    });

    it('hides an evolvable enum member unless the SDK call sends Prefer: include-unknown-enum-members', async () => {
      await client.api(X509).patch({
        '@odata.type': '#microsoft.graph.x509CertificateAuthenticationMethodConfiguration',
        authenticationModeConfiguration: {
          x509CertificateAuthenticationDefaultMode: 'x509CertificateSingleFactor',
          rules: [
            {
              x509CertificateRuleType: 'issuerSubjectAndPolicyOID',
              identifier: 'combined',
              issuerSubjectIdentifier: 'CN=ContosoCA,DC=Contoso,DC=org',
              policyOidIdentifier: '1.2.3.4',
              x509CertificateAuthenticationMode: 'x509CertificateMultiFactor',
            },
          ],
        },
      });
      const hidden = await client.api(X509).get();
      assert.equal(hidden.authenticationModeConfiguration.rules[0].x509CertificateRuleType, 'unknownFutureValue');
      const raw = (await client.api(X509).header('Prefer', 'include-unknown-enum-members').responseType(ResponseType.RAW).get()) as Response;
      assert.equal(raw.status, 200);
      assert.equal(raw.headers.get('preference-applied'), 'include-unknown-enum-members');
      const shown = (await raw.json()) as { authenticationModeConfiguration: { rules: { x509CertificateRuleType: string }[] } };
      assert.equal(shown.authenticationModeConfiguration.rules[0]?.x509CertificateRuleType, 'issuerSubjectAndPolicyOID');
    });

    it('surfaces a refused update as the SDK’s GraphError with Graph’s code', async () => {
      const error = await rejection(() => client.api(X509).patch({ ...EXAMPLES[version], state: 'sometimes' }));
      assert.ok(error instanceof GraphError, String(error));
      assert.equal(error.statusCode, 400);
      assert.match(error.code ?? '', /\S/);
    });
  });
}
