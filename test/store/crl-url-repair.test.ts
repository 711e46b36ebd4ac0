// Migration 008's repair of CRL URLs that earlier uploads took from a CA's own CRL distribution point
// (which names the issuer's CRL): repaired where the CA's issuer is in the same PKI, left alone (and
// flagged by verification) otherwise, on the database the server uses (both back-ends).
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { databaseLocation } from '../../src/config.ts';
import { openDatabase } from '../../src/store/database.ts';
import { repairCrlUrlsFromOwnCdp } from '../../src/store/migrations/008-crl-url-repair-and-trust-store-lookup.ts';
import { databaseForDataDir } from '../helpers/backend.ts';
import { createCa, type TestCert } from '../helpers/certs.ts';
import { PKI_PATH, startTestServer, type TestServer } from '../helpers/test-server.ts';

let t: TestServer;
let dataDir: string;
let database: string | undefined;

before(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'graph-pki-crl-repair-'));
  database = await databaseForDataDir(dataDir);
  t = await startTestServer({ dataDir, database });
});
after(() => t.close());

async function pkiWith(cas: Array<[TestCert, string | null]>): Promise<Map<string, string>> {
  const pkiId = (await t.request('POST', `/beta${PKI_PATH}`, { body: { displayName: 'Repair' } })).body.id as string;
  const ids = new Map<string, string>([['pki', pkiId]]);
  for (const [cert, url] of cas) {
    const res = await t.request('POST', `/beta${PKI_PATH}/${pkiId}/certificateAuthorities`, { body: { certificate: cert.base64, certificateRevocationListUrl: url } });
    assert.equal(res.status, 201, res.text);
    ids.set(cert.subject, res.body.id);
  }
  return ids;
}

async function urlsOf(pkiId: string): Promise<Record<string, string | null>> {
  const cas = (await t.request('GET', `/beta${PKI_PATH}/${pkiId}/certificateAuthorities`)).body.value as Array<{ displayName: string; certificateRevocationListUrl: string | null }>;
  return Object.fromEntries(cas.map((ca) => [ca.displayName, ca.certificateRevocationListUrl]));
}

describe('migration 008: CRL URLs taken from a CA own CDP', () => {
  it('repairs them where the issuer is in the same PKI, and leaves everything else as it is', async () => {
    const root = await createCa({ subject: 'CN=Repair Root' });
    const issuing = await createCa({ subject: 'CN=Repair Issuing', issuer: root, crlDistributionPoints: ['http://crl.test/root.crl'] });
    const sub = await createCa({ subject: 'CN=Repair Sub', issuer: issuing, crlDistributionPoints: ['http://crl.test/issuing.crl'] });
    const orphan = await createCa({ subject: 'CN=Repair Orphan', issuer: root, crlDistributionPoints: ['http://crl.test/root-2.crl'] });
    const chosen = await createCa({ subject: 'CN=Repair Chosen', issuer: root, crlDistributionPoints: ['http://crl.test/root-3.crl'] });

    // As the old upload stored them: each CA's URL from its own CDP.
    const uploaded = await pkiWith([[root, null], [issuing, 'http://crl.test/root.crl'], [sub, 'http://crl.test/issuing.crl']]);
    // The issuer is not in this PKI: whether the URL came from an upload cannot be told.
    const alone = await pkiWith([[orphan, 'http://crl.test/root-2.crl']]);
    // URLs someone set that are not the CA's own CDP.
    const set = await pkiWith([[root, 'http://crl.test/set-root.crl'], [chosen, 'http://crl.test/set-chosen.crl']]);

    const open = await openDatabase(databaseLocation({ dataDir, database }));
    let repaired: number;
    try {
      repaired = await repairCrlUrlsFromOwnCdp(open.db);
      // Running it again changes nothing.
      assert.equal(await repairCrlUrlsFromOwnCdp(open.db), 0);
    } finally {
      await open.close();
    }
    assert.equal(repaired, 3);
    assert.deepEqual(await urlsOf(uploaded.get('pki') as string), {
      'Repair Root': 'http://crl.test/root.crl',
      'Repair Issuing': 'http://crl.test/issuing.crl',
      'Repair Sub': null,
    });
    assert.deepEqual(await urlsOf(alone.get('pki') as string), { 'Repair Orphan': 'http://crl.test/root-2.crl' });
    assert.deepEqual(await urlsOf(set.get('pki') as string), { 'Repair Root': 'http://crl.test/set-root.crl', 'Repair Chosen': 'http://crl.test/set-chosen.crl' });
  });
});
