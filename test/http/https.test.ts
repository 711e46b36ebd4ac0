// `graph-pki serve` over HTTPS: a self-signed certificate generated into the data folder on first use
// (--https) and reused afterwards, or a certificate and key given as files (--tls-cert/--tls-key).
import assert from 'node:assert/strict';
import { webcrypto } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { generateSelfSignedTls, loadTls, TLS_CERT_FILE_NAME, TLS_KEY_FILE_NAME } from '../../src/http/tls-material.ts';
import { createCa, createLeaf, toPem, x509 } from '../helpers/certs.ts';
import { type CliServer, runCli, startCliServer } from '../helpers/cli.ts';
import { PKI_PATH } from '../helpers/test-server.ts';

interface HttpsServer {
  readonly url: string;
  readonly server: CliServer;
  readonly stdout: string;
}

/** startCliServer, then (with --https) the line naming the certificate, which follows the URL. */
async function startHttpsServer(dataDir: string, args: readonly string[]): Promise<HttpsServer> {
  const server = await startCliServer(['--data', dataDir, ...args]);
  for (let i = 0; args.includes('--https') && !/HTTPS certificate: .*\n/.test(server.stdout()) && i < 100; i++) {
    await new Promise((r) => setTimeout(r, 20));
  }
  return { url: server.url, server, stdout: server.stdout() };
}

async function stop(https: HttpsServer): Promise<void> {
  if (https.server.child.exitCode !== null) return;
  https.server.child.kill('SIGTERM');
  await https.server.exited;
}

function httpsCall(
  url: string,
  ca: Buffer,
  method: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, { method, headers, ca }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function mint(dir: string): Promise<string> {
  const result = await runCli(['token', '--data', dir]);
  assert.equal(result.code, 0, result.stderr);
  return result.stdout.trim();
}

let root: string;
before(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'graph-pki-https-'));
});
after(() => rm(root, { recursive: true, force: true }));

describe('serve --https', () => {
  it('generates a self-signed certificate once, serves HTTPS with it and reuses it on restart', async () => {
    const dir = path.join(root, 'self-signed');
    const certPath = path.join(dir, TLS_CERT_FILE_NAME);
    const keyPath = path.join(dir, TLS_KEY_FILE_NAME);
    const first = await startHttpsServer(dir, ['--https']);
    let firstCert: Buffer;
    try {
      assert.match(first.url, /^https:\/\/127\.0\.0\.1:\d+$/);
      assert.ok(
        first.stdout.includes(`HTTPS certificate: ${certPath}; trust it with NODE_EXTRA_CA_CERTS=${certPath} (Node) or curl --cacert ${certPath}`),
        first.stdout,
      );
      assert.equal((await stat(certPath)).mode & 0o777, 0o644);
      assert.equal((await stat(keyPath)).mode & 0o777, 0o600);
      firstCert = await readFile(certPath);
      const cert = new x509.X509Certificate(firstCert.toString());
      assert.equal(cert.subject, 'CN=localhost');
      assert.equal((cert.publicKey.algorithm as { namedCurve?: string }).namedCurve, 'P-256');
      const san = cert.getExtension(x509.SubjectAlternativeNameExtension);
      assert.deepEqual(san?.names.toJSON(), [
        { type: 'dns', value: 'localhost' },
        { type: 'ip', value: '127.0.0.1' },
        { type: 'ip', value: '::1' },
      ]);
      assert.deepEqual([...(cert.getExtension(x509.ExtendedKeyUsageExtension)?.usages ?? [])], [x509.ExtendedKeyUsage.serverAuth]);
      const days = (cert.notAfter.getTime() - cert.notBefore.getTime()) / 86_400_000;
      assert.equal(days, 365);

      const health = await httpsCall(`${first.url}/healthz`, firstCert, 'GET');
      assert.equal(health.status, 200, health.body);

      const token = await mint(dir);
      const created = await httpsCall(
        `${first.url}/v1.0${PKI_PATH}`,
        firstCert,
        'POST',
        { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        JSON.stringify({ displayName: 'Over TLS' }),
      );
      assert.equal(created.status, 201, created.body);
      assert.equal(JSON.parse(created.body).displayName, 'Over TLS');
      assert.match(JSON.parse(created.body)['@odata.context'], /^https:\/\/127\.0\.0\.1:\d+\/v1\.0\//);

      // Plain HTTP to the TLS port is not served.
      const port = new URL(first.url).port;
      await assert.rejects(
        new Promise((resolve, reject) => {
          const req = httpRequest(`http://127.0.0.1:${port}/healthz`, (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode));
          });
          req.setTimeout(5_000, () => req.destroy(new Error('timeout')));
          req.on('error', reject);
          req.end();
        }),
      );

      // A client that does not trust the certificate is refused.
      await assert.rejects(
        new Promise((resolve, reject) => {
          const req = httpsRequest(`${first.url}/healthz`, (res) => resolve(res.statusCode));
          req.on('error', reject);
          req.end();
        }),
        /self[- ]signed/i,
      );
    } finally {
      await stop(first);
    }

    const second = await startHttpsServer(dir, ['--https']);
    try {
      assert.deepEqual(await readFile(certPath), firstCert);
      const health = await httpsCall(`${second.url}/healthz`, firstCert, 'GET');
      assert.equal(health.status, 200, health.body);
    } finally {
      await stop(second);
    }
  });
});

