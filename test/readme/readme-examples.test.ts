// npm test: no database back-end (the examples run the server as the README does, on ./data)
// The README's examples, run as a reader would run them: every fenced block after a
// `<!-- README example: NAME -->` marker is taken from README.md itself (so the test cannot drift from
// the text), shell blocks run with bash in a folder holding the files they name (root-ca.cer, issuing.p7b,
// alice.pem, …) and a `bin/graph-pki` of this checkout, next to a `bin/graph-pki serve` started there;
// TypeScript blocks run with tsx. The edits: the server listens on a free port instead of 8080, so
// `http://127.0.0.1:8080` becomes its URL (and GRAPH_PKI_URL is set for the commands that default to it),
// and `<id from the create answer>` becomes the id the create example printed; the server runs with
// --allow-private-fetch, which the CLI walkthrough says its local-file upload needs. The HTTPS client
// example runs the command of its first line (`app.mjs` being the block saved in the checkout, so that
// its import resolves) against a second `bin/graph-pki serve --https` in the same folder, whose URL
// replaces `https://127.0.0.1:8080`; the fault injection example's `bin/graph-pki serve` gets
// `--port 0` (it would listen on 8080) and is stopped with SIGTERM.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createCa, createCrl, createLeaf, p7bOf, type TestCert, x509 } from '../helpers/certs.ts';
import { BIN, type CliServer, startServerIn, startShellServerIn } from '../helpers/cli.ts';
import { type CommandResult, runCommand } from '../helpers/run-command.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** The examples this test runs: a marker removed or renamed in the README fails it. */
const EXAMPLES = ['create-pki', 'add-ca-curl', 'add-ca-cli', 'upload', 'graph-sdk', 'verify-offline', 'cli-walkthrough', 'graph-client-https', 'fault-injection', 'snapshot-reset'] as const;

interface Example {
  readonly language: string;
  readonly code: string;
}

/** The marked fenced blocks of README.md, by name. */
async function readmeExamples(): Promise<Map<string, Example>> {
  const readme = await readFile(path.join(ROOT, 'README.md'), 'utf8');
  const found = new Map<string, Example>();
  for (const match of readme.matchAll(/<!-- README example: ([\w-]+) -->\n```(\w+)\n([\s\S]*?)\n```/g)) {
    const [, name, language, code] = match;
    assert.ok(name && language && code !== undefined);
    assert.ok(!found.has(name), `two README examples are named ${name}`);
    found.set(name, { language, code });
  }
  return found;
}

type Ran = CommandResult;

function run(command: string, args: readonly string[], cwd: string, env: Record<string, string>): Promise<Ran> {
  return runCommand(command, args, { cwd, env, timeoutMs: 60_000 });
}

let examples: Map<string, Example>;
let folder: string;
let server: CliServer;
let token = '';
let pkiId = '';

/** The example's code as it will run here: the server's real URL, and the id the create example returned. */
function adapted(name: (typeof EXAMPLES)[number]): Example {
  const example = examples.get(name);
  assert.ok(example, `README.md has no block marked <!-- README example: ${name} -->`);
  return { ...example, code: example.code.replaceAll('http://127.0.0.1:8080', server.url).replaceAll('<id from the create answer>', pkiId) };
}

/** Runs a shell example with bash -euo pipefail in the example folder, with TOKEN and PKI as earlier examples left them. */
async function runShell(name: (typeof EXAMPLES)[number], env: Record<string, string> = {}): Promise<Ran> {
  const { language, code } = adapted(name);
  assert.equal(language, 'sh');
  const result = await run('bash', ['-euo', 'pipefail', '-c', code], folder, { TOKEN: token, PKI: pkiId, GRAPH_PKI_URL: server.url, ...env });
  assert.equal(result.code, 0, `README example ${name} failed:\n${code}\n${result.stderr}${result.stdout}`);
  return result;
}

const PKIS = '/beta/directory/publicKeyInfrastructure/certificateBasedAuthConfigurations';

async function graphGet<T>(pathAndQuery: string): Promise<T> {
  const response = await fetch(`${server.url}${pathAndQuery}`, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(response.status, 200, pathAndQuery);
  return (await response.json()) as T;
}

async function listCas(): Promise<Array<{ id: string; displayName: string }>> {
  return (await graphGet<{ value: Array<{ id: string; displayName: string }> }>(`${PKIS}/${pkiId}/certificateAuthorities`)).value;
}

/** Waits until no upload runs on the PKI (the upload example's job may still be trying its URL). */
async function uploadSettled(): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if ((await graphGet<{ status: string }>(`${PKIS}/${pkiId}`)).status !== 'running') return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.fail('the upload example\'s job still runs after 30 s');
}

