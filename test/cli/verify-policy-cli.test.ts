// `graph-pki verify` with RFC 5280's four policy inputs (--initial-policy, --require-explicit-policy,
// --inhibit-policy-mapping, --inhibit-any-policy), run as the built executable on generated files: a CA
// that maps policy P1 to P2 and a leaf asserting P2.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli } from '../helpers/cli.ts';
import { createCa, createLeaf, derTlv, x509 } from '../helpers/certs.ts';
import { oidDer } from '../helpers/crl-der.ts';

const P1 = '1.3.6.1.4.1.55555.8.1';
const P2 = '1.3.6.1.4.1.55555.8.2';

describe('graph-pki verify: policy inputs', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'graph-pki-verify-policy-'));
  const file = (name: string) => path.join(dir, name);
  after(() => rmSync(dir, { recursive: true, force: true }));

  before(async () => {
    const mapping = new x509.Extension('2.5.29.33', true, derTlv(0x30, derTlv(0x30, oidDer(P1), oidDer(P2))));
    const root = await createCa({ subject: 'CN=Policy CLI Root' });
    const ca = await createCa({ subject: 'CN=Policy CLI CA', issuer: root, certificatePolicies: [P1], extraExtensions: [mapping] });
    const leaf = await createLeaf({ subject: 'CN=Policy CLI User', issuer: ca, certificatePolicies: [P2] });
    writeFileSync(file('root.pem'), root.pem);
    writeFileSync(file('ca.pem'), ca.pem);
    writeFileSync(file('leaf.pem'), leaf.pem);
  });

  const verify = (...extra: string[]) => runCli(['verify', file('leaf.pem'), '--trust', file('root.pem'), '--intermediates', file('ca.pem'), '--purpose', 'any', ...extra]);

  it('no inputs: trusted; the mapped policy satisfies an explicit P1 requirement, P2 does not', async () => {
    assert.equal((await verify()).code, 0);
    const p1 = await verify('--initial-policy', P1, '--require-explicit-policy');
    assert.equal(p1.code, 0, p1.stdout + p1.stderr);
    const p2 = await verify('--initial-policy', P2, '--initial-policy', '1.2.3', '--require-explicit-policy');
    assert.equal(p2.code, 1);
    assert.match(p2.stdout, /NOT TRUSTED \(policy_violation\)/);
  });

  it('--inhibit-policy-mapping and --inhibit-any-policy are followed', async () => {
    const inhibited = await verify('--inhibit-policy-mapping', '--require-explicit-policy');
    assert.equal(inhibited.code, 1);
    assert.match(inhibited.stdout, /policy_violation/);
    assert.equal((await verify('--inhibit-policy-mapping')).code, 0, 'without an explicit policy the path stays valid');
    assert.equal((await verify('--inhibit-any-policy', '--require-explicit-policy')).code, 0, 'no anyPolicy in this path');
  });

  it('an --initial-policy that is not an OID is bad usage (exit 2), and --help names the options', async () => {
    const bad = await verify('--initial-policy', 'not-an-oid');
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /object identifier/);
    const help = await runCli(['verify', '--help']);
    for (const option of ['--initial-policy', '--require-explicit-policy', '--inhibit-policy-mapping', '--inhibit-any-policy']) assert.match(help.stdout, new RegExp(option));
  });
});
