// Runs the real `bin/graph-pki` executable (the built bundle), as a user would.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { databaseForDataDir } from './backend.ts';

export const BIN = fileURLToPath(new URL('../../bin/graph-pki', import.meta.url));

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * On the PostgreSQL run, commands that open the database get the schema that belongs to their data
 * folder, unless the test names a database itself.
 */
async function withTestDatabase(args: readonly string[], env: Record<string, string>): Promise<string[]> {
  const command = args[0];
  if (!command || !['serve', 'token', 'migrate', 'snapshot', 'reset'].includes(command) || args.includes('--database') || env.GRAPH_PKI_DATABASE) return [...args];
  const dataIndex = args.indexOf('--data');
  const dataDir = dataIndex >= 0 ? args[dataIndex + 1] : env.GRAPH_PKI_DATA;
  if (!dataDir) return [...args];
  const database = await databaseForDataDir(dataDir);
  return database ? [...args, '--database', database] : [...args];
}

/** Runs `graph-pki …` to its end; `input`, when given, is its standard input. */
export async function runCli(args: readonly string[], env: Record<string, string> = {}, timeoutMs = 20_000, input?: string): Promise<CliResult> {
  return runProcess(await withTestDatabase(args, env), { env, timeoutMs, input });
}

/**
 * Runs `graph-pki …` exactly as given (no test database added), in the folder `cwd`, as a user who typed
 * it there would; `uid`/`gid` run it as another user (only root may).
 */
export function runCliIn(cwd: string, args: readonly string[], options: { env?: Record<string, string>; uid?: number; gid?: number } = {}): Promise<CliResult> {
  return runProcess(args, { env: options.env ?? {}, timeoutMs: 20_000, cwd, uid: options.uid, gid: options.gid });
}

interface ProcessOptions {
  readonly env: Record<string, string>;
  readonly timeoutMs: number;
  readonly input?: string | undefined;
  readonly cwd?: string;
  readonly uid?: number | undefined;
  readonly gid?: number | undefined;
}

function runProcess(fullArgs: readonly string[], { env, timeoutMs, input, cwd, uid, gid }: ProcessOptions): Promise<CliResult> {
  const args = fullArgs;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...fullArgs], {
      env: { ...process.env, ...env },
      stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      ...(cwd ? { cwd } : {}),
      ...(uid === undefined ? {} : { uid }),
      ...(gid === undefined ? {} : { gid }),
    });
    if (input !== undefined) child.stdin?.end(input);
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`graph-pki ${args.join(' ')} did not finish in ${timeoutMs} ms`));
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

export interface CliServer {
  readonly url: string;
  readonly child: ChildProcess;
  /** Everything the process printed on stdout so far. */
  stdout(): string;
  /** Everything the process printed on stderr so far (its log lines). */
  stderr(): string;
  /** Resolves with the exit code once the process has ended. */
  readonly exited: Promise<number | null>;
}

/** Starts `graph-pki serve …` and resolves once it prints the URL it listens on. */
export async function startCliServer(args: readonly string[], env: Record<string, string> = {}): Promise<CliServer> {
  const fullArgs = (await withTestDatabase(['serve', ...args], env)).slice(1);
  return startServerProcess(process.execPath, [BIN, 'serve', '--port', '0', '--log-level', 'warn', ...fullArgs], { env: { ...process.env, ...env } }, 20_000);
}

/**
 * `COMMAND serve --port 0 --log-level warn` started in the folder `cwd`, as a user starts it there (data
 * in ./data, no test database): for a graph-pki reached through a symlink or installed from the package.
 */
export function startServerIn(cwd: string, command: string, extraArgs: readonly string[] = []): Promise<CliServer> {
  return startServerProcess(command, ['serve', '--port', '0', '--log-level', 'warn', ...extraArgs], { cwd }, 30_000);
}

/**
 * `bash -c SCRIPT` in the folder `cwd`, for a README block that starts a server itself: resolves once it
 * prints its URL. It runs in its own process group, so `process.kill(-child.pid, 'SIGTERM')` stops
 * the server whether or not bash replaced itself with it.
 */
export function startShellServerIn(cwd: string, script: string): Promise<CliServer> {
  return startServerProcess('bash', ['-euo', 'pipefail', '-c', script], { cwd, detached: true }, 30_000);
}

/** Spawns a server process and resolves once it prints the URL it listens on. */
function startServerProcess(command: string, args: readonly string[], options: { env?: NodeJS.ProcessEnv; cwd?: string; detached?: boolean }, timeoutMs: number): Promise<CliServer> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server did not start in ${timeoutMs} ms: ${out} ${err}`));
    }, timeoutMs);
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const match = /listening on (https?:\/\/\S+)/.exec(out);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve({ url: match[1], child, stdout: () => out, stderr: () => err, exited });
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before listening: ${out} ${err}`));
    });
  });
}
