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
import { TLS_CERT_FILE_NAME, TLS_KEY_FILE_NAME } from '../../src/tls.ts';
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

  it('exits 1 with a clear error when the certificate or key cannot be read', async () => {
    const dir = path.join(root, 'unreadable');
    const missing = path.join(root, 'no-such-cert.pem');
    const result = await runCli(['serve', '--data', dir, '--port', '0', '--tls-cert', missing, '--tls-key', path.join(root, 'leaf-key.pem')]);
    assert.equal(result.code, 1, result.stderr);
    assert.ok(result.stderr.includes(`cannot read the TLS certificate ${missing}`), result.stderr);
  });
});
