// Users through Microsoft's Graph SDKs, unchanged apart from base URL and token: the v1.0 Kiota SDK
// (@microsoft/msgraph-sdk with @microsoft/msgraph-sdk-users) and the older client
// (@microsoft/microsoft-graph-client v3) on beta and v1.0 (Kiota beta has no users package on npm). The
// documented bodies are sent as the docs show them: user-post-users' minimal user, and E-CUI's PATCH of
// authorizationInfo.certificateUserIds; the documented filter with ConsistencyLevel: eventual and $count.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { inspect } from 'node:util';
import type { AuthenticationProvider, RequestInformation } from '@microsoft/kiota-abstractions';
import { Client, GraphError, HTTPMessageHandler } from '@microsoft/microsoft-graph-client';
import { createGraphServiceClient, GraphRequestAdapter, type GraphServiceClient } from '@microsoft/msgraph-sdk';
import type { User } from '@microsoft/msgraph-sdk/models/index.js';
// Side effect: adds `.users` to GraphServiceClient.
import '@microsoft/msgraph-sdk-users';
import { PERMISSION_USER_READ_WRITE_ALL } from '../../src/auth/permissions.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';

/** Kiota's bearer provider authenticates https hosts only; the test server is plain http on loopback. */
class StaticBearerTokenProvider implements AuthenticationProvider {
  constructor(private readonly accessToken: string) {}

  authenticateRequest = async (request: RequestInformation): Promise<void> => {
    request.headers.tryAdd('Authorization', `Bearer ${this.accessToken}`);
  };
}

let t: TestServer;
let token: string;
let kiota: GraphServiceClient;
let v3: Client;

before(async () => {
  t = await startTestServer();
  token = await t.token({ appRoles: [PERMISSION_USER_READ_WRITE_ALL] });
  const adapter = new GraphRequestAdapter(new StaticBearerTokenProvider(token));
  adapter.baseUrl = `${t.url}/v1.0`;
  kiota = createGraphServiceClient(adapter);
  // Only the client's last middleware (the fetch): its auth handler strips the Authorization header from
  // requests to hosts other than Graph's over http; the token rides on each request instead (api()).
  v3 = Client.initWithMiddleware({ middleware: new HTTPMessageHandler(), baseUrl: t.url, defaultVersion: 'v1.0' });
});
after(() => t.close());

/** user-post-users' example body (Request, "Create a user"), with the given userPrincipalName. */
function documentedUser(userPrincipalName: string): User {
  return {
    accountEnabled: true,
    displayName: 'Adele Vance',
    mailNickname: 'AdeleV',
    userPrincipalName,
    passwordProfile: { forceChangePasswordNextSignIn: true, password: 'xWwvJ]6NMw+bWH-d' },
  };
}

async function rejection(action: () => Promise<unknown>): Promise<unknown> {
  try {
    await action();
  } catch (error) {
    return error;
  }
  assert.fail('expected the SDK call to reject');
}

