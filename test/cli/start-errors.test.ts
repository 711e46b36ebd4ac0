// What a newcomer meets when a command cannot do its job, run as they would run it (bin/graph-pki in a
// folder of their own): a database URL that is no database we speak (usage error, exit 2, nothing
// created), a data folder that is a file or not writable, a port in use, a token minted with another
// folder's key, a server started with fault injection. Every message names the path, address or cause
// and the fix.
import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCliIn, startCliServer } from '../helpers/cli.ts';

let dir: string;

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'graph-pki-start-errors-'));
  // mkdtemp makes it 0700; the permission test runs a command as another user, who must reach its folder.
  await chmod(dir, 0o755);
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A new empty folder to run a command in. */
async function folder(name: string): Promise<string> {
  const created = path.join(dir, name);
  await mkdir(created, { recursive: true, mode: 0o755 });
  return created;
}

describe('--database that is no database graph-pki speaks', () => {
  for (const [command, value] of [
    ['serve', 'postgress://postgres@127.0.0.1/test'],
    ['serve', 'mysql://x'],
    ['migrate', 'postgres:test'],
    ['token', 'mysql://x'],
  ] as const) {
    it(`${command} --database ${value}: exit 2 saying what is accepted, nothing created`, async () => {
      const cwd = await folder(`url-${command}-${value.replace(/\W/g, '_')}`);
      const result = await runCliIn(cwd, [command, '--port', '0', '--database', value].filter((a) => command === 'serve' || (a !== '--port' && a !== '0')));
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, new RegExp(`'${value.split(':')[0]}:' is not a database graph-pki can use`));
      assert.match(result.stderr, /a SQLite file path, sqlite:<file>, :memory: .* or postgres:\/\//);
      assert.deepEqual(await readdir(cwd), [], 'no SQLite file or data folder is left behind');
    });
  }

  it('is refused from GRAPH_PKI_DATABASE as well', async () => {
    const cwd = await folder('url-env');
    const result = await runCliIn(cwd, ['serve', '--port', '0'], { env: { GRAPH_PKI_DATABASE: 'postgress://x/y' } });
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /'postgress:' is not a database/);
  });
});

describe('a data folder that cannot be used', () => {
  it('--data naming a file: the file is named, not a raw EEXIST from mkdir', async () => {
    const cwd = await folder('data-is-file');
    await writeFile(path.join(cwd, 'notes.txt'), 'not a folder\n');
    for (const command of [['serve', '--port', '0'], ['token'], ['migrate']]) {
      const result = await runCliIn(cwd, [...command, '--data', 'notes.txt']);
      assert.equal(result.code, 1, `${command[0]}: ${result.stderr}`);
      assert.match(result.stderr, new RegExp(`${path.join(cwd, 'notes.txt').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} is a file, not a folder`));
      assert.match(result.stderr, /give --data a folder/);
      assert.doesNotMatch(result.stderr, /EEXIST/);
    }
  });

  it('the database path is a folder: named, instead of "unable to open database file"', async () => {
    const cwd = await folder('db-is-folder');
    await mkdir(path.join(cwd, 'data', 'graph-pki.db'), { recursive: true });
    const result = await runCliIn(cwd, ['serve', '--port', '0']);
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /cannot open the SQLite database .*data\/graph-pki\.db: .*data\/graph-pki\.db is a folder, not a file/);
  });

  it('a data folder this user may not write: the folder and "permission denied" are named', async () => {
    const cwd = await folder('read-only');
    const data = path.join(cwd, 'data');
    await mkdir(data);
    await chmod(data, 0o555);
    // Root may write anywhere, so as root the command runs as nobody, for whom the folder is read-only.
    const asRoot = process.getuid?.() === 0;
    const result = await runCliIn(cwd, ['serve', '--port', '0'], asRoot ? { uid: 65534, gid: 65534 } : {});
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, new RegExp(`cannot open the SQLite database ${data}/graph-pki\\.db: this user may not write to the folder ${data}`));
    assert.match(result.stderr, /permission denied/);
  });
});

describe('a port in use', () => {
  let blocker: Server | undefined;
  after(() => new Promise<void>((done) => (blocker ? blocker.close(() => done()) : done())));

  it('names the address and suggests --port 0 or another port', async () => {
    blocker = createServer();
    const listening = blocker;
    await new Promise<void>((done) => listening.listen(0, '127.0.0.1', done));
    const port = (listening.address() as { port: number }).port;
    const cwd = await folder('port-in-use');
    const result = await runCliIn(cwd, ['serve', '--port', String(port), '--database', ':memory:']);
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port}: .*already in use.*another --port.*--port 0.*\\(EADDRINUSE\\)`));
  });
});

describe('graph-pki token says which key signed the token', () => {
  it('creating a key in a new folder says so, with the file and the consequence; later runs name the file', async () => {
    const cwd = await folder('token-elsewhere');
    const keyFile = path.join(cwd, 'data', 'token-signing-key.json');
    const first = await runCliIn(cwd, ['token']);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout.trim(), /^[\w-]+\.[\w-]+\.[\w-]+$/, 'standard output is the token alone');
    assert.ok(first.stderr.includes(`created a new token-signing key ${keyFile}`), first.stderr);
    assert.match(first.stderr, /every other answers 401/);
    const second = await runCliIn(cwd, ['token']);
    assert.ok(second.stderr.includes(`signed with the key ${keyFile}`), second.stderr);
    assert.doesNotMatch(second.stderr, /created/);
  });
});

describe('fault injection', () => {
  it('is announced at start as a warning in the log (standard error), with each rule and the seed', async () => {
    const cwd = await folder('faults');
    const server = await startCliServer(['--data', path.join(cwd, 'data'), '--fault', 'status=503,rate=0.5,methods=GET', '--fault-seed', '7']);
    try {
      // Logged before the listening line, but the two pipes are read independently.
      for (let waited = 0; !server.stderr().includes('FAULT INJECTION') && waited < 3000; waited += 50) await new Promise((r) => setTimeout(r, 50));
      const notice = server.stderr().split('\n').filter((line) => line.includes('FAULT INJECTION IS ON')).map((line) => JSON.parse(line));
      assert.equal(notice.length, 1, server.stderr());
      assert.equal(notice[0].level, 40, 'a warning, shown even with --log-level warn');
      assert.deepEqual(notice[0].faultRules, ['status=503,rate=0.5,path=/*/directory/**|/*/policies/**,methods=GET+HEAD']);
      assert.equal(notice[0].faultSeed, 7);
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
    }
  });

  it('says nothing of faults when there are none', async () => {
    const cwd = await folder('no-faults');
    const server = await startCliServer(['--data', path.join(cwd, 'data')]);
    try {
      assert.doesNotMatch(server.stderr(), /FAULT/);
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
    }
  });
});
