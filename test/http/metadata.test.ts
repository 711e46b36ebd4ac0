// GET /beta/$metadata and /v1.0/$metadata: a well-formed OData CSDL document, public as Graph's is, that
// describes exactly what the server serves. The cross-checks read real responses (a PKI, a CA, the root,
// deleted items, the x509 policy) and hold them against the document: the same property names, values
// of the declared types, no null where the document says Nullable="false", and every @odata.context the
// server emitted resolves to a path through the entity container.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PERMISSION_ORGANIZATION_READ_WRITE, PERMISSION_POLICY_READ_WRITE_AUTHENTICATION_METHOD } from '../../src/auth/permissions.ts';
import { API_VERSIONS } from '../../src/graph/context.ts';
import { CA_ENTITY, PKI_ENTITY } from '../../src/graph/entities.ts';
import {
  POLICY_STATES,
  TARGET_TYPES,
  X509_AFFINITY_LEVELS,
  X509_AUTHENTICATION_MODES,
  X509_RULE_TYPES,
} from '../../src/service/authentication-methods/x509-policy-service.ts';
import { createCa } from '../helpers/certs.ts';
import { PKI_PATH, send, startTestServer, TENANT_A, type TestResponse, type TestServer } from '../helpers/test-server.ts';
import { child, descendants, parseXml, XmlSyntaxError, type XmlNode } from '../helpers/xml.ts';

const POLICY_PATH = '/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/x509Certificate';
const SKI = 'C0E9A2B3D4E5F60718293A4B5C6D7E8F9012711A';

let t: TestServer;
let schema: XmlNode;
/** Every @odata.context a response in this file carried, to be resolved against the document. */
const contexts = new Set<string>();

before(async () => {
  t = await startTestServer();
  const response = await t.request('GET', '/beta/$metadata', { token: null });
  assert.equal(response.status, 200, response.text);
  schema = child(child(parseXml(response.text), 'edmx:DataServices'), 'Schema');
});
after(() => t.close());

async function graphGet(path: string, token?: string): Promise<TestResponse> {
  const response = token ? await send(t.url, 'GET', path, token) : await t.request('GET', path);
  assert.equal(response.status, 200, `${path}: ${response.text}`);
  if (typeof response.body?.['@odata.context'] === 'string') contexts.add(response.body['@odata.context']);
  return response;
}

// --- reading the document ---------------------------------------------------------------------------

const localName = (qualified: string) => qualified.replace(/^(graph|microsoft\.graph)\./, '');

function structuredType(name: string): XmlNode | undefined {
  return schema.children.find((c) => (c.name === 'EntityType' || c.name === 'ComplexType') && c.attributes.Name === localName(name));
}

/** The type and its base types, most derived first. */
function typeChain(name: string): XmlNode[] {
  const type = structuredType(name);
  if (!type) throw new Error(`no type ${name} in $metadata`);
  return [type, ...(type.attributes.BaseType ? typeChain(type.attributes.BaseType) : [])];
}

interface DeclaredProperty {
  readonly type: string;
  readonly nullable: boolean;
}

/** Structural properties of a type, inherited ones included. */
function propertiesOf(name: string): Map<string, DeclaredProperty> {
  const properties = new Map<string, DeclaredProperty>();
  for (const type of typeChain(name)) {
    for (const p of type.children.filter((c) => c.name === 'Property')) {
      properties.set(p.attributes.Name ?? '', { type: p.attributes.Type ?? '', nullable: p.attributes.Nullable !== 'false' });
    }
  }
  return properties;
}

function navigationOf(typeName: string, property: string): string | undefined {
  for (const type of typeChain(typeName)) {
    const nav = type.children.find((c) => c.name === 'NavigationProperty' && c.attributes.Name === property);
    if (nav) return nav.attributes.Type;
  }
  return undefined;
}

function derivesFrom(typeName: string, base: string): boolean {
  return typeChain(typeName).some((t) => t.attributes.Name === localName(base));
}

