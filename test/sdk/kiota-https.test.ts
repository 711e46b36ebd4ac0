// Microsoft's Graph beta SDK (Kiota) over HTTPS against the self-signed certificate of `serve --https`,
// with AzureIdentityAuthenticationProvider, the provider real applications use: it sends the token only
// over https and only to its allowed hosts. Run in a child process trusting the certificate through
// NODE_EXTRA_CA_CERTS, as the README says (kiota-https-scenario.ts).
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { TLS_CERT_FILE_NAME } from '../../src/http/tls-material.ts';
import { runScenario as runChildScenario } from '../helpers/child-scenario.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';

const SCENARIO = fileURLToPath(new URL('./kiota-https-scenario.ts', import.meta.url));

// biome-ignore lint/suspicious/noExplicitAny: the report holds the SDK's response shapes
function runScenario(env: Record<string, string>, mode?: 'refused'): Promise<Record<string, any>> {
  return runChildScenario(SCENARIO, mode ? [mode] : [], env);
}

describe('Kiota SDK over HTTPS with AzureIdentityAuthenticationProvider', () => {
  let t: TestServer;
  let env: Record<string, string>;

  before(async () => {
    t = await startTestServer({ tls: { selfSigned: true } });
    env = { GRAPH_PKI_URL: t.url, GRAPH_PKI_TOKEN: await t.token(), NODE_EXTRA_CA_CERTS: path.join(t.dataDir, TLS_CERT_FILE_NAME) };
  });
  after(() => t.close());

  it('creates, reads, renames, lists and deletes a PKI; a 404 is the SDK\'s ODataError', async () => {
    assert.match(t.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    const report = await runScenario({ ...env, GRAPH_PKI_ALLOWED_HOSTS: '127.0.0.1' });
    assert.match(report.created.id, /^[0-9a-f-]{36}$/);
    assert.equal(report.created.displayName, 'Kiota over HTTPS');
    assert.equal(report.created.status, 'succeeded');
    assert.equal(report.read, 'Kiota over HTTPS');
    assert.equal(report.patched, 'Renamed over HTTPS');
    assert.equal(report.count, 1);
    assert.deepEqual({ status: report.afterDelete.status, code: report.afterDelete.code }, { status: 404, code: 'Request_ResourceNotFound' });
    assert.ok(report.tokenRequests >= 1);
  });

  it('sends no token to a host outside its allowed hosts: the server answers 401', async () => {
    const report = await runScenario({ ...env, GRAPH_PKI_ALLOWED_HOSTS: 'graph.microsoft.com' }, 'refused');
    assert.equal(report.tokenRequests, 0);
    assert.deepEqual({ status: report.list.status, code: report.list.code }, { status: 401, code: 'InvalidAuthenticationToken' });
  });

  it('without trust in the certificate, the SDK cannot connect', async () => {
    const report = await runScenario({ ...env, NODE_EXTRA_CA_CERTS: '', GRAPH_PKI_ALLOWED_HOSTS: '127.0.0.1' }, 'refused');
    assert.equal(report.list.status, undefined);
    assert.match(report.list.message, /fetch failed|certificate/i);
  });
});
