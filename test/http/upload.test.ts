// The asynchronous upload action end to end: a bundle served by a real HTTP server in the test, the
// PKI's status machine, every failure with its statusDetails, all-or-nothing application, and the
// guarded fetcher's refusals as a user of the API sees them.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_LIMITS } from '../../src/config.ts';
import { createCa, createCaWithOffCurveKey, createLeaf, p7bOf, p7bPemOf, sha256Hex, type TestCert } from '../helpers/certs.ts';
import { startFileServer, type FileServer } from '../helpers/file-server.ts';
import { PKI_PATH, send, startTestServer, TENANT_B, tokens, type TestServer } from '../helpers/test-server.ts';

let t: TestServer;
let files: FileServer;
let root: TestCert;
let issuing1: TestCert;
let issuing2: TestCert;
let bundle: Buffer;

before(async () => {
  t = await startTestServer({
    allowPrivateFetch: true,
    limits: { ...DEFAULT_LIMITS, maxCasPerPki: 6, uploadDownloadTimeoutMs: 1500, jobPollIntervalMs: 100 },
  });
  files = await startFileServer();
  root = await createCa({ subject: 'CN=Upload Root CA, O=Contoso' });
  issuing1 = await createCa({
    subject: 'CN=Upload Issuing CA 1, O=Contoso',
    issuer: root,
    // Issuing CA 1's CDP names the CRL of its issuer, the root.
    crlDistributionPoints: ['ldap://dc.contoso.test/crl', 'http://crl.contoso.test/root.crl', 'http://crl2.contoso.test/root.crl'],
  });
  issuing2 = await createCa({ subject: 'CN=Upload Issuing CA 2, O=Contoso', issuer: root });
  bundle = p7bOf([root, issuing1, issuing2]);
  files.set('/contoso.p7b', { body: bundle });
});
after(async () => {
  await t.close();
  await files.close();
});

async function newPki(): Promise<string> {
  return (await t.request('POST', `/beta${PKI_PATH}`, { body: { displayName: 'Upload PKI' } })).body.id;
}

function upload(pkiId: string, uploadUrl: string, sha256FileHash: string, token?: string) {
  return t.request('POST', `/beta${PKI_PATH}/${pkiId}/upload`, { body: { uploadUrl, sha256FileHash }, ...(token ? { token } : {}) });
}