function enumMembers(name: string): Map<string, string> | undefined {
  const type = schema.children.find((c) => c.name === 'EnumType' && c.attributes.Name === localName(name));
  return type && new Map(type.children.map((m) => [m.attributes.Name ?? '', m.attributes.Value ?? '']));
}

const DATE_TIME_OFFSET = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/;

/** Problems with `value` as a value of the declared type (empty when it conforms). */
function conformance(value: unknown, type: string, nullable: boolean, path: string): string[] {
  if (value === null) return nullable ? [] : [`${path} is null but declared Nullable="false"`];
  const collection = /^Collection\((.+)\)$/.exec(type)?.[1];
  if (collection) {
    if (!Array.isArray(value)) return [`${path} is not an array (${type})`];
    return value.flatMap((item, i) => conformance(item, collection, false, `${path}[${i}]`));
  }
  switch (type) {
    case 'Edm.String':
      return typeof value === 'string' ? [] : [`${path} is not a string`];
    case 'Edm.Boolean':
      return typeof value === 'boolean' ? [] : [`${path} is not a boolean`];
    case 'Edm.Int32':
      return Number.isInteger(value) ? [] : [`${path} is not an Int32`];
    case 'Edm.DateTimeOffset':
      return typeof value === 'string' && DATE_TIME_OFFSET.test(value) ? [] : [`${path} is not a DateTimeOffset: ${String(value)}`];
    case 'Edm.Binary':
      return typeof value === 'string' && value.length > 0 && Buffer.from(value, 'base64').toString('base64') === value
        ? []
        : [`${path} is not base64 (Edm.Binary)`];
  }
  const members = enumMembers(type);
  if (members) return typeof value === 'string' && members.has(value) ? [] : [`${path}: '${String(value)}' is not a member of ${type}`];
  if (!structuredType(type)) return [`${path}: type ${type} is not declared`];
  return objectConformance(value, type, path);
}

