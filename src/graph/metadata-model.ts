// The Entity Data Model $metadata publishes: the types, enums, actions and containers this service serves,
// in Graph's namespace and with Graph's names. The two PKI entity types are generated from the property
// definitions that also drive $select, $filter and $orderby (entities.ts), so $metadata cannot drift from
// what the server accepts; the types along the paths (directory, policyRoot) carry only the navigation
// properties that lead to what we serve. Shapes, names, enum values and nullability follow Microsoft's
// published CSDL (spec §1–§4, §6, §8.2); capability annotations follow spec §3.1/§4.1.
import { CA_ENTITY, type EdmType, type EntityDefinition, PKI_ENTITY, type PropertyDefinition } from './entities.ts';
import { USER_ENTITY } from './user-entity.ts';

export const EDM_NAMESPACE = 'microsoft.graph';
export const EDM_ALIAS = 'graph';

export interface EdmProperty {
  readonly name: string;
  /** Edm.String, graph.certificateAuthorityType, Collection(graph.excludeTarget), … */
  readonly type: string;
  readonly nullable: boolean;
  /** Unicode="false": the value is ASCII (Graph marks the upload action's parameters so). */
  readonly ascii?: boolean;
}

export interface EdmNavigationProperty {
  readonly name: string;
  readonly type: string;
  /** Contained: the target is addressed only through this navigation (Graph's PKI paths all are). */
  readonly containsTarget: boolean;
  /** Returned inline with its entity, as Graph's examples show (no $expand needed); not in the CSDL. */
  readonly inline?: boolean;
}

export interface EdmStructuredType {
  readonly name: string;
  readonly baseType?: string;
  readonly abstract?: boolean;
  readonly openType?: boolean;
  /** Key property names; only the root of a hierarchy declares one. */
  readonly key?: readonly string[];
  readonly properties: readonly EdmProperty[];
  readonly navigationProperties?: readonly EdmNavigationProperty[];
}

export interface EdmEnumType {
  readonly name: string;
  /** Members with Graph's numeric values (evolvable enums end with unknownFutureValue). */
  readonly members: readonly (readonly [name: string, value: number])[];
}

export interface EdmAction {
  readonly name: string;
  /** Type of the binding parameter (the action is bound). */
  readonly bindingType: string;
  readonly parameters: readonly EdmProperty[];
  readonly returnType?: string;
}

/** Org.OData.Capabilities.V1 restrictions on one collection-valued navigation property. */
export interface EdmCollectionCapabilities {
  /** Target path, e.g. microsoft.graph.publicKeyInfrastructureRoot/certificateBasedAuthConfigurations. */
  readonly target: string;
  readonly countable: boolean;
  readonly expandable: boolean;
  readonly filterable: boolean;
  readonly nonFilterableProperties: readonly string[];
  readonly sortable: boolean;
  readonly nonSortableProperties: readonly string[];
  readonly searchable: boolean;
  readonly referenceable: boolean;
  readonly skipSupported: boolean;
  readonly topSupported: boolean;
}

export interface EdmContainer {
  readonly name: string;
  readonly singletons: readonly { readonly name: string; readonly type: string }[];
  readonly entitySets: readonly {
    readonly name: string;
    readonly entityType: string;
    /** Non-contained navigation properties and the entity set their targets live in (organization → classic store). */
    readonly bindings?: readonly { readonly path: string; readonly target: string }[];
  }[];
}

export interface EdmSchema {
  readonly namespace: string;
  readonly alias: string;
  readonly enumTypes: readonly EdmEnumType[];
  readonly complexTypes: readonly EdmStructuredType[];
  readonly entityTypes: readonly EdmStructuredType[];
  readonly actions: readonly EdmAction[];
  readonly container: EdmContainer;
  readonly capabilities: readonly EdmCollectionCapabilities[];
}

const graph = (name: string) => `${EDM_ALIAS}.${name}`;
const collection = (type: string) => `Collection(${type})`;
const property = (name: string, type: string, nullable = true): EdmProperty => ({ name, type, nullable });
const contained = (name: string, type: string, inline = false): EdmNavigationProperty => ({ name, type, containsTarget: true, ...(inline ? { inline } : {}) });
const related = (name: string, type: string): EdmNavigationProperty => ({ name, type, containsTarget: false });

