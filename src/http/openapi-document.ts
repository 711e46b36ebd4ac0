// What /openapi.json says each operation answers, added when the document is generated and never to the
// routes: a `response` schema on a Fastify route would compile a serializer that can drop properties
// from replies. Per operation: the real success status and body, Graph's error envelope for the errors
// the route can answer, the OData query options it takes, and who may call it (a Graph token, an admin
// token, or anyone). The entity types are generated from the $metadata model (graph/metadata-model.ts),
// itself generated from the definitions behind $select and $filter (graph/entities.ts), so the two
// documents and the server cannot drift apart.
import type { SwaggerTransform } from '@fastify/swagger';
import type { FastifySchema } from 'fastify';
import type { OpenAPIV3 } from 'openapi-types';
import { ACCESS_TABLE, type AccessRule, DIRECTORY_ROLE_DISPLAY_NAMES } from '../auth/permissions.ts';
import { PKI_COLLECTION_PATH, ROOT_PATH } from '../graph/context.ts';
import { asDeletedItems, CA_ENTITY, type EntityDefinition, PKI_ENTITY } from '../graph/entities.ts';
import { EDM_NAMESPACE, type EdmStructuredType, GRAPH_PKI_SCHEMA } from '../graph/metadata-model.ts';
import { COLLECTION_OPTIONS, type PageLimits } from '../graph/query-options.ts';
import { USER_ENTITY } from '../graph/user-entity.ts';
import { ADMIN_PREFIX } from './routes/admin/admin-routes.ts';
import { USERS_PATH } from './routes/directory/user-routes.ts';
import { VERIFY_PREFIX } from './routes/verification/verify-routes.ts';
import { CRL_HEALTH_PATH } from './routes/verification/crl-health-routes.ts';
import { MIGRATE_CLASSIC_PATH } from './routes/trust-store/classic-migration-routes.ts';
import { X509_POLICY_PATH } from './routes/authentication-methods/x509-policy-routes.ts';
import { METHOD_CONFIGURATIONS_PATH, METHODS_POLICY_PATH } from './routes/authentication-methods/methods-policy-routes.ts';
import { SIGN_IN_LOG_PATH } from './routes/signin/sign-in-log-routes.ts';
import { TenantSnapshotSchema } from './snapshot-schema.ts';
import { CRL_INVALID_WHYS } from '../pki/crl-failure.ts';
import { REASON_CODES } from '../pki/path-validation.ts';

type Schema = OpenAPIV3.SchemaObject | OpenAPIV3.ReferenceObject;
const ref = (name: string): OpenAPIV3.ReferenceObject => ({ $ref: `#/components/schemas/${name}` });
const graphType = (local: string) => `${EDM_NAMESPACE}.${local}`;

const GRAPH_SECURITY = 'graphToken';
const ADMIN_SECURITY = 'adminToken';
const ERROR_SCHEMA = 'microsoft.graph.ODataErrors.ODataError';
const PKI = PKI_ENTITY.typeName;
const CA = CA_ENTITY.typeName;
const ROOT = graphType('publicKeyInfrastructureRoot');
const X509_POLICY = graphType('x509CertificateAuthenticationMethodConfiguration');
const USER = USER_ENTITY.typeName;
const CLASSIC = graphType('certificateBasedAuthConfiguration');
const ORGANIZATION = graphType('organization');
const METHODS_POLICY = graphType('authenticationMethodsPolicy');
const METHOD_CONFIGURATION = graphType('authenticationMethodConfiguration');
const collectionOf = (entity: string) => `${entity}CollectionResponse`;
const SIGN_IN = graphType('signIn');

// --- entity and complex types, from the $metadata model -------------------------------------------------

const PRIMITIVES: Readonly<Record<string, OpenAPIV3.NonArraySchemaObject>> = {
  'Edm.String': { type: 'string' },
  'Edm.DateTimeOffset': { type: 'string', format: 'date-time' },
  'Edm.Boolean': { type: 'boolean' },
  'Edm.Int32': { type: 'integer', format: 'int32' },
  'Edm.Binary': { type: 'string', format: 'byte' },
};

/** A property's schema. Collections and complex values are always present in responses, so never null. */
function edmSchema(type: string, nullable: boolean): Schema {
  const item = /^Collection\((.+)\)$/.exec(type)?.[1];
  if (item) return { type: 'array', items: edmSchema(item, false) };
  const primitive = PRIMITIVES[type];
  if (primitive) return nullable ? { ...primitive, nullable } : { ...primitive };
  const local = type.replace(/^graph\./, '');
  const enumType = GRAPH_PKI_SCHEMA.enumTypes.find((e) => e.name === local);
  if (!enumType) return ref(graphType(local));
  const members: (string | null)[] = enumType.members.map(([name]) => name);
  return nullable ? { type: 'string', nullable, enum: [...members, null] } : { type: 'string', enum: members };
}

const STRUCTURED: readonly EdmStructuredType[] = [...GRAPH_PKI_SCHEMA.entityTypes, ...GRAPH_PKI_SCHEMA.complexTypes];

/** The type's properties, inherited ones first, as the server writes them. */
function propertiesOf(type: EdmStructuredType): EdmStructuredType['properties'] {
  const base = type.baseType && STRUCTURED.find((t) => `graph.${t.name}` === type.baseType);
  return [...(base ? propertiesOf(base) : []), ...type.properties];
}

