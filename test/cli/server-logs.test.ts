// What `graph-pki serve` writes to standard error, read from the real process: JSON lines (the default when
// standard error is not a terminal, and with --log-format json), pino-pretty's form with --log-format
// pretty or GRAPH_PKI_LOG_FORMAT=pretty, and pretty by default on a terminal. Whatever the form, one line
// per request with its ids, tenant, app, route, status and latency, and never a bearer token, the
// token-signing key or a certificate.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_APP_ID, DEFAULT_TENANT_ID } from '../../src/auth/token-issuer.ts';
import { databaseLocation } from '../../src/config.ts';
import { resolveSigningKey } from '../../src/auth/signing-key-source.ts';
import { openDatabase } from '../../src/store/database.ts';
import { databaseForDataDir } from '../helpers/backend.ts';
import { createCa, type TestCert } from '../helpers/certs.ts';
import { BIN, runCli, startCliServer, type CliServer } from '../helpers/cli.ts';
import { PKI_PATH, send } from '../helpers/test-server.ts';

let root: string;
let ca: TestCert;
before(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'graph-pki-logs-'));
  ca = await createCa({ subject: 'CN=Log Test Root, O=Contoso' });
});
after(() => rm(root, { recursive: true, force: true }));

async function mint(dataDir: string): Promise<string> {
  const result = await runCli(['token', '--data', dataDir]);
  assert.equal(result.code, 0, result.stderr);
  return result.stdout.trim();
}

async function stop(server: CliServer): Promise<void> {
  server.child.kill('SIGTERM');
  assert.equal(await server.exited, 0);
}

/** The private part of the data folder's token-signing key (file on SQLite, database on PostgreSQL). */
async function signingKeySecret(dataDir: string): Promise<string> {
  const database = await openDatabase(databaseLocation({ database: await databaseForDataDir(dataDir), dataDir }));
  try {
    const key = await resolveSigningKey(dataDir, database);
    const d = key.privateKey.export({ format: 'jwk' }).d;
    assert.ok(d && d.length >= 40);
    return d;
  } finally {
    await database.close();
  }
}

/**
 * Sends the requests every log test makes: a list with the caller's client-request-id, a PKI create, a CA
 * create with base64 of PEM text, the same CA again (refused: duplicate), and a request with a forged token.
 */
async function exercise(url: string, token: string, clientRequestId: string): Promise<{ forged: string; pemBase64: string }> {
  const list = await send(url, 'GET', `/beta${PKI_PATH}`, token, { headers: { 'client-request-id': clientRequestId } });
  assert.equal(list.status, 200, list.text);
  const pki = await send(url, 'POST', `/beta${PKI_PATH}`, token, { body: { displayName: 'Logged PKI' } });
  assert.equal(pki.status, 201, pki.text);
  const pemBase64 = Buffer.from(ca.pem).toString('base64');
  const added = await send(url, 'POST', `/beta${PKI_PATH}/${pki.body.id}/certificateAuthorities`, token, { body: { certificate: pemBase64 } });
  assert.equal(added.status, 201, added.text);
  const duplicate = await send(url, 'POST', `/v1.0${PKI_PATH}/${pki.body.id}/certificateAuthorities`, token, { body: { certificate: ca.base64 } });
  assert.equal(duplicate.status, 400, duplicate.text);
  const forged = `${token.slice(0, token.lastIndexOf('.'))}.${Buffer.from('not the signature, but long enough to look like one').toString('base64url')}`;
  const refused = await send(url, 'GET', `/beta${PKI_PATH}`, forged);
  assert.equal(refused.status, 401, refused.text);
  return { forged, pemBase64 };
}

interface LoggedRun {
  readonly dataDir: string;
  readonly token: string;
  readonly forged: string;
  readonly pemBase64: string;
  /** Everything the server wrote to standard error until it stopped. */
  readonly log: string;
}

