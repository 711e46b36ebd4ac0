// Operator endpoints over real HTTP: /metrics (Prometheus text from a registry per server instance),
// /readyz, and /openapi.json generated from the route schemas. None of them needs a token.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_LIMITS } from '../../src/config.ts';
import { createCa, createCrl, createLeaf } from '../helpers/certs.ts';
import { startFileServer } from '../helpers/file-server.ts';
import { PKI_PATH, startTestServer, type TestServer } from '../helpers/test-server.ts';

const PKI_ROUTE = `/beta${PKI_PATH}`;

let t: TestServer;
let other: TestServer;

before(async () => {
  // The job runner starts later, so an upload is first seen queued, then failed.
  t = await startTestServer({ limits: { ...DEFAULT_LIMITS, jobPollIntervalMs: 50, fetchConnectTimeoutMs: 1000 } }, { runJobs: false });
  other = await startTestServer();
});
after(async () => {
  await t.close();
  await other.close();
});

async function scrape(server: TestServer): Promise<string> {
  const response = await server.request('GET', '/metrics', { token: null });
  assert.equal(response.status, 200, response.text);
  assert.match(response.headers.get('content-type') ?? '', /^text\/plain/);
  return response.text;
}

/** The value of one sample line, e.g. sample(text, 'graph_pki_upload_jobs{state="failed"}'). */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

