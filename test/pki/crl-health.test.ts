// The CRL health checks (src/pki/crl-health*.ts) on CRLs generated here: each problem Entra's CRL error
// table knows gets its check, its status and its AADSTS code, and the sign-in impact follows.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { parseCertificate, type Certificate } from '../../src/pki/certificate.ts';
import { assessCrl, type CrlAssessmentInput, type CrlDownload } from '../../src/pki/crl-health-checks.ts';
import { type CrlHealthThresholds, type HealthCheck, signInImpactOf, validityCheck } from '../../src/pki/crl-health.ts';
import { indexCrl } from '../../src/pki/crl.ts';
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

const body = (der: Buffer | string, durationMs: number | null = 40): CrlDownload => ({ kind: 'body', body: Buffer.from(der), durationMs });

function assess(download: CrlDownload, extra: Partial<CrlAssessmentInput> = {}) {
  return assessCrl({ kind: 'base', url: 'http://crl.example/issuing.crl', download, ca: issuingCert, now: new Date(), thresholds: THRESHOLDS, ...extra });
}

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
    assert.equal(validityCheck(thisUpdate, nextUpdate, now, THRESHOLDS).result, 'pass');
    assert.equal(validityCheck(thisUpdate, nextUpdate, now, { ...THRESHOLDS, warningShare: 0.5 }).result, 'warning');
    assert.equal(validityCheck(thisUpdate, nextUpdate, now, { ...THRESHOLDS, warningMinimumMs: 3 * DAY }).result, 'warning');
  });

  it('expired: validity fails with AADSTS500172', async () => {
    const crl = await createCrl({ issuer: issuing, thisUpdate: new Date(Date.now() - 10 * DAY), nextUpdate: new Date(Date.now() - DAY) });
    const result = assess(body(crl.der));
    assert.equal(result.status, 'failing');
    assert.deepEqual(failures(result.checks), ['validity=AADSTS500172']);
    assert.match(only(result.checks, 'validity').detail, /expired .*1 d ago/);
    const impact = signInImpactOf(result.checks, null);
    assert.deepEqual([impact.result, impact.errorCode], ['failure', 'AADSTS500172']);
    assert.match(impact.message, /is not valid/);
  });

  it('PEM instead of DER: encoding fails with AADSTS2205011, and the PEM is still read for the other checks', async () => {
    const crl = await createCrl({ issuer: issuing, crlNumber: 3 });
    const result = assess(body(crl.pem));
    assert.deepEqual(failures(result.checks), ['encoding=AADSTS2205011']);
    assert.match(only(result.checks, 'encoding').detail, /PEM/);
    assert.equal(only(result.checks, 'signature').result, 'pass');
    assert.equal(result.crl?.crlNumber, 3n);
    assert.equal(signInImpactOf(result.checks, null).errorCode, 'AADSTS2205011');
  });

  it('not ASN.1 at all (an HTML page): AADSTS2205011; ASN.1 that is no CRL: AADSTS500174', () => {
    assert.deepEqual(failures(assess(body('<html>moved</html>')).checks), ['encoding=AADSTS2205011']);
    assert.deepEqual(failures(assess(body(Buffer.from('300302010a', 'hex'))).checks), ['encoding=AADSTS500174']);
  });

  it("signed by another CA: signature fails with AADSTS2205015 naming the CRL's issuer", async () => {
    const crl = await createCrl({ issuer: other });
    const result = assess(body(crl.der));
    assert.deepEqual(failures(result.checks), ['signature=AADSTS2205015']);
    assert.match(only(result.checks, 'signature').detail, /issued by 'CN=Health Other CA, O=graph-pki tests', not by this CA/);
  });

  it('a CA with the same name but another key: the AKI is not the SKI (AADSTS2205015)', async () => {
    const impostor = await createCa({ subject: issuing.subject, issuer: root });
    const crl = await createCrl({ issuer: impostor });
    const check = only(assess(body(crl.der)).checks, 'signature');
    assert.equal(check.errorCode, 'AADSTS2205015');
    assert.match(check.detail, /authority key identifier .* is not the subject key identifier/);
  });

  it("the CA's own CDP as its URL: the root's CRL is served; url and signature fail with AADSTS2205015", async () => {
    const crl = await createCrl({ issuer: root });
    const result = assess(body(crl.der), { url: 'http://crl.example/root.crl' });
    assert.deepEqual(failures(result.checks), ['url=AADSTS2205015', 'signature=AADSTS2205015']);
    assert.match(only(result.checks, 'url').detail, /own CRL distribution point.*'CN=Health Root, O=graph-pki tests'/);
  });

  it('over the size limit: AADSTS2205014, from the downloaded body or from the fetcher refusing it', async () => {
    const crl = await createCrl({ issuer: issuing });
    const small = { ...THRESHOLDS, maxCrlBytes: 100 };
    assert.deepEqual(failures(assess(body(crl.der), { thresholds: small }).checks), ['size=AADSTS2205014']);
    const refused = assess({ kind: 'failed', failure: 'too_large', message: 'the server announced 5000 bytes, more than the limit of 100 bytes', durationMs: 3 }, { thresholds: small });
    assert.deepEqual(failures(refused.checks), ['size=AADSTS2205014']);
    assert.equal(signInImpactOf(refused.checks, null).errorCode, 'AADSTS2205014');
  });

  it('slower than the limit: downloadTime fails with AADSTS2205012; over half of it warns', async () => {
    const slow = assess({ kind: 'failed', failure: 'timeout', message: 'no complete answer within 10000 ms', durationMs: 10_001 });
    assert.deepEqual(failures(slow.checks), ['downloadTime=AADSTS2205012']);
    const crl = await createCrl({ issuer: issuing });
    const halfway = assess(body(crl.der, 6_000));
    assert.equal(halfway.status, 'warning');
    assert.equal(only(halfway.checks, 'downloadTime').result, 'warning');
  });

  it('unreachable: AADSTS500175; an error status: AADSTS500173', () => {
    const refused = assess({ kind: 'failed', failure: 'unreachable', message: 'could not connect to 127.0.0.1 port 9: ECONNREFUSED', durationMs: 2 });
    assert.deepEqual(failures(refused.checks), ['reachable=AADSTS500175']);
    const missing = assess({ kind: 'failed', failure: 'http_status', message: 'the server answered HTTP 404 Not Found', durationMs: 2 });
    assert.deepEqual(failures(missing.checks), ['reachable=AADSTS500173']);
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
    assert.deepEqual(failures(assess(body(ahead.der), { kind: 'delta', base }).checks), ['deltaBase=AADSTS500174']);
    const good = await createCrl({ issuer: issuing, crlNumber: 11, deltaBaseCrlNumber: 10 });
    assert.equal(assess(body(good.der), { kind: 'delta', base }).status, 'healthy');
    assert.deepEqual(failures(assess(body(good.der)).checks), ['deltaBase=AADSTS500174']);
  });

  it('the sign-in impact: the base CRL decides first, then the delta; no URL means no check', async () => {
    const expired = assess(body((await createCrl({ issuer: issuing, thisUpdate: new Date(Date.now() - 3 * DAY), nextUpdate: new Date(Date.now() - DAY) })).der));
    const unreachable = assess({ kind: 'failed', failure: 'unreachable', message: 'refused', durationMs: 1 });
    assert.equal(signInImpactOf(expired.checks, unreachable.checks).errorCode, 'AADSTS500172');
    const healthy = assess(body((await createCrl({ issuer: issuing })).der));
    assert.equal(signInImpactOf(healthy.checks, unreachable.checks).errorCode, 'AADSTS500175');
    assert.deepEqual(signInImpactOf(null, null).result, 'success');
  });
});