/** Starts `serve` on a fresh data folder, sends the requests of `exercise`, stops it and returns its log. */
async function loggedRun(name: string, args: readonly string[], env: Record<string, string> = {}): Promise<LoggedRun> {
  const dataDir = path.join(root, name);
  const token = await mint(dataDir);
  const server = await startCliServer(['--data', dataDir, ...args], env);
  try {
    const sent = await exercise(server.url, token, `log-test-${name}`);
    await stop(server);
    return { dataDir, token, ...sent, log: server.stderr() };
  } finally {
    if (server.child.exitCode === null) server.child.kill('SIGKILL');
  }
}

/** Asserts that none of the secrets, nor any 40-character piece of a certificate's base64, is in the log. */
function assertNoSecrets(log: string, secrets: Record<string, string>): void {
  for (const [what, secret] of Object.entries(secrets)) {
    assert.equal(log.includes(secret), false, `the log shows the ${what}`);
  }
  for (const base64 of [ca.base64, Buffer.from(ca.pem).toString('base64')]) {
    for (let i = 0; i + 40 <= base64.length; i += 20) {
      assert.equal(log.includes(base64.slice(i, i + 40)), false, `the log shows certificate text (offset ${i})`);
    }
  }
  for (const line of ca.pem.split('\n').filter((l) => l.length >= 40 && !l.startsWith('-----'))) {
    assert.equal(log.includes(line), false, 'the log shows a PEM line of the certificate');
  }
  assert.doesNotMatch(log, /BEGIN CERTIFICATE|PRIVATE KEY|authorization/i);
}

describe('serve with standard error not a terminal (auto), at trace level', () => {
  it('writes JSON lines, one per request with ids, tenant, app, route, status and latency, and no token, key or certificate', async () => {
    const { dataDir, token, forged, log } = await loggedRun('json', ['--log-level', 'trace']);
    const lines = log.split('\n').filter(Boolean);
    const entries = lines.map((line) => {
      try {
        return JSON.parse(line) as Record<string, unknown>;
      } catch {
        return assert.fail(`not a JSON line: ${line}`);
      }
    });
    const requests = entries.filter((e) => e.msg === 'request');
    assert.equal(requests.length, 5, log);
    for (const entry of requests) {
      assert.match(String(entry.requestId), /^[0-9a-f-]{36}$/);
      assert.equal(typeof entry.clientRequestId, 'string');
      assert.equal(typeof entry.ms, 'number');
      assert.equal(entry.level, 30);
    }
    const listed = requests.find((e) => e.clientRequestId === 'log-test-json');
    assert.ok(listed, log);
    assert.equal(listed.tenantId, DEFAULT_TENANT_ID);
    assert.equal(listed.appId, DEFAULT_APP_ID);
    assert.equal(listed.method, 'GET');
    assert.equal(listed.route, `/beta${PKI_PATH}`);
    assert.equal(listed.status, 200);
    assert.deepEqual(
      requests.map((e) => [e.route, e.status]),
      [
        [`/beta${PKI_PATH}`, 200],
        [`/beta${PKI_PATH}`, 201],
        [`/beta${PKI_PATH}/:pkiId/certificateAuthorities`, 201],
        [`/v1.0${PKI_PATH}/:pkiId/certificateAuthorities`, 400],
        [`/beta${PKI_PATH}`, 401],
      ],
    );
    // The forged token's request is logged without a tenant: the token was refused.
    assert.equal(requests[4]?.tenantId, undefined);
    assertNoSecrets(log, { token, 'forged token': forged, 'token signature': token.slice(token.lastIndexOf('.') + 1), 'signing key': await signingKeySecret(dataDir) });
  });
});

describe('answers chosen on purpose are not logged as incidents', () => {
  it('an injected 500 and 503 leave only their request lines, no error or warning', async () => {
    const dataDir = path.join(root, 'faults');
    const server = await startCliServer(['--data', dataDir, '--log-level', 'info', '--fault', 'status=500,path=/healthz,times=1', '--fault', 'status=503,path=/readyz,times=1']);
    try {
      assert.equal((await send(server.url, 'GET', '/healthz', undefined)).status, 500);
      assert.equal((await send(server.url, 'GET', '/readyz', undefined)).status, 503);
      await stop(server);
    } finally {
      if (server.child.exitCode === null) server.child.kill('SIGKILL');
    }
    const entries = server.stderr().split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>);
    assert.deepEqual(
      entries.filter((e) => e.msg === 'request').map((e) => [e.route, e.status, e.level]),
      [
        ['/healthz', 500, 30],
        ['/readyz', 503, 30],
      ],
    );
    // The one warning is the start-up notice that fault injection is on (test/cli/start-errors.test.ts).
    assert.deepEqual(entries.filter((e) => Number(e.level) >= 40 && !String(e.msg).startsWith('FAULT INJECTION IS ON')), [], server.stderr());
  });
});

