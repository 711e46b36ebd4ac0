// The admin page's CA editing and local bundles in a real browser (Debian's Chromium through
// playwright-core) against a real server: a CA added with a CRL and a delta CRL URL, then its CRL URLs and
// issuer hints edited (from the keyboard, Escape to cancel, the focus back on the row's Edit button), what
// the page and the server refuse, and the CAs of a local .p7b (DER and PEM) added one request each, with
// duplicates skipped and a non-CA refused. Screenshots go to test-output/screenshots/.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { TEST_BACKEND } from '../helpers/backend.ts';
import { buildAdminPage, clearScreenshots, launchChromium, SCREENSHOT_DIR, skipUnlessChromium, type TestBrowser } from '../helpers/browser.ts';
import { createCa, createLeaf, p7bOf, p7bPemOf, type TestCert, x509 } from '../helpers/certs.ts';
import { assertFocusSettles, countPageRequests, FOCUSED } from '../helpers/page-probes.ts';
import { PKI_PATH, startTestServer, type TestServer } from '../helpers/test-server.ts';

const SCREENSHOT_PREFIX = `admin-page-ca-edit-${TEST_BACKEND}-`;
const CRL = 'http://crl.contoso.example/root.crl';
const DELTA = 'http://crl.contoso.example/root-delta.crl';

let t: TestServer;
let browser: TestBrowser;
let page: Page;
let dir: string;
let root: TestCert;
let issuing: TestCert;
let other: TestCert;
let leaf: TestCert;
let pkiId: string;
const pageProblems: string[] = [];
let shot = 0;

