// Runs every test/**/*.test.ts file with node's test runner: all of them on SQLite, and the files that use a
// database back-end once more on PostgreSQL (GRAPH_PKI_TEST_BACKEND=postgres); files that never touch a
// database (certificate parsing, path validation, conformance vectors, …) would only repeat themselves
// there. Which do is found from their imports, or said by the file itself with the line
// `// npm test: no database back-end`. node prints a process's TAP output when the process ends.
// Extra arguments are passed through, e.g. `npm test -- --test-name-pattern=upload`, or name test files to
// run only those. GRAPH_PKI_TEST_BACKENDS=sqlite runs one back-end only.
//
// Files run in groups, each group in one process (test/helpers/test-group.mjs writes them): loading the
// server's module graph through tsx costs a process about 3 s of CPU, which once per file was a third of
// the whole run. Inside a group every file is its own top-level suite named `<back-end> <file>`, so its
// top-level hooks stay its own and a failure names its file; the groups of both back-ends share one
// `node --test` (GRAPH_PKI_TEST_CONCURRENCY processes at once, default 2), so neither back-end waits for
// the other to finish.
//
// What a fresh clone may lack (PostgreSQL, ../shared conformance data, a Chromium) is skipped, not
// failed, and the closing summary lists every part that did not run and how to run it
// (test/helpers/test-inputs.ts). GRAPH_PKI_TEST_REQUIRE_ALL=1 (.ci/run sets it) makes every part mandatory.
//
// PostgreSQL schemas of this run carry its id (GRAPH_PKI_TEST_RUN_ID, test/helpers/backend.ts); only those
// are dropped at the end, so runs sharing one PostgreSQL server leave each other alone.
//
// The last line is `N passed, N failed, N skipped`, alone on its line (CI reads it).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const POSTGRES_URL = process.env.GRAPH_PKI_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const EVERY_PART_REQUIRED = process.env.GRAPH_PKI_TEST_REQUIRE_ALL === '1';
const RUN_ID = randomBytes(4).toString('hex');
const SKIP_LOG = path.join(tmpdir(), `graph-pki-test-skips-${RUN_ID}.jsonl`);
const TIMINGS_REPORTER = new URL('./file-timings-reporter.mjs', import.meta.url).href;
const GROUP_RUNNER = new URL('../test/helpers/test-group.mjs', import.meta.url).href;
/** Test processes at once (GRAPH_PKI_TEST_CONCURRENCY; default 2, one per core of the reference machine). */
const CONCURRENCY = Number(process.env.GRAPH_PKI_TEST_CONCURRENCY ?? 2);
/** Processes per back-end: few enough to load the server rarely, enough to keep every core busy to the end. */
const GROUPS_PER_BACKEND = Number(process.env.GRAPH_PKI_TEST_GROUPS ?? 5);
/** How many of the slowest files the summary names. */
const SLOWEST_SHOWN = 10;
const GROUP_DIR = path.join(tmpdir(), `graph-pki-test-groups-${RUN_ID}`);

function testFiles(dir) {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) return testFiles(full);
      return entry.name.endsWith('.test.ts') ? [full] : [];
    })
    .sort();
}

/** A line in a test file that keeps it out of the PostgreSQL pass (it never opens a database). */
const RUNS_ONCE_MARKER = '// npm test: no database back-end';

/** Relative imports of a test source file (static and dynamic), resolved to paths. */
function relativeImports(file) {
  const source = readFileSync(file, 'utf8');
  const specifiers = [...source.matchAll(/(?:from|import\()\s*['"](\.{1,2}\/[^'"]+)['"]/g)].map((m) => m[1]);
  return specifiers.map((specifier) => path.normalize(path.join(path.dirname(file), specifier)));
}

/**
 * Whether a test file runs against a database back-end: it reaches, through the test files and helpers
 * it imports, the back-end helper (test servers and CLI runs take their database from it), the server
 * or the store.
 */
function usesBackend(file, seen = new Set()) {
  if (seen.has(file)) return false;
  seen.add(file);
  // A test file may say so itself, when it imports a helper that could reach a database but does not use it that way.
  if (seen.size === 1 && readFileSync(file, 'utf8').includes(RUNS_ONCE_MARKER)) return false;
  for (const target of relativeImports(file)) {
    const normalized = target.split(path.sep).join('/');
    if (/(^|\/)(test\/helpers\/backend\.ts|src\/server\.ts|src\/store\/)/.test(normalized)) return true;
    if (normalized.startsWith('test/') && existsSync(target) && usesBackend(target, seen)) return true;
  }
  return false;
}

async function postgresProblem() {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.end();
    return undefined;
  } catch (error) {
    return error.message;
  }
}

