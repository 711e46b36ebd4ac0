// The CRL cache's bounds through real verifications: in memory and in the database it holds at most its
// configured bytes, the least recently used CRL going first; the sweep drops CRLs that no live CA names
// (a deleted PKI's, a purged tenant's) and the background refresh never downloads them again; metrics
// report the bytes held and the evictions. The defaults leave room for Entra's 20 MB CRLs.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createServer, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { type CrlConfig, DEFAULT_CRL_CONFIG } from '../../src/config.ts';
import { WORKING_MEMORY_SHARE } from '../../src/service/verification/crl-service.ts';
import { createCa, createCrl, createLeaf, type TestCert } from '../helpers/certs.ts';
import { bigCrl } from '../helpers/crl-der.ts';
import { startFileServer, type FileServer } from '../helpers/file-server.ts';
import { PKI_PATH, startTestServer, TENANT_B, type TestServer } from '../helpers/test-server.ts';

const VERIFY = '/graph-pki/v1/verify';
const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';

let files: FileServer;
let root: TestCert;
let issuing: TestCert;
/** DER size of the test CRLs (which differ by a few bytes at most): in memory and, as stored, in the database. */
let crlBytes: number;

before(async () => {
  files = await startFileServer();
  root = await createCa({ subject: 'CN=Cache Bounds Root' });
  issuing = await createCa({ subject: 'CN=Cache Bounds Issuing CA', issuer: root });
  for (const name of ['u1', 'u2', 'u3', 'live', 'tenant-b']) {
    const crl = await createCrl({ issuer: issuing, crlNumber: 10 });
    files.set(`/${name}.crl`, { body: crl.der });
    crlBytes = Math.max(crlBytes ?? 0, crl.der.length);
  }
});
after(() => files.close());

/** A tenant's PKI holding the root and the issuing CA; returns the PKI id and the issuing CA's id. */
async function trustStore(server: TestServer, token?: string): Promise<{ pkiId: string; issuingId: string }> {
  const auth = token ? { token } : {};
  const pkiId = (await server.request('POST', `/beta${PKI_PATH}`, { body: { displayName: 'Cache bounds' }, ...auth })).body.id as string;
  assert.equal((await server.request('POST', `/beta${PKI_PATH}/${pkiId}/certificateAuthorities`, { body: { certificate: root.base64 }, ...auth })).status, 201);
  const created = await server.request('POST', `/beta${PKI_PATH}/${pkiId}/certificateAuthorities`, { body: { certificate: issuing.base64 }, ...auth });
  assert.equal(created.status, 201, created.text);
  return { pkiId, issuingId: created.body.id as string };
}

/** Points the issuing CA at `url` and verifies a fresh leaf; returns where the CRL came from. */
async function verifyWith(server: TestServer, store: { pkiId: string; issuingId: string }, url: string, token?: string): Promise<string> {
  const auth = token ? { token } : {};
  const patched = await server.request('PATCH', `/beta${PKI_PATH}/${store.pkiId}/certificateAuthorities/${store.issuingId}`, {
    body: { certificateRevocationListUrl: url },
    ...auth,
  });
  assert.equal(patched.status, 200, patched.text);
  const leaf = await createLeaf({ subject: 'CN=Cache Bounds User', issuer: issuing, extendedKeyUsage: [CLIENT_AUTH] });
  const res = await server.request('POST', VERIFY, { body: { certificate: leaf.base64 }, ...auth });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.body.trusted, true, res.body.message);
  return res.body.path[0].revocation.source as string;
}

async function metric(server: TestServer, series: string): Promise<number> {
  const text = (await server.request('GET', '/metrics', { token: null })).text;
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  assert.ok(line, `no ${series} in /metrics`);
  return Number(line.slice(series.length + 1));
}

type TrustStore = Awaited<ReturnType<typeof trustStore>>;

/**
 * A server with these CRL settings (beside the defaults) and one tenant's trust store, for `run`, which
 * gets them and the URL of a test CRL by name; closed after.
 */