/** Polls the PKI, as Graph tells clients to, until its status is no longer running. */
async function settled(pkiId: string, timeoutMs = 10_000): Promise<{ status: string; statusDetails: string | null }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const pki = (await t.request('GET', `/beta${PKI_PATH}/${pkiId}`)).body;
    if (pki.status !== 'running') return pki;
    if (Date.now() > deadline) throw new Error(`upload still running after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function casOf(pkiId: string): Promise<Array<Record<string, unknown>>> {
  return (await t.request('GET', `/beta${PKI_PATH}/${pkiId}/certificateAuthorities`)).body.value;
}

describe('a successful upload', () => {
  it('answers 204, shows running, then succeeded with every CA added and described', async () => {
    const pkiId = await newPki();
    files.set('/slow.p7b', { body: bundle, delayMs: 400 });
    const res = await upload(pkiId, `${files.url}/slow.p7b`, sha256Hex(bundle));
    assert.equal(res.status, 204, res.text);
    assert.equal(res.text, '');
    const during = (await t.request('GET', `/beta${PKI_PATH}/${pkiId}`)).body;
    assert.equal(during.status, 'running');
    assert.equal(during.statusDetails, null);

    const pki = await settled(pkiId);
    assert.equal(pki.status, 'succeeded');
    assert.match(pki.statusDetails ?? '', /added 3 certificate authorities/);
    const cas = await casOf(pkiId);
    assert.equal(cas.length, 3);
    const byName = new Map(cas.map((ca) => [ca.displayName, ca]));
    assert.equal(byName.get('Upload Root CA')?.certificateAuthorityType, 'root');
    assert.equal(byName.get('Upload Issuing CA 1')?.certificateAuthorityType, 'intermediate');
    // The root's URL from the CDP of the CA it signed; never a CA's URL from its own CDP.
    assert.equal(byName.get('Upload Root CA')?.certificateRevocationListUrl, 'http://crl.contoso.test/root.crl');
    assert.equal(byName.get('Upload Issuing CA 1')?.certificateRevocationListUrl, null);
    assert.equal(byName.get('Upload Issuing CA 2')?.certificateRevocationListUrl, null);
    for (const ca of cas) assert.equal(ca.isIssuerHintEnabled, false);
  });

  it("sets a CA's CRL URL only from a CA of the bundle it signed, or a self-signed root's own CDP", async () => {
    const selfRoot = await createCa({ subject: 'CN=Upload Self CDP Root, O=Contoso', crlDistributionPoints: ['http://crl.contoso.test/self-root.crl'] });
    const issuing = await createCa({ subject: 'CN=Upload CDP Issuing, O=Contoso', issuer: selfRoot, crlDistributionPoints: ['http://crl.contoso.test/self-root-from-child.crl'] });
    const sub = await createCa({ subject: 'CN=Upload CDP Sub CA, O=Contoso', issuer: issuing, crlDistributionPoints: ['http://crl.contoso.test/issuing.crl'] });
    const lonelyRoot = await createCa({ subject: 'CN=Upload Lonely Root, O=Contoso', crlDistributionPoints: ['http://crl.contoso.test/lonely-root.crl'] });
    const orphan = await createCa({ subject: 'CN=Upload Orphan CA, O=Contoso', issuer: root, crlDistributionPoints: ['http://crl.contoso.test/not-mine.crl'] });
    const body = p7bOf([selfRoot, issuing, sub, lonelyRoot, orphan]);
    files.set('/cdp.p7b', { body });
    const pkiId = await newPki();
    assert.equal((await upload(pkiId, `${files.url}/cdp.p7b`, sha256Hex(body))).status, 204);
    assert.equal((await settled(pkiId)).status, 'succeeded');
    const urls = new Map((await casOf(pkiId)).map((ca) => [ca.displayName, ca.certificateRevocationListUrl]));
    assert.deepEqual(Object.fromEntries(urls), {
      // A CA it signed names its CRL; that wins over the root's own CDP.
      'Upload Self CDP Root': 'http://crl.contoso.test/self-root-from-child.crl',
      'Upload CDP Issuing': 'http://crl.contoso.test/issuing.crl',
      // Signs nothing in the bundle, and its own CDP names its issuer's CRL.
      'Upload CDP Sub CA': null,
      // Self-signed: its own CDP names its own CRL.
      'Upload Lonely Root': 'http://crl.contoso.test/lonely-root.crl',
      // Its issuer is not in the bundle.
      'Upload Orphan CA': null,
    });
  });

  it('accepts a PEM .p7b, a lowercase hash and the qualified action name, and appends to existing CAs', async () => {
    const pkiId = await newPki();
    const other = await createCa({ subject: 'CN=Already There' });
    assert.equal((await t.request('POST', `/beta${PKI_PATH}/${pkiId}/certificateAuthorities`, { body: { certificate: other.base64 } })).status, 201);
    const pem = Buffer.from(p7bPemOf([issuing2]));
    files.set('/pem.p7b', { body: pem });
    const res = await t.request('POST', `/v1.0${PKI_PATH}/${pkiId}/microsoft.graph.upload`, {
      body: { uploadUrl: `${files.url}/pem.p7b`, sha256FileHash: sha256Hex(pem).toLowerCase() },
    });
    assert.equal(res.status, 204);
    assert.equal((await settled(pkiId)).status, 'succeeded');
    assert.equal((await casOf(pkiId)).length, 2);
  });
});

describe('refused requests (400/403/404, nothing queued)', () => {
  const cases: Array<[string, Record<string, unknown>, RegExp]> = [
    ['no uploadUrl', { sha256FileHash: 'A'.repeat(64) }, /'uploadUrl'/],
    ['no hash', { uploadUrl: 'http://example.test/a.p7b' }, /'sha256FileHash'/],
    ['a short hash', { uploadUrl: 'http://example.test/a.p7b', sha256FileHash: 'ABC' }, /64 hexadecimal/],
    ['a non-hex hash', { uploadUrl: 'http://example.test/a.p7b', sha256FileHash: 'G'.repeat(64) }, /64 hexadecimal/],
    ['an ftp URL', { uploadUrl: 'ftp://example.test/a.p7b', sha256FileHash: 'A'.repeat(64) }, /absolute http or https/],
    ['a relative URL', { uploadUrl: '/a.p7b', sha256FileHash: 'A'.repeat(64) }, /absolute http or https/],
    ['credentials in the URL', { uploadUrl: 'http://user:secret@example.test/a.p7b', sha256FileHash: 'A'.repeat(64) }, /credentials/],
    ['an extra parameter', { uploadUrl: 'http://example.test/a.p7b', sha256FileHash: 'A'.repeat(64), replace: true }, /'replace'/],
    ['null uploadUrl', { uploadUrl: null, sha256FileHash: 'A'.repeat(64) }, /'uploadUrl'/],
  ];
  for (const [name, body, message] of cases) {
    it(`refuses ${name}`, async () => {
      const pkiId = await newPki();
      const res = await t.request('POST', `/beta${PKI_PATH}/${pkiId}/upload`, { body });
      assert.equal(res.status, 400, res.text);
      assert.match(res.body.error.message, message);
      assert.equal((await t.request('GET', `/beta${PKI_PATH}/${pkiId}`)).body.status, 'succeeded');
    });
  }

  it('refuses a second upload while one runs', async () => {
    const pkiId = await newPki();
    files.set('/slower.p7b', { body: bundle, delayMs: 800 });
    assert.equal((await upload(pkiId, `${files.url}/slower.p7b`, sha256Hex(bundle))).status, 204);
    const second = await upload(pkiId, `${files.url}/contoso.p7b`, sha256Hex(bundle));
    assert.equal(second.status, 400);
    assert.match(second.body.error.message, /already running/);
    assert.equal((await settled(pkiId)).status, 'succeeded');
    assert.equal((await casOf(pkiId)).length, 3);
  });

  it('a PKI deleted while its upload runs ends failed, saying so, and after a restore takes uploads again', async () => {
    const pkiId = await newPki();
    files.set('/deleted-meanwhile.p7b', { body: bundle, delayMs: 800 });
    assert.equal((await upload(pkiId, `${files.url}/deleted-meanwhile.p7b`, sha256Hex(bundle))).status, 204);
    assert.equal((await t.request('DELETE', `/beta${PKI_PATH}/${pkiId}`)).status, 204);
    const deleted = `/beta/directory/deletedItems/${pkiId}`;
    const deadline = Date.now() + 10_000;
    let item = (await t.request('GET', deleted)).body;
    while (item.status === 'running' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      item = (await t.request('GET', deleted)).body;
    }
    assert.equal(item.status, 'failed');
    assert.match(item.statusDetails, /deleted while the upload ran; nothing was added/);
    assert.equal((await t.request('POST', `${deleted}/restore`)).status, 200);
    assert.equal((await casOf(pkiId)).length, 0);
    assert.equal((await upload(pkiId, `${files.url}/contoso.p7b`, sha256Hex(bundle))).status, 204);
    assert.equal((await settled(pkiId)).status, 'succeeded');
    assert.equal((await casOf(pkiId)).length, 3);
  });

  it('answers 404 for a missing or foreign PKI and 403 for a read-only token', async () => {
    const missing = await upload('11111111-1111-4111-8111-111111111111', `${files.url}/contoso.p7b`, sha256Hex(bundle));
    assert.equal(missing.status, 404);
    const pkiId = await newPki();
    const foreign = await upload(pkiId, `${files.url}/contoso.p7b`, sha256Hex(bundle), await t.token({ tenantId: TENANT_B }));
    assert.equal(foreign.status, 404);
    const readOnly = await upload(pkiId, `${files.url}/contoso.p7b`, sha256Hex(bundle), await t.token(tokens.readOnlyApp));
    assert.equal(readOnly.status, 403);
    assert.equal((await t.request('GET', `/beta${PKI_PATH}/${pkiId}`)).body.status, 'succeeded');
    assert.equal((await send(t.url, 'GET', `/beta${PKI_PATH}/${pkiId}/upload`, await t.token())).status, 405);
  });
});

describe('failed uploads: status failed, statusDetails says why, CAs as they were', () => {
  async function expectFailure(setup: (pkiId: string) => Promise<[string, string]>, details: RegExp): Promise<string> {
    const pkiId = await newPki();
    const existing = await createCa({ subject: `CN=Existing ${pkiId}` });
    await t.request('POST', `/beta${PKI_PATH}/${pkiId}/certificateAuthorities`, { body: { certificate: existing.base64 } });
    const [url, hash] = await setup(pkiId);
    assert.equal((await upload(pkiId, url, hash)).status, 204);
    const pki = await settled(pkiId);
    assert.equal(pki.status, 'failed');
    assert.match(pki.statusDetails ?? '', details);
    const cas = await casOf(pkiId);
    assert.deepEqual(cas.map((ca) => ca.displayName), [`Existing ${pkiId}`]);
    return pkiId;
  }

  it('hash mismatch', async () => {
    await expectFailure(async () => [`${files.url}/contoso.p7b`, 'A'.repeat(64)], new RegExp(`hash mismatch.*${sha256Hex(bundle)}.*${'A'.repeat(64)}`));
  });

  it('HTTP 404 from the URL', async () => {
    await expectFailure(async () => [`${files.url}/missing.p7b`, 'A'.repeat(64)], /HTTP 404/);
  });

  it('a server that stops sending hits the download timeout', async () => {
    files.set('/stall.p7b', { stall: true });
    const started = Date.now();
    await expectFailure(async () => [`${files.url}/stall.p7b`, 'A'.repeat(64)], /within 1500 ms/);
    assert.ok(Date.now() - started < 8000);
  });

  it('a 3 MB file is cut at the 2 MB limit (with and without Content-Length)', async () => {
    const big = Buffer.alloc(3 * 1024 * 1024, 1);
    files.set('/big.p7b', { body: big });
    files.set('/big-chunked.p7b', { body: big, chunked: true });
    await expectFailure(async () => [`${files.url}/big.p7b`, sha256Hex(big)], /announced 3145728 bytes, more than the limit of 2097152 bytes/);
    await expectFailure(async () => [`${files.url}/big-chunked.p7b`, sha256Hex(big)], /exceeded the limit of 2097152 bytes/);
  });

  it('not PKCS#7', async () => {
    const junk = Buffer.from('this is not a certificate bundle');
    files.set('/junk.p7b', { body: junk });
    await expectFailure(async () => [`${files.url}/junk.p7b`, sha256Hex(junk)], /not a PKCS#7/);
  });

  it('an empty bundle', async () => {
    const empty = p7bOf([]);
    files.set('/empty.p7b', { body: empty });
    await expectFailure(async () => [`${files.url}/empty.p7b`, sha256Hex(empty)], /no certificates/);
  });

  it('certificate N is not a CA (and the good ones before it are not applied)', async () => {
    const leaf = await createLeaf({ subject: 'CN=alice@contoso.test', issuer: issuing1 });
    const mixed = p7bOf([await createCa({ subject: 'CN=Good 1' }), leaf, await createCa({ subject: 'CN=Good 2' })]);
    files.set('/mixed.p7b', { body: mixed });
    await expectFailure(async () => [`${files.url}/mixed.p7b`, sha256Hex(mixed)], /certificate 2 of 3: 'CN=alice@contoso.test' is not a CA/);
  });

  it('a weak key in the bundle', async () => {
    const weak = p7bOf([await createCa({ subject: 'CN=Weak', key: 'rsa1024' })]);
    files.set('/weak.p7b', { body: weak });
    await expectFailure(async () => [`${files.url}/weak.p7b`, sha256Hex(weak)], /certificate 1 of 1: 'CN=Weak': RSA key of 1024 bits/);
  });

  it('a CA whose EC key is off its curve fails the upload at once, saying so (not after three leases)', async () => {
    const bad = p7bOf([root, await createCaWithOffCurveKey(root, 'CN=Off Curve')]);
    files.set('/off-curve.p7b', { body: bad });
    const started = Date.now();
    await expectFailure(async () => [`${files.url}/off-curve.p7b`, sha256Hex(bad)], /^Upload failed: certificate 2 of 2: not a usable X\.509 certificate: the EC public key is not a point on P-256\.$/);
    assert.ok(Date.now() - started < 5000, `took ${Date.now() - started} ms`);
  });

  it('a duplicate of a CA already in the PKI, named by its id', async () => {
    let existingId = '';
    await expectFailure(async (pkiId) => {
      existingId = (await casOf(pkiId))[0]?.id as string;
      const existingCert = (await casOf(pkiId))[0]?.certificate as string;
      const dup = p7bOf([await createCa({ subject: 'CN=New One' }), Buffer.from(existingCert, 'base64')]);
      files.set(`/dup-${pkiId}.p7b`, { body: dup });
      return [`${files.url}/dup-${pkiId}.p7b`, sha256Hex(dup)];
    }, /certificate 2 of 2 .*already in the PKI as certificate authority '[0-9a-f-]{36}' \(Duplicate Certificate exists\)/);
    assert.ok(existingId);
  });

  it('the same certificate twice in one bundle', async () => {
    const twice = p7bOf([root, issuing1, root]);
    files.set('/twice.p7b', { body: twice });
    await expectFailure(async () => [`${files.url}/twice.p7b`, sha256Hex(twice)], /certificate 3 of 3 .*same certificate as certificate 1/);
  });

  it('more CAs than the PKI may hold (limit 6 here)', async () => {
    const many = p7bOf(await Promise.all(Array.from({ length: 6 }, (_, i) => createCa({ subject: `CN=Many ${i}` }))));
    files.set('/many.p7b', { body: many });
    await expectFailure(async () => [`${files.url}/many.p7b`, sha256Hex(many)], /adding 6 certificate authorities to the 1 the PKI holds would exceed the limit of 6/);
  });

  it('a later upload after a failure runs normally', async () => {
    const pkiId = await expectFailure(async () => [`${files.url}/missing.p7b`, 'A'.repeat(64)], /HTTP 404/);
    assert.equal((await upload(pkiId, `${files.url}/contoso.p7b`, sha256Hex(bundle))).status, 204);
    const pki = await settled(pkiId);
    assert.equal(pki.status, 'succeeded');
    assert.equal((await casOf(pkiId)).length, 4);
  });

  it('never shows an access signature of the URL in statusDetails', async () => {
    await expectFailure(async () => [`${files.url}/missing.p7b?sig=SECRET-SAS-TOKEN`, 'A'.repeat(64)], /missing\.p7b\?… failed/);
    const pkis = (await t.request('GET', `/beta${PKI_PATH}`)).text;
    assert.ok(!pkis.includes('SECRET-SAS-TOKEN'));
  });
});

describe('the guarded fetcher, without --allow-private-fetch', () => {
  let guarded: TestServer;
  let publicLike: FileServer;
  before(async () => {
    // 127.0.0.2 stands in for an allowed host; 127.0.0.1 stays refused.
    guarded = await startTestServer({ fetchAllowedCidrs: ['127.0.0.2/32'], limits: { ...DEFAULT_LIMITS, jobPollIntervalMs: 100 } });
    publicLike = await startFileServer('127.0.0.2');
    publicLike.set('/bundle.p7b', { body: bundle });
    publicLike.set('/redirect.p7b', { status: 302, location: `${files.url}/contoso.p7b` });
  });
  after(async () => {
    await guarded.close();
    await publicLike.close();
  });

  async function uploadTo(url: string): Promise<{ status: string; statusDetails: string | null }> {
    const pkiId = (await guarded.request('POST', `/beta${PKI_PATH}`, { body: {} })).body.id;
    assert.equal((await guarded.request('POST', `/beta${PKI_PATH}/${pkiId}/upload`, { body: { uploadUrl: url, sha256FileHash: sha256Hex(bundle) } })).status, 204);
    for (let i = 0; i < 200; i++) {
      const pki = (await guarded.request('GET', `/beta${PKI_PATH}/${pkiId}`)).body;
      if (pki.status !== 'running') return pki;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('upload did not settle');
  }

  it('refuses loopback', async () => {
    const pki = await uploadTo(`${files.url}/contoso.p7b`);
    assert.equal(pki.status, 'failed');
    assert.match(pki.statusDetails ?? '', /127\.0\.0\.1 is a loopback address/);
  });

  it('refuses a redirect to 127.0.0.1 from an allowed host, without fetching it', async () => {
    const before = files.hits.get('/contoso.p7b') ?? 0;
    const pki = await uploadTo(`${publicLike.url}/redirect.p7b`);
    assert.equal(pki.status, 'failed');
    assert.match(pki.statusDetails ?? '', /127\.0\.0\.1 is a loopback address/);
    assert.equal(files.hits.get('/contoso.p7b') ?? 0, before);
  });

  it('fetches from the allowed range', async () => {
    assert.equal((await uploadTo(`${publicLike.url}/bundle.p7b`)).status, 'succeeded');
  });

  it('refuses the cloud metadata address', async () => {
    const pki = await uploadTo('http://169.254.169.254/latest/meta-data/');
    assert.equal(pki.status, 'failed');
    assert.match(pki.statusDetails ?? '', /169\.254\.169\.254/);
  });
});

describe('uploads of several tenants at once', () => {
  it("tenant A's uploads to a URL that never answers do not hold tenant B's upload", async () => {
    // Its own server: a 5 s download timeout, so one job at a time would keep B waiting 20 s.
    const s = await startTestServer({ allowPrivateFetch: true, limits: { ...DEFAULT_LIMITS, uploadDownloadTimeoutMs: 5000, jobPollIntervalMs: 100 } });
    try {
      const tokenB = await s.token({ tenantId: TENANT_B });
      const pkiOf = async (token?: string) => (await s.request('POST', `/beta${PKI_PATH}`, { body: { displayName: 'Concurrent uploads' }, ...(token ? { token } : {}) })).body.id as string;
      files.set('/never.p7b', { stall: true });
      const stalled: string[] = [];
      for (let i = 0; i < 4; i++) {
        const pkiId = await pkiOf();
        stalled.push(pkiId);
        const res = await s.request('POST', `/beta${PKI_PATH}/${pkiId}/upload`, { body: { uploadUrl: `${files.url}/never.p7b?n=${i}`, sha256FileHash: 'A'.repeat(64) } });
        assert.equal(res.status, 204);
      }
      await new Promise((r) => setTimeout(r, 300)); // A's jobs are claimed and stalled (as many as A may hold)
      const pkiB = await pkiOf(tokenB);
      const started = Date.now();
      const res = await s.request('POST', `/beta${PKI_PATH}/${pkiB}/upload`, { body: { uploadUrl: `${files.url}/contoso.p7b`, sha256FileHash: sha256Hex(bundle) }, token: tokenB });
      assert.equal(res.status, 204);
      let pki: { status: string; statusDetails: string | null };
      do {
        await new Promise((r) => setTimeout(r, 50));
        pki = (await s.request('GET', `/beta${PKI_PATH}/${pkiB}`, { token: tokenB })).body;
        assert.ok(Date.now() - started < 4000, `tenant B's upload still ${pki.status} after ${Date.now() - started} ms`);
      } while (pki.status === 'running');
      assert.equal(pki.status, 'succeeded', pki.statusDetails ?? '');
      const took = Date.now() - started;
      assert.ok(took < 2000, `tenant B's 3-CA upload took ${took} ms`);
      // A holds one runner at a time (the per-tenant default): its other uploads wait their turn.
      const statuses = await Promise.all(stalled.map(async (id) => (await s.request('GET', `/beta${PKI_PATH}/${id}`)).body.status));
      assert.deepEqual(statuses, ['running', 'running', 'running', 'running']);
    } finally {
      await s.close();
    }
  });
});