/** Drops this run's schemas (gp_<kind>_<run id>_*), and no one else's. */
async function dropRunSchemas() {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  try {
    const { rows } = await client.query('select nspname from pg_namespace where nspname ~ $1', [`^gp_[a-z]+_${RUN_ID}_`]);
    for (const { nspname } of rows) await client.query(`drop schema if exists "${nspname}" cascade`);
  } finally {
    await client.end();
  }
}

/**
 * Splits `files` into `count` groups of about equal weight (file size stands for running time: largest
 * first, each into the lightest group so far).
 */
function balancedGroups(files, count) {
  const groups = Array.from({ length: Math.min(count, files.length) }, () => ({ weight: 0, files: [] }));
  const bySize = files.map((file) => ({ file, size: statSync(file).size })).sort((a, b) => b.size - a.size);
  for (const { file, size } of bySize) {
    const lightest = groups.reduce((a, b) => (b.weight < a.weight ? b : a));
    lightest.files.push(file);
    lightest.weight += size;
  }
  return groups.filter((group) => group.files.length > 0);
}

/** Writes the entry file of one group: it sets the back-end, then runs each test file as one suite. */
function writeGroupFile(backend, index, files) {
  const file = path.join(GROUP_DIR, `${backend}-${index + 1}.test.mjs`);
  const entries = files.map((f) => ({ name: `${backend} ${path.relative(process.cwd(), f).split(path.sep).join('/')}`, url: pathToFileURL(path.resolve(f)).href }));
  writeFileSync(file, `// Written by scripts/run-tests.mjs for run ${RUN_ID}; removed at its end.\nimport { runTestFilesAsSuites } from ${JSON.stringify(GROUP_RUNNER)};\nawait runTestFilesAsSuites(${JSON.stringify(backend)}, ${JSON.stringify(entries)});\n`);
  return file;
}

/** Runs node --test on the group files, streaming its output, and resolves with its counts and exit status. */
function runGroups(groupFiles, args, timingsFile) {
  return new Promise((resolve) => {
    const reporters = ['--test-reporter=tap', '--test-reporter-destination=stdout', `--test-reporter=${TIMINGS_REPORTER}`, `--test-reporter-destination=${timingsFile}`];
    const child = spawn(process.execPath, ['--import', 'tsx', '--test', `--test-concurrency=${CONCURRENCY}`, ...reporters, ...args, ...groupFiles], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: {
        ...process.env,
        GRAPH_PKI_TEST_KEEP_SCHEMAS: '1',
        GRAPH_PKI_TEST_RUN_ID: RUN_ID,
        GRAPH_PKI_TEST_SKIP_LOG: SKIP_LOG,
      },
    });
    // Only the tail is kept: the counts are the last lines of node's TAP output.
    let tail = '';
    child.stdout.on('data', (chunk) => {
      process.stdout.write(chunk);
      tail = (tail + chunk.toString()).slice(-4096);
    });
    child.on('close', (code, signal) => {
      const count = (name) => Number(new RegExp(`^# ${name} (\\d+)$`, 'm').exec(tail)?.[1] ?? 0);
      resolve({
        passed: count('pass'),
        failed: count('fail') + count('cancelled'),
        skipped: count('skipped') + count('todo'),
        status: code ?? (signal ? 1 : 0),
      });
    });
  });
}

/** The run's slowest files as summary lines (and the timings file removed). */
function slowestFiles(timingsFile) {
  if (!existsSync(timingsFile)) return [];
  const rows = readFileSync(timingsFile, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line))
    .sort((a, b) => b.ms - a.ms)
    .slice(0, SLOWEST_SHOWN);
  rmSync(timingsFile, { force: true });
  return rows.map(({ name, ms }) => `#   ${(ms / 1000).toFixed(1).padStart(6)} s  ${name}`);
}

function minutes(ms) {
  const seconds = Math.round(ms / 1000);
  return `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s`;
}

const given = process.argv.slice(2);
const namedFiles = given.filter((a) => a.endsWith('.test.ts'));
const args = given.filter((a) => !a.endsWith('.test.ts'));
const files = namedFiles.length > 0 ? namedFiles : testFiles('test');
const backendFiles = files.filter((file) => usesBackend(file));
const backends = (process.env.GRAPH_PKI_TEST_BACKENDS ?? 'sqlite,postgres').split(',').filter(Boolean);

