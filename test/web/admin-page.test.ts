// The admin page in a real browser (Debian's Chromium through playwright-core) against a real server:
// sign in with a pasted token, create a PKI with the keyboard, add CAs from PEM and DER files, see their
// type and expiry (with the 30-day warning), watch an upload fail with its statusDetails, rename, delete
// and restore the PKI, verify certificates, and sign in again with the local dev token. Also what goes
// wrong around that: refused tokens (at sign-in and mid-session), names of only spaces, a PKI deleted
// elsewhere, status reads that fail, double clicks, the focus after each action, messages on a long page,
// 256-character names and a 1024 px window. Screenshots go to test-output/screenshots/.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import type { Page, Route } from 'playwright-core';
import { TEST_BACKEND } from '../helpers/backend.ts';
import { buildAdminPage, clearScreenshots, launchChromium, SCREENSHOT_DIR, skipUnlessChromium, type TestBrowser } from '../helpers/browser.ts';
import { createCa, createChain, createCrl, createLeaf, p7bOf, sha256Hex, type TestCert, x509 } from '../helpers/certs.ts';
import { startFileServer, type FileServer } from '../helpers/file-server.ts';
import { assertFocusSettles, countPageRequests, FOCUSED } from '../helpers/page-probes.ts';
import { PKI_PATH, startTestServer, type TestServer } from '../helpers/test-server.ts';

const DAY_MS = 86_400_000;
const SCREENSHOT_PREFIX = `admin-page-${TEST_BACKEND}-`;

let t: TestServer;
let files: FileServer;
let browser: TestBrowser;
let page: Page;

/**
 * While set, a confirm dialog is accepted only when it names this object. When the first click of a
 * double click deletes a row fast, the second can land on the row re-drawn in its place; its confirm
 * names another object and is dismissed, as a user reading it would.
 */
let confirmOnly: string | undefined;
let dir: string;
let root: TestCert;
let issuing: TestCert;
let leaf: TestCert;
let strangerLeaf: TestCert;
/** CSP violations and uncaught script errors seen in the page. */
const pageProblems: string[] = [];
let shot = 0;

