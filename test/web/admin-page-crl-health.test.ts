// The admin page's CRL health column in a real browser (Debian's Chromium through playwright-core)
// against a real server and CRLs generated here on a local file server: each CA's CRL status and time
// left, the failing check in words with its AADSTS code, a CA without a CRL URL, and the Refresh button,
// which downloads the CA's CRL again after it was republished. Screenshots go to test-output/screenshots/.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { DEFAULT_CRL_CONFIG } from '../../src/config.ts';
import { TEST_BACKEND } from '../helpers/backend.ts';
import { buildAdminPage, clearScreenshots, launchChromium, SCREENSHOT_DIR, skipUnlessChromium, type TestBrowser } from '../helpers/browser.ts';
import { createCa, createCrl, type TestCert } from '../helpers/certs.ts';
import { startFileServer, type FileServer } from '../helpers/file-server.ts';
import { PKI_PATH, startTestServer, type TestServer } from '../helpers/test-server.ts';

const SCREENSHOT_PREFIX = `admin-page-crl-health-${TEST_BACKEND}-`;
const DAY = 86_400_000;

let t: TestServer;
let files: FileServer;
let browser: TestBrowser;
let page: Page;
let expiring: TestCert;
const pageProblems: string[] = [];

const cellOf = (name: string) =>
  page.locator('#ca-rows tr').filter({ has: page.locator('td:first-child', { hasText: new RegExp(`^${name}$`) }) }).locator('td.crl-health');

describe('admin page: CRL health', { skip: await skipUnlessChromium(import.meta.url) }, () => {
  before(async () => {
    await Promise.all([buildAdminPage(), clearScreenshots(SCREENSHOT_PREFIX)]);
    const started = await Promise.allSettled([
      launchChromium().then((launched) => (browser = launched)),
      startTestServer({ allowPrivateFetch: true, crl: { ...DEFAULT_CRL_CONFIG, crlHealthIntervalMs: 0 } }).then((server) => (t = server)),
      startFileServer().then((server) => (files = server)),
    ]);
    for (const result of started) if (result.status === 'rejected') throw result.reason;
    const root = await createCa({ subject: 'CN=Page Root CA, O=Contoso' });
    const healthy = await createCa({ subject: 'CN=Page Healthy CA, O=Contoso', issuer: root });
    expiring = await createCa({ subject: 'CN=Page Expired CA, O=Contoso', issuer: root });
    const now = Date.now();
    files.set('/healthy.crl', { body: (await createCrl({ issuer: healthy, crlNumber: 3 })).der });
    files.set('/expired.crl', { body: (await createCrl({ issuer: expiring, crlNumber: 4, thisUpdate: new Date(now - 9 * DAY), nextUpdate: new Date(now - 2 * DAY) })).der });
    const pkiId = (await t.request('POST', `/beta${PKI_PATH}`, { body: { displayName: 'CRL PKI' } })).body.id;
    for (const [ca, url] of [
      [root, null],
      [healthy, `${files.url}/healthy.crl`],
      [expiring, `${files.url}/expired.crl`],
    ] as const) {
      const res = await t.request('POST', `/beta${PKI_PATH}/${pkiId}/certificateAuthorities`, { body: { certificate: ca.base64, certificateRevocationListUrl: url } });
      assert.equal(res.status, 201, res.text);
    }
    page = await browser.newPage();
    page.on('pageerror', (error) => pageProblems.push(`page error: ${error.message}`));
    await page.goto(`${t.url}/`);
    await page.locator('body[data-ready="true"]').waitFor();
    await page.getByLabel('Access token (bearer JWT)').fill(await t.token());
    await page.getByRole('button', { name: 'Use token' }).click();
    await page.getByRole('button', { name: 'Open PKI CRL PKI' }).click();
    await page.locator('#pki-detail-name', { hasText: 'CRL PKI' }).waitFor();
  });

  after(async () => {
    await browser?.close();
    await t?.close();
    await files?.close();
  });

  it('shows each CA’s CRL status and time left, the failing check in words with its AADSTS code', async () => {
    await cellOf('Page Healthy CA').locator('[data-crl-status="healthy"]').waitFor();
    assert.match(await cellOf('Page Healthy CA').innerText(), /healthy\s+6 d 2\d h left/);
    const expired = cellOf('Page Expired CA');
    await expired.locator('[data-crl-status="failing"]').waitFor();
    const text = await expired.innerText();
    assert.match(text, /failing\s+expired 2 d \d+ h ago/);
    assert.match(text, /validity: expired at its nextUpdate .*\(sign-ins fail with AADSTS500172\)/);
    assert.match(await cellOf('Page Root CA').innerText(), /no CRL/);
    assert.equal(await cellOf('Page Root CA').getByRole('button').count(), 0);
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${SCREENSHOT_PREFIX}01-column.png`), fullPage: true });
    assert.deepEqual(pageProblems, []);
  });

  it('Refresh downloads the CA’s CRL again now: republished, it reads healthy', async () => {
    files.set('/expired.crl', { body: (await createCrl({ issuer: expiring, crlNumber: 5 })).der });
    const before = files.hits.get('/expired.crl') ?? 0;
    await page.getByRole('button', { name: 'Download the CRLs of Page Expired CA again now' }).click();
    await page.locator('#status', { hasText: 'Checked the CRLs of Page Expired CA: base healthy.' }).waitFor();
    await cellOf('Page Expired CA').locator('[data-crl-status="healthy"]').waitFor();
    assert.equal(files.hits.get('/expired.crl'), before + 1);
    assert.doesNotMatch(await cellOf('Page Expired CA').innerText(), /AADSTS/);
    // The server keeps the new state: a reload shows it too.
    await page.reload();
    await page.locator('body[data-ready="true"]').waitFor();
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${SCREENSHOT_PREFIX}02-refreshed.png`), fullPage: true });
    assert.deepEqual(pageProblems, []);
  });
});
