// The admin commands as a user runs them against a running `graph-pki serve`: token --admin, snapshot
// export/import and reset through the admin API, and serve --seed (also from GRAPH_PKI_SEED), with their
// exit codes: 0 done, 1 refused by the server (or unreachable), 2 bad usage or an unreadable file.
import assert from 'node:assert/strict';
import { chmod, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openDatabase } from '../../src/store/database.ts';
import { databaseForDataDir } from '../helpers/backend.ts';
import { createCa, createLeaf, type TestCert } from '../helpers/certs.ts';
import { type CliServer, runCli, startCliServer } from '../helpers/cli.ts';
import { PKI_PATH, send, TENANT_A } from '../helpers/test-server.ts';

let dir: string;
let server: CliServer;
let graphToken: string;
let root: TestCert;
before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'graph-pki-admin-cli-'));
  server = await startCliServer(['--data', path.join(dir, 'data')]);
  const minted = await runCli(['token', '--data', path.join(dir, 'data')]);
  assert.equal(minted.code, 0, minted.stderr);
  graphToken = minted.stdout.trim();
  root = await createCa({ subject: 'CN=Admin CLI Root' });
});
after(async () => {
  server.child.kill('SIGTERM');
  await server.exited;
  await rm(dir, { recursive: true, force: true });
});

const admin = (...args: string[]) => runCli([...args, '--url', server.url, '--data', path.join(dir, 'data')]);

async function graphView(): Promise<unknown> {
  const pkis = await send(server.url, 'GET', `/beta${PKI_PATH}`, graphToken);
  const cas = await Promise.all(
    (pkis.body.value as { id: string }[]).map(async (p) => (await send(server.url, 'GET', `/beta${PKI_PATH}/${p.id}/certificateAuthorities`, graphToken)).body),
  );
  return { pkis: pkis.body, cas };
}

describe('graph-pki token --admin', () => {
  it('prints a token the admin API takes and Graph refuses; Graph-only options are a usage error', async () => {
    const [result, mixed] = await Promise.all([
      runCli(['token', '--admin', '--data', path.join(dir, 'data'), '--ttl', '120']),
      runCli(['token', '--admin', '--data', path.join(dir, 'data'), '--scopes', 'PublicKeyInfrastructure.Read.All']),
    ]);
    assert.equal(result.code, 0, result.stderr);
    const token = result.stdout.trim();
    assert.equal((await send(server.url, 'GET', `/_admin/tenants/${TENANT_A}/snapshot`, token)).status, 200);
    assert.equal((await send(server.url, 'GET', `/beta${PKI_PATH}`, token)).status, 401);
    assert.equal((await send(server.url, 'GET', `/_admin/tenants/${TENANT_A}/snapshot`, graphToken)).status, 401);
    assert.equal(mixed.code, 2);
    assert.match(mixed.stderr, /--admin mints an admin token, which has no --scopes/);
  });
});

