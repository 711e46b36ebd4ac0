// POST /graph-pki/v1/verify and the CAs' CRLs: CRLs that must not be used (expired, unnumbered, a CRL
// number going backwards), delta CRLs (revoking, removeFromCRL, unreachable), and the CRL cache in the
// database shared by a second server on the same database.
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { DEFAULT_CRL_CONFIG } from '../../src/config.ts';
import { databaseForDataDir } from '../helpers/backend.ts';
import { createCa, createCrl, createLeaf, type TestCert } from '../helpers/certs.ts';
import { startFileServer, type FileServer } from '../helpers/file-server.ts';
import { PKI_PATH, startTestServer, type TestServer } from '../helpers/test-server.ts';

const VERIFY = '/graph-pki/v1/verify';
const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const REASON = { keyCompromise: 1, certificateHold: 6, removeFromCRL: 8 } as const;

let t: TestServer;
let files: FileServer;
let dataDir: string;
let database: string | undefined;
let root: TestCert;
let issuing: TestCert;
let pkiId: string;
let issuingId: string;
let rootId: string;

before(async () => {
  // The data folder and database are chosen here so a second server can be started on the same ones.
  dataDir = await mkdtemp(path.join(tmpdir(), 'graph-pki-verify-crl-'));
  database = await databaseForDataDir(dataDir);
  t = await startTestServer({ allowPrivateFetch: true, dataDir, database });
  files = await startFileServer();
  root = await createCa({ subject: 'CN=CRL Verify Root, O=Contoso' });
  issuing = await createCa({ subject: 'CN=CRL Verify Issuing CA, O=Contoso', issuer: root });
  pkiId = (await t.request('POST', `/beta${PKI_PATH}`, { body: { displayName: 'CRL PKI' } })).body.id;
  for (const cert of [root, issuing]) {
    const res = await t.request('POST', `/beta${PKI_PATH}/${pkiId}/certificateAuthorities`, { body: { certificate: cert.base64 } });
    assert.equal(res.status, 201, res.text);
    if (cert === issuing) issuingId = res.body.id;
    else rootId = res.body.id;
  }
});
after(async () => {
  await t.close();
  await files.close();
});

let leafCounter = 0;
const newLeaf = () => createLeaf({ subject: `CN=CRL User ${++leafCounter}, O=Contoso`, issuer: issuing, extendedKeyUsage: [CLIENT_AUTH] });

// biome-ignore lint/suspicious/noExplicitAny: response bodies
const verify = async (server: TestServer, leaf: TestCert): Promise<any> => {
  const res = await server.request('POST', VERIFY, { body: { certificate: leaf.base64 } });
  assert.equal(res.status, 200, res.text);
  return res.body;
};

/** Points the issuing CA at a base CRL (and a delta CRL) on the file server; null clears. */
async function setCrlUrls(base: string | null, delta: string | null = null): Promise<void> {
  const res = await t.request('PATCH', `/beta${PKI_PATH}/${pkiId}/certificateAuthorities/${issuingId}`, {
    body: { certificateRevocationListUrl: base === null ? null : `${files.url}${base}`, deltaCertificateRevocationListUrl: delta === null ? null : `${files.url}${delta}` },
  });
  assert.equal(res.status, 200, res.text);
}

/** Runs `body` with the CRL URLs set, clearing them afterwards whatever happens. */
async function withCrlUrls(base: string, delta: string | null, body: () => Promise<void>): Promise<void> {
  await setCrlUrls(base, delta);
  try {
    await body();
  } finally {
    await setCrlUrls(null);
  }
}