/** The whole page, from its top (so the sticky message bar is drawn in its place); `window` only: what is in view. */
async function screenshot(name: string, what: 'page' | 'window' = 'page'): Promise<void> {
  shot++;
  if (what === 'page') await page.evaluate('window.scrollTo(0, 0)');
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${SCREENSHOT_PREFIX}${String(shot).padStart(2, '0')}-${name}.png`), fullPage: what === 'page' });
}

/** The text of the row of a table body whose first cell is `name`. */
function rowNamed(tbody: string, name: string) {
  return page.locator(`${tbody} tr`).filter({ has: page.locator('td:first-child', { hasText: new RegExp(`^${name}$`) }) });
}

const assertFocusSettlesOn = (expected: string) => assertFocusSettles(page, expected);
const countRequests = (method: string, pathPattern: RegExp, action: () => Promise<void>) => countPageRequests(page, method, pathPattern, action);

/** Holds back the page's requests to matching URLs; the function returned lets them go and stops holding. */
async function holdRequests(matches: (url: URL) => boolean): Promise<() => Promise<void>> {
  let release = () => {};
  const released = new Promise<void>((resolve) => (release = resolve));
  const handled: Array<Promise<void>> = [];
  await page.route(matches, (route) => {
    const done = released.then(() => route.continue());
    handled.push(done);
    return done;
  });
  return async () => {
    release();
    await Promise.all(handled);
    await page.unroute(matches);
  };
}

/** Answers a routed request with a Graph error envelope. */
function graphError(route: Route, status: number, code: string, message: string): Promise<void> {
  return route.fulfill({ status, contentType: 'application/json', body: JSON.stringify({ error: { code, message } }) });
}

/** Whether the element is wholly inside the window (not scrolled out of view). */
function inViewport(selector: string): Promise<boolean> {
  return page.evaluate(`(() => {
    const r = document.querySelector(${JSON.stringify(selector)}).getBoundingClientRect();
    return r.height > 0 && r.top >= 0 && r.bottom <= window.innerHeight;
  })()`);
}

/** What is too wide: the document for the window, or a table box or heading for its own visible width. */
function overflows(): Promise<string[]> {
  return page.evaluate(`(() => {
    const found = [];
    const doc = document.documentElement;
    if (doc.scrollWidth > window.innerWidth) found.push('document ' + doc.scrollWidth + ' > ' + window.innerWidth);
    for (const box of document.querySelectorAll('.table-scroll, h2, h3')) {
      if (box.offsetParent && box.scrollWidth > box.clientWidth) found.push((box.id || box.getAttribute('aria-labelledby') || box.getAttribute('aria-label')) + ' ' + box.scrollWidth + ' > ' + box.clientWidth);
    }
    return found;
  })()`);
}

/**
 * Asserts that `selector` matches `count` elements once the page has caught up: it shows an action's status
 * as soon as the request succeeded and re-reads its tables after, so on a busy machine a table can still
 * show the old rows for a moment (up to 5 s).
 */
async function assertCount(selector: string, count: number): Promise<void> {
  await page.waitForFunction(`document.querySelectorAll(${JSON.stringify(selector)}).length === ${count}`, undefined, { timeout: 5_000 }).catch(() => {});
  assert.equal(await page.locator(selector).count(), count, selector);
}

async function pkiIdNamed(name: string): Promise<string> {
  const listed = await t.request('GET', `/beta${PKI_PATH}`);
  const pki = listed.body.value.find((p: { displayName: string }) => p.displayName === name);
  assert.ok(pki, `no PKI named ${name}`);
  return pki.id;
}

describe('admin page', { skip: await skipUnlessChromium(import.meta.url) }, () => {
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
    page.on('dialog', (dialog) => void (confirmOnly === undefined || dialog.message().includes(`"${confirmOnly}"`) ? dialog.accept() : dialog.dismiss()));
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

  afterEach(() => {
    confirmOnly = undefined;
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

    // A refused token (its signature forged): the pasted text stays to correct, with the focus on it.
    const [header, payload] = (await t.token()).split('.');
    const forged = `${header}.${payload}.${'A'.repeat(86)}`;
    const tokenField = page.getByLabel('Access token (bearer JWT)');
    await tokenField.fill(forged);
    await page.getByRole('button', { name: 'Use token' }).click();
    await page.locator('#error', { hasText: /^Could not sign in: .*InvalidAuthenticationToken/ }).waitFor();
    assert.equal(await tokenField.inputValue(), forged);
    await assertFocusSettlesOn('token-input');
    assert.equal(await page.evaluate('sessionStorage.length'), 0);

    await tokenField.fill(`Bearer ${await t.token()}`);
    await page.getByRole('button', { name: 'Use token' }).click();
    await page.locator('#signed-in-as', { hasText: 'PublicKeyInfrastructure.ReadWrite.All' }).waitFor();
    assert.equal(await page.locator('#sign-in').isHidden(), true);
    // The token lives in session storage only, never in the URL.
    assert.equal(new URL(page.url()).search, '');
  });

  it('creates a PKI from the keyboard (focus lands in the name field after signing in, and is kept after Create PKI)', async () => {
    // A name of only spaces is no name: refused, nothing created.
    await page.keyboard.type('   ');
    await page.keyboard.press('Enter');
    await page.locator('#error', { hasText: 'Could not create the PKI: the display name is empty or only spaces' }).waitFor();
    assert.equal(await page.evaluate(FOCUSED), 'new-pki-name');
    assert.deepEqual((await t.request('GET', `/beta${PKI_PATH}`)).body.value, []);

    await page.keyboard.press('Control+A');
    await page.keyboard.type('Contoso PKI');
    // Enter on the button, which is disabled while the request runs: the focus comes back to it.
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(FOCUSED), 'Create PKI');
    await page.keyboard.press('Enter');
    const row = rowNamed('#pki-rows', 'Contoso PKI');
    await row.waitFor();
    await page.locator('#status', { hasText: 'Created the PKI Contoso PKI.' }).waitFor();
    await assertFocusSettlesOn('Create PKI');
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
    const caFile = page.getByLabel('Certificate file (PEM with one or more certificates, or DER)');

    // One CRL URL for a file of several CAs (a root and its issuing CA never share a CRL): refused, nothing added.
    const chainFile = path.join(dir, 'chain.pem');
    await writeFile(chainFile, `${root.pem}\n${issuing.pem}`);
    await caFile.setInputFiles(chainFile);
    await page.getByLabel('CRL URL (optional)').fill(`${files.url}/root.crl`);
    const posted = await countRequests('POST', /\/certificateAuthorities$/, async () => {
      await page.getByRole('button', { name: 'Add CA' }).click();
      await page.locator('#error', { hasText: 'the file holds 2 certificates' }).waitFor();
    });
    assert.equal(posted, 0);
    assert.match((await page.locator('#error').textContent()) ?? '', /add them one by one, or leave the CRL URL empty and set each CA's CRL URL afterwards/);
    // A DER .p7b is sent to the upload form, as a PEM one is.
    const derBundle = path.join(dir, 'bundle.p7b');
    await writeFile(derBundle, p7bOf([root, issuing]));
    await caFile.setInputFiles(derBundle);
    await page.getByRole('button', { name: 'Add CA' }).click();
    await page.locator('#error', { hasText: 'Could not add every CA from bundle.p7b: the file has no certificate (it holds PKCS7); a .p7b bundle goes through the upload form' }).waitFor();
    await assertCount('#ca-rows tr', 0);

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

    // Enter on an issuer-hint toggle: the table is read again and the focus is on the new row's toggle.
    await page.getByRole('button', { name: 'Turn issuer hints on for Web Test Root CA' }).focus();
    await page.keyboard.press('Enter');
    await page.locator('#status', { hasText: 'Issuer hints on for Web Test Root CA.' }).waitFor();
    await assertFocusSettlesOn('Turn issuer hints off for Web Test Root CA');
    // A double click sends one request (the second would fail and show a failure for a success).
    const patches = await countRequests('PATCH', /\/certificateAuthorities\//, async () => {
      await page.getByRole('button', { name: 'Turn issuer hints off for Web Test Root CA' }).dblclick();
      await page.locator('#status', { hasText: 'Issuer hints off for Web Test Root CA.' }).waitFor();
      await page.getByRole('button', { name: 'Turn issuer hints on for Web Test Root CA' }).waitFor();
    });
    assert.equal(patches, 1);
    assert.equal(await page.locator('#error').textContent(), '');
    assert.match((await rootRow.locator('td').nth(5).textContent()) ?? '', /^off /);
  });

  it('empties the CA table while another PKI opens, and closes a PKI deleted elsewhere', async () => {
    const second = await t.request('POST', `/beta${PKI_PATH}`, { body: { displayName: 'Second PKI' } });
    await page.getByRole('button', { name: 'Refresh', exact: true }).first().click();
    await rowNamed('#pki-rows', 'Second PKI').waitFor();

    // The CA request held back: no row of Contoso PKI may stay under the heading of Second PKI meanwhile.
    const release = await holdRequests((url) => url.pathname.endsWith(`/${second.body.id}/certificateAuthorities`));
    try {
      await page.getByRole('button', { name: 'Open PKI Second PKI' }).click();
      await page.locator('#pki-detail-name', { hasText: 'Second PKI' }).waitFor();
      await assertCount('#ca-rows tr', 0);
      assert.equal(await page.locator('#ca-empty').textContent(), 'Reading the certificate authorities…');
      assert.equal(await page.locator('#ca-empty').isVisible(), true);
    } finally {
      await release();
    }
    await page.locator('#ca-empty', { hasText: 'No certificate authorities in this PKI yet.' }).waitFor();

    // Deleted by someone else; the list still offers it. Opening it says it is gone and closes the detail.
    assert.equal((await t.request('DELETE', `/beta${PKI_PATH}/${second.body.id}`)).status, 204);
    await page.getByRole('button', { name: 'Open PKI Second PKI' }).click();
    await page.locator('#error', { hasText: 'Could not open the PKI Second PKI: the PKI Second PKI no longer exists' }).waitFor();
    assert.equal(await page.locator('#pki-detail').isHidden(), true);
    await rowNamed('#deleted-rows', 'Second PKI').waitFor();
    assert.equal(await rowNamed('#pki-rows', 'Second PKI').count(), 0);

    // Delete permanently, double-clicked: one request, no failure; the table is empty, so its heading gets the focus.
    const purges = await countRequests('DELETE', /\/deletedItems\//, async () => {
      confirmOnly = 'Second PKI';
      await page.getByRole('button', { name: 'Delete PKI Second PKI permanently' }).dblclick();
      await page.locator('#status', { hasText: 'Deleted the PKI Second PKI permanently.' }).waitFor();
    });
    assert.equal(purges, 1);
    assert.equal(await page.locator('#error').textContent(), '');
    await page.locator('#deleted-empty').waitFor();
    await assertFocusSettlesOn('deleted-heading');
  });

  it('guards Delete CA and Restore against double clicks and keeps the focus on a control', async () => {
    await page.getByRole('button', { name: 'Open PKI Contoso PKI' }).click();
    await page.locator('#ca-rows tr').nth(1).waitFor();
    const deletes = await countRequests('DELETE', /\/certificateAuthorities\//, async () => {
      confirmOnly = 'Web Test Issuing CA';
      await page.getByRole('button', { name: 'Delete CA Web Test Issuing CA' }).dblclick();
      await page.locator('#status', { hasText: 'Deleted the CA Web Test Issuing CA.' }).waitFor();
    });
    assert.equal(deletes, 1);
    assert.equal(await page.locator('#error').textContent(), '');
    await assertCount('#ca-rows tr', 1);
    // Its row is gone: the focus goes to the Delete button of the row now in its place.
    await assertFocusSettlesOn('Delete CA Web Test Root CA');

    const restores = await countRequests('POST', /\/restore$/, async () => {
      await page.getByRole('button', { name: 'Restore CA Web Test Issuing CA' }).dblclick();
      await page.locator('#status', { hasText: 'Restored the CA Web Test Issuing CA.' }).waitFor();
      await page.locator('#ca-rows tr').nth(1).waitFor();
    });
    assert.equal(restores, 1);
    assert.equal(await page.locator('#error').textContent(), '');
    await assertFocusSettlesOn('deleted-heading');
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
    await assertCount('#ca-rows tr', 2);
    await screenshot('upload-failed');
  });

  describe('reading the status while an upload runs', () => {
    let contosoId: string;
    /** GETs of the open PKI (the status polls), answered by `answer` below. */
    let reads = 0;
    let answer: (route: Route) => Promise<void>;
    const isPki = (url: URL) => url.pathname.endsWith(`${PKI_PATH}/${contosoId}`);
    const isUpload = (url: URL) => url.pathname.endsWith(`${PKI_PATH}/${contosoId}/upload`);
    const running = () => ({ id: contosoId, displayName: 'Contoso PKI', status: 'running', statusDetails: null, lastModifiedDateTime: new Date().toISOString(), deletedDateTime: null });

    before(async () => {
      contosoId = await pkiIdNamed('Contoso PKI');
      // The upload is accepted without reaching the server; the polls get what each case sets.
      await page.route(isUpload, (route) => route.fulfill({ status: 204 }));
      await page.route(isPki, (route) => {
        reads++;
        return answer(route);
      });
    });

    after(async () => {
      await page.unroute(isPki);
      await page.unroute(isUpload);
      // The PKI as the server has it (the polls showed a made-up one), opened again.
      await page.getByRole('button', { name: 'Refresh', exact: true }).first().click();
      await page.getByRole('button', { name: 'Open PKI Contoso PKI' }).click();
      await page.locator('#ca-rows tr').nth(1).waitFor();
    });

    async function startUpload(): Promise<void> {
      reads = 0;
      if (await page.locator('#pki-detail').isHidden()) {
        await page.getByRole('button', { name: 'Open PKI Contoso PKI' }).click();
        await page.locator('#ca-rows tr').nth(1).waitFor();
      }
      await page.getByRole('button', { name: 'Start upload' }).click();
    }

    it('stops when the PKI is gone (404), closing it and saying so', async () => {
      answer = (route) => graphError(route, 404, 'Request_ResourceNotFound', `Resource '${contosoId}' does not exist.`);
      await startUpload();
      await page.locator('#error', { hasText: 'Stopped watching the upload: the PKI Contoso PKI no longer exists' }).waitFor();
      assert.equal(await page.locator('#pki-detail').isHidden(), true);
      // Longer than the back-off after a first failure (2 s): no read at all is due.
      await page.waitForTimeout(2500);
      assert.equal(reads, 1);
    });

    it('stops when the token lacks the permission (403)', async () => {
      answer = (route) =>
        reads === 1
          ? route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify(running()) })
          : graphError(route, 403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.');
      await startUpload();
      await page.locator('#error', { hasText: 'Could not read the PKI status: Insufficient privileges' }).waitFor();
      await page.waitForTimeout(2500);
      assert.equal(reads, 2);
    });

    it('waits longer after each other failure instead of repeating it every second', async () => {
      answer = (route) => graphError(route, 503, 'serviceNotAvailable', 'The service is temporarily unavailable.');
      await startUpload();
      await page.locator('#error', { hasText: 'Could not read the PKI status: The service is temporarily unavailable.' }).waitFor();
      // Reads at 0 s and 2 s (then 6 s); every second would be four by now.
      await page.waitForTimeout(3200);
      assert.ok(reads >= 1 && reads <= 2, `${reads} reads`);
    });
  });

  it('renames the PKI, deletes it and restores it from deleted items with its CAs', async () => {
    await page.getByLabel('New display name').fill('  ');
    await page.getByRole('button', { name: 'Rename' }).click();
    await page.locator('#error', { hasText: 'Could not rename the PKI: the display name is empty or only spaces' }).waitFor();
    assert.equal(await page.locator('#pki-detail-name').textContent(), 'Contoso PKI');
    await page.getByLabel('New display name').fill('Fabrikam PKI');
    await page.getByRole('button', { name: 'Rename' }).click();
    await rowNamed('#pki-rows', 'Fabrikam PKI').waitFor();
    assert.equal(await page.locator('#pki-detail-name').textContent(), 'Fabrikam PKI');

    const deletes = await countRequests('DELETE', /certificateBasedAuthConfigurations\//, async () => {
      confirmOnly = 'Fabrikam PKI';
      await page.getByRole('button', { name: 'Delete PKI' }).dblclick();
      await page.locator('#pki-empty').waitFor();
    });
    assert.equal(deletes, 1);
    assert.equal(await page.locator('#error').textContent(), '');
    await assertFocusSettlesOn('pkis-heading');
    assert.equal(await page.locator('#pki-detail').isHidden(), true);
    const deletedRow = rowNamed('#deleted-rows', 'Fabrikam PKI');
    await deletedRow.waitFor();
    assert.equal(await deletedRow.locator('td').nth(1).textContent(), 'PKI');
    await screenshot('deleted');

    const restores = await countRequests('POST', /\/restore$/, async () => {
      await page.getByRole('button', { name: 'Restore PKI Fabrikam PKI' }).dblclick();
      await rowNamed('#pki-rows', 'Fabrikam PKI').waitFor();
    });
    assert.equal(restores, 1);
    await page.locator('#deleted-empty').waitFor();
    await page.getByRole('button', { name: 'Open PKI Fabrikam PKI' }).click();
    await rowNamed('#ca-rows', 'Web Test Issuing CA').waitFor();
    await assertCount('#ca-rows tr', 2);
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

    // Another verify: the verdict shown is gone as soon as it is sent, and a failure shows where the verdict was.
    const release = await holdRequests((url) => url.pathname.endsWith('/graph-pki/v1/verify'));
    try {
      await page.getByLabel(/^Certificate \(PEM, or base64 of DER\)/).fill('not a certificate');
      await page.getByRole('button', { name: 'Verify', exact: true }).click();
      await page.locator('#verdict:empty').waitFor({ state: 'attached' });
      assert.equal(await page.locator('#verdict').textContent(), '');
    } finally {
      await release();
    }
    await page.locator('.verdict.failed h3', { hasText: 'Could not verify' }).waitFor();
    assert.equal(await page.locator('.verdict.trusted, .verdict.untrusted').count(), 0);
    assert.notEqual(await page.locator('.verdict.failed p').textContent(), '');
    assert.match((await page.locator('#error').textContent()) ?? '', /^Could not verify the certificate: /);
  });

  it('shows Graph error messages from the envelope', async () => {
    // The same certificate again: the server's duplicate message, shown as it is.
    await page.getByLabel('Certificate file (PEM with one or more certificates, or DER)').setInputFiles(path.join(dir, 'root.pem'));
    await page.getByRole('button', { name: 'Add CA' }).click();
    const error = page.locator('#error');
    await error.filter({ hasText: 'Duplicate Certificate exists' }).waitFor();
    assert.match((await error.textContent()) ?? '', /^Could not add every CA from root\.pem: Added 0 certificate authorities\. Refused certificate 1 of 1: .*Duplicate Certificate exists/);
  });

  it('goes back to sign-in, saying so, when the token is refused mid-session', async () => {
    const isList = (url: URL) => url.pathname.endsWith(PKI_PATH);
    await page.route(isList, (route) => graphError(route, 401, 'InvalidAuthenticationToken', 'Access token has expired or is not yet valid.'));
    try {
      await page.getByRole('button', { name: 'Refresh', exact: true }).first().click();
      await page.locator('#sign-in').waitFor();
    } finally {
      await page.unroute(isList);
    }
    assert.equal(await page.locator('#workspace').isHidden(), true);
    assert.match(
      (await page.locator('#error').textContent()) ?? '',
      /^Signed out: the server refused the token \(it may have expired\); sign in again with a new one: Access token has expired .*\(InvalidAuthenticationToken\)$/,
    );
    assert.equal(await page.evaluate('sessionStorage.length'), 0);
    await assertFocusSettlesOn('token-input');

    await page.getByLabel('Access token (bearer JWT)').fill(await t.token());
    await page.getByRole('button', { name: 'Use token' }).click();
    await rowNamed('#pki-rows', 'Fabrikam PKI').waitFor();
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
  });

  it('keeps messages in view when the user acts at the bottom of a long page', async () => {
    for (let i = 1; i <= 40; i++) {
      assert.equal((await t.request('POST', `/beta${PKI_PATH}`, { body: { displayName: `Branch office ${String(i).padStart(2, '0')}` } })).status, 201);
    }
    await page.getByRole('button', { name: 'Refresh', exact: true }).first().click();
    await rowNamed('#pki-rows', 'Branch office 40').waitFor();

    await page.getByLabel(/^Certificate \(PEM, or base64 of DER\)/).fill('not a certificate');
    await page.getByRole('button', { name: 'Verify', exact: true }).click();
    await page.locator('#error', { hasText: 'Could not verify the certificate' }).waitFor();
    assert.ok((await page.evaluate<number>('window.scrollY')) > 1000, 'the page is scrolled to its bottom');
    assert.equal(await inViewport('#error'), true);
    // Said beside the Verify button as well.
    await page.locator('.verdict.failed').waitFor();
    assert.equal(await inViewport('#verdict'), true);
    await screenshot('long-page-error', 'window');

    await page.getByLabel(/^Certificate \(PEM, or base64 of DER\)/).fill(leaf.pem);
    await page.getByRole('button', { name: 'Verify', exact: true }).click();
    await page.locator('#status', { hasText: 'Verified: trusted.' }).waitFor();
    assert.equal(await inViewport('#status'), true);
  });

  it('wraps 256-character names and fits the tables into 1366 and 1024 px windows', async () => {
    const longName = 'X'.repeat(256);
    await t.request('POST', `/beta${PKI_PATH}`, { body: { displayName: longName } });
    await t.request('POST', `/beta${PKI_PATH}`, { body: { displayName: '' } });
    await page.getByRole('button', { name: 'Refresh', exact: true }).first().click();
    // An empty name shows as no name.
    await rowNamed('#pki-rows', '\\(no name\\)').waitFor();
    await page.getByRole('button', { name: `Open PKI ${longName}` }).click();
    await page.locator('#pki-detail-name', { hasText: longName }).waitFor();
    try {
      for (const width of [1366, 1024]) {
        await page.setViewportSize({ width, height: 860 });
        assert.deepEqual(await overflows(), [], `at ${width} px`);
      }
      await screenshot('long-name-1024');

      // The CA table of a PKI with CAs, in a 1024 px window whose scroll bar takes 17 px: the Actions column is in view.
      await page.getByRole('button', { name: 'Open PKI Fabrikam PKI' }).click();
      await page.locator('#ca-rows tr').nth(1).waitFor();
      await page.setViewportSize({ width: 1024 - 17, height: 860 });
      assert.deepEqual(await overflows(), []);
      const fits = await page.evaluate(`(() => {
        const box = document.querySelector('#ca-rows').closest('.table-scroll').getBoundingClientRect();
        return [...document.querySelectorAll('#ca-rows button[data-action="delete"]')].every((b) => b.getBoundingClientRect().right <= box.right);
      })()`);
      assert.equal(fits, true);
      await screenshot('cas-1007');
    } finally {
      await page.setViewportSize({ width: 1366, height: 860 });
    }
  });

  it('met no CSP violation or script error', () => {
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