/**
 * One served type, exactly the properties the server writes. An entity carries `@odata.type` (and
 * `@odata.context` when it is the whole body); `selectable` entities honour $select, so only
 * `@odata.type` and `id` are sure to be there.
 */
function structuredSchema(local: string, kind: 'complex' | 'entity' | 'selectable'): OpenAPIV3.SchemaObject {
  const type = STRUCTURED.find((t) => t.name === local);
  if (!type) throw new Error(`${local} is not in the $metadata model`);
  const own = propertiesOf(type);
  const inline = inlineNavigationsOf(type);
  const annotations: Record<string, Schema> =
    kind === 'complex' ? {} : { '@odata.context': { type: 'string' }, '@odata.type': { type: 'string', enum: [`#${graphType(local)}`] } };
  // Inline navigations are not required: the policy's PATCH answer leaves its configurations out.
  const names = [...(kind === 'complex' ? [] : ['@odata.type']), ...own.map((p) => p.name)];
  return {
    type: 'object',
    ...(kind === 'selectable' ? { description: 'With $select, only @odata.type, id and the selected properties are present.' } : {}),
    required: kind === 'selectable' ? ['@odata.type', 'id'] : names,
    properties: {
      ...annotations,
      ...Object.fromEntries(own.map((p) => [p.name, edmSchema(p.type, p.nullable)])),
      ...Object.fromEntries(
        inline.flatMap((n) => [
          [n.name, edmSchema(n.type, false)],
          [`${n.name}@odata.context`, text(`When the ${local} is the whole response: the context URL of ${n.name}.`)],
        ]),
      ),
    },
    additionalProperties: false,
  };
}

/**
 * A user: Graph returns a default set of properties without $select and exactly the selected ones with
 * it (id included only then), so none is sure to be there; deletedItems adds @odata.type.
 */
function userSchema(): OpenAPIV3.SchemaObject {
  return {
    ...structuredSchema('user', 'selectable'),
    description:
      'Without $select: businessPhones, displayName, givenName, jobTitle, mail, mobilePhone, officeLocation, preferredLanguage, surname, userPrincipalName and id. With $select: exactly the selected properties.',
    required: [],
  };
}

/** Navigation properties the server writes inline with the entity (inherited ones first). */
function inlineNavigationsOf(type: EdmStructuredType): NonNullable<EdmStructuredType['navigationProperties']> {
  const base = type.baseType && STRUCTURED.find((t) => `graph.${t.name}` === type.baseType);
  return [...(base ? inlineNavigationsOf(base) : []), ...(type.navigationProperties ?? []).filter((n) => n.inline)];
}

function collectionResponse(entity: string): OpenAPIV3.SchemaObject {
  return {
    type: 'object',
    required: ['@odata.context', 'value'],
    properties: {
      '@odata.context': { type: 'string' },
      '@odata.count': { type: 'integer', minimum: 0, description: 'With $count=true, on the first page: how many objects match $filter.' },
      value: { type: 'array', items: ref(entity) },
      '@odata.nextLink': { type: 'string', format: 'uri', description: 'The next page, while there is one: every option of the request plus $skiptoken.' },
    },
    additionalProperties: false,
  };
}

const text = (description?: string): OpenAPIV3.SchemaObject => ({ type: 'string', ...(description ? { description } : {}) });
const strictObject = (properties: Record<string, Schema>, description?: string): OpenAPIV3.SchemaObject => ({
  type: 'object',
  ...(description ? { description } : {}),
  required: Object.keys(properties),
  properties,
  additionalProperties: false,
});
const count = (): OpenAPIV3.SchemaObject => ({ type: 'integer', minimum: 0 });

