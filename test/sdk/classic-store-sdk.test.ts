// The classic store (organization/{id}/certificateBasedAuthConfiguration) and /organization through real
// Microsoft Graph SDKs, unchanged apart from base URL and token: Kiota v1.0 (@microsoft/msgraph-sdk with
// @microsoft/msgraph-sdk-organization) and the Graph client v3 on beta and v1.0. The documented create body
// (certificateAuthorities with isRootAuthority and certificate) is sent as the docs show it, with a real
// certificate where the docs write "Binary"; then list, get, the SDK's error for a second POST and for
// PATCH (no update in Graph), and delete; on both back-ends.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { inspect } from 'node:util';
import { Client, type Context, GraphError, HTTPMessageHandler, type Middleware } from '@microsoft/microsoft-graph-client';
import type { AuthenticationProvider, RequestInformation } from '@microsoft/kiota-abstractions';
import { createGraphServiceClient, GraphRequestAdapter, type GraphServiceClient } from '@microsoft/msgraph-sdk';
// Side effect: adds `.organization` to GraphServiceClient.
import '@microsoft/msgraph-sdk-organization';
import { PERMISSION_ORGANIZATION_READ_WRITE } from '../../src/auth/permissions.ts';
import { createCa, type TestCert } from '../helpers/certs.ts';
import { startTestServer, TENANT_A, type TestServer } from '../helpers/test-server.ts';

const CONFIGURATION_ID = '29728ade-6ae4-4ee9-9103-412912537da5';

class StaticBearerTokenProvider implements AuthenticationProvider {
  constructor(private readonly accessToken: string) {}
  authenticateRequest = async (request: RequestInformation): Promise<void> => {
    request.headers.tryAdd('Authorization', `Bearer ${this.accessToken}`);
  };
}

async function rejection(action: () => Promise<unknown>): Promise<Record<string, unknown>> {
  try {
    await action();
  } catch (error) {
    return error as Record<string, unknown>;
  }
  assert.fail('expected the SDK call to reject');
}

let server: TestServer;
let token: string;
let root: TestCert;
let issuing: TestCert;

before(async () => {
  server = await startTestServer();
  token = await server.token({ appRoles: [PERMISSION_ORGANIZATION_READ_WRITE] });
  root = await createCa({ subject: 'CN=SDK Classic Root, O=Contoso' });
  issuing = await createCa({ subject: 'CN=SDK Classic Issuing, O=Contoso', issuer: root });
});
after(() => server.close());

describe('Kiota v1.0 SDK (@microsoft/msgraph-sdk-organization)', () => {
  let client: GraphServiceClient;
  before(() => {
    const adapter = new GraphRequestAdapter(new StaticBearerTokenProvider(token));
    adapter.baseUrl = `${server.url}/v1.0`;
    client = createGraphServiceClient(adapter);
  });

  it('reads the organization', async () => {
    const list = await client.organization.get();
    assert.equal(list?.value?.length, 1);
    assert.equal(list?.value?.[0]?.id, TENANT_A);
    const one = await client.organization.byOrganizationId(TENANT_A).get();
    assert.equal(one?.id, TENANT_A);
    assert.equal(typeof one?.displayName, 'string');
  });

  it('creates (the documented body), lists, gets and deletes the classic configuration; no update', async () => {
    const store = () => client.organization.byOrganizationId(TENANT_A).certificateBasedAuthConfiguration;
    const created = await store().post({
      certificateAuthorities: [
        { isRootAuthority: true, certificate: new Uint8Array(root.der).buffer },
        { isRootAuthority: false, certificate: new Uint8Array(issuing.der).buffer, certificateRevocationListUrl: 'http://crl.contoso.test/issuing.crl' },
      ],
    });
    assert.equal(created?.id, CONFIGURATION_ID);
    const [first, second] = created?.certificateAuthorities ?? [];
    assert.ok(first?.certificate instanceof ArrayBuffer, inspect(first));
    assert.ok(Buffer.from(first.certificate).equals(root.der));
    assert.equal(first.issuer, 'CN=SDK Classic Root, O=Contoso');
    assert.match(first.issuerSki ?? '', /^[0-9A-F]{40}$/);
    assert.equal(second?.isRootAuthority, false);
    assert.equal(second?.certificateRevocationListUrl, 'http://crl.contoso.test/issuing.crl');

    const list = await store().get();
    assert.deepEqual(list?.value?.map((c) => c.id), [CONFIGURATION_ID]);
    const one = await store().byCertificateBasedAuthConfigurationId(CONFIGURATION_ID).get();
    assert.equal(one?.certificateAuthorities?.length, 2);

    const twice = await rejection(() => store().post({ certificateAuthorities: [{ isRootAuthority: true, certificate: new Uint8Array(root.der).buffer }] }));
    assert.equal(twice.responseStatusCode, 400);
    assert.equal((twice.error as { code?: string } | undefined)?.code ?? (twice as { errorEscaped?: { code?: string } }).errorEscaped?.code, 'Request_BadRequest');

    await store().byCertificateBasedAuthConfigurationId(CONFIGURATION_ID).delete();
    const gone = await rejection(() => store().byCertificateBasedAuthConfigurationId(CONFIGURATION_ID).get());
    assert.equal(gone.responseStatusCode, 404);
    assert.deepEqual((await store().get())?.value, []);
  });
});

for (const version of ['beta', 'v1.0'] as const) {
  describe(`Graph client v3 (${version})`, () => {
    let client: Client;
    before(() => {
      // The client's own AuthenticationHandler adds tokens to https URLs only (graph-client-https.test.ts
      // covers it); on this plain-http loopback server a one-line middleware sets the header instead.
      let next: Middleware | undefined;
      const bearer: Middleware = {
        execute: async (context: Context) => {
          context.options = { ...context.options, headers: { ...(context.options?.headers as Record<string, string> | undefined), Authorization: `Bearer ${token}` } };
          await next?.execute(context);
        },
        setNext: (middleware: Middleware) => {
          next = middleware;
        },
      };
      bearer.setNext?.(new HTTPMessageHandler());
      client = Client.initWithMiddleware({ baseUrl: server.url, defaultVersion: version, middleware: bearer });
    });

    it('reads the organization and walks the classic configuration through create, list, get, PATCH refused, delete', async () => {
      const organizations = await client.api('/organization').get();
      assert.equal(organizations.value[0].id, TENANT_A);
      const path = `/organization/${TENANT_A}/certificateBasedAuthConfiguration`;
      // The docs' request body, a real certificate in place of "Binary".
      const created = await client.api(path).post({ certificateAuthorities: [{ isRootAuthority: true, certificate: root.base64 }] });
      assert.equal(created.id, CONFIGURATION_ID);
      assert.equal(created.certificateAuthorities[0].issuer, 'CN=SDK Classic Root, O=Contoso');
      assert.equal((await client.api(path).get()).value.length, 1);
      assert.equal((await client.api(`${path}/${CONFIGURATION_ID}`).get()).certificateAuthorities[0].certificate, root.base64);
      const patch = await rejection(() => client.api(`${path}/${CONFIGURATION_ID}`).patch({ certificateAuthorities: [] }));
      assert.ok(patch instanceof GraphError);
      assert.equal(patch.statusCode, 405);
      await client.api(`${path}/${CONFIGURATION_ID}`).delete();
      assert.deepEqual((await client.api(path).get()).value, []);
    });
  });
}
