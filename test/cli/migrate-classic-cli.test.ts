// Moving from the classic store to a PKI: POST /graph-pki/v1/migrate-classic and `graph-pki migrate-classic`
// (the built bin/graph-pki against a real server, with a token minted from the server's key). Per CA it
// reports created / already present / skipped with why; --dry-run writes nothing; the classic store stays
// unless --delete-classic, and then only when every CA is in the PKI; exit codes 0, 3, 1, 2.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PERMISSION_ORGANIZATION_READ, PERMISSION_ORGANIZATION_READ_WRITE, PERMISSION_READ_WRITE } from '../../src/auth/permissions.ts';
import { DEFAULT_LIMITS } from '../../src/config.ts';
import { freshTestDatabase } from '../helpers/backend.ts';
import { createCa, type TestCert } from '../helpers/certs.ts';
import { runCli } from '../helpers/cli.ts';
import { PKI_PATH, startTestServer, TENANT_A, type TestServer } from '../helpers/test-server.ts';

const CONFIGURATION_ID = '29728ade-6ae4-4ee9-9103-412912537da5';
const CLASSIC = `/v1.0/organization/${TENANT_A}/certificateBasedAuthConfiguration`;
const MIGRATE = '/graph-pki/v1/migrate-classic';

let t: TestServer;
let connection: string[];
let admin: string;
let root: TestCert;
let issuing: TestCert;
let other: TestCert;

before(async () => {
  const database = await freshTestDatabase();
  t = await startTestServer({ limits: { ...DEFAULT_LIMITS, maxCasPerPki: 3 }, ...(database ? { database } : {}) });
  connection = ['--url', t.url, '--data', t.dataDir, ...(database ? ['--database', database] : [])];
  admin = await t.token({ appRoles: [PERMISSION_READ_WRITE, PERMISSION_ORGANIZATION_READ_WRITE] });
  root = await createCa({ subject: 'CN=Migrating Root, O=Tailspin' });
  issuing = await createCa({ subject: 'CN=Migrating Issuing, O=Tailspin', issuer: root });
  other = await createCa({ subject: 'CN=Other Root, O=Tailspin' });
});
after(() => t.close());

async function setClassic(cas: TestCert[]): Promise<void> {
  await t.request('DELETE', `${CLASSIC}/${CONFIGURATION_ID}`, { token: admin });
  const res = await t.request('POST', CLASSIC, {
    token: admin,
    body: {
      certificateAuthorities: cas.map((ca) => ({
        isRootAuthority: ca === root || ca === other,
        certificate: ca.base64,
        ...(ca === issuing ? { certificateRevocationListUrl: 'http://crl.tailspin.test/issuing.crl' } : {}),
      })),
    },
  });
  assert.equal(res.status, 201, res.text);
}

async function casOf(pkiId: string) {
  const res = await t.request('GET', `/beta${PKI_PATH}/${pkiId}/certificateAuthorities`, { token: admin });
  assert.equal(res.status, 200, res.text);
  return res.body.value as { id: string; thumbprint: string; certificateRevocationListUrl: string | null }[];
}

