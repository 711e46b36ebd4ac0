// /openapi.json describes what the server really does: each operation's success status and body, Graph's
// error envelope for the errors it can answer, the OData query options of list operations, and which
// token it needs. The cross-check sends real requests and holds each answer against the schema the
// document gives for that operation and status.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Ajv, type ValidateFunction } from 'ajv';
import ajvFormats from 'ajv-formats';
import { PERMISSION_ORGANIZATION_READ_WRITE, PERMISSION_POLICY_READ_WRITE_AUTHENTICATION_METHOD } from '../../src/auth/permissions.ts';
import { API_VERSIONS } from '../../src/graph/context.ts';
import { CA_ENTITY, PKI_ENTITY } from '../../src/graph/entities.ts';
import { createCa, createLeaf } from '../helpers/certs.ts';
import { startFileServer } from '../helpers/file-server.ts';
import { PERMISSION_USER_READ_WRITE_ALL } from '../../src/auth/permissions.ts';
import { PKI_PATH, send, startTestServer, TENANT_A, type TestResponse, type TestServer } from '../helpers/test-server.ts';

interface Media {
  readonly schema: Record<string, unknown>;
}
interface Response {
  readonly description: string;
  readonly headers?: Record<string, unknown>;
  readonly content?: Record<string, Media>;
}
interface Parameter {
  readonly in: string;
  readonly name: string;
  readonly required?: boolean;
  readonly schema?: Record<string, unknown>;
}
interface Operation {
  readonly parameters?: readonly Parameter[];
  readonly security?: readonly Record<string, readonly string[]>[];
  readonly responses: Record<string, Response>;
}
interface Document {
  readonly openapi: string;
  readonly paths: Record<string, Record<string, Operation>>;
  readonly components: {
    readonly schemas: Record<string, { readonly properties?: Record<string, unknown>; readonly required?: readonly string[] }>;
    readonly securitySchemes: Record<string, { readonly type: string; readonly scheme?: string }>;
  };
}

const ENVELOPE = '#/components/schemas/microsoft.graph.ODataErrors.ODataError';
const POLICY_PATH = '/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/x509Certificate';
const DOCUMENT_ID = 'openapi.json';
const SKI = 'C0E9A2B3D4E5F60718293A4B5C6D7E8F9012711A';
// ajv-formats is CommonJS: its plugin is the module itself and its `default`, which is what TypeScript sees.
const addFormats = ajvFormats.default;

let t: TestServer;
let doc: Document;
let ajv: Ajv;
const operations: { method: string; path: string; operation: Operation }[] = [];

before(async () => {
  t = await startTestServer({ allowPrivateFetch: true });
  const response = await t.request('GET', '/openapi.json', { token: null });
  assert.equal(response.status, 200, response.text);
  doc = JSON.parse(response.text) as Document;
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, operation] of Object.entries(item)) operations.push({ method: method.toUpperCase(), path, operation });
  }
  ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema(doc, DOCUMENT_ID);
});
after(() => t.close());

function operation(method: string, path: string): Operation {
  const found = doc.paths[path]?.[method.toLowerCase()];
  assert.ok(found, `${method} ${path} is not in the document`);
  return found;
}

const successStatuses = (op: Operation) => Object.keys(op.responses).filter((status) => /^2\d\d$/.test(status));

/** Every $ref anywhere below `value`. */
function refsIn(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(refsIn);
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([key, v]) => (key === '$ref' && typeof v === 'string' ? [v] : refsIn(v)));
}

const area = (path: string) =>
  /^\/(beta|v1\.0)\//.test(path) ? 'graph' : path.startsWith('/graph-pki/') ? 'verify' : path.startsWith('/_admin/') ? 'admin' : 'public';

