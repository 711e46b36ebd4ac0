// Microsoft's older Graph client (@microsoft/microsoft-graph-client v3) over HTTPS against the server's
// self-signed certificate (`tls: { selfSigned: true }`, as `serve --https`). That client sends the bearer
// token only over https and only to Graph's own hosts or those listed in `customHosts`; it fetches with
// Node's global fetch, so the certificate is trusted the way the README says: NODE_EXTRA_CA_CERTS, in
// the child process that runs the client (graph-client-https-scenario.ts). curl with --cacert as well.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { TLS_CERT_FILE_NAME } from '../../src/http/tls-material.ts';
import { runScenario as runChildScenario } from '../helpers/child-scenario.ts';
import { PKI_PATH, startTestServer, type TestServer } from '../helpers/test-server.ts';

const SCENARIO = fileURLToPath(new URL('./graph-client-https-scenario.ts', import.meta.url));
const CURL = ['/usr/bin/curl', '/bin/curl', '/usr/local/bin/curl'].find((p) => existsSync(p));

let t: TestServer;
let certFile: string;
let token: string;

before(async () => {
  t = await startTestServer({ tls: { selfSigned: true } });
  certFile = path.join(t.dataDir, TLS_CERT_FILE_NAME);
  token = await t.token();
});
after(() => t.close());

/** Runs the client scenario in a child process and returns the JSON it printed. */
// biome-ignore lint/suspicious/noExplicitAny: the report is the client's own response shapes
function runScenario(env: Record<string, string>, mode?: 'trust-probe'): Promise<Record<string, any>> {
  return runChildScenario(SCENARIO, mode ? [mode] : [], { NODE_EXTRA_CA_CERTS: '', GRAPH_PKI_URL: t.url, GRAPH_PKI_TOKEN: token, ...env });
}

function curl(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(CURL ?? 'curl', ['-sS', '--max-time', '10', ...args], (error, stdout, stderr) => {
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('@microsoft/microsoft-graph-client v3 over HTTPS', () => {
  it('serves https, and the client refuses the self-signed certificate until it is trusted', async () => {
    assert.match(t.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    const report = await runScenario({}, 'trust-probe');
    assert.notEqual(report.error, 'no error');
    assert.equal(report.error.statusCode, -1, JSON.stringify(report));
    assert.equal(report.error.message, 'fetch failed');
    assert.match(String(report.fetchCause), /SELF_SIGNED_CERT/, JSON.stringify(report));
  });

  // biome-ignore lint/suspicious/noExplicitAny: see runScenario
  let r: Record<string, any>;
  before(async () => {
    r = await runScenario({ NODE_EXTRA_CA_CERTS: certFile });
  });

  it('with NODE_EXTRA_CA_CERTS and customHosts: create, list, get, patch, $filter/$select/$count, delete; a 404 as its GraphError', () => {
    assert.equal(r.created.displayName, 'Graph client PKI');
    assert.match(r.created.id, /^[0-9a-f-]{36}$/);
    assert.equal(r.created['@odata.context'], `${t.url}/beta/$metadata#directory/publicKeyInfrastructure/certificateBasedAuthConfigurations/$entity`);
    assert.ok(r.listedIds.includes(r.created.id), JSON.stringify(r.listedIds));
    assert.equal(r.read.id, r.created.id);
    assert.equal(r.read.status, 'succeeded');
    assert.equal(r.patched.displayName, 'Graph client PKI, renamed');
    assert.equal(r.queried['@odata.count'], 1);
    assert.deepEqual(r.queried.value, [{ '@odata.type': '#microsoft.graph.certificateBasedAuthPki', id: r.created.id, displayName: 'Graph client PKI, renamed' }]);
    assert.match(r.queried['@odata.context'], /\/v1\.0\/\$metadata#directory\/publicKeyInfrastructure\/certificateBasedAuthConfigurations\(displayName\)$/);
    assert.equal(r.deleted, null);

    assert.equal(r.afterDelete.isGraphError, true, JSON.stringify(r.afterDelete));
    assert.equal(r.afterDelete.statusCode, 404);
    assert.equal(r.afterDelete.code, 'Request_ResourceNotFound');
    assert.ok(r.afterDelete.message.includes(r.created.id), r.afterDelete.message);
    assert.match(r.afterDelete.requestId, /^[0-9a-f-]{36}$/);

    assert.equal(r.root['@odata.type'], '#microsoft.graph.publicKeyInfrastructureRoot');
    assert.equal(r.callbackCalls, 1, 'Client.init’s callback authProvider was asked for the token');
    // One token per request sent to the custom host: create, list, get, patch, query, delete, the 404.
    assert.equal(r.tokenRequests, 7);
  });

  it('without customHosts the client sends no token to the same host, and the server answers 401', () => {
    assert.equal(r.withoutCustomHostsTokenRequests, 0, 'the authProvider was never asked');
    assert.equal(r.withoutCustomHosts.isGraphError, true, JSON.stringify(r.withoutCustomHosts));
    assert.equal(r.withoutCustomHosts.statusCode, 401);
    assert.equal(r.withoutCustomHosts.code, 'InvalidAuthenticationToken');
  });
});

describe('curl over HTTPS', { skip: !CURL && 'curl is not installed' }, () => {
  it('works with --cacert and the server’s certificate, and refuses the connection without it', async () => {
    const listed = await curl(['--cacert', certFile, '-H', `Authorization: Bearer ${token}`, `${t.url}/beta${PKI_PATH}?$top=1`]);
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(JSON.parse(listed.stdout)['@odata.context'], /^https:\/\/127\.0\.0\.1:\d+\/beta\/\$metadata#/);

    const created = await curl([
      '--cacert', certFile, '-X', 'POST', '-H', `Authorization: Bearer ${token}`, '-H', 'Content-Type: application/json',
      '-d', JSON.stringify({ displayName: 'curl PKI' }), '-w', '\n%{http_code}', `${t.url}/v1.0${PKI_PATH}`,
    ]);
    assert.equal(created.code, 0, created.stderr);
    const [body, status] = created.stdout.split('\n');
    assert.equal(status, '201');
    assert.equal(JSON.parse(body ?? '{}').displayName, 'curl PKI');

    // The $metadata every @odata.context points at, over the same trust.
    const metadata = await curl(['--cacert', certFile, `${t.url}/beta/$metadata`]);
    assert.equal(metadata.code, 0, metadata.stderr);
    assert.match(metadata.stdout, /<EntityType Name="certificateBasedAuthPki"/);

    const untrusted = await curl([`${t.url}/healthz`]);
    assert.equal(untrusted.code, 60, `curl exit ${untrusted.code}: ${untrusted.stderr}`);
    assert.match(untrusted.stderr, /certificate/i);
  });
});
