// Seeding at start (--seed FILE): tenants, PKIs and CAs are loaded before the server listens; a second
// start with the same seed adds nothing; what a user deleted stays deleted; a bad seed stops the start,
// names the file and the JSON path, and writes nothing at all.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_LIMITS, defaultServerConfig, type Limits } from '../../src/config.ts';
import { startServer, type RunningServer } from '../../src/server.ts';
import { createCa, createLeaf, type TestCert } from '../helpers/certs.ts';
import { freshTestDatabase } from '../helpers/backend.ts';
import { PKI_PATH, TENANT_A, TENANT_B } from '../helpers/test-server.ts';
import { type Clients, clientsFor, pkiCount, tenantView } from './admin-helpers.ts';

const FIXED_PKI_ID = '00000000-0000-4000-8000-0000000000f1';
/** The counts of a seed without users or a classic store. */
const NO_DIRECTORY = { usersAdded: 0, usersPresent: 0, classicConfigurationsAdded: 0, classicConfigurationsPresent: 0 };

let dir: string;
let database: string | undefined;
let root: TestCert;
let issuing: TestCert;
let other: TestCert;
before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'graph-pki-seed-'));
  database = await freshTestDatabase();
  root = await createCa({ subject: 'CN=Seed Root, O=Contoso' });
  issuing = await createCa({ subject: 'CN=Seed Issuing, O=Contoso', issuer: root });
  other = await createCa({ subject: 'CN=Seed Other, O=Fabrikam' });
});
after(() => rm(dir, { recursive: true, force: true }));

async function writeSeed(name: string, document: unknown): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, typeof document === 'string' ? document : JSON.stringify(document, null, 2));
  return file;
}

/**
 * Starts the server on the test's one data folder and database, so every start sees the earlier ones'
 * data; one public URL, so responses of different starts compare equal.
 */
function start(seedFile: string | undefined, limits: Limits = DEFAULT_LIMITS): Promise<RunningServer> {
  return startServer(defaultServerConfig({ dataDir: dir, database, port: 0, logLevel: 'silent', publicUrl: 'http://graph-pki.test', seedFile, limits }));
}

async function withServer<T>(seedFile: string | undefined, work: (server: RunningServer, a: Clients, b: Clients) => Promise<T>): Promise<T> {
  const server = await start(seedFile);
  try {
    return await work(server, await clientsFor(server.url, server.signingKey, TENANT_A), await clientsFor(server.url, server.signingKey, TENANT_B));
  } finally {
    await server.close();
  }
}

/** Each seed stops the start with a message naming its file and matching its pattern. */
async function assertRefused(documents: readonly [name: string, document: unknown, message: RegExp][]): Promise<void> {
  for (const [name, document, message] of documents) {
    const file = await writeSeed(name, document);
    // A seed that loads after all is a failure, not a server left running.
    await assert.rejects(start(file).then((server) => server.close()), (error: Error) => {
      assert.ok(error.message.startsWith(`seed file ${file}: `), error.message);
      assert.match(error.message, message);
      return true;
    });
  }
}

interface Seed {
  tenants: { id: string; pkis: { id?: string; displayName: string; certificateAuthorities?: Record<string, unknown>[] }[] }[];
}

const seedDocument = (): Seed => ({
  tenants: [
    {
      id: TENANT_A,
      pkis: [
        {
          displayName: 'Contoso PKI',
          certificateAuthorities: [
            { certificate: root.pem, isIssuerHintEnabled: true },
            { certificate: issuing.base64, certificateRevocationListUrl: 'http://crl.contoso.test/issuing.crl', displayName: 'Issuing' },
          ],
        },
        { id: FIXED_PKI_ID, displayName: 'Fixed id PKI' },
      ],
    },
    { id: TENANT_B.toUpperCase(), pkis: [{ displayName: 'Fabrikam PKI', certificateAuthorities: [{ certificate: other.pem }] }] },
  ],
});

