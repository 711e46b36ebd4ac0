// The server as a process: durability of acknowledged writes across kill -9, graceful shutdown on
// SIGTERM/SIGINT that lets an in-flight request finish, and the CLI contract (flags, env, help).
import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { decodeJwt } from 'jose';
import { SIGNING_KEY_FILE } from '../../src/auth/signing-key.ts';
import { PKI_PATH, send } from '../helpers/test-server.ts';
import { sql } from 'kysely';
import { databaseLocation } from '../../src/config.ts';
import { openDatabase, type OpenDatabase } from '../../src/store/database.ts';
import { databaseForDataDir } from '../helpers/backend.ts';
import { runCli, startCliServer } from '../helpers/cli.ts';

async function openTestDatabaseOf(dir: string): Promise<OpenDatabase> {
  return openDatabase(databaseLocation({ database: await databaseForDataDir(dir), dataDir: dir }), undefined, false);
}

let dataDir: string;
before(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'graph-pki-cli-'));
});
after(() => rm(dataDir, { recursive: true, force: true }));

async function mint(dir: string, ...args: string[]): Promise<string> {
  const result = await runCli(['token', '--data', dir, ...args]);
  assert.equal(result.code, 0, result.stderr);
  return result.stdout.trim();
}

describe('durability', () => {
  it('keeps every acknowledged create after kill -9, and serves it after a restart', async () => {
    const dir = path.join(dataDir, 'kill9');
    const token = await mint(dir);
    const first = await startCliServer(['--data', dir]);
    const ids: string[] = [];
    // Fire creates concurrently and kill the process right after the last acknowledgement arrives.
    const creates = Array.from({ length: 40 }, (_, i) =>
      send(first.url, 'POST', `/beta${PKI_PATH}`, token, { body: { displayName: `durable ${i}` } }).then((res) => {
        assert.equal(res.status, 201);
        ids.push(res.body.id);
      }),
    );
    await Promise.all(creates);
    first.child.kill('SIGKILL');
    assert.equal(await first.exited, null);

    const second = await startCliServer(['--data', dir]);
    try {
      for (const id of ids) {
        const res = await send(second.url, 'GET', `/beta${PKI_PATH}/${id}`, token);
        assert.equal(res.status, 200, `created ${id} was lost`);
      }
      assert.equal(Number((await send(second.url, 'GET', `/beta${PKI_PATH}/$count`, token)).text), ids.length);
    } finally {
      second.child.kill('SIGTERM');
      await second.exited;
    }
  });
});