async function withCacheServer(crl: Partial<CrlConfig>, run: (server: TestServer, store: TrustStore, url: (name: string) => string) => Promise<void>): Promise<void> {
  const server = await startTestServer({ allowPrivateFetch: true, crl: { ...DEFAULT_CRL_CONFIG, ...crl } });
  try {
    await run(server, await trustStore(server), (name) => `${files.url}/${name}.crl`);
  } finally {
    await server.close();
  }
}

describe('the database cache bound (memory cache off)', () => {
  it('keeps at most its bytes, emptying the least recently used CRL first', async () => {
    // Room for two CRLs, since a write makes room for its CRL twice (the copy in SQLite's write-ahead
    // log or PostgreSQL's replaced rows until the checkpoint or VACUUM).
    await withCacheServer({ crlCacheMemoryBytes: 0, crlCacheDatabaseBytes: Math.floor(crlBytes * 3.5) }, async (server, store, url) => {
      assert.equal(await verifyWith(server, store, url('u1')), 'downloaded');
      assert.equal(await verifyWith(server, store, url('u2')), 'downloaded');
      assert.equal(await verifyWith(server, store, url('u1')), 'database', 'u1 is now the most recently used');
      assert.equal(await verifyWith(server, store, url('u3')), 'downloaded');
      assert.equal(await verifyWith(server, store, url('u1')), 'database', 'u1 stayed');
      assert.equal(await verifyWith(server, store, url('u2')), 'downloaded', 'u2, the least recently used, went');
      assert.ok((await metric(server, 'graph_pki_crl_cache_evictions_total{tier="database",reason="size"}')) >= 1);
      const held = await metric(server, 'graph_pki_crl_cache_bytes{tier="database"}');
      assert.ok(held > 0 && held <= crlBytes * 2.5, `database holds ${held} bytes`);
    });
  });
});

describe('the memory cache bound', () => {
  it('keeps at most its bytes, dropping the least recently used CRL first', async () => {
    // Room for two CRLs beside the working memory held back (2 load slots × 7/8 of a CRL) and, while a
    // third loads, one beside its reservation (the DER and up to 24 bytes per possible entry, 2/3 of the
    // DER). The database keeps nothing either, so a CRL not in memory is downloaded again.
    await withCacheServer({ crlLoadsInFlight: 2, crlCacheMemoryBytes: Math.floor(crlBytes * 4.9), crlCacheDatabaseBytes: 0 }, async (server, store, url) => {
      assert.equal(await verifyWith(server, store, url('u1')), 'downloaded');
      assert.equal(await verifyWith(server, store, url('u2')), 'downloaded');
      assert.equal(await verifyWith(server, store, url('u1')), 'memory');
      assert.equal(await verifyWith(server, store, url('u3')), 'downloaded');
      assert.equal(await verifyWith(server, store, url('u1')), 'memory', 'u1 stayed');
      assert.equal(await verifyWith(server, store, url('u2')), 'downloaded', 'u2, the least recently used, went');
      assert.ok((await metric(server, 'graph_pki_crl_cache_evictions_total{tier="memory",reason="size"}')) >= 1);
      const held = await metric(server, 'graph_pki_crl_cache_bytes{tier="memory"}');
      assert.ok(held > 0 && held <= crlBytes * 3.15, `memory holds ${held} bytes, at most the cap less what is held back`);
      assert.equal(await metric(server, 'graph_pki_crl_cache_bytes{tier="database"}'), 0);
    });
  });

  it('holds back part of its bytes for the working memory of loads (2 load slots × 7/8 of the largest CRL)', async () => {
    // Room for two CRLs if nothing were held back; with 1.75 CRLs held back, for one.
    await withCacheServer({ crlLoadsInFlight: 2, crlCacheMemoryBytes: Math.floor(crlBytes * 3), crlCacheDatabaseBytes: 0 }, async (server, store, url) => {
      assert.equal(await verifyWith(server, store, url('u1')), 'downloaded');
      assert.equal(await verifyWith(server, store, url('u1')), 'memory', 'one CRL fits beside what is held back');
      assert.equal(await verifyWith(server, store, url('u2')), 'downloaded');
      assert.equal(await verifyWith(server, store, url('u2')), 'memory');
      assert.equal(await verifyWith(server, store, url('u1')), 'downloaded', 'u1 went to make room for u2: two do not fit beside what is held back');
      const held = await metric(server, 'graph_pki_crl_cache_bytes{tier="memory"}');
      assert.ok(held > 0 && held <= crlBytes * 1.3, `memory holds ${held} bytes: one CRL (${crlBytes} bytes of DER and its index)`);
    });
  });
});