const PRIMITIVE: Record<Exclude<EdmType, 'enum' | 'complex'>, string> = {
  string: 'Edm.String',
  datetime: 'Edm.DateTimeOffset',
  boolean: 'Edm.Boolean',
  binary: 'Edm.Binary',
  stringCollection: 'Collection(Edm.String)',
};

function edmTypeOf(name: string, definition: PropertyDefinition): string {
  if (definition.type === 'complex') {
    if (!definition.complexType) throw new Error(`complex property ${name} names no complexType`);
    return graph(definition.complexType);
  }
  if (definition.type !== 'enum') return PRIMITIVE[definition.type];
  if (!definition.enumType) throw new Error(`enum property ${name} names no enumType`);
  return graph(definition.enumType);
}

/** The properties an entity type declares itself: all of its definition's but those its base types declare. */
function declaredProperties(entity: EntityDefinition, inherited: readonly EdmStructuredType[]): EdmProperty[] {
  const inheritedNames = new Set(inherited.flatMap((type) => type.properties.map((p) => p.name)));
  return Object.entries(entity.properties)
    .filter(([name]) => !inheritedNames.has(name))
    .map(([name, definition]) => property(name, edmTypeOf(name, definition), definition.nullable));
}

/** Local name of an entity definition's type: microsoft.graph.certificateBasedAuthPki → certificateBasedAuthPki. */
function localName(entity: EntityDefinition): string {
  return entity.typeName.slice(EDM_NAMESPACE.length + 1);
}

const ENTITY: EdmStructuredType = { name: 'entity', abstract: true, key: ['id'], properties: [property('id', 'Edm.String', false)] };
const DIRECTORY_OBJECT: EdmStructuredType = {
  name: 'directoryObject',
  baseType: graph('entity'),
  openType: true,
  properties: [property('deletedDateTime', 'Edm.DateTimeOffset')],
};

const PKI_TYPE = localName(PKI_ENTITY);
const CA_TYPE = localName(CA_ENTITY);

const PKI: EdmStructuredType = {
  name: PKI_TYPE,
  baseType: graph('directoryObject'),
  properties: declaredProperties(PKI_ENTITY, [ENTITY, DIRECTORY_OBJECT]),
  navigationProperties: [contained('certificateAuthorities', collection(graph(CA_TYPE)))],
};

const CA: EdmStructuredType = {
  name: CA_TYPE,
  baseType: graph('directoryObject'),
  properties: declaredProperties(CA_ENTITY, [ENTITY, DIRECTORY_OBJECT]),
};

/** microsoft.graph.user with the properties this server stores (Graph's has many more). */
const USER: EdmStructuredType = {
  name: localName(USER_ENTITY),
  baseType: graph('directoryObject'),
  properties: declaredProperties(USER_ENTITY, [ENTITY, DIRECTORY_OBJECT]),
};

const ENUM_TYPES: readonly EdmEnumType[] = [
  { name: 'advancedConfigState', members: [['default', 0], ['enabled', 1], ['disabled', 2], ['unknownFutureValue', 3]] },
  {
    name: 'authenticationMethodsPolicyMigrationState',
    members: [['preMigration', 0], ['migrationInProgress', 1], ['migrationComplete', 2], ['unknownFutureValue', 3]],
  },
  { name: 'authenticationMethodState', members: [['enabled', 0], ['disabled', 1]] },
  { name: 'authenticationMethodTargetType', members: [['user', 0], ['group', 1], ['unknownFutureValue', 2]] },
  { name: 'conditionalAccessStatus', members: [['success', 0], ['failure', 1], ['notApplied', 2], ['unknownFutureValue', 3]] },
  { name: 'certificateAuthorityType', members: [['root', 0], ['intermediate', 1], ['unknownFutureValue', 2]] },
  { name: 'x509CertificateAffinityLevel', members: [['low', 0], ['high', 1], ['unknownFutureValue', 2]] },
  {
    name: 'x509CertificateAuthenticationMode',
    members: [['x509CertificateSingleFactor', 0], ['x509CertificateMultiFactor', 1], ['unknownFutureValue', 2]],
  },
  { name: 'x509CertificateCRLValidationConfigurationState', members: [['disabled', 0], ['enabled', 1], ['unknownFutureValue', 2]] },
  { name: 'x509CertificateIssuerHintsState', members: [['disabled', 0], ['enabled', 1], ['unknownFutureValue', 2]] },
  {
    name: 'x509CertificateRuleType',
    members: [['issuerSubject', 0], ['policyOID', 1], ['unknownFutureValue', 2], ['issuerSubjectAndPolicyOID', 3]],
  },
];

