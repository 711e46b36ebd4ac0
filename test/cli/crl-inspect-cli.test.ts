// `graph-pki crl inspect FILE [--issuer CA.pem]` through the built executable: the offline CRL health
// checks on generated CRL files, their AADSTS codes, the exit codes and --json.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type CertificateFailure, type CrlFacts, certificateError } from '../../src/service/verification/sign-in-errors.ts';
import { createCa, createCrl, type TestCert, x509 } from '../helpers/certs.ts';
import { runCli } from '../helpers/cli.ts';

const DAY = 86_400_000;
let dir: string;
let issuing: TestCert;
let otherCa: TestCert;
const file = (name: string) => path.join(dir, name);

const NO_FACTS: CrlFacts = { crlUrl: null, why: null, issuer: null, thisUpdate: null, nextUpdate: null, authorityKeyIdentifier: null, expectedSubjectKeyIdentifier: null, download: null };
/** What a sign-in says for the cause (a file has no URL: sign-in's 'unknown'). */
const signInMessage = (reason: CertificateFailure['reason'], crl: Partial<CrlFacts>, validationTime = new Date()) =>
  certificateError({ reason, message: 'what failed', validationTime, certificate: null, crl: { ...NO_FACTS, ...crl } });
const ski = (ca: TestCert) => (ca.cert.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId ?? '').toUpperCase();

/** The 'sign-in: failure CODE: message' line, its message checked for placeholders and compared with sign-in's. */
function assertSignInLine(stdout: string, expected: { code: string; message: string }): void {
  const line = stdout.split('\n').find((l) => l.startsWith('sign-in: '));
  assert.equal(line, `sign-in: failure ${expected.code}: ${expected.message}`);
  assert.doesNotMatch(stdout, /\{\w+\}/);
}

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'graph-pki-crl-inspect-'));
  const root = await createCa({ subject: 'CN=Inspect Root' });
  issuing = await createCa({ subject: 'CN=Inspect Issuing CA', issuer: root });
  otherCa = await createCa({ subject: 'CN=Inspect Other CA' });
  const now = Date.now();
  await Promise.all([
    writeFile(file('issuing.pem'), issuing.pem),
    writeFile(file('healthy.crl'), (await createCrl({ issuer: issuing, crlNumber: 4, revoked: [{ serialNumber: '01' }, { serialNumber: '02' }] })).der),
    writeFile(file('healthy.pem.crl'), (await createCrl({ issuer: issuing, crlNumber: 4 })).pem),
    writeFile(file('expired.crl'), (await createCrl({ issuer: issuing, thisUpdate: new Date(now - 9 * DAY), nextUpdate: new Date(now - DAY) })).der),
    writeFile(file('soon.crl'), (await createCrl({ issuer: issuing, thisUpdate: new Date(now - DAY), nextUpdate: new Date(now + 3_600_000) })).der),
    writeFile(file('other.crl'), (await createCrl({ issuer: otherCa })).der),
  ]);
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('graph-pki crl inspect', () => {
  it('a healthy DER CRL with its issuer: exit 0, every check in the table', async () => {
    const result = await runCli(['crl', 'inspect', file('healthy.crl'), '--issuer', file('issuing.pem')]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /: healthy\n/);
    assert.match(result.stdout, /CN=Inspect Issuing CA, CRL number 4, 2 entries/);
    assert.match(result.stdout, /signature\s+pass\s+-\s+signed by 'CN=Inspect Issuing CA'/);
    assert.match(result.stdout, /sign-in: success/);
  });

  it('PEM: exit 1, encoding fails with AADSTS2205011', async () => {
    const result = await runCli(['crl', 'inspect', file('healthy.pem.crl'), '--issuer', file('issuing.pem')]);
    assert.equal(result.code, 1, result.stdout);
    assert.match(result.stdout, /encoding\s+fail\s+AADSTS2205011\s+the CRL is PEM text/);
    assert.match(result.stdout, /sign-in: failure AADSTS2205011/);
    assertSignInLine(result.stdout, signInMessage('crl_invalid', { why: 'malformed' }));
  });

  it('expired: exit 1 with AADSTS500172; expiring soon: exit 0 with a warning; --json', async () => {
    const at = new Date(Math.floor(Date.now() / 1000) * 1000);
    const expired = await runCli(['crl', 'inspect', file('expired.crl'), '--json', '--at', at.toISOString()]);
    assert.equal(expired.code, 1);
    const report = JSON.parse(expired.stdout);
    assert.equal(report.status, 'failing');
    assert.equal(report.signInImpact.errorCode, 'AADSTS500172');
    // No URL for a file: 'unknown', as sign-in writes a fact it lacks.
    const signIn = signInMessage('crl_invalid', { why: 'expired', issuer: 'CN=Inspect Issuing CA', thisUpdate: report.thisUpdate, nextUpdate: report.nextUpdate }, at);
    assert.equal(report.signInImpact.message, signIn.message);
    assert.match(report.signInImpact.message, /^Certificate Revocation List \(CRL\) 'unknown' issued by 'CN=Inspect Issuing CA' is not valid\. Current time: '\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ'/);
    assert.equal(report.checks.find((c: { name: string }) => c.name === 'validity').message, signIn.message);
    assert.ok(report.timeLeftSeconds < 0);
    assert.deepEqual(report.checks.find((c: { name: string }) => c.name === 'signature').result, 'skipped');
    const soon = await runCli(['crl', 'inspect', file('soon.crl'), '--json']);
    assert.equal(soon.code, 0);
    assert.equal(JSON.parse(soon.stdout).status, 'warning');
  });

  it('signed by another CA than --issuer: AADSTS2205015; over --max-bytes: AADSTS2205014', async () => {
    const other = await runCli(['crl', 'inspect', file('other.crl'), '--issuer', file('issuing.pem')]);
    assert.equal(other.code, 1);
    assert.match(other.stdout, /signature\s+fail\s+AADSTS2205015\s+the CRL is issued by 'CN=Inspect Other CA'/);
    assertSignInLine(other.stdout, signInMessage('crl_invalid', { why: 'signer', expectedSubjectKeyIdentifier: ski(issuing), authorityKeyIdentifier: ski(otherCa) }));
    assert.notEqual(ski(issuing), ski(otherCa));
    const big = await runCli(['crl', 'inspect', file('healthy.crl'), '--max-bytes', '50']);
    assert.equal(big.code, 1);
    assert.match(big.stdout, /size\s+fail\s+AADSTS2205014/);
    assertSignInLine(big.stdout, signInMessage('crl_unavailable', { download: { kind: 'too_large', url: 'unknown', maxBytes: 50 } }));
  });

  it('an unreadable file: exit 2', async () => {
    const result = await runCli(['crl', 'inspect', file('missing.crl')]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /missing\.crl/);
  });
});
