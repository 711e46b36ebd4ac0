// The classic trust store, organization/{id}/certificateBasedAuthConfiguration, and /organization, through
// real HTTP on both API versions: the single fixed-id configuration, create (the documented body shape)
// with derived issuer/issuerSki, list, get, delete, no update (405), a second POST refused, certificates
// checked as PKI CAs are, Graph's permissions and the Global Administrator role, tenant isolation.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DIRECTORY_ROLES, PERMISSION_ORGANIZATION_READ, PERMISSION_ORGANIZATION_READ_WRITE, PERMISSION_READ_WRITE } from '../../src/auth/permissions.ts';
import { createCa, createLeaf, type TestCert, x509 } from '../helpers/certs.ts';
import { startTestServer, TENANT_A, TENANT_B, type TestServer } from '../helpers/test-server.ts';

const CONFIGURATION_ID = '29728ade-6ae4-4ee9-9103-412912537da5';
const organizationPath = (version: string, tenant = TENANT_A) => `/${version}/organization/${tenant}`;
const classicPath = (version: string, tenant = TENANT_A) => `${organizationPath(version, tenant)}/certificateBasedAuthConfiguration`;

describe('classic trust store: organization/{id}/certificateBasedAuthConfiguration', () => {
  let server: TestServer;
  let root: TestCert;
  let intermediate: TestCert;
  let writer: string;
  let reader: string;

  before(async () => {
    server = await startTestServer();
    root = await createCa({ subject: 'CN=Classic Root CA, O=Contoso' });
    intermediate = await createCa({ subject: 'CN=Classic Issuing CA, O=Contoso', issuer: root, crlDistributionPoints: ['http://crl.contoso.test/root.crl'] });
    writer = await server.token({ appRoles: [PERMISSION_ORGANIZATION_READ_WRITE] });
    reader = await server.token({ appRoles: [PERMISSION_ORGANIZATION_READ] });
  });
  after(() => server.close());

  for (const version of ['v1.0', 'beta']) {
    it(`${version}: GET /organization and /organization/{id} answer the tenant's organization`, async () => {
      const list = await server.request('GET', `/${version}/organization`, { token: reader });
      assert.equal(list.status, 200, list.text);
      assert.equal(list.body['@odata.context'], `${server.url}/${version}/$metadata#organization`);
      assert.equal(list.body.value.length, 1);
      assert.equal(list.body.value[0].id, TENANT_A);
      assert.equal(typeof list.body.value[0].displayName, 'string');
      const one = await server.request('GET', organizationPath(version), { token: reader });
      assert.equal(one.status, 200, one.text);
      assert.equal(one.body.id, TENANT_A);
      assert.equal(one.body['@odata.context'], `${server.url}/${version}/$metadata#organization/$entity`);
      const other = await server.request('GET', organizationPath(version, TENANT_B), { token: reader });
      assert.equal(other.status, 404);
      assert.equal(other.body.error.code, 'Request_ResourceNotFound');
    });

    it(`${version}: create, list, get and delete the one configuration`, async () => {
      const empty = await server.request('GET', classicPath(version), { token: reader });
      assert.equal(empty.status, 200, empty.text);
      assert.deepEqual(empty.body.value, []);

      const created = await server.request('POST', classicPath(version), {
        token: writer,
        body: {
          certificateAuthorities: [
            { isRootAuthority: true, certificate: root.base64 },
            { isRootAuthority: false, certificate: intermediate.base64, certificateRevocationListUrl: 'http://crl.contoso.test/issuing.crl' },
          ],
        },
      });
      assert.equal(created.status, 201, created.text);
      assert.equal(created.body.id, CONFIGURATION_ID);
      assert.equal(created.body['@odata.context'], `${server.url}/${version}/$metadata#certificateBasedAuthConfiguration/$entity`);
      const [first, second] = created.body.certificateAuthorities;
      assert.equal(first.certificate, root.base64);
      assert.equal(first.isRootAuthority, true);
      assert.equal(first.issuer, 'CN=Classic Root CA, O=Contoso');
      const rootSki = root.cert.getExtension(x509.SubjectKeyIdentifierExtension);
      assert.ok(rootSki);
      assert.equal(first.issuerSki, rootSki.keyId.toUpperCase());
      assert.equal(first.certificateRevocationListUrl, null);
      assert.equal(first.deltaCertificateRevocationListUrl, null);
      assert.equal(second.isRootAuthority, false);
      assert.equal(second.issuer, 'CN=Classic Issuing CA, O=Contoso');
      assert.equal(second.certificateRevocationListUrl, 'http://crl.contoso.test/issuing.crl');

      const list = await server.request('GET', classicPath(version), { token: reader });
      assert.equal(list.status, 200);
      assert.equal(list.body['@odata.context'], `${server.url}/${version}/$metadata#organization('${TENANT_A}')/certificateBasedAuthConfiguration`);
      const { '@odata.context': _context, ...entity } = created.body;
      assert.deepEqual(list.body.value, [entity]);

      const got = await server.request('GET', `${classicPath(version)}/${CONFIGURATION_ID}`, { token: reader });
      assert.equal(got.status, 200);
      assert.deepEqual(got.body, created.body);

      const patch = await server.request('PATCH', `${classicPath(version)}/${CONFIGURATION_ID}`, { token: writer, body: { certificateAuthorities: [] } });
      assert.equal(patch.status, 405);
      assert.equal(patch.body.error.code, 'BadRequest');
      assert.equal(patch.headers.get('allow'), 'GET, DELETE, HEAD');

      const again = await server.request('POST', classicPath(version), { token: writer, body: { certificateAuthorities: [{ isRootAuthority: true, certificate: root.base64 }] } });
      assert.equal(again.status, 400);
      assert.equal(again.body.error.code, 'Request_BadRequest');
      assert.match(again.body.error.message, /already has a certificateBasedAuthConfiguration .*delete it, then create it again/);

      const deleted = await server.request('DELETE', `${classicPath(version)}/${CONFIGURATION_ID}`, { token: writer });
      assert.equal(deleted.status, 204);
      const gone = await server.request('GET', `${classicPath(version)}/${CONFIGURATION_ID}`, { token: reader });
      assert.equal(gone.status, 404);
      assert.equal((await server.request('DELETE', `${classicPath(version)}/${CONFIGURATION_ID}`, { token: writer })).status, 404);
      assert.deepEqual((await server.request('GET', classicPath(version), { token: reader })).body.value, []);
    });
  }

  it('checks every certificate as a PKI CA is, and says which one is wrong', async () => {
    const leaf = await createLeaf({ subject: 'CN=alice', issuer: root });
    const expired = await createCa({ subject: 'CN=Expired CA', notBefore: new Date(Date.now() - 3 * 86_400_000), notAfter: new Date(Date.now() - 86_400_000) });
    const cases: Array<[string, unknown, RegExp]> = [
      ['not a CA', [{ isRootAuthority: false, certificate: leaf.base64 }], /certificateAuthorities|'certificate'.*not a CA certificate/],
      ['not base64', [{ isRootAuthority: true, certificate: '%%%' }], /'certificate' of resource 'certificateAuthority': the value is not base64/],
      // The docs' example value: valid base64, but no certificate.
      ['the docs placeholder', [{ isRootAuthority: true, certificate: 'Binary' }], /'certificate' of resource 'certificateAuthority': not an X\.509 certificate/],
      ['missing isRootAuthority', [{ certificate: root.base64 }], /A value is required for property 'isRootAuthority' of resource 'certificateAuthority' \(certificateAuthorities\[0\]\)/],
      ['missing certificate', [{ isRootAuthority: true }], /A value is required for property 'certificate'/],
      ['wrong root flag', [{ isRootAuthority: true, certificate: intermediate.base64 }], /'isRootAuthority' .*\(certificateAuthorities\[0\]\): true does not match/],
      ['expired', [{ isRootAuthority: true, certificate: expired.base64 }], /expired on/],
      ['duplicate', [{ isRootAuthority: true, certificate: root.base64 }, { isRootAuthority: true, certificate: root.base64 }], /certificateAuthorities\[1\] holds the same certificate as certificateAuthorities\[0\]/],
      ['bad CRL URL', [{ isRootAuthority: true, certificate: root.base64, certificateRevocationListUrl: 'ldap://x' }], /'certificateRevocationListUrl' of resource 'certificateAuthority': 'ldap:\/\/x' is not an absolute http or https URL/],
      ['wrong issuer', [{ isRootAuthority: true, certificate: root.base64, issuer: 'CN=Other' }], /'issuer' .*does not match the certificate/],
      ['unknown property', [{ isRootAuthority: true, certificate: root.base64, displayName: 'x' }], /displayName/],
    ];
    for (const [name, certificateAuthorities, message] of cases) {
      const response = await server.request('POST', classicPath('v1.0'), { token: writer, body: { certificateAuthorities } });
      assert.equal(response.status, 400, `${name}: ${response.text}`);
      assert.match(response.body.error.message, message, name);
    }
    const missingList = await server.request('POST', classicPath('v1.0'), { token: writer, body: {} });
    assert.equal(missingList.status, 400);
    // Nothing was stored by any refused request.
    assert.deepEqual((await server.request('GET', classicPath('v1.0'), { token: reader })).body.value, []);
    // The certificate's own issuer and issuerSki are accepted (a client sending back what it read).
    const created = await server.request('POST', classicPath('v1.0'), { token: writer, body: { certificateAuthorities: [{ isRootAuthority: true, certificate: root.base64 }] } });
    const { issuer, issuerSki } = created.body.certificateAuthorities[0];
    assert.equal((await server.request('DELETE', `${classicPath('v1.0')}/${CONFIGURATION_ID}`, { token: writer })).status, 204);
    const echoed = await server.request('POST', classicPath('v1.0'), {
      token: writer,
      body: { certificateAuthorities: [{ isRootAuthority: true, certificate: root.base64, issuer, issuerSki: issuerSki.toLowerCase() }] },
    });
    assert.equal(echoed.status, 201, echoed.text);
    assert.equal((await server.request('DELETE', `${classicPath('v1.0')}/${CONFIGURATION_ID}`, { token: writer })).status, 204);
  });

  it('gives a CA without a subjectKeyIdentifier the issuerSki of RFC 5280 method 1 (SHA-1 of its public key)', async () => {
    const noSki = await createCa({ subject: 'CN=No SKI Root', subjectKeyIdentifier: false });
    const created = await server.request('POST', classicPath('v1.0'), { token: writer, body: { certificateAuthorities: [{ isRootAuthority: true, certificate: noSki.base64 }] } });
    assert.equal(created.status, 201, created.text);
    const spki = Buffer.from(noSki.cert.publicKey.rawData);
    const { createHash } = await import('node:crypto');
    // The subjectPublicKey BIT STRING is the SPKI's last element; for a P-256 key its contents are its last 66 bytes (00 + 65-byte point).
    const expected = createHash('sha1').update(spki.subarray(spki.length - 65)).digest('hex').toUpperCase();
    assert.equal(created.body.certificateAuthorities[0].issuerSki, expected);
    assert.equal((await server.request('DELETE', `${classicPath('v1.0')}/${CONFIGURATION_ID}`, { token: writer })).status, 204);
  });

  it('needs Organization.* permissions, and Global Administrator for delegated tokens', async () => {
    const pkiOnly = await server.token({ appRoles: [PERMISSION_READ_WRITE] });
    assert.equal((await server.request('GET', classicPath('v1.0'), { token: pkiOnly })).status, 403);
    assert.equal((await server.request('GET', `/v1.0/organization`, { token: pkiOnly })).status, 403);
    const body = { certificateAuthorities: [{ isRootAuthority: true, certificate: root.base64 }] };
    assert.equal((await server.request('POST', classicPath('v1.0'), { token: reader, body })).status, 403);

    const delegatedNoRole = await server.token({ appRoles: [], scopes: [PERMISSION_ORGANIZATION_READ_WRITE], directoryRoles: [] });
    assert.equal((await server.request('GET', classicPath('v1.0'), { token: delegatedNoRole })).status, 403);
    // Any signed-in user reads their organization.
    assert.equal((await server.request('GET', '/v1.0/organization', { token: delegatedNoRole })).status, 200);
    const userRead = await server.token({ appRoles: [], scopes: ['User.Read'], directoryRoles: [] });
    assert.equal((await server.request('GET', organizationPath('beta'), { token: userRead })).status, 200);

    const globalAdmin = await server.token({ appRoles: [], scopes: [PERMISSION_ORGANIZATION_READ_WRITE], directoryRoles: [DIRECTORY_ROLES.globalAdministrator] });
    const created = await server.request('POST', classicPath('v1.0'), { token: globalAdmin, body });
    assert.equal(created.status, 201, created.text);
    assert.equal((await server.request('DELETE', `${classicPath('v1.0')}/${CONFIGURATION_ID}`, { token: globalAdmin })).status, 204);
  });

  it('keeps tenants apart: another tenant neither sees nor reaches this one', async () => {
    const body = { certificateAuthorities: [{ isRootAuthority: true, certificate: root.base64 }] };
    assert.equal((await server.request('POST', classicPath('v1.0'), { token: writer, body })).status, 201);
    const otherWriter = await server.token({ tenantId: TENANT_B, appRoles: [PERMISSION_ORGANIZATION_READ_WRITE] });
    // Tenant B names tenant A's organization: not found, for reads and writes.
    assert.equal((await server.request('GET', classicPath('v1.0', TENANT_A), { token: otherWriter })).status, 404);
    assert.equal((await server.request('DELETE', `${classicPath('v1.0', TENANT_A)}/${CONFIGURATION_ID}`, { token: otherWriter })).status, 404);
    // Its own store is empty and independent.
    assert.deepEqual((await server.request('GET', classicPath('v1.0', TENANT_B), { token: otherWriter })).body.value, []);
    assert.equal((await server.request('POST', classicPath('v1.0', TENANT_B), { token: otherWriter, body })).status, 201);
    assert.equal((await server.request('GET', `${classicPath('v1.0')}/${CONFIGURATION_ID}`, { token: writer })).status, 200);
    assert.equal((await server.request('DELETE', `${classicPath('v1.0', TENANT_B)}/${CONFIGURATION_ID}`, { token: otherWriter })).status, 204);
    assert.equal((await server.request('GET', `${classicPath('v1.0')}/${CONFIGURATION_ID}`, { token: writer })).status, 200);
    assert.equal((await server.request('DELETE', `${classicPath('v1.0')}/${CONFIGURATION_ID}`, { token: writer })).status, 204);
  });
});