const affinity = graph('x509CertificateAffinityLevel');
const targetType = graph('authenticationMethodTargetType');

const COMPLEX_TYPES: readonly EdmStructuredType[] = [
  { name: 'authorizationInfo', properties: [property('certificateUserIds', collection('Edm.String'))] },
  // The classic store's CA (Microsoft's CSDL: certificate, isRootAuthority, issuer and issuerSki non-null).
  {
    name: 'certificateAuthority',
    properties: [
      property('certificate', 'Edm.Binary', false),
      property('certificateRevocationListUrl', 'Edm.String'),
      property('deltaCertificateRevocationListUrl', 'Edm.String'),
      property('isRootAuthority', 'Edm.Boolean', false),
      property('issuer', 'Edm.String', false),
      property('issuerSki', 'Edm.String', false),
    ],
  },
  {
    name: 'authenticationMethodsRegistrationCampaign',
    properties: [
      property('enforceRegistrationAfterAllowedSnoozes', 'Edm.Boolean'),
      property('excludeTargets', collection(graph('excludeTarget'))),
      property('includeTargets', collection(graph('authenticationMethodsRegistrationCampaignIncludeTarget'))),
      property('snoozeDurationInDays', 'Edm.Int32', false),
      property('state', graph('advancedConfigState')),
    ],
  },
  {
    name: 'authenticationMethodsRegistrationCampaignIncludeTarget',
    properties: [
      property('id', 'Edm.String', false),
      property('targetedAuthenticationMethod', 'Edm.String'),
      property('targetType', targetType, false),
    ],
  },
  { name: 'registrationEnforcement', properties: [property('authenticationMethodsRegistrationCampaign', graph('authenticationMethodsRegistrationCampaign'))] },
  { name: 'excludeTarget', properties: [property('id', 'Edm.String', false), property('targetType', targetType, false)] },
  { name: 'includeTarget', properties: [property('id', 'Edm.String', false), property('targetType', targetType, false)] },
  {
    name: 'x509CertificateAuthenticationModeConfiguration',
    properties: [
      property('rules', collection(graph('x509CertificateRule'))),
      property('x509CertificateAuthenticationDefaultMode', graph('x509CertificateAuthenticationMode')),
      property('x509CertificateDefaultRequiredAffinityLevel', affinity),
    ],
  },
  {
    name: 'x509CertificateAuthorityScope',
    properties: [
      property('includeTargets', collection(graph('includeTarget'))),
      property('publicKeyInfrastructureIdentifier', 'Edm.String'),
      property('subjectKeyIdentifier', 'Edm.String'),
    ],
  },
  {
    name: 'x509CertificateCRLValidationConfiguration',
    properties: [
      property('exemptedCertificateAuthoritiesSubjectKeyIdentifiers', collection('Edm.String')),
      property('state', graph('x509CertificateCRLValidationConfigurationState'), false),
    ],
  },
  { name: 'x509CertificateIssuerHintsConfiguration', properties: [property('state', graph('x509CertificateIssuerHintsState'))] },
  {
    name: 'x509CertificateRule',
    properties: [
      property('identifier', 'Edm.String'),
      property('issuerSubjectIdentifier', 'Edm.String'),
      property('policyOidIdentifier', 'Edm.String'),
      property('x509CertificateAuthenticationMode', graph('x509CertificateAuthenticationMode')),
      property('x509CertificateRequiredAffinityLevel', affinity),
      property('x509CertificateRuleType', graph('x509CertificateRuleType')),
    ],
  },
  {
    name: 'x509CertificateUserBinding',
    properties: [
      property('priority', 'Edm.Int32', false),
      property('trustAffinityLevel', affinity),
      property('userProperty', 'Edm.String'),
      property('x509CertificateField', 'Edm.String'),
    ],
  },
];

