// Shared helpers of the issue benchmarks (bench/ingest.ts, list.ts, scale.ts, verify.ts). bench/run.ts
// exports nothing (importing it runs it), so the process, CPU and noise helpers below are copied from
// it and kept compatible: same /proc arithmetic, same "disturbed" threshold, same table layout.
//
// Every script registers what it starts here (child processes, temporary folders, PostgreSQL schemas,
// in-process servers) and ends through exitWith(), which tears all of it down on every exit path:
// normal end, failure, watchdog, SIGINT/SIGTERM/SIGHUP.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import vm from 'node:vm';
import autocannon from 'autocannon';
import pg from 'pg';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const GRAPH_PKI_BIN = path.join(ROOT, 'bin', 'graph-pki');
export const COLLECTION = '/beta/directory/publicKeyInfrastructure/certificateBasedAuthConfigurations';
export const POSTGRES_ADMIN_URL = process.env.GRAPH_PKI_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const STARTUP_TIMEOUT_MS = 20_000;

/** Other processes using more than this many cores make a run "disturbed" (as in bench/run.ts). */
export const DISTURBED_CORES = 0.15;

// ---- cleanup ----

const children: ChildProcess[] = [];
const tempDirs: string[] = [];
const schemas: string[] = [];
const closers: Array<() => Promise<unknown>> = [];
const runningLoads = new Set<autocannon.Instance>();
let cleaningUp: Promise<void> | undefined;

export function registerTempDir(dir: string): string {
  tempDirs.push(dir);
  return dir;
}

/** Something to close on exit (an in-process server, a database handle); run before processes are stopped. */
export function registerCloser(close: () => Promise<unknown>): void {
  closers.push(close);
}

export function cleanup(): Promise<void> {
  cleaningUp ??= (async () => {
    for (const load of runningLoads) load.stop();
    for (const close of closers.reverse()) {
      await close().catch((error: unknown) => process.stderr.write(`bench: closing failed: ${String(error)}\n`));
    }
    await Promise.all(children.map((child) => stopChild(child)));
    for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
    if (schemas.length > 0) {
      await dropSchemas([...schemas]).catch((error: unknown) => process.stderr.write(`bench: dropping schemas ${schemas.join(', ')} failed: ${String(error)}\n`));
    }
  })();
  return cleaningUp;
}

export function stopChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill(signal);
  });
}

export async function exitWith(code: number): Promise<never> {
  try {
    await cleanup();
  } catch (error) {
    process.stderr.write(`bench: cleanup failed: ${String(error)}\n`);
  } finally {
    process.exit(code);
  }
}

// Last resort if the process ends some other way: synchronous kill and removal (schemas need async I/O
// and are dropped by cleanup(); a schema left by a SIGKILLed bench is named gp_bench_* for manual removal).
process.on('exit', () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    process.stderr.write(`\nbench: ${signal}, cleaning up\n`);
    void exitWith(130);
  });
}

/** Ends the process (exit 3, after cleanup) if it has not finished within `budgetS`. */
export function startWatchdog(name: string, budgetS: number): void {
  setTimeout(() => {
    process.stderr.write(`${name}: did not finish within ${budgetS.toFixed(0)} s, aborting\n`);
    void exitWith(3);
  }, budgetS * 1000).unref();
}

/** Runs main() and exits with its code (0 valid run, 1 invalid or failed), cleaning up first. */
export function runMain(name: string, main: () => Promise<number>): void {
  main().then(
    (code) => exitWith(code),
    (error: unknown) => {
      const detail = error instanceof UsageError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error);
      process.stderr.write(`${name} failed: ${detail}\n`);
      return exitWith(1);
    },
  );
}

export class UsageError extends Error {}

// ---- options ----

