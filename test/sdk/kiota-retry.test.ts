// Microsoft's Graph SDK (Kiota) with its default middleware, whose RetryHandler honours Retry-After:
// it rides through injected 429s and 503s and still succeeds, a retried create is written once, and a
// real throttling 429 (Graph's headers and body) is retried after Retry-After.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { AuthenticationProvider, RequestInformation } from '@microsoft/kiota-abstractions';
import { createGraphBetaServiceClient, GraphBetaRequestAdapter, type GraphBetaServiceClient } from '@microsoft/msgraph-beta-sdk';
import '@microsoft/msgraph-beta-sdk-directory';
import { DEFAULT_THROTTLE_CONFIG } from '../../src/config.ts';
import { PKI_PATH, startTestServer, type TestServer } from '../helpers/test-server.ts';

/** A static bearer token (Kiota's own bearer provider authenticates only https hosts). */
class StaticBearerTokenProvider implements AuthenticationProvider {
  constructor(private readonly accessToken: string) {}
  authenticateRequest = async (request: RequestInformation): Promise<void> => {
    request.headers.tryAdd('Authorization', `Bearer ${this.accessToken}`);
  };
}

async function clientFor(server: TestServer): Promise<GraphBetaServiceClient> {
  const adapter = new GraphBetaRequestAdapter(new StaticBearerTokenProvider(await server.token()));
  adapter.baseUrl = `${server.url}/beta`;
  return createGraphBetaServiceClient(adapter);
}

/** Requests the server answered on a route with a status, from its /metrics. */
async function answered(server: TestServer, route: string, status: number): Promise<number> {
  const metrics = (await server.request('GET', '/metrics', { token: null })).text;
  const escaped = route.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  const line = new RegExp(`graph_pki_http_request_duration_seconds_count\\{route="${escaped}",status_code="${status}"\\} (\\d+)`).exec(metrics);
  return Number(line?.[1] ?? 0);
}

describe('Kiota retry handler against injected faults and throttling', () => {
  let faulty: TestServer;
  let throttled: TestServer;

  before(async () => {
    faulty = await startTestServer({
      faults: {
        seed: undefined,
        rules: [
          { methods: ['GET'], path: '/beta/**', rate: 1, times: 2, effect: { status: 429, retryAfterSeconds: 1 } },
          { methods: ['POST'], path: '/beta/**', rate: 1, times: 2, effect: { status: 503, retryAfterSeconds: 1 } },
        ],
      },
    });
    throttled = await startTestServer({ throttle: { ...DEFAULT_THROTTLE_CONFIG, resourceUnits: 2, resourceUnitWindowMs: 2000 } });
  });

  after(async () => {
    await faulty?.close();
    await throttled?.close();
  });

  it('a list succeeds after two injected 429s', async () => {
    const client = await clientFor(faulty);
    const page = await client.directory.publicKeyInfrastructure.certificateBasedAuthConfigurations.get();
    assert.ok(Array.isArray(page?.value));
    assert.equal(await answered(faulty, `/beta${PKI_PATH}`, 429), 2);
    assert.equal(await answered(faulty, `/beta${PKI_PATH}`, 200), 1);
  });

  it('a create succeeds after two injected 503s and is written exactly once', async () => {
    const client = await clientFor(faulty);
    const created = await client.directory.publicKeyInfrastructure.certificateBasedAuthConfigurations.post({ displayName: 'Retried PKI' });
    assert.equal(created?.displayName, 'Retried PKI');
    const list = await faulty.request('GET', `/beta${PKI_PATH}`);
    assert.deepEqual(
      list.body.value.map((p: { displayName: string }) => p.displayName),
      ['Retried PKI'],
    );
    assert.equal(await answered(faulty, `/beta${PKI_PATH}`, 503), 2);
  });

  it('real throttling: the SDK waits out Retry-After and succeeds', async () => {
    const client = await clientFor(throttled);
    const pkis = client.directory.publicKeyInfrastructure.certificateBasedAuthConfigurations;
    const started = Date.now();
    for (let i = 0; i < 4; i++) await pkis.get();
    assert.ok((await answered(throttled, `/beta${PKI_PATH}`, 429)) >= 1, 'the bucket of 2 ran dry');
    assert.equal(await answered(throttled, `/beta${PKI_PATH}`, 200), 4);
    assert.ok(Date.now() - started >= 900, 'the SDK waited for Retry-After');
  });
});