describe('POST /graph-pki/v1/migrate-classic', () => {
  it('copies the classic CAs into a new PKI with their CRL URLs, then finds them already present', async () => {
    await setClassic([root, issuing]);
    const dry = await t.request('POST', MIGRATE, { token: admin, body: { displayName: 'From classic', dryRun: true } });
    assert.equal(dry.status, 200, dry.text);
    assert.equal(dry.body.dryRun, true);
    assert.deepEqual(dry.body.publicKeyInfrastructure, { id: null, displayName: 'From classic', created: true });
    assert.deepEqual(dry.body.certificateAuthorities.map((ca: { action: string }) => ca.action), ['created', 'created']);
    assert.equal((await t.request('GET', `/beta${PKI_PATH}?$filter=displayName eq 'From classic'`, { token: admin })).body.value.length, 0, 'a dry run writes nothing');

    const done = await t.request('POST', MIGRATE, { token: admin, body: { displayName: 'From classic' } });
    assert.equal(done.status, 200, done.text);
    const pkiId = done.body.publicKeyInfrastructure.id;
    assert.equal(done.body.publicKeyInfrastructure.created, true);
    const cas = await casOf(pkiId);
    assert.equal(cas.length, 2);
    assert.deepEqual(done.body.certificateAuthorities.map((ca: { certificateAuthorityId: string }) => ca.certificateAuthorityId).sort(), cas.map((ca) => ca.id).sort());
    assert.equal(cas.find((ca) => ca.id === done.body.certificateAuthorities[1].certificateAuthorityId)?.certificateRevocationListUrl, 'http://crl.tailspin.test/issuing.crl');
    assert.equal(done.body.classicStoreDeleted, false);
    assert.equal((await t.request('GET', CLASSIC, { token: admin })).body.value.length, 1, 'the classic store is kept');

    const again = await t.request('POST', MIGRATE, { token: admin, body: { displayName: 'From classic' } });
    assert.equal(again.body.publicKeyInfrastructure.id, pkiId, 'the PKI of that name is reused');
    assert.deepEqual(again.body.certificateAuthorities.map((ca: { action: string }) => ca.action), ['alreadyPresent', 'alreadyPresent']);
    assert.equal((await casOf(pkiId)).length, 2);
  });

  it('skips what the PKI cannot take, says why, and then keeps the classic store even when asked to delete it', async () => {
    const pki = await t.request('POST', `/beta${PKI_PATH}`, { token: admin, body: { displayName: 'Nearly full' } });
    const filler = [await createCa({ subject: 'CN=Filler 1' }), await createCa({ subject: 'CN=Filler 2' })];
    for (const ca of filler) assert.equal((await t.request('POST', `/beta${PKI_PATH}/${pki.body.id}/certificateAuthorities`, { token: admin, body: { certificate: ca.base64 } })).status, 201);
    await setClassic([root, issuing, other]);
    const res = await t.request('POST', MIGRATE, { token: admin, body: { pkiId: pki.body.id, deleteClassic: true } });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.body.certificateAuthorities.map((ca: { action: string }) => ca.action), ['created', 'skipped', 'skipped']);
    assert.match(res.body.certificateAuthorities[1].reason, /the PKI holds 3 certificate authorities, the most allowed/);
    assert.equal(res.body.classicStoreDeleted, false);
    assert.equal(res.body.classicStoreKeptBecause, '2 of its certificate authorities are not in the PKI');
    assert.equal((await t.request('GET', CLASSIC, { token: admin })).body.value.length, 1);
  });

  it('deletes the classic store when asked and every CA is in the PKI', async () => {
    await setClassic([other]);
    const res = await t.request('POST', MIGRATE, { token: admin, body: { displayName: 'Complete', deleteClassic: true } });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.classicStoreDeleted, true);
    assert.deepEqual((await t.request('GET', CLASSIC, { token: admin })).body.value, []);
    const none = await t.request('POST', MIGRATE, { token: admin, body: {} });
    assert.equal(none.status, 404, 'nothing to migrate');
    assert.match(none.body.error.message, new RegExp(CONFIGURATION_ID));
  });

  it('needs the PKI write permission and the classic store’s (write, to delete it)', async () => {
    await setClassic([other]);
    const pkiOnly = await t.token({ appRoles: [PERMISSION_READ_WRITE] });
    assert.equal((await t.request('POST', MIGRATE, { token: pkiOnly, body: { dryRun: true } })).status, 403);
    const orgOnly = await t.token({ appRoles: [PERMISSION_ORGANIZATION_READ_WRITE] });
    assert.equal((await t.request('POST', MIGRATE, { token: orgOnly, body: { dryRun: true } })).status, 403);
    const readClassic = await t.token({ appRoles: [PERMISSION_READ_WRITE, PERMISSION_ORGANIZATION_READ] });
    assert.equal((await t.request('POST', MIGRATE, { token: readClassic, body: { dryRun: true } })).status, 200);
    assert.equal((await t.request('POST', MIGRATE, { token: readClassic, body: { dryRun: true, deleteClassic: true } })).status, 403);
    const both = await t.request('POST', MIGRATE, { token: admin, body: { pkiId: 'x', displayName: 'y' } });
    assert.equal(both.status, 400);
    assert.equal((await t.request('POST', MIGRATE, { token: admin, body: { pkiId: '00000000-0000-4000-8000-000000000404' } })).status, 404);
  });
});

describe('graph-pki migrate-classic', () => {
  it('prints the report, exits 0 when every CA is in the PKI and 3 when some were skipped, JSON for scripts', async () => {
    await setClassic([root, issuing]);
    const dry = await runCli(['migrate-classic', ...connection, '--pki-name', 'CLI classic', '--dry-run']);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /^dry run: would create PKI "CLI classic": 2 created, 0 already present, 0 skipped\n/);
    assert.match(dry.stdout, /would create\s+CN=Migrating Root, O=Tailspin/);
    assert.match(dry.stdout, /the classic store was kept/);

    const done = await runCli(['migrate-classic', ...connection, '--pki-name', 'CLI classic', '--json']);
    assert.equal(done.code, 0, done.stderr);
    const report = JSON.parse(done.stdout);
    assert.deepEqual(report.certificateAuthorities.map((ca: { action: string }) => ca.action), ['created', 'created']);

    const again = await runCli(['migrate-classic', ...connection, '--pki', report.publicKeyInfrastructure.id]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /into PKI "CLI classic" \(.*\): 0 created, 2 already present, 0 skipped/);

    const full = await t.request('POST', `/beta${PKI_PATH}`, { token: admin, body: { displayName: 'CLI full' } });
    for (const subject of ['CN=CLI Filler 1', 'CN=CLI Filler 2', 'CN=CLI Filler 3']) {
      const ca = await createCa({ subject });
      assert.equal((await t.request('POST', `/beta${PKI_PATH}/${full.body.id}/certificateAuthorities`, { token: admin, body: { certificate: ca.base64 } })).status, 201);
    }
    const skipped = await runCli(['migrate-classic', ...connection, '--pki', full.body.id, '--delete-classic']);
    assert.equal(skipped.code, 3, skipped.stderr);
    assert.match(skipped.stdout, /skipped .*the PKI holds 3 certificate authorities, the most allowed/);
    assert.match(skipped.stdout, /the classic store was kept: 2 of its certificate authorities are not in the PKI/);

    const deleted = await runCli(['migrate-classic', ...connection, '--pki', report.publicKeyInfrastructure.id, '--delete-classic']);
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.match(deleted.stdout, /the classic store was deleted/);
    const nothing = await runCli(['migrate-classic', ...connection]);
    assert.equal(nothing.code, 1);
    assert.match(nothing.stderr, /HTTP 404/);
    const usage = await runCli(['migrate-classic', ...connection, '--pki', 'a', '--pki-name', 'b']);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /give --pki or --pki-name, not both/);
  });
});
