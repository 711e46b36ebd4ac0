// `graph-pki verify LEAF --url … --user-principal-name UPN`: the built bin/graph-pki against a real server
// on loopback asks whether that user would sign in with the certificate (exit 0 yes, 1 no, with Entra's
// AADSTS code); without the option the verdict still names the user a username-less sign-in finds.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { freshTestDatabase } from '../helpers/backend.ts';
import { createChain, type Chain } from '../helpers/certs.ts';
import { runCli } from '../helpers/cli.ts';
import { PKI_PATH, startTestServer, type TestServer } from '../helpers/test-server.ts';

let dir: string;
let t: TestServer;
let key: string[];
let chain: Chain;

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'graph-pki-verify-user-'));
  const database = await freshTestDatabase();
  t = await startTestServer(database ? { database } : {});
  key = ['--url', t.url, '--data', t.dataDir, ...(database ? ['--database', database] : [])];
  chain = await createChain({ name: 'CLI Binding', upn: 'alice@cli-binding.test' });
  await writeFile(path.join(dir, 'leaf.pem'), chain.leaf.pem);
  const pkiId = (await t.request('POST', `/beta${PKI_PATH}`, { body: { displayName: 'CLI binding' } })).body.id;
  for (const cert of [chain.root, ...chain.intermediates]) {
    assert.equal((await t.request('POST', `/beta${PKI_PATH}/${pkiId}/certificateAuthorities`, { body: { certificate: cert.base64 } })).status, 201);
  }
  const policy = await t.request('PATCH', '/beta/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/x509Certificate', {
    body: {
      '@odata.type': '#microsoft.graph.x509CertificateAuthenticationMethodConfiguration',
      state: 'enabled',
      certificateUserBindings: [{ x509CertificateField: 'PrincipalName', userProperty: 'userPrincipalName', priority: 1 }],
    },
    token: await t.token({ appRoles: ['Policy.ReadWrite.AuthenticationMethod'] }),
  });
  assert.equal(policy.status, 204, policy.text);
  const usersToken = await t.token({ appRoles: ['User.ReadWrite.All'] });
  for (const alias of ['alice', 'bob']) {
    const body = { accountEnabled: true, displayName: alias, mailNickname: alias, userPrincipalName: `${alias}@cli-binding.test`, passwordProfile: { password: 'xWwvJ]6NMw+bWH-d' } };
    const res = await t.request('POST', '/v1.0/users', { body, token: usersToken });
    assert.equal(res.status, 201, res.text);
  }
});
after(async () => {
  await t.close();
  await rm(dir, { recursive: true, force: true });
});

describe('graph-pki verify --user-principal-name', () => {
  it('exits 0 and names the user and the binding when that user would sign in', async () => {
    const result = await runCli(['verify', path.join(dir, 'leaf.pem'), ...key, '--user-principal-name', 'alice@cli-binding.test']);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /^TRUSTED: /);
    assert.match(result.stdout, /^sign-in: alice@cli-binding\.test \(id [0-9a-f-]{36}\) through PrincipalName → userPrincipalName \(priority 1, low affinity, X509:<PN>alice@cli-binding\.test\), singleFactorAuthentication$/m);
  });

  it("exits 1 with Entra's code when the typed user would not sign in, though the certificate is trusted", async () => {
    const result = await runCli(['verify', path.join(dir, 'leaf.pem'), ...key, '--user-principal-name', 'bob@cli-binding.test']);
    assert.equal(result.code, 1, result.stdout + result.stderr);
    assert.match(result.stdout, /^TRUSTED: /);
    assert.match(result.stdout, /^sign-in refused: AADSTS50034: .*matches bob@cli-binding\.test through none of the bindings; user bob@cli-binding\.test\)$/m);
    const json = await runCli(['verify', path.join(dir, 'leaf.pem'), ...key, '--json', '--user-principal-name', 'nobody@cli-binding.test']);
    assert.equal(json.code, 1);
    assert.equal(JSON.parse(json.stdout).signIn.error.errorCode, 50034);
  });

  it('without the option: exit by trust alone, the username-less sign-in shown; offline the option is bad usage', async () => {
    const result = await runCli(['verify', path.join(dir, 'leaf.pem'), ...key]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^sign-in: alice@cli-binding\.test /m);
    const offline = await runCli(['verify', path.join(dir, 'leaf.pem'), '--trust', path.join(dir, 'leaf.pem'), '--user-principal-name', 'alice@cli-binding.test']);
    assert.equal(offline.code, 2);
    assert.match(offline.stderr, /--user-principal-name apply only with --url/);
  });
});
