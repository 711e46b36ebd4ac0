// The users use case on a real server's store (SQLite file or PostgreSQL): create/get/update/delete, the
// documented certificateUserIds rules (forms, counts, lengths, tenant-wide uniqueness), and the look-ups
// username binding uses (findByCertificateUserId, findByUserProperty), each scoped to one tenant.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { GraphError } from '../../src/service/errors.ts';
import type { UserService } from '../../src/service/directory/user-service.ts';
import { startTestServer, TENANT_A, TENANT_B, type TestServer } from '../helpers/test-server.ts';

let t: TestServer;
let users: UserService;

before(async () => {
  t = await startTestServer();
  users = t.server.users;
});
after(() => t.close());

/** Asserts that `work` fails with Graph's 400 and a message matching `message`. */
async function rejects400(work: Promise<unknown>, message: RegExp): Promise<void> {
  await assert.rejects(work, (error: unknown) => {
    assert.ok(error instanceof GraphError, String(error));
    assert.equal(error.status, 400);
    assert.equal(error.code, 'Request_BadRequest');
    assert.match(error.message, message);
    return true;
  });
}

describe('users: create, get, update, soft delete', () => {
  it('creates a user and finds it by id and by userPrincipalName in any case', async () => {
    const created = await users.create(TENANT_A, { userPrincipalName: 'Adele@contoso.com', displayName: 'Adele Vance', mailNickname: 'adele' });
    assert.match(created.id, /^[0-9a-f-]{36}$/);
    assert.equal(created.accountEnabled, true);
    assert.deepEqual(created.certificateUserIds, []);
    assert.equal((await users.get(TENANT_A, created.id)).displayName, 'Adele Vance');
    assert.equal((await users.get(TENANT_A, 'adele@CONTOSO.com')).id, created.id);
    assert.equal(await users.find(TENANT_B, created.id), undefined, 'another tenant does not see it');
  });

  it('refuses a second user with the same userPrincipalName, whatever its case', async () => {
    await users.create(TENANT_A, { userPrincipalName: 'dup@contoso.com' });
    await rejects400(users.create(TENANT_A, { userPrincipalName: 'DUP@contoso.com' }), /same value for property userPrincipalName already exists/);
    // Another tenant may have it.
    await users.create(TENANT_B, { userPrincipalName: 'dup@contoso.com' });
  });

  it('refuses malformed userPrincipalNames with the reason', async () => {
    await rejects400(users.create(TENANT_A, { userPrincipalName: 'no-at-sign' }), /not of the form alias@domain/);
    await rejects400(users.create(TENANT_A, { userPrincipalName: 'zoë@contoso.com' }), /may hold only/);
    await rejects400(users.create(TENANT_A, { userPrincipalName: 'a@bad_domain' }), /not a valid domain/);
  });

  it('updates given properties only, and soft delete frees the userPrincipalName and the values', async () => {
    const user = await users.create(TENANT_A, { userPrincipalName: 'patch@contoso.com', displayName: 'Before', mail: 'patch@contoso.com' });
    const updated = await users.update(TENANT_A, user.id, { displayName: 'After', certificateUserIds: ['X509:<PN>patch@contoso.com'] });
    assert.equal(updated.displayName, 'After');
    assert.equal(updated.mail, 'patch@contoso.com');
    assert.deepEqual(updated.certificateUserIds, ['X509:<PN>patch@contoso.com']);

    await users.softDelete(TENANT_A, 'patch@contoso.com');
    await assert.rejects(users.get(TENANT_A, user.id), (e: GraphError) => e.status === 404);
    assert.equal((await users.findDeleted(TENANT_A, user.id))?.deletedDateTime !== null, true);
    assert.equal(await users.findByCertificateUserId(TENANT_A, 'X509:<PN>patch@contoso.com'), undefined);

    // While it is deleted another user may take its name and value; restoring it then is refused.
    const other = await users.create(TENANT_A, { userPrincipalName: 'patch@contoso.com', certificateUserIds: ['X509:<PN>patch@contoso.com'] });
    await rejects400(users.restore(TENANT_A, user.id), /same value for property userPrincipalName/);
    await users.softDelete(TENANT_A, other.id);
    assert.ok(await users.purge(TENANT_A, other.id));
    const restored = await users.restore(TENANT_A, user.id);
    assert.equal(restored.deletedDateTime, null);
    assert.equal((await users.findByCertificateUserId(TENANT_A, 'X509:<PN>patch@contoso.com'))?.id, user.id);
  });
});