const SCHEMAS: Record<string, Schema> = {
  [PKI]: structuredSchema('certificateBasedAuthPki', 'selectable'),
  [CA]: structuredSchema('certificateAuthorityDetail', 'selectable'),
  [collectionOf(PKI)]: collectionResponse(PKI),
  [collectionOf(CA)]: collectionResponse(CA),
  [USER]: userSchema(),
  [collectionOf(USER)]: collectionResponse(USER),
  [ROOT]: structuredSchema('publicKeyInfrastructureRoot', 'entity'),
  [X509_POLICY]: structuredSchema('x509CertificateAuthenticationMethodConfiguration', 'entity'),
  [METHODS_POLICY]: structuredSchema('authenticationMethodsPolicy', 'entity'),
  // The abstract base: the one configuration served is the x509 one.
  [METHOD_CONFIGURATION]: { oneOf: [ref(X509_POLICY)] },
  [collectionOf(METHOD_CONFIGURATION)]: collectionResponse(METHOD_CONFIGURATION),
  [SIGN_IN]: structuredSchema('signIn', 'entity'),
  [collectionOf(SIGN_IN)]: collectionResponse(SIGN_IN),
  // An entity, but only ever inside its configuration's includeTargets: no @odata annotations of its own.
  [graphType('authenticationMethodTarget')]: structuredSchema('authenticationMethodTarget', 'complex'),
  [CLASSIC]: structuredSchema('certificateBasedAuthConfiguration', 'entity'),
  [collectionOf(CLASSIC)]: collectionResponse(CLASSIC),
  [ORGANIZATION]: structuredSchema('organization', 'entity'),
  [collectionOf(ORGANIZATION)]: collectionResponse(ORGANIZATION),
  ...Object.fromEntries(GRAPH_PKI_SCHEMA.complexTypes.map((t) => [graphType(t.name), structuredSchema(t.name, 'complex')])),
  'graph-pki.oidcClient': {
    type: 'object',
    required: ['clientId', 'displayName', 'redirectUris', 'confidential', 'defaultScopes', 'createdDateTime'],
    properties: {
      clientId: text(),
      displayName: { type: 'string', nullable: true },
      redirectUris: { type: 'array', items: text() },
      confidential: { type: 'boolean', description: 'true: the client authenticates at /token with its secret.' },
      defaultScopes: { type: 'array', items: text(), description: 'What the scope .default grants.' },
      createdDateTime: { type: 'string', format: 'date-time' },
      clientSecret: text('In the answer to POST only, for a confidential client.'),
    },
    additionalProperties: false,
  },
  'graph-pki.directoryRoles': strictObject({ userId: text(), roleTemplateIds: { type: 'array', items: text() } }),
  [ERROR_SCHEMA]: strictObject({ error: ref('microsoft.graph.ODataErrors.MainError') }, "Graph's error envelope, on every 4xx and 5xx."),
  'microsoft.graph.ODataErrors.MainError': strictObject({ code: text(), message: text(), innerError: ref('microsoft.graph.ODataErrors.InnerError') }),
  'microsoft.graph.ODataErrors.InnerError': {
    type: 'object',
    required: ['date', 'request-id', 'client-request-id'],
    properties: {
      code: text('429 only: "429".'),
      message: text('429 only: "Please retry after".'),
      status: text('429 only: "429".'),
      date: text('UTC without fraction or zone, e.g. 2024-10-16T18:09:56.'),
      'request-id': text(),
      'client-request-id': text(),
    },
    additionalProperties: false,
  },
  'graph-pki.verifyResult': strictObject({
    trusted: { type: 'boolean' },
    reason: { type: 'string', nullable: true, enum: [...REASON_CODES, null], description: 'Why the certificate is not trusted, a stable code such as untrusted_root, expired or revoked; null when trusted.' },
    message: text(),
    failedAt: { type: 'integer', nullable: true, description: 'Which certificate of the path failed (0 = the leaf), when known.' },
    path: {
      type: 'array',
      items: {
        type: 'object',
        required: ['subject', 'issuer', 'serialNumber', 'thumbprint', 'notBefore', 'notAfter', 'role'],
        properties: {
          subject: text(),
          issuer: text(),
          serialNumber: text('Upper-case hex.'),
          thumbprint: text('SHA-1, upper-case hex.'),
          subjectKeyIdentifier: { type: 'string', nullable: true, description: 'Upper-case hex; null when the certificate has no SKI extension.' },
          notBefore: { type: 'string', format: 'date-time' },
          notAfter: { type: 'string', format: 'date-time' },
          role: { type: 'string', enum: ['leaf', 'intermediate', 'trustAnchor'] },
          anchor: { type: 'object', description: 'The trust anchor: its CA and PKI ids and CRL URLs.' },
          revocation: { type: 'object', description: 'What revocation checking found for this certificate.' },
          trustStore: { type: 'object', description: 'A CA of the trust store: the copy (CA and PKI ids, CRL URLs) whose checks passed.' },
          warnings: { type: 'array', items: text(), description: "E.g. the CA's CRL URL is its own CRL distribution point, which names its issuer's CRL." },
        },
      },
    },
    failure: {
      type: 'object',
      nullable: true,
      description: 'When a CRL decided or failed the verdict: the store CA whose CRL it is, and the CRL; null otherwise.',
      required: ['certificateAuthorityId', 'publicKeyInfrastructureId', 'crlUrl', 'crlKind', 'crlNumber', 'thisUpdate', 'nextUpdate', 'why'],
      properties: {
        certificateAuthorityId: text(),
        publicKeyInfrastructureId: text(),
        crlUrl: { type: 'string', nullable: true },
        crlKind: { type: 'string', nullable: true, enum: ['base', 'delta', null] },
        crlNumber: { type: 'string', nullable: true, description: 'Decimal.' },
        thisUpdate: { type: 'string', nullable: true, format: 'date-time' },
        nextUpdate: { type: 'string', nullable: true, format: 'date-time' },
        why: { type: 'string', nullable: true, enum: [...CRL_INVALID_WHYS, null], description: 'For crl_invalid: why the CRL could not be used (signer, authority_key_identifier, expired, malformed: not ASN.1 DER, not_a_valid_crl: DER but no usable CRL, …).' },
      },
      additionalProperties: false,
    },
    validationTime: { type: 'string', format: 'date-time' },
    policy: {
      type: 'object',
      nullable: true,
      description: "The x509 policy's verdict; null when the certificate is not trusted.",
      properties: {
        state: { type: 'string', enum: ['enabled', 'disabled'] },
        authenticationMode: text(),
        requiredAffinityLevel: text(),
        matchedRules: { type: 'array', items: { type: 'object', properties: { type: text(), identifier: text() } } },
        explanation: text(),
        userBindingCandidates: { type: 'array', items: { type: 'object' } },
        certificateAuthorityScope: { type: 'object', nullable: true, description: 'The x509CertificateAuthorityScope of the issuing CA, if any.' },
      },
    },
    signIn: strictObject(
      {
        succeeded: { type: 'boolean' },
        userPrincipalName: { type: 'string', nullable: true, description: 'The name typed at sign-in (the request\'s userPrincipalName); null for a username-less sign-in.' },
        user: {
          type: 'object',
          nullable: true,
          description: 'The user signed in, or the one the error is about when it is known.',
          properties: { id: text(), userPrincipalName: text(), displayName: { type: 'string', nullable: true }, accountEnabled: { type: 'boolean' } },
        },
        binding: {
          type: 'object',
          nullable: true,
          description: 'The certificateUserBinding that tied the certificate to the user.',
          properties: { priority: { type: 'integer' }, x509CertificateField: text(), userProperty: text(), trustAffinityLevel: text(), value: text('The certificate\'s value, written as a certificateUserId.') },
        },
        authenticationMode: { type: 'string', nullable: true, enum: ['x509CertificateSingleFactor', 'x509CertificateMultiFactor', null] },
        authenticationRequirement: { type: 'string', nullable: true, enum: ['singleFactorAuthentication', 'multiFactorAuthentication', null] },
        error: {
          type: 'object',
          nullable: true,
          description: "Entra's error for this sign-in: errorCode (the AADSTS number), code (AADSTS…), Entra's message, and what happened.",
          properties: { errorCode: { type: 'integer' }, code: text(), message: text(), detail: text() },
        },
      },
      'Which user the certificate would sign in (username binding, affinity, the x509 method and CA scope), or Entra\'s AADSTS error.',
    ),
  }),
  'graph-pki.crlHealthCheck': strictObject({
    name: { type: 'string', enum: ['configuration', 'reachable', 'downloadTime', 'size', 'encoding', 'url', 'signature', 'extensions', 'crlNumber', 'validity', 'deltaBase'] },
    result: { type: 'string', enum: ['pass', 'warning', 'fail', 'skipped'] },
    detail: text('What was found, in words.'),
    errorCode: { type: 'string', nullable: true, description: "For a failed check: the code of Entra's CRL error table a sign-in gets, e.g. AADSTS2205015." },
    message: { type: 'string', nullable: true, description: "For a failed check: the message a sign-in gets with that code (Entra's, its placeholders filled, or ours)." },
  }),
  'graph-pki.crlHealthEntry': strictObject({
    pkiId: text(),
    certificateAuthorityId: text(),
    subject: text("The CA's subject."),
    kind: { type: 'string', enum: ['base', 'delta'] },
    url: { type: 'string', nullable: true, description: 'null for a CA without a CRL URL (notConfigured).' },
    status: { type: 'string', enum: ['healthy', 'warning', 'failing', 'notConfigured'] },
    checks: { type: 'array', items: ref('graph-pki.crlHealthCheck') },
    crlNumber: { type: 'string', nullable: true, description: 'Decimal.' },
    thisUpdate: { type: 'string', nullable: true, format: 'date-time' },
    nextUpdate: { type: 'string', nullable: true, format: 'date-time' },
    timeLeftSeconds: { type: 'integer', nullable: true, description: 'Until nextUpdate; negative once expired.' },
    entryCount: { type: 'integer', nullable: true, description: 'Revoked certificates listed.' },
    sizeBytes: { type: 'integer', nullable: true },
    downloadMilliseconds: { type: 'integer', nullable: true },
    checkedDateTime: { type: 'string', nullable: true, format: 'date-time' },
    signInImpact: strictObject(
      {
        result: { type: 'string', enum: ['success', 'failure'] },
        errorCode: { type: 'string', nullable: true, description: 'AADSTS code on failure.' },
        message: text(),
      },
      'What a sign-in with a certificate of this CA gets now, as far as its CRLs decide.',
    ),
  }),
  'graph-pki.crlHealthCollection': strictObject({ value: { type: 'array', items: ref('graph-pki.crlHealthEntry') } }),
  'graph-pki.migrateClassicReport': strictObject({
    dryRun: { type: 'boolean' },
    publicKeyInfrastructure: strictObject({
      id: { type: 'string', nullable: true, description: 'null in a dry run that would create the PKI.' },
      displayName: { type: 'string', nullable: true },
      created: { type: 'boolean' },
    }),
    certificateAuthorities: {
      type: 'array',
      items: strictObject({
        thumbprint: text(),
        issuer: text(),
        isRootAuthority: { type: 'boolean' },
        action: { type: 'string', enum: ['created', 'alreadyPresent', 'skipped'] },
        certificateAuthorityId: { type: 'string', nullable: true },
        reason: { type: 'string', nullable: true, description: 'Why it was skipped.' },
      }),
    },
    classicStoreDeleted: { type: 'boolean' },
    classicStoreKeptBecause: { type: 'string', nullable: true },
  }),
  'graph-pki.healthStatus': strictObject({ status: { type: 'string', enum: ['ok', 'ready', 'unavailable'] } }),
  'graph-pki.tenantContentCounts': strictObject({
    certificateBasedAuthConfigurations: count(),
    certificateAuthorities: count(),
    jobs: count(),
    x509CertificatePolicies: count(),
    classicCertificateBasedAuthConfigurations: count(),
    classicCertificateAuthorities: count(),
    users: count(),
    oidcClients: count(),
    directoryRoleAssignments: { ...count(), description: 'One per role a user holds.' },
    signIns: count(),
  }),
};

