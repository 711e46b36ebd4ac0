// Graph's role model, endpoint by endpoint: every route the server documents in /openapi.json (both API
// versions) is called with tokens that hold the documented least-privileged permission and role, Global
// Administrator, Global Reader, a role Graph does not list, no role at all, and a permission of another
// API. The expectations below are written from Microsoft's pages (cited per kind), not read from the
// server's table, so a wrong row in src/auth/permissions.ts fails here.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { ACCESS_TABLE, type Access, type AccessRule, DIRECTORY_ROLES, type DirectoryRoleName } from '../../src/auth/permissions.ts';
import type { TokenRequest } from '../../src/auth/token-issuer.ts';
import { send, startTestServer, type TestResponse, type TestServer } from '../helpers/test-server.ts';

interface KindExpectation {
  /** The least-privileged permission the docs name (used as app role and as delegated scope). */
  readonly least: string;
  /** A permission the docs ask for together with `least` ("X and Y"): granted with it, and refused alone. */
  readonly alongWith?: string;
  /** The least-privileged directory roles the docs name ('any': any signed-in user, no role needed). */
  readonly leastRoles: readonly DirectoryRoleName[] | 'any';
  /** Whether the docs list Global Reader for it. */
  readonly globalReader: boolean;
  /** A built-in role the docs do not list for it (none when any user may). */
  readonly unlisted?: DirectoryRoleName;
  /** A real Graph permission of another API, which must not open it. */
  readonly foreignPermission: string;
  /** Whether the kind only reads (GET routes, and the verify API). */
  readonly reads: boolean;
}