describe('CRLs that must not be used', () => {
  it('an expired CRL: crl_invalid', async () => {
    const crl = await createCrl({ issuer: issuing, crlNumber: 1, thisUpdate: new Date(Date.now() - 10 * DAY), nextUpdate: new Date(Date.now() - DAY) });
    files.set('/expired.crl', { body: crl.der });
    await withCrlUrls('/expired.crl', null, async () => {
      const verdict = await verify(t, await newLeaf());
      assert.equal(verdict.trusted, false);
      assert.equal(verdict.reason, 'crl_invalid', verdict.message);
      assert.match(verdict.message, /expired/);
    });
  });

  it('a CRL without a CRL number: crl_invalid', async () => {
    const crl = await createCrl({ issuer: issuing, crlNumber: null });
    files.set('/unnumbered.crl', { body: crl.der });
    await withCrlUrls('/unnumbered.crl', null, async () => {
      const verdict = await verify(t, await newLeaf());
      assert.equal(verdict.reason, 'crl_invalid', verdict.message);
      assert.match(verdict.message, /no CRL number/);
    });
  });

  it('a CRL number going backwards (a replayed CRL): crl_invalid', async () => {
    // CRL #5 expiring in a few seconds, so the next verification has to download again.
    const nextUpdate = new Date(Math.ceil(Date.now() / 1000) * 1000 + 3_000);
    const five = await createCrl({ issuer: issuing, crlNumber: 5, nextUpdate });
    files.set('/replay.crl', { body: five.der });
    await withCrlUrls('/replay.crl', null, async () => {
      const leaf = await newLeaf();
      const first = await verify(t, leaf);
      assert.equal(first.trusted, true, first.message);
      assert.equal(first.path[0].revocation.crlNumber, '5');
      assert.equal(first.path[0].revocation.source, 'downloaded');

      const three = await createCrl({ issuer: issuing, crlNumber: 3 });
      files.set('/replay.crl', { body: three.der });
      const wait = nextUpdate.getTime() + 250 - Date.now();
      if (wait > 0) await sleep(wait);
      const second = await verify(t, leaf);
      // Downloaded again (at least once: a refused CRL is not cached, and the issuing CA is tried both
      // as an intermediate up to the root and as a trust anchor itself, each path fetching it).
      assert.ok((files.hits.get('/replay.crl') ?? 0) >= 2, 'the stale CRL was downloaded again');
      assert.equal(second.trusted, false);
      assert.equal(second.reason, 'crl_invalid', second.message);
      assert.match(second.message, /CRL number 3, lower than 5/);
      assert.match(second.message, /replay/);
    });
  });
});

describe('delta CRLs', () => {
  it('a delta CRL revokes what the base CRL does not list', async () => {
    const base = await createCrl({ issuer: issuing, crlNumber: 100 });
    const revokedLeaf = await newLeaf();
    const goodLeaf = await newLeaf();
    const delta = await createCrl({ issuer: issuing, crlNumber: 101, deltaBaseCrlNumber: 100, revoked: [{ serialNumber: revokedLeaf.serialNumber, reason: REASON.keyCompromise }] });
    files.set('/d1-base.crl', { body: base.der });
    files.set('/d1-delta.crl', { body: delta.der });
    await withCrlUrls('/d1-base.crl', null, async () => {
      assert.equal((await verify(t, revokedLeaf)).trusted, true, 'the base CRL alone does not list it');
    });
    await withCrlUrls('/d1-base.crl', '/d1-delta.crl', async () => {
      const revoked = await verify(t, revokedLeaf);
      assert.equal(revoked.trusted, false);
      assert.equal(revoked.reason, 'revoked', revoked.message);
      const good = await verify(t, goodLeaf);
      assert.equal(good.trusted, true, good.message);
      assert.equal(good.path[0].revocation.crlNumber, '100');
      assert.equal(good.path[0].revocation.deltaCrlNumber, '101');
      assert.equal(good.path[0].revocation.deltaCrlUrl, `${files.url}/d1-delta.crl`);
    });
  });

  it('removeFromCRL in the delta CRL releases a certificate the base CRL holds', async () => {
    const leaf = await newLeaf();
    const base = await createCrl({ issuer: issuing, crlNumber: 200, revoked: [{ serialNumber: leaf.serialNumber, reason: REASON.certificateHold }] });
    const delta = await createCrl({ issuer: issuing, crlNumber: 201, deltaBaseCrlNumber: 200, revoked: [{ serialNumber: leaf.serialNumber, reason: REASON.removeFromCRL }] });
    files.set('/d2-base.crl', { body: base.der });
    files.set('/d2-delta.crl', { body: delta.der });
    await withCrlUrls('/d2-base.crl', null, async () => {
      assert.equal((await verify(t, leaf)).reason, 'revoked', 'on hold with the base CRL alone');
    });
    await withCrlUrls('/d2-base.crl', '/d2-delta.crl', async () => {
      const verdict = await verify(t, leaf);
      assert.equal(verdict.trusted, true, verdict.message);
      assert.equal(verdict.path[0].revocation.deltaCrlNumber, '201');
    });
  });

  it('a delta CRL older than the base CRL cannot undo a later revocation', async () => {
    const leaf = await newLeaf();
    const base = await createCrl({ issuer: issuing, crlNumber: 250, revoked: [{ serialNumber: leaf.serialNumber, reason: REASON.keyCompromise }] });
    const staleDelta = await createCrl({ issuer: issuing, crlNumber: 245, deltaBaseCrlNumber: 240, revoked: [{ serialNumber: leaf.serialNumber, reason: REASON.removeFromCRL }] });
    files.set('/d4-base.crl', { body: base.der });
    files.set('/d4-delta.crl', { body: staleDelta.der });
    await withCrlUrls('/d4-base.crl', '/d4-delta.crl', async () => {
      const verdict = await verify(t, leaf);
      assert.equal(verdict.trusted, false, 'a revoked certificate was trusted');
      assert.ok(verdict.reason === 'revoked' || verdict.reason === 'crl_invalid', `${verdict.reason}: ${verdict.message}`);
    });
  });

  it('a delta CRL URL that cannot be downloaded: crl_unavailable', async () => {
    const base = await createCrl({ issuer: issuing, crlNumber: 300 });
    files.set('/d3-base.crl', { body: base.der });
    await withCrlUrls('/d3-base.crl', '/d3-missing-delta.crl', async () => {
      const verdict = await verify(t, await newLeaf());
      assert.equal(verdict.trusted, false);
      assert.equal(verdict.reason, 'crl_unavailable', verdict.message);
      assert.match(verdict.message, /d3-missing-delta\.crl/);
    });
  });
});