/** What no single operation can say, for the document's info.description. */
export const OPENAPI_CONVENTIONS =
  "Paths match case-insensitively. A method a path does not list answers 405 with an Allow header, an unknown path 404, both in Graph's error envelope; " +
  'every response carries request-id and client-request-id.';

export const OPENAPI_COMPONENTS: OpenAPIV3.ComponentsObject = {
  schemas: SCHEMAS,
  securitySchemes: {
    [GRAPH_SECURITY]: {
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'JWT',
      description:
        'A Graph access token for the tenant (`graph-pki token`, or one from the configured identity provider). Each operation names the permission it needs; a delegated token also needs one of the directory roles Graph requires.',
    },
    [ADMIN_SECURITY]: {
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'JWT',
      description: 'An admin token (`graph-pki token --admin`); no Graph token is accepted here.',
    },
  },
};

// --- responses ------------------------------------------------------------------------------------------

/** A response as @fastify/swagger reads it from a route schema: `type: 'null'` means no body. */
interface ResponseDoc {
  readonly description: string;
  readonly type?: 'null';
  readonly headers?: Readonly<Record<string, OpenAPIV3.SchemaObject>>;
  readonly content?: Readonly<Record<string, { readonly schema: unknown }>>;
}

const json = (schema: unknown) => ({ 'application/json': { schema } });
const retryAfter = (description: string): OpenAPIV3.SchemaObject => ({ type: 'integer', minimum: 0, description });