describe('serve --log-format pretty (here through GRAPH_PKI_LOG_FORMAT)', () => {
  it('writes pino-pretty lines, not JSON, with the request line’s fields and no token or certificate', async () => {
    const { token, forged, pemBase64, log } = await loggedRun('pretty', ['--log-level', 'info'], { GRAPH_PKI_LOG_FORMAT: 'pretty' });
    const lines = log.split('\n').filter(Boolean);
    assert.ok(lines.length >= 5, log);
    for (const line of lines) assert.throws(() => JSON.parse(line), SyntaxError, `a JSON line in pretty output: ${line}`);
    const listed = lines.find((line) => line.includes('"clientRequestId":"log-test-pretty"'));
    assert.ok(listed, log);
    assert.match(listed, /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: GET \/beta\/directory\/publicKeyInfrastructure\/certificateBasedAuthConfigurations 200 [\d.]+ ms \{/);
    assert.match(listed, /"requestId":"[0-9a-f-]{36}"/);
    assert.ok(listed.includes(`"tenantId":"${DEFAULT_TENANT_ID}"`), listed);
    assert.ok(listed.includes(`"appId":"${DEFAULT_APP_ID}"`), listed);
    assert.ok(lines.some((line) => / INFO: POST \/v1\.0\/\S+\/:pkiId\/certificateAuthorities 400 [\d.]+ ms/.test(line)), log);
    assert.doesNotMatch(log, /\u001b\[/, 'no colours when standard error is not a terminal');
    assertNoSecrets(log, { token, 'forged token': forged, 'certificate (base64 of PEM)': pemBase64 });
  });
});

describe('serve on a terminal', () => {
  it('logs pretty (coloured) by default, and JSON with --log-format json', { skip: !existsSync('/usr/bin/script') && 'needs script(1) for a pseudo-terminal' }, async () => {
    for (const [format, expectPretty] of [[undefined, true], ['json', false]] as const) {
      const dataDir = path.join(root, `tty-${format ?? 'auto'}`);
      const database = await databaseForDataDir(dataDir);
      const args = [BIN, 'serve', '--port', '0', '--data', dataDir, ...(database ? ['--database', database] : []), ...(format ? ['--log-format', format] : [])];
      const command = [process.execPath, ...args].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ');
      // script(1) runs the server with a pseudo-terminal as its stdout and stderr.
      const child = spawn('script', ['-qfec', command, '/dev/null'], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      const exited = new Promise((done) => child.once('exit', done));
      try {
        const deadline = Date.now() + 20_000;
        while (!/Server listening at/.test(out) || !/graph-pki listening on/.test(out)) {
          if (Date.now() > deadline) assert.fail(`no start on the terminal: ${out}`);
          await new Promise((r) => setTimeout(r, 50));
        }
      } finally {
        if (child.pid) process.kill(-child.pid, 'SIGTERM');
        await exited;
      }
      const startLine = out.split(/\r?\n/).find((line) => line.includes('Server listening at')) ?? '';
      if (expectPretty) {
        assert.match(startLine, /^\[\d\d:\d\d:\d\d\.\d{3}\] \u001b\[32mINFO\u001b\[39m: /, JSON.stringify(startLine));
      } else {
        assert.equal((JSON.parse(startLine) as { msg: string }).msg.startsWith('Server listening at'), true, startLine);
      }
    }
  });
});

describe('--log-format usage', () => {
  it('refuses an unknown format with exit code 2', async () => {
    const result = await runCli(['serve', '--data', path.join(root, 'usage'), '--port', '0', '--log-format', 'xml']);
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /--log-format.*xml.*(json|choices)/s);
  });
});