describe('an intermediate CA is checked against its root\'s CRL even though it is a store CA itself', () => {
  /** Points the root CA at a CRL on the file server for the duration of `body`. */
  async function withRootCrl(url: string, body: () => Promise<void>): Promise<void> {
    const set = (value: string | null) =>
      t.request('PATCH', `/beta${PKI_PATH}/${pkiId}/certificateAuthorities/${rootId}`, { body: { certificateRevocationListUrl: value } });
    assert.equal((await set(`${files.url}${url}`)).status, 200);
    try {
      await body();
    } finally {
      assert.equal((await set(null)).status, 200);
    }
  }

  it('the root revoked the issuing CA: not trusted, revoked at the issuing CA (no shorter path ending at it)', async () => {
    const crl = await createCrl({ issuer: root, crlNumber: 7, revoked: [{ serialNumber: issuing.serialNumber, reason: REASON.keyCompromise }] });
    files.set('/root-revokes-issuing.crl', { body: crl.der });
    await withRootCrl('/root-revokes-issuing.crl', async () => {
      const verdict = await verify(t, await newLeaf());
      assert.equal(verdict.trusted, false);
      assert.equal(verdict.reason, 'revoked');
      assert.equal(verdict.failedAt, 1);
    });
  });

  it('the root\'s CRL cannot be had: not trusted (crl_unavailable), fail closed', async () => {
    await withRootCrl('/no-such-root.crl', async () => {
      const verdict = await verify(t, await newLeaf());
      assert.equal(verdict.trusted, false);
      assert.equal(verdict.reason, 'crl_unavailable');
    });
  });

  it('the root\'s CRL lists someone else: trusted, with the issuing CA checked against it', async () => {
    const crl = await createCrl({ issuer: root, crlNumber: 8, revoked: [{ serialNumber: '7f01', reason: REASON.keyCompromise }] });
    files.set('/root-ok.crl', { body: crl.der });
    await withRootCrl('/root-ok.crl', async () => {
      const verdict = await verify(t, await newLeaf());
      assert.equal(verdict.trusted, true, JSON.stringify(verdict));
      assert.equal(verdict.path.length, 3);
      assert.equal(verdict.path[1].revocation.checked, true);
    });
  });
});

