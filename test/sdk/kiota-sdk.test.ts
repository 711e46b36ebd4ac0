// Microsoft's generated Graph beta SDK (Kiota), unchanged apart from its base URL and token, against the real
// server: create, list, get, patch, $count and delete of certificateBasedAuthPki, the root singleton, the
// SDK's ODataError for a missing PKI and for refused requests, the certificateAuthorities of a PKI (Edm.Binary
// `certificate` as the SDK carries it), the upload action with the status polling Graph asks for, and the
// OData query options ($filter, $select, $orderby, $top with nextLink paging, $count) through the SDK's
// request configuration, walked with msgraph-sdk-core's PageIterator.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { randomUUID } from 'node:crypto';
import { Headers as KiotaHeaders, type AuthenticationProvider, type Parsable, type ParsableFactory, type RequestInformation } from '@microsoft/kiota-abstractions';
import {
  createGraphBetaServiceClient,
  GraphBetaRequestAdapter,
  type GraphBetaServiceClient,
} from '@microsoft/msgraph-beta-sdk';
import {
  CertificateAuthorityTypeObject,
  createCertificateAuthorityDetailCollectionResponseFromDiscriminatorValue,
  createCertificateBasedAuthPkiCollectionResponseFromDiscriminatorValue,
  type CertificateAuthorityDetail,
  type CertificateBasedAuthPki,
  type CertificateBasedAuthPkiCollectionResponse,
} from '@microsoft/msgraph-beta-sdk/models/index.js';
import { createODataErrorFromDiscriminatorValue, type ODataError } from '@microsoft/msgraph-beta-sdk/models/oDataErrors/index.js';
// A dependency of @microsoft/msgraph-beta-sdk: the Graph SDK's own paging helper.
import { PageIterator, type PageCollection } from '@microsoft/msgraph-sdk-core';
// Side effect: adds `.directory` to GraphBetaServiceClient.
import '@microsoft/msgraph-beta-sdk-directory';
import { DEFAULT_LIMITS } from '../../src/config.ts';
import { createCa, createLeaf, p7bOf, sha1ThumbprintHex, sha256Hex, type TestCert, x509 } from '../helpers/certs.ts';
import { startFileServer, type FileServer } from '../helpers/file-server.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import { rejection } from '../helpers/rejection.ts';

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

