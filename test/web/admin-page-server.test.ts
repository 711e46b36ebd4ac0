// The admin page as the server delivers it, without a browser: the files at / with their security
// headers (from tsx and from bin/graph-pki), Graph's 404 beside them, a clear 503 when the page is not
// built, and the local dev token: handed out on loopback only, refused to other addresses, foreign Host
// or Origin headers and proxies, and absent (404) with --dev-token off or a non-loopback binding.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { decodeJwt } from 'jose';
import { ADMIN_PAGE_CSP } from '../../src/http/admin-page.ts';
import { DEV_TOKEN_PATH } from '../../src/http/routes/admin/dev-token-routes.ts';
import { buildAdminPage } from '../helpers/browser.ts';
import { startCliServer } from '../helpers/cli.ts';
import { PKI_PATH, send, startTestServer, TENANT_A, type TestServer } from '../helpers/test-server.ts';

let t: TestServer;
let scratch: string;

before(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'graph-pki-web-server-'));
  await buildAdminPage();
  t = await startTestServer();
});

after(async () => {
  await t?.close();
  await rm(scratch, { recursive: true, force: true });
});

function assertPageHeaders(headers: Headers): void {
  assert.equal(headers.get('content-security-policy'), ADMIN_PAGE_CSP);
  assert.equal(headers.get('x-content-type-options'), 'nosniff');
  assert.equal(headers.get('x-frame-options'), 'DENY');
  assert.equal(headers.get('referrer-policy'), 'no-referrer');
}

describe('the page', () => {
  it('serves index.html, app.js and app.css with the security headers; the CSP allows no inline script or style', async () => {
    const page = await fetch(`${t.url}/`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
    assertPageHeaders(page.headers);
    const html = await page.text();
    assert.match(html, /<script type="module" src="app.js"><\/script>/);
    // Every script is a file of this origin: no inline script for the CSP to allow.
    assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/);
    assert.doesNotMatch(html, /\sstyle=|<style/);
    assert.doesNotMatch(ADMIN_PAGE_CSP, /unsafe/);

    const script = await fetch(`${t.url}/app.js`);
    assert.equal(script.status, 200);
    assert.match(script.headers.get('content-type') ?? '', /javascript/);
    assertPageHeaders(script.headers);
    const code = await script.text();
    assert.match(code, /graph-pki\.accessToken/);
    // Data is written with textContent; the bundle never assigns HTML.
    assert.doesNotMatch(code, /innerHTML|outerHTML|insertAdjacentHTML|document\.write/);

    const style = await fetch(`${t.url}/app.css`);
    assert.equal(style.status, 200);
    assert.match(style.headers.get('content-type') ?? '', /^text\/css/);
  });

  it('leaves every other path to Graph: an unknown file is Graph 404, the API still needs a token', async () => {
    const missing = await send(t.url, 'GET', '/secrets.txt', null);
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error.code, 'BadRequest');
    const api = await send(t.url, 'GET', `/beta${PKI_PATH}`, null);
    assert.equal(api.status, 401);
  });

  it('answers 503 saying how to build it when the built files are missing', async () => {
    const unbuilt = await startTestServer({}, { webAssetsDir: path.join(scratch, 'no-such-dir') });
    try {
      const page = await fetch(`${unbuilt.url}/`);
      assert.equal(page.status, 503);
      assert.match(await page.text(), /not built .*run `npm run build`/);
    } finally {
      await unbuilt.close();
    }
  });

  it('is served the same by bin/graph-pki (the bundle finds dist/web)', async () => {
    const cli = await startCliServer(['--data', path.join(scratch, 'cli'), '--dev-token', 'off']);
    try {
      const page = await fetch(`${cli.url}/`);
      assert.equal(page.status, 200);
      assertPageHeaders(page.headers);
      assert.match(await page.text(), /<title>graph-pki admin<\/title>/);
      assert.equal((await fetch(`${cli.url}/app.js`)).status, 200);
      // --dev-token off: no such path, even on loopback.
      assert.equal((await fetch(`${cli.url}${DEV_TOKEN_PATH}`, { method: 'POST' })).status, 404);
    } finally {
      cli.child.kill('SIGTERM');
      await cli.exited;
    }
  });
});