/** Parses `--name value` numeric flags and `--flag` booleans; `--help` prints usage and exits. */
export function parseFlags<T extends Record<string, number | boolean>>(argv: readonly string[], defaults: T, usage: string): T {
  const options: Record<string, number | boolean> = { ...defaults };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i] ?? '';
    if (flag === '--help' || flag === '-h') {
      process.stdout.write(`${usage}\n`);
      process.exit(0);
    }
    const key = flag.replace(/^--/, '').replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
    if (!flag.startsWith('--') || !(key in defaults)) throw new UsageError(`unknown argument ${flag} (see --help)`);
    if (typeof defaults[key] === 'boolean') {
      options[key] = true;
      continue;
    }
    const raw = argv[++i];
    const n = Number(raw);
    if (raw === undefined || !Number.isFinite(n) || n < 0) throw new UsageError(`${flag} needs a number ≥ 0`);
    options[key] = n;
  }
  return options as T;
}

// ---- child processes ----

export interface Started {
  readonly child: ChildProcess;
  readonly url: string;
  readonly pid: number;
}

/** Spawns `node args…` and resolves with its URL once `pattern` (capturing the port) shows on its stdout. */
export function startChild(name: string, args: string[], pattern: RegExp, env: NodeJS.ProcessEnv = process.env): Promise<Started> {
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'], env });
  children.push(child);
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  return new Promise((resolve, reject) => {
    let stdout = '';
    const timer = setTimeout(() => fail(new Error(`${name} did not start within ${STARTUP_TIMEOUT_MS} ms`)), STARTUP_TIMEOUT_MS);
    const fail = (error: Error) => {
      clearTimeout(timer);
      reject(new Error(`${error.message}\n${name} stderr:\n${stderr}`));
    };
    const exitedEarly = (code: number | null, signal: string | null) => fail(new Error(`${name} exited early (code ${code}, signal ${signal})`));
    child.once('error', fail);
    child.once('exit', exitedEarly);
    const onStdout = (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = pattern.exec(stdout);
      if (!match?.[1]) return;
      clearTimeout(timer);
      child.removeListener('exit', exitedEarly);
      child.stdout?.removeListener('data', onStdout);
      child.stdout?.resume(); // keep draining what the server prints later
      resolve({ child, url: `http://127.0.0.1:${match[1]}`, pid: child.pid ?? -1 });
    };
    child.stdout?.on('data', onStdout);
  });
}

/** `bin/graph-pki serve --port 0 --log-level silent …extra` on `dataDir` (and `database` when given). */
export function startServe(name: string, dataDir: string, database: string | undefined, extra: string[] = []): Promise<Started> {
  const args = [GRAPH_PKI_BIN, 'serve', '--data', dataDir, '--port', '0', '--log-level', 'silent', '--throttle', 'off', ...(database ? ['--database', database] : []), ...extra];
  return startChild(name, args, /listening on http:\/\/127\.0\.0\.1:(\d+)/);
}

/** A token of the default tenant with PublicKeyInfrastructure.ReadWrite.All, minted by `bin/graph-pki token`. */
export function mintToken(dataDir: string, database?: string): string {
  const args = [GRAPH_PKI_BIN, 'token', '--data', dataDir, ...(database ? ['--database', database] : [])];
  return execFileSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8', timeout: 20_000 }).trim();
}

// ---- PostgreSQL schemas ----

/** Whether PostgreSQL answers at POSTGRES_ADMIN_URL (within 3 s). */
export async function postgresAvailable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL, connectionTimeoutMillis: 3_000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * A fresh schema gp_bench_<prefix>_<random> (dropped at exit) and the database URL whose connections
 * use it, as test/helpers/backend.ts builds them. Not imported from there: that module registers a
 * node:test `after` hook, which would turn a bench script into a test run.
 */