/** A collection page the SDK returned, as the PageIterator takes it (its value must be there). */
function pageCollectionOf<T extends Parsable>(page: { value?: T[] | null } | undefined): PageCollection<T> {
  assert.ok(Array.isArray(page?.value), 'the first page has no value array');
  return page as PageCollection<T>;
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
        // The issuing CA's CDP names the CRL of its issuer, the root: the upload gives that URL to the root.
        crlDistributionPoints: ['http://crl.contoso.test/sdk-upload-root.crl'],
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
        assert.equal(uploadedRoot.certificateRevocationListUrl, 'http://crl.contoso.test/sdk-upload-root.crl');
        assert.equal(uploadedIssuing.certificateRevocationListUrl, undefined, 'no URL: nothing in the bundle names the CRL the issuing CA publishes (JSON null reads as undefined)');
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

  describe('OData query options through the SDK request configuration', () => {
    /** A client for a tenant of its own, so every count and listing below is exact. */
    async function tenantClient(): Promise<{ client: GraphBetaServiceClient; adapter: GraphBetaRequestAdapter }> {
      const adapter = new GraphBetaRequestAdapter(new StaticBearerTokenProvider(await server.token({ tenantId: randomUUID() })));
      adapter.baseUrl = `${server.url}/beta`;
      return { client: createGraphBetaServiceClient(adapter), adapter };
    }

    const pkisOf = (tenant: GraphBetaServiceClient) => tenant.directory.publicKeyInfrastructure.certificateBasedAuthConfigurations;

    /** Creates one PKI per name (in the order given) and returns their ids by name. */
    async function createPkis(tenant: GraphBetaServiceClient, names: readonly string[]): Promise<Map<string, string>> {
      const ids = new Map<string, string>();
      for (const displayName of names) {
        const created = await pkisOf(tenant).post({ displayName });
        assert.ok(created?.id, `POST of ${displayName} returned no id`);
        ids.set(displayName, created.id);
      }
      return ids;
    }

    const namesOf = (page: CertificateBasedAuthPkiCollectionResponse | undefined): Array<string | null | undefined> => {
      assert.ok(Array.isArray(page?.value), 'the page has no value array');
      return page.value.map((pki) => pki.displayName);
    };

    const sorted = (names: Iterable<string>) => [...names].sort();

    it('$filter with startswith, eq, and/not and in returns exactly the matching PKIs', async () => {
      const { client: tenant } = await tenantClient();
      const ids = await createPkis(tenant, ['Alpha One', 'Alpha Two', 'Beta Alpha', "O'Brien & Sons #1", 'alphabet']);
      const filtered = async (filter: string) => sorted(namesOf(await pkisOf(tenant).get({ queryParameters: { filter } })).map(String));

      // startswith is case-insensitive in Graph's directory (as is eq on strings); 'Beta Alpha' does not start with it.
      assert.deepEqual(await filtered("startswith(displayName,'Alpha')"), ['Alpha One', 'Alpha Two', 'alphabet']);
      assert.deepEqual(await filtered("displayName eq 'Beta Alpha'"), ['Beta Alpha']);
      // A quote doubled inside the literal, and '&', '#' and spaces, all carried by the SDK's URL encoding.
      assert.deepEqual(await filtered("displayName eq 'O''Brien & Sons #1'"), ["O'Brien & Sons #1"]);
      assert.deepEqual(await filtered("startswith(displayName,'Alpha') and not (displayName eq 'Alpha Two')"), ['Alpha One', 'alphabet']);
      assert.deepEqual(await filtered("displayName in ('Alpha One', 'Beta Alpha', 'nobody')"), ['Alpha One', 'Beta Alpha']);
      assert.deepEqual(await filtered(`id eq '${ids.get('Alpha Two')}'`), ['Alpha Two']);
      assert.deepEqual(await filtered("displayName eq 'nobody'"), []);
    });

    it('$filter with ge/gt/le/lt on lastModifiedDateTime compares DateTimeOffsets', async () => {
      const { client: tenant } = await tenantClient();
      const created = await pkisOf(tenant).post({ displayName: 'Dated' });
      const stamp = created?.lastModifiedDateTime;
      assert.ok(stamp instanceof Date);
      // The server keeps whole seconds (as Graph shows this property), so the stored value is the boundary.
      const at = (ms: number) => new Date(stamp.getTime() + ms).toISOString();
      const count = async (filter: string) => (await pkisOf(tenant).get({ queryParameters: { filter } }))?.value?.length;
      assert.equal(await count(`lastModifiedDateTime ge ${at(0)}`), 1);
      assert.equal(await count(`lastModifiedDateTime gt ${at(0)}`), 0);
      assert.equal(await count(`lastModifiedDateTime le ${at(0)}`), 1);
      assert.equal(await count(`lastModifiedDateTime lt ${at(0)}`), 0);
      assert.equal(await count(`lastModifiedDateTime gt ${at(-60_000)} and lastModifiedDateTime lt ${at(60_000)}`), 1);
      assert.equal(await count(`lastModifiedDateTime ge ${at(60_000)}`), 0);
      assert.equal(await count(`lastModifiedDateTime eq ${at(0)}`), 1);
    });

    it('$select returns models whose unselected properties are undefined while id is set', async () => {
      const { client: tenant } = await tenantClient();
      const ids = await createPkis(tenant, ['Select One', 'Select Two']);
      const page = await pkisOf(tenant).get({ queryParameters: { select: ['displayName'] } });
      assert.equal(page?.value?.length, 2);
      for (const pki of page?.value ?? []) {
        assert.ok(pki.displayName, 'the selected displayName is missing');
        assert.equal(pki.id, ids.get(pki.displayName), 'id is not set (or wrong) on a projected model');
        assert.equal(pki.status, undefined, 'status was not selected');
        assert.equal(pki.lastModifiedDateTime, undefined, 'lastModifiedDateTime was not selected');
        assert.equal(pki.statusDetails, undefined, 'statusDetails was not selected');
      }
      // The context URL names the projection, as Graph's does.
      assert.match(String(page?.additionalData?.['@odata.context']), /certificateBasedAuthConfigurations\(displayName\)$/);

      // On a single entity too.
      const one = await pkisOf(tenant).byCertificateBasedAuthPkiId(ids.get('Select One') ?? '').get({ queryParameters: { select: ['status'] } });
      assert.equal(one?.id, ids.get('Select One'));
      assert.equal(one?.status, 'succeeded');
      assert.equal(one?.displayName, undefined);
    });

    it('$orderby desc returns the names in descending order', async () => {
      const { client: tenant } = await tenantClient();
      await createPkis(tenant, ['Order B', 'Order D', 'Order A', 'Order C']);
      const desc = await pkisOf(tenant).get({ queryParameters: { orderby: ['displayName desc'] } });
      assert.deepEqual(namesOf(desc), ['Order D', 'Order C', 'Order B', 'Order A']);
      const asc = await pkisOf(tenant).get({ queryParameters: { orderby: ['displayName'] } });
      assert.deepEqual(namesOf(asc), ['Order A', 'Order B', 'Order C', 'Order D']);

      // lastModifiedDateTime desc (whole seconds, so these may tie): never increasing, every PKI once.
      const byModified = (await pkisOf(tenant).get({ queryParameters: { orderby: ['lastModifiedDateTime desc'] } }))?.value ?? [];
      assert.equal(byModified.length, 4);
      const times = byModified.map((pki) => pki.lastModifiedDateTime?.getTime() ?? Number.NaN);
      assert.deepEqual(times, [...times].sort((a, b) => b - a), 'lastModifiedDateTime is not descending');
    });

    it('$top limits the page, @odata.nextLink is absolute, and $count=true counts all matches on the first page only', async () => {
      const { client: tenant } = await tenantClient();
      await createPkis(tenant, ['Top 1', 'Top 2', 'Top 3', 'Top 4', 'Top 5', 'Other']);
      const filter = "startswith(displayName,'Top')";
      const first = await pkisOf(tenant).get({
        queryParameters: { filter, top: 2, count: true, orderby: ['displayName'] },
        headers: { ConsistencyLevel: 'eventual' },
      });
      assert.deepEqual(namesOf(first), ['Top 1', 'Top 2']);
      assert.equal(first?.odataCount, 5, '@odata.count counts every match, not the page');

      const nextLink = first?.odataNextLink;
      assert.ok(nextLink, 'a truncated page has no @odata.nextLink');
      const next = new URL(nextLink);
      assert.equal(next.origin, new URL(server.url).origin, 'the nextLink is not an absolute URL of the server');
      assert.equal(next.pathname, '/beta/directory/publicKeyInfrastructure/certificateBasedAuthConfigurations');
      // It keeps the request's options and adds the $skiptoken.
      assert.equal(next.searchParams.get('$filter'), filter);
      assert.equal(next.searchParams.get('$top'), '2');
      assert.equal(next.searchParams.get('$orderby'), 'displayName');
      assert.ok(next.searchParams.get('$skiptoken'), 'no $skiptoken in the nextLink');

      // The next pages follow on without repeating or skipping an item.
      const second = await pkisOf(tenant).withUrl(nextLink).get({ headers: { ConsistencyLevel: 'eventual' } });
      assert.deepEqual(namesOf(second), ['Top 3', 'Top 4']);
      assert.equal(second?.odataCount, undefined, '@odata.count is only on the first page');
      assert.ok(second?.odataNextLink);
      const last = await pkisOf(tenant).withUrl(second.odataNextLink).get();
      assert.deepEqual(namesOf(last), ['Top 5']);
      assert.equal(last?.odataNextLink, undefined, 'the last page has a nextLink');

      // Without $top every match fits on one page, so no nextLink.
      const whole = await pkisOf(tenant).get({ queryParameters: { filter, count: true }, headers: { ConsistencyLevel: 'eventual' } });
      assert.equal(whole?.value?.length, 5);
      assert.equal(whole?.odataCount, 5);
      assert.equal(whole?.odataNextLink, undefined);
    });

    it('count.get honours $filter', async () => {
      const { client: tenant } = await tenantClient();
      await createPkis(tenant, ['Count A1', 'Count A2', 'Count A3', 'Count B1']);
      const count = (filter?: string) =>
        pkisOf(tenant).count.get({ queryParameters: filter === undefined ? {} : { filter }, headers: { ConsistencyLevel: 'eventual' } });
      assert.equal(await count(), 4);
      assert.equal(await count("startswith(displayName,'Count A')"), 3);
      assert.equal(await count("displayName eq 'Count B1' or displayName eq 'Count A2'"), 2);
      assert.equal(await count("displayName ne 'Count B1'"), 3);
      assert.equal(await count("displayName eq 'nobody'"), 0);
    });

    it("walks every page of a $top=3 listing with msgraph-sdk-core's PageIterator, once each, in order", async () => {
      const { client: tenant, adapter } = await tenantClient();
      const names = Array.from({ length: 10 }, (_, i) => `Page ${String(i).padStart(2, '0')}`);
      // Created out of order, plus two that the filter leaves out.
      await createPkis(tenant, [...names.slice(5), 'Unpaged X', ...names.slice(0, 5), 'Unpaged Y']);
      const first = await pkisOf(tenant).get({
        queryParameters: { filter: "startswith(displayName,'Page')", orderby: ['displayName desc'], top: 3, count: true },
        headers: { ConsistencyLevel: 'eventual' },
      });
      assert.equal(first?.value?.length, 3);
      assert.equal(first?.odataCount, 10);

      const visited: string[] = [];
      const pageOfVisit: Array<string | undefined> = [];
      const iterator: PageIterator<CertificateBasedAuthPki> = new PageIterator<CertificateBasedAuthPki>(
        adapter,
        pageCollectionOf(first),
        (pki) => {
          visited.push(pki.displayName ?? '');
          // The nextLink of the page being enumerated tells the pages apart.
          pageOfVisit.push(iterator.getOdataNextLink());
          return true;
        },
        createCertificateBasedAuthPkiCollectionResponseFromDiscriminatorValue as ParsableFactory<PageCollection<CertificateBasedAuthPki>>,
        { XXX: createODataErrorFromDiscriminatorValue },
        { headers: new KiotaHeaders([['ConsistencyLevel', new Set(['eventual'])]]) },
      );
      await iterator.iterate();
      assert.equal(iterator.getPagingState(), 'Complete');
      assert.deepEqual(visited, [...names].reverse(), 'not every PKI once, in displayName desc order');
      // Four pages of 3, 3, 3 and 1; only the last has no nextLink.
      const pageSizes = new Map<string | undefined, number>();
      for (const link of pageOfVisit) pageSizes.set(link, (pageSizes.get(link) ?? 0) + 1);
      assert.deepEqual([...pageSizes.values()], [3, 3, 3, 1]);
      assert.equal(pageOfVisit.at(-1), undefined);
    });

    it('refuses a tampered, re-targeted or foreign $skiptoken with ODataError 400', async () => {
      const { client: tenant } = await tenantClient();
      await createPkis(tenant, ['Token 1', 'Token 2', 'Token 3']);
      const first = await pkisOf(tenant).get({ queryParameters: { top: 1, orderby: ['displayName desc'] } });
      const nextLink = first?.odataNextLink;
      assert.ok(nextLink);
      // The untouched link gives the next item.
      assert.deepEqual(namesOf(await pkisOf(tenant).withUrl(nextLink).get()), ['Token 2']);

      const token = new URL(nextLink).searchParams.get('$skiptoken');
      assert.ok(token);
      // One base64url character changed, so the token is still well-formed.
      const at = Math.floor(token.length / 3);
      const tampered = `${token.slice(0, at)}${token[at] === 'A' ? 'B' : 'A'}${token.slice(at + 1)}`;
      assert.notEqual(tampered, token);
      assert.ok(nextLink.includes(token), 'the token is not verbatim in the nextLink');

      const cases: Array<[string, GraphBetaServiceClient, string]> = [
        ['a changed character', tenant, nextLink.replace(token, tampered)],
        ['a different $orderby', tenant, nextLink.replace('displayName%20desc', 'displayName').replace('displayName+desc', 'displayName')],
        ["another tenant's token", (await tenantClient()).client, nextLink],
      ];
      assert.ok(cases[0]?.[2] !== nextLink && cases[1]?.[2] !== nextLink, 'a tampered URL equals the nextLink');
      for (const [name, caller, url] of cases) {
        const error = asODataError(await rejection(() => pkisOf(caller).withUrl(url).get()));
        assert.equal(error.responseStatusCode, 400, `${name}: status`);
        assert.equal(error.errorEscaped?.code, 'Request_BadRequest', `${name}: code`);
        assert.match(error.errorEscaped?.message ?? '', /\$skiptoken/, `${name}: message`);
      }
    });

    it('filters, orders, pages and counts the certificateAuthorities of a PKI by expirationDateTime', async () => {
      const { client: tenant, adapter } = await tenantClient();
      const pki = await pkisOf(tenant).post({ displayName: 'CA query PKI' });
      assert.ok(pki?.id);
      const cas = pkisOf(tenant).byCertificateBasedAuthPkiId(pki.id).certificateAuthorities;
      const year = 365 * 24 * 3600 * 1000;
      const now = Date.now();
      const byYears = new Map<number, TestCert>();
      for (const years of [3, 1, 4, 2]) {
        const ca = await createCa({ subject: `CN=SDK Query CA ${years}, O=Contoso`, notAfter: new Date(now + years * year) });
        byYears.set(years, ca);
        await cas.post({ certificate: arrayBufferOf(ca.der) });
      }
      const thumbprints = (years: number[]) => years.map((y) => sha1ThumbprintHex(byYears.get(y) as TestCert));

      const desc = await cas.get({ queryParameters: { orderby: ['expirationDateTime desc'], select: ['thumbprint'] } });
      assert.deepEqual(desc?.value?.map((ca) => ca.thumbprint), thumbprints([4, 3, 2, 1]));
      assert.equal(desc?.value?.[0]?.certificate, undefined, 'certificate was not selected');
      assert.equal(desc?.value?.[0]?.expirationDateTime, undefined, 'expirationDateTime was not selected');

      // Expiring after 1.5 years, soonest first, two per page.
      const filter = `expirationDateTime ge ${new Date(now + 1.5 * year).toISOString()}`;
      assert.equal(await cas.count.get({ queryParameters: { filter }, headers: { ConsistencyLevel: 'eventual' } }), 3);
      const first = await cas.get({
        queryParameters: { filter, orderby: ['expirationDateTime'], top: 2, count: true },
        headers: { ConsistencyLevel: 'eventual' },
      });
      assert.equal(first?.odataCount, 3);
      assert.deepEqual(first?.value?.map((ca) => ca.thumbprint), thumbprints([2, 3]));
      assert.ok(first?.odataNextLink?.startsWith(`${server.url}/beta/directory/publicKeyInfrastructure/certificateBasedAuthConfigurations/${pki.id}/certificateAuthorities?`));
      // The PageIterator walks the rest: every match once, soonest expiry first.
      const visited: string[] = [];
      const iterator = new PageIterator<CertificateAuthorityDetail>(
        adapter,
        pageCollectionOf(first),
        (ca) => {
          visited.push(ca.thumbprint ?? '');
          return true;
        },
        createCertificateAuthorityDetailCollectionResponseFromDiscriminatorValue as ParsableFactory<PageCollection<CertificateAuthorityDetail>>,
        { XXX: createODataErrorFromDiscriminatorValue },
      );
      await iterator.iterate();
      assert.deepEqual(visited, thumbprints([2, 3, 4]));
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
