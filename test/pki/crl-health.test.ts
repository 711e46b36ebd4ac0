// The CRL health checks (src/pki/crl-health*.ts) on CRLs generated here: each problem Entra's CRL error
// table knows gets its check, its status and its AADSTS code, and the sign-in impact follows. Every failed
// check's message has its placeholders filled and is the message a sign-in gets for the same cause.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { parseCertificate, type Certificate } from '../../src/pki/certificate.ts';
import { assessCrl, type CrlAssessmentInput, type CrlDownload } from '../../src/pki/crl-health-checks.ts';
import { type CrlHealthThresholds, type HealthCheck, signInImpactOf, validityCheck } from '../../src/pki/crl-health.ts';
import { indexCrl } from '../../src/pki/crl.ts';
import { type CertificateFailure, type CrlFacts, certificateError } from '../../src/service/verification/sign-in-errors.ts';
import { createCa, createCrl, type TestCert } from '../helpers/certs.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const THRESHOLDS: CrlHealthThresholds = { downloadTimeoutMs: 10_000, maxCrlBytes: 20 * 1024 * 1024, warningShare: 0.2, warningMinimumMs: DAY };

let root: TestCert;
let issuing: TestCert;
let other: TestCert;
let issuingCert: Certificate;

before(async () => {
  root = await createCa({ subject: 'CN=Health Root, O=graph-pki tests' });
  issuing = await createCa({ subject: 'CN=Health Issuing CA, O=graph-pki tests', issuer: root, crlDistributionPoints: ['http://crl.example/root.crl'] });
  other = await createCa({ subject: 'CN=Health Other CA, O=graph-pki tests' });
  issuingCert = parseCertificate(issuing.der);
});

const URL = 'http://crl.example/issuing.crl';
const body = (der: Buffer | string, durationMs: number | null = 40): CrlDownload => ({ kind: 'body', body: Buffer.from(der), durationMs });

/** The checks of a CRL at `now`; every failed check must carry a filled message, whatever the test asserts. */
function assess(download: CrlDownload, extra: Partial<CrlAssessmentInput> = {}) {
  const result = assessCrl({ kind: 'base', url: URL, download, ca: issuingCert, now: new Date(), thresholds: THRESHOLDS, ...extra });
  for (const c of result.checks) {
    if (c.result !== 'fail') continue;
    assert.ok(c.errorCode !== null && c.message !== null, JSON.stringify(c));
    assertFilled(c.message);
  }
  return result;
}

function assertFilled(message: string): void {
  assert.doesNotMatch(message, /[{}]/, `a placeholder is left in: ${message}`);
}

const NO_FACTS: CrlFacts = { crlUrl: URL, why: null, issuer: null, thisUpdate: null, nextUpdate: null, authorityKeyIdentifier: null, expectedSubjectKeyIdentifier: null, download: null };

/**
 * The check (and the sign-in impact it makes) says what a sign-in that ran into the same cause gets:
 * the same code and the same message (sign-in-errors.ts, fed the facts the verification would have).
 */
function assertSameAsSignIn(check: HealthCheck, failure: { reason: CertificateFailure['reason']; crl: Partial<CrlFacts>; at?: Date; message?: string }): void {
  const signIn = certificateError({ reason: failure.reason, message: failure.message ?? 'what failed', validationTime: failure.at ?? new Date(), certificate: null, crl: { ...NO_FACTS, ...failure.crl } });
  assert.ok(check.message !== null);
  assertFilled(check.message);
  assert.deepEqual([check.errorCode, check.message], [signIn.code, signIn.message]);
  const impact = signInImpactOf([check], null);
  assert.deepEqual([impact.errorCode, impact.message], [signIn.code, signIn.message]);
}

const iso = (date: Date | undefined) => date?.toISOString() ?? null;

function only(checks: readonly HealthCheck[], name: string): HealthCheck {
  const found = checks.find((c) => c.name === name);
  assert.ok(found, `no ${name} check in ${JSON.stringify(checks)}`);
  return found;
}

/** The failed checks as name=code. */
const failures = (checks: readonly HealthCheck[]) => checks.filter((c) => c.result === 'fail').map((c) => `${c.name}=${c.errorCode}`);