describe('serve --seed', () => {
  it('loads tenants, PKIs and CAs before listening, each CA as the Graph API would store it', async () => {
    const file = await writeSeed('seed.json', seedDocument());
    await withServer(file, async (server, a, b) => {
      assert.deepEqual(server.seeded, { pkisAdded: 3, certificateAuthoritiesAdded: 3, pkisPresent: 0, certificateAuthoritiesPresent: 0, ...NO_DIRECTORY });
      const pkis = (await a.graph('GET', `/beta${PKI_PATH}?$orderby=displayName`)).body.value;
      assert.deepEqual(pkis.map((p: { displayName: string }) => p.displayName), ['Contoso PKI', 'Fixed id PKI']);
      assert.equal(pkis[1].id, FIXED_PKI_ID);
      const cas = (await a.graph('GET', `/beta${PKI_PATH}/${pkis[0].id}/certificateAuthorities?$orderby=displayName`)).body.value;
      assert.deepEqual(
        cas.map((c: Record<string, unknown>) => [c.displayName, c.certificateAuthorityType, c.isIssuerHintEnabled, c.certificateRevocationListUrl]),
        [
          ['Issuing', 'intermediate', false, 'http://crl.contoso.test/issuing.crl'],
          ['Seed Root', 'root', true, null],
        ],
      );
      assert.equal(cas[1].certificate, root.base64, 'PEM text in the seed is stored as base64 DER');
      assert.equal((await b.graph('GET', `/beta${PKI_PATH}`)).body.value[0].displayName, 'Fabrikam PKI', 'the tenant id is taken in any case');
    });
  });

  it('adds nothing on a second start with the same seed, and leaves what a user deleted deleted', async () => {
    const file = path.join(dir, 'seed.json');
    const before = await withServer(undefined, async (_server, a) => {
      const contoso = (await a.graph('GET', `/beta${PKI_PATH}?$filter=displayName eq 'Contoso PKI'`)).body.value[0].id;
      const issuingCa = (await a.graph('GET', `/beta${PKI_PATH}/${contoso}/certificateAuthorities?$filter=displayName eq 'Issuing'`)).body.value[0].id;
      assert.equal((await a.graph('DELETE', `/beta${PKI_PATH}/${contoso}/certificateAuthorities/${issuingCa}`)).status, 204);
      assert.equal((await a.graph('DELETE', `/beta${PKI_PATH}/${FIXED_PKI_ID}`)).status, 204);
      return tenantView(a);
    });
    await withServer(file, async (server, a, b) => {
      assert.deepEqual(server.seeded, { pkisAdded: 0, certificateAuthoritiesAdded: 0, pkisPresent: 3, certificateAuthoritiesPresent: 3, ...NO_DIRECTORY });
      assert.deepEqual(await tenantView(a), before);
      assert.equal(await pkiCount(b), 1);
    });
    // The same seed as Windows PowerShell 5.1 writes it (UTF-8 with a byte-order mark) reads the same.
    const withBom = await writeSeed('seed-bom.json', `\uFEFF${JSON.stringify(seedDocument())}`);
    await withServer(withBom, async (server) => {
      assert.deepEqual(server.seeded, { pkisAdded: 0, certificateAuthoritiesAdded: 0, pkisPresent: 3, certificateAuthoritiesPresent: 3, ...NO_DIRECTORY });
    });
  });

  it('adds only what is new when the seed grows: a CA to a PKI found by its displayName, a new PKI', async () => {
    const grown = seedDocument();
    const extra = await createCa({ subject: 'CN=Seed Extra, O=Contoso' });
    grown.tenants[0]?.pkis[0]?.certificateAuthorities?.push({ certificate: extra.base64, isIssuerHintEnabled: false });
    grown.tenants[1]?.pkis.push({ displayName: 'Fabrikam second', certificateAuthorities: [{ certificate: extra.pem }] });
    const file = await writeSeed('grown.json', grown);
    await withServer(file, async (server, a, b) => {
      assert.deepEqual(server.seeded, { pkisAdded: 1, certificateAuthoritiesAdded: 2, pkisPresent: 3, certificateAuthoritiesPresent: 3, ...NO_DIRECTORY });
      const contoso = (await a.graph('GET', `/beta${PKI_PATH}?$filter=displayName eq 'Contoso PKI'`)).body.value;
      assert.equal(contoso.length, 1);
      const cas = (await a.graph('GET', `/beta${PKI_PATH}/${contoso[0].id}/certificateAuthorities`)).body.value;
      assert.deepEqual(cas.map((c: { displayName: string }) => c.displayName).sort(), ['Seed Extra', 'Seed Root'], 'the deleted CA stays deleted');
      assert.equal(await pkiCount(b), 2);
    });
  });

  it('refuses a bad seed, naming the file and the JSON path, and writes nothing of it', async () => {
    const before = await withServer(undefined, async (_server, a, b) => ({ a: await tenantView(a), b: await tenantView(b) }));
    const leaf = await createLeaf({ subject: 'CN=Not a CA', issuer: root });
    const newTenant = '00000000-0000-4000-8000-0000000000f2';
    const badDocuments: [string, unknown, RegExp][] = [
      [
        'not-a-ca.json',
        {
          tenants: [
            { id: newTenant, pkis: [{ displayName: 'Would be new', certificateAuthorities: [{ certificate: other.pem }] }] },
            { id: TENANT_B, pkis: [{ displayName: 'Fabrikam PKI', certificateAuthorities: [{ certificate: root.pem }, { certificate: leaf.pem }] }] },
          ],
        },
        /\$\.tenants\[1\]\.pkis\[0\]\.certificateAuthorities\[1\]: Invalid value specified for property 'certificate'.*not a CA/,
      ],
      ['bad-pem.json', { tenants: [{ id: newTenant, pkis: [{ displayName: 'x', certificateAuthorities: [{ certificate: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n' }] }] }] }, /\$\.tenants\[0\]\.pkis\[0\]\.certificateAuthorities\[0\]: Invalid value specified for property 'certificate'/],
      ['unknown.json', { tenants: [{ id: newTenant, pkis: [{ displayName: 'x', colour: 'red' }] }] }, /\$\.tenants\[0\]\.pkis\[0\]\.colour: unknown property/],
      ['no-guid.json', { tenants: [{ id: 'contoso', pkis: [] }] }, /\$\.tenants\[0\]\.id: "contoso" is not a GUID/],
      ['twice.json', { tenants: [{ id: newTenant, pkis: [] }, { id: newTenant.toUpperCase(), pkis: [] }] }, /\$\.tenants\[1\]\.id: the tenant '.*' appears twice \(also at \$\.tenants\[0\]\.id\)/],
      ['same-name.json', { tenants: [{ id: newTenant, pkis: [{ displayName: 'x' }, { displayName: 'x' }] }] }, /\$\.tenants\[0\]\.pkis\[1\]\.displayName: the displayName 'x' .* appears twice/],
      ['dup-ca.json', { tenants: [{ id: newTenant, pkis: [{ displayName: 'x', certificateAuthorities: [{ certificate: other.pem }, { certificate: other.base64 }] }] }] }, /certificateAuthorities\[1\]\.certificate: the same certificate \(Duplicate Certificate exists\) appears twice/],
      ['not-json.json', '{"tenants": [', /is not valid JSON/],
    ];
    await assertRefused(badDocuments);
    await assert.rejects(start(path.join(dir, 'missing.json')), /seed file .*missing\.json: cannot be read/);
    await withServer(undefined, async (_server, a, b) => {
      assert.deepEqual(await tenantView(a), before.a);
      assert.deepEqual(await tenantView(b), before.b);
      const c = await clientsFor(_server.url, _server.signingKey, newTenant);
      assert.equal(await pkiCount(c), 0, 'the valid first tenant of a bad seed was not written either');
    });
  });

  it('refuses a seed that would take a PKI over its CA limit, writing nothing', async () => {
    const file = await writeSeed('over-limit.json', {
      tenants: [
        { id: TENANT_B, pkis: [{ displayName: 'Limit new' }] },
        { id: TENANT_A, pkis: [{ displayName: 'Contoso PKI', certificateAuthorities: [{ certificate: (await createCa({ subject: 'CN=Seed Over' })).pem }] }] },
      ],
    });
    const limits = { ...DEFAULT_LIMITS, maxCasPerPki: 2 };
    await assert.rejects(start(file, limits), /\$\.tenants\[1\]\.pkis\[0\]\.certificateAuthorities: The PKI already holds 2 certificate authorities, the most allowed \(2\)/);
    await withServer(undefined, async (_server, _a, b) => {
      assert.equal((await b.graph('GET', `/beta${PKI_PATH}?$filter=displayName eq 'Limit new'`)).body.value.length, 0);
    });
  });
});

/** The tenant's live users, by userPrincipalName. */
async function userView(c: Clients): Promise<Record<string, unknown>[]> {
  const res = await c.graph('GET', '/v1.0/users?$select=id,userPrincipalName,displayName,accountEnabled,authorizationInfo,onPremisesUserPrincipalName,onPremisesSyncEnabled&$orderby=userPrincipalName', {
    headers: { consistencylevel: 'eventual' },
  });
  assert.equal(res.status, 200, res.text);
  return res.body.value as Record<string, unknown>[];
}

/** A seed user with what POST /users requires (accountEnabled, displayName, mailNickname, passwordProfile). */
function seedUser(userPrincipalName: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const alias = userPrincipalName.split('@')[0] as string;
  return { userPrincipalName, accountEnabled: true, displayName: alias, mailNickname: alias, passwordProfile: { password: 'p@ss-W0rd!' }, ...extra };
}

describe('serve --seed: users and the classic store', () => {
  const tenant = '00000000-0000-4000-8000-0000000000c3';
  const userId = '00000000-0000-4000-8000-0000000000a1';
  const classicPath = `/v1.0/organization/${tenant}/certificateBasedAuthConfiguration`;
  const directorySeed = () => ({
    tenants: [
      {
        id: tenant,
        pkis: [],
        classicCertificateBasedAuthConfiguration: {
          certificateAuthorities: [
            { certificate: root.pem, isRootAuthority: true },
            { certificate: issuing.base64, isRootAuthority: false, certificateRevocationListUrl: 'http://crl.contoso.test/issuing.crl' },
          ],
        },
        users: [
          seedUser('alice@contoso.test', {
            id: userId.toUpperCase(),
            displayName: 'Alice',
            accountEnabled: false,
            certificateUserIds: ['X509:<PN>alice@contoso.test', 'X509:<SKI>A1B2'],
          }),
          seedUser('bob@contoso.test', { onPremisesUserPrincipalName: 'bob@corp.contoso.test', onPremisesSyncEnabled: true }),
        ],
        directoryRoleAssignments: [{ userId, roleTemplateIds: ['62e90394-69f5-4237-9190-012177145e10'] }],
      },
    ],
  });
  it('loads users as POST /users stores them and the classic store as its POST does; a second start adds nothing', async () => {
    const file = await writeSeed('directory.json', directorySeed());
    let bobId = '';
    await withServer(file, async (server) => {
      assert.deepEqual(server.seeded, { pkisAdded: 0, certificateAuthoritiesAdded: 0, pkisPresent: 0, certificateAuthoritiesPresent: 0, usersAdded: 2, usersPresent: 0, classicConfigurationsAdded: 1, classicConfigurationsPresent: 0 });
      const c = await clientsFor(server.url, server.signingKey, tenant);
      const users = await userView(c);
      assert.deepEqual(
        users.map((u) => [u.id === userId ? 'fixed id' : 'assigned id', u.userPrincipalName, u.displayName, u.accountEnabled, (u.authorizationInfo as { certificateUserIds: string[] }).certificateUserIds, u.onPremisesUserPrincipalName, u.onPremisesSyncEnabled]),
        [
          ['fixed id', 'alice@contoso.test', 'Alice', false, ['X509:<PN>alice@contoso.test', 'X509:<SKI>A1B2'], null, null],
          ['assigned id', 'bob@contoso.test', 'bob', true, [], 'bob@corp.contoso.test', true],
        ],
      );
      bobId = users[1]?.id as string;
      const roles = await c.admin('GET', `/tenants/${tenant}/users/${userId}/directoryRoles`);
      assert.deepEqual(roles.body.roleTemplateIds, ['62e90394-69f5-4237-9190-012177145e10']);
      const classic = (await c.graph('GET', classicPath)).body.value;
      assert.equal(classic.length, 1);
      assert.deepEqual(
        classic[0].certificateAuthorities.map((ca: Record<string, unknown>) => [ca.issuer, ca.isRootAuthority, ca.certificateRevocationListUrl, ca.certificate]),
        [
          ['CN=Seed Root, O=Contoso', true, null, root.base64],
          ['CN=Seed Issuing, O=Contoso', false, 'http://crl.contoso.test/issuing.crl', issuing.base64],
        ],
      );
      // The seeded value is the tenant's: POST /users refuses it for another user, as for any stored user.
      const taken = await c.graph('POST', '/v1.0/users', {
        body: { accountEnabled: true, displayName: 'Eve', mailNickname: 'eve', userPrincipalName: 'eve@contoso.test', passwordProfile: { password: 'x!Y7-long-enough' }, authorizationInfo: { certificateUserIds: ['X509:<PN>ALICE@contoso.test'] } },
      });
      assert.equal(taken.status, 400, taken.text);
      assert.match(taken.body.error.message, /same value for property certificateUserIds/);
      assert.equal((await c.graph('DELETE', `/v1.0/users/${bobId}`)).status, 204);
      assert.equal((await c.graph('DELETE', `${classicPath}/29728ade-6ae4-4ee9-9103-412912537da5`)).status, 204);
    });
    // Bob was deleted, and the classic store: the users are found (by id, by userPrincipalName among the
    // deleted too) and left as they are; the classic store, gone, is seeded again like a missing PKI.
    await withServer(file, async (server) => {
      assert.deepEqual(server.seeded, { pkisAdded: 0, certificateAuthoritiesAdded: 0, pkisPresent: 0, certificateAuthoritiesPresent: 0, usersAdded: 0, usersPresent: 2, classicConfigurationsAdded: 1, classicConfigurationsPresent: 0 });
      const c = await clientsFor(server.url, server.signingKey, tenant);
      assert.deepEqual((await userView(c)).map((u) => u.userPrincipalName), ['alice@contoso.test'], 'the deleted user stays deleted');
      assert.equal((await c.graph('GET', `/v1.0/directory/deletedItems/${bobId}`)).status, 200);
    });
    await withServer(file, async (server) => {
      assert.deepEqual(server.seeded, { pkisAdded: 0, certificateAuthoritiesAdded: 0, pkisPresent: 0, certificateAuthoritiesPresent: 0, usersAdded: 0, usersPresent: 2, classicConfigurationsAdded: 0, classicConfigurationsPresent: 1 });
    });
  });

  it('refuses users and classic stores the API would refuse, naming the seed entry, and writes nothing', async () => {
    const fresh = '00000000-0000-4000-8000-0000000000c4';
    const seedOf = (extra: Record<string, unknown>) => ({
      tenants: [
        { id: fresh, pkis: [{ displayName: 'Would be new' }], users: [seedUser('new@contoso.test')] },
        { id: tenant, pkis: [], ...extra },
      ],
    });
    const badDocuments: [string, unknown, RegExp][] = [
      ['bad-upn.json', seedOf({ users: [seedUser('no-at-sign')] }), /\$\.tenants\[1\]\.users\[0\]: Invalid value specified for property 'userPrincipalName' of resource 'User'\. 'no-at-sign' is not of the form alias@domain/],
      ['bad-id-form.json', seedOf({ users: [seedUser('carol@contoso.test', { certificateUserIds: ['X509:<UPN>carol@contoso.test'] })] }), /\$\.tenants\[1\]\.users\[0\]: Invalid value specified for property 'certificateUserIds' of resource 'User'\. 'X509:<UPN>carol@contoso\.test': a value starting with X509: must be one of/],
      ['not-string.json', seedOf({ users: [seedUser('carol@contoso.test', { certificateUserIds: [7] })] }), /\$\.tenants\[1\]\.users\[0\]: .*Each value must be a string; got number/],
      ['long-name.json', seedOf({ users: [seedUser('carol@contoso.test', { displayName: 'x'.repeat(300) })] }), /\$\.tenants\[1\]\.users\[0\]: Invalid value specified for property 'displayName' of resource 'User': 300 characters/],
      ['taken-value.json', seedOf({ users: [seedUser('carol@contoso.test', { certificateUserIds: ['X509:<SKI>a1b2'] })] }), /\$\.tenants\[1\]\.users\[0\]: Another object with the same value for property certificateUserIds already exists/],
      ['taken-upn.json', seedOf({ users: [seedUser('ALICE@contoso.test', { id: '00000000-0000-4000-8000-0000000000a9' })] }), /\$\.tenants\[1\]\.users\[0\]: Another object with the same value for property userPrincipalName already exists/],
      ['upn-twice.json', seedOf({ users: [seedUser('dave@contoso.test'), seedUser('Dave@contoso.test')] }), /\$\.tenants\[1\]\.users\[1\]\.userPrincipalName: the userPrincipalName 'Dave@contoso\.test' appears twice \(also at \$\.tenants\[1\]\.users\[0\]\.userPrincipalName\)/],
      ['user-unknown.json', seedOf({ users: [{ userPrincipalName: 'carol@contoso.test', password: 'x' }] }), /\$\.tenants\[1\]\.users\[0\]\.password: unknown property/],
      ['classic-root-flag.json', seedOf({ classicCertificateBasedAuthConfiguration: { certificateAuthorities: [{ certificate: issuing.pem, isRootAuthority: true }] } }), /\$\.tenants\[1\]\.classicCertificateBasedAuthConfiguration: Invalid value specified for property 'isRootAuthority' of resource 'certificateAuthority' \(certificateAuthorities\[0\]\)/],
      ['classic-twice.json', seedOf({ classicCertificateBasedAuthConfiguration: { certificateAuthorities: [{ certificate: root.pem, isRootAuthority: true }, { certificate: root.base64, isRootAuthority: true }] } }), /\$\.tenants\[1\]\.classicCertificateBasedAuthConfiguration: certificateAuthorities\[1\] holds the same certificate as certificateAuthorities\[0\]/],
      ['classic-no-flag.json', seedOf({ classicCertificateBasedAuthConfiguration: { certificateAuthorities: [{ certificate: root.pem }] } }), /\$\.tenants\[1\]\.classicCertificateBasedAuthConfiguration\.certificateAuthorities\[0\]: missing required property 'isRootAuthority'/],
    ];
    await assertRefused(badDocuments);
    await withServer(undefined, async (server) => {
      const c = await clientsFor(server.url, server.signingKey, fresh);
      assert.equal(await pkiCount(c), 0, 'the valid first tenant of a bad seed was not written');
      assert.deepEqual(await userView(c), []);
      const t = await clientsFor(server.url, server.signingKey, tenant);
      assert.deepEqual((await userView(t)).map((u) => u.userPrincipalName), ['alice@contoso.test']);
    });
  });

  it('refuses a user missing what POST /users requires, with the message that POST gives, naming the seed entry', async () => {
    const fresh = '00000000-0000-4000-8000-0000000000c5';
    const without = (property: string): Record<string, unknown> => {
      const user = seedUser('carol@contoso.test');
      if (property === 'passwordProfile.password') return { ...user, passwordProfile: { forceChangePasswordNextSignIn: true } };
      const { [property]: _dropped, ...rest } = user;
      return property === 'accountEnabled' ? { ...rest, accountEnabled: null } : rest;
    };
    const properties = ['accountEnabled', 'displayName', 'mailNickname', 'userPrincipalName', 'passwordProfile', 'passwordProfile.password'];
    const posted = await withServer(undefined, async (server) => {
      const c = await clientsFor(server.url, server.signingKey, fresh);
      const messages: string[] = [];
      for (const property of properties) {
        const res = await c.graph('POST', '/v1.0/users', { body: without(property) });
        assert.equal(res.status, 400, res.text);
        messages.push(res.body.error.message);
      }
      return messages;
    });
    for (const [i, property] of properties.entries()) {
      const file = await writeSeed(`missing-${property}.json`, { tenants: [{ id: fresh, pkis: [{ displayName: 'Would be new' }], users: [seedUser('dave@contoso.test'), without(property)] }] });
      await assert.rejects(start(file).then((server) => server.close()), (error: Error) => {
        assert.equal(error.message, `seed file ${file}: $.tenants[0].users[1]: ${posted[i]?.replace(/\.$/, '')}`);
        return true;
      });
    }
    assert.match(posted[1] ?? '', /^A value is required for property 'displayName' of resource 'User'\.$/);
    await withServer(undefined, async (server) => {
      const c = await clientsFor(server.url, server.signingKey, fresh);
      assert.equal(await pkiCount(c), 0, 'nothing of a refused seed was written');
      assert.deepEqual(await userView(c), []);
    });
  });
});

describe('serve --seed: directory roles', () => {
  const tenant = '00000000-0000-4000-8000-0000000000d1';
  const seeded = '00000000-0000-4000-8000-0000000000d2';
  const roles = ['62e90394-69f5-4237-9190-012177145e10'];
  /** The user's roles; 'no user' for the 404 an id that is no user of the tenant and holds none gets. */
  const rolesOf = async (c: Clients, userId: string) => {
    const res = await c.admin('GET', `/tenants/${c.tenantId}/users/${userId}/directoryRoles`);
    if (res.status === 404) return 'no user';
    assert.equal(res.status, 200, res.text);
    return res.body.roleTemplateIds;
  };
  const postUser = async (c: Clients, alias: string) => {
    const res = await c.graph('POST', '/v1.0/users', { body: seedUser(`${alias}@contoso.test`) });
    assert.equal(res.status, 201, res.text);
    return res.body.id as string;
  };

  it('go to a user of the seed or one stored before; a soft-deleted user is left as it is', async () => {
    const { live, deleted } = await withServer(undefined, async (server) => {
      const c = await clientsFor(server.url, server.signingKey, tenant);
      const ids = { live: await postUser(c, 'carol'), deleted: await postUser(c, 'dan') };
      assert.equal((await c.graph('DELETE', `/v1.0/users/${ids.deleted}`)).status, 204);
      return ids;
    });
    const file = await writeSeed('roles.json', {
      tenants: [
        {
          id: tenant,
          pkis: [],
          users: [seedUser('erin@contoso.test', { id: seeded })],
          directoryRoleAssignments: [seeded, live.toUpperCase(), deleted].map((userId) => ({ userId, roleTemplateIds: roles })),
        },
      ],
    });
    await withServer(file, async (server) => {
      const c = await clientsFor(server.url, server.signingKey, tenant);
      assert.deepEqual([await rolesOf(c, seeded), await rolesOf(c, live), await rolesOf(c, deleted)], [roles, roles, []]);
      assert.equal((await c.graph('GET', `/v1.0/directory/deletedItems/${deleted}`)).status, 200, 'the deleted user stays deleted');
      assert.equal((await c.admin('GET', `/tenants/${tenant}/snapshot`)).status, 200);
    });
  });

  it('refuses an id that is no user of the tenant (or a user of another tenant), naming the entry, and writes nothing', async () => {
    const fresh = '00000000-0000-4000-8000-0000000000d3';
    const otherTenantsUser = await withServer(undefined, async (server) => postUser(await clientsFor(server.url, server.signingKey, TENANT_B), 'frank'));
    const stray = '00000000-0000-4000-8000-0000000000d4';
    const seedOf = (userId: string) => ({
      tenants: [
        { id: fresh, pkis: [{ displayName: 'Would be new' }], users: [seedUser('gina@contoso.test', { id: '00000000-0000-4000-8000-0000000000d5' })] },
        { id: tenant, pkis: [], users: [seedUser('hank@contoso.test')], directoryRoleAssignments: [{ userId: seeded, roleTemplateIds: roles }, { userId, roleTemplateIds: roles }] },
      ],
    });
    const notFound = (id: string) =>
      new RegExp(
        `^seed file .*: \\$\\.tenants\\[1\\]\\.directoryRoleAssignments\\[1\\]\\.userId: Resource '${id}' does not exist or one of its queried reference-property objects are not present \\(no user of the tenant has this id`,
      );
    await assertRefused([
      ['roles-stray.json', seedOf(stray), notFound(stray)],
      ['roles-other-tenant.json', seedOf(otherTenantsUser), notFound(otherTenantsUser)],
    ]);
    await withServer(undefined, async (server) => {
      const c = await clientsFor(server.url, server.signingKey, fresh);
      assert.equal(await pkiCount(c), 0, 'the valid first tenant of a bad seed was not written');
      assert.deepEqual(await userView(c), []);
      const t = await clientsFor(server.url, server.signingKey, tenant);
      assert.deepEqual((await userView(t)).map((u) => u.userPrincipalName), ['carol@contoso.test', 'erin@contoso.test'], 'hank was not added');
      assert.deepEqual(await rolesOf(t, stray), 'no user');
      assert.deepEqual(await rolesOf(await clientsFor(server.url, server.signingKey, TENANT_B), otherTenantsUser), []);
    });
  });
});