// The sign-in log (auditLogs/signIns): the properties of Graph's beta signIn that a certificate sign-in
// fills (CSDL; v1.0 answers leave out the beta-only ones, authenticationDetails and after).
const SIGN_IN_COMPLEX_TYPES: readonly EdmStructuredType[] = [
  {
    name: 'signInStatus',
    properties: [property('additionalDetails', 'Edm.String'), property('errorCode', 'Edm.Int32'), property('failureReason', 'Edm.String')],
  },
  {
    name: 'authenticationDetail',
    properties: [
      property('authenticationMethod', 'Edm.String'),
      property('authenticationMethodDetail', 'Edm.String'),
      property('authenticationStepDateTime', 'Edm.DateTimeOffset'),
      property('authenticationStepRequirement', 'Edm.String'),
      property('authenticationStepResultDetail', 'Edm.String'),
      property('succeeded', 'Edm.Boolean'),
    ],
  },
  { name: 'keyValue', properties: [property('key', 'Edm.String'), property('value', 'Edm.String')] },
];

const SIGN_IN_ENTITY_TYPES: readonly EdmStructuredType[] = [
  {
    name: 'auditLogRoot',
    baseType: graph('entity'),
    properties: [],
    navigationProperties: [contained('signIns', collection(graph('signIn')))],
  },
  {
    name: 'signIn',
    baseType: graph('entity'),
    properties: [
      property('appDisplayName', 'Edm.String'),
      property('appId', 'Edm.String'),
      property('clientAppUsed', 'Edm.String'),
      property('conditionalAccessStatus', graph('conditionalAccessStatus')),
      property('correlationId', 'Edm.String'),
      property('createdDateTime', 'Edm.DateTimeOffset', false),
      property('ipAddress', 'Edm.String'),
      property('isInteractive', 'Edm.Boolean'),
      property('resourceDisplayName', 'Edm.String'),
      property('resourceId', 'Edm.String'),
      property('status', graph('signInStatus')),
      property('userDisplayName', 'Edm.String'),
      property('userId', 'Edm.String', false),
      property('userPrincipalName', 'Edm.String'),
      property('authenticationDetails', collection(graph('authenticationDetail'))),
      property('authenticationMethodsUsed', collection('Edm.String')),
      property('authenticationProcessingDetails', collection(graph('keyValue'))),
      property('authenticationRequirement', 'Edm.String'),
    ],
  },
];

const ENTITY_TYPES: readonly EdmStructuredType[] = [
  ENTITY,
  DIRECTORY_OBJECT,
  {
    name: 'directory',
    baseType: graph('entity'),
    properties: [],
    navigationProperties: [
      contained('deletedItems', collection(graph('directoryObject'))),
      contained('publicKeyInfrastructure', graph('publicKeyInfrastructureRoot')),
    ],
  },
  {
    name: 'publicKeyInfrastructureRoot',
    baseType: graph('entity'),
    properties: [],
    navigationProperties: [contained('certificateBasedAuthConfigurations', collection(graph(PKI_TYPE)))],
  },
  PKI,
  CA,
  USER,
  // The classic store: an entity set of its own, reached from organization (not contained).
  {
    name: 'certificateBasedAuthConfiguration',
    baseType: graph('entity'),
    properties: [property('certificateAuthorities', collection(graph('certificateAuthority')), false)],
  },
  // Only the organization properties the server serves (organizationRepresentation).
  {
    name: 'organization',
    baseType: graph('directoryObject'),
    properties: [
      property('businessPhones', collection('Edm.String'), false),
      property('createdDateTime', 'Edm.DateTimeOffset'),
      property('displayName', 'Edm.String'),
      property('tenantType', 'Edm.String'),
    ],
    navigationProperties: [related('certificateBasedAuthConfiguration', collection(graph('certificateBasedAuthConfiguration')))],
  },
  {
    name: 'policyRoot',
    baseType: graph('entity'),
    properties: [],
    navigationProperties: [contained('authenticationMethodsPolicy', graph('authenticationMethodsPolicy'))],
  },
  {
    name: 'authenticationMethodsPolicy',
    baseType: graph('entity'),
    properties: [
      property('description', 'Edm.String'),
      property('displayName', 'Edm.String'),
      property('lastModifiedDateTime', 'Edm.DateTimeOffset'),
      property('policyMigrationState', graph('authenticationMethodsPolicyMigrationState')),
      property('policyVersion', 'Edm.String'),
      property('reconfirmationInDays', 'Edm.Int32'),
      property('registrationEnforcement', graph('registrationEnforcement')),
    ],
    navigationProperties: [contained('authenticationMethodConfigurations', collection(graph('authenticationMethodConfiguration')), true)],
  },
  {
    name: 'authenticationMethodConfiguration',
    baseType: graph('entity'),
    abstract: true,
    properties: [property('excludeTargets', collection(graph('excludeTarget'))), property('state', graph('authenticationMethodState'))],
  },
  {
    name: 'x509CertificateAuthenticationMethodConfiguration',
    baseType: graph('authenticationMethodConfiguration'),
    properties: [
      property('authenticationModeConfiguration', graph('x509CertificateAuthenticationModeConfiguration')),
      property('certificateAuthorityScopes', collection(graph('x509CertificateAuthorityScope'))),
      property('certificateUserBindings', collection(graph('x509CertificateUserBinding'))),
      property('crlValidationConfiguration', graph('x509CertificateCRLValidationConfiguration'), false),
      property('issuerHintsConfiguration', graph('x509CertificateIssuerHintsConfiguration')),
    ],
    navigationProperties: [contained('includeTargets', collection(graph('authenticationMethodTarget')), true)],
  },
  {
    name: 'authenticationMethodTarget',
    baseType: graph('entity'),
    properties: [property('isRegistrationRequired', 'Edm.Boolean', false), property('targetType', targetType, false)],
  },
  ...SIGN_IN_ENTITY_TYPES,
];

