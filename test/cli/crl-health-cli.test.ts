// The CRL health monitor of `graph-pki serve --crl-health-interval-ms`, its metrics and its log, and
// `graph-pki crl check` against that server: a CRL generated here goes from healthy to expired and back
// on a local file server; the monitor notices without any request, logs each change once, /metrics
// exports it, and `crl check` prints it (exit 1 while it fails).
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { certificateError } from '../../src/service/verification/sign-in-errors.ts';
import { createCa, createCrl, type TestCert } from '../helpers/certs.ts';
import { runCli, startCliServer, type CliServer } from '../helpers/cli.ts';
import { startFileServer, type FileServer } from '../helpers/file-server.ts';
import { PKI_PATH, send } from '../helpers/test-server.ts';

const DAY = 86_400_000;
const INTERVAL_MS = 400;

let dir: string;
let server: CliServer;
let files: FileServer;
let token: string;
let issuing: TestCert;
let caId: string;

/** The value of a metric line with these labels, or undefined. */
async function metric(name: string, labels: Record<string, string>): Promise<number | undefined> {
  const text = (await send(server.url, 'GET', '/metrics', undefined)).text;
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && wanted.every((w) => l.includes(w)));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

async function waitFor(what: string, condition: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; log:\n${server.stderr()}`);
    await sleep(100);
  }
}

const statusIs = (status: string) => async () => (await metric('graph_pki_crl_health_status', { certificate_authority_id: caId, kind: 'base', status })) === 1;
const logLines = () => server.stderr().split('\n').filter((l) => l.includes('"crlHealth"'));

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'graph-pki-crl-health-cli-'));
  files = await startFileServer();
  const dataDir = path.join(dir, 'data');
  server = await startCliServer(['--data', dataDir, '--allow-private-fetch', '--crl-health-interval-ms', String(INTERVAL_MS), '--log-level', 'info']);
  const minted = await runCli(['token', '--data', dataDir]);
  assert.equal(minted.code, 0, minted.stderr);
  token = minted.stdout.trim();
  const root = await createCa({ subject: 'CN=Monitor Root, O=graph-pki tests' });
  issuing = await createCa({ subject: 'CN=Monitor Issuing CA, O=graph-pki tests', issuer: root });
  files.set('/issuing.crl', { body: (await createCrl({ issuer: issuing, crlNumber: 1 })).der });
  const pki = await send(server.url, 'POST', `/beta${PKI_PATH}`, token, { body: { displayName: 'Monitored' } });
  assert.equal(pki.status, 201, pki.text);
  const ca = await send(server.url, 'POST', `/beta${PKI_PATH}/${pki.body.id}/certificateAuthorities`, token, {
    body: { certificate: issuing.base64, certificateRevocationListUrl: `${files.url}/issuing.crl` },
  });
  assert.equal(ca.status, 201, ca.text);
  caId = ca.body.id;
});
after(async () => {
  server.child.kill('SIGTERM');
  await server.exited;
  await files.close();
  await rm(dir, { recursive: true, force: true });
});

describe('the CRL health monitor', () => {
  it('checks configured CRLs on its own and exports the result as metrics', async () => {
    await waitFor('the monitor to find the CRL healthy', statusIs('healthy'));
    assert.equal(await metric('graph_pki_crl_health_status', { certificate_authority_id: caId, status: 'failing' }), 0);
    const left = await metric('graph_pki_crl_seconds_until_next_update', { certificate_authority_id: caId, kind: 'base' });
    assert.ok(left !== undefined && left > 6 * 86_400 && left <= 7 * 86_400, String(left));
    const size = await metric('graph_pki_crl_size_bytes', { certificate_authority_id: caId, kind: 'base' });
    assert.ok(size !== undefined && size > 100, String(size));
    assert.ok((await metric('graph_pki_crl_download_duration_seconds', { certificate_authority_id: caId, kind: 'base' })) !== undefined);
    // A first check that finds a CRL healthy is no change worth a line.
    assert.deepEqual(logLines(), []);
  });

  it('logs a change of state once, however many rounds see it', async () => {
    const now = Date.now();
    files.set('/issuing.crl', { body: (await createCrl({ issuer: issuing, crlNumber: 2, thisUpdate: new Date(now - 8 * DAY), nextUpdate: new Date(now - DAY) })).der });
    await waitFor('the monitor to find the CRL failing', statusIs('failing'));
    const rounds = files.hits.get('/issuing.crl') ?? 0;
    await waitFor('two more rounds', async () => (files.hits.get('/issuing.crl') ?? 0) >= rounds + 2);
    const lines = logLines().map((l) => JSON.parse(l));
    assert.equal(lines.length, 1, server.stderr());
    assert.equal(lines[0].level, 40);
    assert.deepEqual([lines[0].crlHealth.certificateAuthorityId, lines[0].crlHealth.from, lines[0].crlHealth.to], [caId, 'healthy', 'failing']);
    assert.match(lines[0].msg, /is now failing \(was healthy\): validity: expired/);
    assert.ok(((await metric('graph_pki_crl_seconds_until_next_update', { certificate_authority_id: caId })) ?? 0) < 0);
  });
});

describe('graph-pki crl check', () => {
  it('prints the failing CRL with its check and AADSTS code, and exits 1', async () => {
    const result = await runCli(['crl', 'check', '--url', server.url, '--token', token]);
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stdout, /^CA\s+KIND\s+STATUS\s+TIME LEFT\s+SIGN-IN\s+PROBLEM\s+URL/);
    assert.match(result.stdout, /CN=Monitor Issuing CA, O=graph-pki tests\s+base\s+failing\s+-1 d\s+AADSTS500172\s+validity: expired/);
    // --json: the messages filled, in the words a sign-in uses for an expired CRL.
    const json = await runCli(['crl', 'check', '--url', server.url, '--token', token, '--json']);
    assert.equal(json.code, 1, json.stderr);
    const [entry] = JSON.parse(json.stdout);
    const validity = entry.checks.find((c: { name: string }) => c.name === 'validity');
    const readAt = new Date(entry.signInImpact.message.match(/Current time: '([^']+)'/)?.[1].replace(' ', 'T') ?? 'no time');
    assert.ok(Math.abs(readAt.getTime() - Date.now()) < 60_000, entry.signInImpact.message);
    const signIn = certificateError({
      reason: 'crl_invalid',
      message: 'expired',
      validationTime: readAt,
      certificate: null,
      crl: { crlUrl: `${files.url}/issuing.crl`, why: 'expired', issuer: 'CN=Monitor Issuing CA, O=graph-pki tests', thisUpdate: entry.thisUpdate, nextUpdate: entry.nextUpdate, authorityKeyIdentifier: null, expectedSubjectKeyIdentifier: null, download: null },
    });
    assert.deepEqual([entry.signInImpact.errorCode, entry.signInImpact.message], [signIn.code, signIn.message]);
    assert.equal(validity.message, signIn.message);
    assert.doesNotMatch(json.stdout, /\{\w+\}/);
  });

  it('--refresh downloads now; healthy again: exit 0; --json gives the entries', async () => {
    files.set('/issuing.crl', { body: (await createCrl({ issuer: issuing, crlNumber: 3 })).der });
    const hits = files.hits.get('/issuing.crl') ?? 0;
    const result = await runCli(['crl', 'check', '--url', server.url, '--token', token, '--refresh', '--json']);
    assert.equal(result.code, 0, result.stderr);
    assert.ok((files.hits.get('/issuing.crl') ?? 0) > hits);
    const entries = JSON.parse(result.stdout);
    assert.deepEqual(entries.map((e: { status: string; crlNumber: string }) => [e.status, e.crlNumber]), [['healthy', '3']]);
    const recovery = logLines().map((l) => JSON.parse(l)).find((l) => l.crlHealth.to === 'healthy');
    assert.ok(recovery, server.stderr());
    assert.equal(recovery.level, 30);
  });

  it('a server that refuses the token: exit 1 with its message', async () => {
    const result = await runCli(['crl', 'check', '--url', server.url, '--token', 'not-a-token']);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /graph-pki crl check: the server answered HTTP 401/);
  });
});