const EXPECTED: Readonly<Record<Access, KindExpectation>> = {
  // includes/rbac-for-apis/rbac-cert-based-authpkis-apis.md; api/certificatebasedauthpki-list.md etc.
  read: {
    least: 'PublicKeyInfrastructure.Read.All',
    leastRoles: ['privilegedAuthenticationAdministrator', 'authenticationAdministrator'],
    globalReader: false,
    unlisted: 'userAdministrator',
    foreignPermission: 'Policy.Read.All',
    reads: true,
  },
  write: {
    least: 'PublicKeyInfrastructure.ReadWrite.All',
    leastRoles: ['privilegedAuthenticationAdministrator', 'authenticationAdministrator'],
    globalReader: false,
    unlisted: 'authenticationPolicyAdministrator',
    foreignPermission: 'Policy.ReadWrite.AuthenticationMethod',
    reads: false,
  },
  // includes/rbac-for-apis/rbac-authentication-methods-policy-apis-read.md; x509…-get.md
  'policy-read': {
    least: 'Policy.Read.AuthenticationMethod',
    leastRoles: ['authenticationPolicyAdministrator'],
    globalReader: true,
    unlisted: 'privilegedAuthenticationAdministrator',
    foreignPermission: 'PublicKeyInfrastructure.ReadWrite.All',
    reads: true,
  },
  // includes/rbac-for-apis/rbac-authentication-methods-policy-apis-write.md; x509…-update.md
  'policy-write': {
    least: 'Policy.ReadWrite.AuthenticationMethod',
    leastRoles: ['authenticationPolicyAdministrator'],
    globalReader: false,
    unlisted: 'authenticationAdministrator',
    foreignPermission: 'PublicKeyInfrastructure.ReadWrite.All',
    reads: false,
  },
  // api/organization-get.md: delegated User.Read, any signed-in user.
  'organization-read': {
    least: 'User.Read',
    leastRoles: 'any',
    globalReader: true,
    foreignPermission: 'PublicKeyInfrastructure.ReadWrite.All',
    reads: true,
  },
  // includes/rbac-for-apis/rbac-cert-based-auth-config-apis.md: Global Administrator is the only role.
  'classic-read': {
    least: 'Organization.Read.All',
    leastRoles: ['globalAdministrator'],
    globalReader: false,
    unlisted: 'privilegedAuthenticationAdministrator',
    foreignPermission: 'PublicKeyInfrastructure.ReadWrite.All',
    reads: true,
  },
  // api-reference/beta/api/signin-list.md (sign-in logs): "AuditLog.Read.All and Directory.Read.All",
  // delegated and application.
  'audit-read': {
    least: 'AuditLog.Read.All',
    alongWith: 'Directory.Read.All',
    leastRoles: ['reportsReader', 'securityReader', 'securityOperator', 'securityAdministrator'],
    globalReader: true,
    unlisted: 'authenticationAdministrator',
    foreignPermission: 'PublicKeyInfrastructure.Read.All',
    reads: true,
  },
  'classic-write': {
    least: 'Organization.ReadWrite.All',
    leastRoles: ['globalAdministrator'],
    globalReader: false,
    unlisted: 'authenticationAdministrator',
    foreignPermission: 'PublicKeyInfrastructure.ReadWrite.All',
    reads: false,
  },
  // api/user-list.md, user-get.md: User.Read.All; members read the directory (no role needed).
  'users-read': {
    least: 'User.Read.All',
    leastRoles: 'any',
    globalReader: true,
    foreignPermission: 'PublicKeyInfrastructure.ReadWrite.All',
    reads: true,
  },
  // api/user-post-users.md, user-delete.md: User.ReadWrite.All; User Administrator.
  'users-write': {
    least: 'User.ReadWrite.All',
    leastRoles: ['userAdministrator'],
    globalReader: false,
    unlisted: 'authenticationAdministrator',
    foreignPermission: 'PublicKeyInfrastructure.ReadWrite.All',
    reads: false,
  },
  // entra-docs certificateuserids page: at least Privileged Authentication Administrator.
  'users-write-certificate-ids': {
    least: 'User.ReadWrite.All',
    leastRoles: ['privilegedAuthenticationAdministrator'],
    globalReader: false,
    unlisted: 'userAdministrator',
    foreignPermission: 'PublicKeyInfrastructure.ReadWrite.All',
    reads: false,
  },
  // api/user-update.md: PATCH admits either of the two rows above (the route checks the body's properties).
  'users-update': {
    least: 'User.ReadWrite.All',
    leastRoles: ['userAdministrator', 'privilegedAuthenticationAdministrator'],
    globalReader: false,
    unlisted: 'authenticationAdministrator',
    foreignPermission: 'PublicKeyInfrastructure.ReadWrite.All',
    reads: false,
  },
  // api/directory-deleteditems-get.md: PKIs and CAs (read) or users (users-read); the route checks the item's kind.
  'deleted-items-read': {
    least: 'PublicKeyInfrastructure.Read.All',
    leastRoles: 'any',
    globalReader: true,
    foreignPermission: 'Policy.Read.All',
    reads: true,
  },
  // api/directory-deleteditems-restore.md, -delete.md.
  'deleted-items-write': {
    least: 'PublicKeyInfrastructure.ReadWrite.All',
    leastRoles: ['privilegedAuthenticationAdministrator', 'authenticationAdministrator', 'userAdministrator'],
    globalReader: false,
    unlisted: 'authenticationPolicyAdministrator',
    foreignPermission: 'Policy.ReadWrite.AuthenticationMethod',
    reads: false,
  },
};

interface Operation {
  readonly method: string;
  /** The OpenAPI path with `{param}` placeholders. */
  readonly path: string;
  readonly access: Access;
}

const MIGRATE_CLASSIC = '/graph-pki/v1/migrate-classic';

let t: TestServer;
let operations: Operation[];

before(async () => {
  t = await startTestServer();
  const document = (await t.request('GET', '/openapi.json', { token: null })).body as {
    paths: Record<string, Record<string, { 'x-graph-pki-access'?: string }>>;
  };
  operations = [];
  for (const [path, item] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(item)) {
      const access = operation['x-graph-pki-access'];
      if (access === undefined) continue;
      assert.ok(access in ACCESS_TABLE, `${method} ${path}: unknown access kind ${access}`);
      // The classic-store migration needs two kinds at once; its own case below checks it.
      if (path === MIGRATE_CLASSIC) continue;
      operations.push({ method: method.toUpperCase(), path, access: access as Access });
    }
  }
});

after(() => t.close());

/** The path with every `{param}` replaced by a fresh GUID: the auth hook decides before any lookup. */
function concrete(path: string): string {
  return path.replace(/\{[^}]+\}/g, () => randomUUID());
}

function call(op: Operation, token: string): Promise<TestResponse> {
  const withBody = op.method === 'POST' || op.method === 'PATCH';
  return send(t.url, op.method, concrete(op.path), token, withBody ? { body: {} } : {});
}

