// A request that arrives while the server shuts down (on a connection opened before) is answered 503
// serviceNotAvailable in Graph's envelope, with Retry-After and Connection: close, so the client retries
// on a fresh connection; the fast read path steps aside for it.
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { it } from 'node:test';
import { RawConnection } from '../helpers/raw-http.ts';
import { PKI_PATH, startTestServer } from '../helpers/test-server.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

it('answers a request that arrives during shutdown with 503 in Graph\'s envelope and closes the connection', async () => {
  const t = await startTestServer();
  const token = await t.token();
  const id = (await t.request('POST', `/beta${PKI_PATH}`, { body: { displayName: 'Before shutdown' } })).body.id;
  const url = new URL(t.url);
  const socket = connect(Number(url.port), url.hostname);
  let answer = '';
  socket.on('data', (d: Buffer) => (answer += d.toString()));
  const closed = new Promise((resolve) => socket.once('close', resolve));
  await new Promise((resolve) => socket.once('connect', resolve));
  // Headers begun before the shutdown keep the connection busy, so the server does not drop it as idle.
  socket.write(`GET /beta${PKI_PATH}/${id} HTTP/1.1\r\nHost: ${url.host}\r\nAuthorization: Bearer ${token}\r\nclient-request-id: late-1\r\n`);
  await sleep(200);
  const closing = t.close();
  await sleep(200);
  socket.write('\r\n');
  await closed;
  await closing;
  const [head = '', body = ''] = answer.split('\r\n\r\n');
  assert.match(head, /^HTTP\/1\.1 503 /);
  assert.match(head, /\r\nretry-after: \d+/i);
  assert.match(head, /\r\nconnection: close/i);
  assert.match(head, /\r\nclient-request-id: late-1/i);
  const error = JSON.parse(body).error;
  assert.equal(error.code, 'serviceNotAvailable');
  assert.match(error.message, /shutting down/);
  assert.equal(error.innerError['client-request-id'], 'late-1');
});

it('answers 503 on a kept-alive idle connection while an in-flight request drains, and lets that request finish', async () => {
  const t = await startTestServer();
  const token = await t.token();
  const host = new URL(t.url).host;
  // An idle kept-alive connection: one request answered, the connection left open.
  const idle = await RawConnection.open(t.url);
  idle.write(`GET /healthz HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
  assert.equal((await idle.nextResponse())?.status, 200);
  // An in-flight request: its body is still arriving when the shutdown begins.
  const body = JSON.stringify({ displayName: 'Created during the drain' });
  const inFlight = await RawConnection.open(t.url);
  inFlight.write(
    `POST /beta${PKI_PATH} HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 5)}`,
  );
  await sleep(100);
  const closing = t.close();
  await sleep(200);
  assert.equal(idle.isClosed, false, 'the idle kept-alive connection was closed while a request was in flight');
  idle.write(`POST /beta${PKI_PATH} HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nContent-Length: 2\r\nclient-request-id: late-2\r\n\r\n{}`);
  const late = await idle.nextResponse();
  assert.equal(late?.status, 503, `no answer on the kept-alive connection: ${idle.unread}`);
  assert.match(late?.headers.get('retry-after') ?? '', /^\d+$/);
  assert.equal(late?.headers.get('connection'), 'close');
  assert.equal(JSON.parse(late?.body ?? '{}').error.code, 'serviceNotAvailable');
  assert.equal((await idle.closed).reset, false);
  // The in-flight request finishes normally, and its connection closes after the answer.
  inFlight.write(body.slice(5));
  const created = await inFlight.nextResponse();
  assert.equal(created?.status, 201, inFlight.unread);
  assert.equal(JSON.parse(created?.body ?? '{}').displayName, 'Created during the drain');
  assert.equal(created?.headers.get('connection'), 'close');
  await inFlight.closed;
  await closing;
});
