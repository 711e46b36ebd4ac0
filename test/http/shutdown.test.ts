// A request that arrives while the server shuts down (on a connection opened before) is answered 503
// serviceNotAvailable in Graph's envelope, with Retry-After and Connection: close, so the client retries
// on a fresh connection; the fast read path steps aside for it.
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { it } from 'node:test';
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