/** The status each operation answers on success, from what the route code sends. */
function expectedSuccess(method: string, path: string): string {
  if (method === 'DELETE' && area(path) === 'graph') return '204';
  if (method === 'POST' && /\/(microsoft\.graph\.)?upload$/.test(path)) return '204';
  if (method === 'PATCH' && (path.endsWith(POLICY_PATH) || path.endsWith('/users/{userId}'))) return '204';
  if (method === 'POST' && (path.endsWith(PKI_PATH) || path.endsWith('/certificateAuthorities') || path.endsWith('/certificateBasedAuthConfiguration') || path.endsWith('/users'))) {
    return '201';
  }
  // The certificate sign-in's clients (admin API): registered 201, removed 204.
  if (method === 'POST' && path.endsWith('/oidcClients')) return '201';
  if (method === 'DELETE' && path.endsWith('/oidcClients/{clientId}')) return '204';
  return '200';
}

/** The operation's documented schema for `status`, compiled with the document's components in reach. */
function validatorFor(method: string, path: string, status: number, mediaType = 'application/json'): ValidateFunction | undefined {
  const response = operation(method, path).responses[String(status)];
  assert.ok(response, `${method} ${path} answered ${status}, which the document does not list`);
  const schema = response.content?.[mediaType]?.schema;
  if (!schema) return undefined;
  return ajv.compile(JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', `"${DOCUMENT_ID}#/components/`)) as object);
}

/** The response conforms to what the document says `method path` answers with its status. */
function assertDocumented(method: string, path: string, response: TestResponse): void {
  const validate = validatorFor(method, path, response.status);
  if (!validate) {
    assert.equal(response.text, '', `${method} ${path} ${response.status}: the document says no body`);
    return;
  }
  assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
  assert.ok(validate(response.body), `${method} ${path} ${response.status}: ${ajv.errorsText(validate.errors)}\n${response.text}`);
}

/** Without $select, an entity carries exactly the properties its schema lists. */
function assertAllProperties(entity: Record<string, unknown>, schemaName: string): void {
  const declared = Object.keys(doc.components.schemas[schemaName]?.properties ?? {}).filter((name) => name !== '@odata.context');
  assert.deepEqual(Object.keys(entity).filter((name) => name !== '@odata.context').sort(), declared.sort());
}

describe('GET /openapi.json: operations', () => {
  it('lists every operation with exactly its real success status, never a bare "Default Response"', () => {
    assert.ok(doc.openapi.startsWith('3.0'), doc.openapi);
    assert.ok(operations.length >= 50, `only ${operations.length} operations`);
    for (const { method, path, operation: op } of operations) {
      assert.deepEqual(successStatuses(op), [expectedSuccess(method, path)], `${method} ${path}`);
      for (const [status, response] of Object.entries(op.responses)) {
        assert.notEqual(response.description, 'Default Response', `${method} ${path} ${status}`);
      }
    }
    const pkis = `/beta${PKI_PATH}`;
    assert.deepEqual(successStatuses(operation('POST', pkis)), ['201']);
    assert.deepEqual(successStatuses(operation('POST', `${pkis}/{pkiId}/upload`)), ['204']);
    assert.deepEqual(successStatuses(operation('POST', `/v1.0${PKI_PATH}/{pkiId}/microsoft.graph.upload`)), ['204']);
    assert.deepEqual(successStatuses(operation('DELETE', `${pkis}/{pkiId}`)), ['204']);
    assert.deepEqual(successStatuses(operation('PATCH', `${pkis}/{pkiId}`)), ['200']);
    assert.deepEqual(successStatuses(operation('PATCH', `/beta${POLICY_PATH}`)), ['204']);
    assert.deepEqual(successStatuses(operation('POST', '/beta/directory/deletedItems/{itemId}/restore')), ['200']);
  });

  it('gives 201s a body and a Location header, 204s no body, $count plain text', () => {
    const create = operation('POST', `/beta${PKI_PATH}/{pkiId}/certificateAuthorities`).responses['201'];
    assert.deepEqual(refsIn(create?.content), ['#/components/schemas/microsoft.graph.certificateAuthorityDetail']);
    assert.ok(create?.headers?.Location);
    for (const { method, path, operation: op } of operations) {
      const noContent = op.responses['204'];
      if (noContent) assert.equal(noContent.content, undefined, `${method} ${path}`);
    }
    const count = operation('GET', `/v1.0${PKI_PATH}/$count`).responses['200'];
    assert.deepEqual(count?.content?.['text/plain']?.schema, { type: 'integer', minimum: 0 });
  });

  it('documents every error in Graph’s envelope, with the statuses each route can answer', () => {
    for (const { method, path, operation: op } of operations) {
      const errors = Object.keys(op.responses).filter((status) => status === 'default' || Number(status) >= 400);
      for (const status of errors) {
        assert.ok(refsIn(op.responses[status]?.content).includes(ENVELOPE), `${method} ${path} ${status}`);
      }
      const has = (status: string) => errors.includes(status);
      const where = `${method} ${path}: ${errors.join(' ')}`;
      assert.ok(has('default') && has('503'), where);
      assert.ok(op.responses['503']?.headers?.['Retry-After'], where);
      const kind = area(path);
      assert.equal(has('401'), kind !== 'public', where);
      assert.equal(has('403'), kind === 'graph' || kind === 'verify', where);
      // Throttling covers the Graph paths only.
      assert.equal(has('429'), kind === 'graph', where);
      if (has('429')) assert.ok(op.responses['429']?.headers?.['Retry-After'], where);
      // 404: a Graph path with an id, a CRL health refresh naming an unknown CA, an OIDC client removed by id,
      // a classic store migration without a classic store or with an unknown PKI, roles read or put on an id
      // that is no user.
      assert.equal(
        has('404'),
        (kind === 'graph' && path.includes('{')) ||
          path.endsWith('/crlHealth/refresh') ||
          path.endsWith('/oidcClients/{clientId}') ||
          path.endsWith('/migrate-classic') ||
          path.endsWith('/directoryRoles'),
        where,
      );
      const withBody = ['POST', 'PATCH', 'PUT'].includes(method);
      assert.equal(has('413') && has('415'), withBody, where);
      assert.equal(has('409'), path.endsWith('/snapshot') || (method === 'POST' && path.endsWith('/oidcClients')), where);
    }
    const envelope = doc.components.schemas['microsoft.graph.ODataErrors.ODataError'];
    assert.deepEqual(envelope?.required, ['error']);
  });

  it('declares the OData query options each list operation takes, and only those', () => {
    const lists = [`${PKI_PATH}`, `${PKI_PATH}/{pkiId}/certificateAuthorities`, '/directory/deletedItems/microsoft.graph.certificateBasedAuthPki', '/directory/deletedItems/microsoft.graph.certificateAuthorityDetail'];
    const query = (op: Operation) => (op.parameters ?? []).filter((p) => p.in === 'query');
    for (const version of API_VERSIONS) {
      for (const list of lists) {
        const parameters = query(operation('GET', `/${version}${list}`));
        assert.deepEqual(parameters.map((p) => p.name).sort(), ['$count', '$filter', '$orderby', '$select', '$skiptoken', '$top'], list);
        assert.ok(parameters.every((p) => p.required === false), list);
        const top = parameters.find((p) => p.name === '$top');
        assert.deepEqual(top?.schema, { type: 'integer', minimum: 1, maximum: 999 });
        assert.deepEqual(query(operation('GET', `/${version}${list}/$count`)).map((p) => p.name), ['$filter']);
      }
      for (const single of [`${PKI_PATH}/{pkiId}`, `${PKI_PATH}/{pkiId}/certificateAuthorities/{caId}`, '/directory/deletedItems/{itemId}']) {
        assert.deepEqual(query(operation('GET', `/${version}${single}`)).map((p) => p.name), ['$select'], single);
      }
    }
    // Nothing documents an option the server refuses.
    for (const { method, path, operation: op } of operations) {
      for (const p of query(op)) assert.ok(!['$search', '$skip', '$expand'].includes(p.name), `${method} ${path} ${p.name}`);
    }
  });

  it('needs a Graph bearer token on Graph paths and /verify, an admin token on /_admin, none on /healthz and /readyz', () => {
    assert.deepEqual(doc.components.securitySchemes.graphToken, { ...doc.components.securitySchemes.graphToken, type: 'http', scheme: 'bearer' });
    assert.deepEqual(doc.components.securitySchemes.adminToken, { ...doc.components.securitySchemes.adminToken, type: 'http', scheme: 'bearer' });
    for (const { method, path, operation: op } of operations) {
      const expected = { graph: [{ graphToken: [] }], verify: [{ graphToken: [] }], admin: [{ adminToken: [] }], public: [] }[area(path)];
      assert.deepEqual(op.security, expected, `${method} ${path}`);
    }
    assert.deepEqual(operations.filter((o) => area(o.path) === 'public').map((o) => o.path).sort(), ['/healthz', '/readyz']);
    // Not operations: $metadata, /metrics, the document itself, the 405 catch-alls and the uncast deletedItems list (always 400).
    const paths = Object.keys(doc.paths);
    assert.deepEqual(paths.filter((p) => /metadata|metrics|openapi/i.test(p)), []);
    assert.equal(doc.paths['/beta/directory/deletedItems'], undefined);
    assert.deepEqual(Object.keys(doc.paths['/beta/directory/publicKeyInfrastructure'] ?? {}), ['get']);
  });

  it('describes the PKI and CA with the properties $select and $metadata know', () => {
    for (const entity of [PKI_ENTITY, CA_ENTITY]) {
      const schema = doc.components.schemas[entity.typeName];
      assert.deepEqual(Object.keys(schema?.properties ?? {}).sort(), ['@odata.context', '@odata.type', ...Object.keys(entity.properties)].sort());
      const collection = doc.components.schemas[`${entity.typeName}CollectionResponse`];
      assert.deepEqual(Object.keys(collection?.properties ?? {}).sort(), ['@odata.context', '@odata.count', '@odata.nextLink', 'value']);
    }
  });
});

describe('GET /openapi.json: real responses conform to it', () => {
  it('the organization and the classic store (list, create, get, errors) conform', async () => {
    const token = await t.token({ appRoles: [PERMISSION_ORGANIZATION_READ_WRITE] });
    const root = await createCa({ subject: 'CN=OpenAPI Classic Root, O=Contoso' });
    for (const version of API_VERSIONS) {
      const organizations = `/${version}/organization`;
      assertDocumented('GET', organizations, await send(t.url, 'GET', organizations, token));
      const organization = await send(t.url, 'GET', `${organizations}/${TENANT_A}`, token);
      assertDocumented('GET', `${organizations}/{organizationId}`, organization);
      assertAllProperties(organization.body, 'microsoft.graph.organization');
      const classic = `${organizations}/{organizationId}/certificateBasedAuthConfiguration`;
      const path = `${organizations}/${TENANT_A}/certificateBasedAuthConfiguration`;
      const body = { certificateAuthorities: [{ isRootAuthority: true, certificate: root.base64, certificateRevocationListUrl: 'http://crl.contoso.test/r.crl' }] };
      const created = await send(t.url, 'POST', path, token, { body });
      assert.equal(created.status, 201, created.text);
      assertDocumented('POST', classic, created);
      assertAllProperties(created.body, 'microsoft.graph.certificateBasedAuthConfiguration');
      assertDocumented('POST', classic, await send(t.url, 'POST', path, token, { body }));
      assertDocumented('GET', classic, await send(t.url, 'GET', path, token));
      assertDocumented('GET', `${classic}/{configurationId}`, await send(t.url, 'GET', `${path}/${created.body.id}`, token));
      assertDocumented('DELETE', `${classic}/{configurationId}`, await send(t.url, 'DELETE', `${path}/${created.body.id}`, token));
      assertDocumented('GET', `${classic}/{configurationId}`, await send(t.url, 'GET', `${path}/${created.body.id}`, token));
    }
  });

  for (const version of API_VERSIONS) {
    it(`${version}: create, read and list PKIs and CAs, errors included`, async () => {
      const pkis = `/${version}${PKI_PATH}`;
      const created = await t.request('POST', pkis, { body: { displayName: `OpenAPI PKI ${version}` } });
      assert.equal(created.status, 201, created.text);
      assertDocumented('POST', pkis, created);
      assertAllProperties(created.body, PKI_ENTITY.typeName);
      const pkiId = created.body.id as string;
      await t.request('POST', pkis, { body: { displayName: `OpenAPI PKI ${version} 2` } });

      const read = await t.request('GET', `${pkis}/${pkiId}`);
      assertDocumented('GET', `${pkis}/{pkiId}`, read);
      assertAllProperties(read.body, PKI_ENTITY.typeName);
      assertDocumented('GET', `${pkis}/{pkiId}`, await t.request('GET', `${pkis}/${pkiId}?$select=displayName`));

      const page = await t.request('GET', `${pkis}?$top=1&$count=true`);
      assert.equal(page.status, 200, page.text);
      assert.ok(page.body['@odata.nextLink'] && page.body['@odata.count'] >= 2, page.text);
      assertDocumented('GET', pkis, page);
      for (const item of page.body.value) assertAllProperties(item, PKI_ENTITY.typeName);
      const count = await t.request('GET', `${pkis}/$count`);
      assert.equal(count.status, 200);
      assert.ok(validatorFor('GET', `${pkis}/$count`, 200, 'text/plain')?.(Number(count.text)));

      const root = await createCa({ subject: `CN=OpenAPI Root ${version}, O=Contoso` });
      const cas = `${pkis}/{pkiId}/certificateAuthorities`;
      const ca = await t.request('POST', `${pkis}/${pkiId}/certificateAuthorities`, { body: { certificate: root.base64 } });
      assert.equal(ca.status, 201, ca.text);
      assertDocumented('POST', cas, ca);
      assertAllProperties(ca.body, CA_ENTITY.typeName);
      const caRead = await t.request('GET', `${pkis}/${pkiId}/certificateAuthorities/${ca.body.id}`);
      assertDocumented('GET', `${cas}/{caId}`, caRead);
      const caList = await t.request('GET', `${pkis}/${pkiId}/certificateAuthorities?$select=displayName,thumbprint`);
      assertDocumented('GET', cas, caList);
      const caFull = await t.request('GET', `${pkis}/${pkiId}/certificateAuthorities`);
      assertDocumented('GET', cas, caFull);
      for (const item of caFull.body.value) assertAllProperties(item, CA_ENTITY.typeName);

      const patched = await t.request('PATCH', `${pkis}/${pkiId}`, { body: { displayName: 'Renamed' } });
      assertDocumented('PATCH', `${pkis}/{pkiId}`, patched);
      const upload = await t.request('POST', `${pkis}/${pkiId}/upload`, { body: { uploadUrl: 'http://127.0.0.1:9/x.p7b', sha256FileHash: 'A'.repeat(64) } });
      assert.equal(upload.status, 204, upload.text);
      assertDocumented('POST', `${pkis}/{pkiId}/upload`, upload);

      // Errors: each in the envelope the document names for its status.
      const missing = await t.request('GET', `${pkis}/00000000-0000-4000-8000-000000000000`);
      assert.equal(missing.status, 404);
      assertDocumented('GET', `${pkis}/{pkiId}`, missing);
      const unsupported = await t.request('GET', `${pkis}?$search=x`);
      assert.equal(unsupported.status, 400);
      assertDocumented('GET', pkis, unsupported);
      const anonymous = await t.request('GET', pkis, { token: null });
      assert.equal(anonymous.status, 401);
      assertDocumented('GET', pkis, anonymous);
      const wrongType = await t.request('POST', pkis, { rawBody: 'x', headers: { 'content-type': 'text/plain' } });
      assert.equal(wrongType.status, 415);
      assertDocumented('POST', pkis, wrongType);
    });
  }

  it('the root, deleted items, restore, the x509 policy, /verify, /healthz and /_admin conform too', async () => {
    assertDocumented('GET', '/beta/directory/publicKeyInfrastructure', await t.request('GET', '/beta/directory/publicKeyInfrastructure'));
    const pkiId = (await t.request('POST', `/beta${PKI_PATH}`, { body: { displayName: 'Deleted OpenAPI PKI' } })).body.id as string;
    const deleted = await t.request('DELETE', `/beta${PKI_PATH}/${pkiId}`);
    assert.equal(deleted.status, 204);
    assertDocumented('DELETE', `/beta${PKI_PATH}/{pkiId}`, deleted);
    const list = '/v1.0/directory/deletedItems/microsoft.graph.certificateBasedAuthPki';
    assertDocumented('GET', list, await t.request('GET', list));
    assertDocumented('GET', '/beta/directory/deletedItems/{itemId}', await t.request('GET', `/beta/directory/deletedItems/${pkiId}`));
    const restored = await t.request('POST', `/beta/directory/deletedItems/${pkiId}/restore`);
    assert.equal(restored.status, 200, restored.text);
    assertDocumented('POST', '/beta/directory/deletedItems/{itemId}/restore', restored);

    const policyToken = await t.token({ appRoles: [PERMISSION_POLICY_READ_WRITE_AUTHENTICATION_METHOD] });
    assertDocumented('GET', `/beta${POLICY_PATH}`, await t.request('GET', `/beta${POLICY_PATH}`, { token: policyToken }));
    const patch = await t.request('PATCH', `/v1.0${POLICY_PATH}`, {
      token: policyToken,
      body: {
        '@odata.type': '#microsoft.graph.x509CertificateAuthenticationMethodConfiguration',
        excludeTargets: [{ id: 'aaaaaaaa-bbbb-cccc-1111-222222222222', targetType: 'group' }],
        authenticationModeConfiguration: {
          x509CertificateAuthenticationDefaultMode: 'x509CertificateSingleFactor',
          rules: [{ x509CertificateRuleType: 'issuerSubject', identifier: 'CN=ContosoCA,DC=Contoso,DC=org', x509CertificateAuthenticationMode: 'x509CertificateMultiFactor' }],
        },
        certificateAuthorityScopes: [{ subjectKeyIdentifier: SKI, includeTargets: [{ id: 'b3c1e5a0-1111-4222-8333-444455556666', targetType: 'user' }] }],
      },
    });
    assert.equal(patch.status, 204, patch.text);
    assertDocumented('PATCH', `/v1.0${POLICY_PATH}`, patch);
    const policy = await t.request('GET', `/beta${POLICY_PATH}`, { token: policyToken });
    assert.equal(policy.body.authenticationModeConfiguration.rules.length, 1, 'the nested types were checked, not empty');
    assertDocumented('GET', `/beta${POLICY_PATH}`, policy);
    assert.equal(policy.body.includeTargets.length, 1, 'the inline includeTargets were checked, not empty');
    const reset = await t.request('DELETE', `/beta${POLICY_PATH}`, { token: policyToken });
    assert.equal(reset.status, 204, reset.text);
    assertDocumented('DELETE', `/beta${POLICY_PATH}`, reset);
    const methodsPolicy = '/v1.0/policies/authenticationMethodsPolicy';
    assertDocumented('GET', methodsPolicy, await t.request('GET', methodsPolicy, { token: policyToken }));
    const rootPatch = await t.request('PATCH', methodsPolicy, { token: policyToken, body: { reconfirmationInDays: 30 } });
    assert.equal(rootPatch.status, 200, rootPatch.text);
    assertDocumented('PATCH', methodsPolicy, rootPatch);
    const configurations = `${methodsPolicy}/authenticationMethodConfigurations`;
    assertDocumented('GET', configurations, await t.request('GET', configurations, { token: policyToken }));
    const forbidden = await t.request('GET', `/beta${POLICY_PATH}`);
    assert.equal(forbidden.status, 403);
    assertDocumented('GET', `/beta${POLICY_PATH}`, forbidden);

    const trustedRoot = await createCa({ subject: 'CN=OpenAPI Verify Root, O=Contoso' });
    const verifyPki = (await t.request('POST', `/beta${PKI_PATH}`, { body: { displayName: 'OpenAPI verify PKI' } })).body.id as string;
    await t.request('POST', `/beta${PKI_PATH}/${verifyPki}/certificateAuthorities`, { body: { certificate: trustedRoot.base64 } });
    for (const issuer of [trustedRoot, await createCa({ subject: 'CN=OpenAPI Stranger Root, O=Fabrikam' })]) {
      const leaf = await createLeaf({ subject: 'CN=OpenAPI User, O=Contoso', issuer, extendedKeyUsage: ['1.3.6.1.5.5.7.3.2'] });
      const verdict = await t.request('POST', '/graph-pki/v1/verify', { body: { certificate: leaf.base64 } });
      assert.equal(verdict.status, 200, verdict.text);
      assert.equal(verdict.body.trusted, issuer === trustedRoot, verdict.text);
      assertDocumented('POST', '/graph-pki/v1/verify', verdict);
    }
    // A verdict that names its CRL and why it could not be used: `why` is one of the documented values.
    const files = await startFileServer();
    try {
      files.set('/not-a-crl.crl', { body: Buffer.from('<html>not a CRL</html>') });
      const crlRoot = await createCa({ subject: 'CN=OpenAPI CRL Root, O=Contoso' });
      await t.request('POST', `/beta${PKI_PATH}/${verifyPki}/certificateAuthorities`, { body: { certificate: crlRoot.base64, certificateRevocationListUrl: `${files.url}/not-a-crl.crl` } });
      const leaf = await createLeaf({ subject: 'CN=OpenAPI CRL User, O=Contoso', issuer: crlRoot, extendedKeyUsage: ['1.3.6.1.5.5.7.3.2'] });
      const verdict = await t.request('POST', '/graph-pki/v1/verify', { body: { certificate: leaf.base64 } });
      assert.equal(verdict.body.reason, 'crl_invalid', verdict.text);
      assert.equal(verdict.body.failure?.why, 'malformed', verdict.text);
      assertDocumented('POST', '/graph-pki/v1/verify', verdict);
    } finally {
      await files.close();
    }

    assertDocumented('GET', '/healthz', await t.request('GET', '/healthz', { token: null }));
    const adminRefused = await t.request('DELETE', '/_admin/tenants');
    assert.equal(adminRefused.status, 401, 'a Graph token is no admin token');
    assertDocumented('DELETE', '/_admin/tenants', adminRefused);
  });

  it('users, with and without $select, and deleted users conform too', async () => {
    const token = await t.token({ appRoles: [PERMISSION_USER_READ_WRITE_ALL] });
    const body = { accountEnabled: true, displayName: 'Doc', mailNickname: 'doc', userPrincipalName: 'doc@contoso.com', passwordProfile: { password: 'p@ss-W0rd!' } };
    const created = await t.request('POST', '/v1.0/users', { token, body });
    assert.equal(created.status, 201, created.text);
    assertDocumented('POST', '/v1.0/users', created);
    const id = created.body.id as string;
    assertDocumented('PATCH', '/v1.0/users/{userId}', await t.request('PATCH', `/v1.0/users/${id}`, { token, body: { authorizationInfo: { certificateUserIds: ['X509:<PN>doc@contoso.com'] } } }));
    assertDocumented('GET', '/beta/users/{userId}', await t.request('GET', `/beta/users/${id}`, { token }));
    const selected = await t.request('GET', `/beta/users/${id}?$select=authorizationInfo,accountEnabled,onPremisesSyncEnabled,createdDateTime`, { token });
    assertDocumented('GET', '/beta/users/{userId}', selected);
    assertDocumented('GET', '/v1.0/users', await t.request('GET', '/v1.0/users?$top=1', { token }));
    assertDocumented('GET', '/v1.0/users', await t.request('GET', '/v1.0/users?$count=true', { token }));
    assertDocumented('DELETE', '/v1.0/users/{userId}', await t.request('DELETE', `/v1.0/users/${id}`, { token }));
    assertDocumented('GET', '/v1.0/directory/deletedItems/microsoft.graph.user', await t.request('GET', '/v1.0/directory/deletedItems/microsoft.graph.user', { token }));
    assertDocumented('GET', '/v1.0/directory/deletedItems/{itemId}', await t.request('GET', `/v1.0/directory/deletedItems/${id}`, { token }));
    assertDocumented('POST', '/v1.0/directory/deletedItems/{itemId}/restore', await t.request('POST', `/v1.0/directory/deletedItems/${id}/restore`, { token }));
  });
});
