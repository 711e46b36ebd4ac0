// `graph-pki verify --revocation require|given|off` on files: the option reaches the engine (in-process
// through runVerifyCommand, the code bin/graph-pki runs), and the built executable documents it.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runVerifyCommand } from '../../src/cli/verify-command.ts';
import { createCa, createChain, createCrl, type Chain } from '../helpers/certs.ts';
import { runCli } from '../helpers/cli.ts';

let dir: string;
let chain: Chain;
const file = (name: string) => path.join(dir, name);

async function verify(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runVerifyCommand([file('leaf.pem'), '--trust', file('root.pem'), '--intermediates', file('int.pem'), ...args], { out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'graph-pki-verify-revocation-'));
  chain = await createChain({ name: 'Revocation CLI' });
  const int = chain.intermediates[0];
  assert.ok(int);
  const impostor = await createCa({ subject: int.subject, freshKey: true });
  await Promise.all([
    writeFile(file('leaf.pem'), chain.leaf.pem),
    writeFile(file('root.pem'), chain.root.pem),
    writeFile(file('int.pem'), int.pem),
    writeFile(file('root.crl'), (await createCrl({ issuer: chain.root })).pem),
    writeFile(file('int-revoking.crl'), (await createCrl({ issuer: int, revoked: [{ serialNumber: chain.leaf.serialNumber }] })).der),
    writeFile(file('int-empty.crl'), (await createCrl({ issuer: int })).pem),
    writeFile(file('impostor.crl'), (await createCrl({ issuer: impostor })).pem),
  ]);
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('graph-pki verify --revocation', () => {
  it('given (the default): unchecked without CRLs, revoked with the issuer\'s CRL', async () => {
    const none = await verify();
    assert.equal(none.code, 0, none.out + none.err);
    assert.match(none.out, /no CRL given/);
    const revoked = await verify('--crl', file('int-revoking.crl'));
    assert.equal(revoked.code, 1);
    assert.match(revoked.out, /NOT TRUSTED \(revoked\)/);
  });

  it('given: a CRL of the issuer\'s name signed by another key fails closed (crl_invalid)', async () => {
    const result = await verify('--crl', file('impostor.crl'));
    assert.equal(result.code, 1, result.out);
    assert.match(result.out, /NOT TRUSTED \(crl_invalid\)/);
  });

  it('require: every CA below the anchor needs a CRL; off: CRLs are not read', async () => {
    const missingRoot = await verify('--revocation', 'require', '--crl', file('int-empty.crl'));
    assert.equal(missingRoot.code, 1);
    assert.match(missingRoot.out, /NOT TRUSTED \(crl_unavailable\)/);
    const all = await verify('--revocation', 'require', '--crl', file('int-empty.crl'), '--crl', file('root.crl'));
    assert.equal(all.code, 0, all.out);
    assert.match(all.out, /CRL \d+ checked/);
    const off = await verify('--revocation', 'off', '--crl', file('int-revoking.crl'));
    assert.equal(off.code, 0, off.out);
  });

  it('an unknown mode is a usage error (exit 2)', async () => {
    const result = await verify('--revocation', 'sometimes');
    assert.equal(result.code, 2);
    assert.match(result.err, /require, given, off/);
  });

  it('bin/graph-pki verify --help documents the modes', async () => {
    const { code, stdout } = await runCli(['verify', '--help']);
    assert.equal(code, 0);
    assert.match(stdout, /--revocation <mode>/);
    assert.match(stdout, /require: every certificate below the trust anchor/);
  });
});
