// Run by graph-client-https.test.ts as a child process, because Node reads NODE_EXTRA_CA_CERTS (the trust
// the README tells users to give the server's self-signed certificate) only when a process starts, and
// the client sends its requests with Node's global fetch, which has no per-request CA option.
// Drives Microsoft's older Graph client (@microsoft/microsoft-graph-client v3) against GRAPH_PKI_URL with
// GRAPH_PKI_TOKEN and prints what it saw as one JSON object; the test asserts on it.
import { Client, GraphError, type AuthenticationProvider } from '@microsoft/microsoft-graph-client';

const baseUrl = process.env.GRAPH_PKI_URL ?? '';
const token = process.env.GRAPH_PKI_TOKEN ?? '';
const PKIS = '/directory/publicKeyInfrastructure/certificateBasedAuthConfigurations';

/** An AuthenticationProvider that hands out the minted token and counts how often it was asked. */
class StaticTokenProvider implements AuthenticationProvider {
  calls = 0;
  async getAccessToken(): Promise<string> {
    this.calls += 1;
    return token;
  }
}

interface ErrorSeen {
  readonly isGraphError: boolean;
  readonly statusCode: number | undefined;
  readonly code: string | null | undefined;
  readonly message: string;
  readonly requestId: string | null | undefined;
}

async function errorOf(action: () => Promise<unknown>): Promise<ErrorSeen | 'no error'> {
  try {
    await action();
    return 'no error';
  } catch (error) {
    const e = error as GraphError;
    return {
      isGraphError: error instanceof GraphError,
      statusCode: e.statusCode,
      code: e.code,
      message: String(e.message),
      requestId: e.requestId,
    };
  }
}

async function trustProbe(): Promise<unknown> {
  const provider = new StaticTokenProvider();
  const client = Client.initWithMiddleware({ authProvider: provider, baseUrl, defaultVersion: 'beta', customHosts: new Set([new URL(baseUrl).hostname]) });
  const error = await errorOf(() => client.api(PKIS).get());
  // The client's GraphError keeps only "fetch failed"; the same global fetch says why.
  const fetchCause = await fetch(`${baseUrl}/healthz`).then(
    () => 'no error',
    (e: { cause?: { code?: string } }) => e.cause?.code,
  );
  return { error, fetchCause, tokenRequests: provider.calls };
}

async function scenario(): Promise<unknown> {
  const host = new URL(baseUrl).hostname;
  const provider = new StaticTokenProvider();
  const client = Client.initWithMiddleware({ authProvider: provider, baseUrl, defaultVersion: 'beta', customHosts: new Set([host]) });

  const created = await client.api(PKIS).post({ displayName: 'Graph client PKI' });
  const listed = await client.api(PKIS).get();
  const read = await client.api(`${PKIS}/${created.id}`).get();
  const patched = await client.api(`${PKIS}/${created.id}`).patch({ displayName: 'Graph client PKI, renamed' });
  const queried = await client.api(PKIS).version('v1.0').filter("displayName eq 'Graph client PKI, renamed'").select(['displayName']).count(true).get();
  const deleted = await client.api(`${PKIS}/${created.id}`).delete();
  const afterDelete = await errorOf(() => client.api(`${PKIS}/${created.id}`).get());

  // Client.init with the callback style of authProvider, also given the custom host.
  let callbackCalls = 0;
  const callbackClient = Client.init({
    baseUrl,
    customHosts: new Set([host]),
    authProvider: (done) => {
      callbackCalls += 1;
      done(null, token);
    },
  });
  const root = await callbackClient.api('/directory/publicKeyInfrastructure').version('beta').get();

  // The same host not named in customHosts: the client keeps the token to itself.
  const withoutHosts = new StaticTokenProvider();
  const unlisted = Client.initWithMiddleware({ authProvider: withoutHosts, baseUrl, defaultVersion: 'beta' });
  const withoutCustomHosts = await errorOf(() => unlisted.api(PKIS).get());

  return {
    created,
    listedIds: (listed.value as { id: string }[]).map((p) => p.id),
    read,
    patched,
    queried,
    deleted: deleted ?? null,
    afterDelete,
    root,
    tokenRequests: provider.calls,
    callbackCalls,
    withoutCustomHosts,
    withoutCustomHostsTokenRequests: withoutHosts.calls,
  };
}

const run = process.argv[2] === 'trust-probe' ? trustProbe : scenario;
run().then(
  (report) => process.stdout.write(`${JSON.stringify(report)}\n`),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : JSON.stringify(error)}\n`);
    process.exit(1);
  },
);
