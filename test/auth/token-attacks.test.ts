// Bearer-token checks: every token that must not pass gets 401 InvalidAuthenticationToken (or 403 when
// it is valid but lacks the permission or role), in Graph's envelope.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { generateKeyPairSync, createHmac } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { exportJWK, SignJWT } from 'jose';
import { DIRECTORY_ROLES, PERMISSION_READ, PERMISSION_READ_WRITE } from '../../src/auth/permissions.ts';
import { LOCAL_ISSUER } from '../../src/auth/token-issuer.ts';
import { PKI_PATH, send, startTestServer, TENANT_A, tokens, type TestServer } from '../helpers/test-server.ts';

const LIST = `/beta${PKI_PATH}`;
const now = () => Math.floor(Date.now() / 1000);

let t: TestServer;
before(async () => {
  t = await startTestServer();
});
after(() => t.close());

function base64url(value: unknown): string {
  return Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
}

function standardClaims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    aud: 'https://graph.microsoft.com',
    iss: LOCAL_ISSUER,
    tid: TENANT_A,
    roles: [PERMISSION_READ_WRITE],
    iat: now(),
    nbf: now(),
    exp: now() + 600,
    ...overrides,
  };
}

async function expect401(token: string | null, header?: string): Promise<void> {
  const res = await send(t.url, 'GET', LIST, null, { headers: { authorization: header ?? `Bearer ${token}` } });
  assert.equal(res.status, 401, res.text);
  assert.equal(res.body.error.code, 'InvalidAuthenticationToken');
  assert.equal(res.headers.get('www-authenticate'), 'Bearer');
}

describe('tokens that must be refused with 401', () => {
  it('no Authorization header', async () => {
    const res = await send(t.url, 'GET', LIST, null);
    assert.equal(res.status, 401);
    assert.equal(res.body.error.code, 'InvalidAuthenticationToken');
    assert.match(res.body.error.message, /empty/);
  });

  it('another scheme, or garbage', async () => {
    await expect401(null, 'Basic dXNlcjpwYXNz');
    await expect401('not-a-jwt');
    await expect401('a.b.c');
  });

  it('alg none, even with the local key id', async () => {
    const header = { alg: 'none', kid: t.server.signingKey.kid, typ: 'JWT' };
    await expect401(`${base64url(header)}.${base64url(standardClaims())}.`);
  });

  it('HS256 signed with the public key as the HMAC secret (key confusion)', async () => {
    const publicPem = t.server.signingKey.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const publicJwk = JSON.stringify(t.server.signingKey.publicKey.export({ format: 'jwk' }));
    for (const secret of [publicPem, publicJwk]) {
      const signingInput = `${base64url({ alg: 'HS256', kid: t.server.signingKey.kid, typ: 'JWT' })}.${base64url(standardClaims())}`;
      const signature = createHmac('sha256', secret).update(signingInput).digest('base64url');
      await expect401(`${signingInput}.${signature}`);
    }
  });

  it('signed by another key that claims the local key id', async () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const token = await new SignJWT(standardClaims())
      .setProtectedHeader({ alg: 'ES256', kid: t.server.signingKey.kid })
      .sign(privateKey);
    await expect401(token);
  });

  it('a valid token with one payload byte changed', async () => {
    const token = await t.token();
    const [h, p, s] = token.split('.');
    const claims = JSON.parse(Buffer.from(p ?? '', 'base64url').toString());
    claims.tid = '00000000-0000-4000-8000-00000000000b';
    await expect401(`${h}.${base64url(claims)}.${s}`);
  });

  it('expired beyond the 5-minute skew', async () => {
    await expect401(await t.token({ issuedAt: now() - 7200, ttlSeconds: 3600 }));
    await expect401(await t.token({ issuedAt: now() - 1000, ttlSeconds: 600 }));
  });

  it('not valid until more than 5 minutes from now', async () => {
    await expect401(await t.token({ issuedAt: now() + 600, ttlSeconds: 3600 }));
  });

  it('wrong audience', async () => {
    await expect401(await t.token({ audience: 'https://management.azure.com' }));
  });

  it('missing or malformed tid', async () => {
    const sign = (claims: Record<string, unknown>) =>
      new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: t.server.signingKey.kid }).sign(t.server.signingKey.privateKey);
    const { tid: _tid, ...withoutTid } = standardClaims();
    await expect401(await sign(withoutTid));
    await expect401(await sign(standardClaims({ tid: 'contoso.onmicrosoft.com' })));
  });

  it('local key but a foreign issuer', async () => {
    const token = await new SignJWT(standardClaims({ iss: 'https://sts.windows.net/evil/' }))
      .setProtectedHeader({ alg: 'ES256', kid: t.server.signingKey.kid })
      .sign(t.server.signingKey.privateKey);
    await expect401(token);
  });

  it('no exp claim', async () => {
    const { exp: _exp, ...claims } = standardClaims();
    const token = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'ES256', kid: t.server.signingKey.kid })
      .sign(t.server.signingKey.privateKey);
    await expect401(token);
  });
});

describe('tolerance', () => {
  it('accepts a token expired less than 5 minutes ago (clock skew)', async () => {
    const token = await t.token({ issuedAt: now() - 3700, ttlSeconds: 3600 });
    assert.equal((await send(t.url, 'GET', LIST, token)).status, 200);
  });

  it('accepts the other Graph audience', async () => {
    const token = await t.token({ audience: '00000003-0000-0000-c000-000000000000' });
    assert.equal((await send(t.url, 'GET', LIST, token)).status, 200);
  });
});