type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 413 | 415 | 429 | 503;

const ERRORS: Readonly<Record<ErrorStatus, Omit<ResponseDoc, 'content'>>> = {
  400: { description: 'Bad request: an invalid body, query option or id; the message names what is wrong.' },
  401: { description: 'No valid token.', headers: { 'WWW-Authenticate': text() } },
  403: { description: 'The token lacks the permission (and, when delegated, the directory role) the operation needs.' },
  404: { description: 'The object, or the PKI it belongs to, does not exist in the tenant.' },
  409: { description: "The tenant's state does not allow it (an upload is queued or running, or the tenant is not empty)." },
  413: { description: 'The body is larger than the limit.' },
  415: { description: 'The body is not application/json.' },
  429: {
    description: 'Throttled.',
    headers: {
      'Retry-After': retryAfter('Seconds until the request would be admitted.'),
      'x-ms-throttle-scope': text(),
      'x-ms-throttle-information': text('ResourceUnitLimitExceeded or WriteLimitExceeded.'),
      'x-ms-resource-unit': { type: 'integer' },
    },
  },
  503: { description: 'The database cannot be reached, or the server is shutting down.', headers: { 'Retry-After': retryAfter('Seconds to wait before retrying.') } },
};

function errorResponse(status: ErrorStatus, body: Schema = ref(ERROR_SCHEMA)): ResponseDoc {
  return { ...ERRORS[status], content: json(body) };
}

interface Success {
  readonly status: 200 | 201 | 204;
  readonly description: string;
  /** The body; absent = none. */
  readonly schema?: unknown;
  readonly mediaType?: string;
  readonly headers?: Readonly<Record<string, OpenAPIV3.SchemaObject>>;
}

interface OperationDoc {
  readonly success: Success;
  /** Query options, as a querystring schema (documentation only). */
  readonly query?: OpenAPIV3.SchemaObject;
  /** A request body the route reads itself rather than through its schema. */
  readonly body?: unknown;
  /** Errors beyond those every operation of its area can answer. */
  readonly errors?: readonly ErrorStatus[];
  /** An error body other than the envelope alone. */
  readonly errorBodies?: Readonly<Partial<Record<ErrorStatus, Schema>>>;
}

const ok = (description: string, schema?: unknown): Success => ({ status: 200, description, ...(schema === undefined ? {} : { schema }) });
const created = (entity: string): Success => ({
  status: 201,
  description: 'Created: the new object.',
  schema: ref(entity),
  headers: { Location: text('The URL of the new object.') },
});
const noContent = (description: string): Success => ({ status: 204, description });
const countText = (): Success => ({ ...ok('The number of matching objects, as plain text.', count()), mediaType: 'text/plain' });
const oneOf = (...names: string[]) => ({ oneOf: names.map(ref) });

// --- query options --------------------------------------------------------------------------------------

type CollectionOption = (typeof COLLECTION_OPTIONS)[number];
type Param = OpenAPIV3.SchemaObject;

function filterParam(entity: EntityDefinition): Param {
  const filterable = Object.entries(entity.properties).filter(([, p]) => p.filter.length > 0);
  return text(`Filter by ${filterable.map(([name, p]) => `${name} (${p.filter.join(', ')})`).join(', ')}; and, or, not and parentheses combine them.`);
}

function selectParam(entity: EntityDefinition): Param {
  return text(`Comma-separated properties to return, of ${Object.keys(entity.properties).join(', ')}; id and @odata.type are always returned.`);
}

function listQuery(entity: EntityDefinition, limits: PageLimits): Param {
  const sortable = Object.entries(entity.properties).filter(([, p]) => p.sortable).map(([name]) => name);
  const options: Record<CollectionOption, Param> = {
    filter: filterParam(entity),
    orderby: text(`Sort by ${sortable.join(' or ')}, each optionally followed by asc or desc; ties are broken by id.`),
    top: { type: 'integer', minimum: 1, maximum: limits.maxPageSize, description: `Page size (default ${limits.defaultPageSize}).` },
    select: selectParam(entity),
    count: { type: 'boolean', description: 'true adds @odata.count (all matching objects) to the first page.' },
    skiptoken: text('Only as found in @odata.nextLink.'),
  };
  return queryOf(options);
}

function queryOf(options: Readonly<Record<string, Param>>): Param {
  return { type: 'object', properties: Object.fromEntries(Object.entries(options).map(([name, schema]) => [`$${name}`, schema])) };
}

// --- the operations -------------------------------------------------------------------------------------

