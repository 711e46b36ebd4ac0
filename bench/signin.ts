// Certificate sign-ins per second (issue 17): each sign-in is a new TLS connection to the sign-in
// listener presenting a client certificate (the handshake), GET /authorize (verification through the
// trust store — its CAs have no CRL URL here —, user binding, the sign-in log write, the code) and POST /token
// (the id and access tokens), on the in-process server with SQLite. Beside it, same run, same
// certificates and concurrency: a bare node:tls server that only completes the same client-certificate
// handshake. Reported: both rates and their ratio (no target; the handshake is the floor).
// Flags: --seconds S (5), --concurrency N (4). Exit 0 for a valid run, 1 on failure.
import { mkdtempSync } from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { createHash, randomBytes, webcrypto } from 'node:crypto';
import { DEFAULT_SIGNIN_CONFIG, defaultServerConfig } from '../src/config.ts';
import { PERMISSION_POLICY_READ_WRITE_AUTHENTICATION_METHOD, PERMISSION_READ_WRITE } from '../src/auth/permissions.ts';
import { DEFAULT_TENANT_ID, mintToken } from '../src/auth/token-issuer.ts';
import { DEV_CLIENT_ID } from '../src/service/signin/oidc-clients.ts';
import { startServer } from '../src/server.ts';
import { createChain, toPem, type TestCert } from '../test/helpers/certs.ts';
import { fmt, parseFlags, printHeader, registerCloser, registerTempDir, runMain, startWatchdog, table } from './lib.ts';

const USAGE = 'usage: node --import tsx bench/signin.ts [--seconds S=5] [--concurrency N=4]';
const REDIRECT = 'http://127.0.0.1:53682/cb';

