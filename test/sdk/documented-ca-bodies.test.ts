// Graph's documented certificateAuthorityDetail bodies through Microsoft's SDKs (Kiota beta SDK; Graph
// client v3 on beta and v1.0): the create page's example values for the properties the certificate
// determines (type "intermediate" for a root, issuer "Contoso2", SKI "C0E9....711A", expiry
// 2027-08-29T02:05:57Z, thumbprint "C6FA....4E9CF2") are accepted and ignored — the answer shows what was
// stored, derived from the certificate; the update page's example ({isIssuerHintEnabled: true}) is taken as
// is; the create page's SDK sample ({certificateAuthorityType: 'intermediate'}) lacks the required certificate.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import type { AuthenticationProvider, RequestInformation } from '@microsoft/kiota-abstractions';
import { createGraphBetaServiceClient, GraphBetaRequestAdapter, type GraphBetaServiceClient } from '@microsoft/msgraph-beta-sdk';
import { CertificateAuthorityTypeObject } from '@microsoft/msgraph-beta-sdk/models/index.js';
import '@microsoft/msgraph-beta-sdk-directory';
import { GraphError } from '@microsoft/microsoft-graph-client';
import { createCa, sha1ThumbprintHex, type TestCert, x509 } from '../helpers/certs.ts';
import { DOCS_CA_EXAMPLE_VALUES } from '../helpers/docs-examples.ts';
import { loopbackGraphClient } from '../helpers/graph-client-loopback.ts';
import { rejection } from '../helpers/rejection.ts';
import { PKI_PATH, startTestServer, type TestServer } from '../helpers/test-server.ts';

class StaticBearer implements AuthenticationProvider {
  constructor(private readonly token: string) {}
  authenticateRequest = async (request: RequestInformation): Promise<void> => {
    request.headers.tryAdd('Authorization', `Bearer ${this.token}`);
  };
}

let server: TestServer;
let root: TestCert;
let kiota: GraphBetaServiceClient;

before(async () => {
  server = await startTestServer();
  root = await createCa({ subject: 'CN=Fabrikam Root CA' });
  const adapter = new GraphBetaRequestAdapter(new StaticBearer(await server.token()));
  adapter.baseUrl = `${server.url}/beta`;
  kiota = createGraphBetaServiceClient(adapter);
});

after(() => server?.close());

/** What the certificate determines, as the server must store and answer it. */
function derivedOf(cert: TestCert) {
  return {
    certificateAuthorityType: 'root',
    issuer: 'CN=Fabrikam Root CA',
    issuerSubjectKeyIdentifier: cert.cert.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId.toUpperCase(),
    thumbprint: sha1ThumbprintHex(cert),
    expirationDateTime: `${cert.cert.notAfter.toISOString().slice(0, 19)}Z`,
  };
}

describe('the documented CA bodies through the Kiota beta SDK', () => {
  it('create with the docs’ example values: 201 with the values derived from the certificate', async () => {
    const pkis = kiota.directory.publicKeyInfrastructure.certificateBasedAuthConfigurations;
    const pki = await pkis.post({ displayName: 'Contoso2' });
    const cas = pkis.byCertificateBasedAuthPkiId(pki?.id ?? assert.fail('no PKI id')).certificateAuthorities;
    const created = await cas.post({
      certificateAuthorityType: CertificateAuthorityTypeObject.Intermediate,
      certificate: new Uint8Array(root.der).buffer,
      displayName: 'Contoso2 CA1',
      issuer: 'Contoso2',
      issuerSubjectKeyIdentifier: 'C0E9....711A',
      expirationDateTime: new Date('2027-08-29T02:05:57Z'),
      thumbprint: 'C6FA....4E9CF2',
      certificateRevocationListUrl: null,
      deltaCertificateRevocationListUrl: null,
      isIssuerHintEnabled: true,
    });
    const derived = derivedOf(root);
    assert.equal(created?.certificateAuthorityType, derived.certificateAuthorityType);
    assert.equal(created?.issuer, derived.issuer);
    assert.equal(created?.issuerSubjectKeyIdentifier, derived.issuerSubjectKeyIdentifier);
    assert.equal(created?.thumbprint, derived.thumbprint);
    assert.equal(created?.expirationDateTime?.toISOString().replace('.000Z', 'Z'), derived.expirationDateTime);
    assert.equal(created?.displayName, 'Contoso2 CA1');
    assert.equal(created?.isIssuerHintEnabled, true);

    // The update page's example, as its SDK sample sends it.
    const item = cas.byCertificateAuthorityDetailId(created?.id ?? assert.fail('no CA id'));
    const updated = await item.patch({ isIssuerHintEnabled: true, issuer: 'Contoso2', certificateAuthorityType: CertificateAuthorityTypeObject.Intermediate });
    assert.equal(updated?.isIssuerHintEnabled, true);
    assert.equal(updated?.issuer, derived.issuer);
    assert.equal(updated?.certificateAuthorityType, 'root');
    assert.equal((await item.get())?.thumbprint, derived.thumbprint);
  });
});

for (const version of ['beta', 'v1.0'] as const) {
  describe(`the documented CA bodies through the Graph client v3 (${version})`, () => {
    it('the docs’ create sample, verbatim, lacks the required certificate: 400 naming it', async () => {
      const client = loopbackGraphClient(server.url, await server.token(), version);
      const pki = (await client.api(PKI_PATH).post({ displayName: `docs ${version}` })) as { id: string };
      const certificateAuthorityDetail = {
        certificateAuthorityType: 'intermediate',
      };
      const error = await rejection(() => client.api(`${PKI_PATH}/${pki.id}/certificateAuthorities`).post(certificateAuthorityDetail));
      assert.ok(error instanceof GraphError, inspect(error));
      assert.equal(error.statusCode, 400);
      assert.equal(error.code, 'Request_BadRequest');
      assert.match(error.message, /required for property 'certificate'/);
    });

    it('the sample with a certificate and the example response’s values: 201, stored values derived; the update sample: 200', async () => {
      const client = loopbackGraphClient(server.url, await server.token(), version);
      const pki = (await client.api(PKI_PATH).post({ displayName: `docs values ${version}` })) as { id: string };
      const cas = `${PKI_PATH}/${pki.id}/certificateAuthorities`;
      const created = (await client.api(cas).post({ ...DOCS_CA_EXAMPLE_VALUES, certificate: root.base64 })) as Record<string, unknown>;
      for (const [property, value] of Object.entries(derivedOf(root))) assert.equal(created[property], value, property);
      const certificateAuthorityDetail = {
        isIssuerHintEnabled: false,
      };
      const updated = (await client.api(`${cas}/${String(created.id)}`).update(certificateAuthorityDetail)) as Record<string, unknown>;
      assert.equal(updated.isIssuerHintEnabled, false);
      const read = (await client.api(`${cas}/${String(created.id)}`).get()) as Record<string, unknown>;
      for (const [property, value] of Object.entries(derivedOf(root))) assert.equal(read[property], value, `stored ${property}`);
    });
  });
}