const totals = { passed: 0, failed: 0, skipped: 0 };
/** Parts of the suite that did not run: { part, why, howToRun }. */
const notRun = [];
let status = 0;

// Ctrl-C reaches the test processes too; wait for them, then still drop this run's schemas and sum up.
process.on('SIGINT', () => {
  status = 130;
});

const groupFiles = [];
const passes = [];
for (const backend of backends) {
  const passFiles = backend === 'sqlite' ? files : backendFiles;
  if (passFiles.length === 0) continue;
  if (backend === 'postgres') {
    const problem = await postgresProblem();
    if (problem) {
      const why = `PostgreSQL is not reachable at ${POSTGRES_URL} (${problem})`;
      const howToRun =
        'start PostgreSQL with trust authentication for 127.0.0.1 and a database `test` (e.g. `pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start`), or point GRAPH_PKI_TEST_POSTGRES_URL at one';
      if (EVERY_PART_REQUIRED) {
        process.stdout.write(`\nnot ok - PostgreSQL pass: ${why}; GRAPH_PKI_TEST_REQUIRE_ALL=1 makes it mandatory: ${howToRun}\n`);
        totals.failed += 1;
        status = 1;
      } else {
        notRun.push({ part: `the PostgreSQL pass (${passFiles.length} test files)`, why, howToRun });
      }
      continue;
    }
  }
  mkdirSync(GROUP_DIR, { recursive: true });
  const groups = balancedGroups(passFiles, GROUPS_PER_BACKEND);
  groups.forEach((group, index) => groupFiles.push(writeGroupFile(backend, index, group.files)));
  passes.push(`${backend}: ${passFiles.length} files in ${groups.length} processes`);
}
if (!backends.includes('postgres') && backendFiles.length > 0) {
  notRun.push({
    part: `the PostgreSQL pass (${backendFiles.length} test files)`,
    why: `GRAPH_PKI_TEST_BACKENDS=${backends.join(',')} leaves it out`,
    howToRun: 'run `npm test` without GRAPH_PKI_TEST_BACKENDS',
  });
}

let elapsed = 'nothing ran';
const slowest = [];
if (groupFiles.length > 0) {
  process.stdout.write(`\n# ==== test run ${RUN_ID}: ${passes.join('; ')}; ${CONCURRENCY} at once ====\n`);
  const started = Date.now();
  const timingsFile = path.join(tmpdir(), `graph-pki-test-timings-${RUN_ID}.jsonl`);
  const result = await runGroups(groupFiles, args, timingsFile);
  elapsed = minutes(Date.now() - started);
  slowest.push(...slowestFiles(timingsFile));
  totals.passed += result.passed;
  totals.failed += result.failed;
  totals.skipped += result.skipped;
  if (result.status !== 0 && status === 0) status = result.status;
  if (backends.includes('postgres') && passes.some((pass) => pass.startsWith('postgres'))) await dropRunSchemas();
  rmSync(GROUP_DIR, { recursive: true, force: true });
}

// Suites skipped for a missing input (test/helpers/test-inputs.ts), once each even when both passes skipped them.
if (existsSync(SKIP_LOG)) {
  const seen = new Set();
  for (const line of readFileSync(SKIP_LOG, 'utf8').split('\n').filter(Boolean)) {
    const { suite, what, howToRun } = JSON.parse(line);
    if (seen.has(suite)) continue;
    seen.add(suite);
    notRun.push({ part: suite, why: `${what} is missing`, howToRun });
  }
  rmSync(SKIP_LOG, { force: true });
}

process.stdout.write(`\n# ==== summary (run ${RUN_ID}): ${elapsed} ====\n`);
if (slowest.length > 0) process.stdout.write(`# slowest test files:\n${slowest.join('\n')}\n`);
if (notRun.length > 0) {
  const bar = '#'.repeat(100);
  const lines = [
    bar,
    `# NOT RUN: ${notRun.length} part${notRun.length === 1 ? '' : 's'} of the test suite did not run, so this run checked less than CI does:`,
    ...notRun.flatMap(({ part, why, howToRun }) => [`#   - ${part}: ${why}.`, `#     To run it: ${howToRun}.`]),
    '# (GRAPH_PKI_TEST_REQUIRE_ALL=1, as .ci/run sets, turns each of these into a failure.)',
    bar,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}
process.stdout.write(`\n${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped\n`);
process.exit(status);
