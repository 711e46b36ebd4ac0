// npm test: no database back-end (the installed server runs on its own SQLite file)
// graph-pki as an installed tool: `npm pack` in a copy of the sources (no dist/: its prepack builds it)
// gives a tarball of bin/, dist/ and the README only; `npm install -g` of that tarball into a temporary
// prefix installs the two runtime dependencies (everything else is bundled into dist/cli.js and its chunks); and the
// installed `graph-pki`, run from an unrelated folder, serves the API and the admin page with its data in
// that folder, and mints a token the server accepts.
//
// better-sqlite3 compiles SQLite from source when installed here (its prebuilt binaries come from a host
// this machine cannot reach): minutes on two busy cores. So by default the install skips install scripts
// and takes the addon the project's own `npm ci` built (same version, checked); everything else is the real
// install. GRAPH_PKI_TEST_PACKAGE_NATIVE_BUILD=1 runs the whole install, native build included: .ci/run
// does that as its own step after `npm test`.
import assert from 'node:assert/strict';
import { copyFile, cp, mkdir, mkdtemp, readFile, readdir, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startServerIn } from '../helpers/cli.ts';
import { type CommandResult, runCommand } from '../helpers/run-command.ts';
import { send } from '../helpers/test-server.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const NATIVE_BUILD = process.env.GRAPH_PKI_TEST_PACKAGE_NATIVE_BUILD === '1';
/** What `npm pack` needs of the sources to build dist/. */
const SOURCES = ['package.json', 'package-lock.json', 'README.md', 'bin', 'src', 'web', 'scripts', 'tsconfig.json'];

function run(command: string, args: readonly string[], cwd: string, timeoutMs: number): Promise<CommandResult> {
  return runCommand(command, args, { cwd, env: { npm_config_update_notifier: 'false' }, timeoutMs });
}

async function versionOf(packageDir: string): Promise<string> {
  return (JSON.parse(await readFile(path.join(packageDir, 'package.json'), 'utf8')) as { version: string }).version;
}

let work: string;
let tarball: string;
let prefix: string;

describe('the npm package', () => {
  before(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'graph-pki-package-'));
  });

  after(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('npm pack builds dist/ itself and packs bin/, dist/ (without source maps) and the README only', async () => {
    const copy = path.join(work, 'source');
    await mkdir(copy);
    await Promise.all(SOURCES.map((entry) => cp(path.join(ROOT, entry), path.join(copy, entry), { recursive: true })));
    await symlink(path.join(ROOT, 'node_modules'), path.join(copy, 'node_modules'), 'dir');
    const packed = await run('npm', ['pack', '--json', '--pack-destination', work], copy, 120_000);
    assert.equal(packed.code, 0, packed.stderr);
    const [report] = JSON.parse(packed.stdout) as [{ filename: string; files: { path: string }[] }];
    tarball = path.join(work, report.filename);
    const files = report.files.map((f) => f.path).sort();
    assert.ok(files.includes('dist/cli.js'), `dist/cli.js is packed: ${files.join(', ')}`);
    assert.ok(files.some((f) => /^dist\/chunks\/server-[\w-]+\.js$/.test(f)), `the server's chunk, which serve loads on demand, is packed: ${files.join(', ')}`);
    assert.ok(files.includes('dist/web/index.html'), 'the admin page is packed');
    assert.deepEqual(
      files.filter((f) => !/^(bin\/graph-pki|dist\/cli\.js|dist\/chunks\/[\w-]+\.js|dist\/web\/[^/]+|README\.md|package\.json)$/.test(f)),
      [],
      'nothing else (no sources, tests or source maps)',
    );
  });

  it(`npm install -g of the tarball into a fresh prefix${NATIVE_BUILD ? ', native build included,' : ''} installs the command`, async () => {
    assert.ok(tarball, 'packed by the previous test');
    prefix = path.join(work, 'prefix');
    const args = ['install', '-g', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', ...(NATIVE_BUILD ? [] : ['--ignore-scripts']), tarball];
    const installed = await run('npm', args, work, NATIVE_BUILD ? 900_000 : 240_000);
    assert.equal(installed.code, 0, installed.stderr);
    const packageDir = path.join(prefix, 'lib', 'node_modules', 'graph-pki');
    const dependencies = (await readdir(path.join(packageDir, 'node_modules'))).filter((name) => !name.startsWith('.'));
    assert.ok(dependencies.includes('better-sqlite3') && dependencies.includes('pino-pretty'), dependencies.join(', '));
    assert.ok(!dependencies.includes('fastify'), 'bundled dependencies are not installed again');
    if (!NATIVE_BUILD) {
      // The addon the project's own install built, for the same better-sqlite3 version.
      const ours = path.join(ROOT, 'node_modules', 'better-sqlite3');
      const theirs = path.join(packageDir, 'node_modules', 'better-sqlite3');
      assert.equal(await versionOf(theirs), await versionOf(ours), 'the package and the project use the same better-sqlite3');
      await mkdir(path.join(theirs, 'build', 'Release'), { recursive: true });
      await copyFile(path.join(ours, 'build', 'Release', 'better_sqlite3.node'), path.join(theirs, 'build', 'Release', 'better_sqlite3.node'));
    }
  });

  it('the installed graph-pki serves from any folder, keeps its data there, and accepts its own token', async () => {
    assert.ok(prefix, 'installed by the previous test');
    const command = path.join(prefix, 'bin', 'graph-pki');
    const elsewhere = path.join(work, 'elsewhere');
    await mkdir(elsewhere);
    const server = await startServerIn(elsewhere, command);
    try {
      const url = server.url;
      assert.match(server.stdout(), new RegExp(`SQLite file ${path.join(elsewhere, 'data', 'graph-pki.db').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}`));
      assert.equal((await send(url, 'GET', '/healthz', undefined)).status, 200);
      const page = await send(url, 'GET', '/', undefined);
      assert.equal(page.status, 200, 'the admin page is served from the packed dist/web');
      const minted = await run(command, ['token'], elsewhere, 30_000);
      assert.equal(minted.code, 0, minted.stderr);
      const listed = await send(url, 'GET', '/beta/directory/publicKeyInfrastructure/certificateBasedAuthConfigurations', minted.stdout.trim());
      assert.equal(listed.status, 200, listed.text);
      assert.deepEqual(listed.body.value, []);
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
    }
  });
});