describe('CRL health checks', () => {
  it('healthy: every check passes and a sign-in passes the CRL check', async () => {
    const crl = await createCrl({ issuer: issuing, crlNumber: 7, revoked: [{ serialNumber: '0a' }] });
    const result = assess(body(crl.der));
    assert.equal(result.status, 'healthy', JSON.stringify(result.checks));
    assert.deepEqual(
      result.checks.map((c) => `${c.name}:${c.result}`),
      ['reachable:pass', 'downloadTime:pass', 'size:pass', 'encoding:pass', 'signature:pass', 'extensions:pass', 'crlNumber:pass', 'validity:pass'],
    );
    assert.equal(result.crl?.entryCount, 1);
    const impact = signInImpactOf(result.checks, null);
    assert.deepEqual([impact.result, impact.errorCode], ['success', null]);
  });

  it('expiring soon: warning under 20 % of the validity, and under 24 h whatever the share', async () => {
    const now = Date.now();
    const share = await createCrl({ issuer: issuing, thisUpdate: new Date(now - 9 * DAY), nextUpdate: new Date(now + 2 * DAY) });
    const byShare = assess(body(share.der));
    assert.equal(byShare.status, 'warning');
    assert.equal(only(byShare.checks, 'validity').result, 'warning');
    assert.match(only(byShare.checks, 'validity').detail, /1 d 23 h left until nextUpdate .*\(18 % of its validity\)/);
    const short = await createCrl({ issuer: issuing, thisUpdate: new Date(now - HOUR), nextUpdate: new Date(now + 3 * HOUR) });
    assert.equal(only(assess(body(short.der)).checks, 'validity').result, 'warning');
    // Neither: 5 of 7 days left.
    const fine = await createCrl({ issuer: issuing, thisUpdate: new Date(now - 2 * DAY), nextUpdate: new Date(now + 5 * DAY) });
    assert.equal(only(assess(body(fine.der)).checks, 'validity').result, 'pass');
    assert.equal(signInImpactOf(byShare.checks, null).result, 'success');
  });

  it('the warning thresholds are settings', () => {
    const now = new Date();
    const thisUpdate = new Date(now.getTime() - 5 * DAY);
    const nextUpdate = new Date(now.getTime() + 2 * DAY);
    const naming = { crlUrl: URL, issuer: 'CN=Health Issuing CA' };
    assert.equal(validityCheck(thisUpdate, nextUpdate, now, THRESHOLDS, naming).result, 'pass');
    assert.equal(validityCheck(thisUpdate, nextUpdate, now, { ...THRESHOLDS, warningShare: 0.5 }, naming).result, 'warning');
    assert.equal(validityCheck(thisUpdate, nextUpdate, now, { ...THRESHOLDS, warningMinimumMs: 3 * DAY }, naming).result, 'warning');
  });

  it('expired: validity fails with AADSTS500172, its message naming the CRL, its issuer and dates', async () => {
    const now = new Date();
    const thisUpdate = new Date(now.getTime() - 10 * DAY);
    const nextUpdate = new Date(now.getTime() - DAY);
    const crl = await createCrl({ issuer: issuing, thisUpdate, nextUpdate });
    const result = assess(body(crl.der), { now });
    assert.equal(result.status, 'failing');
    assert.deepEqual(failures(result.checks), ['validity=AADSTS500172']);
    assert.match(only(result.checks, 'validity').detail, /expired .*1 d ago/);
    const impact = signInImpactOf(result.checks, null);
    assert.deepEqual([impact.result, impact.errorCode], ['failure', 'AADSTS500172']);
    assert.match(impact.message, new RegExp(`^Certificate Revocation List \\(CRL\\) '${URL}' issued by 'CN=Health Issuing CA, O=graph-pki tests' is not valid\\. Current time: '\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\dZ'`));
    const read = indexCrl(crl.der);
    const facts = { crlUrl: URL, issuer: 'CN=Health Issuing CA, O=graph-pki tests', thisUpdate: iso(read.thisUpdate), nextUpdate: iso(read.nextUpdate) };
    assertSameAsSignIn(only(result.checks, 'validity'), { reason: 'crl_invalid', crl: { ...facts, why: 'expired' }, at: now });
    // Judged again (as a stored check is at every read): the same message.
    const again = validityCheck(read.thisUpdate, read.nextUpdate, now, THRESHOLDS, { crlUrl: URL, issuer: facts.issuer });
    assert.deepEqual(again, only(result.checks, 'validity'));
  });

  it('not yet valid: AADSTS500172 in the same words; without nextUpdate: AADSTS500174', async () => {
    const now = new Date();
    const crl = await createCrl({ issuer: issuing, thisUpdate: new Date(now.getTime() + DAY), nextUpdate: new Date(now.getTime() + 8 * DAY) });
    const validity = only(assess(body(crl.der), { now }).checks, 'validity');
    const read = indexCrl(crl.der);
    assertSameAsSignIn(validity, { reason: 'crl_invalid', crl: { why: 'not_yet_valid', issuer: 'CN=Health Issuing CA, O=graph-pki tests', thisUpdate: iso(read.thisUpdate), nextUpdate: iso(read.nextUpdate) }, at: now });
    // A file (no URL) and no nextUpdate: what sign-in says of a fact it lacks ('unknown', 'none').
    const file = validityCheck(new Date(now.getTime() + DAY), null, now, THRESHOLDS, { crlUrl: null, issuer: 'CN=X' });
    assertSameAsSignIn(file, { reason: 'crl_invalid', crl: { why: 'not_yet_valid', crlUrl: null, issuer: 'CN=X', thisUpdate: iso(new Date(now.getTime() + DAY)) }, at: now });
    assert.match(file.message ?? '', /'unknown' issued by 'CN=X'.*CRL NextUpdate: 'none'\.$/);
    const endless = validityCheck(new Date(now.getTime() - DAY), null, now, THRESHOLDS, { crlUrl: URL, issuer: 'CN=X' });
    assert.equal(endless.errorCode, 'AADSTS500174');
    assertFilled(endless.message ?? '{');
  });

  it('PEM instead of DER: encoding fails with AADSTS2205011, and the PEM is still read for the other checks', async () => {
    const crl = await createCrl({ issuer: issuing, crlNumber: 3 });
    const result = assess(body(crl.pem));
    assert.deepEqual(failures(result.checks), ['encoding=AADSTS2205011']);
    assert.match(only(result.checks, 'encoding').detail, /PEM/);
    assert.equal(only(result.checks, 'signature').result, 'pass');
    assert.equal(result.crl?.crlNumber, 3n);
    assert.equal(signInImpactOf(result.checks, null).errorCode, 'AADSTS2205011');
    assertSameAsSignIn(only(result.checks, 'encoding'), { reason: 'crl_invalid', crl: { why: 'malformed' } });
  });

  it('not ASN.1 at all (an HTML page): AADSTS2205011; ASN.1 that is no CRL: AADSTS500174', () => {
    const html = assess(body('<html>moved</html>'));
    assert.deepEqual(failures(html.checks), ['encoding=AADSTS2205011']);
    assertSameAsSignIn(only(html.checks, 'encoding'), { reason: 'crl_invalid', crl: { why: 'malformed' } });
    assert.deepEqual(failures(assess(body(Buffer.from('300302010a', 'hex'))).checks), ['encoding=AADSTS500174']);
  });

  it("signed by another CA: signature fails with AADSTS2205015 naming the CRL's issuer", async () => {
    const crl = await createCrl({ issuer: other });
    const result = assess(body(crl.der));
    assert.deepEqual(failures(result.checks), ['signature=AADSTS2205015']);
    assert.match(only(result.checks, 'signature').detail, /issued by 'CN=Health Other CA, O=graph-pki tests', not by this CA/);
    // Entra's words: the CA's SKI and the CRL's AKI, upper-case hex.
    const aki = indexCrl(crl.der).authorityKeyIdentifier ?? '';
    assert.match(aki, /^[0-9A-F]{40}$/);
    assert.equal(
      only(result.checks, 'signature').message,
      `The Certificate Revocation List (CRL) failed signature validation. The expected SubjectKeyIdentifier ${issuingCert.subjectKeyIdentifier} does not match CRL's AuthorityKeyIdentifier ${aki}. Please contact your administrator.`,
    );
    assertSameAsSignIn(only(result.checks, 'signature'), { reason: 'crl_invalid', crl: { why: 'signer', authorityKeyIdentifier: aki, expectedSubjectKeyIdentifier: issuingCert.subjectKeyIdentifier ?? null } });
  });

  it('a signature that does not verify although the AKI is the CA\'s: AADSTS2205015 in our words, as sign-in says it', async () => {
    const der = Buffer.from((await createCrl({ issuer: issuing })).der);
    der[der.length - 2] = (der[der.length - 2] ?? 0) ^ 0xff;
    const signature = only(assess(body(der)).checks, 'signature');
    assert.equal(signature.errorCode, 'AADSTS2205015');
    assert.match(signature.message ?? '', /^The Certificate Revocation List \(CRL\) failed signature validation: .+\. Please contact your administrator\.$/);
    const aki = issuingCert.subjectKeyIdentifier ?? null;
    assertSameAsSignIn(signature, { reason: 'crl_invalid', message: signature.detail, crl: { why: 'signature', authorityKeyIdentifier: aki, expectedSubjectKeyIdentifier: aki } });
  });

  it('a CA with the same name but another key: the AKI is not the SKI (AADSTS2205015)', async () => {
    const impostor = await createCa({ subject: issuing.subject, issuer: root });
    const crl = await createCrl({ issuer: impostor });
    const check = only(assess(body(crl.der)).checks, 'signature');
    assert.equal(check.errorCode, 'AADSTS2205015');
    assert.match(check.detail, /authority key identifier .* is not the subject key identifier/);
    const aki = indexCrl(crl.der).authorityKeyIdentifier ?? null;
    assert.notEqual(aki, issuingCert.subjectKeyIdentifier);
    assertSameAsSignIn(check, { reason: 'crl_invalid', crl: { why: 'authority_key_identifier', authorityKeyIdentifier: aki, expectedSubjectKeyIdentifier: issuingCert.subjectKeyIdentifier ?? null } });
  });

  it("the CA's own CDP as its URL: the root's CRL is served; url and signature fail with AADSTS2205015", async () => {
    const crl = await createCrl({ issuer: root });
    const result = assess(body(crl.der), { url: 'http://crl.example/root.crl' });
    assert.deepEqual(failures(result.checks), ['url=AADSTS2205015', 'signature=AADSTS2205015']);
    assert.match(only(result.checks, 'url').detail, /own CRL distribution point.*'CN=Health Root, O=graph-pki tests'/);
    // What a sign-in gets from the root's CRL at that URL: signed by another CA.
    const wrongKey = { why: 'signer', crlUrl: 'http://crl.example/root.crl', authorityKeyIdentifier: indexCrl(crl.der).authorityKeyIdentifier ?? null, expectedSubjectKeyIdentifier: issuingCert.subjectKeyIdentifier ?? null };
    assertSameAsSignIn(only(result.checks, 'url'), { reason: 'crl_invalid', crl: wrongKey });
  });

  it('over the size limit: AADSTS2205014, from the downloaded body or from the fetcher refusing it', async () => {
    const crl = await createCrl({ issuer: issuing });
    const small = { ...THRESHOLDS, maxCrlBytes: 100 };
    const downloaded = assess(body(crl.der), { thresholds: small });
    assert.deepEqual(failures(downloaded.checks), ['size=AADSTS2205014']);
    const tooLarge = { kind: 'too_large', url: URL, maxBytes: 100 } as const;
    assertSameAsSignIn(only(downloaded.checks, 'size'), { reason: 'crl_unavailable', crl: { download: tooLarge } });
    assert.match(only(downloaded.checks, 'size').message ?? '', /from 'http:\/\/crl\.example\/issuing\.crl' .*\(100 bytes\)\. Please contact your administrator\.$/);
    const refused = assess({ kind: 'failed', problem: tooLarge, message: 'the server announced 5000 bytes, more than the limit of 100 bytes', durationMs: 3 }, { thresholds: small });
    assert.deepEqual(failures(refused.checks), ['size=AADSTS2205014']);
    assert.equal(signInImpactOf(refused.checks, null).errorCode, 'AADSTS2205014');
    assertSameAsSignIn(only(refused.checks, 'size'), { reason: 'crl_unavailable', crl: { download: tooLarge } });
  });

  it('slower than the limit: downloadTime fails with AADSTS2205012; over half of it warns', async () => {
    const timeout = { kind: 'timeout', url: URL } as const;
    const slow = assess({ kind: 'failed', problem: timeout, message: 'no complete answer within 10000 ms', durationMs: 10_001 });
    assert.deepEqual(failures(slow.checks), ['downloadTime=AADSTS2205012']);
    assertSameAsSignIn(only(slow.checks, 'downloadTime'), { reason: 'crl_unavailable', crl: { download: timeout } });
    const crl = await createCrl({ issuer: issuing });
    const halfway = assess(body(crl.der, 6_000));
    assert.equal(halfway.status, 'warning');
    assert.equal(only(halfway.checks, 'downloadTime').result, 'warning');
  });

  it('unreachable and an error status: AADSTS500173, the status as .NET names it, as sign-in says them', () => {
    const why = 'could not connect to 127.0.0.1 port 9: ECONNREFUSED';
    const noAnswer = { kind: 'unreachable', url: URL, why } as const;
    const refused = assess({ kind: 'failed', problem: noAnswer, message: why, durationMs: 2 });
    assert.deepEqual(failures(refused.checks), ['reachable=AADSTS500173']);
    assert.equal(only(refused.checks, 'reachable').message, `Unable to download a Certificate Revocation List (CRL). No status code from CRL distribution point '${URL}': ${why}. Please contact your administrator.`);
    assertSameAsSignIn(only(refused.checks, 'reachable'), { reason: 'crl_unavailable', crl: { download: noAnswer } });
    const notFound = { kind: 'status', url: URL, status: 404 } as const;
    const missing = assess({ kind: 'failed', problem: notFound, message: 'the server answered HTTP 404 Not Found', durationMs: 2 });
    assert.deepEqual(failures(missing.checks), ['reachable=AADSTS500173']);
    assert.equal(only(missing.checks, 'reachable').message, 'Unable to download a Certificate Revocation List (CRL). Invalid status code NotFound from CRL distribution point. Please contact your administrator.');
    assertSameAsSignIn(only(missing.checks, 'reachable'), { reason: 'crl_unavailable', crl: { download: notFound } });
  });

  it('CRL numbers: missing, or lower than seen before at the URL (replay), fail with AADSTS500174', async () => {
    const unnumbered = await createCrl({ issuer: issuing, crlNumber: null });
    assert.deepEqual(failures(assess(body(unnumbered.der)).checks), ['crlNumber=AADSTS500174']);
    const three = await createCrl({ issuer: issuing, crlNumber: 3 });
    assert.deepEqual(failures(assess(body(three.der), { highestCrlNumberSeen: 5n }).checks), ['crlNumber=AADSTS500174']);
    assert.equal(only(assess(body(three.der), { highestCrlNumberSeen: 3n }).checks, 'crlNumber').result, 'pass');
  });

  it('a delta older than its base: warning (it is ignored); a delta needing a newer base fails; a base URL serving a delta fails', async () => {
    const base = indexCrl((await createCrl({ issuer: issuing, crlNumber: 10 })).der);
    const stale = await createCrl({ issuer: issuing, crlNumber: 8, deltaBaseCrlNumber: 6 });
    const staleResult = assess(body(stale.der), { kind: 'delta', url: 'http://crl.example/delta.crl', base });
    assert.equal(staleResult.status, 'warning');
    assert.match(only(staleResult.checks, 'deltaBase').detail, /older than its base CRL \(number 10/);
    const ahead = await createCrl({ issuer: issuing, crlNumber: 13, deltaBaseCrlNumber: 12 });
    const aheadChecks = assess(body(ahead.der), { kind: 'delta', base }).checks;
    assert.deepEqual(failures(aheadChecks), ['deltaBase=AADSTS500174']);
    assertSameAsSignIn(only(aheadChecks, 'deltaBase'), { reason: 'crl_invalid', crl: { why: 'delta_base_mismatch' } });
    const good = await createCrl({ issuer: issuing, crlNumber: 11, deltaBaseCrlNumber: 10 });
    assert.equal(assess(body(good.der), { kind: 'delta', base }).status, 'healthy');
    assert.deepEqual(failures(assess(body(good.der)).checks), ['deltaBase=AADSTS500174']);
  });

  it('the sign-in impact: the base CRL decides first, then the delta; no URL means no check', async () => {
    const expired = assess(body((await createCrl({ issuer: issuing, thisUpdate: new Date(Date.now() - 3 * DAY), nextUpdate: new Date(Date.now() - DAY) })).der));
    const unreachable = assess({ kind: 'failed', problem: { kind: 'unreachable', url: 'http://crl.example/delta.crl', why: 'refused' }, message: 'refused', durationMs: 1 });
    assert.equal(signInImpactOf(expired.checks, unreachable.checks).errorCode, 'AADSTS500172');
    const healthy = assess(body((await createCrl({ issuer: issuing })).der));
    const impact = signInImpactOf(healthy.checks, unreachable.checks);
    assert.equal(impact.errorCode, 'AADSTS500173');
    assert.match(impact.message, /distribution point 'http:\/\/crl\.example\/delta\.crl': refused\./);
    assert.deepEqual(signInImpactOf(null, null).result, 'success');
  });
});
