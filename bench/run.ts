// `npm run bench`: HTTP throughput of graph-pki against a bare node:http baseline, on loopback.
//
// Starts two child processes on free 127.0.0.1 ports: bench/bare-server.mjs (the baseline) and
// `bin/graph-pki serve` on a fresh temporary data folder (SQLite file, default durability, --log-level
// silent), mints a token with `bin/graph-pki token`, then loads each with autocannon (same connections and
// duration, after a warm-up) for two scenarios: GET one PKI by id, POST create. Prints req/s, the ratio
// graph-pki / baseline against its target, p99 latency and server CPU time per request (from
// /proc/<pid>/stat). Any non-2xx response or connection error makes the run invalid (exit code 1).
//
// Flags: --duration S (default 8), --connections N (default 32), --warmup S (default 2), --retries N
// (default 2), --no-wait. autocannon runs in this process and shares the machine's cores with the server
// under test, so other busy processes (a test suite) distort req/s: before each measured run the script
// waits up to 30 s for the machine to be quiet, reports the CPU other processes used during the run, and
// repeats a disturbed measurement up to --retries times, keeping the least disturbed one. CPU time per
// request is far less sensitive to such noise than req/s.
// Exit codes: 0 valid run (targets met or not), 1 invalid run or failure, 3 watchdog timeout, 130 signal.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const GRAPH_PKI_BIN = path.join(ROOT, 'bin', 'graph-pki');
const BARE_SERVER = path.join(ROOT, 'bench', 'bare-server.mjs');
const COLLECTION = '/beta/directory/publicKeyInfrastructure/certificateBasedAuthConfigurations';
const POST_BODY = JSON.stringify({ displayName: 'Bench PKI' });
const TARGETS: Record<ScenarioName, number> = { 'GET by id': 0.6, 'POST create': 0.35 };
const STARTUP_TIMEOUT_MS = 15_000;

type ScenarioName = 'GET by id' | 'POST create';

interface Options {
  durationS: number;
  connections: number;
  warmupS: number;
  /** Longest wait for the machine to be quiet before each measured run, in seconds (0 = do not wait). */
  quietWaitS: number;
  /** How often a measurement disturbed by other processes is repeated. */
  retries: number;
}

/** Other processes using more than this many cores make a run "disturbed". */
const DISTURBED_CORES = 0.15;

interface Server {
  readonly name: 'baseline' | 'graph-pki';
  readonly child: ChildProcess;
  readonly url: string;
  /** Path of a GET-able entity. */
  getPath: string;
}

interface Measurement {
  reqPerS: number;
  total: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCodes: string;
  serverCpuUsPerReq: number | undefined;
  loaderCpuUsPerReq: number;
  /** CPU used by other processes during the run, in cores (0.5 = half a core); noise indicator. */
  otherCores: number | undefined;
  /** CPU stolen by the hypervisor during the run, in cores. */
  stealCores: number | undefined;
}

// ---- cleanup: everything started is registered here and torn down on every exit path ----

const children: ChildProcess[] = [];
const tempDirs: string[] = [];
const runningLoads = new Set<autocannon.Instance>();
let cleaningUp: Promise<void> | undefined;

function cleanup(): Promise<void> {
  cleaningUp ??= (async () => {
    for (const load of runningLoads) load.stop();
    await Promise.all(children.map((child) => stopChild(child)));
    for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  })();
  return cleaningUp;
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

async function exitWith(code: number): Promise<never> {
  try {
    await cleanup();
  } catch (error) {
    process.stderr.write(`bench: cleanup failed: ${String(error)}\n`);
  } finally {
    process.exit(code);
  }
}

// Last resort if the process ends some other way: synchronous kill and removal.
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

// ---- options ----

class UsageError extends Error {}

function parseOptions(argv: readonly string[]): Options {
  const options: Options = { durationS: 8, connections: 32, warmupS: 2, quietWaitS: 30, retries: 2 };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = (min = 0.001) => {
      const raw = argv[++i];
      const n = Number(raw);
      if (raw === undefined || !Number.isFinite(n) || n < min) throw new UsageError(`${flag} needs a number ≥ ${min}`);
      return n;
    };
    if (flag === '--duration') options.durationS = value();
    else if (flag === '--connections') options.connections = Math.round(value());
    else if (flag === '--warmup') options.warmupS = value();
    else if (flag === '--no-wait') {
      options.quietWaitS = 0;
      options.retries = 0;
    } else if (flag === '--retries') options.retries = Math.round(value(0));
    else if (flag === '--help' || flag === '-h') {
      process.stdout.write('usage: npm run bench -- [--duration S=8] [--connections N=32] [--warmup S=2] [--retries N=2] [--no-wait]\n');
      process.exit(0);
    } else throw new UsageError(`unknown argument ${flag} (see --help)`);
  }
  return options;
}

