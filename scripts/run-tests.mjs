// Runs every test/**/*.test.ts file with node's test runner (Node 20's --test does not expand globs),
// once per database back-end: SQLite, then PostgreSQL (GRAPH_PKI_TEST_BACKEND). Extra arguments are
// passed through, e.g. `npm test -- --test-name-pattern=upload`. GRAPH_PKI_TEST_BACKENDS=sqlite runs
// one back-end only (for a quick local run). Prints one closing line over both runs.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';

function testFiles(dir) {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) return testFiles(full);
      return entry.name.endsWith('.test.ts') ? [full] : [];
    })
    .sort();
}

const args = process.argv.slice(2);
const files = args.some((a) => a.endsWith('.test.ts')) ? [] : testFiles('test');
const backends = (process.env.GRAPH_PKI_TEST_BACKENDS ?? 'sqlite,postgres').split(',').filter(Boolean);
const totals = { passed: 0, failed: 0, skipped: 0 };
let status = 0;

if (backends.includes('postgres')) {
  const url = process.env.GRAPH_PKI_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.end();
  } catch (error) {
    process.stderr.write(
      `PostgreSQL is not reachable at ${url} (${error.message}).\n` +
        'Start it (e.g. pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start), set ' +
        'GRAPH_PKI_TEST_POSTGRES_URL, or run the SQLite pass alone: GRAPH_PKI_TEST_BACKENDS=sqlite npm test\n',
    );
    process.exit(1);
  }
}

/** Drops the schemas test servers made (gp_test_*, gp_dir_*, gp_scale_*), after the run and of earlier runs. */
async function dropTestSchemas() {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: process.env.GRAPH_PKI_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test' });
  await client.connect();
  try {
    const { rows } = await client.query(
      "select nspname from pg_namespace where nspname like 'gp\\_test\\_%' or nspname like 'gp\\_dir\\_%' or nspname like 'gp\\_scale\\_%'",
    );
    for (const { nspname } of rows) await client.query(`drop schema if exists "${nspname}" cascade`);
  } finally {
    await client.end();
  }
}

for (const backend of backends) {
  process.stdout.write(`\n# ==== test run on ${backend} ====\n`);
  if (backend === 'postgres') await dropTestSchemas();
  const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', ...args, ...files], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, GRAPH_PKI_TEST_BACKEND: backend, GRAPH_PKI_TEST_KEEP_SCHEMAS: '1' },
    maxBuffer: 512 * 1024 * 1024,
  });
  const output = result.stdout.toString();
  process.stdout.write(output);
  const count = (name) => Number(new RegExp(`^# ${name} (\\d+)$`, 'm').exec(output)?.[1] ?? 0);
  totals.passed += count('pass');
  totals.failed += count('fail') + count('cancelled');
  totals.skipped += count('skipped') + count('todo');
  if (result.status !== 0) status = result.status ?? 1;
  if (backend === 'postgres') await dropTestSchemas();
}

process.stdout.write(`\n${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped\n`);
process.exit(status);
