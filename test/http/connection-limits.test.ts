// Every phase of a connection is bounded (issue 13, item 1): a client that is slow to send its headers or
// its body gets 408 in Graph's envelope and loses the connection, an idle kept-alive connection is closed,
// and connections beyond the total or per-address cap are answered and closed before any request is read.
// A connection on which a request has been answered already (404 before the body came) is just closed.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_LIMITS } from '../../src/config.ts';
import { RawConnection } from '../helpers/raw-http.ts';
import { PKI_PATH, startTestServer, type TestServer } from '../helpers/test-server.ts';

const HEADERS_TIMEOUT_MS = 300;
const REQUEST_TIMEOUT_MS = 600;
const KEEP_ALIVE_TIMEOUT_MS = 300;
/** Node checks the deadlines every tenth of the shorter timeout; the rest is scheduling on a busy machine. */
const SLACK_MS = 400;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let t: TestServer;
let token: string;
let pkiId: string;
before(async () => {
  t = await startTestServer({
    limits: {
      ...DEFAULT_LIMITS,
      headersTimeoutMs: HEADERS_TIMEOUT_MS,
      requestTimeoutMs: REQUEST_TIMEOUT_MS,
      keepAliveTimeoutMs: KEEP_ALIVE_TIMEOUT_MS,
      maxConnections: 6,
      maxConnectionsPerAddress: 3,
    },
  });
  token = await t.token();
  pkiId = (await t.request('POST', `/beta${PKI_PATH}`, { body: { displayName: 'Timeouts' } })).body.id;
});
after(() => t.close());

function assertTimeoutEnvelope(response: { status: number; headers: ReadonlyMap<string, string>; body: string } | undefined, what: string): void {
  assert.equal(response?.status, 408, what);
  assert.equal(response?.headers.get('connection'), 'close', what);
  assert.match(response?.headers.get('content-type') ?? '', /^application\/json;odata\.metadata=minimal/, what);
  const error = JSON.parse(response?.body ?? '{}').error;
  assert.equal(error.code, 'RequestTimeout', what);
  assert.match(error.message, /not received in time/, what);
  assert.equal(error.innerError['request-id'], response?.headers.get('request-id'), what);
}

/** Opens a connection, sends `bytes`, and returns the first answer, whether the server closed, and when. */
async function sendAndWait(bytes: string): Promise<{ connection: RawConnection; answer: Awaited<ReturnType<RawConnection['nextResponse']>>; closedAfterMs: number }> {
  const started = Date.now();
  const connection = await RawConnection.open(t.url);
  connection.write(bytes);
  const answer = await connection.nextResponse();
  await connection.closed;
  return { connection, answer, closedAfterMs: Date.now() - started };
}

describe('a slow client', { timeout: 5_000 }, () => {
  it('that never finishes its headers gets 408 within the headers timeout', async () => {
    const { answer, closedAfterMs } = await sendAndWait(`GET /beta${PKI_PATH} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\n`);
    assertTimeoutEnvelope(answer, 'headers');
    assert.ok(closedAfterMs < HEADERS_TIMEOUT_MS + SLACK_MS, `closed after ${closedAfterMs} ms`);
  });

  const pendingBody = (method: string, path: string, auth: boolean) =>
    `${method} ${path} HTTP/1.1\r\nHost: x\r\n${auth ? `Authorization: Bearer ${token}\r\n` : ''}Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"displayName":`;

  for (const [name, method, path, auth] of [
    ['a route waiting for the body', 'POST', `/beta${PKI_PATH}`, true],
    ['a route without a token', 'POST', `/beta${PKI_PATH}`, false],
    ['a PATCH of a real PKI', 'PATCH', `/v1.0${PKI_PATH}/{pki}`, true],
  ] as const) {
    it(`that never finishes its body (${name}) gets an answer and is closed within the request timeout`, async () => {
      const { answer, closedAfterMs } = await sendAndWait(pendingBody(method, path.replace('{pki}', pkiId), auth));
      // The route waits for the body: the timeout answers. Without a token, 401 may come first.
      if (answer?.status !== 401) assertTimeoutEnvelope(answer, name);
      assert.ok(closedAfterMs < REQUEST_TIMEOUT_MS + SLACK_MS, `closed after ${closedAfterMs} ms`);
    });
  }

  for (const [name, method, path] of [
    ['POST /healthz', 'POST', '/healthz'],
    ['an unknown path', 'POST', '/no/such/path'],
    ['the fast read path', 'GET', `/beta${PKI_PATH}/{pki}`],
  ] as const) {
    it(`that never finishes its body (${name}) is answered once and closed within the request timeout`, async () => {
      const { connection, answer, closedAfterMs } = await sendAndWait(pendingBody(method, path.replace('{pki}', pkiId), true));
      assert.ok(answer, `no answer at all to ${name}`);
      assert.ok(answer.status < 500, `${answer.status} ${answer.body}`);
      assert.match(JSON.parse(answer.body).error?.code ?? JSON.parse(answer.body).id ?? '', /\w/);
      // Nothing follows the one answer (a second response would corrupt the client's stream).
      assert.equal(connection.unread, '');
      assert.ok(closedAfterMs < REQUEST_TIMEOUT_MS + SLACK_MS, `closed after ${closedAfterMs} ms`);
    });
  }

  it('that sends a byte at a time, each well within any idle time, is still cut off at the request timeout', async () => {
    const started = Date.now();
    const connection = await RawConnection.open(t.url);
    connection.write(pendingBody('POST', `/beta${PKI_PATH}`, true));
    const trickle = setInterval(() => {
      if (!connection.isClosed) connection.write(' ');
    }, 50);
    try {
      assertTimeoutEnvelope(await connection.nextResponse(), 'trickle');
      await connection.closed;
    } finally {
      clearInterval(trickle);
    }
    assert.ok(Date.now() - started < REQUEST_TIMEOUT_MS + SLACK_MS, `closed after ${Date.now() - started} ms`);
  });
});

