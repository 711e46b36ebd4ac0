// Microsoft's generated Graph beta SDK (Kiota), unchanged apart from its base URL and token, against the real
// server: create, list, get, patch, $count and delete of certificateBasedAuthPki, the root singleton, the
// SDK's ODataError for a missing PKI and for refused requests, the certificateAuthorities of a PKI (Edm.Binary
// `certificate` as the SDK carries it), and the upload action with the status polling Graph asks for.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import type { AuthenticationProvider, RequestInformation } from '@microsoft/kiota-abstractions';
import {
  createGraphBetaServiceClient,
  GraphBetaRequestAdapter,
  type GraphBetaServiceClient,
} from '@microsoft/msgraph-beta-sdk';
import {
  CertificateAuthorityTypeObject,
  type CertificateAuthorityDetail,
  type CertificateBasedAuthPki,
} from '@microsoft/msgraph-beta-sdk/models/index.js';
import type { ODataError } from '@microsoft/msgraph-beta-sdk/models/oDataErrors/index.js';
// Side effect: adds `.directory` to GraphBetaServiceClient.
import '@microsoft/msgraph-beta-sdk-directory';
import { DEFAULT_LIMITS } from '../../src/config.ts';
import { createCa, createLeaf, p7bOf, sha1ThumbprintHex, sha256Hex, type TestCert, x509 } from '../helpers/certs.ts';
import { startFileServer, type FileServer } from '../helpers/file-server.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';

/**
 * Sets a static bearer token. Kiota's BaseBearerTokenAuthenticationProvider only authenticates https hosts
 * (and a fixed allow-list), and the test server is plain http on 127.0.0.1.
 */
class StaticBearerTokenProvider implements AuthenticationProvider {
  constructor(private readonly accessToken: string) {}

  authenticateRequest = async (request: RequestInformation): Promise<void> => {
    request.headers.tryAdd('Authorization', `Bearer ${this.accessToken}`);
  };
}

/** Runs `action`, which must reject, and returns what it rejected with. */
async function rejection(action: () => Promise<unknown>): Promise<unknown> {
  try {
    await action();
  } catch (error) {
    return error;
  }
  assert.fail('expected the SDK call to reject');
}

/**
 * Narrows an SDK rejection to the ODataError shape. Kiota throws the deserialized model itself, a
 * null-prototype object rather than an Error, so it is checked by shape.
 */
function asODataError(error: unknown): ODataError {
  if (error === null || typeof error !== 'object' || !('responseStatusCode' in error) || !('errorEscaped' in error)) {
    assert.fail(`expected the SDK's ODataError, got ${inspect(error)}`);
  }
  return error as ODataError;
}

/**
 * The SDK types Edm.Binary as ArrayBuffer. A fresh ArrayBuffer holding exactly the DER (a Buffer's
 * `.buffer` may be a shared pool larger than the Buffer itself).
 */
function arrayBufferOf(bytes: Uint8Array): ArrayBuffer {
  return new Uint8Array(bytes).buffer;
}

/** The bytes of an Edm.Binary property the SDK deserialised (an ArrayBuffer), as a Buffer. */
function bytesOf(value: ArrayBuffer | null | undefined): Buffer {
  assert.ok(value instanceof ArrayBuffer, `expected an ArrayBuffer, got ${inspect(value)}`);
  return Buffer.from(value);
}

/** notAfter as Graph's expirationDateTime carries it (whole seconds). */
function expiryOf(cert: TestCert): number {
  return Math.floor(cert.cert.notAfter.getTime() / 1000) * 1000;
}

