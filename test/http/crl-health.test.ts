// GET /graph-pki/v1/crlHealth and POST /graph-pki/v1/crlHealth/refresh against CRLs generated here and
// served by a local file server: healthy, expiring soon, expired, PEM, signed by another CA, the CA's own
// CDP as its URL, over the (lowered) size limit, slower than the (lowered) time limit, unreachable, an
// error status, a delta older than its base, not ASN.1 (an HTML page), ASN.1 that is no CRL, a CRL
// without a CRL number or nextUpdate; each with its status, check and AADSTS code. Every message has its
// placeholders filled and is, word for word, what a sign-in with a certificate of the CA gets.
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_CRL_CONFIG } from '../../src/config.ts';
import { createCa, createCrl, createLeaf, type TestCert } from '../helpers/certs.ts';
import { startFileServer, type FileServer } from '../helpers/file-server.ts';
import { setX509Policy } from '../helpers/signin-client.ts';
import { PKI_PATH, startTestServer, TENANT_B, type TestServer, tokens } from '../helpers/test-server.ts';

const HEALTH = '/graph-pki/v1/crlHealth';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const MAX_BYTES = 4096;
const TIMEOUT_MS = 3000;

let t: TestServer;
let files: FileServer;
let root: TestCert;
let pkiId: string;
let closedPortUrl: string;
/** CA id and certificate by scenario name. */
const caIds = new Map<string, string>();
const testCas = new Map<string, TestCert>();