/**
 * JSON batching: the batch needs only a valid token (no x-graph-pki-access); each request is authorised,
 * throttled and answered on its own, inside the 200.
 */
const BATCH_OPERATION: OperationDoc = {
  success: ok('Every request\'s own answer (status, headers, body), correlated by id; 200 even when some failed (a request whose dependency failed gets 424).', {
    type: 'object',
    properties: {
      responses: {
        type: 'array',
        items: {
          type: 'object',
          required: ['id', 'status', 'headers'],
          properties: { id: { type: 'string' }, status: { type: 'integer' }, headers: { type: 'object', additionalProperties: { type: 'string' } }, body: {} },
        },
      },
    },
  }),
  body: {
    type: 'object',
    required: ['requests'],
    properties: {
      requests: {
        type: 'array',
        minItems: 1,
        description: 'At most --max-batch-requests (default 20). Requests run one at a time, after their dependsOn, otherwise in the order sent.',
        items: {
          type: 'object',
          required: ['id', 'method', 'url'],
          properties: {
            id: { type: 'string', minLength: 1, description: 'Unique in the batch, not case-sensitive.' },
            method: { type: 'string', enum: ['GET', 'POST', 'PATCH', 'PUT', 'DELETE'] },
            url: { type: 'string', description: 'Relative to the API version, e.g. /directory/publicKeyInfrastructure; no nested $batch.' },
            headers: { type: 'object', additionalProperties: { type: 'string' }, description: 'Required with a body, and must then hold Content-Type.' },
            body: {},
            dependsOn: { type: 'array', items: { type: 'string' } },
          },
        },
      },
    },
  },
};

const DELETED = '/directory/deletedItems';

/** Graph operations by `METHOD path`, the path without its version prefix. */
function graphOperations(limits: PageLimits): Map<string, OperationDoc> {
  const pkis = `/${PKI_COLLECTION_PATH}`;
  const pki = `${pkis}/:pkiId`;
  const cas = `${pki}/certificateAuthorities`;
  const ca = `${cas}/:caId`;
  const item = `${DELETED}/:itemId`;
  const deletedItem = oneOf(PKI, CA, USER);
  const user = `${USERS_PATH}/:userId`;
  const classic = '/organization/:organizationId/certificateBasedAuthConfiguration';
  const operations: [string, OperationDoc][] = [
    [`GET /${ROOT_PATH}`, { success: ok("The tenant's publicKeyInfrastructureRoot.", ref(ROOT)) }],
    ['POST /$batch', BATCH_OPERATION],
    [`GET ${pkis}`, { success: ok('A page of PKIs.', ref(collectionOf(PKI))), query: listQuery(PKI_ENTITY, limits) }],
    [`POST ${pkis}`, { success: created(PKI) }],
    [`GET ${pkis}/$count`, { success: countText(), query: queryOf({ filter: filterParam(PKI_ENTITY) }) }],
    [`GET ${pki}`, { success: ok('The PKI.', ref(PKI)), query: queryOf({ select: selectParam(PKI_ENTITY) }) }],
    [`PATCH ${pki}`, { success: ok('The updated PKI.', ref(PKI)) }],
    [`DELETE ${pki}`, { success: noContent('Deleted (to deletedItems, with its CAs).') }],
    [`GET ${cas}`, { success: ok('A page of CAs of the PKI.', ref(collectionOf(CA))), query: listQuery(CA_ENTITY, limits) }],
    [`POST ${cas}`, { success: created(CA) }],
    [`GET ${cas}/$count`, { success: countText(), query: queryOf({ filter: filterParam(CA_ENTITY) }) }],
    [`GET ${ca}`, { success: ok('The CA.', ref(CA)), query: queryOf({ select: selectParam(CA_ENTITY) }) }],
    [`PATCH ${ca}`, { success: ok('The updated CA.', ref(CA)) }],
    [`DELETE ${ca}`, { success: noContent('Deleted (to deletedItems).') }],
    ...['upload', 'microsoft.graph.upload'].map((action): [string, OperationDoc] => [
      `POST ${pki}/${action}`,
      { success: noContent("The upload job is stored; the PKI's status is running until it ends.") },
    ]),
    [`GET ${USERS_PATH}`, { success: ok('A page of users.', ref(collectionOf(USER))), query: listQuery(USER_ENTITY, limits) }],
    [`POST ${USERS_PATH}`, { success: created(USER) }],
    [`GET ${USERS_PATH}/$count`, { success: countText(), query: queryOf({ filter: filterParam(USER_ENTITY) }) }],
    [`GET ${user}`, { success: ok('The user (by id or userPrincipalName).', ref(USER)), query: queryOf({ select: selectParam(USER_ENTITY) }) }],
    [`PATCH ${user}`, { success: noContent('Updated.') }],
    [`DELETE ${user}`, { success: noContent('Deleted (to deletedItems).') }],
    ...[PKI_ENTITY, CA_ENTITY, USER_ENTITY].flatMap((entity): [string, OperationDoc][] => [
      [
        `GET ${DELETED}/${entity.typeName}`,
        { success: ok(`A page of deleted ${entity.typeName} objects.`, ref(collectionOf(entity.typeName))), query: listQuery(asDeletedItems(entity), limits) },
      ],
      [`GET ${DELETED}/${entity.typeName}/$count`, { success: countText(), query: queryOf({ filter: filterParam(asDeletedItems(entity)) }) }],
    ]),
    [`GET ${item}`, { success: ok('The deleted PKI, CA or user.', deletedItem), query: queryOf({ select: text("Comma-separated properties of the item's type; id and @odata.type are always returned.") }) }],
    [`DELETE ${item}`, { success: noContent('Purged for good (a PKI with its CAs).') }],
    ...['restore', 'microsoft.graph.restore'].map((action): [string, OperationDoc] => [
      `POST ${item}/${action}`,
      { success: ok('The restored PKI (with its CAs), CA or user.', deletedItem) },
    ]),
    [`GET /${X509_POLICY_PATH}`, { success: ok("The tenant's x509 certificate authentication-method policy.", ref(X509_POLICY)) }],
    [`PATCH /${X509_POLICY_PATH}`, { success: noContent('Updated.') }],
    [
      `GET /${SIGN_IN_LOG_PATH}`,
      {
        success: ok("A page of the tenant's certificate sign-in attempts, newest first (v1.0 without the beta-only properties).", ref(collectionOf(SIGN_IN))),
        query: queryOf({ top: { type: 'integer', minimum: 1, maximum: 1000, description: 'Page size (default and most 1000, as Graph).' }, skiptoken: text('Only as found in @odata.nextLink.') }),
      },
    ],
    [`GET /${SIGN_IN_LOG_PATH}/:id`, { success: ok('One sign-in attempt.', ref(SIGN_IN)) }],
    [`DELETE /${X509_POLICY_PATH}`, { success: noContent('Reset: the documented default configuration applies again.') }],
    ['GET /organization', { success: ok("The tenant's organization (a collection of one).", ref(collectionOf(ORGANIZATION))) }],
    ['GET /organization/:organizationId', { success: ok("The tenant's organization.", ref(ORGANIZATION)) }],
    [`GET ${classic}`, { success: ok('The classic store: empty, or its one configuration.', ref(collectionOf(CLASSIC))) }],
    [`POST ${classic}`, { success: created(CLASSIC), errors: [400] }],
    [`GET ${classic}/:configurationId`, { success: ok('The classic store configuration.', ref(CLASSIC)) }],
    [`DELETE ${classic}/:configurationId`, { success: noContent('Deleted, with its CAs.') }],
    [`GET /${METHODS_POLICY_PATH}`, { success: ok("The tenant's authenticationMethodsPolicy, its method configurations inline.", ref(METHODS_POLICY)) }],
    [`PATCH /${METHODS_POLICY_PATH}`, { success: ok("The updated policy (without its configurations, as Graph's example shows).", ref(METHODS_POLICY)) }],
    [`GET /${METHOD_CONFIGURATIONS_PATH}`, { success: ok('The method configurations served (the x509 one).', ref(collectionOf(METHOD_CONFIGURATION))) }],
  ];
  return new Map(operations);
}

