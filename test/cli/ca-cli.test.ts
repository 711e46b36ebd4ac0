// `graph-pki hash` and `graph-pki ca add` as a user runs them against a running server.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createCa, createLeaf, p7bOf, type TestCert } from '../helpers/certs.ts';
import { runCli } from '../helpers/cli.ts';
import { PKI_PATH, startTestServer, type TestServer } from '../helpers/test-server.ts';

let dir: string;
let t: TestServer;
let root: TestCert;
let issuing: TestCert;
before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'graph-pki-ca-cli-'));
  t = await startTestServer();
  root = await createCa({ subject: 'CN=CLI Root' });
  issuing = await createCa({ subject: 'CN=CLI Issuing', issuer: root });
});
after(async () => {
  await t.close();
  await rm(dir, { recursive: true, force: true });
});

describe('graph-pki hash', () => {
  it('prints the uppercase SHA-256 of the file', async () => {
    const file = path.join(dir, 'bundle.p7b');
    const bytes = p7bOf([root, issuing]);
    await writeFile(file, bytes);
    const result = await runCli(['hash', file]);
    assert.equal(result.code, 0);
    assert.equal(result.stdout, `${createHash('sha256').update(bytes).digest('hex').toUpperCase()}\n`);
  });

  it('exits 2 for a missing file', async () => {
    const result = await runCli(['hash', path.join(dir, 'nope')]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /cannot read/);
  });
});

describe('graph-pki ca add', () => {
  it('adds from PEM, DER and .p7b files, skips duplicates and refuses non-CAs with the reason', async () => {
    const pkiId = (await t.request('POST', `/beta${PKI_PATH}`, { body: { displayName: 'CLI' } })).body.id;
    const extra = await createCa({ subject: 'CN=CLI Extra' });
    const leaf = await createLeaf({ subject: 'CN=CLI Leaf', issuer: issuing });
    await writeFile(path.join(dir, 'chain.pem'), root.pem + issuing.pem);
    await writeFile(path.join(dir, 'extra.cer'), extra.der);
    await writeFile(path.join(dir, 'bundle.p7b'), p7bOf([root, leaf]));
    const token = await t.token();
    const result = await runCli([
      'ca', 'add', '--url', t.url, '--token', token, '--pki', pkiId,
      path.join(dir, 'chain.pem'), path.join(dir, 'extra.cer'), path.join(dir, 'bundle.p7b'),
    ]);
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stdout, /^added +CN=CLI Root .*chain\.pem/m);
    assert.match(result.stdout, /^added +CN=CLI Issuing/m);
    assert.match(result.stdout, /^added +CN=CLI Extra .*extra\.cer/m);
    assert.match(result.stdout, /^skipped +CN=CLI Root .*bundle\.p7b.*duplicate/m);
    assert.match(result.stdout, /^refused +CN=CLI Leaf .*not a CA certificate/m);
    assert.match(result.stdout, /3 added, 1 skipped \(duplicate\), 1 refused/);
    assert.equal((await t.request('GET', `/beta${PKI_PATH}/${pkiId}/certificateAuthorities/$count`)).text, '3');

    const again = await runCli(['ca', 'add', '--url', `${t.url}/v1.0`, '--token', token, '--pki', pkiId, path.join(dir, 'chain.pem')]);
    assert.equal(again.code, 0);
    assert.match(again.stdout, /0 added, 2 skipped \(duplicate\), 0 refused/);
  });

  it('stops with exit 1 and the server message when the PKI does not exist', async () => {
    const result = await runCli(['ca', 'add', '--url', t.url, '--token', await t.token(), '--pki', 'missing', path.join(dir, 'extra.cer')]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /HTTP 404.*missing/);
  });

  it('exits 2 on an unreadable certificate file and on missing options', async () => {
    await writeFile(path.join(dir, 'broken.pem'), '-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----\n');
    const broken = await runCli(['ca', 'add', '--url', t.url, '--token', 'x', '--pki', 'p', path.join(dir, 'broken.pem')]);
    assert.equal(broken.code, 2);
    assert.match(broken.stderr, /cannot read certificates/);
    const missing = await runCli(['ca', 'add', path.join(dir, 'extra.cer')]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /--pki/);
  });
});