async function freePortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}/gone.crl`;
}

async function addCa(name: string, options: { base?: string | null; delta?: string | null; cdp?: string[] } = {}): Promise<TestCert> {
  const ca = await createCa({ subject: `CN=Health ${name} CA, O=graph-pki tests`, issuer: root, ...(options.cdp ? { crlDistributionPoints: options.cdp } : {}) });
  const res = await t.request('POST', `/beta${PKI_PATH}/${pkiId}/certificateAuthorities`, {
    body: { certificate: ca.base64, certificateRevocationListUrl: options.base ?? null, deltaCertificateRevocationListUrl: options.delta ?? null },
  });
  assert.equal(res.status, 201, res.text);
  caIds.set(name, res.body.id);
  testCas.set(name, ca);
  return ca;
}

// biome-ignore lint/suspicious/noExplicitAny: response bodies
type Entry = any;
let entries: Entry[];
const entryOf = (name: string, kind = 'base'): Entry => {
  const found = entries.find((e) => e.certificateAuthorityId === caIds.get(name) && e.kind === kind);
  assert.ok(found, `no ${kind} entry for ${name}`);
  return found;
};
const checkOf = (entry: Entry, name: string) => entry.checks.find((c: { name: string }) => c.name === name);
/** status, the failed checks as name=code, and the sign-in's code. */
const summary = (entry: Entry) => ({
  status: entry.status,
  failed: entry.checks.filter((c: { result: string }) => c.result === 'fail').map((c: { name: string; errorCode: string }) => `${c.name}=${c.errorCode}`),
  signIn: entry.signInImpact.errorCode,
});

before(async () => {
  t = await startTestServer({ allowPrivateFetch: true, crl: { ...DEFAULT_CRL_CONFIG, maxCrlBytes: MAX_BYTES, crlDownloadTimeoutMs: TIMEOUT_MS, crlHealthIntervalMs: 0 } });
  files = await startFileServer();
  closedPortUrl = await freePortUrl();
  root = await createCa({ subject: 'CN=Health Root, O=graph-pki tests' });
  pkiId = (await t.request('POST', `/beta${PKI_PATH}`, { body: { displayName: 'CRL health' } })).body.id;
  const rootRes = await t.request('POST', `/beta${PKI_PATH}/${pkiId}/certificateAuthorities`, { body: { certificate: root.base64 } });
  assert.equal(rootRes.status, 201, rootRes.text);
  caIds.set('root', rootRes.body.id);

  const url = (path: string) => `${files.url}${path}`;
  const now = Date.now();
  const other = await createCa({ subject: 'CN=Health Stranger CA, O=graph-pki tests' });
  const healthy = await addCa('healthy', { base: url('/healthy.crl') });
  const soon = await addCa('soon', { base: url('/soon.crl') });
  const expired = await addCa('expired', { base: url('/expired.crl') });
  const pem = await addCa('pem', { base: url('/pem.crl') });
  await addCa('other', { base: url('/other.crl') });
  await addCa('owncdp', { base: url('/root.crl'), cdp: [url('/root.crl')] });
  const big = await addCa('big', { base: url('/big.crl') });
  const slow = await addCa('slow', { base: url('/slow.crl') });
  await addCa('unreachable', { base: closedPortUrl });
  await addCa('missing', { base: url('/missing.crl') });
  const withDelta = await addCa('delta', { base: url('/base.crl'), delta: url('/delta.crl') });
  await addCa('html', { base: url('/html.crl') });
  await addCa('notcrl', { base: url('/notcrl.crl') });
  const unnumbered = await addCa('unnumbered', { base: url('/unnumbered.crl') });
  const endless = await addCa('endless', { base: url('/endless.crl') });
  await addCa('none');

  files.set('/healthy.crl', { body: (await createCrl({ issuer: healthy, crlNumber: 12, revoked: [{ serialNumber: '0a' }, { serialNumber: '0b' }] })).der });
  files.set('/soon.crl', { body: (await createCrl({ issuer: soon, thisUpdate: new Date(now - 6 * DAY), nextUpdate: new Date(now + 5 * HOUR) })).der });
  files.set('/expired.crl', { body: (await createCrl({ issuer: expired, thisUpdate: new Date(now - 9 * DAY), nextUpdate: new Date(now - 2 * DAY) })).der });
  files.set('/pem.crl', { body: (await createCrl({ issuer: pem })).pem });
  files.set('/other.crl', { body: (await createCrl({ issuer: other })).der });
  files.set('/root.crl', { body: (await createCrl({ issuer: root })).der });
  const many = Array.from({ length: 200 }, (_, i) => ({ serialNumber: (0x1000 + i).toString(16) }));
  files.set('/big.crl', { body: (await createCrl({ issuer: big, revoked: many })).der });
  files.set('/slow.crl', { body: (await createCrl({ issuer: slow })).der, delayMs: TIMEOUT_MS + 2000 });
  files.set('/base.crl', { body: (await createCrl({ issuer: withDelta, crlNumber: 10 })).der });
  files.set('/html.crl', { body: Buffer.from('<html><body>Moved</body></html>') });
  // DER (SEQUENCE { INTEGER 10 }), but no CRL.
  files.set('/notcrl.crl', { body: Buffer.from('300302010a', 'hex') });
  files.set('/unnumbered.crl', { body: (await createCrl({ issuer: unnumbered, crlNumber: null })).der });
  files.set('/endless.crl', { body: (await createCrl({ issuer: endless, nextUpdate: null })).der });
  files.set('/delta.crl', { body: (await createCrl({ issuer: withDelta, crlNumber: 8, deltaBaseCrlNumber: 6 })).der });

  const res = await t.request('GET', HEALTH);
  assert.equal(res.status, 200, res.text);
  entries = res.body.value;
});
after(async () => {
  await t.close();
  await files.close();
});

describe('GET /graph-pki/v1/crlHealth', () => {
  it('one entry per configured CRL URL (base and delta), and notConfigured for CAs without one', () => {
    assert.equal(entries.length, 18);
    assert.equal(entryOf('root').status, 'notConfigured');
    assert.equal(entryOf('none').status, 'notConfigured');
    assert.equal(entryOf('none').url, null);
    assert.deepEqual(entryOf('none').signInImpact.result, 'success');
    assert.equal(entries.filter((e) => e.kind === 'delta').length, 1);
  });

  it('healthy: every check passes, with the CRL number, dates, time left and entry count', () => {
    const entry = entryOf('healthy');
    assert.deepEqual(summary(entry), { status: 'healthy', failed: [], signIn: null });
    assert.equal(entry.pkiId, pkiId);
    assert.equal(entry.subject, 'CN=Health healthy CA, O=graph-pki tests');
    assert.equal(entry.url, `${files.url}/healthy.crl`);
    assert.equal(entry.crlNumber, '12');
    assert.equal(entry.entryCount, 2);
    assert.ok(entry.timeLeftSeconds > 6 * 86_400 && entry.timeLeftSeconds <= 7 * 86_400, String(entry.timeLeftSeconds));
    assert.ok(entry.sizeBytes > 0 && entry.downloadMilliseconds >= 0);
    assert.ok(Date.parse(entry.checkedDateTime) <= Date.now());
    assert.equal(entry.signInImpact.result, 'success');
    for (const name of ['reachable', 'downloadTime', 'size', 'encoding', 'signature', 'crlNumber', 'validity']) assert.equal(checkOf(entry, name).result, 'pass', name);
  });

  it('expiring soon: warning on validity, sign-ins still succeed', () => {
    const entry = entryOf('soon');
    assert.deepEqual(summary(entry), { status: 'warning', failed: [], signIn: null });
    assert.equal(checkOf(entry, 'validity').result, 'warning');
    assert.ok(entry.timeLeftSeconds > 0 && entry.timeLeftSeconds <= 5 * 3600);
  });

  it('expired: failing validity, AADSTS500172', () => {
    assert.deepEqual(summary(entryOf('expired')), { status: 'failing', failed: ['validity=AADSTS500172'], signIn: 'AADSTS500172' });
    assert.ok(entryOf('expired').timeLeftSeconds < 0);
  });

  it('PEM-encoded: failing encoding, AADSTS2205011', () => {
    assert.deepEqual(summary(entryOf('pem')), { status: 'failing', failed: ['encoding=AADSTS2205011'], signIn: 'AADSTS2205011' });
    assert.equal(checkOf(entryOf('pem'), 'signature').result, 'pass');
  });

  it('not ASN.1 at all: failing encoding, AADSTS2205011; DER but no usable CRL (no CRL, no CRL number, no nextUpdate): AADSTS500174', () => {
    assert.deepEqual(summary(entryOf('html')), { status: 'failing', failed: ['encoding=AADSTS2205011'], signIn: 'AADSTS2205011' });
    assert.deepEqual(summary(entryOf('notcrl')), { status: 'failing', failed: ['encoding=AADSTS500174'], signIn: 'AADSTS500174' });
    assert.deepEqual(summary(entryOf('unnumbered')), { status: 'failing', failed: ['crlNumber=AADSTS500174'], signIn: 'AADSTS500174' });
    assert.deepEqual(summary(entryOf('endless')), { status: 'failing', failed: ['validity=AADSTS500174'], signIn: 'AADSTS500174' });
  });

  it('signed by another CA: failing signature, AADSTS2205015', () => {
    assert.deepEqual(summary(entryOf('other')), { status: 'failing', failed: ['signature=AADSTS2205015'], signIn: 'AADSTS2205015' });
    assert.match(checkOf(entryOf('other'), 'signature').detail, /Health Stranger CA/);
  });

  it("the CA's own CDP as its URL: failing url and signature, AADSTS2205015", () => {
    assert.deepEqual(summary(entryOf('owncdp')), { status: 'failing', failed: ['url=AADSTS2205015', 'signature=AADSTS2205015'], signIn: 'AADSTS2205015' });
    assert.match(checkOf(entryOf('owncdp'), 'url').detail, /own CRL distribution point.*CN=Health Root/);
  });

  it('over the size limit: failing size, AADSTS2205014', () => {
    assert.deepEqual(summary(entryOf('big')), { status: 'failing', failed: ['size=AADSTS2205014'], signIn: 'AADSTS2205014' });
    assert.match(checkOf(entryOf('big'), 'size').detail, new RegExp(`${MAX_BYTES} bytes`));
  });

  it('slower than the limit: failing downloadTime, AADSTS2205012', () => {
    assert.deepEqual(summary(entryOf('slow')), { status: 'failing', failed: ['downloadTime=AADSTS2205012'], signIn: 'AADSTS2205012' });
    assert.ok(entryOf('slow').downloadMilliseconds >= TIMEOUT_MS - 50);
  });

  it('unreachable, and an error status: failing reachable, AADSTS500173', () => {
    assert.deepEqual(summary(entryOf('unreachable')), { status: 'failing', failed: ['reachable=AADSTS500173'], signIn: 'AADSTS500173' });
    assert.deepEqual(summary(entryOf('missing')), { status: 'failing', failed: ['reachable=AADSTS500173'], signIn: 'AADSTS500173' });
    assert.match(checkOf(entryOf('missing'), 'reachable').detail, /HTTP 404/);
  });

  it('every message is filled: the failed checks and the sign-in impacts', () => {
    let seen = 0;
    for (const entry of entries) {
      for (const check of entry.checks.filter((c: { result: string }) => c.result === 'fail')) {
        assert.ok(typeof check.message === 'string' && check.message.length > 0, JSON.stringify(check));
        assert.doesNotMatch(check.message, /[{}]/);
        seen++;
      }
      assert.doesNotMatch(entry.signInImpact.message, /[{}]/);
      for (const c of entry.checks.filter((c: { result: string }) => c.result !== 'fail')) assert.equal(c.message, null);
    }
    assert.ok(seen >= 9, String(seen));
  });

  it('each failing CRL gives the code and message a sign-in with a certificate of its CA gets (verify API)', async () => {
    // Certificate sign-in is off in a new tenant: the sign-in outcome would be 130501 before any certificate error.
    await setX509Policy(t, { state: 'enabled' });
    const names = ['expired', 'pem', 'other', 'owncdp', 'big', 'slow', 'unreachable', 'missing', 'html', 'notcrl', 'unnumbered', 'endless'];
    // One after the other: verifications at once would wait for a CRL load slot (500179), another cause.
    const results: Array<{ name: string; signIn: { code: string; message: string } }> = [];
    const whys = new Map<string, string>();
    for (const name of names) {
      const leaf = await createLeaf({ subject: `CN=User of ${name}, O=graph-pki tests`, issuer: testCas.get(name) as TestCert, extendedKeyUsage: ['1.3.6.1.5.5.7.3.2'] });
      const res = await t.request('POST', '/graph-pki/v1/verify', { body: { certificate: leaf.base64 } });
      assert.equal(res.status, 200, res.text);
      assert.ok(res.body.signIn.error, `${name}: ${res.text}`);
      results.push({ name, signIn: res.body.signIn.error });
      whys.set(name, res.body.failure?.why);
    }
    // The current time in the message is the time of each judgement.
    const timeless = (message: string) => message.replace(/Current time: '[^']*'/, "Current time: '…'");
    for (const { name, signIn } of results) {
      const impact = entryOf(name).signInImpact;
      assert.deepEqual([impact.errorCode, timeless(impact.message)], [signIn.code, timeless(signIn.message)], name);
      assert.doesNotMatch(signIn.message, /[{}]/);
    }
    // What the verdict says of the CRL: not ASN.1 DER (2205011), or DER but no CRL that can be used (500174).
    assert.deepEqual(
      ['pem', 'html', 'notcrl', 'unnumbered', 'endless'].map((name) => whys.get(name)),
      ['malformed', 'malformed', 'not_a_valid_crl', 'not_a_valid_crl', 'not_a_valid_crl'],
    );
    assert.match(entryOf('expired').signInImpact.message, new RegExp(`^Certificate Revocation List \\(CRL\\) '${files.url}/expired\\.crl' issued by 'CN=Health expired CA, O=graph-pki tests' is not valid\\.`));
    assert.match(entryOf('missing').signInImpact.message, /Invalid status code NotFound from/);
    assert.match(entryOf('big').signInImpact.message, new RegExp(`from '${files.url}/big\\.crl' .*\\(${MAX_BYTES} bytes\\)\\. Please contact your administrator\\.$`));
    assert.match(entryOf('unreachable').signInImpact.message, new RegExp(`No status code from CRL distribution point '${closedPortUrl}'`));
  });

  it('a delta older than its base: warning on deltaBase for the delta entry; the base entry is healthy', () => {
    const delta = entryOf('delta', 'delta');
    assert.deepEqual(summary(delta), { status: 'warning', failed: [], signIn: null });
    assert.equal(checkOf(delta, 'deltaBase').result, 'warning');
    assert.match(checkOf(delta, 'deltaBase').detail, /older than its base CRL \(number 10/);
    assert.equal(entryOf('delta').status, 'healthy');
  });

  it('a second read answers from the stored checks, without downloading again', async () => {
    const before = files.hits.get('/healthy.crl');
    const res = await t.request('GET', HEALTH);
    assert.equal(res.status, 200);
    assert.equal(files.hits.get('/healthy.crl'), before);
    assert.deepEqual(res.body.value.map(summary), entries.map(summary));
  });

  it('is tenant-scoped, and a read permission is enough', async () => {
    const other = await t.request('GET', HEALTH, { token: await t.token({ tenantId: TENANT_B }) });
    assert.equal(other.status, 200);
    assert.deepEqual(other.body.value, []);
    const readOnly = await t.request('GET', HEALTH, { token: await t.token(tokens.readOnlyApp) });
    assert.equal(readOnly.status, 200);
    assert.equal(readOnly.body.value.length, entries.length);
    assert.equal((await t.request('GET', HEALTH, { token: null })).status, 401);
  });
});

describe('POST /graph-pki/v1/crlHealth/refresh', () => {
  it('downloads one CA\'s CRL now and answers its new entry', async () => {
    const fixedCa = caIds.get('expired');
    // The CA publishes again: the same URL now serves a current CRL of that CA.
    const before = files.hits.get('/expired.crl') ?? 0;
    const republished = await createCrl({ issuer: testCas.get('expired') as TestCert, crlNumber: 40 });
    files.set('/expired.crl', { body: republished.der });
    const res = await t.request('POST', `${HEALTH}/refresh`, { body: { certificateAuthorityId: fixedCa } });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.value.length, 1);
    assert.deepEqual(summary(res.body.value[0]), { status: 'healthy', failed: [], signIn: null });
    assert.equal(res.body.value[0].crlNumber, '40');
    assert.equal(files.hits.get('/expired.crl'), before + 1);
    const listed = (await t.request('GET', HEALTH)).body.value.find((e: Entry) => e.certificateAuthorityId === fixedCa);
    assert.equal(listed.status, 'healthy');
  });

  it('by URL; without a body, every CRL of the tenant', async () => {
    const byUrl = await t.request('POST', `${HEALTH}/refresh`, { body: { url: `${files.url}/healthy.crl` } });
    assert.equal(byUrl.status, 200, byUrl.text);
    assert.deepEqual(byUrl.body.value.map((e: Entry) => e.certificateAuthorityId), [caIds.get('healthy')]);
    const hits = files.hits.get('/healthy.crl') ?? 0;
    const all = await t.request('POST', `${HEALTH}/refresh`);
    assert.equal(all.status, 200, all.text);
    assert.equal(all.body.value.length, entries.length);
    assert.equal(files.hits.get('/healthy.crl'), hits + 1);
  });

  it('refuses an unknown CA (404), a URL no CA has (400), unknown properties (400), a read-only token (403)', async () => {
    const unknown = await t.request('POST', `${HEALTH}/refresh`, { body: { certificateAuthorityId: '00000000-0000-4000-8000-00000000dead' } });
    assert.equal(unknown.status, 404, unknown.text);
    assert.equal(unknown.body.error.code, 'Request_ResourceNotFound');
    const url = await t.request('POST', `${HEALTH}/refresh`, { body: { url: 'http://nowhere.example/x.crl' } });
    assert.equal(url.status, 400, url.text);
    assert.match(url.body.error.message, /nowhere\.example/);
    assert.equal((await t.request('POST', `${HEALTH}/refresh`, { body: { urls: [] } })).status, 400);
    const readOnly = await t.request('POST', `${HEALTH}/refresh`, { body: {}, token: await t.token(tokens.readOnlyApp) });
    assert.equal(readOnly.status, 403);
  });
});

