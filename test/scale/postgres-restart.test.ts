// A PostgreSQL restart while graph-pki runs: during the outage requests answer 503 serviceNotAvailable
// with Retry-After, promptly (never a hang), and once the database is back they succeed again without
// restarting graph-pki. Runs its own PostgreSQL cluster (initdb into a temporary folder) so stopping it
// disturbs no other test.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chownSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { DEFAULT_DATABASE_OPTIONS } from '../../src/config.ts';
import { isDatabaseUnavailable, openDatabase } from '../../src/store/database.ts';
import { TEST_BACKEND } from '../helpers/backend.ts';
import { PKI_PATH, startTestServer, type TestServer } from '../helpers/test-server.ts';

const BIN = `/usr/lib/postgresql/${readdirSync('/usr/lib/postgresql')[0]}/bin`;

function asPostgres(command: string, args: string[]): string {
  return execFileSync('runuser', ['-u', 'postgres', '--', path.join(BIN, command), ...args], { encoding: 'utf8', timeout: 60_000 });
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

// PostgreSQL-specific: part of the PostgreSQL run of the suite.
if (TEST_BACKEND === 'postgres') {
  describe('PostgreSQL restart while the server runs', () => {
    let dir: string;
    let port: number;
    let t: TestServer;
    const pgCtl = (action: 'start' | 'stop') =>
      asPostgres('pg_ctl', ['-D', path.join(dir, 'data'), '-w', '-t', '30', ...(action === 'start' ? ['-l', path.join(dir, 'log'), '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1`] : ['-m', 'fast']), action]);

    before(async () => {
      dir = mkdtempSync(path.join(tmpdir(), 'graph-pki-pg-'));
      chownSync(dir, Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' })), Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' })));
      port = await freePort();
      asPostgres('initdb', ['-D', path.join(dir, 'data'), '--auth=trust', '-U', 'postgres', '--no-sync']);
      pgCtl('start');
      t = await startTestServer({
        database: `postgres://postgres@127.0.0.1:${port}/postgres`,
        databaseOptions: { ...DEFAULT_DATABASE_OPTIONS, poolSize: 4, connectTimeoutMs: 1000 },
      });
    });

    after(async () => {
      await t?.close();
      try {
        pgCtl('stop');
      } catch {
        // already stopped
      }
      rmSync(dir, { recursive: true, force: true });
    });

    it('a connection dropped while checked out between two queries fails the next query, not the process', async () => {
      // Inside a transaction the connection belongs to the code, not the pool, between statements: the
      // server's "terminating connection" arrives as an 'error' event on the client itself. Unheard, it
      // is an uncaught exception (node:test would fail this file); heard, only the next query fails.
      const database = await openDatabase(`postgres://postgres@127.0.0.1:${port}/postgres`, { ...DEFAULT_DATABASE_OPTIONS, poolSize: 2, connectTimeoutMs: 1000 }, false);
      try {
        const outcome = await database.db
          .transaction()
          .execute(async (trx) => {
            await sql`select 1`.execute(trx);
            pgCtl('stop');
            await new Promise((r) => setTimeout(r, 300)); // the error event lands while no query runs
            await sql`select 1`.execute(trx);
            return 'the query after the stop succeeded';
          })
          .catch((error: unknown) => error);
        assert.ok(isDatabaseUnavailable(outcome), `the next query fails as "database unavailable": ${String(outcome)}`);
      } finally {
        pgCtl('start');
        await database.close();
      }
    });

    it('answers 503 with Retry-After during the outage and recovers by itself', async () => {
      const created = await t.request('POST', `/beta${PKI_PATH}`, { body: { displayName: 'Before the restart' } });
      assert.equal(created.status, 201);

      pgCtl('stop');
      for (const [method, url, body] of [
        ['GET', `/beta${PKI_PATH}/${created.body.id}`, undefined],
        ['GET', `/beta${PKI_PATH}`, undefined],
        ['POST', `/beta${PKI_PATH}`, { displayName: 'During the outage' }],
      ] as const) {
        const started = Date.now();
        const res = await t.request(method, url, body === undefined ? {} : { body });
        assert.equal(res.status, 503, `${method} ${url}: ${res.text}`);
        assert.equal(res.body.error.code, 'serviceNotAvailable');
        assert.ok(Number(res.headers.get('retry-after')) > 0);
        assert.ok(Date.now() - started < 5000, `${method} answered within the connect timeout, not a hang`);
      }
      assert.equal((await t.request('GET', '/healthz', { token: null })).status, 503);

      pgCtl('start');
      let status = 0;
      for (let i = 0; i < 50 && status !== 200; i++) {
        status = (await t.request('GET', `/beta${PKI_PATH}/${created.body.id}`)).status;
        if (status !== 200) await new Promise((r) => setTimeout(r, 200));
      }
      assert.equal(status, 200, 'reads work again after the restart');
      assert.equal((await t.request('POST', `/beta${PKI_PATH}`, { body: { displayName: 'After the restart' } })).status, 201);
      const list = await t.request('GET', `/beta${PKI_PATH}`);
      assert.deepEqual(list.body.value.map((p: { displayName: string }) => p.displayName).sort(), ['After the restart', 'Before the restart']);
      assert.equal((await t.request('GET', '/healthz', { token: null })).status, 200);
    });
  });
}