describe('an idle kept-alive connection', { timeout: 5_000 }, () => {
  it('is closed after the keep-alive timeout', async () => {
    const connection = await RawConnection.open(t.url);
    connection.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    assert.equal((await connection.nextResponse())?.status, 200);
    const idleFrom = Date.now();
    await connection.closed;
    const idleMs = Date.now() - idleFrom;
    // Node advertises the timeout (Keep-Alive: timeout=N) and closes 1 s after it, so that a client
    // honouring it always closes first and never sends on a connection the server is closing.
    assert.ok(idleMs >= KEEP_ALIVE_TIMEOUT_MS && idleMs < KEEP_ALIVE_TIMEOUT_MS + 1_000 + SLACK_MS, `closed after ${idleMs} ms idle`);
  });
});

describe('connection caps', { timeout: 5_000 }, () => {
  it('answers a connection beyond the per-address cap 429, and admits one again once another closes', async () => {
    const held = await Promise.all([1, 2, 3].map(() => RawConnection.open(t.url)));
    try {
      await sleep(50);
      const refused = await RawConnection.open(t.url);
      const answer = await refused.nextResponse();
      assert.equal(answer?.status, 429, refused.unread);
      assert.equal(answer?.headers.get('retry-after'), '1');
      assert.equal(answer?.headers.get('connection'), 'close');
      const error = JSON.parse(answer?.body ?? '{}').error;
      assert.equal(error.code, 'TooManyRequests');
      assert.match(error.message, /3 connections open, the limit per client address/);
      assert.equal((await refused.closed).reset, false);
      // Another address is not affected.
      const other = await RawConnection.open(t.url, '127.0.0.2');
      other.write('GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
      assert.equal((await other.nextResponse())?.status, 200);
      held[0]?.destroy();
      await held[0]?.closed;
      await sleep(50);
      const admitted = await RawConnection.open(t.url);
      admitted.write('GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
      assert.equal((await admitted.nextResponse())?.status, 200);
    } finally {
      for (const connection of held) connection.destroy();
    }
  });

  it('answers a connection beyond the total cap 503 with Retry-After', async () => {
    const held = [
      ...(await Promise.all([1, 2, 3].map(() => RawConnection.open(t.url, '127.0.0.3')))),
      ...(await Promise.all([1, 2, 3].map(() => RawConnection.open(t.url, '127.0.0.4')))),
    ];
    try {
      await sleep(50);
      const refused = await RawConnection.open(t.url, '127.0.0.5');
      refused.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
      const answer = await refused.nextResponse();
      assert.equal(answer?.status, 503, refused.unread);
      assert.match(answer?.headers.get('retry-after') ?? '', /^\d+$/);
      const error = JSON.parse(answer?.body ?? '{}').error;
      assert.equal(error.code, 'serviceNotAvailable');
      assert.match(error.message, /6 connections open, its limit/);
    } finally {
      for (const connection of held) connection.destroy();
    }
  });
});
