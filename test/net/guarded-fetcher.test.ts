// The guarded fetcher, specified against real servers on loopback addresses. Loopback is refused by
// default, so tests that need to reach a server either allow private addresses or list the
// server's address in allowedCidrs; the refusals are what the service relies on.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { TLSSocket } from 'node:tls';
import { promisify } from 'node:util';
import 'reflect-metadata'; // @peculiar/x509 needs it loaded first
import * as x509 from '@peculiar/x509';
import {
  FetchError,
  GuardedFetcher,
  isAddressAllowed,
  type FetchErrorKind,
  type FetchPolicy,
  type LookupFunction,
} from '../../src/net/guarded-fetcher.ts';

const MB = 1024 * 1024;
const TEST_TIMEOUT = { timeout: 10_000 };

const POLICY: FetchPolicy = {
  maxBytes: 2 * MB,
  connectTimeoutMs: 1_000,
  totalTimeoutMs: 1_500,
  maxRedirects: 3,
  allowPrivateAddresses: false,
};
const OPEN_POLICY: FetchPolicy = { ...POLICY, allowPrivateAddresses: true };

interface TestServer {
  readonly origin: string;
  readonly port: number;
  readonly requests: IncomingMessage[];
  close(): Promise<void>;
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

async function startServer(handler: Handler, host = '127.0.0.1'): Promise<TestServer> {
  const requests: IncomingMessage[] = [];
  const server: Server = createServer((req, res) => {
    requests.push(req);
    handler(req, res);
  });
  server.listen(0, host);
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://${host}:${port}`,
    port,
    requests,
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

/** Runs `body` with servers that are closed afterwards whatever happens. */
async function withServers(handlers: Handler[], body: (servers: TestServer[]) => Promise<void>): Promise<void> {
  const servers = await Promise.all(handlers.map((handler) => startServer(handler)));
  try {
    await body(servers);
  } finally {
    await Promise.all(servers.map((server) => server.close()));
  }
}

const ok =
  (body: string | Buffer, headers: Record<string, string> = {}): Handler =>
  (_req, res) => {
    const length = String(Buffer.byteLength(body));
    res.writeHead(200, { 'content-type': 'application/pkcs7-mime', 'content-length': length, ...headers });
    res.end(body);
  };

const redirect =
  (location: string, status = 302): Handler =>
  (_req, res) => {
    res.writeHead(status, { location });
    res.end();
  };

function staticLookup(...addresses: string[]): LookupFunction & { calls: string[] } {
  const calls: string[] = [];
  const lookup = async (hostname: string) => {
    calls.push(hostname);
    return addresses.map((address) => ({ address, family: address.includes(':') ? (6 as const) : (4 as const) }));
  };
  return Object.assign(lookup, { calls });
}

async function assertFetchError(
  promise: Promise<unknown>,
  kind: FetchErrorKind,
  message?: RegExp,
): Promise<FetchError> {
  let caught: unknown;
  await assert.rejects(promise, (error) => {
    caught = error;
    return true;
  });
  assert.ok(caught instanceof FetchError, `expected a FetchError, got ${String(caught)}`);
  assert.equal(caught.kind, kind, caught.message);
  if (message) assert.match(caught.message, message);
  return caught;
}

describe('a successful download', () => {
  it('returns the body, final URL and content type, with the agreed request headers', TEST_TIMEOUT, async () => {
    await withServers([ok('bundle-bytes')], async ([server]) => {
      const result = await new GuardedFetcher(OPEN_POLICY).fetch(`${server!.origin}/bundle.p7b?x=1`);
      assert.equal(result.body.toString(), 'bundle-bytes');
      assert.equal(result.finalUrl, `${server!.origin}/bundle.p7b?x=1`);
      assert.equal(result.contentType, 'application/pkcs7-mime');
      const [request] = server!.requests;
      assert.equal(request?.method, 'GET');
      assert.equal(request?.url, '/bundle.p7b?x=1');
      assert.equal(request?.headers['user-agent'], 'graph-pki');
      assert.equal(request?.headers.accept, '*/*');
      assert.equal(request?.headers.cookie, undefined);
    });
  });

  it('connects to the address it checked and keeps the hostname in the Host header', TEST_TIMEOUT, async () => {
    await withServers([ok('pinned')], async ([server]) => {
      const lookup = staticLookup('127.0.0.1');
      const fetcher = new GuardedFetcher(OPEN_POLICY, { lookup });
      const result = await fetcher.fetch(`http://bundles.example:${server!.port}/b.p7b`);
      assert.equal(result.body.toString(), 'pinned');
      assert.deepEqual(lookup.calls, ['bundles.example']);
      assert.equal(server!.requests[0]?.headers.host, `bundles.example:${server!.port}`);
    });
  });

  it('tries the next checked address when one refuses the connection', TEST_TIMEOUT, async () => {
    await withServers([ok('second address')], async ([server]) => {
      const fetcher = new GuardedFetcher(OPEN_POLICY, { lookup: staticLookup('127.0.0.3', '127.0.0.1') });
      const result = await fetcher.fetch(`http://two.example:${server!.port}/`);
      assert.equal(result.body.toString(), 'second address');
    });
  });

  it('accepts a body of exactly maxBytes, and a per-call maxBytes replaces the policy', TEST_TIMEOUT, async () => {
    await withServers([ok(Buffer.alloc(1000, 1))], async ([server]) => {
      const fetcher = new GuardedFetcher({ ...OPEN_POLICY, maxBytes: 1000 });
      assert.equal((await fetcher.fetch(server!.origin)).body.length, 1000);
      await assertFetchError(fetcher.fetch(server!.origin, { maxBytes: 999 }), 'too_large');
    });
  });
});

describe('beforeBody', () => {
  it('is told the announced size (or undefined without a Content-Length) before the body, and a chunked body of any size comes back whole', TEST_TIMEOUT, async () => {
    const sizes = [100, 1_500_000];
    const bodies = sizes.map((n) => Buffer.from(Array.from({ length: n }, (_, i) => i % 251)));
    const chunked: Handler = (req, res) => {
      const body = bodies[Number(req.url?.slice(1))] as Buffer;
      res.writeHead(200); // no Content-Length: chunked
      for (let i = 0; i < body.length; i += 64 * 1024) res.write(body.subarray(i, i + 64 * 1024));
      res.end();
    };
    await withServers([ok('twelve bytes'), chunked], async ([withLength, withoutLength]) => {
      const fetcher = new GuardedFetcher(OPEN_POLICY);
      const told: Array<number | undefined> = [];
      const result = await fetcher.fetch(withLength!.origin, { beforeBody: (declared) => told.push(declared) });
      assert.equal(result.body.toString(), 'twelve bytes');
      for (const [i, body] of bodies.entries()) {
        const chunkedResult = await fetcher.fetch(`${withoutLength!.origin}/${i}`, { beforeBody: (declared) => told.push(declared) });
        assert.ok(chunkedResult.body.equals(body), `${body.length} bytes come back whole`);
      }
      assert.deepEqual(told, [12, undefined, undefined]);
    });
  });

  it('is not told about a redirect or an error status', TEST_TIMEOUT, async () => {
    const redirect: Handler = (_req, res) => res.writeHead(302, { location: '/elsewhere' }).end();
    const missing: Handler = (_req, res) => res.writeHead(404).end('no');
    await withServers([redirect, missing], async ([first, second]) => {
      const told: Array<number | undefined> = [];
      const fetcher = new GuardedFetcher({ ...OPEN_POLICY, maxRedirects: 0 });
      await assertFetchError(fetcher.fetch(first!.origin, { beforeBody: (declared) => told.push(declared) }), 'too_many_redirects');
      await assertFetchError(fetcher.fetch(second!.origin, { beforeBody: (declared) => told.push(declared) }), 'http_status');
      assert.deepEqual(told, []);
    });
  });
});

describe('address policy', () => {
  it('refuses loopback by default, naming the address, without connecting', TEST_TIMEOUT, async () => {
    await withServers([ok('secret')], async ([server]) => {
      const error = await assertFetchError(new GuardedFetcher(POLICY).fetch(`${server!.origin}/`), 'blocked_address');
      assert.equal(
        error.message,
        '127.0.0.1 is a loopback address; private, loopback, link-local and metadata addresses are refused (see --allow-private-fetch)',
      );
      assert.equal(server!.requests.length, 0);
    });
  });

  it('refuses loopback IP literals in every spelling the URL parser accepts', TEST_TIMEOUT, async () => {
    const fetcher = new GuardedFetcher(POLICY, { lookup: staticLookup('93.184.216.34') });
    for (const url of ['http://2130706433/', 'http://0x7f.1/', 'http://017700000001/', 'http://127.1/', 'http://[::1]/', 'http://[::ffff:127.0.0.1]/', 'http://[::]/', 'http://0.0.0.0/']) {
      await assertFetchError(fetcher.fetch(url), 'blocked_address', /loopback|unspecified/);
    }
  });

  it('refuses a hostname that resolves to loopback, without connecting', TEST_TIMEOUT, async () => {
    await withServers([ok('secret')], async ([server]) => {
      const fetcher = new GuardedFetcher(POLICY, { lookup: staticLookup('127.0.0.1') });
      await assertFetchError(
        fetcher.fetch(`http://rebind.example:${server!.port}/`),
        'blocked_address',
        /^rebind\.example resolves to a refused address: 127\.0\.0\.1 is a loopback address;/,
      );
      assert.equal(server!.requests.length, 0);
    });
  });

  it('refuses a hostname when any one of its addresses is refused', TEST_TIMEOUT, async () => {
    const fetcher = new GuardedFetcher(POLICY, { lookup: staticLookup('93.184.216.34', '10.0.0.5') });
    await assertFetchError(fetcher.fetch('http://mixed.example/'), 'blocked_address', /10\.0\.0\.5 is a private address/);
  });

  it('refuses cloud metadata hostnames before resolving them', TEST_TIMEOUT, async () => {
    const lookup = staticLookup('93.184.216.34');
    const fetcher = new GuardedFetcher(POLICY, { lookup });
    await assertFetchError(fetcher.fetch('http://metadata.google.internal/computeMetadata/v1/'), 'blocked_address', /metadata/);
    await assertFetchError(fetcher.fetch('http://169.254.169.254/latest/meta-data/'), 'blocked_address', /cloud metadata/);
    assert.deepEqual(lookup.calls, []);
  });

  it('reports a name that does not resolve as a dns error', TEST_TIMEOUT, async () => {
    const lookup: LookupFunction = async () => {
      throw Object.assign(new Error('getaddrinfo ENOTFOUND nowhere.example'), { code: 'ENOTFOUND' });
    };
    const fetcher = new GuardedFetcher(POLICY, { lookup });
    await assertFetchError(fetcher.fetch('http://nowhere.example/'), 'dns', /could not resolve nowhere\.example: .*ENOTFOUND/);
    await assertFetchError(new GuardedFetcher(POLICY, { lookup: staticLookup() }).fetch('http://empty.example/'), 'dns', /no addresses/);
  });

  it('rejects a malformed allowedCidrs entry when the fetcher is built', () => {
    assert.throws(() => new GuardedFetcher({ ...POLICY, allowedCidrs: ['10.20.0.0/33'] }), /allowedCidrs/);
    assert.throws(() => new GuardedFetcher({ ...POLICY, allowedCidrs: ['10.20.0/16'] }), /allowedCidrs/);
  });
});

describe('redirects', () => {
  it('follows a chain within the limit and reports the final URL', TEST_TIMEOUT, async () => {
    await withServers([ok('end')], async ([target]) => {
      const hops: Handler = (req, res) => {
        const n = Number(req.url?.slice(1));
        res.writeHead([301, 307, 308][n % 3] ?? 302, { location: n === 3 ? `${target!.origin}/final` : `/${n + 1}` });
        res.end();
      };
      await withServers([hops], async ([start]) => {
        const result = await new GuardedFetcher(OPEN_POLICY).fetch(`${start!.origin}/1`);
        assert.equal(result.body.toString(), 'end');
        assert.equal(result.finalUrl, `${target!.origin}/final`);
        assert.deepEqual(start!.requests.map((r) => r.url), ['/1', '/2', '/3']);
      });
    });
  });

  it('refuses a chain longer than maxRedirects', TEST_TIMEOUT, async () => {
    const loop: Handler = (req, res) => {
      res.writeHead(303, { location: `/${Number(req.url?.slice(1)) + 1}` });
      res.end();
    };
    await withServers([loop], async ([server]) => {
      await assertFetchError(new GuardedFetcher(OPEN_POLICY).fetch(`${server!.origin}/0`), 'too_many_redirects', /more than 3/);
      assert.equal(server!.requests.length, 4);
    });
  });

  it('re-checks the address of every hop', TEST_TIMEOUT, async () => {
    await withServers([ok('internal')], async ([refused]) => {
      const allowed = await startServer(redirect(`${refused!.origin}/`), '127.0.0.2');
      try {
        const fetcher = new GuardedFetcher({ ...POLICY, allowedCidrs: ['127.0.0.2/32'] });
        await assertFetchError(fetcher.fetch(`${allowed.origin}/`), 'blocked_address', /127\.0\.0\.1 is a loopback address/);
        assert.equal(allowed.requests.length, 1);
        assert.equal(refused!.requests.length, 0);
      } finally {
        await allowed.close();
      }
    });
  });

  it('re-checks the scheme of every hop and refuses a Location that is not a URL', TEST_TIMEOUT, async () => {
    await withServers([redirect('file:///etc/passwd'), redirect('http://[nope/')], async ([toFile, broken]) => {
      const fetcher = new GuardedFetcher(OPEN_POLICY);
      await assertFetchError(fetcher.fetch(toFile!.origin), 'scheme', /redirect target uses file:/);
      await assertFetchError(fetcher.fetch(broken!.origin), 'invalid_url', /not a valid URL/);
    });
  });

  it('treats a redirect without a Location as a final status', TEST_TIMEOUT, async () => {
    const noLocation: Handler = (_req, res) => {
      res.writeHead(302);
      res.end();
    };
    await withServers([noLocation], async ([server]) => {
      const error = await assertFetchError(new GuardedFetcher(OPEN_POLICY).fetch(server!.origin), 'http_status', /302 Found without a Location/);
      assert.equal(error.status, 302);
    });
  });
});

describe('answers that are not a usable body', () => {
  it('reports a 404 with its status', TEST_TIMEOUT, async () => {
    const notFound: Handler = (_req, res) => {
      res.writeHead(404);
      res.end('nope');
    };
    await withServers([notFound], async ([server]) => {
      const error = await assertFetchError(new GuardedFetcher(OPEN_POLICY).fetch(server!.origin), 'http_status');
      assert.equal(error.status, 404);
      assert.equal(error.message, 'the server answered HTTP 404 Not Found');
    });
  });

  it('refuses an announced Content-Length over the limit before reading the body', TEST_TIMEOUT, async () => {
    await withServers([ok(Buffer.alloc(3 * MB))], async ([server]) => {
      await assertFetchError(
        new GuardedFetcher(OPEN_POLICY).fetch(server!.origin),
        'too_large',
        /announced 3145728 bytes, more than the limit of 2097152 bytes/,
      );
    });
  });

  it('stops a chunked body the moment it passes the limit', TEST_TIMEOUT, async () => {
    let written = 0;
    const chunked: Handler = (_req, res) => {
      res.writeHead(200); // no Content-Length: chunked
      const chunk = Buffer.alloc(64 * 1024);
      const write = (): void => {
        while (written < 3 * MB && !res.destroyed) {
          written += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', write);
        }
        res.end();
      };
      write();
    };
    await withServers([chunked], async ([server]) => {
      await assertFetchError(
        new GuardedFetcher(OPEN_POLICY).fetch(server!.origin),
        'too_large',
        /^the download exceeded the limit of 2097152 bytes$/,
      );
    });
  });

  it('reports a peer that hangs up mid-body', TEST_TIMEOUT, async () => {
    const hangUp: Handler = (_req, res) => {
      res.writeHead(200, { 'content-length': '1000' });
      res.write('partial');
      setTimeout(() => res.socket?.destroy(), 20);
    };
    await withServers([hangUp], async ([server]) => {
      await assertFetchError(new GuardedFetcher(OPEN_POLICY).fetch(server!.origin), 'network');
    });
  });
});

describe('timeouts and cancellation', () => {
  async function assertTimesOut(handler: Handler): Promise<void> {
    await withServers([handler], async ([server]) => {
      const started = Date.now();
      await assertFetchError(new GuardedFetcher(OPEN_POLICY).fetch(server!.origin), 'timeout', /no complete answer within 1500 ms/);
      const elapsed = Date.now() - started;
      assert.ok(elapsed >= 1_400 && elapsed < 6_000, `took ${elapsed} ms`);
    });
  }

  it('gives up on a server that sends headers and then stalls', TEST_TIMEOUT, async () => {
    await assertTimesOut((_req, res) => {
      res.writeHead(200, { 'content-length': '100' });
      res.write('a little');
    });
  });

  it('gives up on a server that accepts the connection and never answers', TEST_TIMEOUT, async () => {
    await assertTimesOut(() => {});
  });

  it('reports a refused connection as a connect error', TEST_TIMEOUT, async () => {
    const closed = await startServer(ok(''));
    await closed.close();
    await assertFetchError(new GuardedFetcher(OPEN_POLICY).fetch(`${closed.origin}/`), 'connect', /could not connect to 127\.0\.0\.1 port \d+/);
  });

  it("rejects with the caller's abort reason and closes the connection", TEST_TIMEOUT, async () => {
    await withServers([() => {}], async ([server]) => {
      const controller = new AbortController();
      const pending = new GuardedFetcher(OPEN_POLICY).fetch(server!.origin, { signal: controller.signal });
      setTimeout(() => controller.abort(), 50);
      await assert.rejects(pending, { name: 'AbortError' });
      const socket = server!.requests[0]?.socket;
      if (socket && !socket.destroyed) await once(socket, 'close');
    });
  });
});

describe('https', () => {
  async function selfSignedCertificate(dnsName: string): Promise<{ cert: string; key: string }> {
    const algorithm = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
    const keys = await crypto.subtle.generateKey(algorithm, true, ['sign', 'verify']);
    const certificate = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: '01',
      name: `CN=${dnsName}`,
      notBefore: new Date(Date.now() - 60_000),
      notAfter: new Date(Date.now() + 3_600_000),
      keys,
      signingAlgorithm: algorithm,
      extensions: [new x509.SubjectAlternativeNameExtension([{ type: 'dns', value: dnsName }])],
    });
    const pkcs8 = Buffer.from(await crypto.subtle.exportKey('pkcs8', keys.privateKey)).toString('base64');
    const key = `-----BEGIN PRIVATE KEY-----\n${pkcs8.match(/.{1,64}/g)?.join('\n')}\n-----END PRIVATE KEY-----\n`;
    return { cert: certificate.toString('pem'), key };
  }

  // Trusting a test certificate needs NODE_EXTRA_CA_CERTS, which Node reads only at start-up, so the
  // trusted cases run in a child process; the server stays here so it can see what arrived.
  const CHILD = `
    const { GuardedFetcher } = await import(process.env.FETCHER_URL);
    const lookup = async () => [{ address: '127.0.0.1', family: 4 }];
    const policy = { maxBytes: 1024, connectTimeoutMs: 1000, totalTimeoutMs: 3000, maxRedirects: 3, allowPrivateAddresses: true };
    const fetcher = new GuardedFetcher(policy, { lookup });
    const results = {};
    for (const [name, path, host] of [['trusted', '/ok', 'bundle.test'], ['wrongName', '/ok', 'other.test'], ['downgrade', '/downgrade', 'bundle.test']]) {
      try {
        const result = await fetcher.fetch('https://' + host + ':' + process.env.PORT + path);
        results[name] = { body: result.body.toString(), finalUrl: result.finalUrl };
      } catch (error) {
        results[name] = { kind: error.kind, message: error.message };
      }
    }
    process.stdout.write(JSON.stringify(results));
  `;

  it('verifies the certificate against the URL hostname, sends it as SNI, and refuses a downgrade', { timeout: 20_000 }, async () => {
    const { cert, key } = await selfSignedCertificate('bundle.test');
    const dir = await mkdtemp(path.join(tmpdir(), 'guarded-fetcher-'));
    const servernames: Array<string | false | null> = [];
    const server = createHttpsServer({ cert, key }, (req, res) => {
      servernames.push((req.socket as TLSSocket).servername);
      if (req.url === '/downgrade') res.writeHead(302, { location: 'http://127.0.0.1:1/' }).end();
      else res.writeHead(200, { 'content-length': '6' }).end('tls-ok');
    });
    try {
      await writeFile(path.join(dir, 'ca.pem'), cert);
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      const { port } = server.address() as AddressInfo;

      // Not trusted in this process: the certificate check is on.
      await assertFetchError(new GuardedFetcher(OPEN_POLICY).fetch(`https://127.0.0.1:${port}/ok`), 'network', /certificate/);

      const { stdout } = await promisify(execFile)(
        process.execPath,
        ['--import', 'tsx', '--input-type=module', '-e', CHILD],
        {
          timeout: 15_000,
          env: {
            ...process.env,
            NODE_EXTRA_CA_CERTS: path.join(dir, 'ca.pem'),
            FETCHER_URL: new URL('../../src/net/guarded-fetcher.ts', import.meta.url).href,
            PORT: String(port),
          },
        },
      );
      const results = JSON.parse(stdout) as Record<string, { body?: string; kind?: string; message?: string }>;
      assert.deepEqual(results.trusted, { body: 'tls-ok', finalUrl: `https://bundle.test:${port}/ok` });
      assert.equal(results.wrongName?.kind, 'network');
      assert.match(results.wrongName?.message ?? '', /other\.test/);
      assert.equal(results.downgrade?.kind, 'scheme');
      assert.match(results.downgrade?.message ?? '', /from https to http/);
      assert.ok(servernames.includes('bundle.test'), JSON.stringify(servernames));
    } finally {
      server.closeAllConnections();
      server.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('URL rules', () => {
  const fetcher = new GuardedFetcher(OPEN_POLICY, { lookup: staticLookup('93.184.216.34') });

  it('fetches only http: and https: URLs', async () => {
    for (const url of ['ftp://example.com/bundle.p7b', 'file:///etc/passwd', 'data:text/plain,hi', 'gopher://example.com/']) {
      await assertFetchError(fetcher.fetch(url), 'scheme', /only http: and https:/);
    }
  });

  it('refuses credentials in the URL without sending them anywhere', async () => {
    await withServers([ok('x')], async ([server]) => {
      for (const url of [`http://user:pass@127.0.0.1:${server!.port}/`, `http://user@127.0.0.1:${server!.port}/`]) {
        await assertFetchError(fetcher.fetch(url), 'invalid_url', /must not contain credentials/);
      }
      assert.equal(server!.requests.length, 0);
    });
  });

  it('refuses text that is not an absolute URL', async () => {
    for (const url of ['', '/relative/path', 'not a url', 'http://']) {
      await assertFetchError(fetcher.fetch(url), 'invalid_url', /not a valid absolute URL/);
    }
  });
});

describe('isAddressAllowed', () => {
  const refused: ReadonlyArray<readonly [string, RegExp]> = [
    ['127.0.0.1', /loopback/],
    ['127.255.0.9', /loopback/],
    ['0.0.0.0', /unspecified/],
    ['0.1.2.3', /unspecified/],
    ['10.0.0.1', /private/],
    ['172.16.0.1', /private/],
    ['172.31.255.255', /private/],
    ['192.168.1.1', /private/],
    ['169.254.169.254', /cloud metadata/],
    ['169.254.1.1', /link-local/],
    ['100.64.0.1', /carrier-grade NAT/],
    ['100.127.255.255', /carrier-grade NAT/],
    ['192.0.0.8', /IETF protocol-assignment/],
    ['192.0.2.1', /documentation/],
    ['198.18.0.1', /benchmarking/],
    ['198.19.255.255', /benchmarking/],
    ['224.0.0.1', /multicast/],
    ['240.0.0.1', /reserved/],
    ['255.255.255.255', /broadcast/],
    ['::1', /loopback/],
    ['::', /unspecified/],
    ['fc00::1', /unique-local/],
    ['fd12:3456::1', /unique-local/],
    ['fd00:ec2::254', /cloud metadata/],
    ['fe80::1', /link-local/],
    ['fe80::1%eth0', /link-local/],
    ['ff02::1', /multicast/],
    ['::ffff:127.0.0.1', /IPv4-mapped form of 127\.0\.0\.1, a loopback/],
    ['::ffff:10.0.0.1', /IPv4-mapped form of 10\.0\.0\.1, a private/],
    ['::ffff:a9fe:a9fe', /IPv4-mapped form of 169\.254\.169\.254, a cloud metadata/],
    ['64:ff9b::7f00:1', /NAT64 form of 127\.0\.0\.1/],
    ['64:ff9b:1::1', /local-use NAT64/],
    ['2002:c0a8:101::1', /6to4 form of 192\.168\.1\.1/],
    ['2001:0:4136:e378:8000:63bf:80ff:fffe', /Teredo form of 127\.0\.0\.1/],
    ['2001:db8::1', /documentation/],
    ['::127.0.0.1', /not global unicast/],
    ['100::1', /discard-only/],
    ['not-an-ip', /not an IP address/],
    ['example.com', /not an IP address/],
  ];
  const allowed = ['8.8.8.8', '1.1.1.1', '93.184.216.34', '172.32.0.1', '100.128.0.1', '2606:4700::1', '2a00:1450:4001::200e', '::ffff:8.8.8.8', '64:ff9b::808:808', '2002:808:808::1'];

  for (const [ip, reason] of refused) {
    it(`refuses ${ip}`, () => {
      const verdict = isAddressAllowed(ip, { allowPrivateAddresses: false });
      assert.equal(verdict.allowed, false);
      if (!verdict.allowed) assert.match(verdict.reason, reason);
    });
  }

  for (const ip of allowed) {
    it(`allows ${ip}`, () => {
      assert.deepEqual(isAddressAllowed(ip, { allowPrivateAddresses: false }), { allowed: true });
    });
  }

  it('allows everything that is an address when private addresses are allowed', () => {
    for (const [ip] of refused.filter(([, reason]) => !/not an IP/.test(reason.source))) {
      assert.deepEqual(isAddressAllowed(ip, { allowPrivateAddresses: true }), { allowed: true }, ip);
    }
    assert.equal(isAddressAllowed('not-an-ip', { allowPrivateAddresses: true }).allowed, false);
  });

  it('allows addresses inside allowedCidrs, including their IPv4-mapped forms, and nothing next to them', () => {
    const policy = { allowPrivateAddresses: false, allowedCidrs: ['10.20.0.0/16', 'fd00:1234::/32', '192.168.7.7'] };
    for (const ip of ['10.20.0.1', '10.20.255.255', '::ffff:10.20.3.4', 'fd00:1234::5', '192.168.7.7']) {
      assert.deepEqual(isAddressAllowed(ip, policy), { allowed: true }, ip);
    }
    for (const ip of ['10.21.0.1', '10.19.255.255', 'fd00:1235::5', '192.168.7.8', '127.0.0.1']) {
      assert.equal(isAddressAllowed(ip, policy).allowed, false, ip);
    }
  });
});
