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
      assert.deepEqual(server.seeded, { pkisAdded: 3, certificateAuthoritiesAdded: 3, pkisPresent: 0, certificateAuthoritiesPresent: 0 });
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
      assert.deepEqual(server.seeded, { pkisAdded: 0, certificateAuthoritiesAdded: 0, pkisPresent: 3, certificateAuthoritiesPresent: 3 });
      assert.deepEqual(await tenantView(a), before);
      assert.equal(await pkiCount(b), 1);
    });
    // The same seed as Windows PowerShell 5.1 writes it (UTF-8 with a byte-order mark) reads the same.
    const withBom = await writeSeed('seed-bom.json', `\uFEFF${JSON.stringify(seedDocument())}`);
    await withServer(withBom, async (server) => {
      assert.deepEqual(server.seeded, { pkisAdded: 0, certificateAuthoritiesAdded: 0, pkisPresent: 3, certificateAuthoritiesPresent: 3 });
    });
  });

  it('adds only what is new when the seed grows: a CA to a PKI found by its displayName, a new PKI', async () => {
    const grown = seedDocument();
    const extra = await createCa({ subject: 'CN=Seed Extra, O=Contoso' });
    grown.tenants[0]?.pkis[0]?.certificateAuthorities?.push({ certificate: extra.base64, isIssuerHintEnabled: false });
    grown.tenants[1]?.pkis.push({ displayName: 'Fabrikam second', certificateAuthorities: [{ certificate: extra.pem }] });
    const file = await writeSeed('grown.json', grown);
    await withServer(file, async (server, a, b) => {
      assert.deepEqual(server.seeded, { pkisAdded: 1, certificateAuthoritiesAdded: 2, pkisPresent: 3, certificateAuthoritiesPresent: 3 });
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
    for (const [name, document, message] of badDocuments) {
      const file = await writeSeed(name, document);
      await assert.rejects(start(file), (error: Error) => {
        assert.ok(error.message.startsWith(`seed file ${file}: `), error.message);
        assert.match(error.message, message);
        return true;
      });
    }
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
