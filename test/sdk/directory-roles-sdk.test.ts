// Directory roles through Microsoft's own SDKs, as an admin signed in with Connect-MgGraph-style delegated
// tokens sees them: a Global Administrator succeeds on the very first call of each SDK (beta Kiota SDK on
// the trust store, the v3 Graph client on v1.0 trust store and x509 policy); a Global Reader reads the x509
// policy (documented) but not the trust store (not documented) and writes nothing, and the SDKs surface
// the 403 as their own error types.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import type { AuthenticationProvider as KiotaAuthenticationProvider, RequestInformation } from '@microsoft/kiota-abstractions';
import { createGraphBetaServiceClient, GraphBetaRequestAdapter, type GraphBetaServiceClient } from '@microsoft/msgraph-beta-sdk';
import '@microsoft/msgraph-beta-sdk-directory';
import { type Client, GraphError } from '@microsoft/microsoft-graph-client';
import { DIRECTORY_ROLES, PERMISSION_POLICY_READ_WRITE_AUTHENTICATION_METHOD, PERMISSION_READ_WRITE } from '../../src/auth/permissions.ts';
import { loopbackGraphClient } from '../helpers/graph-client-loopback.ts';
import { rejection } from '../helpers/rejection.ts';
import { startTestServer, TENANT_A, type TestServer } from '../helpers/test-server.ts';

const PKIS = '/directory/publicKeyInfrastructure/certificateBasedAuthConfigurations';
const X509 = '/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/x509Certificate';
/** What Connect-MgGraph -Scopes asks for when an admin sets up CBA. */
const ADMIN_SCOPES = [PERMISSION_READ_WRITE, PERMISSION_POLICY_READ_WRITE_AUTHENTICATION_METHOD];

class StaticBearer implements KiotaAuthenticationProvider {
  constructor(private readonly token: string) {}
  authenticateRequest = async (request: RequestInformation): Promise<void> => {
    request.headers.tryAdd('Authorization', `Bearer ${this.token}`);
  };
}

let server: TestServer;

before(async () => {
  server = await startTestServer();
});

after(() => server?.close());

function kiotaBeta(token: string): GraphBetaServiceClient {
  const adapter = new GraphBetaRequestAdapter(new StaticBearer(token));
  adapter.baseUrl = `${server.url}/beta`;
  return createGraphBetaServiceClient(adapter);
}

function graphClient(token: string, version: 'beta' | 'v1.0'): Client {
  return loopbackGraphClient(server.url, token, version);
}

function delegatedToken(role: keyof typeof DIRECTORY_ROLES, tenantId: string): Promise<string> {
  return server.token({ tenantId, scopes: ADMIN_SCOPES, directoryRoles: [DIRECTORY_ROLES[role]] });
}

describe('a Global Administrator through the SDKs', () => {
  it('Kiota beta SDK: the first call (create a PKI) succeeds, then list, update and delete', async () => {
    const client = kiotaBeta(await delegatedToken('globalAdministrator', '00000000-0000-4000-8000-0000000000a1'));
    const pkis = client.directory.publicKeyInfrastructure.certificateBasedAuthConfigurations;
    const created = await pkis.post({ displayName: 'GA PKI' });
    assert.equal(created?.displayName, 'GA PKI');
    const id = created?.id ?? assert.fail('no id');
    const listed = await pkis.get();
    assert.deepEqual(listed?.value?.map((p) => p.id), [id]);
    const updated = await pkis.byCertificateBasedAuthPkiId(id).patch({ displayName: 'GA PKI 2' });
    assert.equal(updated?.displayName, 'GA PKI 2');
    await pkis.byCertificateBasedAuthPkiId(id).delete();
  });

  for (const version of ['beta', 'v1.0'] as const) {
    it(`Graph client v3 (${version}): the first call (list PKIs) succeeds, and so do the x509 policy GET and PATCH`, async () => {
      const client = graphClient(await delegatedToken('globalAdministrator', TENANT_A), version);
      const list = (await client.api(PKIS).get()) as { value: unknown[] };
      assert.ok(Array.isArray(list.value));
      const policy = (await client.api(X509).get()) as { id: string };
      assert.equal(policy.id, 'X509Certificate');
      await client.api(X509).patch({ '@odata.type': '#microsoft.graph.x509CertificateAuthenticationMethodConfiguration', state: 'enabled' });
    });
  }
});

describe('a Global Reader through the SDKs', () => {
  it('Graph client v3: reads the x509 policy (documented) but may not change it nor read the trust store', async () => {
    const client = graphClient(await delegatedToken('globalReader', TENANT_A), 'v1.0');
    const policy = (await client.api(X509).get()) as { id: string };
    assert.equal(policy.id, 'X509Certificate');
    for (const refused of [
      () => client.api(X509).patch({ '@odata.type': '#microsoft.graph.x509CertificateAuthenticationMethodConfiguration', state: 'disabled' }),
      () => client.api(PKIS).get(),
      () => client.api(PKIS).post({ displayName: 'reader' }),
    ]) {
      const error = await rejection(refused);
      assert.ok(error instanceof GraphError, inspect(error));
      assert.equal(error.statusCode, 403);
      assert.equal(error.code, 'Authorization_RequestDenied');
    }
  });

  it('Kiota beta SDK: a PKI list is refused with the SDK’s ODataError', async () => {
    const client = kiotaBeta(await delegatedToken('globalReader', TENANT_A));
    const error = (await rejection(() => client.directory.publicKeyInfrastructure.certificateBasedAuthConfigurations.get())) as {
      responseStatusCode?: number;
      errorEscaped?: { code?: string };
    };
    assert.equal(error.responseStatusCode, 403, inspect(error));
    assert.equal(error.errorEscaped?.code, 'Authorization_RequestDenied');
  });
});