describe('certificateUserIds rules (spec §1.2, §1.3)', () => {
  it('accepts every documented form, and bare values as Graph examples store them', async () => {
    const values = [
      'X509:<PN>bob@woodgrove.com',
      'X509:<RFC822>user@woodgrove.com',
      'X509:<I>DC=com,DC=contoso,CN=CONTOSO-DC-CA<S>DC=com,DC=contoso,OU=UserAccounts,CN=mfatest',
      'X509:<S>DC=com,DC=contoso,OU=UserAccounts,CN=mfatest',
      'X509:<SKI>aB1cD2eF3gH4iJ5kL6-mN7oP8qR=',
      'X509:<SHA1-PUKEY>cD2eF3gH4iJ5kL6mN7-oP8qR9sT',
      'X509:<I>DC=com,DC=contoso,CN=CONTOSO-DC-CA<SR>b24134139f069b49997212a86ba0ef48',
      '5432109876543210@mil',
    ];
    const user = await users.create(TENANT_A, { userPrincipalName: 'forms@contoso.com', certificateUserIds: values });
    assert.deepEqual(user.certificateUserIds, values);
    assert.deepEqual((await users.get(TENANT_A, user.id)).certificateUserIds, values, 'stored in the order written');
  });

  it('refuses more values than allowed, too long values, malformed X509 forms and repeats', async () => {
    const eleven = Array.from({ length: 11 }, (_, i) => `X509:<PN>u${i}@contoso.com`);
    await rejects400(users.create(TENANT_A, { userPrincipalName: 'x1@contoso.com', certificateUserIds: eleven }), /at most 10 values; 11 were given/);
    await rejects400(
      users.create(TENANT_A, { userPrincipalName: 'x2@contoso.com', certificateUserIds: [`X509:<PN>${'a'.repeat(1020)}`] }),
      /at most 1024 characters/,
    );
    await rejects400(users.create(TENANT_A, { userPrincipalName: 'x3@contoso.com', certificateUserIds: ['x509:<PN>lower@contoso.com'] }), /case-sensitive/);
    await rejects400(users.create(TENANT_A, { userPrincipalName: 'x4@contoso.com', certificateUserIds: ['X509:<FOO>bar'] }), /must be one of/);
    await rejects400(users.create(TENANT_A, { userPrincipalName: 'x5@contoso.com', certificateUserIds: ['X509:<PN>'] }), /after <PN> is empty/);
    await rejects400(users.create(TENANT_A, { userPrincipalName: 'x6@contoso.com', certificateUserIds: ['X509:<I><SR>01'] }), /issuer after <I> is empty/);
    await rejects400(
      users.create(TENANT_A, { userPrincipalName: 'x7@contoso.com', certificateUserIds: ['X509:<SKI>ABCD', 'X509:<SKI>abcd'] }),
      /given twice \(as 'X509:<SKI>ABCD'\)/,
    );
    await rejects400(users.create(TENANT_A, { userPrincipalName: 'x8@contoso.com', certificateUserIds: [42] }), /must be a string/);
    assert.equal(await users.find(TENANT_A, 'x1@contoso.com'), undefined, 'nothing was written');
  });

  it('keeps a value unique in the tenant, hex compared case-insensitively, and not across tenants', async () => {
    await users.create(TENANT_A, { userPrincipalName: 'ski1@contoso.com', certificateUserIds: ['X509:<SKI>00AABBCC'] });
    await rejects400(
      users.create(TENANT_A, { userPrincipalName: 'ski2@contoso.com', certificateUserIds: ['X509:<SKI>00aabbcc'] }),
      /^Another object with the same value for property certificateUserIds already exists\.$/,
    );
    const second = await users.create(TENANT_A, { userPrincipalName: 'ski2@contoso.com' });
    await rejects400(users.update(TENANT_A, second.id, { certificateUserIds: ['X509:<SKI>00AABBCC'] }), /certificateUserIds already exists/);
    await users.create(TENANT_B, { userPrincipalName: 'ski1@contoso.com', certificateUserIds: ['X509:<SKI>00AABBCC'] });
    // A user may write its own values again (PATCH replaces the list).
    const first = await users.get(TENANT_A, 'ski1@contoso.com');
    const again = await users.update(TENANT_A, first.id, { certificateUserIds: ['X509:<SKI>00AABBCC', 'X509:<PN>ski1@contoso.com'] });
    assert.equal(again.certificateUserIds.length, 2);
    const cleared = await users.update(TENANT_A, first.id, { certificateUserIds: null });
    assert.deepEqual(cleared.certificateUserIds, []);
    assert.equal(await users.findByCertificateUserId(TENANT_A, 'X509:<SKI>00AABBCC'), undefined);
  });

  it('refuses certificateUserIds changes on a synced user, which directory sync owns', async () => {
    const synced = await users.create(TENANT_A, {
      userPrincipalName: 'synced@contoso.com',
      onPremisesUserPrincipalName: 'synced@corp.contoso.local',
      onPremisesSyncEnabled: true,
      certificateUserIds: ['X509:<PN>synced@corp.contoso.local'],
    });
    await rejects400(users.update(TENANT_A, synced.id, { certificateUserIds: [] }), /synchronized from an on-premises directory/);
    assert.equal((await users.update(TENANT_A, synced.id, { displayName: 'Synced' })).displayName, 'Synced');
  });
});