describe('the self-signed certificate over time', () => {
  it('is renewed at start-up within 30 days of its end, or when its files no longer match, saying so', async () => {
    const dir = path.join(root, 'renewal');
    const certPath = path.join(dir, TLS_CERT_FILE_NAME);
    const first = await loadTls({ selfSigned: true }, dir);
    assert.deepEqual(first.notices, []);
    const original = await readFile(certPath);
    // Eleven months on: still reused as it is.
    assert.deepEqual((await loadTls({ selfSigned: true }, dir, new Date(Date.now() + 330 * 86_400_000))).cert, original);
    // 340 days on it has 25 days left: replaced by a new one-year certificate.
    const later = new Date(Date.now() + 340 * 86_400_000);
    const renewed = await loadTls({ selfSigned: true }, dir, later);
    assert.notDeepEqual(await readFile(certPath), original);
    assert.deepEqual(renewed.cert, await readFile(certPath));
    assert.equal(renewed.notices.length, 1);
    assert.match(renewed.notices[0] ?? '', new RegExp(`HTTPS certificate ${certPath} renewed \\(it expires on .*\\): clients that trusted the old file must load the new one`));
    assert.equal((await stat(path.join(dir, TLS_KEY_FILE_NAME))).mode & 0o777, 0o600);
    // A key file that is not the certificate's (say, restored from another backup) is replaced too.
    await writeFile(path.join(dir, TLS_KEY_FILE_NAME), (await generateSelfSignedTls()).keyPem, { mode: 0o600 });
    const repaired = await loadTls({ selfSigned: true }, dir);
    assert.match(repaired.notices[0] ?? '', /renewed \(the TLS key .* does not belong to the certificate/);
    assert.deepEqual((await loadTls({ selfSigned: true }, dir)).notices, []);
  });

  it('says which names it covers when the server listens on another address', async () => {
    const server = await startHttpsServer(path.join(root, 'wildcard'), ['--https', '--host', '0.0.0.0']);
    try {
      for (let i = 0; !/valid for localhost/.test(server.server.stdout()) && i < 100; i++) await new Promise((r) => setTimeout(r, 20));
      assert.match(server.server.stdout(), /It is valid for localhost, 127\.0\.0\.1 and ::1 only: connect through one of those, or give --tls-cert\/--tls-key for 0\.0\.0\.0/);
    } finally {
      await stop(server);
    }
  });
});

describe('serve --tls-cert --tls-key', () => {
  it('serves HTTPS with the given certificate and key', async () => {
    const dir = path.join(root, 'files');
    const ca = await createCa({ subject: 'CN=Test TLS Root' });
    const leaf = await createLeaf({
      subject: 'CN=localhost',
      issuer: ca,
      subjectAltNames: [
        { type: 'dns', value: 'localhost' },
        { type: 'ip', value: '127.0.0.1' },
      ],
    });
    const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', leaf.keys.privateKey));
    const certFile = path.join(root, 'leaf.pem');
    const keyFile = path.join(root, 'leaf-key.pem');
    await writeFile(certFile, leaf.pem);
    await writeFile(keyFile, toPem(pkcs8, 'PRIVATE KEY'), { mode: 0o600 });

    const server = await startHttpsServer(dir, ['--tls-cert', certFile, '--tls-key', keyFile]);
    try {
      assert.match(server.url, /^https:\/\//);
      assert.doesNotMatch(server.stdout, /HTTPS certificate:/);
      const health = await httpsCall(`${server.url}/healthz`, Buffer.from(ca.pem), 'GET');
      assert.equal(health.status, 200, health.body);
      await assert.rejects(stat(path.join(dir, TLS_CERT_FILE_NAME)), { code: 'ENOENT' });
    } finally {
      await stop(server);
    }
  });

  it('refuses --tls-cert without --tls-key, and either with --https, as usage errors (exit 2)', async () => {
    const dir = path.join(root, 'usage');
    const alone = await runCli(['serve', '--data', dir, '--port', '0', '--tls-cert', path.join(root, 'leaf.pem')]);
    assert.equal(alone.code, 2, alone.stderr);
    assert.match(alone.stderr, /--tls-cert and --tls-key must be given together/);
    const keyAlone = await runCli(['serve', '--data', dir, '--port', '0', '--tls-key', path.join(root, 'leaf-key.pem')]);
    assert.equal(keyAlone.code, 2, keyAlone.stderr);
    const both = await runCli(['serve', '--data', dir, '--port', '0', '--https', '--tls-cert', 'a.pem', '--tls-key', 'b.pem']);
    assert.equal(both.code, 2, both.stderr);
    assert.match(both.stderr, /either --https or --tls-cert/);
  });

  it('names the file at fault when a certificate or key is not one, or the key is not the certificate’s; exits 1 before creating anything', async () => {
    const dir = path.join(root, 'wrong-files');
    const own = await createLeaf({ subject: 'CN=localhost', issuer: await createCa({ subject: 'CN=Wrong Files Root' }) });
    const other = await createLeaf({ subject: 'CN=localhost', issuer: await createCa({ subject: 'CN=Other Root' }) });
    const certFile = path.join(root, 'own.pem');
    const otherKeyFile = path.join(root, 'other-key.pem');
    const garbage = path.join(root, 'garbage.pem');
    await writeFile(certFile, own.pem);
    await writeFile(otherKeyFile, toPem(Buffer.from(await webcrypto.subtle.exportKey('pkcs8', other.keys.privateKey)), 'PRIVATE KEY'), { mode: 0o600 });
    await writeFile(garbage, 'not a PEM file\n');
    const cases: [string, string, string][] = [
      [certFile, otherKeyFile, `the TLS key ${otherKeyFile} does not belong to the certificate ${certFile}`],
      [garbage, otherKeyFile, `the TLS certificate ${garbage} is not a PEM certificate`],
      [certFile, garbage, `the TLS key ${garbage} is not an unencrypted PEM private key`],
    ];
    for (const [cert, key, message] of cases) {
      const result = await runCli(['serve', '--data', dir, '--port', '0', '--tls-cert', cert, '--tls-key', key]);
      assert.equal(result.code, 1, result.stderr);
      assert.ok(result.stderr.includes(message), result.stderr);
      assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
    }
    await assert.rejects(stat(dir), { code: 'ENOENT' }, 'nothing is created before the TLS files are checked');
  });

  it('starts with its own expired certificate but warns that clients will refuse it', async () => {
    const ca = await createCa({ subject: 'CN=Expired TLS Root' });
    const leaf = await createLeaf({ subject: 'CN=localhost', issuer: ca, notBefore: new Date(Date.now() - 400 * 86_400_000), notAfter: new Date(Date.now() - 35 * 86_400_000) });
    const certFile = path.join(root, 'expired.pem');
    const keyFile = path.join(root, 'expired-key.pem');
    await writeFile(certFile, leaf.pem);
    await writeFile(keyFile, toPem(Buffer.from(await webcrypto.subtle.exportKey('pkcs8', leaf.keys.privateKey)), 'PRIVATE KEY'), { mode: 0o600 });
    const material = await loadTls({ certFile, keyFile }, path.join(root, 'expired-own'));
    assert.equal(material.notices.length, 1);
    assert.match(material.notices[0] ?? '', new RegExp(`the TLS certificate ${certFile} expired on .*; clients will refuse it`));
  });

  it('exits 1 with a clear error when the certificate or key cannot be read', async () => {
    const dir = path.join(root, 'unreadable');
    const missing = path.join(root, 'no-such-cert.pem');
    const result = await runCli(['serve', '--data', dir, '--port', '0', '--tls-cert', missing, '--tls-key', path.join(root, 'leaf-key.pem')]);
    assert.equal(result.code, 1, result.stderr);
    assert.ok(result.stderr.includes(`cannot read the TLS certificate ${missing}`), result.stderr);
  });
});
