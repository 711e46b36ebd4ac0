// The admin page in a real browser (Debian's Chromium through playwright-core) against a real server:
// sign in with a pasted token, create a PKI with the keyboard, add CAs from PEM and DER files, see their
// type and expiry (with the 30-day warning), watch an upload fail with its statusDetails, rename, delete
// and restore the PKI, verify certificates, and sign in again with the local dev token. Screenshots go to
// test-output/screenshots/.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { TEST_BACKEND } from '../helpers/backend.ts';
import { buildAdminPage, clearScreenshots, launchChromium, SCREENSHOT_DIR, type TestBrowser } from '../helpers/browser.ts';
import { createCa, createChain, createCrl, createLeaf, p7bOf, sha256Hex, type TestCert, x509 } from '../helpers/certs.ts';
import { startFileServer, type FileServer } from '../helpers/file-server.ts';
import { PKI_PATH, startTestServer, type TestServer } from '../helpers/test-server.ts';

const DAY_MS = 86_400_000;
const SCREENSHOT_PREFIX = `admin-page-${TEST_BACKEND}-`;

let t: TestServer;
let files: FileServer;
let browser: TestBrowser;
let page: Page;
let dir: string;
let root: TestCert;
let issuing: TestCert;
let leaf: TestCert;
let strangerLeaf: TestCert;
/** CSP violations and uncaught script errors seen in the page. */
const pageProblems: string[] = [];
let shot = 0;

