// Runs a TypeScript scenario script in a child process (tsx) and returns the one JSON object it printed.
// SDK tests over HTTPS need a process of their own: Node reads NODE_EXTRA_CA_CERTS only when it starts.
import { spawn } from 'node:child_process';

// biome-ignore lint/suspicious/noExplicitAny: a scenario reports an SDK's own response shapes
export function runScenario(script: string, args: readonly string[], env: Record<string, string>, timeoutMs = 30_000): Promise<Record<string, any>> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code !== 0) return reject(new Error(`scenario exited ${code}: ${err}${out}`));
      try {
        resolve(JSON.parse(out));
      } catch {
        reject(new Error(`scenario printed no JSON: ${out} ${err}`));
      }
    });
  });
}