describe('the README examples', () => {
  before(async () => {
    examples = await readmeExamples();
    folder = await mkdtemp(path.join(tmpdir(), 'graph-pki-readme-'));
    await mkdir(path.join(folder, 'bin'));
    await symlink(BIN, path.join(folder, 'bin', 'graph-pki'));
    // The files the examples name.
    const root = await createCa({ subject: 'CN=Contoso Root CA, O=Contoso' });
    const issuing = await createCa({ subject: 'CN=Contoso Issuing CA, O=Contoso', issuer: root });
    const other: TestCert = await createCa({ subject: 'CN=Contoso Other Root CA, O=Contoso' });
    const alice = await createLeaf({
      subject: 'CN=Alice, O=Contoso',
      issuer: issuing,
      extendedKeyUsage: [x509.ExtendedKeyUsage.clientAuth],
      subjectAltNames: [{ type: 'email', value: 'alice@contoso.test' }],
    });
    await Promise.all([
      writeFile(path.join(folder, 'root-ca.cer'), root.der),
      writeFile(path.join(folder, 'root.pem'), root.pem),
      writeFile(path.join(folder, 'issuing.pem'), issuing.pem),
      writeFile(path.join(folder, 'issuing.p7b'), p7bOf([issuing])),
      writeFile(path.join(folder, 'cba.p7b'), p7bOf([other])),
      writeFile(path.join(folder, 'alice.pem'), alice.pem),
      writeFile(path.join(folder, 'issuing.crl'), (await createCrl({ issuer: issuing })).der),
    ]);
    // As in the quick start: `bin/graph-pki serve` in this folder, data in ./data.
    server = await startServerIn(folder, path.join(folder, 'bin', 'graph-pki'), ['--allow-private-fetch']);
  });

  after(async () => {
    if (server && server.child.exitCode === null) {
      server.child.kill('SIGTERM');
      await server.exited;
    }
    await rm(folder, { recursive: true, force: true });
  });

  it('marks every example this test runs', () => {
    assert.deepEqual([...examples.keys()].filter((name) => (EXAMPLES as readonly string[]).includes(name)).sort(), [...EXAMPLES].sort());
  });

  it('create-pki: a token from bin/graph-pki token, and curl creates a PKI (201, the JSON shown)', async () => {
    const { code } = adapted('create-pki');
    // The example sets TOKEN; print it too, so the next examples can use the same one.
    const result = await run('bash', ['-euo', 'pipefail', '-c', `${code}\necho; echo "TOKEN=$TOKEN"`], folder, {});
    assert.equal(result.code, 0, result.stderr);
    const [json, tokenLine] = result.stdout.trim().split('\n');
    const created = JSON.parse(json ?? '') as { id: string; displayName: string; status: string; '@odata.type': string };
    assert.equal(created.displayName, 'Contoso PKI');
    assert.equal(created.status, 'succeeded');
    assert.equal(created['@odata.type'], '#microsoft.graph.certificateBasedAuthPki');
    token = tokenLine?.replace(/^TOKEN=/, '') ?? '';
    pkiId = created.id;
  });

  it('add-ca-curl: one CA from a DER file', async () => {
    const result = await runShell('add-ca-curl');
    assert.equal((JSON.parse(result.stdout) as { displayName: string }).displayName, 'Contoso Root CA');
  });

  it('add-ca-cli: bin/graph-pki ca add adds the issuing CA and skips the root as a duplicate', async () => {
    const result = await runShell('add-ca-cli');
    assert.match(result.stdout, /added/);
    assert.match(result.stdout, /skipped/);
    assert.deepEqual((await listCas()).map((ca) => ca.displayName).sort(), ['Contoso Issuing CA', 'Contoso Root CA']);
  });

  it('upload: the upload request is accepted (204, no output) with the hash bin/graph-pki hash prints', async () => {
    const result = await runShell('upload');
    assert.equal(result.stdout, '');
  });

  it('graph-sdk: the TypeScript snippet runs as written and creates a PKI through the SDK', async () => {
    const { language, code } = adapted('graph-sdk');
    assert.equal(language, 'ts');
    // Inside the checkout, so that its imports resolve from node_modules.
    const file = path.join(ROOT, 'test-output', `readme-graph-sdk-${process.pid}.ts`);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, code);
    try {
      const result = await run(process.execPath, ['--import', 'tsx', file], ROOT, { TOKEN: token });
      assert.equal(result.code, 0, `${code}\n${result.stderr}`);
      assert.match(result.stdout.trim(), /^[0-9a-f-]{36} succeeded$/);
    } finally {
      await rm(file, { force: true });
    }
  });

  it('verify-offline: bin/graph-pki verify trusts alice.pem with the root, the intermediate and the CRL', async () => {
    const result = await runShell('verify-offline');
    assert.match(result.stdout, /trusted/i);
  });

  it('cli-walkthrough: pki, ca, verify --url and upload of a local file, each exiting 0 as written', async () => {
    await uploadSettled();
    const issuing = (await listCas()).find((ca) => ca.displayName === 'Contoso Issuing CA');
    assert.ok(issuing, 'the issuing CA the add examples added');
    const result = await runShell('cli-walkthrough', { CA: issuing.id });
    assert.match(result.stdout, /created PKI Fabrikam PKI with id [0-9a-f-]{36}/);
    assert.match(result.stdout, /trusted/i, 'verify --url trusts alice.pem through the server');
    assert.match(result.stdout, /Upload succeeded: added 1 certificate authority/);
    assert.match(result.stdout, /removed CA /);
    assert.match(result.stdout, /deleted PKI /);
    const deleted = await graphGet<{ value: Array<{ id: string }> }>('/beta/directory/deletedItems/microsoft.graph.certificateBasedAuthPki');
    assert.ok(deleted.value.some((pki) => pki.id === pkiId), 'pki delete left the PKI in deleted items');
  });

  it('graph-client-https: Microsoft Graph client v3 creates a PKI over https, run with the command its first line gives', async () => {
    const { language, code } = adapted('graph-client-https');
    assert.equal(language, 'js');
    const command = /^\/\/ (.*)\n/.exec(code)?.[1];
    assert.ok(command && command.includes('node app.mjs'), `the example's first line says how to run it: ${code}`);
    const https = await startServerIn(folder, path.join(folder, 'bin', 'graph-pki'), ['--https']);
    const file = path.join(ROOT, 'test-output', `readme-graph-client-https-${process.pid}.mjs`);
    try {
      assert.match(https.url, /^https:\/\/127\.0\.0\.1:\d+$/);
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, code.replaceAll('https://127.0.0.1:8080', https.url));
      const result = await run('bash', ['-euo', 'pipefail', '-c', command.replace('app.mjs', file)], folder, {});
      assert.equal(result.code, 0, `${code}\n${result.stderr}`);
      assert.match(result.stdout.trim(), /^[0-9a-f-]{36} succeeded$/);
    } finally {
      await rm(file, { force: true });
      https.child.kill('SIGTERM');
      await https.exited;
    }
  });

  it('fault-injection: about every other list answers 429 with Retry-After 2, the first two creates 503; SIGTERM stops it', async () => {
    const { language, code } = adapted('fault-injection');
    assert.equal(language, 'sh');
    assert.ok(code.includes('bin/graph-pki serve '), code);
    const faulty = await startShellServerIn(folder, code.replace('bin/graph-pki serve ', 'bin/graph-pki serve --port 0 '));
    try {
      const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
      const lists: Array<{ status: number; retryAfter: string | null }> = [];
      for (let i = 0; i < 20; i++) {
        const response = await fetch(`${faulty.url}${PKIS}`, { headers });
        await response.arrayBuffer();
        lists.push({ status: response.status, retryAfter: response.headers.get('retry-after') });
      }
      const throttled = lists.filter((list) => list.status === 429);
      assert.ok(throttled.length > 0 && throttled.every((list) => list.retryAfter === '2'), JSON.stringify(lists));
      assert.ok(lists.some((list) => list.status === 200), JSON.stringify(lists));
      assert.ok(lists.every((list) => list.status === 200 || list.status === 429), JSON.stringify(lists));
      const creates: number[] = [];
      for (let i = 0; i < 3; i++) {
        const response = await fetch(`${faulty.url}${PKIS}`, { method: 'POST', headers, body: JSON.stringify({ displayName: `Faulty PKI ${i}` }) });
        await response.arrayBuffer();
        creates.push(response.status);
      }
      assert.deepEqual(creates, [503, 503, 201]);
    } finally {
      if (faulty.child.pid !== undefined) process.kill(-faulty.child.pid, 'SIGTERM');
    }
    assert.equal(await faulty.exited, 0, faulty.stderr());
  });

  it('snapshot-reset: export, reset, import and reset --all against the running server', async () => {
    const result = await runShell('snapshot-reset');
    assert.ok(result.stdout.length > 0);
    const snapshot = await readFile(path.join(folder, 'tenant.json'), 'utf8');
    assert.ok(snapshot.includes('Fabrikam PKI'), 'the export holds the PKIs made above');
  });
});
