// The admin page's verify panel in a real browser against a real server: a root + issuing CA .p7b
// uploaded through the page from a file server in the test, the issuing CA's CRL URL set (through the
// API: the page has no CRL URL editor), then a good leaf verified trusted (the panel shows the CRL URL
// and number checked for each certificate, the store CA and PKI, and the certificateUserIds the policy
// would match) and a revoked one revoked (the panel shows the CA, PKI, CRL URL, number and dates).
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { TEST_BACKEND } from '../helpers/backend.ts';
import { buildAdminPage, clearScreenshots, launchChromium, SCREENSHOT_DIR, type TestBrowser } from '../helpers/browser.ts';
import { createCa, createCrl, createLeaf, p7bOf, type TestCert, x509 } from '../helpers/certs.ts';
import { startFileServer, type FileServer } from '../helpers/file-server.ts';
import { PKI_PATH, startTestServer, type TestServer } from '../helpers/test-server.ts';

const SCREENSHOT_PREFIX = `admin-page-verify-${TEST_BACKEND}-`;

let t: TestServer;
let files: FileServer;
let browser: TestBrowser;
let page: Page;
let dir: string;
let good: TestCert;
let revoked: TestCert;
let bundle: Buffer;

async function verifyInPage(leaf: TestCert, name: string): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, leaf.pem);
  await page.getByLabel('Certificate file', { exact: true }).setInputFiles(file);
  await page.locator('#status', { hasText: `Loaded ${name}` }).waitFor();
  await page.getByRole('button', { name: 'Verify', exact: true }).click();
  await page.locator('#status', { hasText: /^Verified: / }).waitFor({ timeout: 30_000 });
  return (await page.locator('#verdict').textContent()) ?? '';
}

