// The admin API's tokens: an admin token (graph-pki token --admin) opens /_admin and nothing else; no
// Graph token opens /_admin; admin tokens are checked as strictly as Graph's (signature, key, exp/nbf,
// algorithm), and every refusal is a 401 in Graph's envelope.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SignJWT } from 'jose';
import { generateSigningJwk, signingKeyFromJwk } from '../../src/auth/signing-key.ts';
import { ADMIN_AUDIENCE, ADMIN_SUBJECT, LOCAL_ISSUER, mintAdminToken } from '../../src/auth/token-issuer.ts';
import { GRAPH_AUDIENCES } from '../../src/config.ts';
import { PKI_PATH, send, startTestServer, TENANT_A, tokens, type TestResponse, type TestServer } from '../helpers/test-server.ts';

const SNAPSHOT = `/_admin/tenants/${TENANT_A}/snapshot`;
const now = () => Math.floor(Date.now() / 1000);

let t: TestServer;
before(async () => {
  t = await startTestServer();
});
after(() => t.close());

function assert401(res: TestResponse, message: RegExp): void {
  assert.equal(res.status, 401, res.text);
  assert.equal(res.headers.get('www-authenticate'), 'Bearer');
  assert.equal(res.body.error.code, 'InvalidAuthenticationToken');
  assert.match(res.body.error.message, message);
  assert.ok(res.body.error.innerError['request-id']);
  assert.ok(res.body.error.innerError.date);
}

describe('an admin token', () => {
  it('is accepted by the admin API', async () => {
    const res = await send(t.url, 'GET', SNAPSHOT, await mintAdminToken(t.server.signingKey, { ttlSeconds: 60 }));
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.tenantId, TENANT_A);
  });

  it('is refused by every Graph route and the verify API', async () => {
    const admin = await mintAdminToken(t.server.signingKey, { ttlSeconds: 60 });
    for (const path of [`/beta${PKI_PATH}`, `/v1.0${PKI_PATH}`, '/beta/directory/publicKeyInfrastructure']) {
      assert401(await send(t.url, 'GET', path, admin), /invalid audience/);
    }
    assert401(await send(t.url, 'POST', `/beta${PKI_PATH}`, admin, { body: { displayName: 'no' } }), /invalid audience/);
    assert401(await send(t.url, 'POST', '/graph-pki/v1/verify', admin, { body: { certificate: 'AA==' } }), /invalid audience/);
  });

  it('is refused by Graph routes even when --audience lists the admin audience', async () => {
    const lax = await startTestServer({ auth: { audiences: [...GRAPH_AUDIENCES, ADMIN_AUDIENCE], jwksUrl: undefined, issuers: [] } });
    try {
      const admin = await mintAdminToken(lax.server.signingKey, { ttlSeconds: 60 });
      assert401(await send(lax.url, 'GET', `/beta${PKI_PATH}`, admin), /an admin token is not accepted by Graph routes/);
      // The same server still takes Graph tokens, and admin tokens on /_admin.
      assert.equal((await lax.request('GET', `/beta${PKI_PATH}`)).status, 200);
      assert.equal((await send(lax.url, 'GET', SNAPSHOT, admin)).status, 200);
    } finally {
      await lax.close();
    }
  });

  it('is refused when expired, not yet valid, signed by another key, tampered with or unsigned', async () => {
    const key = t.server.signingKey;
    assert401(await send(t.url, 'GET', SNAPSHOT, await mintAdminToken(key, { ttlSeconds: 60, issuedAt: now() - 3600 })), /expired/);
    assert401(await send(t.url, 'GET', SNAPSHOT, await mintAdminToken(key, { ttlSeconds: 60, issuedAt: now() + 3600 })), /not valid yet/);
    const stranger = await signingKeyFromJwk(await generateSigningJwk());
    assert401(await send(t.url, 'GET', SNAPSHOT, await mintAdminToken(stranger, { ttlSeconds: 60 })), /not signed by a key this server trusts/);
    const [header, payload, signature] = (await mintAdminToken(key, { ttlSeconds: 60 })).split('.');
    const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload ?? '', 'base64url').toString()), exp: now() + 86400 })).toString('base64url');
    assert401(await send(t.url, 'GET', SNAPSHOT, `${header}.${forged}.${signature}`), /signature is invalid/);
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', kid: key.kid })).toString('base64url')}.${payload}.`;
    assert401(await send(t.url, 'GET', SNAPSHOT, none), /algorithm is not accepted|malformed|signature/);
  });

  it('needs the admin subject and an expiry', async () => {
    const key = t.server.signingKey;
    const sign = (claims: Record<string, unknown>) =>
      new SignJWT(claims).setProtectedHeader({ alg: key.alg, kid: key.kid }).setIssuer(LOCAL_ISSUER).setAudience(ADMIN_AUDIENCE).setIssuedAt().sign(key.privateKey);
    assert401(await send(t.url, 'GET', SNAPSHOT, await sign({ sub: 'someone-else', exp: now() + 60 })), /'sub' claim is invalid/);
    assert401(await send(t.url, 'GET', SNAPSHOT, await sign({ sub: ADMIN_SUBJECT })), /'exp' claim|malformed|invalid/);
  });
});