describe('a CRL of unusually short entries', () => {
  it('sets aside the memory its larger index needs before indexing it, dropping a cached CRL to make room', async () => {
    // Two CRLs of about the same DER size: one of 16-byte serials (the 36-byte entries a load reserves
    // for), one of 5-byte serials (24-byte entries, half as many again, whose index outgrows that).
    const usual = bigCrl(issuing, 4_000).der;
    const short = bigCrl(issuing, 5_900, { serialBytes: 5 }).der;
    files.set('/usual.crl', { body: usual });
    files.set('/short.crl', { body: short });
    const unit = Math.max(usual.length, short.length);
    // One load slot. Held once the usual CRL is cached: it (DER + 16 bytes per entry, ~1.45 units) and 7/8
    // of it held back. The short CRL's load reserves 5/3 of its DER: ~3.99 units in all, within a cap of
    // 4.5, so the usual CRL could stay. Its index needs more (24 bytes per entry while indexing, up to 1.2
    // units for 20-byte entries): setting that aside (~5.2 units) drops the usual CRL.
    await withCacheServer({ crlLoadsInFlight: 1, crlCacheMemoryBytes: Math.floor(unit * 4.5), crlCacheDatabaseBytes: 0 }, async (server, store, url) => {
      assert.equal(await verifyWith(server, store, url('usual')), 'downloaded');
      assert.equal(await verifyWith(server, store, url('usual')), 'memory');
      assert.equal(await metric(server, 'graph_pki_crl_cache_evictions_total{tier="memory",reason="size"}'), 0);
      assert.equal(await verifyWith(server, store, url('short')), 'downloaded');
      assert.equal(await verifyWith(server, store, url('short')), 'memory', 'the short CRL is cached, at its true size');
      assert.equal(await metric(server, 'graph_pki_crl_cache_evictions_total{tier="memory",reason="size"}'), 1, 'the usual CRL made room');
      assert.equal(await verifyWith(server, store, url('usual')), 'downloaded', 'the usual CRL went to make room for the short one being indexed');
      const held = await metric(server, 'graph_pki_crl_cache_bytes{tier="memory"}');
      assert.ok(held <= unit * 4.5, `memory holds ${held} bytes, within the cap`);
    });
  });
});

describe('the sweep', () => {
  it("drops a deleted PKI's CRL from both caches and never refreshes it, while live CRLs are refreshed", async () => {
    const server = await startTestServer({
      allowPrivateFetch: true,
      // Every cached CRL counts as expiring, and the sweep runs five times a second.
      crl: { ...DEFAULT_CRL_CONFIG, crlRefreshIntervalMs: 200, crlRefreshAheadMs: 30 * 24 * 3_600_000 },
    });
    try {
      const tokenB = await server.token({ tenantId: TENANT_B });
      const storeA = await trustStore(server);
      const storeB = await trustStore(server, tokenB);
      const bUrl = `${files.url}/tenant-b.crl?sig=secret`;
      assert.equal(await verifyWith(server, storeA, `${files.url}/live.crl`), 'downloaded');
      assert.equal(await verifyWith(server, storeB, bUrl, tokenB), 'downloaded');
      await sleep(500);
      assert.ok((files.hits.get('/tenant-b.crl') ?? 0) > 1, "while tenant B's CA names it, its CRL is refreshed");

      const deleted = await server.request('DELETE', `/beta${PKI_PATH}/${storeB.pkiId}`, { token: tokenB });
      assert.equal(deleted.status, 204, deleted.text);
      await sleep(500); // a sweep under way when the PKI went may still download it once
      const hitsAfterDelete = files.hits.get('/tenant-b.crl') ?? 0;
      const liveHits = files.hits.get('/live.crl') ?? 0;
      await sleep(1000);
      assert.equal(files.hits.get('/tenant-b.crl') ?? 0, hitsAfterDelete, "the deleted PKI's CRL is not downloaded again");
      assert.ok((files.hits.get('/live.crl') ?? 0) > liveHits, 'the live CRL is still refreshed');
      assert.ok((await metric(server, 'graph_pki_crl_cache_evictions_total{tier="database",reason="unreferenced"}')) >= 1);
      assert.ok((await metric(server, 'graph_pki_crl_cache_evictions_total{tier="memory",reason="unreferenced"}')) >= 1);

      // Restored, the PKI's CA names the URL again: the CRL is downloaded anew, not found in a cache.
      const restored = await server.request('POST', `/beta/directory/deletedItems/${storeB.pkiId}/restore`, { token: tokenB });
      assert.equal(restored.status, 200, restored.text);
      const leaf = await createLeaf({ subject: 'CN=Cache Bounds User B', issuer: issuing, extendedKeyUsage: [CLIENT_AUTH] });
      const res = await server.request('POST', VERIFY, { body: { certificate: leaf.base64 }, token: tokenB });
      assert.equal(res.body.trusted, true, res.body.message);
      assert.equal(res.body.path[0].revocation.source, 'downloaded');
    } finally {
      await server.close();
    }
  });
});

