// The admin page's classic store section in a real browser against a real server: the classic CAs shown
// (type, subject, CRL URLs), a dry run of "Copy into a PKI" that writes nothing, the copy itself (report
// per CA, the new PKI in the PKI list), and the copy that deletes the classic store; a token without
// Organization.Read.All sees why the section is empty while the rest of the page works.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { PERMISSION_ORGANIZATION_READ_WRITE, PERMISSION_READ_WRITE } from '../../src/auth/permissions.ts';
import { TEST_BACKEND } from '../helpers/backend.ts';
import { buildAdminPage, clearScreenshots, launchChromium, SCREENSHOT_DIR, skipUnlessChromium, type TestBrowser } from '../helpers/browser.ts';
import { createCa } from '../helpers/certs.ts';
import { PKI_PATH, startTestServer, TENANT_A, type TestServer } from '../helpers/test-server.ts';

const SCREENSHOT_PREFIX = `admin-page-classic-${TEST_BACKEND}-`;
const CLASSIC = `/v1.0/organization/${TENANT_A}/certificateBasedAuthConfiguration`;

let t: TestServer;
let browser: TestBrowser;
let page: Page;
let admin: string;

async function signIn(token: string): Promise<void> {
  await page.goto(`${t.url}/`);
  await page.locator('body[data-ready="true"]').waitFor();
  await page.getByLabel('Access token (bearer JWT)').fill(token);
  await page.getByRole('button', { name: 'Use token' }).click();
  await page.locator('#signed-in-as').waitFor();
}

describe('admin page: classic store', { skip: await skipUnlessChromium(import.meta.url) }, () => {
  before(async () => {
    await Promise.all([buildAdminPage(), clearScreenshots(SCREENSHOT_PREFIX)]);
    const started = await Promise.allSettled([launchChromium().then((launched) => (browser = launched)), startTestServer().then((server) => (t = server))]);
    for (const result of started) if (result.status === 'rejected') throw result.reason;
    admin = await t.token({ appRoles: [PERMISSION_READ_WRITE, PERMISSION_ORGANIZATION_READ_WRITE] });
    const root = await createCa({ subject: 'CN=Page Classic Root, O=Contoso' });
    const issuing = await createCa({ subject: 'CN=Page Classic Issuing, O=Contoso', issuer: root });
    const created = await t.request('POST', CLASSIC, {
      token: admin,
      body: {
        certificateAuthorities: [
          { isRootAuthority: true, certificate: root.base64 },
          { isRootAuthority: false, certificate: issuing.base64, certificateRevocationListUrl: 'http://crl.contoso.test/issuing.crl' },
        ],
      },
    });
    assert.equal(created.status, 201, created.text);
    page = await browser.newPage();
    page.on('dialog', (dialog) => void dialog.accept());
  });

  after(async () => {
    await browser?.close();
    await t?.close();
  });

  it('shows the classic CAs, dry-runs and then copies them into a new PKI, then deletes the classic store', async () => {
    await signIn(admin);
    const rows = page.locator('#classic-rows tr');
    await rows.nth(1).waitFor();
    assert.equal(await rows.count(), 2);
    assert.match((await rows.nth(0).textContent()) ?? '', /^rootCN=Page Classic Root, O=Contoso/);
    assert.match((await rows.nth(1).textContent()) ?? '', /intermediateCN=Page Classic Issuing, O=Contoso.*http:\/\/crl\.contoso\.test\/issuing\.crl/);

    await page.getByLabel('Copy into the PKI named (created when missing)').fill('Page migrated');
    await page.getByLabel('Dry run').check();
    await page.getByRole('button', { name: 'Copy into a PKI' }).click();
    await page.locator('#status', { hasText: /^Dry run: would create the PKI Page migrated: 2 created, 0 already present, 0 skipped; the classic store was kept/ }).waitFor();
    assert.equal(await page.locator('#migrate-classic-rows tr').count(), 2);
    assert.match((await page.locator('#migrate-classic-rows tr').first().textContent()) ?? '', /^Would create/);
    assert.deepEqual((await t.request('GET', `/beta${PKI_PATH}`, { token: admin })).body.value, [], 'the dry run wrote nothing');

    await page.getByLabel('Dry run').uncheck();
    await page.getByRole('button', { name: 'Copy into a PKI' }).click();
    await page.locator('#status', { hasText: /^created the PKI Page migrated: 2 created/ }).waitFor();
    await page.locator('#pki-rows tr', { hasText: 'Page migrated' }).waitFor();
    await page.screenshot({ path: `${SCREENSHOT_DIR}${SCREENSHOT_PREFIX}01-copied.png`, fullPage: true });

    await page.getByLabel('Delete the classic store when every CA is in the PKI').check();
    await page.getByRole('button', { name: 'Copy into a PKI' }).click();
    await page.locator('#status', { hasText: /into the PKI Page migrated: 0 created, 2 already present, 0 skipped; the classic store was deleted\./ }).waitFor();
    await page.locator('#classic-empty').waitFor();
    assert.equal(await page.locator('#classic-rows tr').count(), 0);
    assert.equal(await page.locator('#migrate-classic-form').isHidden(), true);
    assert.deepEqual((await t.request('GET', CLASSIC, { token: admin })).body.value, []);
  });

  it('says why the section is empty for a token without Organization.Read.All; the PKIs still show', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await signIn(await t.token({ appRoles: [PERMISSION_READ_WRITE] }));
    await page.locator('#classic-hint', { hasText: 'needs Organization.Read.All' }).waitFor();
    await page.locator('#pki-rows tr', { hasText: 'Page migrated' }).waitFor();
    assert.equal(await page.locator('#error').textContent(), '');
  });
});
