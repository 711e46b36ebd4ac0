// `npm run bench`: every benchmark, one after the other, each in its own process so that none disturbs
// another: bench/run.ts (HTTP throughput against a bare node:http baseline) first, then the issue
// benchmarks bench/ingest.ts, list.ts, scale.ts, verify.ts, slow-clients.ts and signin.ts. Output passes through as it comes; a
// summary of each script's verdict lines and exit code follows at the end.
//
// Arguments: `--only a,b` / `--skip a,b` choose scripts by name (run, ingest, list, scale, verify, slow-clients, signin); every
// other argument is passed to bench/run.ts (e.g. `npm run bench -- --duration 5`). Each script has its
// own watchdog; here each also gets a hard time limit (SIGTERM, then SIGKILL 15 s later).
// Exit code: 0 when every script exited 0 (a valid run, targets met or not), else 1; 130 on a signal.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

interface Script {
  readonly name: string;
  readonly file: string;
  /** Hard limit for the whole script, in seconds. */
  readonly limitS: number;
}

const SCRIPTS: Script[] = [
  { name: 'run', file: 'bench/run.ts', limitS: 900 },
  { name: 'ingest', file: 'bench/ingest.ts', limitS: 300 },
  { name: 'list', file: 'bench/list.ts', limitS: 900 },
  { name: 'scale', file: 'bench/scale.ts', limitS: 600 },
  { name: 'verify', file: 'bench/verify.ts', limitS: 400 },
  { name: 'slow-clients', file: 'bench/slow-clients.ts', limitS: 300 },
  { name: 'signin', file: 'bench/signin.ts', limitS: 300 },
];

/** Lines worth repeating in the summary. */
const VERDICT = /^(PASS|MISSED|INVALID|Valid run|Disturbed|PostgreSQL does not answer)/;

let current: ChildProcess | undefined;
let interrupted = false;

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    interrupted = true;
    process.stderr.write(`\nbench/all: ${signal}, stopping ${current ? 'the running script' : ''}\n`);
    if (current && current.exitCode === null) current.kill(signal);
    else process.exit(130);
  });
}

function parseArgs(argv: readonly string[]): { scripts: Script[]; passthrough: string[] } {
  const names = (value: string | undefined) => {
    const list = (value ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    for (const n of list) if (!SCRIPTS.some((s) => s.name === n)) throw new Error(`unknown benchmark '${n}' (known: ${SCRIPTS.map((s) => s.name).join(', ')})`);
    return list;
  };
  let only: string[] | undefined;
  let skip: string[] = [];
  const passthrough: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--only') only = names(argv[++i]);
    else if (arg === '--skip') skip = names(argv[++i]);
    else if (arg === '--help' || arg === '-h') {
      process.stdout.write('usage: npm run bench -- [--only run,ingest,list,scale,verify,slow-clients] [--skip …] [arguments for bench/run.ts]\n');
      process.exit(0);
    } else passthrough.push(arg);
  }
  return { scripts: SCRIPTS.filter((s) => (!only || only.includes(s.name)) && !skip.includes(s.name)), passthrough };
}

function runScript(script: Script, args: string[]): Promise<{ code: number | null; signal: string | null; seconds: number; verdicts: string[] }> {
  const started = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', script.file, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  current = child;
  const verdicts: string[] = [];
  let partial = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    process.stdout.write(chunk);
    const lines = (partial + chunk.toString()).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) if (VERDICT.test(line)) verdicts.push(line);
  });
  let killer: NodeJS.Timeout | undefined;
  const limit = setTimeout(() => {
    process.stderr.write(`bench/all: ${script.file} exceeded ${script.limitS} s, stopping it\n`);
    child.kill('SIGTERM');
    killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  }, script.limitS * 1000);
  return new Promise((resolve) => {
    child.once('close', (code, signal) => {
      clearTimeout(limit);
      clearTimeout(killer);
      current = undefined;
      if (partial && VERDICT.test(partial)) verdicts.push(partial);
      resolve({ code, signal, seconds: (performance.now() - started) / 1000, verdicts });
    });
  });
}

async function main(): Promise<number> {
  const { scripts, passthrough } = parseArgs(process.argv.slice(2));
  const summary: string[] = [];
  let failed = false;
  for (const script of scripts) {
    process.stdout.write(`\n######## ${script.file} ########\n`);
    const result = await runScript(script, script.name === 'run' ? passthrough : []);
    const ok = result.code === 0;
    failed ||= !ok;
    summary.push(
      `${script.file}: ${ok ? 'exit 0' : `exit ${result.code ?? result.signal}`} after ${result.seconds.toFixed(0)} s` +
        (result.verdicts.length > 0 ? `\n    ${result.verdicts.join('\n    ')}` : ''),
    );
    if (interrupted) break;
  }
  process.stdout.write(`\n######## summary ########\n${summary.join('\n')}\n`);
  if (interrupted) return 130;
  return failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`bench/all failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