describe('CRL loads in flight (--crl-loads-in-flight)', () => {
  /** Two tenants' verifications at once, each naming its own slow CRL; returns the CRL requests 300 ms after the first arrived. */
  async function twoAtOnce(loadsInFlight: number, tag: string): Promise<{ later: number; verdicts: unknown[] }> {
    const server = await startTestServer({ allowPrivateFetch: true, crl: { ...DEFAULT_CRL_CONFIG, crlLoadsInFlight: loadsInFlight } });
    try {
      const tokenB = await server.token({ tenantId: TENANT_B });
      const stores = [await trustStore(server), await trustStore(server, tokenB)];
      const tokens = [undefined, tokenB];
      const paths = [`/slow-a-${tag}.crl`, `/slow-b-${tag}.crl`];
      const body = (await createCrl({ issuer: issuing, crlNumber: 10 })).der;
      for (const p of paths) files.set(p, { body, delayMs: 1_500 });
      for (let i = 0; i < 2; i++) {
        const auth = tokens[i] ? { token: tokens[i] } : {};
        const patched = await server.request('PATCH', `/beta${PKI_PATH}/${stores[i]?.pkiId}/certificateAuthorities/${stores[i]?.issuingId}`, {
          body: { certificateRevocationListUrl: `${files.url}${paths[i]}` },
          ...auth,
        });
        assert.equal(patched.status, 200, patched.text);
      }
      const hits = () => paths.reduce((n, p) => n + (files.hits.get(p) ?? 0), 0);
      const leaf = await createLeaf({ subject: 'CN=Cache Bounds In Flight', issuer: issuing, extendedKeyUsage: [CLIENT_AUTH] });
      const verdicts = Promise.all(tokens.map((token) => server.request('POST', VERIFY, { body: { certificate: leaf.base64 }, ...(token ? { token } : {}) })));
      while (hits() === 0) await sleep(10);
      await sleep(300);
      const later = hits();
      return { later, verdicts: (await verdicts).map((r) => r.body.trusted) };
    } finally {
      await server.close();
    }
  }

  it('with 1, a second distinct CRL is not requested while the first is loading; both verifications succeed', async () => {
    const { later, verdicts } = await twoAtOnce(1, 'one');
    assert.equal(later, 1, 'one download at a time');
    assert.deepEqual(verdicts, [true, true]);
  });

  it('with 2, both are requested at once', async () => {
    const { later, verdicts } = await twoAtOnce(2, 'two');
    assert.equal(later, 2);
    assert.deepEqual(verdicts, [true, true]);
  });
});