describe('a CRL server that does not answer', () => {
  it('gives crl_unavailable naming the download timeout (not budget_exceeded), after about that timeout', async () => {
    // Longer than the 2000 ms path-building budget, which must not count the wait for a CRL.
    const slow = await startTestServer({ allowPrivateFetch: true, crl: { ...DEFAULT_CRL_CONFIG, crlDownloadTimeoutMs: 2500 } });
    try {
      const pki = (await slow.request('POST', `/beta${PKI_PATH}`, { body: { displayName: 'Slow CRL PKI' } })).body.id;
      for (const cert of [root, issuing]) {
        const body = { certificate: cert.base64, ...(cert === issuing ? { certificateRevocationListUrl: `${files.url}/stalled.crl` } : {}) };
        assert.equal((await slow.request('POST', `/beta${PKI_PATH}/${pki}/certificateAuthorities`, { body })).status, 201);
      }
      files.set('/stalled.crl', { stall: true });
      const started = Date.now();
      const verdict = await verify(slow, await newLeaf());
      const took = Date.now() - started;
      assert.equal(verdict.trusted, false);
      assert.equal(verdict.reason, 'crl_unavailable', verdict.message);
      assert.match(verdict.message, /stalled\.crl cannot be downloaded: the download took longer than 2\.5 s$/);
      // One download timeout, not one per candidate path (the issuing CA is an anchor and an intermediate).
      assert.ok(took >= 2400 && took < 3500, `verify took ${took} ms`);
    } finally {
      await slow.close();
    }
  });
});

