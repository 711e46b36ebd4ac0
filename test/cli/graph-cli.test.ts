// `graph-pki pki …`, `ca list|set|remove`, `upload` and `verify --url` as a user runs them: the built
// bin/graph-pki as a process against a real server on loopback, with tokens minted from the server's
// --data (and, on PostgreSQL, --database), as a user on the server's machine does.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { freshTestDatabase } from '../helpers/backend.ts';
import { createChain, createCrl, p7bOf, sha256Hex, type Chain } from '../helpers/certs.ts';
import { runCli } from '../helpers/cli.ts';
import { startFileServer, type FileServer } from '../helpers/file-server.ts';
import { PKI_PATH, startTestServer, type TestServer } from '../helpers/test-server.ts';

let dir: string;
let files: FileServer;
/** May download from loopback (--allow-private-fetch), as a local test setup runs. */
let open: TestServer;
let openKey: string[];
/** The default: refuses downloads from loopback. */
let strict: TestServer;
let strictKey: string[];
let chain: Chain;
/** Its own chain, so that no CA another test adds (with or without CRL URLs) to the tenant's trust store decides its verdict. */
let verifyChain: Chain;

/** Where the CLI finds the server's token-signing key: the data folder, or the database on PostgreSQL. */
async function serverWithKey(overrides: { allowPrivateFetch?: boolean } = {}): Promise<[TestServer, string[]]> {
  const database = await freshTestDatabase();
  const server = await startTestServer({ ...overrides, ...(database ? { database } : {}) });
  return [server, ['--url', server.url, '--data', server.dataDir, ...(database ? ['--database', database] : [])]];
}

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'graph-pki-graph-cli-'));
  files = await startFileServer();
  [open, openKey] = await serverWithKey({ allowPrivateFetch: true });
  [strict, strictKey] = await serverWithKey();
  [chain, verifyChain] = await Promise.all([createChain({ name: 'CLI' }), createChain({ name: 'CLI Verify' })]);
  await writeFile(path.join(dir, 'root.pem'), chain.root.pem);
  await writeFile(path.join(dir, 'issuing.pem'), chain.intermediates[0]?.pem ?? '');
  await writeFile(path.join(dir, 'verify-root.pem'), verifyChain.root.pem);
  await writeFile(path.join(dir, 'verify-issuing.pem'), verifyChain.intermediates[0]?.pem ?? '');
  await writeFile(path.join(dir, 'leaf.pem'), verifyChain.leaf.pem);
  await writeFile(path.join(dir, 'bundle.p7b'), p7bOf([chain.root, ...chain.intermediates]));
});
after(async () => {
  await open.close();
  await strict.close();
  await files.close();
  await rm(dir, { recursive: true, force: true });
});

const pkiOf = async (name: string, server = open): Promise<string> => {
  const res = await server.request('POST', `/beta${PKI_PATH}`, { body: { displayName: name } });
  assert.equal(res.status, 201, res.text);
  return res.body.id;
};

describe('graph-pki pki', () => {
  it('creates, lists, shows and deletes a PKI with a token minted from --data', async () => {
    const created = await runCli(['pki', 'create', 'CLI Contoso', ...openKey]);
    assert.equal(created.code, 0, created.stderr);
    const id = /created PKI CLI Contoso with id (\S+)/.exec(created.stdout)?.[1];
    assert.ok(id, created.stdout);
    assert.equal((await open.request('GET', `/beta${PKI_PATH}/${id}`)).body.displayName, 'CLI Contoso');

    const table = await runCli(['pki', 'list', ...openKey]);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /^ID +NAME +STATUS +LAST MODIFIED$/m);
    assert.match(table.stdout, new RegExp(`^${id} +CLI Contoso +succeeded +\\d{4}-`, 'm'));
    const json = await runCli(['pki', 'list', '--json', ...openKey]);
    assert.ok((JSON.parse(json.stdout) as { id: string }[]).some((pki) => pki.id === id));
    // --tenant mints the token for another tenant, which sees none of these.
    const otherTenant = await runCli(['pki', 'list', '--tenant', '00000000-0000-4000-8000-00000000000b', ...openKey]);
    assert.equal(otherTenant.code, 0, otherTenant.stderr);
    assert.equal(otherTenant.stdout, 'no PKIs\n');

    const shown = await runCli(['pki', 'show', id, ...openKey]);
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /^status: +succeeded$/m);
    assert.match(shown.stdout, /^certificate authorities: +0$/m);

    const deleted = await runCli(['pki', 'delete', id, ...openKey]);
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.equal((await open.request('GET', `/beta${PKI_PATH}/${id}`)).status, 404);
    const gone = await runCli(['pki', 'show', id, ...openKey]);
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, /^graph-pki pki show: the server answered HTTP 404: /m);
  });

  it('says which key file it looked for, never creating one, and why a refused token was refused', async () => {
    const missing = path.join(dir, 'no-such-data');
    const result = await runCli(['pki', 'list', '--url', open.url, '--data', missing]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /cannot mint a token: there is no token-signing key in .*no-such-data.*token-signing-key\.json.*\(or pass --token\)/);
    const refused = await runCli(['pki', 'list', '--url', open.url, '--token', 'not-a-token']);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /HTTP 401/);
  });

  it('exits 2 on bad usage', async () => {
    const result = await runCli(['pki', 'create', ...openKey]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /missing required argument 'name'/);
  });
});