describe('waiting for a CRL load slot', () => {
  it('counts against --crl-timeout-ms: with both slots held by downloads from a server that never answers, a verification needing a third CRL fails closed, naming the wait', async () => {
    // Accepts connections and never says a word.
    const sockets = new Set<Socket>();
    const silent = createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => {});
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const silentUrl = `http://127.0.0.1:${(silent.address() as { port: number }).port}`;
    const timeoutMs = 1_500;
    const server = await startTestServer({ allowPrivateFetch: true, crl: { ...DEFAULT_CRL_CONFIG, crlLoadsInFlight: 2, crlDownloadTimeoutMs: timeoutMs } });
    try {
      const store = await trustStore(server);
      const leaf = await createLeaf({ subject: 'CN=Cache Bounds Slot Wait', issuer: issuing, extendedKeyUsage: [CLIENT_AUTH] });
      const verify = () => server.request('POST', VERIFY, { body: { certificate: leaf.base64 } });
      const pointAt = async (url: string) => {
        const patched = await server.request('PATCH', `/beta${PKI_PATH}/${store.pkiId}/certificateAuthorities/${store.issuingId}`, { body: { certificateRevocationListUrl: url } });
        assert.equal(patched.status, 200, patched.text);
      };
      // Two verifications take both slots, each downloading a CRL the silent server never sends.
      const holders: Array<ReturnType<typeof verify>> = [];
      let firstHeld = 0;
      for (const n of [1, 2]) {
        await pointAt(`${silentUrl}/hold-${n}.crl`);
        holders.push(verify());
        while (sockets.size < n) await sleep(10);
        if (n === 1) firstHeld = Date.now();
      }
      const held = Date.now();
      // A third CRL, served after 1 s: it would be had in time if the wait did not count.
      files.set('/third.crl', { body: (await createCrl({ issuer: issuing, crlNumber: 10 })).der, delayMs: 1_000 });
      await pointAt(`${files.url}/third.crl`);
      // Asked 500 ms after the first slot was taken: that slot frees (its download times out) about 500 ms
      // before the third's own 1.5 s run out, which leaves it time to start its download (asked at once, a
      // busy machine could free the slot only after that) and too little to finish it (1 s).
      await sleep(Math.max(0, firstHeld + 500 - Date.now()));
      const asked = Date.now();
      const third = await verify();
      const took = Date.now() - asked;
      assert.equal(third.status, 200, third.text);
      assert.equal(third.body.trusted, false);
      assert.equal(third.body.reason, 'crl_unavailable', third.body.message);
      assert.match(
        third.body.message,
        /the CRL at http:\/\/127\.0\.0\.1:\d+\/third\.crl cannot be downloaded: it waited [\d.]+ m?s for a CRL load slot \(all 2 of --crl-loads-in-flight were taken by other CRLs\), and the download did not finish in the [\d.]+ m?s left of 1\.5 s \(--crl-timeout-ms\)/,
      );
      // It asked once a slot was free (the holders' downloads timed out), and answered within its own 1.5 s.
      assert.equal(files.hits.get('/third.crl'), 1);
      assert.ok(took < timeoutMs + 500, `the third verification took ${took} ms`);
      assert.ok(Date.now() - held >= timeoutMs - 100, 'the slots were held until the downloads timed out');
      for (const holder of holders) {
        const res = await holder;
        assert.equal(res.body.reason, 'crl_unavailable');
        assert.match(res.body.message, /cannot be downloaded: the download took longer than 1\.5 s/);
      }
    } finally {
      await server.close();
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});

describe('the defaults', () => {
  it('leave room for a CRL of the largest size downloaded (20 MB) in memory, beside another being loaded and the working memory held back, and in the database', () => {
    const largest = DEFAULT_CRL_CONFIG.maxCrlBytes;
    assert.equal(largest, 20 * 1024 * 1024);
    // In memory: the DER and about 16 bytes of index per entry (a 20 MB CRL has at most ~600,000 entries),
    // twice (one cached, one loading), beside a share of the largest CRL held back per load slot.
    const heldBack = DEFAULT_CRL_CONFIG.crlLoadsInFlight * WORKING_MEMORY_SHARE * largest;
    assert.ok(DEFAULT_CRL_CONFIG.crlCacheMemoryBytes >= 2 * (largest + 600_000 * 16) + heldBack);
    // In the database: the DER, with room for it twice while it is written.
    assert.ok(DEFAULT_CRL_CONFIG.crlCacheDatabaseBytes >= 2 * largest);
  });
});
