// Tenant snapshots through the admin API: export → reset → import gives back exactly what Graph showed
// (ids, times, CAs, deleted items that can still be restored, the policy, nextLinks that still work,
// finished upload jobs); an import goes only into an empty tenant, all or nothing; a malformed snapshot
// gets a 400 naming the place; the snapshot body has its own size limit.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_LIMITS } from '../../src/config.ts';
import { createCa, createCaWithOffCurveKey, p7bOf, sha256Hex } from '../helpers/certs.ts';
import { startFileServer, type FileServer } from '../helpers/file-server.ts';
import { PKI_PATH, send, startTestServer, TENANT_A, TENANT_B, type TestServer } from '../helpers/test-server.ts';
import { type Clients, clientsFor, fillTenant, pkiCount, tenantView, withoutExportTime } from './admin-helpers.ts';

let t: TestServer;
let files: FileServer;
let a: Clients;
let b: Clients;
before(async () => {
  t = await startTestServer({ allowPrivateFetch: true, limits: { ...DEFAULT_LIMITS, jobPollIntervalMs: 50 } });
  files = await startFileServer();
  a = await clientsFor(t.url, t.server.signingKey, TENANT_A);
  b = await clientsFor(t.url, t.server.signingKey, TENANT_B);
});
after(async () => {
  await t.close();
  await files.close();
});

const snapshotOf = (tenantId: string) => `/tenants/${tenantId}/snapshot`;