describe('graph-pki snapshot and reset', () => {
  it('export to a file, reset the tenant, import the file: Graph shows the same again', async () => {
    const pki = await send(server.url, 'POST', `/beta${PKI_PATH}`, graphToken, { body: { displayName: 'CLI snapshot' } });
    assert.equal(pki.status, 201);
    const ca = await send(server.url, 'POST', `/beta${PKI_PATH}/${pki.body.id}/certificateAuthorities`, graphToken, { body: { certificate: root.base64 } });
    assert.equal(ca.status, 201);
    const before = await graphView();
    const file = path.join(dir, 'tenant.json');

    const exported = await admin('snapshot', 'export', '--tenant', TENANT_A, '--out', file);
    assert.equal(exported.code, 0, exported.stderr);
    assert.equal(exported.stdout, `exported tenant ${TENANT_A} to ${file}: 1 PKI, 1 certificate authority, 0 upload jobs, 0 x509 policies, 0 classic store certificate authorities, 0 users, 0 OIDC clients, 0 directory role assignments, 0 sign-ins\n`);
    const snapshot = JSON.parse(await readFile(file, 'utf8'));
    assert.equal(snapshot.certificateBasedAuthConfigurations[0].id, pki.body.id);

    const reset = await admin('reset', '--tenant', TENANT_A);
    assert.equal(reset.code, 0, reset.stderr);
    assert.equal(reset.stdout, `reset tenant ${TENANT_A}: removed 1 PKI, 1 certificate authority, 0 upload jobs, 0 x509 policies, 0 classic store certificate authorities, 0 users, 0 OIDC clients, 0 directory role assignments, 0 sign-ins\n`);
    assert.deepEqual((await send(server.url, 'GET', `/beta${PKI_PATH}`, graphToken)).body.value, []);

    const imported = await admin('snapshot', 'import', '--tenant', TENANT_A, '--in', file);
    assert.equal(imported.code, 0, imported.stderr);
    assert.match(imported.stdout, /^imported into tenant .*: 1 PKI, 1 certificate authority/);
    assert.deepEqual(await graphView(), before);

    const again = await admin('snapshot', 'import', '--tenant', TENANT_A, '--in', file);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /graph-pki snapshot import: the server answered HTTP 409: Tenant .* is not empty/);

    const toStdout = await admin('snapshot', 'export', '--tenant', TENANT_A);
    assert.equal(toStdout.code, 0, toStdout.stderr);
    assert.equal(JSON.parse(toStdout.stdout).certificateBasedAuthConfigurations[0].certificateAuthorities[0].id, ca.body.id);
  });

  it('export over an existing file leaves it readable by its owner only; - means standard output and input', async () => {
    // The tenant holds what the test above imported: one PKI with one CA.
    const file = path.join(dir, 'existing.json');
    await writeFile(file, 'old content\n', { mode: 0o644 });
    await chmod(file, 0o644);
    const exported = await admin('snapshot', 'export', '--tenant', TENANT_A, '--out', file);
    assert.equal(exported.code, 0, exported.stderr);
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    const text = await readFile(file, 'utf8');
    assert.equal(JSON.parse(text).certificateBasedAuthConfigurations.length, 1);
    assert.deepEqual((await readdir(dir)).filter((name) => name.endsWith('.tmp')), [], 'no temporary file is left');

    const dash = await admin('snapshot', 'export', '--tenant', TENANT_A, '--out', '-');
    assert.equal(dash.code, 0, dash.stderr);
    const withoutTime = (document: string) => ({ ...JSON.parse(document), exportedDateTime: undefined });
    assert.deepEqual(withoutTime(dash.stdout), withoutTime(text));
    await assert.rejects(stat(path.join(process.cwd(), '-')), { code: 'ENOENT' });

    const other = '00000000-0000-4000-8000-0000000000d1';
    const fromStdin = await runCli(['snapshot', 'import', '--tenant', other, '--in', '-', '--url', server.url, '--data', path.join(dir, 'data')], {}, 20_000, text);
    assert.equal(fromStdin.code, 0, fromStdin.stderr);
    assert.match(fromStdin.stdout, new RegExp(`^imported into tenant ${other}: 1 PKI`));
    assert.equal((await admin('reset', '--tenant', other)).code, 0);
  });

  it('with a --data that holds no key: exit 1 saying so, and nothing created there', async () => {
    const typo = path.join(dir, 'dta');
    const result = await runCli(['reset', '--tenant', TENANT_A, '--url', server.url, '--data', typo]);
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /graph-pki reset: cannot mint an admin token: (there is no token-signing key in .*dta|the database holds no token-signing key).*\(or pass --admin-token\)/);
    await assert.rejects(stat(typo), { code: 'ENOENT' });
  });

  it('hints at --url when it has a path, and gives up after --timeout-ms on a server that never answers', async () => {
    const withPath = await runCli(['reset', '--tenant', TENANT_A, '--url', `${server.url}/beta`, '--data', path.join(dir, 'data')]);
    assert.equal(withPath.code, 1);
    assert.match(withPath.stderr, /HTTP 401: .*\(is --url the server's base URL, without a path\?\)/);

    const silent = createServer(() => undefined); // accepts connections, never answers
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = silent.address() as AddressInfo;
      const started = Date.now();
      const result = await runCli(['reset', '--tenant', TENANT_A, '--url', `http://127.0.0.1:${port}`, '--data', path.join(dir, 'data'), '--timeout-ms', '500']);
      assert.equal(result.code, 1, result.stderr);
      assert.match(result.stderr, /did not answer within 500 ms \(--timeout-ms\)/);
      assert.ok(Date.now() - started < 15_000);
    } finally {
      silent.close();
    }
  });

  it('reset --all empties every tenant', async () => {
    const result = await admin('reset', '--all');
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^reset every tenant \(1 held data\): removed 1 PKI, 1 certificate authority/);
    assert.deepEqual((await send(server.url, 'GET', `/beta${PKI_PATH}`, graphToken)).body.value, []);
  });

  it('exits 2 on bad usage or an unreadable file, 1 when the server refuses', async () => {
    const [neither, both, noFile, missing, graphTokenAsAdmin] = await Promise.all([
      admin('reset'),
      admin('reset', '--all', '--tenant', TENANT_A),
      admin('snapshot', 'import', '--tenant', TENANT_A),
      admin('snapshot', 'import', '--tenant', TENANT_A, '--in', path.join(dir, 'nope.json')),
      admin('reset', '--all', '--admin-token', graphToken),
    ]);
    assert.equal(neither.code, 2);
    assert.match(neither.stderr, /give exactly one of --tenant GUID \(one tenant\) or --all/);
    assert.equal(both.code, 2);
    assert.equal(noFile.code, 2);
    assert.match(noFile.stderr, /--in <file>/);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /cannot read .*nope\.json/);
    assert.equal(graphTokenAsAdmin.code, 1);
    assert.match(graphTokenAsAdmin.stderr, /HTTP 401: .*admin API accepts only admin tokens/);
  });
});