const deletedCounts = (key: string, value: Schema) => strictObject({ [key]: value, deleted: ref('graph-pki.tenantContentCounts') });

const OTHER_OPERATIONS: ReadonlyMap<string, OperationDoc> = new Map<string, OperationDoc>([
  // 503 {"status":"unavailable"} while the database does not answer; the envelope while shutting down.
  ['GET /healthz', { success: ok('The database answers.', ref('graph-pki.healthStatus')), errorBodies: { 503: oneOf('graph-pki.healthStatus', ERROR_SCHEMA) } }],
  ['GET /readyz', { success: ok('Ready to serve.', ref('graph-pki.healthStatus')), errorBodies: { 503: oneOf('graph-pki.healthStatus', ERROR_SCHEMA) } }],
  [`GET ${VERIFY_PREFIX}${CRL_HEALTH_PATH}`, { success: ok("One entry per CRL URL configured on the tenant's live CAs (base and delta), and notConfigured for CAs without one.", ref('graph-pki.crlHealthCollection')) }],
  [
    `POST ${VERIFY_PREFIX}${CRL_HEALTH_PATH}/refresh`,
    {
      success: ok('The entries of the CRLs downloaded and checked now: of one CA (certificateAuthorityId), of the CAs naming url, or (no body) all.', ref('graph-pki.crlHealthCollection')),
      errors: [404],
    },
  ],
  [`POST ${VERIFY_PREFIX}/verify`, { success: ok('The verdict, whether or not the certificate is trusted.', ref('graph-pki.verifyResult')) }],
  [
    `POST ${VERIFY_PREFIX}${MIGRATE_CLASSIC_PATH}`,
    { success: ok('What the migration did (or, in a dry run, would do) with each CA of the classic store.', ref('graph-pki.migrateClassicReport')), errors: [404] },
  ],
  [`DELETE ${ADMIN_PREFIX}/tenants`, { success: ok('Every tenant reset.', deletedCounts('tenants', { ...count(), description: 'How many tenants held data.' })) }],
  [`DELETE ${ADMIN_PREFIX}/tenants/:tenantId`, { success: ok('The tenant reset.', deletedCounts('tenantId', text())) }],
  [`GET ${ADMIN_PREFIX}/tenants/:tenantId/snapshot`, { success: ok('The snapshot.', TenantSnapshotSchema), errors: [409] }],
  [`GET ${ADMIN_PREFIX}/tenants/:tenantId/oidcClients`, { success: ok("The tenant's OIDC clients.", strictObject({ value: { type: 'array', items: ref('graph-pki.oidcClient') } })) }],
  [`POST ${ADMIN_PREFIX}/tenants/:tenantId/oidcClients`, { success: { status: 201, description: 'Registered; clientSecret only here, and only for a confidential client.', schema: ref('graph-pki.oidcClient') }, errors: [409] }],
  [`DELETE ${ADMIN_PREFIX}/tenants/:tenantId/oidcClients/:clientId`, { success: noContent('Removed.'), errors: [404] }],
  [`GET ${ADMIN_PREFIX}/tenants/:tenantId/users/:userId/directoryRoles`, { success: ok("The user's directory roles.", ref('graph-pki.directoryRoles')), errors: [400, 404] }],
  [`PUT ${ADMIN_PREFIX}/tenants/:tenantId/users/:userId/directoryRoles`, { success: ok("The user's directory roles now.", ref('graph-pki.directoryRoles')), errors: [400, 404] }],
  [
    `PUT ${ADMIN_PREFIX}/tenants/:tenantId/snapshot`,
    {
      success: ok('Imported.', strictObject({ tenantId: text(), imported: ref('graph-pki.tenantContentCounts') })),
      body: TenantSnapshotSchema,
      errors: [409],
    },
  ],
]);