runMain('bench/signin', async () => {
  const flags = parseFlags(process.argv.slice(2), { seconds: 5, concurrency: 4 }, USAGE);
  startWatchdog('bench/signin', 120 + flags.seconds * 4);
  printHeader('certificate sign-ins per second vs a bare node:tls client-certificate handshake', `${flags.seconds} s per side, ${flags.concurrency} clients at once`, false);
  const dataDir = registerTempDir(mkdtempSync(path.join(os.tmpdir(), 'graph-pki-bench-signin-')));
  const server = await startServer(defaultServerConfig({ dataDir, port: 0, logLevel: 'silent', signin: { ...DEFAULT_SIGNIN_CONFIG, port: 0 } }));
  registerCloser(() => server.close());
  const chain = await createChain({ name: 'Bench', upn: 'bench@contoso.example' });
  const issuing = chain.intermediates[0] as TestCert;
  const graph = async (method: string, urlPath: string, body: unknown, roles = [PERMISSION_READ_WRITE]) => {
    const token = await mintToken(server.signingKey, { tenantId: DEFAULT_TENANT_ID, appRoles: roles, scopes: [], directoryRoles: [], ttlSeconds: 600 });
    const res = await fetch(`${server.url}${urlPath}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (res.status >= 300) throw new Error(`${method} ${urlPath}: ${res.status} ${await res.text()}`);
    return res.status === 204 ? undefined : ((await res.json()) as { id: string });
  };
  const pki = await graph('POST', '/beta/directory/publicKeyInfrastructure/certificateBasedAuthConfigurations', { displayName: 'Bench PKI' });
  for (const ca of [chain.root, issuing]) {
    await graph('POST', `/beta/directory/publicKeyInfrastructure/certificateBasedAuthConfigurations/${pki?.id}/certificateAuthorities`, { certificate: ca.base64 });
  }
  await graph(
    'PATCH',
    '/beta/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/x509Certificate',
    {
      '@odata.type': '#microsoft.graph.x509CertificateAuthenticationMethodConfiguration',
      state: 'enabled',
      certificateUserBindings: [{ x509CertificateField: 'PrincipalName', userProperty: 'userPrincipalName', priority: 1 }],
    },
    [PERMISSION_POLICY_READ_WRITE_AUTHENTICATION_METHOD],
  );
  await server.users.create(DEFAULT_TENANT_ID, { userPrincipalName: 'bench@contoso.example', accountEnabled: true });

  const key = toPem(Buffer.from(await webcrypto.subtle.exportKey('pkcs8', chain.leaf.keys.privateKey)), 'PRIVATE KEY');
  const cert = `${chain.leaf.pem.trim()}\n${issuing.pem.trim()}\n`;
  const signinUrl = new URL(server.signinUrl as string);

  const signIn = async (): Promise<void> => {
    const verifier = randomBytes(32).toString('base64url');
    const query = new URLSearchParams({
      client_id: DEV_CLIENT_ID,
      redirect_uri: REDIRECT,
      response_type: 'code',
      scope: 'openid https://graph.microsoft.com/.default',
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
      login_hint: 'bench@contoso.example',
    });
    const authorize = await request(`${signinUrl.origin}/${DEFAULT_TENANT_ID}/oauth2/v2.0/authorize?${query}`, { cert, key });
    const code = new URL(authorize.location ?? 'http://x/').searchParams.get('code');
    if (!code) throw new Error(`authorize did not give a code: ${authorize.location ?? authorize.status}`);
    const form = new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT, client_id: DEV_CLIENT_ID, code_verifier: verifier }).toString();
    const token = await request(`${signinUrl.origin}/${DEFAULT_TENANT_ID}/oauth2/v2.0/token`, { body: form });
    if (token.status !== 200) throw new Error(`token: ${token.status}`);
  };

  const bare = tls.createServer({ ...(await listenerMaterial(dataDir)), requestCert: true, rejectUnauthorized: false }, (socket) => socket.end());
  await new Promise<void>((resolve) => bare.listen(0, '127.0.0.1', resolve));
  registerCloser(() => new Promise((resolve) => bare.close(resolve)));
  const barePort = (bare.address() as { port: number }).port;
  const handshake = () =>
    new Promise<void>((resolve, reject) => {
      const socket = tls.connect({ host: '127.0.0.1', port: barePort, cert, key, rejectUnauthorized: false }, () => {
        socket.on('close', () => resolve());
        socket.on('data', () => {});
        socket.end();
      });
      socket.on('error', reject);
    });

  await signIn(); // warm-up: CA parsing, caches
  const signInRate = await rate(signIn, flags.seconds, flags.concurrency);
  const handshakeRate = await rate(handshake, flags.seconds, flags.concurrency);
  process.stdout.write(
    `${table([
      ['', 'per second', 'count'],
      ['certificate sign-in (handshake + authorize + token)', fmt(signInRate.perSecond, 1), String(signInRate.count)],
      ['bare node:tls client-certificate handshake', fmt(handshakeRate.perSecond, 1), String(handshakeRate.count)],
    ])}\n`,
  );
  process.stdout.write(`Valid run: sign-ins reach ${fmt((signInRate.perSecond / handshakeRate.perSecond) * 100, 1)} % of the bare handshake rate\n`);
  return 0;
});

/** The sign-in listener's TLS certificate and key (made in the data folder as --https makes them). */
async function listenerMaterial(dataDir: string): Promise<{ cert: Buffer; key: Buffer }> {
  const { readFile } = await import('node:fs/promises');
  return { cert: await readFile(path.join(dataDir, 'tls-cert.pem')), key: await readFile(path.join(dataDir, 'tls-key.pem')) };
}

async function rate(work: () => Promise<void>, seconds: number, concurrency: number): Promise<{ perSecond: number; count: number }> {
  const end = Date.now() + seconds * 1000;
  let count = 0;
  const started = Date.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < end) {
        await work();
        count++;
      }
    }),
  );
  return { perSecond: count / ((Date.now() - started) / 1000), count };
}

function request(url: string, options: { cert?: string; key?: string; body?: string }): Promise<{ status: number; location: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      url,
      {
        method: options.body ? 'POST' : 'GET',
        agent: false,
        rejectUnauthorized: false,
        ...(options.cert ? { cert: options.cert, key: options.key } : {}),
        headers: options.body ? { 'content-type': 'application/x-www-form-urlencoded' } : {},
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, location: typeof res.headers.location === 'string' ? res.headers.location : undefined }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}