describe('Microsoft Graph beta SDK (Kiota) against graph-pki', () => {
  let server: TestServer;
  let files: FileServer;
  let client: GraphBetaServiceClient;

  before(async () => {
    // allowPrivateFetch: the upload fetches from the loopback file server; a short poll interval keeps the
    // upload job quick.
    server = await startTestServer({ allowPrivateFetch: true, limits: { ...DEFAULT_LIMITS, jobPollIntervalMs: 100 } });
    files = await startFileServer();
    const adapter = new GraphBetaRequestAdapter(new StaticBearerTokenProvider(await server.token()));
    // Set before createGraphBetaServiceClient, which captures the base URL into its path parameters.
    adapter.baseUrl = `${server.url}/beta`;
    client = createGraphBetaServiceClient(adapter);
  });

  after(async () => {
    await server?.close();
    await files?.close();
  });

  const pkis = () => client.directory.publicKeyInfrastructure.certificateBasedAuthConfigurations;

  it('reads the publicKeyInfrastructure root singleton', async () => {
    const root = await client.directory.publicKeyInfrastructure.get();
    assert.ok(root, 'the SDK returned no root');
    assert.equal(typeof root.id, 'string');
    assert.match(root.id ?? '', /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i);
    assert.equal(root.odataType, '#microsoft.graph.publicKeyInfrastructureRoot');
    // A stable id per tenant.
    const again = await client.directory.publicKeyInfrastructure.get();
    assert.equal(again?.id, root.id);
  });

  it('walks a PKI through create, list, get, patch, $count and delete', async () => {
    const startedAt = Date.now();
    const displayName = `SDK PKI ${Date.now()}`;

    // Create (POST).
    const created = await pkis().post({ displayName });
    assert.ok(created, 'POST returned no model');
    const id = created.id;
    assert.ok(typeof id === 'string' && id.length > 0, 'created PKI has no id');
    assert.equal(created.displayName, displayName);
    assert.equal(created.status, 'succeeded');
    assert.equal(created.odataType, '#microsoft.graph.certificateBasedAuthPki');
    assert.ok(created.lastModifiedDateTime instanceof Date, 'lastModifiedDateTime is not a Date');
    assert.ok(!Number.isNaN(created.lastModifiedDateTime.getTime()), 'lastModifiedDateTime is an invalid Date');
    assert.ok(
      Math.abs(created.lastModifiedDateTime.getTime() - startedAt) < 60_000,
      `lastModifiedDateTime ${created.lastModifiedDateTime.toISOString()} is not about now`,
    );

    // List: the collection contains it.
    const list = await pkis().get();
    assert.ok(Array.isArray(list?.value), 'list has no value array');
    const listed = list.value.find((pki) => pki.id === id);
    assert.ok(listed, `list does not contain ${id}`);
    assert.equal(listed.displayName, displayName);
    assert.equal(listed.status, 'succeeded');

    // Get by id.
    const fetched = await pkis().byCertificateBasedAuthPkiId(id).get();
    assert.ok(fetched, 'GET by id returned no model');
    assert.equal(fetched.id, id);
    assert.equal(fetched.displayName, displayName);
    assert.equal(fetched.status, 'succeeded');
    assert.ok(fetched.lastModifiedDateTime instanceof Date);
    assert.equal(fetched.lastModifiedDateTime.getTime(), created.lastModifiedDateTime.getTime());

    // Patch displayName.
    const renamed = `${displayName} (renamed)`;
    const patched = await pkis().byCertificateBasedAuthPkiId(id).patch({ displayName: renamed });
    assert.ok(patched, 'PATCH returned no model');
    assert.equal(patched.id, id);
    assert.equal(patched.displayName, renamed);
    assert.ok(patched.lastModifiedDateTime instanceof Date);
    assert.ok(patched.lastModifiedDateTime.getTime() >= created.lastModifiedDateTime.getTime());
    const reread = await pkis().byCertificateBasedAuthPkiId(id).get();
    assert.equal(reread?.displayName, renamed, 'the rename was not stored');

    // $count: a number equal to the list's length (the server is private to this file).
    const count = await pkis().count.get();
    assert.equal(typeof count, 'number');
    const afterRename = await pkis().get();
    assert.equal(count, afterRename?.value?.length);
    assert.ok((count ?? 0) >= 1);

    // Delete, then the PKI is gone.
    await pkis().byCertificateBasedAuthPkiId(id).delete();
    const countAfterDelete = await pkis().count.get();
    assert.equal(countAfterDelete, (count ?? 0) - 1);
    const listAfterDelete = await pkis().get();
    assert.ok(!listAfterDelete?.value?.some((pki) => pki.id === id), 'deleted PKI is still listed');

    const error = asODataError(await rejection(() => pkis().byCertificateBasedAuthPkiId(id).get()));
    assert.equal(error.responseStatusCode, 404);
    // The generated model names the envelope's `error` member `errorEscaped` (`error` is reserved).
    assert.equal(error.errorEscaped?.code, 'Request_ResourceNotFound');
    assert.match(error.errorEscaped?.message ?? '', new RegExp(id));
    assert.equal(error.message, error.errorEscaped?.message, 'ODataError.message mirrors the main error message');
  });

  it('reports a missing PKI as ODataError 404 Request_ResourceNotFound on get, patch and delete', async () => {
    const missing = '7d5a8f0e-0000-4000-8000-000000000404';
    const item = () => pkis().byCertificateBasedAuthPkiId(missing);
    for (const [name, call] of [
      ['get', () => item().get()],
      ['patch', () => item().patch({ displayName: 'nobody' })],
      ['delete', () => item().delete()],
    ] as const) {
      const error = asODataError(await rejection(call));
      assert.equal(error.responseStatusCode, 404, `${name}: status`);
      assert.equal(error.errorEscaped?.code, 'Request_ResourceNotFound', `${name}: error code`);
    }
  });

  // The SDK keeps the response's `@odata.context` in the model's additionalData and serializes it back;
  // OData treats a context URL in a request payload as control information, so the server accepts it.
  it(
    'accepts a model read through the SDK when it is sent back (read-modify-write)',
    async () => {
      const created = await pkis().post({ displayName: 'SDK round trip' });
      assert.ok(created?.id);
      const item = pkis().byCertificateBasedAuthPkiId(created.id);
      try {
        const fetched = await item.get();
        assert.ok(fetched);
        fetched.displayName = 'SDK round trip (renamed)';
        const patched = await item.patch(fetched);
        assert.equal(patched?.displayName, 'SDK round trip (renamed)');
        assert.equal((await item.get())?.displayName, 'SDK round trip (renamed)');
      } finally {
        await item.delete();
      }
    },
  );

  it('lists several created PKIs and counts them', async () => {
    const startCount = await pkis().count.get();
    assert.equal(typeof startCount, 'number');
    const names = ['SDK list A', 'SDK list B', 'SDK list C'];
    const ids: string[] = [];
    for (const displayName of names) {
      const created = await pkis().post({ displayName });
      assert.ok(created?.id);
      ids.push(created.id);
    }
    assert.equal(new Set(ids).size, ids.length, 'ids are not unique');
    assert.equal(await pkis().count.get(), (startCount ?? 0) + names.length);
    const list = await pkis().get();
    for (const [index, id] of ids.entries()) {
      assert.equal(list?.value?.find((pki) => pki.id === id)?.displayName, names[index]);
    }
    for (const id of ids) await pkis().byCertificateBasedAuthPkiId(id).delete();
    assert.equal(await pkis().count.get(), startCount);
  });

  describe('certificateAuthorities of a PKI', () => {
    let root: TestCert;
    let intermediate: TestCert;

    before(async () => {
      root = await createCa({ subject: 'CN=SDK Root CA, O=Contoso' });
      intermediate = await createCa({
        subject: 'CN=SDK Issuing CA, O=Contoso',
        issuer: root,
        crlDistributionPoints: ['http://crl.contoso.test/sdk-issuing.crl'],
      });
    });

    const casOf = (pkiId: string) => pkis().byCertificateBasedAuthPkiId(pkiId).certificateAuthorities;

    /** A new PKI for one test; deleted (with its CAs) when `body` is done. */
    async function withPki(body: (pkiId: string) => Promise<void>): Promise<void> {
      const pki = await pkis().post({ displayName: 'SDK CA PKI' });
      assert.ok(pki?.id, 'POST of the PKI returned no id');
      try {
        await body(pki.id);
      } finally {
        await pkis().byCertificateBasedAuthPkiId(pki.id).delete();
      }
    }

    it('serialises Edm.Binary `certificate` as base64 of the bytes it is given', async () => {
      // Kiota's JSON writer base64-encodes Buffer.from(value): the bytes of an ArrayBuffer or a Uint8Array,
      // but the UTF-8 bytes of a string, so a base64 string would be encoded a second time.
      const bodyOf = (certificate: unknown): Record<string, unknown> => {
        const info = casOf('00000000-0000-4000-8000-000000000001').toPostRequestInformation({
          certificate: certificate as ArrayBuffer,
        });
        assert.ok(info.content, 'the request has no body');
        return JSON.parse(Buffer.from(info.content).toString('utf8')) as Record<string, unknown>;
      };
      assert.deepEqual(bodyOf(arrayBufferOf(root.der)), { certificate: root.base64 });
      assert.deepEqual(bodyOf(root.der), { certificate: root.base64 }, 'a Uint8Array (Buffer) is sent as its bytes');
      assert.deepEqual(bodyOf(root.base64), { certificate: Buffer.from(root.base64).toString('base64') });
      assert.notEqual(bodyOf(root.base64).certificate, root.base64, 'a base64 string is encoded again');
      // null and an absent certificate are both left out of the payload.
      assert.deepEqual(bodyOf(null), {});
      assert.deepEqual(bodyOf(undefined), {});
    });

    it('walks CAs through post, list, get, patch, $count and delete', async () => {
      await withPki(async (pkiId) => {
        const startedAt = Date.now();
        const rootSki = root.cert.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId.toUpperCase();
        assert.ok(rootSki, 'the test root has no subjectKeyIdentifier');

        // Post a root and an intermediate.
        const createdRoot = await casOf(pkiId).post({ certificate: arrayBufferOf(root.der) });
        assert.ok(createdRoot?.id, 'POST returned no CA id');
        assert.equal(createdRoot.odataType, '#microsoft.graph.certificateAuthorityDetail');
        assert.equal(createdRoot.certificateAuthorityType, CertificateAuthorityTypeObject.Root);
        assert.ok(bytesOf(createdRoot.certificate).equals(root.der), 'certificate bytes differ from the DER');
        assert.equal(createdRoot.thumbprint, sha1ThumbprintHex(root));
        assert.equal(createdRoot.issuer, 'CN=SDK Root CA, O=Contoso');
        assert.equal(createdRoot.issuerSubjectKeyIdentifier, rootSki);
        assert.equal(createdRoot.displayName, 'SDK Root CA');
        assert.equal(createdRoot.isIssuerHintEnabled, false);
        // The server sends null; Kiota's JSON parse node reads JSON null as undefined.
        assert.equal(createdRoot.certificateRevocationListUrl, undefined);
        assert.equal(createdRoot.deltaCertificateRevocationListUrl, undefined);
        assert.ok(createdRoot.expirationDateTime instanceof Date, 'expirationDateTime is not a Date');
        assert.equal(createdRoot.expirationDateTime.getTime(), expiryOf(root));
        assert.ok(createdRoot.createdDateTime instanceof Date, 'createdDateTime is not a Date');
        assert.ok(
          Math.abs(createdRoot.createdDateTime.getTime() - startedAt) < 60_000,
          `createdDateTime ${createdRoot.createdDateTime.toISOString()} is not about now`,
        );

        const createdIntermediate = await casOf(pkiId).post({
          certificate: arrayBufferOf(intermediate.der),
          isIssuerHintEnabled: true,
        });
        assert.ok(createdIntermediate?.id);
        assert.notEqual(createdIntermediate.id, createdRoot.id);
        assert.equal(createdIntermediate.certificateAuthorityType, CertificateAuthorityTypeObject.Intermediate);
        assert.ok(bytesOf(createdIntermediate.certificate).equals(intermediate.der));
        assert.equal(createdIntermediate.thumbprint, sha1ThumbprintHex(intermediate));
        assert.equal(createdIntermediate.issuer, 'CN=SDK Issuing CA, O=Contoso');
        assert.equal(createdIntermediate.isIssuerHintEnabled, true);
        assert.equal(createdIntermediate.expirationDateTime?.getTime(), expiryOf(intermediate));

        // List.
        const list = await casOf(pkiId).get();
        assert.ok(Array.isArray(list?.value), 'list has no value array');
        assert.deepEqual(list.value.map((ca) => ca.id).sort(), [createdRoot.id, createdIntermediate.id].sort());
        const listedRoot = list.value.find((ca) => ca.id === createdRoot.id);
        assert.equal(listedRoot?.certificateAuthorityType, CertificateAuthorityTypeObject.Root);
        assert.ok(bytesOf(listedRoot?.certificate).equals(root.der));
        assert.equal(
          list.value.find((ca) => ca.id === createdIntermediate.id)?.certificateAuthorityType,
          CertificateAuthorityTypeObject.Intermediate,
        );

        // Get by id: the same model as the POST returned.
        const fetched = await casOf(pkiId).byCertificateAuthorityDetailId(createdRoot.id).get();
        assert.ok(fetched, 'GET by id returned no model');
        assert.deepEqual(comparable(fetched), comparable(createdRoot));

        // Patch the settable properties, the delta CRL URL with its base URL.
        const patched = await casOf(pkiId).byCertificateAuthorityDetailId(createdRoot.id).patch({
          isIssuerHintEnabled: true,
          displayName: 'SDK Root (renamed)',
          certificateRevocationListUrl: 'http://crl.contoso.test/sdk-root.crl',
          deltaCertificateRevocationListUrl: 'http://crl.contoso.test/sdk-root-delta.crl',
        });
        assert.ok(patched, 'PATCH returned no model');
        assert.equal(patched.id, createdRoot.id);
        assert.equal(patched.isIssuerHintEnabled, true);
        assert.equal(patched.displayName, 'SDK Root (renamed)');
        assert.equal(patched.certificateRevocationListUrl, 'http://crl.contoso.test/sdk-root.crl');
        assert.equal(patched.deltaCertificateRevocationListUrl, 'http://crl.contoso.test/sdk-root-delta.crl');
        // The certificate and what it determines are unchanged.
        assert.equal(patched.thumbprint, createdRoot.thumbprint);
        assert.ok(bytesOf(patched.certificate).equals(root.der));
        assert.equal(patched.certificateAuthorityType, CertificateAuthorityTypeObject.Root);
        assert.equal(patched.createdDateTime?.getTime(), createdRoot.createdDateTime.getTime());
        const reread = await casOf(pkiId).byCertificateAuthorityDetailId(createdRoot.id).get();
        assert.deepEqual(comparable(reread), comparable(patched), 'the patch was not stored');

        // $count.
        assert.equal(await casOf(pkiId).count.get(), 2);

        // Delete the intermediate; then it is gone and the root stays.
        const intermediateId = createdIntermediate.id;
        await casOf(pkiId).byCertificateAuthorityDetailId(intermediateId).delete();
        assert.equal(await casOf(pkiId).count.get(), 1);
        assert.deepEqual((await casOf(pkiId).get())?.value?.map((ca) => ca.id), [createdRoot.id]);
        const error = asODataError(await rejection(() => casOf(pkiId).byCertificateAuthorityDetailId(intermediateId).get()));
        assert.equal(error.responseStatusCode, 404);
        assert.equal(error.errorEscaped?.code, 'Request_ResourceNotFound');
        assert.match(error.errorEscaped?.message ?? '', new RegExp(intermediateId));
      });
    });

    // Kiota writes an explicit null as JSON null ({"deltaCertificateRevocationListUrl":null}); the server
    // must treat it as "clear", not as "not sent".
    it(
      'clears the CRL URLs with an explicit null',
      async () => {
        await withPki(async (pkiId) => {
          const created = await casOf(pkiId).post({
            certificate: arrayBufferOf(root.der),
            certificateRevocationListUrl: 'http://crl.contoso.test/sdk-root.crl',
            deltaCertificateRevocationListUrl: 'http://crl.contoso.test/sdk-root-delta.crl',
          });
          assert.ok(created?.id);
          assert.equal(created.deltaCertificateRevocationListUrl, 'http://crl.contoso.test/sdk-root-delta.crl');
          const item = casOf(pkiId).byCertificateAuthorityDetailId(created.id);
          const body = item.toPatchRequestInformation({ deltaCertificateRevocationListUrl: null }).content;
          assert.ok(body);
          assert.equal(Buffer.from(body).toString('utf8'), '{"deltaCertificateRevocationListUrl":null}');

          // The delta alone: cleared, the base stays.
          const deltaCleared = await item.patch({ deltaCertificateRevocationListUrl: null });
          assert.equal(deltaCleared?.deltaCertificateRevocationListUrl, undefined, 'the delta URL was not cleared');
          assert.equal(deltaCleared?.certificateRevocationListUrl, 'http://crl.contoso.test/sdk-root.crl');

          // Both at once, from a CA that has both again.
          await item.patch({ deltaCertificateRevocationListUrl: 'http://crl.contoso.test/sdk-root-delta.crl' });
          const bothCleared = await item.patch({ certificateRevocationListUrl: null, deltaCertificateRevocationListUrl: null });
          assert.equal(bothCleared?.certificateRevocationListUrl, undefined);
          assert.equal(bothCleared?.deltaCertificateRevocationListUrl, undefined);
        });
      },
    );

    it('accepts a CA read through the SDK when it is sent back whole (read-modify-write)', async () => {
      await withPki(async (pkiId) => {
        const created = await casOf(pkiId).post({ certificate: arrayBufferOf(root.der) });
        assert.ok(created?.id);
        const item = casOf(pkiId).byCertificateAuthorityDetailId(created.id);
        const fetched = await item.get();
        assert.ok(fetched);
        // Everything read goes back: certificate (base64 again), type, dates with milliseconds, @odata.*
        // (the null properties read as undefined, so they are left out).
        fetched.displayName = 'SDK Root (round trip)';
        fetched.isIssuerHintEnabled = true;
        const content = item.toPatchRequestInformation(fetched).content;
        assert.ok(content);
        const sent = JSON.parse(Buffer.from(content).toString('utf8')) as Record<string, unknown>;
        assert.equal(sent.certificate, root.base64);
        assert.equal(sent.certificateAuthorityType, 'root');
        assert.equal(sent.expirationDateTime, new Date(expiryOf(root)).toISOString(), 'sent with milliseconds');
        assert.equal(sent.thumbprint, sha1ThumbprintHex(root));
        assert.equal(sent['@odata.type'], '#microsoft.graph.certificateAuthorityDetail');
        assert.match(String(sent['@odata.context']), /\/certificateAuthorities\/\$entity$/);
        const patched = await item.patch(fetched);
        assert.equal(patched?.displayName, 'SDK Root (round trip)');
        assert.equal(patched?.isIssuerHintEnabled, true);
        assert.equal(patched?.thumbprint, created.thumbprint);
        assert.deepEqual(comparable(await item.get()), comparable(patched));
      });
    });

    it('surfaces a refused CA as ODataError 400 Request_BadRequest saying why, and stores nothing', async () => {
      await withPki(async (pkiId) => {
        const leaf = await createLeaf({ subject: 'CN=alice@contoso.test', issuer: intermediate });
        const first = await casOf(pkiId).post({ certificate: arrayBufferOf(root.der) });
        assert.ok(first?.id);
        const firstId = first.id;
        const cases: Array<[string, CertificateAuthorityDetail, RegExp]> = [
          ['a leaf certificate', { certificate: arrayBufferOf(leaf.der) }, /not a CA certificate/],
          ['a duplicate', { certificate: arrayBufferOf(root.der) }, new RegExp(`Duplicate Certificate exists.*${firstId}`)],
          // What a caller gets who passes the base64 text instead of the bytes (the SDK encodes it again).
          ['a base64 string for the bytes', { certificate: root.base64 as unknown as ArrayBuffer }, /'certificate'.*not an X.509 certificate/],
          ['no certificate', { displayName: 'no certificate' }, /required for property 'certificate'/],
          [
            'a type contradicting the certificate',
            { certificate: arrayBufferOf(intermediate.der), certificateAuthorityType: CertificateAuthorityTypeObject.Root },
            /'certificateAuthorityType'.*does not match/,
          ],
          [
            'a delta CRL URL without a base',
            { certificate: arrayBufferOf(intermediate.der), deltaCertificateRevocationListUrl: 'http://crl.contoso.test/d.crl' },
            /needs a base/,
          ],
        ];
        for (const [name, body, why] of cases) {
          const error = asODataError(await rejection(() => casOf(pkiId).post(body)));
          assert.equal(error.responseStatusCode, 400, `${name}: status`);
          assert.equal(error.errorEscaped?.code, 'Request_BadRequest', `${name}: code`);
          assert.match(error.errorEscaped?.message ?? '', why, `${name}: message`);
          assert.equal(error.message, error.errorEscaped?.message, `${name}: ODataError.message`);
        }
        // A PATCH is checked the same way.
        const patchError = asODataError(
          await rejection(() =>
            casOf(pkiId).byCertificateAuthorityDetailId(firstId).patch({ deltaCertificateRevocationListUrl: 'ftp://crl.test/d.crl' }),
          ),
        );
        assert.equal(patchError.responseStatusCode, 400);
        assert.equal(patchError.errorEscaped?.code, 'Request_BadRequest');
        assert.match(patchError.errorEscaped?.message ?? '', /deltaCertificateRevocationListUrl/);

        assert.equal(await casOf(pkiId).count.get(), 1, 'a refused request stored a CA');
        const unchanged = await casOf(pkiId).byCertificateAuthorityDetailId(firstId).get();
        assert.ok(unchanged, 'the first CA is gone');
        assert.deepEqual(comparable(unchanged), comparable(first), 'a refused PATCH changed the CA');
      });
    });

    it('uploads a .p7b bundle: 204, status running, then succeeded with the CAs listed', async () => {
      const bundleRoot = await createCa({ subject: 'CN=SDK Upload Root, O=Contoso' });
      const issuing = await createCa({
        subject: 'CN=SDK Upload Issuing, O=Contoso',
        issuer: bundleRoot,
        crlDistributionPoints: ['http://crl.contoso.test/sdk-upload-issuing.crl'],
      });
      const bundle = p7bOf([bundleRoot, issuing]);
      // A short delay keeps the job observable as running.
      files.set('/sdk-bundle.p7b', { body: bundle, delayMs: 300 });
      await withPki(async (pkiId) => {
        const pki = pkis().byCertificateBasedAuthPkiId(pkiId);
        const result = await pki.upload.post({ uploadUrl: `${files.url}/sdk-bundle.p7b`, sha256FileHash: sha256Hex(bundle) });
        assert.equal(result, undefined, 'the action answers 204 without a body');
        const during = await pki.get();
        assert.equal(during?.status, 'running');
        assert.equal(during?.statusDetails, undefined, 'no statusDetails while running (JSON null reads as undefined)');

        const settled = await settledPki(pkiId);
        assert.equal(settled.status, 'succeeded', `statusDetails: ${settled.statusDetails}`);
        assert.match(settled.statusDetails ?? '', /added 2 certificate authorities/);
        assert.equal(files.hits.get('/sdk-bundle.p7b'), 1);

        const cas = (await pki.certificateAuthorities.get())?.value ?? [];
        assert.equal(cas.length, 2);
        const byThumbprint = new Map(cas.map((ca) => [ca.thumbprint, ca]));
        const uploadedRoot = byThumbprint.get(sha1ThumbprintHex(bundleRoot));
        const uploadedIssuing = byThumbprint.get(sha1ThumbprintHex(issuing));
        assert.ok(uploadedRoot && uploadedIssuing, 'the uploaded CAs are not listed by thumbprint');
        assert.equal(uploadedRoot.certificateAuthorityType, CertificateAuthorityTypeObject.Root);
        assert.equal(uploadedRoot.displayName, 'SDK Upload Root');
        assert.ok(bytesOf(uploadedRoot.certificate).equals(bundleRoot.der));
        assert.equal(uploadedIssuing.certificateAuthorityType, CertificateAuthorityTypeObject.Intermediate);
        assert.equal(uploadedIssuing.issuer, 'CN=SDK Upload Issuing, O=Contoso');
        assert.ok(bytesOf(uploadedIssuing.certificate).equals(issuing.der));
        assert.equal(uploadedIssuing.certificateRevocationListUrl, 'http://crl.contoso.test/sdk-upload-issuing.crl');
        assert.equal(uploadedIssuing.expirationDateTime?.getTime(), expiryOf(issuing));
        assert.equal(await pki.certificateAuthorities.count.get(), 2);
      });
    });

    it('reports a failed upload in status and a refused one as ODataError 400', async () => {
      const bundle = p7bOf([await createCa({ subject: 'CN=SDK Upload Mismatch' })]);
      files.set('/sdk-mismatch.p7b', { body: bundle });
      await withPki(async (pkiId) => {
        const pki = pkis().byCertificateBasedAuthPkiId(pkiId);
        const refused = asODataError(
          await rejection(() => pki.upload.post({ uploadUrl: `${files.url}/sdk-mismatch.p7b`, sha256FileHash: 'ABC' })),
        );
        assert.equal(refused.responseStatusCode, 400);
        assert.equal(refused.errorEscaped?.code, 'Request_BadRequest');
        assert.match(refused.errorEscaped?.message ?? '', /64 hexadecimal/);
        assert.equal((await pki.get())?.status, 'succeeded', 'a refused upload changed the status');

        // Accepted, then the job finds that the file does not match the hash.
        const wrongHash = 'A'.repeat(64);
        await pki.upload.post({ uploadUrl: `${files.url}/sdk-mismatch.p7b`, sha256FileHash: wrongHash });
        const settled = await settledPki(pkiId);
        assert.equal(settled.status, 'failed');
        assert.match(settled.statusDetails ?? '', new RegExp(`hash mismatch.*${sha256Hex(bundle)}.*${wrongHash}`));
        assert.equal(await pki.certificateAuthorities.count.get(), 0);
      });
    });
  });

  /** Polls the PKI through the SDK, as Graph tells clients to, until its status is no longer running. */
  async function settledPki(pkiId: string, timeoutMs = 10_000): Promise<CertificateBasedAuthPki> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const pki = await pkis().byCertificateBasedAuthPkiId(pkiId).get();
      assert.ok(pki, 'GET of the PKI returned no model');
      if (pki.status !== 'running') return pki;
      if (Date.now() > deadline) assert.fail(`upload still running after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
});

/** A CA model with its bytes and dates in comparable form (ArrayBuffer and Date compare by content here). */
function comparable(ca: CertificateAuthorityDetail | undefined): Record<string, unknown> {
  assert.ok(ca, 'no CA model');
  const { certificate, createdDateTime, expirationDateTime, additionalData, ...rest } = ca;
  return {
    ...rest,
    certificate: bytesOf(certificate).toString('base64'),
    createdDateTime: createdDateTime?.toISOString(),
    expirationDateTime: expirationDateTime?.toISOString(),
    additionalData,
  };
}
