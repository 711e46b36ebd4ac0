// Requests that fail before any route runs still get Graph's envelope, ids and OData-Version: a URL
// that does not decode, an id longer than the router's default parameter limit, and bytes that are
// not valid HTTP (sent on a raw socket, as no HTTP client would send them).
import assert from 'node:assert/strict';
import http from 'node:http';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { rawRequest } from '../helpers/raw-http.ts';
import { PKI_PATH, startTestServer, type TestServer } from '../helpers/test-server.ts';

let t: TestServer;
before(async () => {
  t = await startTestServer();
});
after(() => t.close());

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Sends raw bytes and reads until the server closes the connection. */
function rawExchange(bytes: string): Promise<string> {
  const { port } = new URL(t.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1', () => socket.end(bytes));
    let text = '';
    socket.on('data', (d: Buffer) => (text += d.toString()));
    socket.on('close', () => resolve(text));
    socket.on('error', reject);
  });
}

function parseRaw(text: string): { status: number; headers: Map<string, string>; body: { error: { code: string; message: string; innerError: Record<string, string> } } } {
  const [head = '', body = ''] = text.split('\r\n\r\n');
  const [statusLine = '', ...lines] = head.split('\r\n');
  const headers = new Map(lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
  return { status: Number(statusLine.split(' ')[1]), headers, body: JSON.parse(body) };
}

describe('a URL Fastify cannot decode', () => {
  for (const path of ['/beta/%zz', `/v1.0${PKI_PATH}/%E0%A4%A`]) {
    it(`${path}: 400 BadRequest in the envelope, with the ids and OData-Version`, async () => {
      const res = await t.request('GET', path, { headers: { 'client-request-id': 'mine-1' } });
      assert.equal(res.status, 400, res.text);
      const body = res.body as { error: { code: string; message: string; innerError: Record<string, string> } };
      assert.equal(body.error.code, 'BadRequest');
      assert.match(body.error.message, /percent-encoding that does not decode/);
      assert.match(res.headers.get('request-id') ?? '', GUID);
      assert.equal(res.headers.get('client-request-id'), 'mine-1');
      assert.equal(body.error.innerError['client-request-id'], 'mine-1');
      assert.equal(body.error.innerError['request-id'], res.headers.get('request-id'));
      assert.equal(res.headers.get('odata-version'), '4.0');
    });
  }

  it('is counted and timed in /metrics under its own route label', async () => {
    await t.request('GET', '/beta/%zz');
    const metrics = (await t.request('GET', '/metrics', { token: null })).text;
    assert.match(metrics, /graph_pki_http_request_duration_seconds_count\{route="bad-request-line",status_code="400"\} [1-9]/);
  });
});

describe('an id longer than 100 characters', () => {
  it('reaches its route and is not found, like any unknown id', async () => {
    const long = 'a'.repeat(150);
    for (const path of [`/beta${PKI_PATH}/${long}`, `/beta${PKI_PATH}/x/certificateAuthorities/${'b'.repeat(3000)}`]) {
      const res = await t.request('GET', path);
      assert.equal(res.status, 404, res.text);
      assert.equal((res.body as { error: { code: string } }).error.code, 'Request_ResourceNotFound');
    }
  });
});

describe('bytes that are not valid HTTP', () => {
  const cases: [string, string, number, RegExp][] = [
    ['a malformed request line', 'GARBAGE\r\n\r\n', 400, /^The request is not valid HTTP \(HPE_/],
    ['a Content-Length that is not a number', 'POST /beta HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n', 400, /^The request is not valid HTTP \(HPE_/],
    ['headers above 16 KB', `GET /beta HTTP/1.1\r\nHost: x\r\nX-Big: ${'x'.repeat(20_000)}\r\n\r\n`, 431, /headers are larger than the server accepts/],
  ];
  for (const [name, bytes, status, message] of cases) {
    it(`${name}: ${status} in Graph's envelope with fresh ids, then the connection closes`, async () => {
      const res = parseRaw(await rawExchange(bytes));
      assert.equal(res.status, status);
      assert.match(res.headers.get('content-type') ?? '', /^application\/json;odata\.metadata=minimal/);
      assert.equal(res.headers.get('odata-version'), '4.0');
      assert.equal(res.headers.get('connection'), 'close');
      assert.match(res.headers.get('request-id') ?? '', GUID);
      assert.equal(res.body.error.innerError['request-id'], res.headers.get('request-id'));
      assert.match(res.body.error.innerError['client-request-id'] ?? '', GUID);
      assert.match(res.body.error.message, message);
    });
  }

  it('leaves the server serving', async () => {
    assert.equal((await t.request('GET', `/beta${PKI_PATH}`)).status, 200);
  });
});

describe('a path that begins with two slashes', () => {
  for (const path of ['//v1.0/x', '//beta', '///', '//[', '//v1.0/x?$top=1']) {
    it(`${path} without a token: 404 in the envelope, not 500`, async () => {
      const res = await rawRequest(t.url, `GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
      assert.equal(res?.status, 404, res?.body);
      assert.match(JSON.parse(res?.body ?? '{}').error.message, /^Resource not found for the segment /);
    });
  }
});

describe('HEAD with headers above 16 KB', () => {
  it("431 without a body, which Node's own client reads, then the connection closes", async () => {
    const { port } = new URL(t.url);
    const answer = await new Promise<{ status: number | undefined; body: string; headers: http.IncomingHttpHeaders }>((resolve, reject) => {
      const request = http.request({ host: '127.0.0.1', port, method: 'HEAD', path: '/beta', headers: { 'x-big': 'x'.repeat(20_000) } }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode, body, headers: res.headers }));
      });
      request.on('error', reject);
      request.end();
    });
    assert.equal(answer.status, 431);
    assert.equal(answer.body, '');
    assert.equal(answer.headers.connection, 'close');
    assert.match(String(answer.headers['request-id']), GUID);
  });

  it('GET with the same headers still gets the envelope as its body', async () => {
    const res = await rawRequest(t.url, `GET /beta HTTP/1.1\r\nHost: x\r\nX-Big: ${'x'.repeat(20_000)}\r\n\r\n`);
    assert.equal(res?.status, 431);
    assert.match(JSON.parse(res?.body ?? '{}').error.message, /headers are larger/);
  });
});