type Area = 'graph' | 'verify' | 'admin' | 'public';

/** Errors every operation of an area can answer (besides 404 by id, and 413/415 with a body). */
const AREA_ERRORS: Readonly<Record<Area, readonly ErrorStatus[]>> = {
  graph: [400, 401, 403, 429, 503],
  verify: [400, 401, 403, 503],
  admin: [400, 401, 503],
  public: [503],
};

const AREA_SECURITY: Readonly<Record<Area, FastifySchema['security']>> = {
  graph: [{ [GRAPH_SECURITY]: [] }],
  verify: [{ [GRAPH_SECURITY]: [] }],
  admin: [{ [ADMIN_SECURITY]: [] }],
  public: [],
};

function areaOf(url: string): { area: Area; path: string } {
  const version = /^\/(?:beta|v1\.0)(\/.*)$/.exec(url);
  if (version?.[1] !== undefined) return { area: 'graph', path: version[1] };
  if (url.startsWith(`${VERIFY_PREFIX}/`)) return { area: 'verify', path: url };
  if (url.startsWith(`${ADMIN_PREFIX}/`)) return { area: 'admin', path: url };
  return { area: 'public', path: url };
}

function responsesOf(doc: OperationDoc | undefined, area: Area, method: string, path: string): Record<string, ResponseDoc> {
  const responses: Record<string, ResponseDoc> = {};
  if (doc) {
    const { status, description, schema, mediaType, headers } = doc.success;
    responses[status] =
      schema === undefined ? { description, type: 'null' } : { description, ...(headers ? { headers } : {}), content: { [mediaType ?? 'application/json']: { schema } } };
  }
  const errors = new Set<ErrorStatus>([...AREA_ERRORS[area], ...(doc?.errors ?? [])]);
  if (area === 'graph' && path.includes('/:')) errors.add(404);
  if (['POST', 'PATCH', 'PUT'].includes(method)) {
    errors.add(413);
    errors.add(415);
  }
  for (const status of [...errors].sort((a, b) => a - b)) responses[status] = errorResponse(status, doc?.errorBodies?.[status]);
  responses.default = { description: 'Any other error (500 and the like), in the same envelope.', content: json(ref(ERROR_SCHEMA)) };
  return responses;
}

/**
 * @fastify/swagger's `transform`: the schema each route is documented with. The route's own schema (and so
 * its validation and serialization) is left as it is.
 */
export function documentOperations(limits: PageLimits): SwaggerTransform {
  const graph = graphOperations(limits);
  return ({ schema, url, route }) => {
    // refuseOtherMethods' catch-all routes (one route, several methods, always 405) are not operations, and
    // neither is the deletedItems list without a type cast, which always answers 400.
    const { area, path } = areaOf(url);
    if (Array.isArray(route.method) || (path === DELETED && route.method === 'GET')) return { schema: { ...schema, hide: true }, url };
    const method = String(route.method);
    const doc = area === 'graph' ? graph.get(`${method} ${path}`) : OTHER_OPERATIONS.get(`${method} ${path}`);
    const access = route.config?.access;
    const rule = access && area !== 'public' ? ACCESS_TABLE[access] : undefined;
    const permission = rule ? `Permission: ${permissionsText(rule)}; ${delegatedRolesText(rule)}.` : undefined;
    const documented: FastifySchema = {
      ...schema,
      ...(permission ? { description: [schema?.description, permission].filter(Boolean).join(' ') } : {}),
      // The access kind (auth/permissions.ts ACCESS_TABLE) as an extension, so clients and tests can see who may call what.
      ...(access && rule ? { 'x-graph-pki-access': access } : {}),
      ...(doc?.query ? { querystring: doc.query } : {}),
      ...(doc?.body ? { body: doc.body } : {}),
      security: AREA_SECURITY[area],
      response: responsesOf(doc, area, method, path),
    };
    return { schema: documented, url };
  };
}

function permissionsText(rule: AccessRule): string {
  const any = rule.permissions.join(' or ');
  return rule.alsoRequired ? [rule.permissions.length > 1 ? `(${any})` : any, ...rule.alsoRequired].join(' and ') : any;
}

function delegatedRolesText(rule: AccessRule): string {
  return rule.roles === 'any'
    ? 'a delegated token needs no directory role'
    : `a delegated token also needs one of the directory roles ${rule.roles.map((name) => DIRECTORY_ROLE_DISPLAY_NAMES[name]).join(', ')}`;
}