describe('graph-pki ca list|set|remove', () => {
  it('lists CAs, sets and clears CRL and delta CRL URLs and issuer hints, and removes a CA', async () => {
    const pkiId = await pkiOf('CLI CA edit');
    const added = await runCli(['ca', 'add', '--pki', pkiId, ...openKey, path.join(dir, 'root.pem'), path.join(dir, 'issuing.pem')]);
    assert.equal(added.code, 0, added.stderr);
    const listed = await runCli(['ca', 'list', '--pki', pkiId, '--json', ...openKey]);
    const cas = JSON.parse(listed.stdout) as { id: string; displayName: string }[];
    assert.deepEqual(cas.map((ca) => ca.displayName).sort(), ['CLI Issuing CA 1', 'CLI Root CA']);
    const issuingId = cas.find((ca) => ca.displayName === 'CLI Issuing CA 1')?.id ?? '';

    const set = await runCli([
      'ca', 'set', issuingId, '--pki', pkiId, ...openKey,
      '--crl-url', 'http://crl.contoso.example/issuing.crl', '--delta-crl-url', 'http://crl.contoso.example/issuing-delta.crl', '--issuer-hints', 'on',
    ]);
    assert.equal(set.code, 0, set.stderr);
    assert.match(set.stdout, /updated CA CLI Issuing CA 1 .*CRL http:\/\/crl\.contoso\.example\/issuing\.crl, delta CRL http:\/\/crl\.contoso\.example\/issuing-delta\.crl, issuer hints on/);
    const stored = (await open.request('GET', `/beta${PKI_PATH}/${pkiId}/certificateAuthorities/${issuingId}`)).body;
    assert.equal(stored.certificateRevocationListUrl, 'http://crl.contoso.example/issuing.crl');
    assert.equal(stored.deltaCertificateRevocationListUrl, 'http://crl.contoso.example/issuing-delta.crl');
    assert.equal(stored.isIssuerHintEnabled, true);

    const table = await runCli(['ca', 'list', '--pki', pkiId, ...openKey]);
    assert.match(table.stdout, /^ID +NAME +TYPE +EXPIRES +CRL URL +DELTA CRL URL +HINTS +THUMBPRINT$/m);
    assert.match(table.stdout, /CLI Issuing CA 1 +intermediate +\S+ +http:\/\/crl\.contoso\.example\/issuing\.crl +http:\/\/crl\.contoso\.example\/issuing-delta\.crl +on /);

    // A delta CRL without a base CRL is refused by the server, with its message; nothing changes.
    const refused = await runCli(['ca', 'set', issuingId, '--pki', pkiId, '--crl-url', 'none', ...openKey]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /graph-pki ca set: the server answered HTTP 400: .*delta/i);
    const cleared = await runCli(['ca', 'set', issuingId, '--pki', pkiId, '--crl-url', 'none', '--delta-crl-url', 'none', '--issuer-hints', 'off', ...openKey]);
    assert.equal(cleared.code, 0, cleared.stderr);
    assert.match(cleared.stdout, /CRL none, delta CRL none, issuer hints off/);

    const removed = await runCli(['ca', 'remove', issuingId, '--pki', pkiId, ...openKey]);
    assert.equal(removed.code, 0, removed.stderr);
    assert.match(removed.stdout, new RegExp(`removed CA ${issuingId}`));
    assert.equal((await open.request('GET', `/beta${PKI_PATH}/${pkiId}/certificateAuthorities/$count`)).text, '1');
    const again = await runCli(['ca', 'remove', issuingId, '--pki', pkiId, ...openKey]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /HTTP 404/);
  });

  it('exits 2 when ca set has nothing to set or a URL is not http(s)', async () => {
    const nothing = await runCli(['ca', 'set', 'some-ca', '--pki', 'some-pki', ...openKey]);
    assert.equal(nothing.code, 2);
    assert.match(nothing.stderr, /give at least one of --crl-url/);
    const ftp = await runCli(['ca', 'set', 'some-ca', '--pki', 'some-pki', '--crl-url', 'ftp://crl.example/x.crl', ...openKey]);
    assert.equal(ftp.code, 2);
    assert.match(ftp.stderr, /expected an http\(s\) URL/);
  });
});

