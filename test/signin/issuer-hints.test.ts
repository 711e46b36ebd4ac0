// Issuer hints in the sign-in listener's TLS handshake, seen with `openssl s_client` as a client sees
// them: with SNI naming the tenant and hints enabled in its x509 policy, the CertificateRequest lists the
// subjects of the CAs marked isIssuerHintEnabled (every CA when none is marked); with hints off, or
// another tenant, none.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { DEFAULT_SIGNIN_CONFIG } from '../../src/config.ts';
import { createCa } from '../helpers/certs.ts';
import { runCommand } from '../helpers/run-command.ts';
import { setX509Policy } from '../helpers/signin-client.ts';
import { PKI_PATH, startTestServer, TENANT_A, TENANT_B, type TestServer } from '../helpers/test-server.ts';

let t: TestServer;
let port: string;
let pkiId: string;

before(async () => {
  // Hint contexts are reused for a while on a busy listener; here every handshake reads the store.
  t = await startTestServer({ signin: { ...DEFAULT_SIGNIN_CONFIG, port: 0, issuerHintRefreshMs: 0 } });
  port = new URL(t.server.signinUrl as string).port;
  const pki = await t.request('POST', `/beta${PKI_PATH}`, { body: { displayName: 'Hinted PKI' } });
  assert.equal(pki.status, 201, pki.text);
  pkiId = pki.body.id;
});
after(async () => {
  await t?.close();
});

/** The "Acceptable client certificate CA names" openssl prints, or [] when the server sent none. */
async function acceptableCaNames(servername: string | undefined): Promise<string[]> {
  const args = ['s_client', '-connect', `127.0.0.1:${port}`, ...(servername ? ['-servername', servername] : []), '-tls1_3'];
  const { stdout } = await runCommand('openssl', args, { cwd: t.dataDir, timeoutMs: 15_000 });
  if (/No client certificate CA names sent/.test(stdout)) return [];
  const section = /Acceptable client certificate CA names\n([\s\S]*?)\n(?:Requested|Client Certificate Types|Peer signing)/.exec(stdout)?.[1];
  assert.ok(section !== undefined, `openssl printed neither list:\n${stdout}`);
  return section.split('\n').map((line) => line.trim()).filter(Boolean);
}

async function addCa(subject: string, isIssuerHintEnabled: boolean): Promise<void> {
  const ca = await createCa({ subject });
  const res = await t.request('POST', `/beta${PKI_PATH}/${pkiId}/certificateAuthorities`, { body: { certificate: ca.base64, isIssuerHintEnabled } });
  assert.equal(res.status, 201, res.text);
}

function setHints(state: 'enabled' | 'disabled'): Promise<void> {
  return setX509Policy(t, { issuerHintsConfiguration: { state } });
}

it('hints off (the default): no CA names, with or without the tenant in SNI', async () => {
  await addCa('CN=Unmarked Root, O=Hints', false);
  assert.deepEqual(await acceptableCaNames(`${TENANT_A}.certauth.localhost`), []);
  assert.deepEqual(await acceptableCaNames(undefined), []);
});

it('hints on and no CA marked: every CA of the trust store is named', async () => {
  await setHints('enabled');
  assert.deepEqual(await acceptableCaNames(`${TENANT_A}.certauth.localhost`), ['CN = Unmarked Root, O = Hints']);
});

it('hints on and some CAs marked: only those are named; another tenant gets none', async () => {
  await addCa('CN=Marked Root One, O=Hints', true);
  await addCa('CN=Marked Root Two, O=Hints', true);
  const names = await acceptableCaNames(`${TENANT_A}.certauth.localhost`);
  assert.deepEqual([...names].sort(), ['CN = Marked Root One, O = Hints', 'CN = Marked Root Two, O = Hints']);
  assert.deepEqual(await acceptableCaNames(`${TENANT_B}.certauth.localhost`), []);
});

it('hints turned off again: none', async () => {
  await setHints('disabled');
  assert.deepEqual(await acceptableCaNames(`${TENANT_A}.certauth.localhost`), []);
});