describe('look-ups for username binding', () => {
  it('finds a user by a value under its match key, and an issuer+serial value in either byte order', async () => {
    const user = await users.create(TENANT_A, {
      userPrincipalName: 'bind@contoso.com',
      mail: 'Bind.Mail@contoso.com',
      onPremisesUserPrincipalName: 'bind@corp.local',
      certificateUserIds: ['X509:<SKI>0123456789ABCDEF', 'X509:<I>DC=com,DC=contoso,CN=CA<SR> b24134139f069b49997212a86ba0ef48', 'X509:<PN>Bind@Contoso.com'],
    });
    const find = (value: string) => users.findByCertificateUserId(TENANT_A, value).then((u) => u?.id);
    assert.equal(await find('X509:<SKI>0123456789abcdef'), user.id);
    assert.equal(await find('X509:<PN>bind@contoso.com'), user.id);
    assert.equal(await find('X509:<I>DC=com,DC=contoso,CN=CA<SR>B24134139F069B49997212A86BA0EF48'), user.id);
    assert.equal(await find('X509:<I>DC=com,DC=contoso,CN=CA<SR>48efa06ba8127299499b069f133441b2'), user.id, 'big-endian serial');
    assert.equal(await find('X509:<SKI>FFFF'), undefined);
    assert.equal(await find('x509:<SKI>0123456789ABCDEF'), undefined, 'the prefix is case-sensitive');
    assert.equal(await users.findByCertificateUserId(TENANT_B, 'X509:<SKI>0123456789ABCDEF'), undefined, 'tenant-scoped');

    const ids = async (property: Parameters<UserService['findByUserProperty']>[1], value: string, tenant = TENANT_A) =>
      (await users.findByUserProperty(tenant, property, value)).map((u) => u.id);
    assert.deepEqual(await ids('userPrincipalName', 'BIND@contoso.com'), [user.id]);
    assert.deepEqual(await ids('onPremisesUserPrincipalName', 'Bind@Corp.Local'), [user.id]);
    assert.deepEqual(await ids('mail', 'bind.mail@contoso.com'), [user.id]);
    assert.deepEqual(await ids('certificateUserIds', 'X509:<SKI>0123456789ABCDEF'), [user.id]);
    assert.deepEqual(await ids('userPrincipalName', 'nobody@contoso.com'), []);
    assert.deepEqual(await ids('userPrincipalName', 'bind@contoso.com', TENANT_B), []);
  });

  it('lists users whose certificateUserIds have any value equal to, or starting with, a literal', async () => {
    const tenant = '00000000-0000-4000-8000-0000000000cc';
    const a = await users.create(tenant, { userPrincipalName: 'a@fabrikam.com', certificateUserIds: ['X509:<PN>a@fabrikam.com', 'X509:<SKI>AA'] });
    const b = await users.create(tenant, { userPrincipalName: 'b@fabrikam.com', certificateUserIds: ['X509:<RFC822>b@fabrikam.com'] });
    await users.create(tenant, { userPrincipalName: 'c@fabrikam.com' });
    const list = async (condition: import('../../src/store/list-query.ts').ElementCondition) =>
      (await users.list(tenant, { filter: { kind: 'any', field: 'certificateUserIds', condition }, orderBy: [], limit: 10 })).items.map((u) => u.userPrincipalName);
    assert.deepEqual(await list({ kind: 'eq', value: 'X509:<SKI>aa' }), ['a@fabrikam.com']);
    assert.deepEqual(await list({ kind: 'startsWith', prefix: 'X509:<' }), ['a@fabrikam.com', 'b@fabrikam.com']);
    assert.deepEqual(await list({ kind: 'startsWith', prefix: 'x509:<' }), [], 'startsWith is case-sensitive');
    assert.deepEqual(await list({ kind: 'startsWith', prefix: 'X509:<RFC822>' }), ['b@fabrikam.com']);
    const none = await users.list(tenant, {
      filter: { kind: 'not', condition: { kind: 'any', field: 'certificateUserIds', condition: { kind: 'startsWith', prefix: 'X509:' } } },
      orderBy: [],
      limit: 10,
    });
    assert.deepEqual(none.items.map((u) => u.userPrincipalName), ['c@fabrikam.com']);
    assert.equal(await users.count(tenant, { kind: 'any', field: 'certificateUserIds', condition: { kind: 'startsWith', prefix: 'X509:' } }), 2);
    assert.ok(a.id < b.id);
  });
});