describe('graph-pki upload', () => {
  it('serves a local .p7b on loopback to a local server, waits for the job and reports it', async () => {
    const pkiId = await pkiOf('CLI upload file');
    const result = await runCli(['upload', '--pki', pkiId, ...openKey, path.join(dir, 'bundle.p7b')]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /Upload succeeded: added 2 certificate authorities from http:\/\/127\.0\.0\.1:\d+\//);
    assert.equal((await open.request('GET', `/beta${PKI_PATH}/${pkiId}/certificateAuthorities/$count`)).text, '2');
  });

  it('says to restart the server with --allow-private-fetch when it refuses the loopback download', async () => {
    const pkiId = await pkiOf('CLI upload refused', strict);
    const result = await runCli(['upload', '--pki', pkiId, ...strictKey, path.join(dir, 'bundle.p7b')]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /graph-pki upload: Upload failed: .*127\.0\.0\.1/);
    assert.match(result.stderr, /Restart the server with --allow-private-fetch/);
    assert.equal((await strict.request('GET', `/beta${PKI_PATH}/${pkiId}`)).body.status, 'failed');
  });

  it('sends a URL with --sha256 as Graph upload action, and prints JSON with --json', async () => {
    const pkiId = await pkiOf('CLI upload URL');
    const bundle = p7bOf([chain.root]);
    files.set('/cli.p7b', { body: bundle });
    const result = await runCli(['upload', '--pki', pkiId, ...openKey, '--json', `${files.url}/cli.p7b`, '--sha256', sha256Hex(bundle)]);
    assert.equal(result.code, 0, result.stderr);
    const pki = JSON.parse(result.stdout) as { status: string; statusDetails: string };
    assert.equal(pki.status, 'succeeded');
    assert.match(pki.statusDetails, /added 1 certificate authority/);
    assert.equal(files.hits.get('/cli.p7b'), 1);

    const wrongHash = await runCli(['upload', '--pki', pkiId, ...openKey, `${files.url}/cli.p7b`, '--sha256', '0'.repeat(64)]);
    assert.equal(wrongHash.code, 1);
    assert.match(wrongHash.stderr, /hash/i);
  });

  it('gives up waiting after --wait-ms, saying the upload still runs and how to follow it', async () => {
    const pkiId = await pkiOf('CLI upload stalled');
    files.set('/stalled.p7b', { stall: true });
    const result = await runCli(['upload', '--pki', pkiId, ...openKey, '--wait-ms', '1000', `${files.url}/stalled.p7b`, '--sha256', '0'.repeat(64)]);
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, new RegExp(`the upload is still running after 1000 ms \\(--wait-ms\\); see graph-pki pki show ${pkiId}`));
    assert.equal((await open.request('GET', `/beta${PKI_PATH}/${pkiId}`)).body.status, 'running');
  });

  it('exits 2 for a URL without --sha256, a local file for a remote server, or an unreadable file', async () => {
    const noHash = await runCli(['upload', '--pki', 'p', ...openKey, 'https://pki.contoso.example/cba.p7b']);
    assert.equal(noHash.code, 2);
    assert.match(noHash.stderr, /a URL needs --sha256/);
    const remote = await runCli(['upload', '--pki', 'p', '--url', 'http://192.0.2.1:8080', '--token', 't', path.join(dir, 'bundle.p7b')]);
    assert.equal(remote.code, 2);
    assert.match(remote.stderr, /a local file can be served only to a server on this machine/);
    const unreadable = await runCli(['upload', '--pki', 'p', ...openKey, path.join(dir, 'nope.p7b')]);
    assert.equal(unreadable.code, 2);
    assert.match(unreadable.stderr, /cannot read .*nope\.p7b/);
  });
});

