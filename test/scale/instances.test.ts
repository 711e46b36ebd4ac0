// Several `graph-pki serve` processes on ONE PostgreSQL schema behave as one service: a write on one
// instance is read at once on the other, $skiptoken values and locally minted tokens work on either,
// the CA limit and the duplicate check hold under races across instances, an upload job whose
// instance is killed is finished by the other one exactly once, and every create acknowledged before a
// kill -9 is durable. These tests are about PostgreSQL, so the SQLite run of the suite defines none.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { postgresSchemaUrl, TEST_BACKEND, testSchemaName } from '../helpers/backend.ts';
import { createCa, p7bOf, sha256Hex, type TestCert } from '../helpers/certs.ts';
import { runCli, startCliServer, type CliServer } from '../helpers/cli.ts';
import { startFileServer, type FileServer } from '../helpers/file-server.ts';
import { PKI_PATH, send, type TestResponse } from '../helpers/test-server.ts';

const PKIS = `/beta${PKI_PATH}`;
const LEASE_MS = 1500;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` every `everyMs` until it returns true; false once `timeoutMs` has passed. */
async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number, everyMs = 50): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() >= deadline) return false;
    await sleep(everyMs);
  }
}

if (TEST_BACKEND === 'postgres') {
  describe('several instances on one PostgreSQL schema', () => {
    let root: string;
    /** Every process started here, so that `after` kills whatever a failed test left running. */
    const processes = new Set<CliServer>();

    before(async () => {
      root = await mkdtemp(path.join(tmpdir(), 'graph-pki-scale-'));
    });

    after(async () => {
      await Promise.all([...processes].map((server) => stop(server, 'SIGKILL')));
      await rm(root, { recursive: true, force: true });
    });

    async function freshSchemaUrl(): Promise<string> {
      return postgresSchemaUrl(testSchemaName('scale', randomBytes(8).toString('hex')));
    }

    async function start(name: string, url: string, extra: readonly string[] = []): Promise<CliServer> {
      const server = await startCliServer([
        '--data', path.join(root, name), '--database', url, '--allow-private-fetch', '--job-lease-ms', String(LEASE_MS), ...extra,
      ]);
      processes.add(server);
      return server;
    }

    async function stop(server: CliServer, signal: 'SIGTERM' | 'SIGKILL'): Promise<number | null> {
      if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill(signal);
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => {
          server.child.kill('SIGKILL');
          resolve('timeout');
        }, 10_000);
      });
      const code = await Promise.race([server.exited, timeout]);
      clearTimeout(timer);
      processes.delete(server);
      return code === 'timeout' ? null : code;
    }

    async function tokenFor(url: string, name: string): Promise<string> {
      const minted = await runCli(['token', '--data', path.join(root, name), '--database', url]);
      assert.equal(minted.code, 0, minted.stderr);
      return minted.stdout.trim();
    }

    /** A representation without its @odata.context, which names the answering instance's own URL. */
    function withoutContext(body: Record<string, unknown>): Record<string, unknown> {
      const { '@odata.context': context, ...rest } = body;
      assert.equal(typeof context, 'string');
      return rest;
    }

    /** The path and query of a nextLink, to be sent to another instance. */
    function pathAndQuery(link: string): string {
      const url = new URL(link);
      return `${url.pathname}${url.search}`;
    }

    describe('two instances started at the same moment on a fresh schema', () => {
      let url: string;
      let a: CliServer;
      let b: CliServer;
      let token: string;

      before(async () => {
        url = await freshSchemaUrl();
        // Both migrate the empty schema and race to create the shared signing and skiptoken keys.
        [a, b] = await Promise.all([start('pair-a', url, ['--max-cas-per-pki', '5']), start('pair-b', url, ['--max-cas-per-pki', '5'])]);
        token = await tokenFor(url, 'pair-token');
      });

      after(async () => {
        await Promise.all([stop(a, 'SIGTERM'), stop(b, 'SIGTERM')]);
      });

      it('reads on one instance what the other wrote, pages across instances, and accepts one token on both', async () => {
        // A token minted from the database works on both: the instances agreed on one signing key.
        for (const server of [a, b]) assert.equal((await send(server.url, 'GET', PKIS, token)).status, 200);

        const created = await send(a.url, 'POST', PKIS, token, { body: { displayName: 'Written on A' } });
        assert.equal(created.status, 201, created.text);
        const id: string = created.body.id;
        const onB = await send(b.url, 'GET', `${PKIS}/${id}`, token);
        assert.equal(onB.status, 200, onB.text);
        assert.deepEqual(withoutContext(onB.body), withoutContext(created.body));
        const onA = await send(a.url, 'GET', `${PKIS}/${id}`, token);
        assert.deepEqual(onB.body['@odata.context'].replace(b.url, ''), onA.body['@odata.context'].replace(a.url, ''));

        const patched = await send(b.url, 'PATCH', `${PKIS}/${id}`, token, { body: { displayName: 'Renamed on B' } });
        assert.equal(patched.status, 200, patched.text);
        const afterPatch = await send(a.url, 'GET', `${PKIS}/${id}`, token);
        assert.equal(afterPatch.status, 200);
        assert.equal(afterPatch.body.displayName, 'Renamed on B');
        assert.deepEqual(withoutContext(afterPatch.body), withoutContext(patched.body));

        // Seven PKIs in all, created alternately on A and B; paged by 2, pages alternating instances.
        const ids = new Set<string>([id]);
        for (let i = 0; i < 6; i++) {
          const res = await send(i % 2 ? a.url : b.url, 'POST', PKIS, token, { body: { displayName: `Paged ${i}` } });
          assert.equal(res.status, 201, res.text);
          ids.add(res.body.id);
        }
        const everything = await send(b.url, 'GET', `${PKIS}?$top=999`, token);
        const expected = everything.body.value.map((p: { id: string }) => p.id);
        for (const created of ids) assert.ok(expected.includes(created), `${created} is listed`);

        const seen: string[] = [];
        let page = await send(a.url, 'GET', `${PKIS}?$top=2&$count=true`, token);
        assert.equal(page.status, 200, page.text);
        assert.equal(page.body['@odata.count'], expected.length);
        let pages = 1;
        for (;;) {
          assert.ok(page.body.value.length <= 2);
          seen.push(...page.body.value.map((p: { id: string }) => p.id));
          const link: string | undefined = page.body['@odata.nextLink'];
          if (!link) break;
          const answered = pages % 2 ? a : b;
          const other = pages % 2 ? b : a;
          assert.ok(link.startsWith(`${answered.url}/`), `nextLink ${link} names the instance that answered`);
          // The same public path and query on the other instance: its $skiptoken is valid there too.
          page = await send(other.url, 'GET', pathAndQuery(link), token);
          assert.equal(page.status, 200, `page ${pages + 1} on the other instance: ${page.text}`);
          pages++;
          assert.ok(pages <= expected.length, 'paging ends');
        }
        assert.deepEqual(seen, expected, 'paging across instances returns every PKI once, in order');
        assert.equal(pages, Math.ceil(expected.length / 2));
      });

      it('lets exactly one of concurrent CA creates on both instances take the last slot, and refuses concurrent duplicates', async () => {
        const pki = await send(a.url, 'POST', PKIS, token, { body: { displayName: 'Last slot' } });
        assert.equal(pki.status, 201);
        const cas = `${PKIS}/${pki.body.id}/certificateAuthorities`;
        const certs = await Promise.all(Array.from({ length: 10 }, (_, i) => createCa({ subject: `CN=Slot CA ${i}, O=graph-pki scale` })));
        for (const cert of certs.slice(0, 4)) {
          const res = await send(cert === certs[1] ? b.url : a.url, 'POST', cas, token, { body: { certificate: cert.base64 } });
          assert.equal(res.status, 201, res.text);
        }

        const racing = certs.slice(4);
        const race = await Promise.all(
          racing.map((cert, i) => send(i % 2 ? b.url : a.url, 'POST', cas, token, { body: { certificate: cert.base64 } })),
        );
        const statuses = race.map((res) => res.status).sort();
        assert.deepEqual(statuses, [201, 400, 400, 400, 400, 400], race.map((res) => `${res.status} ${res.text}`).join('\n'));
        for (const res of race.filter((r) => r.status === 400)) {
          assert.equal(res.body?.error?.code, 'Request_BadRequest', res.text);
          assert.match(res.body.error.message, /most allowed \(5\)|limit/i);
        }
        for (const server of [a, b]) assert.equal((await send(server.url, 'GET', `${cas}/$count`, token)).text, '5');
        const winner = racing[race.findIndex((res) => res.status === 201)] as TestCert;
        const listed = await send(b.url, 'GET', cas, token);
        assert.ok(listed.body.value.some((ca: { certificate: string }) => ca.certificate === winner.base64), 'the winner is stored');

        // Eight creates of the same certificate into a fresh PKI, split across the instances.
        const fresh = await send(b.url, 'POST', PKIS, token, { body: { displayName: 'Same certificate' } });
        const freshCas = `${PKIS}/${fresh.body.id}/certificateAuthorities`;
        const same = certs[9] as TestCert;
        const duplicates = await Promise.all(
          Array.from({ length: 8 }, (_, i) => send(i % 2 ? a.url : b.url, 'POST', freshCas, token, { body: { certificate: same.base64 } })),
        );
        const created = duplicates.filter((res) => res.status === 201);
        assert.equal(created.length, 1, duplicates.map((res) => `${res.status} ${res.text}`).join('\n'));
        const refused = duplicates.filter((res) => res.status !== 201);
        assert.equal(refused.length, 7);
        for (const res of refused) {
          assert.equal(res.status, 400, res.text);
          assert.match(res.body.error.message, /Duplicate Certificate exists/);
          const named = /certificate authority '([^']+)'/.exec(res.body.error.message)?.[1];
          if (named !== undefined) assert.equal(named, (created[0] as TestResponse).body.id);
        }
        for (const server of [a, b]) assert.equal((await send(server.url, 'GET', `${freshCas}/$count`, token)).text, '1');
      });
    });

    describe('an upload whose instance is killed', () => {
      let files: FileServer;
      before(async () => {
        files = await startFileServer();
      });
      after(async () => {
        await files.close();
      });

      it('is taken over by the other instance after the lease and finished exactly once', async (t) => {
        const url = await freshSchemaUrl();
        const cas = await Promise.all(Array.from({ length: 12 }, (_, i) => createCa({ subject: `CN=Taken over CA ${i}` })));
        const bundle = p7bOf(cas);
        // The first download never finishes, so the job is certainly running on A when A dies, however
        // slow the machine.
        files.set('/takeover.p7b', { stall: true });

        // Only A runs at first, so A's runner is the one that claims the job.
        const a = await start('upload-a', url);
        const token = await tokenFor(url, 'upload-token');
        const pki = await send(a.url, 'POST', PKIS, token, { body: { displayName: 'Taken over' } });
        assert.equal(pki.status, 201);
        const pkiPath = `${PKIS}/${pki.body.id}`;
        const accepted = await send(a.url, 'POST', `${pkiPath}/upload`, token, {
          body: { uploadUrl: `${files.url}/takeover.p7b`, sha256FileHash: sha256Hex(bundle) },
        });
        assert.equal(accepted.status, 204, accepted.text);
        assert.ok(await waitFor(() => (files.hits.get('/takeover.p7b') ?? 0) > 0, 5_000), 'A started downloading');
        const firstHitAt = Date.now();
        files.set('/takeover.p7b', { body: bundle });

        const b = await start('upload-b', url);
        try {
          // Longer than a poll of B's runner: B sees the job but leaves it to A, whose lease is alive.
          await sleep(700);
          assert.equal(files.hits.get('/takeover.p7b'), 1, 'B did not take the job while A holds its lease');
          t.diagnostic(`A killed ${Date.now() - firstHitAt} ms after it started downloading`);
          const killedAt = Date.now();
          await stop(a, 'SIGKILL');
          assert.equal((await send(b.url, 'GET', pkiPath, token)).body.status, 'running');

          let pkiNow: { status: string; statusDetails: string | null } | undefined;
          const done = await waitFor(
            async () => {
              pkiNow = (await send(b.url, 'GET', pkiPath, token)).body;
              return pkiNow?.status !== 'running';
            },
            LEASE_MS + 8_000,
            100,
          );
          assert.ok(done, 'B finished the job');
          assert.equal(pkiNow?.status, 'succeeded', pkiNow?.statusDetails ?? undefined);
          assert.match(pkiNow?.statusDetails ?? '', /added 12 certificate authorities/);
          // A's last heartbeat was at most a third of the lease before the kill.
          assert.ok(Date.now() - killedAt >= LEASE_MS / 2, 'B waited for the lease to expire');
          assert.equal(files.hits.get('/takeover.p7b'), 2, 'downloaded once more, by B');
          assert.equal((await send(b.url, 'GET', `${pkiPath}/certificateAuthorities/$count`, token)).text, '12');
          const listed = await send(b.url, 'GET', `${pkiPath}/certificateAuthorities?$top=999`, token);
          assert.equal(new Set(listed.body.value.map((ca: { thumbprint: string }) => ca.thumbprint)).size, 12, 'no duplicates');

          // Nothing runs it a third time.
          await sleep(LEASE_MS + 1_000);
          assert.equal(files.hits.get('/takeover.p7b'), 2);
          assert.equal((await send(b.url, 'GET', `${pkiPath}/certificateAuthorities/$count`, token)).text, '12');
          assert.equal((await send(b.url, 'GET', pkiPath, token)).body.status, 'succeeded');
          assert.equal(await stop(b, 'SIGTERM'), 0, 'B shuts down cleanly');
        } finally {
          await stop(b, 'SIGKILL');
        }
      });
    });

    describe('uploads of two tenants on two instances', () => {
      let files: FileServer;
      before(async () => {
        files = await startFileServer();
      });
      after(async () => {
        await files.close();
      });

      it("tenant A's stalled uploads hold one runner over both instances, and tenant B's upload finishes at once", async () => {
        const url = await freshSchemaUrl();
        const extra = ['--upload-timeout-ms', '5000', '--upload-concurrency', '2'];
        const [a, b] = await Promise.all([start('fair-a', url, extra), start('fair-b', url, extra)]);
        try {
          const tokenA = await tokenFor(url, 'fair-token');
          const minted = await runCli(['token', '--data', path.join(root, 'fair-token'), '--database', url, '--tenant', '00000000-0000-4000-8000-00000000000b']);
          assert.equal(minted.code, 0, minted.stderr);
          const tokenB = minted.stdout.trim();
          files.set('/never.p7b', { stall: true });
          for (let i = 0; i < 4; i++) {
            const pki = await send(a.url, 'POST', PKIS, tokenA, { body: { displayName: `Stalled ${i}` } });
            const queued = await send(i % 2 ? b.url : a.url, 'POST', `${PKIS}/${pki.body.id}/upload`, tokenA, {
              body: { uploadUrl: `${files.url}/never.p7b?n=${i}`, sha256FileHash: 'A'.repeat(64) },
            });
            assert.equal(queued.status, 204, queued.text);
          }
          assert.ok(await waitFor(() => (files.hits.get('/never.p7b') ?? 0) > 0, 5_000), "A's first upload started");
          await sleep(700); // several polls of both runners
          assert.equal(files.hits.get('/never.p7b'), 1, 'tenant A holds one runner over both instances');

          const cas = await Promise.all([1, 2, 3].map((i) => createCa({ subject: `CN=Fair CA ${i}` })));
          const bundle = p7bOf(cas);
          files.set('/fair-b.p7b', { body: bundle });
          const pkiB = await send(b.url, 'POST', PKIS, tokenB, { body: { displayName: 'Tenant B' } });
          const started = Date.now();
          const accepted = await send(a.url, 'POST', `${PKIS}/${pkiB.body.id}/upload`, tokenB, {
            body: { uploadUrl: `${files.url}/fair-b.p7b`, sha256FileHash: sha256Hex(bundle) },
          });
          assert.equal(accepted.status, 204, accepted.text);
          let status = 'running';
          assert.ok(
            await waitFor(async () => (status = (await send(b.url, 'GET', `${PKIS}/${pkiB.body.id}`, tokenB)).body.status) !== 'running', 3_000),
            `tenant B's upload still running after ${Date.now() - started} ms`,
          );
          assert.equal(status, 'succeeded');
        } finally {
          await Promise.all([stop(a, 'SIGKILL'), stop(b, 'SIGKILL')]);
        }
      });
    });

    it('keeps every create acknowledged by either instance when one is killed mid-flight', async (t) => {
      const url = await freshSchemaUrl();
      let a = await start('durable-a', url);
      const b = await start('durable-b', url);
      const token = await tokenFor(url, 'durable-token');
      try {
        const acknowledged = new Map<string, string>(); // id -> displayName
        const outcomes = { a: { ok: 0, failed: 0 }, b: { ok: 0, other: [] as string[] } };
        const total = 60;
        const lanesPerInstance = 8;
        let responses = 0;
        let inFlightOnA = 0;
        let inFlightOnAAtKill = -1;
        let killed: Promise<number | null> | undefined;
        const aUrl = a.url;
        const victim = a;
        // Each instance gets every other request, sent by a few lanes that keep it busy: when A is killed
        // (after the 20th answer) some of its requests are in flight and the rest are still to be sent.
        const lane = async (onA: boolean, first: number) => {
          for (let i = first; i < total; i += 2 * lanesPerInstance) {
            const displayName = `Durable ${i}`;
            if (onA) inFlightOnA++;
            try {
              const res = await send(onA ? aUrl : b.url, 'POST', PKIS, token, { body: { displayName } });
              if (res.status === 201) {
                acknowledged.set(res.body.id, displayName);
                if (onA) outcomes.a.ok++;
                else outcomes.b.ok++;
              } else if (onA) outcomes.a.failed++;
              else outcomes.b.other.push(`${res.status} ${res.text}`);
            } catch (error) {
              if (onA) outcomes.a.failed++;
              else outcomes.b.other.push(String(error));
            } finally {
              if (onA) inFlightOnA--;
            }
            if (++responses === 20) {
              inFlightOnAAtKill = inFlightOnA;
              killed = stop(victim, 'SIGKILL');
            }
          }
        };
        await Promise.all(
          Array.from({ length: 2 * lanesPerInstance }, (_, index) => lane(index % 2 === 0, index)),
        );
        assert.ok(killed, 'A was killed');
        await killed;
        assert.deepEqual(outcomes.b.other, [], 'B answered every create with 201 while A died');
        assert.equal(outcomes.b.ok, total / 2);
        assert.ok(outcomes.a.ok > 0, 'A acknowledged some creates before it died');
        assert.ok(inFlightOnAAtKill > 0, `A died with ${inFlightOnAAtKill} creates in flight`);
        assert.ok(outcomes.a.failed > 0, `creates sent to A after its death failed (${JSON.stringify(outcomes.a)})`);
        assert.equal(acknowledged.size, outcomes.a.ok + outcomes.b.ok, 'every acknowledged id is distinct');
        t.diagnostic(`A: ${outcomes.a.ok} acknowledged, ${outcomes.a.failed} failed, ${inFlightOnAAtKill} in flight at the kill; B: ${outcomes.b.ok} acknowledged`);

        a = await start('durable-a', url);
        for (const server of [a, b]) {
          const reads = await Promise.all([...acknowledged].map(async ([id, displayName]) => ({ id, displayName, res: await send(server.url, 'GET', `${PKIS}/${id}`, token) })));
          for (const { id, displayName, res } of reads) {
            assert.equal(res.status, 200, `${id} acknowledged, read on ${server === a ? 'A' : 'B'}: ${res.text}`);
            assert.equal(res.body.displayName, displayName);
          }
          const count = Number((await send(server.url, 'GET', `${PKIS}/$count`, token)).text);
          assert.ok(count >= acknowledged.size && count <= total, `count ${count}`);
        }
      } finally {
        await Promise.all([stop(a, 'SIGTERM'), stop(b, 'SIGTERM')]);
      }
    });
  });
}