describe('the local dev token', () => {
  it('is offered on loopback: GET describes it, POST mints a read-write token for the default tenant that the API accepts', async () => {
    const info = await send(t.url, 'GET', DEV_TOKEN_PATH, null);
    assert.equal(info.status, 200);
    assert.deepEqual(info.body, { available: true, tenantId: TENANT_A, permissions: ['PublicKeyInfrastructure.ReadWrite.All', 'Organization.ReadWrite.All'], expiresIn: 3600 });
    assert.equal(info.headers.get('cache-control'), 'no-store');

    const minted = await send(t.url, 'POST', DEV_TOKEN_PATH, null);
    assert.equal(minted.status, 200);
    assert.equal(minted.headers.get('cache-control'), 'no-store');
    const claims = decodeJwt(minted.body.accessToken);
    assert.equal(claims.tid, TENANT_A);
    assert.deepEqual(claims.roles, ['PublicKeyInfrastructure.ReadWrite.All', 'Organization.ReadWrite.All']);
    assert.ok((claims.exp ?? 0) - (claims.iat ?? 0) === 3600);
    const created = await send(t.url, 'POST', `/beta${PKI_PATH}`, minted.body.accessToken, { body: { displayName: 'made with the dev token' } });
    assert.equal(created.status, 201);
  });

  it('is refused to a non-loopback client, a foreign Host (DNS rebinding), a foreign Origin and requests through a proxy', async () => {
    const cases: Array<{ remoteAddress?: string; headers?: Record<string, string>; message: RegExp }> = [
      { remoteAddress: '192.0.2.10', message: /only to clients on this machine/ },
      { remoteAddress: '::ffff:10.1.2.3', message: /only to clients on this machine/ },
      { headers: { host: 'rebound.attacker.example:8080' }, message: /opened as localhost or a loopback address/ },
      { headers: { origin: 'https://attacker.example' }, message: /only to pages of this server/ },
      { headers: { 'x-forwarded-for': '203.0.113.9' }, message: /not handed out through a proxy/ },
      { headers: { forwarded: 'for=203.0.113.9' }, message: /not handed out through a proxy/ },
    ];
    for (const { remoteAddress, headers, message } of cases) {
      for (const method of ['GET', 'POST'] as const) {
        const response = await t.server.app.inject({
          method,
          url: DEV_TOKEN_PATH,
          remoteAddress: remoteAddress ?? '127.0.0.1',
          headers: { host: '127.0.0.1', ...headers },
        });
        const label = `${method} ${JSON.stringify({ remoteAddress, headers })}`;
        assert.equal(response.statusCode, 403, label);
        assert.equal(response.json().error.code, 'Authorization_RequestDenied', label);
        assert.match(response.json().error.message, message, label);
        assert.doesNotMatch(response.body, /accessToken/, label);
      }
    }
    // The same request from loopback with loopback names passes (the cases above differ only in what they name).
    const local = await t.server.app.inject({ method: 'POST', url: DEV_TOKEN_PATH, remoteAddress: '::1', headers: { host: '[::1]:8080', origin: 'http://localhost:8080' } });
    assert.equal(local.statusCode, 200);
  });

  it('does not exist with devToken off', async () => {
    const off = await startTestServer({ devToken: false });
    try {
      for (const method of ['GET', 'POST']) {
        const response = await send(off.url, method, DEV_TOKEN_PATH, null);
        assert.equal(response.status, 404, method);
        assert.equal(response.body.error.code, 'BadRequest');
      }
    } finally {
      await off.close();
    }
  });
});