// ---- child processes ----

/** Spawns a server and resolves with its URL once `pattern` (capturing the port) shows on its stdout. */
function startChild(name: string, args: string[], pattern: RegExp): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
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
    const exitedEarly = (code: number | null, signal: string | null) =>
      fail(new Error(`${name} exited early (code ${code}, signal ${signal})`));
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
      resolve({ child, url: `http://127.0.0.1:${match[1]}` });
    };
    child.stdout?.on('data', onStdout);
  });
}

/** utime + stime of a process (all its threads), in microseconds; undefined where /proc is unavailable. */
const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

function cpuMicros(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after "(comm)": state is field 3, utime field 14, stime field 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(ticks) ? (ticks * 1e6) / CLOCK_TICKS : undefined;
  } catch {
    return undefined;
  }
}

/** Machine-wide busy and steal time from /proc/stat, in microseconds. */
function machineMicros(): { busy: number; steal: number } | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
    // cpu user nice system idle iowait irq softirq steal ...
    const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
    const toUs = (ticks: number) => (ticks * 1e6) / CLOCK_TICKS;
    return { busy: toUs(user! + nice! + system! + irq! + softirq!), steal: toUs(steal ?? 0) };
  } catch {
    return undefined;
  }
}

/** CPU cores busy machine-wide over `ms` (the servers under test are idle at this point). */
async function machineBusyCores(ms: number): Promise<number | undefined> {
  const before = machineMicros();
  await new Promise((resolve) => setTimeout(resolve, ms));
  const after = machineMicros();
  return before && after ? (after.busy - before.busy) / (ms * 1000) : undefined;
}

/**
 * Waits until other processes leave the cores alone (another test suite on a 2-core machine halves the
 * numbers), at most `maxWaitS`. Returns the busy cores seen last.
 */
async function waitForQuiet(maxWaitS: number): Promise<number | undefined> {
  const deadline = Date.now() + maxWaitS * 1000;
  let busy = await machineBusyCores(500);
  let announced = false;
  while (busy !== undefined && busy > DISTURBED_CORES && Date.now() < deadline) {
    if (!announced) process.stdout.write(`(machine busy: ${busy.toFixed(2)} cores used by other processes; waiting up to ${maxWaitS} s) `);
    announced = true;
    busy = await machineBusyCores(1000);
  }
  return busy;
}

/** The commit and state of the code under test, and whether dist/ is older than src/. */
function codeVersion(): { description: string; staleDist: boolean } {
  let commit = 'unknown commit';
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src'], { cwd: ROOT, encoding: 'utf8' }).trim() !== '';
    commit = `${head}${dirty ? ' + uncommitted src changes' : ''}`;
  } catch {
    // not a git checkout
  }
  const dist = path.join(ROOT, 'dist', 'cli.js');
  const distTime = statSync(dist).mtimeMs;
  const newest = (dir: string): number =>
    Math.max(0, ...readdirSync(dir, { withFileTypes: true }).map((e) => (e.isDirectory() ? newest(path.join(dir, e.name)) : statSync(path.join(dir, e.name)).mtimeMs)));
  const staleDist = newest(path.join(ROOT, 'src')) > distTime;
  return { description: `${commit}, dist/cli.js built ${new Date(distTime).toISOString()}`, staleDist };
}

// ---- load ----

function requestOptions(server: Server, scenario: ScenarioName, token: string): autocannon.Options {
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  return scenario === 'GET by id'
    ? { url: server.url + server.getPath, method: 'GET', headers }
    : { url: server.url + COLLECTION, method: 'POST', headers, body: POST_BODY };
}