async function settled(pkiId: string, timeoutMs = 10_000): Promise<{ status: string; statusDetails: string | null }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const pki = (await t.request('GET', `${PKI_ROUTE}/${pkiId}`)).body;
    if (pki.status !== 'running') return pki;
    if (Date.now() > deadline) throw new Error(`upload still running after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('GET /metrics', () => {
  it('needs no token and serves default process metrics and the CRL counters', async () => {
    const text = await scrape(t);
    assert.match(text, /^# TYPE process_cpu_user_seconds_total counter$/m);
    assert.match(text, /^# TYPE nodejs_eventloop_lag_seconds gauge$/m);
    assert.match(text, /^# TYPE graph_pki_http_request_duration_seconds histogram$/m);
    assert.match(text, /^# TYPE graph_pki_crl_downloaded_bytes_total counter$/m);
    for (const result of ['memory', 'database', 'downloaded', 'failed']) {
      assert.equal(sample(text, `graph_pki_crl_cache_requests_total{result="${result}"}`), 0);
    }
  });

  it('times requests by route pattern and status code, 201 and 404 included', async () => {
    const created = await t.request('POST', PKI_ROUTE, { body: { displayName: 'Metrics PKI' } });
    assert.equal(created.status, 201);
    const missing = await t.request('GET', `${PKI_ROUTE}/00000000-0000-4000-8000-000000000000`);
    assert.equal(missing.status, 404);
    const unrouted = await t.request('GET', '/nothing-here');
    assert.equal(unrouted.status, 404);

    const text = await scrape(t);
    assert.equal(sample(text, `graph_pki_http_request_duration_seconds_count{route="${PKI_ROUTE}",status_code="201"}`), 1);
    assert.equal(sample(text, `graph_pki_http_request_duration_seconds_count{route="${PKI_ROUTE}/:pkiId",status_code="404"}`), 1);
    assert.ok((sample(text, 'graph_pki_http_request_duration_seconds_count{route="not-found",status_code="404"}') ?? 0) >= 1, text);
    assert.match(text, new RegExp(`^graph_pki_http_request_duration_seconds_bucket\\{le="\\+Inf",route="${PKI_ROUTE}",status_code="201"\\} 1$`, 'm'));
  });

  it('counts upload jobs by state at scrape time: queued, then failed', async () => {
    const pkiId = (await t.request('POST', PKI_ROUTE, { body: { displayName: 'Upload metrics PKI' } })).body.id as string;
    const before = await scrape(t);
    assert.equal(sample(before, 'graph_pki_upload_jobs{state="queued"}'), 0);
    assert.equal(sample(before, 'graph_pki_upload_jobs{state="failed"}'), 0);

    const upload = await t.request('POST', `${PKI_ROUTE}/${pkiId}/upload`, {
      body: { uploadUrl: 'http://127.0.0.1:9/x.p7b', sha256FileHash: 'A'.repeat(64) },
    });
    assert.equal(upload.status, 204, upload.text);
    const queued = await scrape(t);
    assert.equal(sample(queued, 'graph_pki_upload_jobs{state="queued"}'), 1);
    assert.equal(sample(queued, 'graph_pki_upload_jobs{state="failed"}'), 0);

    t.server.jobs.start();
    const pki = await settled(pkiId);
    assert.equal(pki.status, 'failed');
    const failed = await scrape(t);
    assert.equal(sample(failed, 'graph_pki_upload_jobs{state="queued"}'), 0);
    assert.equal(sample(failed, 'graph_pki_upload_jobs{state="running"}'), 0);
    assert.equal(sample(failed, 'graph_pki_upload_jobs{state="failed"}'), 1);
    assert.equal(sample(failed, 'graph_pki_upload_jobs{state="succeeded"}'), 0);
  });

  it('keeps each server instance on its own registry', async () => {
    const text = await scrape(other);
    assert.equal(sample(text, `graph_pki_http_request_duration_seconds_count{route="${PKI_ROUTE}",status_code="201"}`), undefined);
    assert.equal(sample(text, 'graph_pki_upload_jobs{state="failed"}'), 0);
    assert.match(text, /^# TYPE process_cpu_user_seconds_total counter$/m);
  });
});

describe('CRL cache metrics', () => {
  it('counts a download, its bytes, then a memory hit', async () => {
    const c = await startTestServer({ allowPrivateFetch: true });
    const files = await startFileServer();
    try {
      const root = await createCa({ subject: 'CN=Metrics Root, O=Contoso' });
      const issuing = await createCa({ subject: 'CN=Metrics Issuing CA, O=Contoso', issuer: root });
      const crl = await createCrl({ issuer: issuing, crlNumber: 1, thisUpdate: new Date(Date.now() - 3_600_000), nextUpdate: new Date(Date.now() + 86_400_000) });
      files.set('/issuing.crl', { body: crl.der });
      const pkiId = (await c.request('POST', PKI_ROUTE, { body: { displayName: 'CRL metrics PKI' } })).body.id as string;
      for (const [cert, crlUrl] of [[root, null], [issuing, `${files.url}/issuing.crl`]] as const) {
        const res = await c.request('POST', `${PKI_ROUTE}/${pkiId}/certificateAuthorities`, { body: { certificate: cert.base64, certificateRevocationListUrl: crlUrl } });
        assert.equal(res.status, 201, res.text);
      }
      const leaf = await createLeaf({ subject: 'CN=Metrics User, O=Contoso', issuer: issuing, extendedKeyUsage: ['1.3.6.1.5.5.7.3.2'] });
      for (let i = 0; i < 2; i++) {
        const res = await c.request('POST', '/graph-pki/v1/verify', { body: { certificate: leaf.base64 } });
        assert.equal(res.status, 200, res.text);
      }
      const text = await scrape(c);
      assert.equal(sample(text, 'graph_pki_crl_cache_requests_total{result="downloaded"}'), 1, text);
      assert.equal(sample(text, 'graph_pki_crl_cache_requests_total{result="memory"}'), 1);
      assert.equal(sample(text, 'graph_pki_crl_cache_requests_total{result="failed"}'), 0);
      assert.equal(sample(text, 'graph_pki_crl_downloaded_bytes_total'), crl.der.length);
    } finally {
      await c.close();
      await files.close();
    }
  });
});

describe('GET /readyz and /healthz', () => {
  it('answers ready while the database answers, without a token', async () => {
    const ready = await t.request('GET', '/readyz', { token: null });
    assert.equal(ready.status, 200);
    assert.deepEqual(ready.body, { status: 'ready' });
    const health = await t.request('GET', '/healthz', { token: null });
    assert.equal(health.status, 200);
    assert.deepEqual(health.body, { status: 'ok' });
  });
});

describe('GET /openapi.json', () => {
  it('is OpenAPI 3 generated from the route schemas', async () => {
    const response = await t.request('GET', '/openapi.json', { token: null });
    assert.equal(response.status, 200, response.text);
    const doc = JSON.parse(response.text) as { openapi: string; info: { title: string; version: string }; paths: Record<string, Record<string, unknown>> };
    assert.ok(doc.openapi.startsWith('3.'), doc.openapi);
    assert.equal(doc.info.title, 'graph-pki');
    assert.match(doc.info.version, /^\d+\.\d+\.\d+/);
    const paths = Object.keys(doc.paths);
    for (const expected of [
      '/beta/directory/publicKeyInfrastructure/certificateBasedAuthConfigurations',
      '/beta/directory/publicKeyInfrastructure/certificateBasedAuthConfigurations/{pkiId}',
      '/beta/directory/publicKeyInfrastructure/certificateBasedAuthConfigurations/{pkiId}/certificateAuthorities',
      '/beta/directory/publicKeyInfrastructure/certificateBasedAuthConfigurations/{pkiId}/upload',
      '/v1.0/directory/publicKeyInfrastructure/certificateBasedAuthConfigurations',
      '/graph-pki/v1/verify',
      '/healthz',
      '/readyz',
    ]) {
      assert.ok(paths.includes(expected), `${expected} missing from ${paths.join('\n')}`);
    }
    assert.ok(paths.some((p) => p.startsWith('/beta/directory/deletedItems')), 'deletedItems routes missing');
    assert.ok(paths.some((p) => /x509CertificateAuthenticationMethodConfiguration|authenticationMethodConfigurations/i.test(p)), 'x509 policy routes missing');
    // The catch-all 405 routes are not documented as operations.
    assert.deepEqual(Object.keys(doc.paths['/beta/directory/publicKeyInfrastructure/certificateBasedAuthConfigurations'] ?? {}).sort(), ['get', 'post']);
    // The upload action documents its body schema.
    const uploadPost = doc.paths['/beta/directory/publicKeyInfrastructure/certificateBasedAuthConfigurations/{pkiId}/upload']?.post as
      | { requestBody?: { content?: Record<string, { schema?: { properties?: Record<string, unknown> } }> } }
      | undefined;
    const bodySchema = uploadPost?.requestBody?.content?.['application/json']?.schema;
    assert.ok(bodySchema?.properties?.uploadUrl, JSON.stringify(uploadPost));
  });
});