const ACTIONS: readonly EdmAction[] = [
  {
    name: 'upload',
    bindingType: graph(PKI_TYPE),
    parameters: [
      { name: 'uploadUrl', type: 'Edm.String', nullable: false, ascii: true },
      { name: 'sha256FileHash', type: 'Edm.String', nullable: false, ascii: true },
    ],
  },
  { name: 'restore', bindingType: graph('directoryObject'), parameters: [], returnType: graph('directoryObject') },
];

/** What the PKI and CA collections support: Graph's annotations, plus which properties filter and sort. */
function collectionCapabilities(target: string, entity: EntityDefinition): EdmCollectionCapabilities {
  const properties = Object.entries(entity.properties);
  return {
    target,
    countable: true,
    expandable: false,
    filterable: true,
    nonFilterableProperties: properties.filter(([, p]) => p.filter.length === 0).map(([name]) => name),
    sortable: true,
    nonSortableProperties: properties.filter(([, p]) => !p.sortable).map(([name]) => name),
    searchable: false,
    referenceable: false,
    skipSupported: false,
    topSupported: true,
  };
}

export const GRAPH_PKI_SCHEMA: EdmSchema = {
  namespace: EDM_NAMESPACE,
  alias: EDM_ALIAS,
  enumTypes: ENUM_TYPES,
  complexTypes: [...COMPLEX_TYPES, ...SIGN_IN_COMPLEX_TYPES],
  entityTypes: ENTITY_TYPES,
  actions: ACTIONS,
  container: {
    name: 'GraphService',
    singletons: [
      { name: 'directory', type: graph('directory') },
      { name: 'policies', type: graph('policyRoot') },
      // Graph's CSDL declares it too; the context URL of the policy names it.
      { name: 'authenticationMethodsPolicy', type: graph('authenticationMethodsPolicy') },
      { name: 'auditLogs', type: graph('auditLogRoot') },
    ],
    // Targets of the context URLs Graph gives a restored object and the authentication-method policy.
    entitySets: [
      { name: 'directoryObjects', entityType: graph('directoryObject') },
      { name: 'users', entityType: graph(localName(USER_ENTITY)) },
      { name: 'authenticationMethodConfigurations', entityType: graph('authenticationMethodConfiguration') },
      {
        name: 'organization',
        entityType: graph('organization'),
        bindings: [{ path: 'certificateBasedAuthConfiguration', target: 'certificateBasedAuthConfiguration' }],
      },
      { name: 'certificateBasedAuthConfiguration', entityType: graph('certificateBasedAuthConfiguration') },
    ],
  },
  capabilities: [
    collectionCapabilities(`${EDM_NAMESPACE}.publicKeyInfrastructureRoot/certificateBasedAuthConfigurations`, PKI_ENTITY),
    collectionCapabilities(`${EDM_NAMESPACE}.${PKI_TYPE}/certificateAuthorities`, CA_ENTITY),
    collectionCapabilities(`${EDM_NAMESPACE}.GraphService/users`, USER_ENTITY),
  ],
};