describe('the CRL cache and the CRL health refresh', () => {
  const refresh = async (body: unknown) => {
    const res = await t.request('POST', '/graph-pki/v1/crlHealth/refresh', { body });
    assert.equal(res.status, 200, res.text);
    return res.body.value as { kind: string; status: string; crlNumber: string | null }[];
  };

  it('a refresh that downloads a new CRL revoking the leaf makes the next verification say revoked, in this server and from the database', async () => {
    const leaf = await newLeaf();
    const unrevoked = await createCrl({ issuer: issuing, crlNumber: 600, nextUpdate: new Date(Date.now() + 7 * DAY) });
    files.set('/refreshed.crl', { body: unrevoked.der });
    await withCrlUrls('/refreshed.crl', null, async () => {
      const first = await verify(t, leaf);
      assert.equal(first.trusted, true, first.message);
      assert.equal(first.path[0].revocation.source, 'downloaded');

      const revoking = await createCrl({ issuer: issuing, crlNumber: 601, revoked: [{ serialNumber: leaf.serialNumber, reason: REASON.keyCompromise }] });
      files.set('/refreshed.crl', { body: revoking.der });
      const cached = await verify(t, leaf);
      assert.equal(cached.trusted, true, 'without a refresh the cached CRL (valid for a week) still answers');
      assert.equal(cached.path[0].revocation.source, 'memory');
      const hits = files.hits.get('/refreshed.crl');

      const entries = await refresh({ certificateAuthorityId: issuingId });
      assert.deepEqual(entries.map((e) => [e.kind, e.status, e.crlNumber]), [['base', 'healthy', '601']]);
      assert.equal(files.hits.get('/refreshed.crl'), (hits ?? 0) + 1, 'the refresh downloaded it once');

      const revoked = await verify(t, leaf);
      assert.equal(revoked.trusted, false);
      assert.equal(revoked.reason, 'revoked', revoked.message);
      assert.equal(files.hits.get('/refreshed.crl'), (hits ?? 0) + 1, 'the verification used what the refresh downloaded');

      // The database copy was replaced too: a second server on it answers revoked without a download.
      const second = await startTestServer({ allowPrivateFetch: true, dataDir, database });
      try {
        const fromDatabase = await verify(second, leaf);
        assert.equal(fromDatabase.reason, 'revoked', fromDatabase.message);
        assert.equal(files.hits.get('/refreshed.crl'), (hits ?? 0) + 1);
      } finally {
        await second.server.close();
      }
    });
  });

  it("the CRL health monitor's round replaces a CRL the cache holds with the new one it downloaded", async () => {
    const leaf = await newLeaf();
    const unrevoked = await createCrl({ issuer: issuing, crlNumber: 800, nextUpdate: new Date(Date.now() + 7 * DAY) });
    files.set('/monitored.crl', { body: unrevoked.der });
    await withCrlUrls('/monitored.crl', null, async () => {
      // A server of its own whose monitor runs every 400 ms, on the same database.
      const monitored = await startTestServer({ allowPrivateFetch: true, dataDir, database, crl: { ...DEFAULT_CRL_CONFIG, crlHealthIntervalMs: 400 } });
      try {
        assert.equal((await verify(monitored, leaf)).trusted, true);
        const revoking = await createCrl({ issuer: issuing, crlNumber: 801, revoked: [{ serialNumber: leaf.serialNumber, reason: REASON.keyCompromise }] });
        files.set('/monitored.crl', { body: revoking.der });
        const hits = files.hits.get('/monitored.crl') ?? 0;
        const deadline = Date.now() + 10_000;
        while ((files.hits.get('/monitored.crl') ?? 0) === hits && Date.now() < deadline) await sleep(100);
        await sleep(300); // the round that downloaded it has stored it
        // The memory copy (valid for a week) would still answer trusted: only the monitor's hand-over makes this revoked.
        const verdict = await verify(monitored, leaf);
        assert.equal(verdict.reason, 'revoked', verdict.message);
      } finally {
        await monitored.server.close();
      }
    });
  });

  it('a refresh that downloads a CRL failing its checks leaves the cache as it was; a health read does not fill the cache', async () => {
    const leaf = await newLeaf();
    const stranger = await createCa({ subject: 'CN=CRL Verify Stranger, O=Fabrikam' });
    const good = await createCrl({ issuer: issuing, crlNumber: 700, nextUpdate: new Date(Date.now() + 7 * DAY) });
    files.set('/kept.crl', { body: good.der });
    await withCrlUrls('/kept.crl', null, async () => {
      // GET /crlHealth checks a URL it never checked; the cache holds nothing of it, so nothing is added.
      const health = await t.request('GET', '/graph-pki/v1/crlHealth');
      assert.equal(health.status, 200, health.text);
      const first = await verify(t, leaf);
      assert.equal(first.path[0].revocation.source, 'downloaded', 'the health check did not fill the cache');

      const forged = await createCrl({ issuer: stranger, crlNumber: 701, revoked: [{ serialNumber: leaf.serialNumber, reason: REASON.keyCompromise }] });
      files.set('/kept.crl', { body: forged.der });
      const entries = await refresh({ url: `${files.url}/kept.crl` });
      assert.equal(entries[0]?.status, 'failing');
      const after = await verify(t, leaf);
      assert.equal(after.trusted, true, after.message);
      assert.equal(after.path[0].revocation.crlNumber, '700', 'the cached CRL still serves');
      assert.equal(after.path[0].revocation.source, 'memory');
    });
  });
});

describe('the CRL cache in the database', () => {
  it('a second server on the same database uses the cached CRL without downloading it', async () => {
    const crl = await createCrl({ issuer: issuing, crlNumber: 400 });
    files.set('/cached.crl', { body: crl.der });
    await withCrlUrls('/cached.crl', null, async () => {
      const leaf = await newLeaf();
      const first = await verify(t, leaf);
      assert.equal(first.trusted, true, first.message);
      assert.equal(first.path[0].revocation.source, 'downloaded');
      assert.equal(files.hits.get('/cached.crl'), 1);

      const second = await startTestServer({ allowPrivateFetch: true, dataDir, database });
      try {
        const verdict = await verify(second, leaf);
        assert.equal(verdict.trusted, true, verdict.message);
        assert.equal(verdict.path[0].revocation.source, 'database');
        assert.equal(verdict.path[0].revocation.crlNumber, '400');
        assert.equal(files.hits.get('/cached.crl'), 1, 'no second download');
        // Once read from the database it is kept in memory.
        assert.equal((await verify(second, leaf)).path[0].revocation.source, 'memory');
        assert.equal(files.hits.get('/cached.crl'), 1);
      } finally {
        // Not second.close(): that would delete the data folder the first server still uses.
        await second.server.close();
      }
    });
  });
});