describe('graceful shutdown', () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`on ${signal} finishes the in-flight request, then exits 0`, async () => {
      const dir = path.join(dataDir, `graceful-${signal}`);
      const token = await mint(dir);
      const server = await startCliServer(['--data', dir]);
      const body = JSON.stringify({ displayName: `in flight during ${signal}` });
      // Send the headers and half of the body, signal the server, then send the rest.
      const response = new Promise<{ status: number; text: string }>((resolve, reject) => {
        const req = httpRequest(`${server.url}/beta${PKI_PATH}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        });
        req.on('response', (res) => {
          let text = '';
          res.on('data', (d: Buffer) => (text += d.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        });
        req.on('error', reject);
        req.write(body.slice(0, 10));
        // Generous: on a loaded machine the server must have routed the request before the signal, or it
        // rightly answers 503 (shutting down).
        setTimeout(() => {
          server.child.kill(signal);
          setTimeout(() => req.end(body.slice(10)), 300);
        }, 1000);
      });
      const res = await response;
      assert.equal(res.status, 201, res.text);
      assert.equal(await server.exited, 0);
      assert.match(server.stdout(), /stopped/);

      // The write made during shutdown is there on the next start.
      const again = await startCliServer(['--data', dir]);
      try {
        const list = await send(again.url, 'GET', `/beta${PKI_PATH}`, token);
        assert.equal(list.body.value.length, 1);
        assert.equal(list.body.value[0].displayName, `in flight during ${signal}`);
      } finally {
        again.child.kill('SIGTERM');
        assert.equal(await again.exited, 0);
      }
    });
  }

  it('keeps serving, and still exits 0 on SIGTERM, after whoever read its output has gone (EPIPE)', async () => {
    const dir = path.join(dataDir, 'graceful-epipe');
    const server = await startCliServer(['--data', dir, '--https']);
    // Like `serve | head -1`: the reader closes the pipe once it has the listening line. Every later
    // line (the certificate hint, "SIGTERM received", "stopped") then meets a closed pipe.
    server.child.stdout?.destroy();
    await new Promise((r) => setTimeout(r, 200));
    const health = await new Promise<number>((resolve, reject) => {
      httpsRequest(`${server.url}/healthz`, { rejectUnauthorized: false }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      })
        .on('error', reject)
        .end();
    });
    assert.equal(health, 200);
    server.child.kill('SIGTERM');
    assert.equal(await server.exited, 0, server.stderr());
    assert.doesNotMatch(server.stderr(), /EPIPE/);
  });
});

describe('command line', () => {
  it('creates the signing key with mode 0600 and mints app tokens by default', async () => {
    const dir = path.join(dataDir, 'tokens');
    // The key file belongs to the embedded SQLite set-up (with PostgreSQL the key lives in the database).
    const claims = decodeJwt(await mint(dir, '--database', `sqlite:${path.join(dir, 'graph-pki.db')}`));
    assert.equal((await stat(path.join(dir, SIGNING_KEY_FILE))).mode & 0o777, 0o600);
    assert.equal(claims.tid, '00000000-0000-4000-8000-000000000001');
    assert.deepEqual(claims.roles, ['PublicKeyInfrastructure.ReadWrite.All']);
    assert.equal(claims.aud, 'https://graph.microsoft.com');
    assert.equal((claims.exp ?? 0) - (claims.iat ?? 0), 3600);
  });

  it('mints delegated tokens with scp and the default role in wids', async () => {
    const dir = path.join(dataDir, 'tokens');
    const claims = decodeJwt(await mint(dir, '--scopes', 'PublicKeyInfrastructure.Read.All', '--tenant', '00000000-0000-4000-8000-00000000000b', '--ttl', '60'));
    assert.equal(claims.scp, 'PublicKeyInfrastructure.Read.All');
    assert.deepEqual(claims.wids, ['7be44c8a-adaf-4e2a-84d6-ab2649e08a13']);
    assert.equal(claims.tid, '00000000-0000-4000-8000-00000000000b');
    assert.equal(claims.roles, undefined);
    assert.equal((claims.exp ?? 0) - (claims.iat ?? 0), 60);
  });

  it('reads flags from GRAPH_PKI_* environment variables', async () => {
    const dir = path.join(dataDir, 'env');
    const claims = decodeJwt((await runCli(['token'], { GRAPH_PKI_DATA: dir, GRAPH_PKI_APP_ROLES: 'PublicKeyInfrastructure.Read.All' })).stdout.trim());
    assert.deepEqual(claims.roles, ['PublicKeyInfrastructure.Read.All']);
    const server = await startCliServer([], { GRAPH_PKI_DATA: dir, GRAPH_PKI_PUBLIC_URL: 'https://pki.example.test' });
    try {
      const token = await mint(dir);
      const res = await send(server.url, 'GET', `/v1.0${PKI_PATH}`, token);
      assert.equal(res.body['@odata.context'], 'https://pki.example.test/v1.0/$metadata#directory/publicKeyInfrastructure/certificateBasedAuthConfigurations');
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
    }
  });

  it('reads a value-less flag from the environment by its value: false stays off, a non-boolean is refused', async () => {
    const dir = path.join(dataDir, 'env-boolean');
    const audienceOf = async (value: string) => decodeJwt((await runCli(['token', '--data', dir], { GRAPH_PKI_ADMIN: value })).stdout.trim()).aud;
    for (const off of ['false', 'FALSE', '0', 'no', 'off', '']) assert.equal(await audienceOf(off), 'https://graph.microsoft.com', `GRAPH_PKI_ADMIN='${off}'`);
    for (const on of ['true', '1', 'yes', 'On']) assert.equal(await audienceOf(on), 'urn:graph-pki:admin', `GRAPH_PKI_ADMIN='${on}'`);
    const refused = await runCli(['token', '--data', dir], { GRAPH_PKI_ADMIN: 'maybe' });
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /GRAPH_PKI_ADMIN='maybe' is not a boolean/);
    // The flag on the command line wins over the variable, as for every other flag.
    assert.equal(decodeJwt((await runCli(['token', '--data', dir, '--admin'], { GRAPH_PKI_ADMIN: 'false' })).stdout.trim()).aud, 'urn:graph-pki:admin');

    // The one that matters most: GRAPH_PKI_ALLOW_PRIVATE_FETCH=false keeps the download guard closed.
    const server = await startCliServer(['--data', dir], { GRAPH_PKI_ALLOW_PRIVATE_FETCH: 'false', GRAPH_PKI_HTTPS: 'false' });
    try {
      assert.match(server.url, /^http:/);
      const token = await mint(dir);
      const pkiId = (await send(server.url, 'POST', `/beta${PKI_PATH}`, token, { body: {} })).body.id;
      const upload = { uploadUrl: `${server.url}/cba.p7b`, sha256FileHash: 'a'.repeat(64) };
      assert.equal((await send(server.url, 'POST', `/beta${PKI_PATH}/${pkiId}/upload`, token, { body: upload })).status, 204);
      let pki = (await send(server.url, 'GET', `/beta${PKI_PATH}/${pkiId}`, token)).body;
      for (let i = 0; i < 200 && pki.status === 'running'; i++) {
        await new Promise((r) => setTimeout(r, 50));
        pki = (await send(server.url, 'GET', `/beta${PKI_PATH}/${pkiId}`, token)).body;
      }
      assert.equal(pki.status, 'failed');
      assert.match(String(pki.statusDetails), /127\.0\.0\.1 is a loopback address/);
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
    }
  });

  it('runs a throw-away in-memory database with --database :memory:', async () => {
    const dir = path.join(dataDir, 'memory');
    const server = await startCliServer(['--data', dir, '--database', ':memory:']);
    try {
      assert.match(server.stdout(), /in memory/);
      const token = await mint(dir, '--database', ':memory:');
      assert.equal((await send(server.url, 'POST', `/beta${PKI_PATH}`, token, { body: {} })).status, 201);
      await assert.rejects(stat(path.join(dir, 'graph-pki.db')));
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
    }
  });

  it('prints help for every command and exits 0', async () => {
    for (const args of [['--help'], ['serve', '--help'], ['token', '--help']]) {
      const result = await runCli(args);
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /Usage: graph-pki/);
    }
    const serveHelp = (await runCli(['serve', '--help'])).stdout;
    for (const flag of ['--data', '--host', '--port', '--database', '--public-url', '--jwks-url', '--issuer', '--audience', '--log-level']) {
      assert.ok(serveHelp.includes(flag), `serve --help lacks ${flag}`);
    }
    const tokenHelp = (await runCli(['token', '--help'])).stdout;
    for (const flag of ['--data', '--tenant', '--app-roles', '--scopes', '--directory-roles', '--ttl']) {
      assert.ok(tokenHelp.includes(flag), `token --help lacks ${flag}`);
    }
  });

  it('exits 2 with a message on bad usage', async () => {
    const cases = [
      ['serve', '--port', 'eighty'],
      ['token', '--tenant', 'contoso'],
      ['frobnicate'],
      ['token', '--scopes', 'a', '--app-roles', 'b'],
      // The headers are part of the request: their timeout cannot be the longer one.
      ['serve', '--headers-timeout-ms', '5000', '--request-timeout-ms', '1000'],
    ];
    for (const args of cases) {
      const result = await runCli(args);
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stdout}`);
      assert.ok(result.stderr.length > 0);
    }
  });

  it('refuses to start on a database written by a newer graph-pki, saying so', async () => {
    const dir = path.join(dataDir, 'newer');
    assert.equal((await runCli(['migrate', '--data', dir])).code, 0);
    const database = await openTestDatabaseOf(dir);
    try {
      await sql`insert into kysely_migration (name, timestamp) values ('999-from-the-future', '2030-01-01T00:00:00.000Z')`.execute(database.db);
    } finally {
      await database.close();
    }
    const result = await runCli(['serve', '--data', dir, '--port', '0']);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /schema is newer than this graph-pki knows.*999-from-the-future/);
  });

  it('applies migrations explicitly with migrate, once', async () => {
    const dir = path.join(dataDir, 'migrate');
    assert.match((await runCli(['migrate', '--data', dir])).stdout, /applied 001-initial/);
    assert.match((await runCli(['migrate', '--data', dir])).stdout, /up to date/);
  });

  it('refuses to start on a port that is taken, with a message and exit 1', async () => {
    const dir = path.join(dataDir, 'busy');
    const server = await startCliServer(['--data', dir]);
    try {
      const port = new URL(server.url).port;
      const result = await runCli(['serve', '--data', dir, '--port', port]);
      assert.equal(result.code, 1);
      assert.match(result.stderr, /EADDRINUSE|in use/);
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
    }
  });
});