describe('the admin API', () => {
  it('refuses every Graph token, however privileged', async () => {
    for (const token of [await t.token(), await t.token(tokens.delegatedReadWrite), await t.token(tokens.readOnlyApp)]) {
      assert401(await send(t.url, 'GET', SNAPSHOT, token), /admin API accepts only admin tokens/);
      assert401(await send(t.url, 'DELETE', `/_admin/tenants/${TENANT_A}`, token), /admin API accepts only admin tokens/);
      assert401(await send(t.url, 'DELETE', '/_admin/tenants', token), /admin API accepts only admin tokens/);
    }
  });

  it('refuses requests without a usable Authorization header', async () => {
    assert401(await send(t.url, 'GET', SNAPSHOT, null), /Access token is empty/);
    assert401(await send(t.url, 'GET', SNAPSHOT, null, { headers: { authorization: 'Basic abc' } }), /Bearer <token>/);
    assert401(await send(t.url, 'GET', SNAPSHOT, 'not-a-jwt'), /not a well-formed JWT/);
  });

  it('is in /openapi.json under its own tag, apart from Graph', async () => {
    const doc = (await (await fetch(`${t.url}/openapi.json`)).json()) as { paths: Record<string, Record<string, { tags?: string[] }>> };
    const operations = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.values(methods).map((operation) => ({ path, tags: operation.tags ?? [] })),
    );
    const admin = operations.filter((o) => o.path.startsWith('/_admin'));
    assert.deepEqual([...new Set(admin.map((o) => o.path))].sort(), [
      '/_admin/tenants',
      '/_admin/tenants/{tenantId}',
      '/_admin/tenants/{tenantId}/oidcClients',
      '/_admin/tenants/{tenantId}/oidcClients/{clientId}',
      '/_admin/tenants/{tenantId}/snapshot',
      '/_admin/tenants/{tenantId}/users/{userId}/directoryRoles',
    ]);
    assert.ok(admin.every((o) => o.tags.length === 1 && /admin/.test(o.tags[0] ?? '')), JSON.stringify(admin));
    assert.ok(operations.filter((o) => !o.path.startsWith('/_admin')).every((o) => !o.tags.some((tag) => /admin \(not Graph/.test(tag))));
  });

  it('refuses an unauthenticated import before reading its body, and nothing is written', async () => {
    const graphToken = await t.token();
    const res = await send(t.url, 'PUT', SNAPSHOT, graphToken, { body: { format: 'graph-pki.tenantSnapshot' } });
    assert401(res, /admin API/);
    assert.equal((await t.request('GET', `/beta${PKI_PATH}/$count`)).text, '0');
  });
});