describe('permissions and roles (403 Authorization_RequestDenied)', () => {
  const create = (token: string) => send(t.url, 'POST', LIST, token, { body: { displayName: 'perm' } });

  it('a Read.All application token reads but cannot write', async () => {
    const token = await t.token(tokens.readOnlyApp);
    assert.equal((await send(t.url, 'GET', LIST, token)).status, 200);
    const res = await create(token);
    assert.equal(res.status, 403);
    assert.equal(res.body.error.code, 'Authorization_RequestDenied');
    assert.equal((await send(t.url, 'GET', `${LIST}/$count`, token)).status, 200);
  });

  it('a Read.All token cannot PATCH or DELETE either', async () => {
    const id = (await create(await t.token())).body.id;
    const token = await t.token(tokens.readOnlyApp);
    assert.equal((await send(t.url, 'PATCH', `${LIST}/${id}`, token, { body: { displayName: 'x' } })).status, 403);
    assert.equal((await send(t.url, 'DELETE', `${LIST}/${id}`, token)).status, 403);
    assert.equal((await send(t.url, 'GET', `${LIST}/${id}`, token)).body.displayName, 'perm');
  });

  it('an application token without PKI permissions gets 403 on reads', async () => {
    const token = await t.token({ appRoles: ['Directory.Read.All'] });
    assert.equal((await send(t.url, 'GET', LIST, token)).status, 403);
    assert.equal((await send(t.url, 'GET', '/beta/directory/publicKeyInfrastructure', token)).status, 403);
  });

  it('a delegated ReadWrite token needs one of the documented directory roles or Global Administrator', async () => {
    assert.equal((await create(await t.token(tokens.delegatedReadWrite))).status, 201);
    const authAdmin = await t.token({ scopes: [PERMISSION_READ_WRITE], directoryRoles: [DIRECTORY_ROLES.authenticationAdministrator] });
    assert.equal((await create(authAdmin)).status, 201);
    const noRole = await t.token({ scopes: [PERMISSION_READ_WRITE], directoryRoles: [] });
    assert.equal((await create(noRole)).status, 403);
    assert.equal((await send(t.url, 'GET', LIST, noRole)).status, 403);
    const otherRole = await t.token({ scopes: [PERMISSION_READ_WRITE], directoryRoles: [DIRECTORY_ROLES.userAdministrator] });
    assert.equal((await create(otherRole)).status, 403);
    const globalAdministrator = await t.token({ scopes: [PERMISSION_READ_WRITE], directoryRoles: [DIRECTORY_ROLES.globalAdministrator] });
    assert.equal((await create(globalAdministrator)).status, 201);
  });

  it('a delegated Read.All token with the role reads but cannot write', async () => {
    const token = await t.token({ scopes: [PERMISSION_READ], directoryRoles: [DIRECTORY_ROLES.privilegedAuthenticationAdministrator] });
    assert.equal((await send(t.url, 'GET', LIST, token)).status, 200);
    assert.equal((await create(token)).status, 403);
  });

  it('roles in a delegated token do not count (scp decides)', async () => {
    const token = await new SignJWT(standardClaims({ scp: 'User.Read', wids: [DIRECTORY_ROLES.privilegedAuthenticationAdministrator] }))
      .setProtectedHeader({ alg: 'ES256', kid: t.server.signingKey.kid })
      .sign(t.server.signingKey.privateKey);
    assert.equal((await send(t.url, 'GET', LIST, token)).status, 403);
  });
});

describe('tokens of an external identity provider (JWKS)', () => {
  let jwksServer: Server;
  let idp: TestServer;
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const issuerOf = (tid: string) => `https://login.example.test/${tid}/v2.0`;
  const idpToken = (claims: Record<string, unknown>, kid = 'idp-key-1') =>
    new SignJWT(standardClaims({ iss: issuerOf(TENANT_A), ...claims })).setProtectedHeader({ alg: 'RS256', kid }).sign(privateKey);

  before(async () => {
    const jwk = { ...(await exportJWK(publicKey)), kid: 'idp-key-1', alg: 'RS256', use: 'sig' };
    jwksServer = createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
    const port = (jwksServer.address() as AddressInfo).port;
    idp = await startTestServer({
      auth: {
        audiences: ['https://graph.microsoft.com'],
        jwksUrl: `http://127.0.0.1:${port}/keys`,
        issuers: ['https://login.example.test/{tenantid}/v2.0'],
      },
    });
  });
  after(async () => {
    await idp.close();
    await new Promise((resolve) => jwksServer.close(resolve));
  });

  it('accepts a token signed by a JWKS key with the tenant-specific issuer', async () => {
    const res = await send(idp.url, 'POST', LIST, await idpToken({}), { body: { displayName: 'from idp' } });
    assert.equal(res.status, 201, res.text);
  });

  it('still accepts locally minted tokens', async () => {
    assert.equal((await send(idp.url, 'GET', LIST, await idp.token())).status, 200);
  });

  it('refuses an issuer that does not match the token tenant or the configured pattern', async () => {
    const otherTenantIssuer = await idpToken({ iss: issuerOf('00000000-0000-4000-8000-00000000000b') });
    const res = await send(idp.url, 'GET', LIST, otherTenantIssuer);
    assert.equal(res.status, 401);
    assert.equal((await send(idp.url, 'GET', LIST, await idpToken({ iss: 'https://evil.test/' }))).status, 401);
  });

  it('refuses a token whose kid is not in the JWKS', async () => {
    assert.equal((await send(idp.url, 'GET', LIST, await idpToken({}, 'unknown-kid'))).status, 401);
  });

  it('refuses a JWKS-issuer token signed by a key outside the JWKS', async () => {
    const { privateKey: other } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const forged = await new SignJWT(standardClaims({ iss: issuerOf(TENANT_A) })).setProtectedHeader({ alg: 'RS256', kid: 'idp-key-1' }).sign(other);
    assert.equal((await send(idp.url, 'GET', LIST, forged)).status, 401);
  });
});