async function screenshot(name: string): Promise<void> {
  shot++;
  await page.evaluate('window.scrollTo(0, 0)');
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${SCREENSHOT_PREFIX}${String(shot).padStart(2, '0')}-${name}.png`), fullPage: true });
}

const assertFocusSettlesOn = (expected: string) => assertFocusSettles(page, expected);
const countRequests = (method: string, pathPattern: RegExp, action: () => Promise<void>) => countPageRequests(page, method, pathPattern, action);

function rowNamed(name: string) {
  return page.locator('#ca-rows tr').filter({ has: page.locator('td:first-child', { hasText: new RegExp(`^${name}$`) }) });
}

// biome-ignore lint/suspicious/noExplicitAny: response bodies
async function storedCa(name: string): Promise<any> {
  const listed = await t.request('GET', `/beta${PKI_PATH}/${pkiId}/certificateAuthorities`);
  return listed.body.value.find((ca: { displayName: string }) => ca.displayName === name);
}

describe('admin page: editing CAs and adding a local bundle', { skip: await skipUnlessChromium(import.meta.url) }, () => {
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'graph-pki-web-ca-edit-'));
    await Promise.all([buildAdminPage(), clearScreenshots(SCREENSHOT_PREFIX)]);
    const started = await Promise.allSettled([launchChromium().then((launched) => (browser = launched)), startTestServer().then((server) => (t = server))]);
    for (const result of started) if (result.status === 'rejected') throw result.reason;
    root = await createCa({ subject: 'CN=Edit Root CA, O=Contoso' });
    issuing = await createCa({ subject: 'CN=Edit Issuing CA, O=Contoso', issuer: root });
    other = await createCa({ subject: 'CN=Edit Other Root, O=Contoso' });
    leaf = await createLeaf({ subject: 'CN=Edit Alice, O=Contoso', issuer: issuing, extendedKeyUsage: [x509.ExtendedKeyUsage.clientAuth] });
    pkiId = (await t.request('POST', `/beta${PKI_PATH}`, { body: { displayName: 'Edit PKI' } })).body.id;
    page = await browser.newPage();
    page.on('pageerror', (error) => pageProblems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) pageProblems.push(`CSP: ${message.text()}`);
    });
    await page.goto(`${t.url}/`);
    await page.locator('body[data-ready="true"]').waitFor();
    await page.getByLabel('Access token (bearer JWT)').fill(await t.token());
    await page.getByRole('button', { name: 'Use token' }).click();
    await page.getByRole('button', { name: 'Open PKI Edit PKI' }).click();
    await page.locator('#pki-detail-name', { hasText: 'Edit PKI' }).waitFor();
  });

  after(async () => {
    await browser?.close();
    await t?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('adds a CA with a CRL and a delta CRL URL, and refuses a delta without a CRL URL before sending anything', async () => {
    const rootFile = path.join(dir, 'root.pem');
    await writeFile(rootFile, root.pem);
    await page.getByLabel('Certificate file (PEM with one or more certificates, or DER)').setInputFiles(rootFile);
    await page.getByLabel('Delta CRL URL (optional, needs the CRL URL)').fill(DELTA);
    const posted = await countRequests('POST', /\/certificateAuthorities$/, async () => {
      await page.getByRole('button', { name: 'Add CA', exact: true }).click();
      await page.locator('#error', { hasText: 'Could not add every CA from root.pem: a delta CRL URL needs a CRL URL' }).waitFor();
    });
    assert.equal(posted, 0);

    await page.locator('#ca-crl-url').fill(CRL);
    await page.getByRole('button', { name: 'Add CA', exact: true }).click();
    await page.locator('#status', { hasText: 'Added 1 certificate authority.' }).waitFor();
    const row = rowNamed('Edit Root CA');
    await row.waitFor();
    assert.equal(await row.getByRole('link', { name: CRL }).count(), 1);
    assert.equal(await row.getByRole('link', { name: DELTA }).count(), 1);
    const stored = await storedCa('Edit Root CA');
    assert.equal(stored.certificateRevocationListUrl, CRL);
    assert.equal(stored.deltaCertificateRevocationListUrl, DELTA);
  });

  it("edits a CA's CRL URLs and issuer hints from the keyboard; the focus goes to the form and back to the row's Edit button", async () => {
    const editButton = 'Edit CRL URLs and issuer hints of Edit Root CA';
    await page.getByRole('button', { name: editButton }).focus();
    await page.keyboard.press('Enter');
    await page.locator('#edit-ca-name', { hasText: 'Edit Root CA' }).waitFor();
    assert.equal(await page.evaluate(FOCUSED), 'edit-ca-crl-url');
    assert.equal(await page.locator('#edit-ca-crl-url').inputValue(), CRL);
    assert.equal(await page.locator('#edit-ca-delta-crl-url').inputValue(), DELTA);
    assert.equal(await page.getByLabel('Issuer hints on for this CA').isChecked(), false);
    assert.equal(await page.getByRole('button', { name: editButton }).getAttribute('aria-expanded'), 'true');
    assert.equal(await rowNamed('Edit Root CA').getAttribute('class'), 'selected');

    await page.keyboard.press('Control+A');
    await page.keyboard.type('http://crl2.contoso.example/root.crl');
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(FOCUSED), 'edit-ca-delta-crl-url');
    await page.keyboard.press('Control+A');
    await page.keyboard.type('http://crl2.contoso.example/root-delta.crl');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Space');
    await screenshot('editing');
    const patches = await countRequests('PATCH', /\/certificateAuthorities\//, async () => {
      await page.keyboard.press('Enter');
      await page.locator('#status', {
        hasText: 'Saved the CA Edit Root CA: CRL URL http://crl2.contoso.example/root.crl, delta CRL URL http://crl2.contoso.example/root-delta.crl, issuer hints on.',
      }).waitFor();
    });
    assert.equal(patches, 1);
    await assertFocusSettlesOn(editButton);
    assert.equal(await page.locator('#edit-ca-form').isHidden(), true);
    const stored = await storedCa('Edit Root CA');
    assert.equal(stored.certificateRevocationListUrl, 'http://crl2.contoso.example/root.crl');
    assert.equal(stored.deltaCertificateRevocationListUrl, 'http://crl2.contoso.example/root-delta.crl');
    assert.equal(stored.isIssuerHintEnabled, true);
    const row = rowNamed('Edit Root CA');
    assert.equal(await row.getByRole('link', { name: 'http://crl2.contoso.example/root-delta.crl' }).count(), 1);
    assert.match((await row.locator('td').nth(5).textContent()) ?? '', /^on /);
    await screenshot('edited');
  });

  it('cancels with Escape, sending nothing', async () => {
    await page.getByRole('button', { name: 'Edit CRL URLs and issuer hints of Edit Root CA' }).click();
    await page.locator('#edit-ca-crl-url').fill('http://crl3.contoso.example/root.crl');
    const patches = await countRequests('PATCH', /\/certificateAuthorities\//, async () => {
      await page.keyboard.press('Escape');
      await page.locator('#edit-ca-form').waitFor({ state: 'hidden' });
    });
    assert.equal(patches, 0);
    await assertFocusSettlesOn('Edit CRL URLs and issuer hints of Edit Root CA');
    assert.equal(await page.getByRole('button', { name: 'Edit CRL URLs and issuer hints of Edit Root CA' }).getAttribute('aria-expanded'), 'false');
    assert.equal((await storedCa('Edit Root CA')).certificateRevocationListUrl, 'http://crl2.contoso.example/root.crl');
  });

  it("refuses a delta CRL URL without a CRL URL, shows the server's refusal of a non-http URL, and clears both", async () => {
    await page.getByRole('button', { name: 'Edit CRL URLs and issuer hints of Edit Root CA' }).click();
    await page.locator('#edit-ca-crl-url').fill('');
    const none = await countRequests('PATCH', /\/certificateAuthorities\//, async () => {
      await page.getByRole('button', { name: 'Save CA' }).click();
      await page.locator('#error', { hasText: 'Could not save the CA Edit Root CA: a delta CRL URL needs a CRL URL' }).waitFor();
    });
    assert.equal(none, 0);
    assert.equal(await page.locator('#edit-ca-form').isVisible(), true, 'the form stays open to correct');

    // A URL the browser accepts but the server does not: its message, the form still open.
    await page.locator('#edit-ca-crl-url').fill('ftp://crl.contoso.example/root.crl');
    await page.getByRole('button', { name: 'Save CA' }).click();
    await page.locator('#error', { hasText: /^Could not save the CA Edit Root CA: .*'ftp:\/\/crl\.contoso\.example\/root\.crl' is not an absolute http or https URL/ }).waitFor();
    assert.equal(await page.locator('#edit-ca-form').isVisible(), true);
    await screenshot('server-refused');

    await page.locator('#edit-ca-crl-url').fill('');
    await page.locator('#edit-ca-delta-crl-url').fill('');
    await page.getByLabel('Issuer hints on for this CA').uncheck();
    await page.getByRole('button', { name: 'Save CA' }).click();
    await page.locator('#status', { hasText: 'Saved the CA Edit Root CA: CRL URL none, delta CRL URL none, issuer hints off.' }).waitFor();
    const stored = await storedCa('Edit Root CA');
    assert.equal(stored.certificateRevocationListUrl, null);
    assert.equal(stored.deltaCertificateRevocationListUrl, null);
    assert.equal(stored.isIssuerHintEnabled, false);
    // The status is said before the table is read again: wait for the row as it is now.
    await rowNamed('Edit Root CA').locator('td').nth(4).filter({ hasText: /^none$/ }).waitFor();
  });

  it('adds the CAs of a local DER .p7b one by one: a duplicate skipped, a non-CA refused, the rest added', async () => {
    const bundle = path.join(dir, 'bundle.p7b');
    await writeFile(bundle, p7bOf([root, issuing, leaf]));
    const posted = await countRequests('POST', /\/certificateAuthorities$/, async () => {
      await page.getByLabel('Bundle file (.p7b, DER or PEM)').setInputFiles(bundle);
      await page.getByRole('button', { name: "Add the bundle's CAs" }).click();
      await page.locator('#error', { hasText: 'Could not add every CA of bundle.p7b: Added 1 certificate authority. Skipped 1 already in the PKI. Refused certificate 3 of 3: ' }).waitFor();
    });
    assert.equal(posted, 3);
    assert.match((await page.locator('#error').textContent()) ?? '', /not a CA certificate/);
    await rowNamed('Edit Issuing CA').waitFor();
    assert.equal((await t.request('GET', `/beta${PKI_PATH}/${pkiId}/certificateAuthorities/$count`)).text, '2');
    assert.equal(await page.locator('#local-bundle-progress').isHidden(), true);
    await screenshot('bundle-added');
  });

  it('adds the CAs of a PEM PKCS7 bundle, and says what is wrong with a file that is no bundle', async () => {
    const pemBundle = path.join(dir, 'other.pem');
    await writeFile(pemBundle, p7bPemOf([other]));
    await page.getByLabel('Bundle file (.p7b, DER or PEM)').setInputFiles(pemBundle);
    await page.getByRole('button', { name: "Add the bundle's CAs" }).click();
    await page.locator('#status', { hasText: 'other.pem: Added 1 certificate authority.' }).waitFor();
    await rowNamed('Edit Other Root').waitFor();

    const junk = path.join(dir, 'junk.p7b');
    await writeFile(junk, Buffer.from([0x30, 0x82, 0x05, 0x00, 0x06]));
    const posted = await countRequests('POST', /\/certificateAuthorities$/, async () => {
      await page.getByLabel('Bundle file (.p7b, DER or PEM)').setInputFiles(junk);
      await page.getByRole('button', { name: "Add the bundle's CAs" }).click();
      await page.locator('#error', { hasText: 'Could not add every CA of junk.p7b: not a PKCS#7 certificate bundle: ' }).waitFor();
    });
    assert.equal(posted, 0);
    assert.equal((await t.request('GET', `/beta${PKI_PATH}/${pkiId}/certificateAuthorities/$count`)).text, '3');
  });

  it('met no CSP violation or script error', () => {
    assert.deepEqual(pageProblems, []);
  });
});