export async function freshPostgresSchema(prefix: string): Promise<string> {
  const schema = `gp_bench_${prefix}_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
  await client.connect();
  try {
    await client.query(`create schema ${schema}`);
  } finally {
    await client.end();
  }
  schemas.push(schema);
  const url = new URL(POSTGRES_ADMIN_URL);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return url.toString();
}

async function dropSchemas(names: string[]): Promise<void> {
  const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    for (const schema of names) {
      await client.query(`drop schema if exists ${schema} cascade`);
      schemas.splice(schemas.indexOf(schema), 1);
    }
  } finally {
    await client.end();
  }
}

// ---- CPU accounting (/proc) ----

export const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

function statFields(pid: number | string): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return [stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')), ...stat.slice(stat.lastIndexOf(')') + 2).split(' ')];
  } catch {
    return undefined;
  }
}

/** utime + stime of a process (all its threads), in microseconds; undefined where /proc is unavailable. */
export function cpuMicros(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  const fields = statFields(pid);
  if (!fields) return undefined;
  // fields[0] is comm; then state is field 3 → index 1, utime field 14 → index 12, stime → index 13.
  const ticks = Number(fields[12]) + Number(fields[13]);
  return Number.isFinite(ticks) ? (ticks * 1e6) / CLOCK_TICKS : undefined;
}

/** CPU (µs) of every process whose command name is `comm`, by pid. */
export function cpuByComm(comm: string): Map<number, number> {
  const result = new Map<number, number>();
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return result;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const fields = statFields(entry);
    if (!fields || fields[0] !== comm) continue;
    const ticks = Number(fields[12]) + Number(fields[13]);
    if (Number.isFinite(ticks)) result.set(Number(entry), (ticks * 1e6) / CLOCK_TICKS);
  }
  return result;
}

/** CPU used between two cpuByComm snapshots: pids in both count their difference, new pids in full. */
export function cpuDelta(before: Map<number, number>, after: Map<number, number>): number {
  let sum = 0;
  for (const [pid, us] of after) sum += us - (before.get(pid) ?? 0);
  return sum;
}

/** Machine-wide busy and steal time from /proc/stat, in microseconds. */
export function machineMicros(): { busy: number; steal: number } | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
    const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
    const toUs = (ticks: number) => (ticks * 1e6) / CLOCK_TICKS;
    return { busy: toUs(user! + nice! + system! + irq! + softirq!), steal: toUs(steal ?? 0) };
  } catch {
    return undefined;
  }
}

/** CPU cores busy machine-wide over `ms`. */
export async function machineBusyCores(ms: number): Promise<number | undefined> {
  const before = machineMicros();
  await sleep(ms);
  const after = machineMicros();
  return before && after ? (after.busy - before.busy) / (ms * 1000) : undefined;
}

/** Waits (at most `maxWaitS`) until other processes leave the cores alone; returns the busy cores seen last. */
export async function waitForQuiet(maxWaitS: number): Promise<number | undefined> {
  if (maxWaitS <= 0) return undefined;
  const deadline = Date.now() + maxWaitS * 1000;
  let busy = await machineBusyCores(500);
  let announced = false;
  while (busy !== undefined && busy > DISTURBED_CORES && Date.now() < deadline) {
    if (!announced) process.stdout.write(`(machine busy: ${busy.toFixed(2)} cores; waiting up to ${maxWaitS} s) `);
    announced = true;
    busy = await machineBusyCores(1000);
  }
  return busy;
}

// ---- load ----

export function load(options: autocannon.Options, durationS: number): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    const instance = autocannon({ timeout: 10, ...options, duration: durationS }, (error, result) => {
      clearTimeout(guard);
      runningLoads.delete(instance);
      if (error) reject(error instanceof Error ? error : new Error(String(error)));
      else resolve(result);
    });
    runningLoads.add(instance);
    // autocannon ends by itself after `duration`; this only guards against it hanging.
    const guard = setTimeout(() => instance.stop(), (durationS + 15) * 1000);
  });
}

/** One autocannon instance aimed at one server process. */
export interface LoadTarget {
  readonly pid: number;
  readonly request: autocannon.Options;
  readonly connections: number;
}

export interface LoadMeasurement {
  readonly reqPerS: number;
  readonly total: number;
  /** Highest p50 / p99 over the autocannon instances (ms). */
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly bad: number;
  readonly statusCodes: string;
  /** Sum over the target processes of their CPU time, per request. */
  readonly serverCpuUsPerReq: number | undefined;
  /** Each target process's CPU time per request of the whole run. */
  readonly perServerCpuUsPerReq: Array<number | undefined>;
  /** CPU of every `postgres` process per request (when measured): includes other clients' queries. */
  readonly postgresCpuUsPerReq: number | undefined;
  readonly loaderCpuUsPerReq: number;
  readonly otherCores: number | undefined;
  readonly stealCores: number | undefined;
}

export interface LoadSettings {
  readonly warmupS: number;
  readonly durationS: number;
  readonly quietWaitS: number;
  readonly retries: number;
  /** Count the CPU of `postgres` processes as the system under test (not as disturbance). */
  readonly postgres?: boolean;
}

/** Runs all targets' autocannon instances at once (after a warm-up), and accounts CPU per request. */
async function measureOnce(targets: readonly LoadTarget[], settings: LoadSettings): Promise<LoadMeasurement> {
  await waitForQuiet(settings.quietWaitS);
  if (settings.warmupS > 0) await Promise.all(targets.map((t) => load({ ...t.request, connections: t.connections }, settings.warmupS)));

  const cpuBefore = targets.map((t) => cpuMicros(t.pid));
  const pgBefore = settings.postgres ? cpuByComm('postgres') : undefined;
  const machineBefore = machineMicros();
  const loaderBefore = process.cpuUsage();
  const started = performance.now();
  const results = await Promise.all(targets.map((t) => load({ ...t.request, connections: t.connections }, settings.durationS)));
  const wallUs = (performance.now() - started) * 1000;
  const loaderCpu = process.cpuUsage(loaderBefore);
  const machineAfter = machineMicros();
  const pgAfter = settings.postgres ? cpuByComm('postgres') : undefined;
  const cpuAfter = targets.map((t) => cpuMicros(t.pid));

  const total = results.reduce((sum, r) => sum + r.requests.total, 0);
  const perServer = targets.map((_, i) => {
    const a = cpuAfter[i];
    const b = cpuBefore[i];
    return a !== undefined && b !== undefined ? a - b : undefined;
  });
  const serverCpu = perServer.every((v) => v !== undefined) ? perServer.reduce<number>((s, v) => s + (v ?? 0), 0) : undefined;
  const pgCpu = pgBefore && pgAfter ? cpuDelta(pgBefore, pgAfter) : undefined;
  const loaderCpuUs = loaderCpu.user + loaderCpu.system;
  const other =
    machineBefore && machineAfter && serverCpu !== undefined
      ? Math.max(0, (machineAfter.busy - machineBefore.busy - serverCpu - loaderCpuUs - (pgCpu ?? 0)) / wallUs)
      : undefined;
  const steal = machineBefore && machineAfter ? (machineAfter.steal - machineBefore.steal) / wallUs : undefined;
  const codes = new Map<string, number>();
  for (const r of results) for (const [code, stat] of Object.entries(r.statusCodeStats ?? {})) codes.set(code, (codes.get(code) ?? 0) + (stat.count ?? 0));
  return {
    reqPerS: total / (wallUs / 1e6),
    total,
    p50Ms: Math.max(...results.map((r) => r.latency.p50)),
    p99Ms: Math.max(...results.map((r) => r.latency.p99)),
    bad: results.reduce((sum, r) => sum + r.non2xx + r.errors + r.timeouts, 0),
    statusCodes: [...codes].map(([code, n]) => `${code}×${n}`).join(' '),
    serverCpuUsPerReq: serverCpu !== undefined && total > 0 ? serverCpu / total : undefined,
    perServerCpuUsPerReq: perServer.map((v) => (v !== undefined && total > 0 ? v / total : undefined)),
    postgresCpuUsPerReq: pgCpu !== undefined && total > 0 ? pgCpu / total : undefined,
    loaderCpuUsPerReq: total > 0 ? loaderCpuUs / total : 0,
    otherCores: other,
    stealCores: steal,
  };
}

export const isDisturbed = (m: { otherCores: number | undefined }) => m.otherCores !== undefined && m.otherCores > DISTURBED_CORES;

/** measureOnce, repeated up to `retries` times while disturbed by other processes; the least disturbed run is kept. */
export async function measureLoad(label: string, targets: readonly LoadTarget[], settings: LoadSettings): Promise<LoadMeasurement> {
  process.stdout.write(`${label} … `);
  let m = await measureOnce(targets, settings);
  for (let retry = 1; retry <= settings.retries && isDisturbed(m); retry++) {
    process.stdout.write(`disturbed (other processes ${fmt(m.otherCores, 2)} cores), again … `);
    const again = await measureOnce(targets, settings);
    if ((again.otherCores ?? 0) < (m.otherCores ?? 0)) m = again;
  }
  process.stdout.write(
    `${fmt(m.reqPerS)} req/s, p50 ${m.p50Ms} ms, p99 ${m.p99Ms} ms, ${m.total} requests [${m.statusCodes}], ` +
      `server CPU ${fmt(m.serverCpuUsPerReq, 1)} µs/req${m.postgresCpuUsPerReq !== undefined ? `, postgres CPU ${fmt(m.postgresCpuUsPerReq, 1)} µs/req` : ''}, ` +
      `autocannon ${fmt(m.loaderCpuUsPerReq, 1)} µs/req, other processes ${fmt(m.otherCores, 2)} cores, steal ${fmt(m.stealCores, 2)}\n`,
  );
  return m;
}

// ---- HTTP helpers ----

export async function expectStatus(response: Response, status: number, what: string): Promise<unknown> {
  const text = await response.text();
  if (response.status !== status) throw new Error(`${what}: expected ${status}, got ${response.status}: ${text.slice(0, 300)}`);
  return text ? (JSON.parse(text) as unknown) : undefined;
}

export function authHeaders(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
}

// ---- report ----

export const fmt = (n: number | undefined, digits = 0) => (n === undefined || !Number.isFinite(n) ? 'n/a' : n.toFixed(digits));
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** A Markdown table, first column left-aligned and the others right-aligned (as bench/run.ts prints). */
export function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  const line = (r: string[]) => `| ${r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join(' | ')} |`;
  const rule = `|${widths.map((w, c) => (c === 0 ? `${'-'.repeat(w + 1)}-` : `${'-'.repeat(w + 1)}:`)).join('|')}|`;
  return [line(rows[0]!), rule, ...rows.slice(1).map(line)].join('\n');
}

export const verdict = (ok: boolean) => (ok ? 'PASS' : 'MISSED');

/** The commit and state of the code under test, and whether dist/ is older than src/. */
export function codeVersion(): { description: string; staleDist: boolean } {
  let commit = 'unknown commit';
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src'], { cwd: ROOT, encoding: 'utf8' }).trim() !== '';
    commit = `${head}${dirty ? ' + uncommitted src changes' : ''}`;
  } catch {
    // not a git checkout
  }
  const dist = path.join(ROOT, 'dist', 'cli.js');
  let distTime = 0;
  try {
    distTime = statSync(dist).mtimeMs;
  } catch {
    return { description: `${commit}, dist/cli.js missing`, staleDist: true };
  }
  const newest = (dir: string): number =>
    Math.max(0, ...readdirSync(dir, { withFileTypes: true }).map((e) => (e.isDirectory() ? newest(path.join(dir, e.name)) : statSync(path.join(dir, e.name)).mtimeMs)));
  const staleDist = newest(path.join(ROOT, 'src')) > distTime;
  return { description: `${commit}, dist/cli.js built ${new Date(distTime).toISOString()}`, staleDist };
}

/** The header every script prints: what is measured, when, on what, and how loaded the machine was. */
export function printHeader(title: string, details: string, usesDist = true): void {
  const version = codeVersion();
  if (usesDist && version.staleDist) process.stderr.write('bench: WARNING: src/ has files newer than dist/cli.js; run `npm run build` to measure the current code\n');
  process.stdout.write(
    `== ${title} ==\n` +
      `graph-pki ${version.description}${usesDist && version.staleDist ? ' (STALE: src/ is newer)' : ''}\n` +
      `${new Date().toISOString()}, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}\n` +
      `node ${process.version}, ${os.cpus().length} cores (${os.cpus()[0]?.model.trim() ?? 'unknown CPU'}), ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB; ${details}\n\n`,
  );
}

// ---- memory ----

/** A gc() even without --expose-gc (as test/pki/crl.test.ts does). */
export function gcFunction(): () => void {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (exposed) return exposed;
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
}