describe('graph-pki verify --url', () => {
  it("verifies through the server's trust store: path with the CRL used, policy and certificateUserIds candidates", async () => {
    const pkiId = await pkiOf('CLI verify');
    const ids: string[] = [];
    for (const cert of [verifyChain.root, ...verifyChain.intermediates]) {
      ids.push((await open.request('POST', `/beta${PKI_PATH}/${pkiId}/certificateAuthorities`, { body: { certificate: cert.base64 } })).body.id);
    }
    const issuing = verifyChain.intermediates[0];
    assert.ok(issuing);
    files.set('/cli-issuing.crl', { body: (await createCrl({ issuer: issuing, crlNumber: 7 })).der });
    const patched = await open.request('PATCH', `/beta${PKI_PATH}/${pkiId}/certificateAuthorities/${ids[1]}`, {
      body: { certificateRevocationListUrl: `${files.url}/cli-issuing.crl` },
    });
    assert.equal(patched.status, 200, patched.text);

    const result = await runCli(['verify', path.join(dir, 'leaf.pem'), ...openKey]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^TRUSTED: /);
    assert.match(result.stdout, new RegExp(`0 leaf .*CN=Test User CLI Verify.*CRL 7 from ${files.url.replaceAll('.', '\\.')}/cli-issuing\\.crl checked`));
    assert.match(result.stdout, /^policy: /m);
    assert.match(result.stdout, /usable .*user@cli-verify\.example/);

    const json = await runCli(['verify', path.join(dir, 'leaf.pem'), '--json', ...openKey]);
    assert.equal(json.code, 0, json.stderr);
    const verdict = JSON.parse(json.stdout) as { trusted: boolean; path: { revocation?: { crlNumber?: string } }[]; policy: unknown };
    assert.equal(verdict.trusted, true);
    assert.equal(verdict.path[0]?.revocation?.crlNumber, '7');
    assert.ok(verdict.policy);
  });

  it('exits 1 with the reason when the server does not trust the certificate', async () => {
    // The strict server's tenant holds no CA at all.
    const result = await runCli(['verify', path.join(dir, 'leaf.pem'), ...strictKey]);
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stdout, /^NOT TRUSTED \(untrusted_root\): /);
  });

  it('keeps offline checking the default, and refuses options of the other mode (exit 2)', async () => {
    const offline = await runCli(['verify', path.join(dir, 'leaf.pem'), '--trust', path.join(dir, 'verify-root.pem'), '--intermediates', path.join(dir, 'verify-issuing.pem')]);
    assert.equal(offline.code, 0, offline.stderr);
    assert.match(offline.stdout, /^TRUSTED: /);
    const mixed = await runCli(['verify', path.join(dir, 'leaf.pem'), '--trust', path.join(dir, 'root.pem'), ...openKey]);
    assert.equal(mixed.code, 2);
    assert.match(mixed.stderr, /--trust apply to the offline check/);
    const tokenOffline = await runCli(['verify', path.join(dir, 'leaf.pem'), '--trust', path.join(dir, 'root.pem'), '--token', 'x']);
    assert.equal(tokenOffline.code, 2);
    assert.match(tokenOffline.stderr, /--token apply only with --url/);
  });
});

describe('a server that cannot be reached', () => {
  it('is named with its address and cause in the same words by every command', async () => {
    const port = await closedPort();
    const url = `http://127.0.0.1:${port}`;
    const expected = new RegExp(`cannot reach the server at http://127\\.0\\.0\\.1:${port}: ECONNREFUSED \\(connect ECONNREFUSED 127\\.0\\.0\\.1:${port}\\); nothing listens there`);
    const token = ['--url', url, '--token', 'x'];
    const runs = await Promise.all([
      runCli(['pki', 'list', ...token]),
      runCli(['ca', 'add', '--pki', 'p', ...token, path.join(dir, 'root.pem')]),
      runCli(['ca', 'list', '--pki', 'p', ...token]),
      runCli(['upload', '--pki', 'p', ...token, `${files.url}/cli.p7b`, '--sha256', '0'.repeat(64)]),
      runCli(['verify', path.join(dir, 'leaf.pem'), ...token]),
      runCli(['reset', '--tenant', '00000000-0000-4000-8000-000000000001', '--url', url, '--admin-token', 'x']),
    ]);
    for (const run of runs) {
      assert.equal(run.code, 1, run.stderr);
      assert.match(run.stderr, expected);
    }
  });
});

describe('--help', () => {
  it('describes every command', async () => {
    // Each command is its own process: a few stand for all (they share withGraphConnection's options).
    const commands = [['pki', 'list'], ['ca', 'set'], ['upload'], ['verify']];
    const helps = await Promise.all(commands.map((command) => runCli([...command, '--help'])));
    for (const [index, help] of helps.entries()) {
      assert.equal(help.code, 0, commands[index]?.join(' '));
      assert.match(help.stdout, /--url <base>/);
      assert.match(help.stdout, /--token <jwt>/);
    }
  });
});

/** A loopback port on which nothing listens. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return typeof address === 'object' && address ? address.port : 0;
}