describe('graph-pki serve --seed', () => {
  it('loads the seed before listening and adds nothing the second time (GRAPH_PKI_SEED)', async () => {
    const data = path.join(dir, 'seeded');
    const seed = path.join(dir, 'seed.json');
    await writeFile(seed, JSON.stringify({ tenants: [{ id: TENANT_A, pkis: [{ displayName: 'Seeded', certificateAuthorities: [{ certificate: root.pem }] }] }] }));
    const first = await startCliServer(['--data', data, '--seed', seed]);
    try {
      assert.match(first.stdout(), new RegExp(`seed ${seed.replaceAll('/', '\\/')}: added 1 PKIs and 1 CAs; 0 PKIs and 0 CAs were already there\\n`));
      assert.doesNotMatch(first.stdout(), /users and/, 'a seed without users or a classic store keeps its one line');
    } finally {
      first.child.kill('SIGTERM');
      assert.equal(await first.exited, 0);
    }
    const second = await startCliServer(['--data', data], { GRAPH_PKI_SEED: seed });
    try {
      assert.match(second.stdout(), /added 0 PKIs and 0 CAs; 1 PKIs and 1 CAs were already there/);
    } finally {
      second.child.kill('SIGTERM');
      await second.exited;
    }
    const withUsers = path.join(dir, 'seed-users.json');
    await writeFile(withUsers, JSON.stringify({ tenants: [{ id: TENANT_A, pkis: [], users: [{ userPrincipalName: 'seeded@contoso.test', accountEnabled: true, displayName: 'Seeded', mailNickname: 'seeded', passwordProfile: { password: 'p@ss-W0rd!' } }], classicCertificateBasedAuthConfiguration: { certificateAuthorities: [{ certificate: root.pem, isRootAuthority: true }] } }] }));
    const third = await startCliServer(['--data', data, '--seed', withUsers]);
    try {
      assert.match(third.stdout(), /seed .*seed-users\.json: added 1 users and 1 classic stores; 0 users and 0 classic stores were already there\n/);
    } finally {
      third.child.kill('SIGTERM');
      await third.exited;
    }
  });

  it('exits non-zero on a bad seed, naming the file and the JSON path, with nothing written', async () => {
    const leaf = await createLeaf({ subject: 'CN=Seed leaf', issuer: root });
    const bad = path.join(dir, 'bad-seed.json');
    const fresh = path.join(dir, 'bad-seeded');
    await writeFile(
      bad,
      JSON.stringify({ tenants: [{ id: TENANT_A, pkis: [{ displayName: 'Good' }, { displayName: 'Bad', certificateAuthorities: [{ certificate: leaf.pem }] }] }] }),
    );
    const refused = await runCli(['serve', '--data', fresh, '--port', '0', '--log-level', 'warn', '--seed', bad]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, new RegExp(`seed file ${bad.replaceAll('/', '\\/')}: \\$\\.tenants\\[0\\]\\.pkis\\[1\\]\\.certificateAuthorities\\[0\\]: .*not a CA`));
    assert.doesNotMatch(refused.stdout, /listening/);
    // Nothing in the database the refused start opened (and migrated): not even the good PKI.
    const database = await openDatabase((await databaseForDataDir(fresh)) ?? path.join(fresh, 'graph-pki.db'));
    try {
      const row = await database.db.selectFrom('certificate_based_auth_pki').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
      assert.equal(Number(row.n), 0);
    } finally {
      await database.close();
    }
  });
});
