// Runs a program to its end and collects what it printed: for tests that run tools as a user would
// (npm, bash, an installed graph-pki). bin/graph-pki itself has test/helpers/cli.ts.
import { spawn } from 'node:child_process';

export interface CommandResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CommandOptions {
  readonly cwd: string;
  /** Added to this process's environment. */
  readonly env?: Record<string, string>;
  readonly timeoutMs: number;
}

/** Runs `command args…`; rejects (after killing it) when it has not ended within timeoutMs. */
export function runCommand(command: string, args: readonly string[], { cwd, env = {}, timeoutMs }: CommandOptions): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${command} ${args.join(' ')} did not finish in ${timeoutMs} ms:\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