/** An upload that finished (succeeded, or failed on a hash mismatch): the job appears in snapshots. */
async function finishedUpload(c: Clients, pkiId: string, fail: boolean): Promise<void> {
  const root = await createCa({ subject: `CN=Snapshot Upload ${pkiId}` });
  const bundle = p7bOf([root]);
  files.set(`/${pkiId}.p7b`, { body: bundle });
  const hash = fail ? '0'.repeat(64) : sha256Hex(bundle);
  const res = await c.graph('POST', `/beta${PKI_PATH}/${pkiId}/upload`, { body: { uploadUrl: `${files.url}/${pkiId}.p7b?sig=secret`, sha256FileHash: hash } });
  assert.equal(res.status, 204, res.text);
  const deadline = Date.now() + 15_000;
  while ((await c.graph('GET', `/beta${PKI_PATH}/${pkiId}`)).body.status === 'running') {
    assert.ok(Date.now() < deadline, 'the upload did not finish');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('export → reset → import', () => {
  it('gives back exactly what Graph showed, with finished upload jobs, and deleted items that can still be restored', async () => {
    const { livePki, deletedPki, deletedCa } = await fillTenant(a, 'Round trip');
    await finishedUpload(a, livePki, false);
    const pkis = (await a.graph('GET', `/beta${PKI_PATH}?$top=999`)).body.value as { id: string; displayName: string }[];
    const second = pkis.find((p) => p.displayName === 'Round trip second')?.id ?? '';
    await finishedUpload(a, second, true);
    const firstPage = await a.graph('GET', `/beta${PKI_PATH}?$top=1&$orderby=displayName`);
    const nextLink = new URL(firstPage.body['@odata.nextLink']);
    const secondPageBefore = await a.graph('GET', `${nextLink.pathname}${nextLink.search}`);
    const before = await tenantView(a);

    const exported = await a.admin('GET', snapshotOf(TENANT_A));
    assert.equal(exported.status, 200, exported.text);
    const snapshot = exported.body;
    assert.equal(snapshot.format, 'graph-pki.tenantSnapshot');
    assert.equal(snapshot.formatVersion, 1);
    assert.equal(snapshot.tenantId, TENANT_A);
    assert.equal(snapshot.certificateBasedAuthConfigurations.length, 3);
    const deleted = snapshot.certificateBasedAuthConfigurations.find((p: { id: string }) => p.id === deletedPki);
    assert.match(deleted.deletedDateTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const ca = snapshot.certificateBasedAuthConfigurations.flatMap((p: { certificateAuthorities: unknown[] }) => p.certificateAuthorities).find((c: { id: string }) => c.id === deletedCa);
    assert.ok(ca.deletedDateTime, 'the deleted CA is in the snapshot, marked deleted');
    assert.deepEqual(snapshot.uploadJobs.map((j: { status: string }) => j.status).sort(), ['failed', 'succeeded']);
    const failed = snapshot.uploadJobs.find((j: { status: string }) => j.status === 'failed');
    assert.equal(failed.pkiId, second);
    assert.match(failed.statusDetails, /hash mismatch/);
    assert.match(failed.uploadUrl, /\?sig=secret$/, 'the job keeps its real URL');
    assert.equal(snapshot.x509CertificatePolicy.configuration.state, 'enabled');
    assert.equal(snapshot.authenticationMethodsPolicy.configuration.reconfirmationInDays, 30);
    const classic = snapshot.classicCertificateBasedAuthConfiguration;
    assert.deepEqual(classic.certificateAuthorities.map((ca: { isRootAuthority: boolean }) => ca.isRootAuthority), [true, false]);
    assert.equal(classic.certificateAuthorities[1].deltaCertificateRevocationListUrl, 'http://crl.contoso.test/c+.crl');

    assert.equal((await a.admin('DELETE', `/tenants/${TENANT_A}`)).status, 200);
    assert.equal(await pkiCount(a), 0);
    const imported = await a.admin('PUT', snapshotOf(TENANT_A), { body: snapshot });
    assert.equal(imported.status, 200, imported.text);
    assert.deepEqual(imported.body, {
      tenantId: TENANT_A,
      imported: { certificateBasedAuthConfigurations: 3, certificateAuthorities: 5, jobs: 2, x509CertificatePolicies: 1, classicCertificateBasedAuthConfigurations: 1, classicCertificateAuthorities: 2, users: 2, oidcClients: 2, directoryRoleAssignments: 3, signIns: 0 },
    });

    assert.deepEqual(await tenantView(a), before);
    const secondPageAfter = await a.graph('GET', `${nextLink.pathname}${nextLink.search}`);
    assert.equal(secondPageAfter.status, 200, 'a nextLink made before the reset still works');
    assert.deepEqual(secondPageAfter.body, secondPageBefore.body);
    assert.deepEqual(withoutExportTime((await a.admin('GET', snapshotOf(TENANT_A))).body), withoutExportTime(snapshot), 'jobs too');

    const restoredCa = await a.graph('POST', `/beta/directory/deletedItems/${deletedCa}/restore`);
    assert.equal(restoredCa.status, 200, restoredCa.text);
    const restoredPki = await a.graph('POST', `/beta/directory/deletedItems/${deletedPki}/restore`);
    assert.equal(restoredPki.status, 200, restoredPki.text);
    assert.equal((await a.graph('GET', `/beta${PKI_PATH}/${deletedPki}/certificateAuthorities`)).body.value.length, 1);
    // Uploads work on the imported PKIs.
    await finishedUpload(a, deletedPki, false);
    assert.equal((await a.graph('GET', `/beta${PKI_PATH}/${deletedPki}`)).body.status, 'succeeded');
  });

  it('re-homes a snapshot into another tenant, ids and times kept, the source untouched', async () => {
    const source = (await a.admin('GET', snapshotOf(TENANT_A))).body;
    assert.equal((await b.admin('DELETE', `/tenants/${TENANT_B}`)).status, 200);
    const res = await b.admin('PUT', snapshotOf(TENANT_B), { body: source });
    assert.equal(res.status, 200, res.text);
    const copy = (await b.admin('GET', snapshotOf(TENANT_B))).body;
    assert.equal(copy.tenantId, TENANT_B);
    const { tenantId: _a, uploadJobs: jobsA, ...restA } = withoutExportTime(source);
    const { tenantId: _b, uploadJobs: jobsB, ...restB } = withoutExportTime(copy);
    assert.deepEqual(restB, restA);
    // Job ids are unique across tenants, so the copies got new ones; everything else is the same.
    const strip = (jobs: { id: string }[]) => jobs.map(({ id: _id, ...job }) => job);
    assert.deepEqual(strip(jobsB as { id: string }[]), strip(jobsA as { id: string }[]));
    assert.deepEqual(withoutExportTime((await a.admin('GET', snapshotOf(TENANT_A))).body), withoutExportTime(source));
  });
});

describe('PUT /_admin/tenants/{tenantId}/snapshot', () => {
  it('answers 409 for a tenant that holds anything, and writes nothing', async () => {
    const snapshot = (await a.admin('GET', snapshotOf(TENANT_A))).body;
    const before = withoutExportTime(snapshot);
    const res = await a.admin('PUT', snapshotOf(TENANT_A), { body: snapshot });
    assert.equal(res.status, 409, res.text);
    assert.equal(res.body.error.code, 'Conflict');
    assert.match(res.body.error.message, /is not empty .*certificateBasedAuthConfigurations: 3/);
    assert.deepEqual(withoutExportTime((await a.admin('GET', snapshotOf(TENANT_A))).body), before);

    // Only a deleted PKI in the tenant still counts as holding something.
    const only = (await b.admin('DELETE', `/tenants/${TENANT_B}`)).status;
    assert.equal(only, 200);
    const pki = (await b.graph('POST', `/beta${PKI_PATH}`, { body: { displayName: 'soon deleted' } })).body.id;
    assert.equal((await b.graph('DELETE', `/beta${PKI_PATH}/${pki}`)).status, 204);
    const conflict = await b.admin('PUT', snapshotOf(TENANT_B), { body: snapshot });
    assert.equal(conflict.status, 409, conflict.text);
    assert.equal(await pkiCount(b), 1);
  });

  it('lets exactly one of two concurrent imports into the same empty tenant through', async () => {
    const one = (await a.admin('GET', snapshotOf(TENANT_A))).body;
    const other = (await b.admin('GET', snapshotOf(TENANT_B))).body;
    assert.ok(other.certificateBasedAuthConfigurations.length > 0);
    const target = '00000000-0000-4000-8000-0000000000c1';
    const c = await clientsFor(t.url, t.server.signingKey, target);
    const answers = await Promise.all([c.admin('PUT', snapshotOf(target), { body: one }), c.admin('PUT', snapshotOf(target), { body: other })]);
    assert.deepEqual(answers.map((r) => r.status).sort(), [200, 409], answers.map((r) => r.text).join('\n'));
    const winner = answers[0]?.status === 200 ? one : other;
    const imported = (await c.admin('GET', snapshotOf(target))).body;
    assert.deepEqual(
      imported.certificateBasedAuthConfigurations.map((p: { id: string }) => p.id),
      winner.certificateBasedAuthConfigurations.map((p: { id: string }) => p.id),
    );
  });

  it('refuses a malformed snapshot with a 400 naming where, and writes nothing', async () => {
    const good = (await a.admin('GET', snapshotOf(TENANT_A))).body;
    const empty = '00000000-0000-4000-8000-0000000000e0';
    const c = await clientsFor(t.url, t.server.signingKey, empty);
    const variant = (change: (s: typeof good) => void) => {
      const copy = structuredClone(good);
      change(copy);
      return copy;
    };
    const pki0 = (s: typeof good) => s.certificateBasedAuthConfigurations[0];
    const offCurve = (await createCaWithOffCurveKey(await createCa({ subject: 'CN=Snapshot Parent' }))).toString('base64');
    const cases: [unknown, RegExp][] = [
      [variant((s) => (s.formatVersion = 2)), /\$\.formatVersion: must be 1 \(found 2\)/],
      [variant((s) => (s.extra = true)), /\$\.extra: unknown property/],
      [variant((s) => delete pki0(s).status), /\$\.certificateBasedAuthConfigurations\[0\]: missing required property 'status'/],
      [variant((s) => (pki0(s).id = 'PKI-1')), /\$\.certificateBasedAuthConfigurations\[0\]\.id: "PKI-1" is not a GUID in lower case/],
      [variant((s) => (pki0(s).lastModifiedDateTime = '2024-02-30T10:00:00Z')), /\$\.certificateBasedAuthConfigurations\[0\]\.lastModifiedDateTime: "2024-02-30T10:00:00Z" is not a valid time/],
      [variant((s) => (pki0(s).certificateAuthorities[0].certificate = 'bm90IGEgY2VydGlmaWNhdGU=')), /\$\.certificateBasedAuthConfigurations\[0\]\.certificateAuthorities\[0\]: Invalid value specified for property 'certificate'/],
      [variant((s) => (pki0(s).certificateAuthorities[0].certificate = offCurve)), /certificateAuthorities\[0\]: Invalid value specified for property 'certificate'.*the EC public key is not a point on P-256/],
      [variant((s) => (pki0(s).certificateAuthorities[0].thumbprint = '0'.repeat(40))), /\$\.certificateBasedAuthConfigurations\[0\]\.certificateAuthorities\[0\]\.thumbprint: "0{40}" is not what the certificate determines/],
      [variant((s) => (pki0(s).certificateAuthorities[0].issuerSubjectKeyIdentifier = null)), /certificateAuthorities\[0\]\.issuerSubjectKeyIdentifier: null is not what the certificate determines/],
      [variant((s) => (pki0(s).certificateAuthorities[0].certificateRevocationListUrl = 'ftp://crl.test/x')), /certificateAuthorities\[0\]: Invalid value specified for property 'certificateRevocationListUrl'/],
      [variant((s) => (s.certificateBasedAuthConfigurations[1].id = pki0(s).id)), /\$\.certificateBasedAuthConfigurations\[1\]\.id: the id '.*' is already used by \$\.certificateBasedAuthConfigurations\[0\]/],
      [variant((s) => (s.uploadJobs[0].pkiId = '00000000-0000-4000-8000-00000000dead')), /\$\.uploadJobs\[0\]\.pkiId: no PKI of the snapshot has the id/],
      [variant((s) => (s.uploadJobs[0].status = 'running')), /\$\.uploadJobs\[0\]\.status: must be one of "succeeded", "failed"/],
      [variant((s) => (s.exportedDateTime = '2026-13-45T99:00:00Z')), /\$\.exportedDateTime: "2026-13-45T99:00:00Z" is not a valid time/],
      [variant((s) => (pki0(s).deletedDateTime = '1990-01-01T00:00:00Z')), /\$\.certificateBasedAuthConfigurations\[0\]\.deletedDateTime: "1990-01-01T00:00:00Z" is before the object's createdDateTime/],
      [variant((s) => (pki0(s).certificateAuthorities[0].deletedDateTime = '1990-01-01T00:00:00Z')), /certificateAuthorities\[0\]\.deletedDateTime: .* is before the object's createdDateTime/],
      [variant((s) => (s.uploadJobs[0].uploadUrl = 'http://')), /\$\.uploadJobs\[0\]\.uploadUrl: is not an absolute http or https URL/],
      [variant((s) => (s.uploadJobs[0].finishedDateTime = null)), /\$\.uploadJobs\[0\]\.finishedDateTime: /],
      [variant((s) => (s.uploadJobs[0].statusDetails = null)), /\$\.uploadJobs\[0\]\.statusDetails: /],
      // A PKI 'running' with no job to finish it would refuse every upload for good.
      [variant((s) => (pki0(s).status = 'running')), /\$\.certificateBasedAuthConfigurations\[0\]\.status: must be one of "succeeded", "failed"/],
      [
        variant((s) => (s.x509CertificatePolicy.configuration.certificateUserBindings[1].priority = 1)),
        /\$\.x509CertificatePolicy\.configuration: .*certificateUserBindings\.1\.priority.*unique priority/,
      ],
      [variant((s) => (s.classicCertificateBasedAuthConfiguration.certificateAuthorities[0].isRootAuthority = false)), /\$\.classicCertificateBasedAuthConfiguration: Invalid value specified for property 'isRootAuthority' .*certificateAuthorities\[0\]/],
      [variant((s) => (s.classicCertificateBasedAuthConfiguration.certificateAuthorities[0].issuer = 'CN=x')), /\$\.classicCertificateBasedAuthConfiguration\.certificateAuthorities\[0\]\.issuer: unknown property/],
      [variant((s) => (s.classicCertificateBasedAuthConfiguration.createdDateTime = 'yesterday')), /\$\.classicCertificateBasedAuthConfiguration\.createdDateTime: /],
      [[], /\$: must be object/],
    ];
    for (const [body, message] of cases) {
      const res = await c.admin('PUT', snapshotOf(empty), { body });
      assert.equal(res.status, 400, `${message}: ${res.text}`);
      assert.equal(res.body.error.code, 'Request_BadRequest');
      assert.match(res.body.error.message, /^The snapshot is invalid: /);
      assert.match(res.body.error.message, message);
    }
    // 20 000 nested arrays (40 KB): refused before parsing, by --max-json-depth (test/http/json-depth.test.ts).
    const deep = await c.admin('PUT', snapshotOf(empty), { rawBody: `${'['.repeat(20_000)}${']'.repeat(20_000)}`, headers: { 'content-type': 'application/json' } });
    assert.equal(deep.status, 400, deep.text);
    assert.match(deep.body.error.message, /nests arrays and objects deeper than 64 levels \(--max-json-depth\)/);
    const notJson = await c.admin('PUT', snapshotOf(empty), { rawBody: '{"format":', headers: { 'content-type': 'application/json' } });
    assert.equal(notJson.status, 400);
    assert.match(notJson.body.error.message, /not valid JSON/);
    assert.equal(await pkiCount(c), 0);
    assert.deepEqual((await c.admin('GET', snapshotOf(empty))).body.certificateBasedAuthConfigurations, []);
    assert.equal((await c.admin('GET', snapshotOf(empty))).body.classicCertificateBasedAuthConfiguration, null);
    // A snapshot made before the classic store existed (no such property) still imports.
    const older = variant((s) => delete s.classicCertificateBasedAuthConfiguration);
    const imported = await c.admin('PUT', snapshotOf(empty), { body: older });
    assert.equal(imported.status, 200, imported.text);
    assert.equal(imported.body.imported.classicCertificateAuthorities, 0);
    assert.equal((await c.admin('DELETE', `/tenants/${empty}`)).status, 200);
  });

  it('takes snapshots larger than the Graph body limit up to its own limit, then 413', async () => {
    const small = await startTestServer({ limits: { ...DEFAULT_LIMITS, maxRequestBodyBytes: 1024, maxSnapshotBytes: 64 * 1024 } });
    try {
      const c = await clientsFor(small.url, small.server.signingKey, TENANT_A);
      const snapshot = (await a.admin('GET', snapshotOf(TENANT_A))).body;
      assert.ok(JSON.stringify(snapshot).length > 1024);
      const ok = await c.admin('PUT', snapshotOf(TENANT_A), { body: snapshot });
      assert.equal(ok.status, 200, ok.text);
      const big = { ...snapshot, padding: 'x'.repeat(64 * 1024) };
      const tooLarge = await c.admin('PUT', snapshotOf(TENANT_B), { body: big });
      assert.equal(tooLarge.status, 413, tooLarge.text);
      assert.equal(tooLarge.body.error.code, 'Request_EntityTooLarge');
      assert.match(tooLarge.body.error.message, /limit of 65536 bytes/);
      // Graph routes keep their own limit.
      const graph = await c.graph('POST', `/beta${PKI_PATH}`, { body: { displayName: 'x'.repeat(2000) } });
      assert.equal(graph.status, 413);
      assert.match(graph.body.error.message, /limit of 1024 bytes/);
    } finally {
      await small.close();
    }
  });
});

describe('a large import', () => {
  it('leaves the server answering other requests while it checks thousands of certificates', async () => {
    const source = await clientsFor(t.url, t.server.signingKey, '00000000-0000-4000-8000-0000000000f1');
    const pki = (await source.graph('POST', `/beta${PKI_PATH}`, { body: { displayName: 'Many CAs' } })).body.id;
    for (let i = 0; i < 100; i++) {
      const ca = await createCa({ subject: `CN=Bulk CA ${i}` });
      assert.equal((await source.graph('POST', `/beta${PKI_PATH}/${pki}/certificateAuthorities`, { body: { certificate: ca.base64 } })).status, 201);
    }
    const exported = (await source.admin('GET', snapshotOf('00000000-0000-4000-8000-0000000000f1'))).body;
    // Fifteen copies of the PKI under new ids: 1 500 certificates to parse and check (seconds of CPU).
    const template = exported.certificateBasedAuthConfigurations[0];
    exported.certificateBasedAuthConfigurations = Array.from({ length: 15 }, () => ({
      ...template,
      id: randomUUID(),
      certificateAuthorities: template.certificateAuthorities.map((ca: Record<string, unknown>) => ({ ...ca, id: randomUUID() })),
    }));
    const target = '00000000-0000-4000-8000-0000000000f2';
    const started = performance.now();
    let done = false;
    const importing = source.admin('PUT', snapshotOf(target), { body: exported }).finally(() => (done = true));
    const latencies: number[] = [];
    while (!done) {
      const sent = performance.now();
      assert.equal((await send(t.url, 'GET', '/healthz', null)).status, 200);
      latencies.push(performance.now() - sent);
    }
    const res = await importing;
    const duration = performance.now() - started;
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.imported.certificateAuthorities, 1500);
    const slowest = Math.max(...latencies);
    // Without turns for others, one probe would wait for (nearly) the whole import.
    assert.ok(latencies.length >= 5 && slowest < duration / 3, `import ${Math.round(duration)} ms; ${latencies.length} probes, slowest ${Math.round(slowest)} ms`);
  });
});

describe('GET /_admin/tenants/{tenantId}/snapshot', () => {
  it('answers an empty snapshot for an empty tenant, and 409 while an upload is unfinished', async () => {
    const quiet = await startTestServer({ allowPrivateFetch: true }, { runJobs: false });
    try {
      const c = await clientsFor(quiet.url, quiet.server.signingKey, TENANT_A);
      const empty = await c.admin('GET', snapshotOf(TENANT_A));
      assert.equal(empty.status, 200);
      assert.deepEqual(withoutExportTime(empty.body), {
        format: 'graph-pki.tenantSnapshot',
        formatVersion: 1,
        tenantId: TENANT_A,
        certificateBasedAuthConfigurations: [],
        uploadJobs: [],
        x509CertificatePolicy: null,
        users: [],
        authenticationMethodsPolicy: null,
        classicCertificateBasedAuthConfiguration: null,
        oidcClients: [],
        directoryRoleAssignments: [],
        signIns: [],
      });
      const pki = (await c.graph('POST', `/beta${PKI_PATH}`, { body: { displayName: 'busy' } })).body.id;
      const upload = await c.graph('POST', `/beta${PKI_PATH}/${pki}/upload`, { body: { uploadUrl: `${files.url}/never.p7b`, sha256FileHash: 'A'.repeat(64) } });
      assert.equal(upload.status, 204);
      const busy = await c.admin('GET', snapshotOf(TENANT_A));
      assert.equal(busy.status, 409, busy.text);
      assert.match(busy.body.error.message, new RegExp(`upload into PKI '${pki}' is queued`));
      assert.equal((await send(quiet.url, 'GET', `/_admin/tenants/not-a-guid/snapshot`, null)).status, 401, 'auth comes first');
    } finally {
      await quiet.close();
    }
  });
});