function load(options: autocannon.Options, durationS: number): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    const instance = autocannon({ ...options, duration: durationS, timeout: 10 }, (error, result) => {
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

async function measure(server: Server, scenario: ScenarioName, token: string, options: Options): Promise<Measurement> {
  const request = requestOptions(server, scenario, token);
  if (options.quietWaitS > 0) await waitForQuiet(options.quietWaitS);
  await load({ ...request, connections: options.connections }, options.warmupS);

  const cpuBefore = cpuMicros(server.child.pid);
  const machineBefore = machineMicros();
  const loaderBefore = process.cpuUsage();
  const result = await load({ ...request, connections: options.connections }, options.durationS);
  const loaderCpu = process.cpuUsage(loaderBefore);
  const machineAfter = machineMicros();
  const cpuAfter = cpuMicros(server.child.pid);

  const serverCpu = cpuBefore !== undefined && cpuAfter !== undefined ? cpuAfter - cpuBefore : undefined;
  const loaderCpuUs = loaderCpu.user + loaderCpu.system;
  const wallUs = result.duration * 1e6;
  const other =
    machineBefore && machineAfter && serverCpu !== undefined
      ? Math.max(0, (machineAfter.busy - machineBefore.busy - serverCpu - loaderCpuUs) / wallUs)
      : undefined;
  const steal = machineBefore && machineAfter ? (machineAfter.steal - machineBefore.steal) / wallUs : undefined;

  const total = result.requests.total;
  const statusCodes = Object.entries(result.statusCodeStats ?? {})
    .map(([code, stat]) => `${code}×${stat.count ?? 0}`)
    .join(' ');
  return {
    reqPerS: total / result.duration,
    total,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    statusCodes,
    serverCpuUsPerReq: serverCpu !== undefined && total > 0 ? serverCpu / total : undefined,
    loaderCpuUsPerReq: total > 0 ? loaderCpuUs / total : 0,
    otherCores: other,
    stealCores: steal,
  };
}

// ---- setup checks ----

async function expectStatus(response: Response, status: number, what: string): Promise<unknown> {
  const text = await response.text();
  if (response.status !== status) throw new Error(`${what}: expected ${status}, got ${response.status}: ${text.slice(0, 300)}`);
  return JSON.parse(text) as unknown;
}

/** Creates the PKI the GET scenario reads and checks both scenarios answer as expected before loading. */
async function prepare(server: Server, token: string): Promise<void> {
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const created = (await expectStatus(
    await fetch(server.url + COLLECTION, { method: 'POST', headers, body: POST_BODY }),
    201,
    `${server.name} POST`,
  )) as { id?: unknown };
  if (typeof created.id !== 'string') throw new Error(`${server.name} POST: no id in the response`);
  server.getPath = `${COLLECTION}/${created.id}`;
  const read = (await expectStatus(await fetch(server.url + server.getPath, { headers }), 200, `${server.name} GET`)) as { id?: unknown };
  if (server.name === 'graph-pki' && read.id !== created.id) throw new Error('graph-pki GET: returned another id');
}

const isDisturbed = (m: Measurement) => m.otherCores !== undefined && m.otherCores > DISTURBED_CORES;

// ---- report ----

const fmt = (n: number | undefined, digits = 0) => (n === undefined ? 'n/a' : n.toFixed(digits));

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  const line = (r: string[]) => `| ${r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join(' | ')} |`;
  const rule = `|${widths.map((w, c) => (c === 0 ? `${'-'.repeat(w + 1)}-` : `${'-'.repeat(w + 1)}:`)).join('|')}|`;
  return [line(rows[0]!), rule, ...rows.slice(1).map(line)].join('\n');
}

// ---- main ----

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  const scenarios: ScenarioName[] = ['GET by id', 'POST create'];
  // Watchdog: the whole run is bounded even if something hangs.
  const perMeasurementS = (options.warmupS + options.durationS + options.quietWaitS + 1) * (1 + options.retries);
  const budgetMs = (scenarios.length * 2 * perMeasurementS + 90) * 1000;
  setTimeout(() => {
    process.stderr.write(`bench: did not finish within ${budgetMs / 1000} s, aborting\n`);
    void exitWith(3);
  }, budgetMs).unref();

  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'graph-pki-bench-'));
  tempDirs.push(dataDir);

  const [bare, pki] = await Promise.all([
    startChild('bare-server', [BARE_SERVER, '0'], /listening (\d+)/),
    startChild('graph-pki', [GRAPH_PKI_BIN, 'serve', '--data', dataDir, '--port', '0', '--log-level', 'silent'], /listening on http:\/\/127\.0\.0\.1:(\d+)/),
  ]);
  const token = execFileSync(process.execPath, [GRAPH_PKI_BIN, 'token', '--data', dataDir], { cwd: ROOT, encoding: 'utf8', timeout: 15_000 }).trim();

  const servers: Server[] = [
    { name: 'baseline', child: bare.child, url: bare.url, getPath: '' },
    { name: 'graph-pki', child: pki.child, url: pki.url, getPath: '' },
  ];
  for (const server of servers) await prepare(server, token);

  const version = codeVersion();
  if (version.staleDist) {
    process.stderr.write('bench: WARNING: src/ has files newer than dist/cli.js; run `npm run build` to measure the current code\n');
  }
  process.stdout.write(
    `graph-pki ${version.description}${version.staleDist ? ' (STALE: src/ is newer)' : ''}\n` +
    `${new Date().toISOString()}, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}\n` +
    `node ${process.version}, ${os.cpus().length} cores (${os.cpus()[0]?.model.trim() ?? 'unknown CPU'}), ` +
      `${options.connections} connections, ${options.warmupS} s warm-up + ${options.durationS} s per run, loopback; ` +
      `autocannon runs in this process and shares the cores with the server\n\n`,
  );

  const results = new Map<string, Measurement>();
  for (const scenario of scenarios) {
    for (const server of servers) {
      process.stdout.write(`${scenario.padEnd(12)} ${server.name.padEnd(10)} … `);
      // A measurement disturbed by other processes is repeated; the least disturbed one is kept.
      let m = await measure(server, scenario, token, options);
      for (let retry = 1; retry <= options.retries && isDisturbed(m); retry++) {
        process.stdout.write(`disturbed (other processes ${fmt(m.otherCores, 2)} cores), measuring again … `);
        const again = await measure(server, scenario, token, options);
        if ((again.otherCores ?? 0) < (m.otherCores ?? 0)) m = again;
      }
      results.set(`${scenario}/${server.name}`, m);
      process.stdout.write(
        `${fmt(m.reqPerS)} req/s, p50 ${m.p50Ms} ms, p99 ${m.p99Ms} ms, ${m.total} requests [${m.statusCodes}], ` +
          `non-2xx ${m.non2xx}, errors ${m.errors}, server CPU ${fmt(m.serverCpuUsPerReq, 1)} µs/req, ` +
          `autocannon CPU ${fmt(m.loaderCpuUsPerReq, 1)} µs/req, other processes ${fmt(m.otherCores, 2)} cores, ` +
          `steal ${fmt(m.stealCores, 2)} cores\n`,
      );
    }
  }

  const rows = [
    ['scenario', 'baseline req/s', 'graph-pki req/s', 'ratio', 'target', '', 'p99 baseline', 'p99 graph-pki', 'CPU/req baseline', 'CPU/req graph-pki', 'CPU ratio'],
  ];
  let invalid = false;
  let missed = false;
  const disturbed = [...results].filter(([, m]) => isDisturbed(m)).map(([key]) => key);
  for (const scenario of scenarios) {
    const b = results.get(`${scenario}/baseline`)!;
    const g = results.get(`${scenario}/graph-pki`)!;
    const ratio = g.reqPerS / b.reqPerS;
    const target = TARGETS[scenario];
    if (ratio < target) missed = true;
    if (b.non2xx + b.errors + g.non2xx + g.errors > 0) invalid = true;
    rows.push([
      scenario,
      fmt(b.reqPerS),
      fmt(g.reqPerS),
      `${ratio.toFixed(2)}×`,
      `≥ ${target}×`,
      ratio >= target ? 'met' : 'MISSED',
      `${b.p99Ms} ms`,
      `${g.p99Ms} ms`,
      `${fmt(b.serverCpuUsPerReq, 1)} µs`,
      `${fmt(g.serverCpuUsPerReq, 1)} µs`,
      // What the req/s ratio would be if each server were CPU-bound on a core of its own.
      b.serverCpuUsPerReq && g.serverCpuUsPerReq ? `${(b.serverCpuUsPerReq / g.serverCpuUsPerReq).toFixed(2)}×` : 'n/a',
    ]);
  }
  process.stdout.write(`\n${table(rows)}\n\n`);
  if (invalid) {
    process.stdout.write('INVALID RUN: non-2xx responses or connection errors (see the lines above).\n');
    return 1;
  }
  if (disturbed.length > 0) {
    process.stdout.write(`Disturbed: other processes used more than ${DISTURBED_CORES} cores during ${disturbed.join(', ')}; req/s of those runs understate the server (CPU/req is still meaningful).\n`);
  }
  process.stdout.write(missed ? 'Valid run; at least one target MISSED.\n' : 'Valid run; all targets met.\n');
  return 0;
}

main().then(
  (code) => exitWith(code),
  (error: unknown) => {
    const detail = error instanceof UsageError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error);
    process.stderr.write(`bench failed: ${detail}\n`);
    return exitWith(1);
  },
);