describe('Kiota v1.0 SDK (@microsoft/msgraph-sdk-users)', () => {
  it('creates the documented user, writes its certificateUserIds (E-CUI) and finds it by the documented filter', async () => {
    const created = await kiota.users.post(documentedUser('AdeleV@contoso.com'));
    assert.ok(created?.id, inspect(created));
    assert.equal(created.userPrincipalName, 'AdeleV@contoso.com');

    await kiota.users.byUserId(created.id).patch({ authorizationInfo: { certificateUserIds: ['X509:<PN>AdeleV@contoso.com', 'X509:<SKI>aB1cD2eF3gH4iJ5kL6-mN7oP8qR='] } });
    const read = await kiota.users.byUserId('adelev@contoso.com').get({ queryParameters: { select: ['id', 'displayName', 'authorizationInfo'] } });
    assert.equal(read?.id, created.id);
    assert.deepEqual(read?.authorizationInfo?.certificateUserIds, ['X509:<PN>AdeleV@contoso.com', 'X509:<SKI>aB1cD2eF3gH4iJ5kL6-mN7oP8qR=']);

    const found = await kiota.users.get({
      queryParameters: { select: ['displayName', 'authorizationInfo'], filter: "authorizationInfo/certificateUserIds/any(x:x eq 'X509:<PN>AdeleV@contoso.com')", count: true },
      headers: { ConsistencyLevel: 'eventual' },
    });
    assert.equal(found?.odataCount, 1);
    assert.deepEqual(found?.value?.map((u) => u.displayName), ['Adele Vance']);

    const count = await kiota.users.count.get({ headers: { ConsistencyLevel: 'eventual' } });
    assert.ok((count ?? 0) >= 1);
  });

  it('surfaces Graph errors as the SDK ODataError: a value another user holds, a missing user, the advanced-query rule', async () => {
    const first = await kiota.users.post(documentedUser('first@contoso.com'));
    const second = await kiota.users.post(documentedUser('second@contoso.com'));
    assert.ok(first?.id && second?.id);
    await kiota.users.byUserId(first.id).patch({ authorizationInfo: { certificateUserIds: ['X509:<RFC822>shared@contoso.com'] } });
    const taken = (await rejection(() =>
      kiota.users.byUserId(second.id as string).patch({ authorizationInfo: { certificateUserIds: ['X509:<RFC822>shared@contoso.com'] } }),
    )) as { responseStatusCode?: number; errorEscaped?: { code?: string; message?: string } };
    assert.equal(taken.responseStatusCode, 400);
    assert.equal(taken.errorEscaped?.code, 'Request_BadRequest');
    assert.equal(taken.errorEscaped?.message, 'Another object with the same value for property certificateUserIds already exists.');

    const missing = (await rejection(() => kiota.users.byUserId('nobody@contoso.com').get())) as { responseStatusCode?: number; errorEscaped?: { code?: string } };
    assert.deepEqual([missing.responseStatusCode, missing.errorEscaped?.code], [404, 'Request_ResourceNotFound']);

    const advanced = (await rejection(() =>
      kiota.users.get({ queryParameters: { filter: "authorizationInfo/certificateUserIds/any(x:x eq 'X509:<RFC822>shared@contoso.com')" } }),
    )) as { responseStatusCode?: number; errorEscaped?: { code?: string } };
    assert.deepEqual([advanced.responseStatusCode, advanced.errorEscaped?.code], [400, 'Request_UnsupportedQuery']);

    await kiota.users.byUserId(second.id).delete();
    const gone = (await rejection(() => kiota.users.byUserId(second.id as string).get())) as { responseStatusCode?: number };
    assert.equal(gone.responseStatusCode, 404);
  });
});

/**
 * A v3 request carrying the token itself: the client's auth handler sends tokens to https hosts only (the
 * https test in graph-client-https.test.ts covers that path), and this server is plain http on loopback.
 */
function api(path: string) {
  return v3.api(path).header('Authorization', `Bearer ${token}`);
}

describe('Graph client v3 (@microsoft/microsoft-graph-client), beta and v1.0', () => {
  for (const version of ['beta', 'v1.0']) {
    it(`${version}: creates, patches certificateUserIds, filters with ConsistencyLevel: eventual, pages and deletes`, async () => {
      const created = await api('/users').version(version).post(documentedUser(`v3.${version}@contoso.com`));
      // The docs' bare values (user-update snippet): one per version, since the beta user is restored at the end.
      const bare = version === 'beta' ? '5432109876543210@mil' : '9876543210@mil';
      assert.ok(created.id, inspect(created));
      await api(`/users/${created.id}`)
        .version(version)
        .patch({ authorizationInfo: { certificateUserIds: [`X509:<PN>v3.${version}@contoso.com`, bare] } });
      const filtered = await api('/users')
        .version(version)
        .header('ConsistencyLevel', 'eventual')
        .select(['id', 'authorizationInfo'])
        .filter(`authorizationInfo/certificateUserIds/any(x:x eq '${bare}')`)
        .count(true)
        .get();
      assert.equal(filtered['@odata.count'], 1);
      assert.deepEqual(filtered.value, [{ id: created.id, authorizationInfo: { certificateUserIds: [`X509:<PN>v3.${version}@contoso.com`, bare] } }]);

      const page = await api('/users').version(version).top(1).get();
      assert.equal(page.value.length, 1);
      assert.ok(page['@odata.nextLink'], 'another page follows');

      const refused = await rejection(() => api('/users').version(version).filter("authorizationInfo/certificateUserIds/any(x:x eq 'a')").get());
      assert.ok(refused instanceof GraphError, inspect(refused));
      assert.deepEqual([refused.statusCode, refused.code], [400, 'Request_UnsupportedQuery']);

      await api(`/users/${created.id}`).version(version).delete();
      const deleted = await api('/directory/deletedItems/microsoft.graph.user').version(version).get();
      assert.ok(deleted.value.some((u: { id: string }) => u.id === created.id));
      const restored = await api(`/directory/deletedItems/${created.id}/restore`).version(version).post({});
      assert.equal(restored.id, created.id);
    });
  }
});