async function screenshot(name: string): Promise<void> {
  shot++;
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${SCREENSHOT_PREFIX}${String(shot).padStart(2, '0')}-${name}.png`), fullPage: true });
}

/** The text of the row of a table body whose first cell is `name`. */
function rowNamed(tbody: string, name: string) {
  return page.locator(`${tbody} tr`).filter({ has: page.locator('td:first-child', { hasText: new RegExp(`^${name}$`) }) });
}

describe('admin page', () => {
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'graph-pki-web-'));
    await Promise.all([buildAdminPage(), clearScreenshots(SCREENSHOT_PREFIX)]);
    // Side by side; each is kept as soon as it started, so `after` stops it even when another fails (no Chromium, say).
    const started = await Promise.allSettled([
      launchChromium().then((launched) => (browser = launched)),
      startTestServer({ allowPrivateFetch: true }).then((server) => (t = server)),
      startFileServer().then((server) => (files = server)),
    ]);
    for (const result of started) if (result.status === 'rejected') throw result.reason;
    root = await createCa({ subject: 'CN=Web Test Root CA, O=Contoso' });
    issuing = await createCa({ subject: 'CN=Web Test Issuing CA, O=Contoso', issuer: root, notAfter: new Date(Date.now() + 10 * DAY_MS) });
    leaf = await createLeaf({ subject: 'CN=Alice, O=Contoso', issuer: issuing, extendedKeyUsage: [x509.ExtendedKeyUsage.clientAuth] });
    strangerLeaf = (await createChain({ name: 'Stranger' })).leaf;
    // The root's CRL, which verification downloads to check the issuing CA: it revokes nobody.
    files.set('/root.crl', { body: (await createCrl({ issuer: root, crlNumber: 1 })).der });
    page = await browser.newPage();
    page.on('dialog', (dialog) => void dialog.accept());
    page.on('pageerror', (error) => pageProblems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) pageProblems.push(`CSP: ${message.text()}`);
    });
  });

  after(async () => {
    await browser?.close();
    await Promise.all([t?.close(), files?.close()]);
    await rm(dir, { recursive: true, force: true });
  });

  it('is served at / with a strict CSP and nosniff, and signs in with a pasted token', async () => {
    const response = await page.goto(`${t.url}/`);
    assert.equal(response?.status(), 200);
    const headers = response?.headers() ?? {};
    assert.match(headers['content-security-policy'] ?? '', /script-src 'self'/);
    assert.doesNotMatch(headers['content-security-policy'] ?? '', /unsafe-inline/);
    assert.equal(headers['x-content-type-options'], 'nosniff');
    await page.locator('body[data-ready="true"]').waitFor();
    // Bound to loopback: the dev token is offered.
    assert.equal(await page.getByRole('button', { name: 'Use local dev token' }).isVisible(), true);

    await page.getByLabel('Access token (bearer JWT)').fill(`Bearer ${await t.token()}`);
    await page.getByRole('button', { name: 'Use token' }).click();
    await page.locator('#signed-in-as', { hasText: 'PublicKeyInfrastructure.ReadWrite.All' }).waitFor();
    assert.equal(await page.locator('#sign-in').isHidden(), true);
    // The token lives in session storage only, never in the URL.
    assert.equal(new URL(page.url()).search, '');
  });

  it('creates a PKI from the keyboard (focus lands in the name field after signing in)', async () => {
    await page.keyboard.type('Contoso PKI');
    await page.keyboard.press('Enter');
    const row = rowNamed('#pki-rows', 'Contoso PKI');
    await row.waitFor();
    assert.equal(await row.locator('td').nth(1).textContent(), 'succeeded');
    const listed = await t.request('GET', `/beta${PKI_PATH}`);
    assert.deepEqual(
      listed.body.value.map((p: { displayName: string }) => p.displayName),
      ['Contoso PKI'],
    );
  });

  it('adds CAs from a PEM file and a DER file and lists them with type and expiry, warning of the one expiring soon', async () => {
    await page.getByRole('button', { name: 'Open PKI Contoso PKI' }).click();
    await page.locator('#pki-detail-name', { hasText: 'Contoso PKI' }).waitFor();
    const pemFile = path.join(dir, 'root.pem');
    const derFile = path.join(dir, 'issuing.cer');
    await writeFile(pemFile, root.pem);
    await writeFile(derFile, issuing.der);

    await page.getByLabel('Certificate file (PEM with one or more certificates, or DER)').setInputFiles(pemFile);
    await page.getByLabel('CRL URL (optional)').fill(`${files.url}/root.crl`);
    await page.getByRole('button', { name: 'Add CA' }).click();
    await page.locator('#status', { hasText: 'Added 1 certificate authority.' }).waitFor();
    await page.getByLabel('Certificate file (PEM with one or more certificates, or DER)').setInputFiles(derFile);
    await page.getByLabel('Enable issuer hints').check();
    await page.getByRole('button', { name: 'Add CA' }).click();
    await page.locator('#ca-rows tr').nth(1).waitFor();

    const rootRow = rowNamed('#ca-rows', 'Web Test Root CA');
    const issuingRow = rowNamed('#ca-rows', 'Web Test Issuing CA');
    assert.equal(await rootRow.locator('td').nth(1).textContent(), 'root');
    assert.equal(await issuingRow.locator('td').nth(1).textContent(), 'intermediate');
    const rootExpiry = root.cert.notAfter.toISOString().slice(0, 16).replace('T', ' ');
    assert.equal(await rootRow.locator('td').nth(2).textContent(), rootExpiry);
    assert.equal((await rootRow.locator('td').nth(2).getAttribute('class')) ?? '', '');
    // Expiring within 30 days: highlighted, and said in words.
    assert.equal(await issuingRow.locator('td').nth(2).getAttribute('class'), 'expiring');
    assert.match((await issuingRow.locator('td').nth(2).textContent()) ?? '', /expires in (9|10) days/);
    assert.equal(await rootRow.getByRole('link', { name: `${files.url}/root.crl` }).count(), 1);
    assert.match((await issuingRow.locator('td').nth(5).textContent()) ?? '', /^on /);
    assert.match((await rootRow.locator('td').nth(5).textContent()) ?? '', /^off /);
    await screenshot('cas-listed');
  });

  it('computes the hash of a chosen file, starts an upload and shows the failed statusDetails', async () => {
    const bundle = p7bOf([root, issuing]);
    const bundleFile = path.join(dir, 'cba.p7b');
    await writeFile(bundleFile, bundle);
    await page.getByLabel('Or compute it from a local copy of the file').setInputFiles(bundleFile);
    await page.locator('#status', { hasText: 'SHA-256 of cba.p7b computed.' }).waitFor();
    assert.equal(await page.getByLabel('SHA-256 of the file (64 hex digits)').inputValue(), sha256Hex(bundle));

    // The file server knows no such path: it answers 404.
    await page.getByLabel('Bundle URL (the server downloads it)').fill(`${files.url}/missing/cba.p7b`);
    await page.getByRole('button', { name: 'Start upload' }).click();
    await page.locator('#pki-detail-status', { hasText: 'failed' }).waitFor();
    const details = (await page.locator('#pki-detail-status-details').textContent()) ?? '';
    assert.match(details, /HTTP 404/);
    assert.match((await page.locator('#error').textContent()) ?? '', /^PKI Contoso PKI: Upload failed: .*HTTP 404/);
    assert.equal(await rowNamed('#pki-rows', 'Contoso PKI').locator('td').nth(1).textContent(), 'failed');
    assert.equal(files.hits.get('/missing/cba.p7b'), 1);
    // A failed upload leaves the CAs as they were.
    assert.equal(await page.locator('#ca-rows tr').count(), 2);
    await screenshot('upload-failed');
  });

  it('renames the PKI, deletes it and restores it from deleted items with its CAs', async () => {
    await page.getByLabel('New display name').fill('Fabrikam PKI');
    await page.getByRole('button', { name: 'Rename' }).click();
    await rowNamed('#pki-rows', 'Fabrikam PKI').waitFor();
    assert.equal(await page.locator('#pki-detail-name').textContent(), 'Fabrikam PKI');

    await page.getByRole('button', { name: 'Delete PKI' }).click();
    await page.locator('#pki-empty').waitFor();
    assert.equal(await page.locator('#pki-detail').isHidden(), true);
    const deletedRow = rowNamed('#deleted-rows', 'Fabrikam PKI');
    await deletedRow.waitFor();
    assert.equal(await deletedRow.locator('td').nth(1).textContent(), 'PKI');
    await screenshot('deleted');

    await page.getByRole('button', { name: 'Restore PKI Fabrikam PKI' }).click();
    await rowNamed('#pki-rows', 'Fabrikam PKI').waitFor();
    await page.locator('#deleted-empty').waitFor();
    await page.getByRole('button', { name: 'Open PKI Fabrikam PKI' }).click();
    await rowNamed('#ca-rows', 'Web Test Issuing CA').waitFor();
    assert.equal(await page.locator('#ca-rows tr').count(), 2);
  });

  it('verifies a dropped PEM (trusted) and a chosen file of another chain (not trusted)', async () => {
    // A real drop: a DataTransfer with the file, dispatched on the drop zone.
    const transfer = await page.evaluateHandle(
      `(() => { const t = new DataTransfer(); t.items.add(new File([${JSON.stringify(leaf.pem)}], 'alice.pem')); return t; })()`,
    );
    await page.dispatchEvent('#verify-drop', 'drop', { dataTransfer: transfer });
    await page.locator('#status', { hasText: 'Loaded alice.pem' }).waitFor();
    await page.getByRole('button', { name: 'Verify', exact: true }).click();
    await page.locator('.verdict h3', { hasText: /^Trusted$/ }).waitFor();
    const trusted = (await page.locator('#verdict').textContent()) ?? '';
    assert.match(trusted, /chains to the trusted/);
    // The path runs to the root (the issuing CA checked against the root's CRL).
    assert.match(trusted, /trusted CA: CN=Web Test Root CA, O=Contoso/);
    await screenshot('verified-trusted');

    const strangerFile = path.join(dir, 'stranger.cer');
    await writeFile(strangerFile, strangerLeaf.der);
    await page.getByLabel('Certificate file', { exact: true }).setInputFiles(strangerFile);
    await page.locator('#status', { hasText: 'Loaded stranger.cer' }).waitFor();
    await page.getByRole('button', { name: 'Verify', exact: true }).click();
    await page.locator('.verdict h3', { hasText: 'Not trusted' }).waitFor();
    assert.match((await page.locator('#verdict').textContent()) ?? '', /untrusted_root/);
  });

  it('shows Graph error messages from the envelope', async () => {
    // The same certificate again: the server's duplicate message, shown as it is.
    await page.getByLabel('Certificate file (PEM with one or more certificates, or DER)').setInputFiles(path.join(dir, 'root.pem'));
    await page.getByRole('button', { name: 'Add CA' }).click();
    const error = page.locator('#error');
    await error.filter({ hasText: 'Duplicate Certificate exists' }).waitFor();
    assert.match((await error.textContent()) ?? '', /^Could not add every CA from root\.pem: Added 0 certificate authorities\. Refused certificate 1 of 1: .*Duplicate Certificate exists/);
  });

  it('signs out (forgetting the token) and back in with the local dev token', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.locator('#sign-in').waitFor();
    assert.equal(await page.evaluate('sessionStorage.length'), 0);
    await page.getByRole('button', { name: 'Use local dev token' }).click();
    await page.locator('#signed-in-as', { hasText: 'tenant 00000000-0000-4000-8000-000000000001' }).waitFor();
    // The same (default) tenant: the PKIs made with the pasted token are there.
    await rowNamed('#pki-rows', 'Fabrikam PKI').waitFor();
    await screenshot('dev-token');
    assert.deepEqual(pageProblems, []);
  });

  describe('on a server not bound to loopback', () => {
    let wide: TestServer;
    before(async () => {
      wide = await startTestServer({ host: '0.0.0.0' });
    });
    after(() => wide?.close());

    it('hides the dev token button; its endpoint does not exist', async () => {
      const port = new URL(wide.url).port;
      const other = await browser.newPage();
      try {
        await other.goto(`http://127.0.0.1:${port}/`);
        await other.locator('body[data-ready="true"]').waitFor();
        assert.equal(await other.getByRole('button', { name: 'Use local dev token' }).isHidden(), true);
        assert.equal(await other.getByRole('button', { name: 'Use token' }).isVisible(), true);
      } finally {
        await other.close();
      }
      const minted = await fetch(`http://127.0.0.1:${port}/_dev/token`, { method: 'POST' });
      assert.equal(minted.status, 404);
    });
  });
});