/** An object must carry exactly the declared structural properties, each of its declared type. */
function objectConformance(value: unknown, type: string, path: string): string[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [`${path} is not an object (${type})`];
  // An entity in a collection of its base type says which type it is.
  const cast = (value as Record<string, unknown>)['@odata.type'];
  if (typeof cast === 'string' && localName(cast.replace(/^#/, '')) !== localName(type)) {
    if (!derivesFrom(cast.replace(/^#/, ''), type)) return [`${path}: ${cast} does not derive from ${type}`];
    return objectConformance(value, `graph.${localName(cast.replace(/^#/, ''))}`, path);
  }
  const declared = propertiesOf(type);
  // Instance annotations (@odata.type, includeTargets@odata.context) are not properties.
  const entries = Object.entries(value).filter(([key]) => !key.includes('@'));
  // A navigation property returned inline (Graph sends includeTargets so) must hold its declared type.
  const inline = entries.filter(([key]) => !declared.has(key) && navigationOf(type, key) !== undefined);
  const problems = entries
    .filter(([key]) => !declared.has(key) && navigationOf(type, key) === undefined)
    .map(([key]) => `${path}.${key} is not declared on ${type}`);
  for (const name of declared.keys()) if (!Object.hasOwn(value, name)) problems.push(`${path}.${name} is declared on ${type} but missing`);
  for (const [key, v] of entries) {
    const p = declared.get(key);
    if (p) problems.push(...conformance(v, p.type, p.nullable, `${path}.${key}`));
  }
  for (const [key, v] of inline) problems.push(...conformance(v, navigationOf(type, key) ?? '', false, `${path}.${key}`));
  return problems;
}

function assertConforms(entity: Record<string, unknown>, type: string): void {
  assert.deepEqual(objectConformance(entity, type, type), []);
  const odataType = entity['@odata.type'];
  assert.equal(typeof odataType, 'string');
  assert.ok(derivesFrom(String(odataType).replace(/^#/, ''), type), `${String(odataType)} does not derive from ${type}`);
}

/**
 * Walks a context URL's fragment through the document: a container child, then navigation properties,
 * type casts and key or $select parentheses, ending in $entity or a collection.
 */
function resolveContext(context: string): string {
  const [base, fragment] = context.split('#');
  assert.ok(base && fragment, context);
  assert.match(base, /^http:\/\/127\.0\.0\.1:\d+\/(beta|v1\.0)\/\$metadata$/);
  const container = child(schema, 'EntityContainer');
  const segments = fragment.split('/');
  let type: string | undefined;
  for (const [i, raw] of segments.entries()) {
    const [, name = '', parenthesised] = /^([^(]+)(?:\((.*)\))?$/.exec(raw) ?? [];
    if (name === '$entity') {
      assert.equal(i, segments.length - 1, `${context}: $entity is not last`);
      type = type?.replace(/^Collection\((.+)\)$/, '$1');
      continue;
    }
    if (type === undefined) {
      const root = container.children.find((c) => c.attributes.Name === name);
      assert.ok(root, `${context}: ${name} is not in the entity container`);
      type = root.name === 'EntitySet' ? `Collection(${root.attributes.EntityType})` : root.attributes.Type;
    } else {
      const single = type.replace(/^Collection\((.+)\)$/, '$1');
      if (name.startsWith('microsoft.graph.')) {
        assert.ok(derivesFrom(name, single), `${context}: cast ${name} is not a ${single}`);
        type = type.startsWith('Collection(') ? `Collection(${name})` : name;
      } else {
        type = navigationOf(single, name);
        assert.ok(type, `${context}: ${single} has no navigation property ${name}`);
      }
    }
    // A parenthesis after a collection is a key ('id') or a $select list (names of the item type).
    if (parenthesised !== undefined && !/^'.*'$/.test(parenthesised)) {
      const item = (type ?? '').replace(/^Collection\((.+)\)$/, '$1');
      const declared = propertiesOf(item);
      for (const selected of parenthesised.split(',')) assert.ok(declared.has(selected), `${context}: ${selected} is not a property of ${item}`);
    }
  }
  assert.ok(type, context);
  return type;
}

// --- the tests --------------------------------------------------------------------------------------

describe('GET /{version}/$metadata', () => {
  for (const version of API_VERSIONS) {
    it(`${version}: 200 application/xml, OData-Version 4.0, without a token; the same document on both versions`, async () => {
      const response = await t.request('GET', `/${version}/$metadata`, { token: null });
      assert.equal(response.status, 200, response.text);
      assert.match(response.headers.get('content-type') ?? '', /^application\/xml\b/);
      assert.equal(response.headers.get('odata-version'), '4.0');
      assert.ok(response.headers.get('request-id'));
      const root = parseXml(response.text);
      assert.equal(root.name, 'edmx:Edmx');
      assert.equal(root.attributes.Version, '4.0');
      assert.equal(root.attributes['xmlns:edmx'], 'http://docs.oasis-open.org/odata/ns/edmx');
      const s = child(child(root, 'edmx:DataServices'), 'Schema');
      assert.equal(s.attributes.Namespace, 'microsoft.graph');
      assert.equal(s.attributes.Alias, 'graph');
      assert.equal(s.attributes.xmlns, 'http://docs.oasis-open.org/odata/ns/edm');
      const beta = await t.request('GET', '/beta/$metadata', { token: null });
      assert.equal(response.text, beta.text);
    });
  }

  it('is public: served with no token and with a bad one, and matched case-insensitively like every Graph path', async () => {
    const badToken = await t.request('GET', '/v1.0/$metadata', { token: 'not-a-jwt' });
    assert.equal(badToken.status, 200, badToken.text);
    const shouting = await t.request('GET', '/BETA/$METADATA', { token: null });
    assert.equal(shouting.status, 200, shouting.text);
    assert.match(shouting.text, /<edmx:Edmx /);
  });

  it('accepts $format=xml or application/xml; other formats and query options are refused with 400, other methods with 405', async () => {
    for (const format of ['xml', 'application/xml']) {
      const ok = await t.request('GET', `/beta/$metadata?$format=${encodeURIComponent(format)}`, { token: null });
      assert.equal(ok.status, 200, ok.text);
    }
    const json = await t.request('GET', '/beta/$metadata?$format=json', { token: null });
    assert.equal(json.status, 400);
    assert.equal(json.body.error.code, 'Request_UnsupportedQuery');
    assert.match(json.body.error.message, /application\/xml only/);
    const top = await t.request('GET', '/v1.0/$metadata?$top=1', { token: null });
    assert.equal(top.status, 400);
    assert.equal(top.body.error.code, 'Request_UnsupportedQuery');
    const post = await t.request('POST', '/beta/$metadata', { token: null, body: {} });
    assert.equal(post.status, 405, post.text);
  });

  it('is not an operation in /openapi.json', async () => {
    const response = await t.request('GET', '/openapi.json', { token: null });
    assert.equal(response.status, 200);
    const paths = Object.keys(JSON.parse(response.text).paths as Record<string, unknown>);
    assert.deepEqual(paths.filter((p) => p.toLowerCase().includes('metadata')), []);
    assert.ok(paths.includes(`/beta${PKI_PATH}`), 'the Graph routes are still documented');
  });
});

describe('the document', () => {
  it('declares the PKI types with the property names, types and nullability of Microsoft’s CSDL', () => {
    const pki = propertiesOf('certificateBasedAuthPki');
    assert.deepEqual([...pki.keys()].sort(), ['deletedDateTime', 'displayName', 'id', 'lastModifiedDateTime', 'status', 'statusDetails']);
    assert.deepEqual(pki.get('lastModifiedDateTime'), { type: 'Edm.DateTimeOffset', nullable: false });
    assert.deepEqual(pki.get('id'), { type: 'Edm.String', nullable: false });
    assert.deepEqual(pki.get('status'), { type: 'Edm.String', nullable: true });
    assert.equal(child(schema, 'EntityType', 'certificateBasedAuthPki').attributes.BaseType, 'graph.directoryObject');
    assert.equal(child(schema, 'EntityType', 'directoryObject').attributes.OpenType, 'true');
    assert.equal(navigationOf('certificateBasedAuthPki', 'certificateAuthorities'), 'Collection(graph.certificateAuthorityDetail)');

    const ca = propertiesOf('certificateAuthorityDetail');
    assert.deepEqual(ca.get('certificate'), { type: 'Edm.Binary', nullable: false });
    assert.deepEqual(ca.get('deltaCertificateRevocationListUrl'), { type: 'Edm.String', nullable: true });
    assert.equal(ca.has('deltacertificateRevocationListUrl'), false, 'the docs’ misspelling is accepted on input only');
    assert.deepEqual(ca.get('expirationDateTime'), { type: 'Edm.DateTimeOffset', nullable: false });
    assert.deepEqual(ca.get('thumbprint'), { type: 'Edm.String', nullable: false });
    assert.deepEqual(ca.get('certificateAuthorityType'), { type: 'graph.certificateAuthorityType', nullable: true });
    assert.deepEqual(ca.get('isIssuerHintEnabled'), { type: 'Edm.Boolean', nullable: true });
    assert.deepEqual([...enumMembers('certificateAuthorityType') ?? []], [['root', '0'], ['intermediate', '1'], ['unknownFutureValue', '2']]);

    // Generated from the same definitions $select and $filter use: every selectable name is declared.
    for (const entity of [PKI_ENTITY, CA_ENTITY]) {
      const declared = propertiesOf(entity.typeName);
      assert.deepEqual([...declared.keys()].sort(), Object.keys(entity.properties).sort());
    }
    assert.equal(child(schema, 'EntityType', 'publicKeyInfrastructureRoot').attributes.BaseType, 'graph.entity');
    const key = child(child(schema, 'EntityType', 'entity'), 'Key');
    assert.equal(child(key, 'PropertyRef').attributes.Name, 'id');
  });

  it('declares the upload action bound to certificateBasedAuthPki with its two required ASCII parameters and no return type', () => {
    const upload = child(schema, 'Action', 'upload');
    assert.equal(upload.attributes.IsBound, 'true');
    const parameters = upload.children.filter((c) => c.name === 'Parameter').map((p) => p.attributes);
    assert.deepEqual(parameters, [
      { Name: 'bindingParameter', Type: 'graph.certificateBasedAuthPki', Nullable: 'false' },
      { Name: 'uploadUrl', Type: 'Edm.String', Nullable: 'false', Unicode: 'false' },
      { Name: 'sha256FileHash', Type: 'Edm.String', Nullable: 'false', Unicode: 'false' },
    ]);
    assert.equal(upload.children.some((c) => c.name === 'ReturnType'), false);
    assert.equal(child(child(schema, 'Action', 'restore'), 'ReturnType').attributes.Type, 'graph.directoryObject');
  });

  it('annotates both collections with Graph’s capabilities and the properties that cannot be filtered or sorted', () => {
    const expectations = [
      { target: 'microsoft.graph.publicKeyInfrastructureRoot/certificateBasedAuthConfigurations', entity: PKI_ENTITY },
      { target: 'microsoft.graph.certificateBasedAuthPki/certificateAuthorities', entity: CA_ENTITY },
    ];
    for (const { target, entity } of expectations) {
      const annotations = schema.children.find((c) => c.name === 'Annotations' && c.attributes.Target === target);
      assert.ok(annotations, target);
      const terms = new Map(annotations.children.map((a) => [a.attributes.Term?.replace('Org.OData.Capabilities.V1.', ''), a]));
      const bool = (termName: string, property?: string) => {
        const annotation = terms.get(termName);
        assert.ok(annotation, `${target}: ${termName}`);
        if (!property) return annotation.attributes.Bool;
        return descendants(annotation, 'PropertyValue').find((v) => v.attributes.Property === property)?.attributes.Bool;
      };
      assert.equal(bool('CountRestrictions', 'Countable'), 'true');
      assert.equal(bool('ExpandRestrictions', 'Expandable'), 'false');
      assert.equal(bool('FilterRestrictions', 'Filterable'), 'true');
      assert.equal(bool('NavigationRestrictions', 'Referenceable'), 'false');
      assert.equal(bool('SearchRestrictions', 'Searchable'), 'false');
      assert.equal(bool('SkipSupported'), 'false');
      assert.equal(bool('TopSupported'), 'true');
      const nonFilterable = descendants(terms.get('FilterRestrictions') as XmlNode, 'PropertyPath').map((p) => p.text);
      assert.deepEqual(nonFilterable, Object.entries(entity.properties).filter(([, p]) => p.filter.length === 0).map(([name]) => name));
      const nonSortable = descendants(terms.get('SortRestrictions') as XmlNode, 'PropertyPath').map((p) => p.text);
      assert.deepEqual(nonSortable, Object.entries(entity.properties).filter(([, p]) => !p.sortable).map(([name]) => name));
      assert.ok(!nonSortable.includes('displayName') && !nonFilterable.includes('displayName'), target);
    }
  });

  it('declares every value the x509 policy service accepts in the matching enum', () => {
    const cases: [string, readonly string[]][] = [
      ['authenticationMethodState', POLICY_STATES],
      ['x509CertificateIssuerHintsState', POLICY_STATES],
      ['x509CertificateCRLValidationConfigurationState', POLICY_STATES],
      ['authenticationMethodTargetType', TARGET_TYPES],
      ['x509CertificateAffinityLevel', X509_AFFINITY_LEVELS],
      ['x509CertificateAuthenticationMode', X509_AUTHENTICATION_MODES],
      ['x509CertificateRuleType', X509_RULE_TYPES],
    ];
    for (const [name, values] of cases) {
      const members = enumMembers(name);
      assert.ok(members, name);
      for (const value of values) assert.ok(members.has(value), `${name} lacks ${value}`);
    }
    assert.equal(enumMembers('x509CertificateRuleType')?.get('issuerSubjectAndPolicyOID'), '3');
  });
});

describe('cross-check against what the server serves', () => {
  it('a PKI and a CA (created, read, listed) carry exactly the declared properties, typed and non-null where declared so', async () => {
    for (const version of API_VERSIONS) {
      const created = await t.request('POST', `/${version}${PKI_PATH}`, { body: { displayName: `Metadata PKI ${version}` } });
      assert.equal(created.status, 201, created.text);
      contexts.add(created.body['@odata.context']);
      const pkiId = created.body.id as string;
      const root = await createCa({ subject: `CN=Metadata Root ${version}, O=Contoso` });
      const ca = await t.request('POST', `/${version}${PKI_PATH}/${pkiId}/certificateAuthorities`, {
        body: { certificate: root.base64, certificateRevocationListUrl: 'http://crl.contoso.test/root.crl' },
      });
      assert.equal(ca.status, 201, ca.text);
      contexts.add(ca.body['@odata.context']);

      const pki = await graphGet(`/${version}${PKI_PATH}/${pkiId}`);
      assertConforms(pki.body, 'certificateBasedAuthPki');
      const caRead = await graphGet(`/${version}${PKI_PATH}/${pkiId}/certificateAuthorities/${ca.body.id}`);
      assertConforms(caRead.body, 'certificateAuthorityDetail');
      assert.equal(Buffer.from(caRead.body.certificate, 'base64').equals(root.der), true);

      const pkis = await graphGet(`/${version}${PKI_PATH}`);
      for (const item of pkis.body.value) assertConforms(item, 'certificateBasedAuthPki');
      const cas = await graphGet(`/${version}${PKI_PATH}/${pkiId}/certificateAuthorities`);
      for (const item of cas.body.value) assertConforms(item, 'certificateAuthorityDetail');
      await graphGet(`/${version}${PKI_PATH}/${pkiId}/certificateAuthorities?$select=displayName,issuer`);
      await graphGet(`/${version}${PKI_PATH}?$select=displayName,status`);
    }
  });

  it('the root, deleted items and a restored object conform too', async () => {
    const rootEntity = await graphGet('/beta/directory/publicKeyInfrastructure');
    assertConforms(rootEntity.body, 'publicKeyInfrastructureRoot');

    const pkiId = (await t.request('POST', `/beta${PKI_PATH}`, { body: { displayName: 'Deleted metadata PKI' } })).body.id as string;
    assert.equal((await t.request('DELETE', `/beta${PKI_PATH}/${pkiId}`)).status, 204);
    const deleted = await graphGet('/beta/directory/deletedItems/microsoft.graph.certificateBasedAuthPki');
    assert.ok(deleted.body.value.length >= 1);
    for (const item of deleted.body.value) assertConforms(item, 'certificateBasedAuthPki');
    const one = await graphGet(`/v1.0/directory/deletedItems/${pkiId}`);
    assertConforms(one.body, 'certificateBasedAuthPki');
    assert.equal(typeof one.body.deletedDateTime, 'string');
    await graphGet('/beta/directory/deletedItems/microsoft.graph.certificateAuthorityDetail');
    const restored = await t.request('POST', `/beta/directory/deletedItems/${pkiId}/restore`);
    assert.equal(restored.status, 200, restored.text);
    contexts.add(restored.body['@odata.context']);
    assertConforms(restored.body, 'certificateBasedAuthPki');
  });

  it('the x509 policy, every nested complex type filled in, conforms', async () => {
    const token = await t.token({ appRoles: [PERMISSION_POLICY_READ_WRITE_AUTHENTICATION_METHOD] });
    const patch = await send(t.url, 'PATCH', `/beta${POLICY_PATH}`, token, {
      body: {
        '@odata.type': '#microsoft.graph.x509CertificateAuthenticationMethodConfiguration',
        state: 'enabled',
        excludeTargets: [{ id: 'aaaaaaaa-bbbb-cccc-1111-222222222222', targetType: 'group' }],
        authenticationModeConfiguration: {
          x509CertificateAuthenticationDefaultMode: 'x509CertificateSingleFactor',
          rules: [
            { x509CertificateRuleType: 'issuerSubject', identifier: 'CN=ContosoCA,DC=Contoso,DC=org', x509CertificateAuthenticationMode: 'x509CertificateMultiFactor' },
            {
              x509CertificateRuleType: 'issuerSubjectAndPolicyOID',
              identifier: 'contoso-smartcards',
              issuerSubjectIdentifier: 'CN=ContosoCA,DC=Contoso,DC=org',
              policyOidIdentifier: '2.16.840.1.101.3.2.1.3.13',
              x509CertificateAuthenticationMode: 'x509CertificateMultiFactor',
            },
          ],
        },
        issuerHintsConfiguration: { state: 'enabled' },
        crlValidationConfiguration: { state: 'enabled', exemptedCertificateAuthoritiesSubjectKeyIdentifiers: [SKI] },
        certificateAuthorityScopes: [
          { subjectKeyIdentifier: SKI, publicKeyInfrastructureIdentifier: 'Contoso PKI', includeTargets: [{ id: 'b3c1e5a0-1111-4222-8333-444455556666', targetType: 'user' }] },
        ],
        includeTargets: [{ targetType: 'group', id: 'aaaaaaaa-bbbb-cccc-1111-222222222222', isRegistrationRequired: true }],
      },
    });
    assert.equal(patch.status, 204, patch.text);
    for (const version of API_VERSIONS) {
      const policy = await graphGet(`/${version}${POLICY_PATH}`, token);
      assertConforms(policy.body, 'x509CertificateAuthenticationMethodConfiguration');
      assert.equal(policy.body.certificateAuthorityScopes[0].includeTargets.length, 1, 'the nested collection was checked, not empty');
      assert.equal(policy.body.includeTargets.length, 1, 'the inline includeTargets were checked, not empty');
      assert.equal(resolveContext(policy.body['includeTargets@odata.context']), 'Collection(graph.authenticationMethodTarget)');
    }
  });

  it('the organization and the classic store (created, read, listed) conform', async () => {
    const token = await t.token({ appRoles: [PERMISSION_ORGANIZATION_READ_WRITE] });
    const root = await createCa({ subject: 'CN=Metadata Classic Root, O=Contoso' });
    for (const version of API_VERSIONS) {
      const organizations = await graphGet(`/${version}/organization`, token);
      for (const item of organizations.body.value) assertConforms(item, 'organization');
      assertConforms((await graphGet(`/${version}/organization/${TENANT_A}`, token)).body, 'organization');
      const path = `/${version}/organization/${TENANT_A}/certificateBasedAuthConfiguration`;
      const created = await send(t.url, 'POST', path, token, {
        body: { certificateAuthorities: [{ isRootAuthority: true, certificate: root.base64, certificateRevocationListUrl: 'http://crl.contoso.test/r.crl' }] },
      });
      assert.equal(created.status, 201, created.text);
      contexts.add(created.body['@odata.context']);
      assertConforms(created.body, 'certificateBasedAuthConfiguration');
      const list = await graphGet(path, token);
      for (const item of list.body.value) assertConforms(item, 'certificateBasedAuthConfiguration');
      assertConforms((await graphGet(`${path}/${created.body.id}`, token)).body, 'certificateBasedAuthConfiguration');
      assert.equal((await send(t.url, 'DELETE', `${path}/${created.body.id}`, token)).status, 204);
    }
    const binding = child(schema, 'EntityContainer').children.find((c) => c.attributes.Name === 'organization')?.children[0];
    assert.deepEqual(binding?.attributes, { Path: 'certificateBasedAuthConfiguration', Target: 'certificateBasedAuthConfiguration' });
  });

  it('the authenticationMethodsPolicy root, its configurations inline, and the configurations collection conform', async () => {
    const token = await t.token({ appRoles: [PERMISSION_POLICY_READ_WRITE_AUTHENTICATION_METHOD] });
    for (const version of API_VERSIONS) {
      const root = await graphGet(`/${version}/policies/authenticationMethodsPolicy`, token);
      assertConforms(root.body, 'authenticationMethodsPolicy');
      assert.equal(resolveContext(root.body['@odata.context']), 'graph.authenticationMethodsPolicy');
      assert.equal(root.body.authenticationMethodConfigurations.length, 1, 'the inline configurations were checked');
      const list = await graphGet(`/${version}/policies/authenticationMethodsPolicy/authenticationMethodConfigurations`, token);
      assert.equal(resolveContext(list.body['@odata.context']), 'Collection(graph.authenticationMethodConfiguration)');
      for (const item of list.body.value) assertConforms(item, 'authenticationMethodConfiguration');
    }
  });

  it('every @odata.context the server emitted above resolves through the entity container', () => {
    assert.ok(contexts.size >= 12, [...contexts].join('\n'));
    const resolved = [...contexts].map((context) => [context.split('#')[1], resolveContext(context)]);
    const byFragment = new Map(resolved.map(([fragment, type]) => [fragment, type]));
    assert.equal(byFragment.get('directory/publicKeyInfrastructure/$entity'), 'graph.publicKeyInfrastructureRoot');
    assert.equal(byFragment.get('directory/publicKeyInfrastructure/certificateBasedAuthConfigurations'), 'Collection(graph.certificateBasedAuthPki)');
    assert.equal(byFragment.get('directory/deletedItems/$entity'), 'graph.directoryObject');
    assert.equal(byFragment.get('directoryObjects/$entity'), 'graph.directoryObject');
    assert.equal(byFragment.get('authenticationMethodConfigurations/$entity'), 'graph.authenticationMethodConfiguration');
    assert.equal(byFragment.get('organization'), 'Collection(graph.organization)');
    assert.equal(byFragment.get('certificateBasedAuthConfiguration/$entity'), 'graph.certificateBasedAuthConfiguration');
    assert.equal(byFragment.get(`organization('${TENANT_A}')/certificateBasedAuthConfiguration`), 'Collection(graph.certificateBasedAuthConfiguration)');
    assert.ok(resolved.some(([fragment]) => /certificateAuthorities\(displayName,issuer\)$/.test(fragment ?? '')), 'a $select context was resolved');
    assert.throws(() => resolveContext('http://127.0.0.1:1/beta/$metadata#directory/certificateBasedAuthConfigurations'), /no navigation property/);
  });
});

describe('the XML reader the tests rely on', () => {
  it('refuses documents that are not well-formed', () => {
    for (const bad of ['<a><b></a></b>', '<a x=1/>', '<a x="1" x="2"/>', '<a>&nbsp;</a>', '<a/><b/>', '<a>', '<a x="<"/>', '<a x="1"y="2"/>']) {
      assert.throws(() => parseXml(bad), XmlSyntaxError, bad);
    }
    const ok = parseXml('<?xml version="1.0"?>\n<!-- c --><a q="&quot;&#65;"><b>x &amp; y</b><c/></a>\n');
    assert.equal(ok.attributes.q, '"A');
    assert.equal(child(ok, 'b').text, 'x & y');
  });
});
