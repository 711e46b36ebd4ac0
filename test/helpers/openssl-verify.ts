// Runs `openssl verify` on generated material written to a folder: the harness of the differential tests.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';

export const OPENSSL = '/usr/bin/openssl';

export interface OpensslMaterial {
  readonly root: { readonly pem: string };
  readonly intermediates: readonly { readonly pem: string }[];
  readonly leaf: { readonly pem: string };
  /** When given, written to a -CRLfile (the caller's args say how CRLs are checked). */
  readonly crls?: readonly { readonly pem: string }[] | undefined;
}

export interface OpensslVerdict {
  readonly accepted: boolean;
  readonly output: string;
}

/** `openssl verify ARGS -CAfile root [-untrusted ints] [-CRLfile crls] leaf`, its files written to `dir`. */
export function opensslVerify(dir: string, material: OpensslMaterial, args: readonly string[]): OpensslVerdict {
  const write = (name: string, text: string) => {
    writeFileSync(path.join(dir, name), text);
    return path.join(dir, name);
  };
  const all = ['verify', ...args, '-CAfile', write('root.pem', material.root.pem)];
  if (material.intermediates.length > 0) all.push('-untrusted', write('int.pem', material.intermediates.map((c) => c.pem).join('')));
  if (material.crls) all.push('-CRLfile', write('crls.pem', material.crls.map((c) => c.pem).join('')));
  all.push(write('leaf.pem', material.leaf.pem));
  const result = spawnSync(OPENSSL, all, { encoding: 'utf8', timeout: 30_000 });
  if (result.error) throw result.error;
  const output = `${result.stdout}${result.stderr}`.trim();
  // 0: verified; 2: verification failed. Anything else is a harness problem, not a verdict.
  assert.ok(result.status === 0 || result.status === 2, `openssl exited with ${result.status}: ${output}`);
  return { accepted: result.status === 0 && /: OK$/m.test(result.stdout), output };
}
