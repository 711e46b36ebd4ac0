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
});