describe('admin page: verify panel', () => {
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'graph-pki-web-verify-'));
    await Promise.all([buildAdminPage(), clearScreenshots(SCREENSHOT_PREFIX)]);
    const started = await Promise.allSettled([
      launchChromium().then((launched) => (browser = launched)),
      startTestServer({ allowPrivateFetch: true }).then((server) => (t = server)),
      startFileServer().then((server) => (files = server)),
    ]);
    for (const result of started) if (result.status === 'rejected') throw result.reason;
    const root = await createCa({ subject: 'CN=Panel Root, O=Contoso' });
    // An ordinary issuing CA: its own CDP names the root's CRL.
    const issuing = await createCa({ subject: 'CN=Panel Issuing CA, O=Contoso', issuer: root, crlDistributionPoints: [`${files.url}/root.crl`] });
    good = await createLeaf({
      subject: 'CN=Panel Alice, O=Contoso',
      issuer: issuing,
      extendedKeyUsage: [x509.ExtendedKeyUsage.clientAuth],
      subjectAltNames: [{ type: 'upn', value: 'alice@contoso.test' }],
    });
    revoked = await createLeaf({ subject: 'CN=Panel Mallory, O=Contoso', issuer: issuing, extendedKeyUsage: [x509.ExtendedKeyUsage.clientAuth] });
    files.set('/root.crl', { body: (await createCrl({ issuer: root, crlNumber: 4 })).der });
    files.set('/issuing.crl', { body: (await createCrl({ issuer: issuing, crlNumber: 17, revoked: [{ serialNumber: revoked.serialNumber, reason: 1 }] })).der });
    bundle = p7bOf([root, issuing]);
    files.set('/panel.p7b', { body: bundle });
    page = await browser.newPage();
    page.on('dialog', (dialog) => void dialog.accept());
  });

  after(async () => {
    await browser?.close();
    await Promise.all([t?.close(), files?.close()]);
    await rm(dir, { recursive: true, force: true });
  });

  it('uploads the bundle through the page, then verifies a good leaf trusted and a revoked one revoked, showing what was checked', async () => {
    await page.goto(`${t.url}/`);
    await page.locator('body[data-ready="true"]').waitFor();
    await page.getByLabel('Access token (bearer JWT)').fill(await t.token());
    await page.getByRole('button', { name: 'Use token' }).click();
    await page.locator('#signed-in-as').waitFor();

    await page.getByLabel('Display name', { exact: true }).fill('Panel PKI');
    await page.getByRole('button', { name: 'Create PKI' }).click();
    await page.getByRole('button', { name: 'Open PKI Panel PKI' }).click();
    const bundleFile = path.join(dir, 'panel.p7b');
    await writeFile(bundleFile, bundle);
    await page.getByLabel('Or compute it from a local copy of the file').setInputFiles(bundleFile);
    await page.locator('#status', { hasText: 'SHA-256 of panel.p7b computed.' }).waitFor();
    await page.getByLabel('Bundle URL (the server downloads it)').fill(`${files.url}/panel.p7b`);
    await page.getByRole('button', { name: 'Start upload' }).click();
    // The upload job runs in the background; on a busy machine (the suite runs two back-ends) it takes a while.
    // A new PKI already reads 'succeeded' before its upload starts: wait for this upload's own outcome.
    await page.locator('#pki-detail-status-details', { hasText: /^Upload succeeded: added 2 certificate authorities/ }).waitFor({ timeout: 30_000 });

    // The issuing CA's own CRL URL, which the upload cannot know, set afterwards.
    const pkiId = (await t.request('GET', `/beta${PKI_PATH}`)).body.value[0].id as string;
    const cas = (await t.request('GET', `/beta${PKI_PATH}/${pkiId}/certificateAuthorities`)).body.value as Array<{ id: string; displayName: string; certificateRevocationListUrl: string | null }>;
    const issuingCa = cas.find((ca) => ca.displayName === 'Panel Issuing CA');
    assert.ok(issuingCa);
    assert.equal(cas.find((ca) => ca.displayName === 'Panel Root')?.certificateRevocationListUrl, `${files.url}/root.crl`);
    const patched = await t.request('PATCH', `/beta${PKI_PATH}/${pkiId}/certificateAuthorities/${issuingCa.id}`, { body: { certificateRevocationListUrl: `${files.url}/issuing.crl` } });
    assert.equal(patched.status, 200, patched.text);

    const trusted = await verifyInPage(good, 'alice.pem');
    assert.equal(await page.locator('.verdict h3').textContent(), 'Trusted');
    assert.match(trusted, new RegExp(`CRL ${files.url}/issuing\\.crl, number 17`));
    assert.match(trusted, new RegExp(`CRL ${files.url}/root\\.crl, number 4`));
    assert.match(trusted, new RegExp(`store CA ${issuingCa.id} in PKI ${pkiId}`));
    assert.match(trusted, /certificateUserIds candidates/);
    assert.match(trusted, /PrincipalName → onPremisesUserPrincipalName \(low affinity, usable\): X509:<PN>alice@contoso\.test/);
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${SCREENSHOT_PREFIX}trusted.png`), fullPage: true });

    const refused = await verifyInPage(revoked, 'mallory.pem');
    assert.equal(await page.locator('.verdict h3').textContent(), 'Not trusted');
    const facts = Object.fromEntries(
      await page.locator('.verdict dt').evaluateAll((terms) => terms.map((term) => [term.textContent, term.nextElementSibling?.textContent])),
    );
    assert.equal(facts.Reason, 'revoked', refused);
    assert.equal(facts['CA (store id)'], issuingCa.id);
    assert.equal(facts['PKI (store id)'], pkiId);
    assert.equal(facts['CRL URL'], `${files.url}/issuing.crl`);
    assert.equal(facts['CRL number'], '17');
    assert.match(facts['CRL issued'] ?? '', /UTC$/);
    assert.match(facts['CRL next update'] ?? '', /UTC$/);
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${SCREENSHOT_PREFIX}revoked.png`), fullPage: true });
  });
});