function assertRefused(res: TestResponse, what: string): void {
  assert.equal(res.status, 403, `${what}: ${res.text}`);
  assert.equal(res.body?.error?.code, 'Authorization_RequestDenied', what);
  assert.equal(res.body.error.message, 'Insufficient privileges to complete the operation.', what);
  assert.match(res.body.error.innerError?.['request-id'] ?? '', /^[0-9a-f-]{36}$/, what);
  assert.match(res.body.error.innerError?.date ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/, what);
}

function assertAdmitted(res: TestResponse, what: string): void {
  assert.ok(res.status !== 401 && res.status !== 403, `${what}: expected to pass auth, got ${res.status} ${res.text}`);
  assert.ok(res.status < 500, `${what}: ${res.status} ${res.text}`);
}

function delegated(scope: string | readonly string[], ...roles: DirectoryRoleName[]): Partial<TokenRequest> {
  return { scopes: typeof scope === 'string' ? [scope] : [...scope], directoryRoles: roles.map((name) => DIRECTORY_ROLES[name]) };
}

/** The permissions the docs name for a kind: the least one, and the one it needs alongside. */
function leastOf(expected: KindExpectation): string[] {
  return expected.alongWith === undefined ? [expected.least] : [expected.least, expected.alongWith];
}

describe('the access table, endpoint by endpoint (beta and v1.0)', () => {
  it('covers every Graph route of both versions, each with a kind that has documented expectations', () => {
    const graph = operations.filter((op) => /^\/(beta|v1\.0)\//.test(op.path));
    assert.ok(graph.length >= 40, `only ${graph.length} Graph operations documented`);
    for (const op of graph) {
      const other = op.path.startsWith('/beta/') ? op.path.replace('/beta/', '/v1.0/') : op.path.replace('/v1.0/', '/beta/');
      assert.ok(
        operations.some((o) => o.method === op.method && o.path === other && o.access === op.access),
        `${op.method} ${op.path} has no twin ${other} with the same access`,
      );
    }
    for (const op of operations) assert.ok(EXPECTED[op.access], `no expectations for ${op.access}`);
  });

  it('labels reads and writes truthfully: GET routes read, other methods write (the verify API only reads)', () => {
    for (const op of operations) {
      const reads = op.method === 'GET' || (op.method === 'POST' && op.path.endsWith('/verify'));
      assert.equal(EXPECTED[op.access].reads, reads, `${op.method} ${op.path} is labelled ${op.access}`);
    }
  });

  it('Global Administrator passes every kind (delegated, with the least permission)', async () => {
    for (const op of operations) {
      const token = await t.token(delegated(leastOf(EXPECTED[op.access]), 'globalAdministrator'));
      assertAdmitted(await call(op, token), `GA ${op.method} ${op.path}`);
    }
  });

  it('the documented least-privileged roles pass, as does the least application permission', async () => {
    for (const op of operations) {
      const expected = EXPECTED[op.access];
      for (const role of expected.leastRoles === 'any' ? [] : expected.leastRoles) {
        assertAdmitted(await call(op, await t.token(delegated(leastOf(expected), role))), `${role} ${op.method} ${op.path}`);
      }
      if (expected.leastRoles === 'any') {
        assertAdmitted(await call(op, await t.token(delegated(leastOf(expected)))), `any user ${op.method} ${op.path}`);
      }
      assertAdmitted(await call(op, await t.token({ appRoles: leastOf(expected) })), `app ${leastOf(expected).join(' and ')} ${op.method} ${op.path}`);
    }
  });

  it('Global Reader reads only where the docs list it, and never writes', async () => {
    for (const op of operations) {
      const expected = EXPECTED[op.access];
      const res = await call(op, await t.token(delegated(leastOf(expected), 'globalReader')));
      const what = `Global Reader ${op.method} ${op.path}`;
      if (expected.globalReader) {
        assert.ok(expected.reads, `${op.access}: Global Reader listed on a write kind`);
        assertAdmitted(res, what);
      } else {
        assertRefused(res, what);
      }
    }
  });

  it('a role the docs do not list, no role, and another API’s permission get 403 in Graph’s envelope', async () => {
    for (const op of operations) {
      const expected = EXPECTED[op.access];
      if (expected.leastRoles !== 'any') {
        const unlisted = expected.unlisted ?? assert.fail(`${op.access}: name a role the docs do not list`);
        assertRefused(await call(op, await t.token(delegated(leastOf(expected), unlisted))), `${unlisted} ${op.method} ${op.path}`);
        assertRefused(await call(op, await t.token(delegated(leastOf(expected)))), `no role ${op.method} ${op.path}`);
      }
      assertRefused(await call(op, await t.token({ appRoles: [expected.foreignPermission] })), `app ${expected.foreignPermission} ${op.method} ${op.path}`);
      assertRefused(
        await call(op, await t.token(delegated(expected.foreignPermission, 'globalAdministrator'))),
        `GA with ${expected.foreignPermission} ${op.method} ${op.path}`,
      );
    }
  });

  it('a kind whose docs ask for two permissions refuses either one alone (application and delegated)', async () => {
    const paired = operations.filter((op) => EXPECTED[op.access].alongWith !== undefined);
    assert.ok(paired.some((op) => op.access === 'audit-read'), 'the sign-in logs need two permissions');
    for (const op of paired) {
      const expected = EXPECTED[op.access];
      const role = expected.leastRoles === 'any' ? [] : [expected.leastRoles[0] as DirectoryRoleName];
      for (const alone of leastOf(expected)) {
        assertRefused(await call(op, await t.token({ appRoles: [alone] })), `app ${alone} alone ${op.method} ${op.path}`);
        assertRefused(await call(op, await t.token(delegated(alone, ...role))), `delegated ${alone} alone ${op.method} ${op.path}`);
      }
    }
  });

  it('read kinds accept the ReadWrite permission too; write kinds refuse the read-only one', async () => {
    const pairs: [Access, Access][] = [
      ['read', 'write'],
      ['policy-read', 'policy-write'],
      ['classic-read', 'classic-write'],
      ['users-read', 'users-write'],
    ];
    for (const [readKind, writeKind] of pairs) {
      const writePermission = EXPECTED[writeKind].least;
      const readPermission = EXPECTED[readKind].least;
      for (const op of operations.filter((o) => o.access === readKind)) {
        assertAdmitted(await call(op, await t.token({ appRoles: [writePermission] })), `app ${writePermission} ${op.method} ${op.path}`);
      }
      for (const op of operations.filter((o) => o.access === writeKind)) {
        assertRefused(await call(op, await t.token({ appRoles: [readPermission] })), `app ${readPermission} ${op.method} ${op.path}`);
      }
    }
  });
});

describe('POST /graph-pki/v1/migrate-classic (reads the classic store, writes a PKI)', () => {
  const migrate: Operation = { method: 'POST', path: MIGRATE_CLASSIC, access: 'write' };
  const both = [EXPECTED.write.least, EXPECTED['classic-read'].least];

  it('admits a token holding both kinds: an application, or a Global Administrator', async () => {
    assertAdmitted(await call(migrate, await t.token({ appRoles: both })), 'app with both permissions');
    assertAdmitted(
      await call(migrate, await t.token({ scopes: both, directoryRoles: [DIRECTORY_ROLES.globalAdministrator] })),
      'GA with both scopes',
    );
  });

  it('refuses either kind alone, and a PKI administrator who may not read the classic store', async () => {
    assertRefused(await call(migrate, await t.token({ appRoles: [EXPECTED.write.least] })), 'app with PKI write only');
    assertRefused(await call(migrate, await t.token({ appRoles: [EXPECTED['classic-read'].least] })), 'app with classic read only');
    assertRefused(
      await call(migrate, await t.token({ scopes: both, directoryRoles: [DIRECTORY_ROLES.privilegedAuthenticationAdministrator] })),
      'Privileged Authentication Administrator with both scopes',
    );
  });
});

describe('the table itself', () => {
  it('names Global Administrator on every row and Global Reader only on reads', () => {
    for (const [kind, rule] of Object.entries(ACCESS_TABLE) as [string, AccessRule][]) {
      if (rule.roles === 'any') {
        assert.ok(rule.reads, `${kind} lets any signed-in user write`);
        continue;
      }
      assert.ok(rule.roles.includes('globalAdministrator'), `${kind} lacks Global Administrator`);
      if (rule.roles.includes('globalReader')) assert.ok(rule.reads, `${kind} lets Global Reader write`);
    }
  });
});
