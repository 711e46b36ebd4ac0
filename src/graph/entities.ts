// What OData may do with each entity's properties: which can be selected, filtered (with which
// operators) and sorted. The filterable and sortable sets follow Graph's documentation for these types.
// The same definitions generate the entity types of $metadata (graph/metadata-model.ts), so the names and
// types a client reads there are the ones the server filters, selects and serves.

export type EdmType = 'string' | 'datetime' | 'boolean' | 'enum' | 'binary' | 'complex' | 'stringCollection';
export type FilterOperator = 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le' | 'in' | 'startswith';

export interface PropertyDefinition {
  readonly type: EdmType;
  /**
   * Nullable as Graph's metadata declares it, and so as our $metadata does. A property Graph declares
   * nullable may still always have a value here (e.g. isIssuerHintEnabled); one declared non-nullable
   * never is null in a response (the $metadata test checks it).
   */
  readonly nullable: boolean;
  /** Operators $filter accepts on it; empty = not filterable. */
  readonly filter: readonly FilterOperator[];
  readonly sortable: boolean;
  readonly enumMembers?: readonly string[];
  /** The EnumType of an `enum` property, e.g. certificateAuthorityType. */
  readonly enumType?: string;
  /** The ComplexType of a `complex` property, e.g. authorizationInfo. */
  readonly complexType?: string;
}

/** A collection of strings $filter reaches with `path/any(x: …)`, and what the lambda may do with x. */
export interface LambdaCollection {
  /** The store's field (a collection mapping). */
  readonly field: string;
  readonly operators: readonly ('eq' | 'in' | 'startswith')[];
}

export interface EntityDefinition {
  /** e.g. microsoft.graph.certificateBasedAuthPki */
  readonly typeName: string;
  /** Properties in the documented order (the order of $select output too). */
  readonly properties: Readonly<Record<string, PropertyDefinition>>;
  /** Other spellings accepted in $select and $filter, mapped to the property. */
  readonly aliases?: Readonly<Record<string, string>>;
  /** Collections `any` filters on, by path (e.g. authorizationInfo/certificateUserIds). */
  readonly lambdaCollections?: Readonly<Record<string, LambdaCollection>>;
}

const STRING_OPS: readonly FilterOperator[] = ['eq', 'ne', 'in', 'startswith'];
const EQUALITY: readonly FilterOperator[] = ['eq', 'ne', 'in'];
const ORDERED: readonly FilterOperator[] = ['eq', 'ne', 'gt', 'ge', 'lt', 'le', 'in'];

const plain = (type: EdmType, nullable = true): PropertyDefinition => ({ type, nullable, filter: [], sortable: false });

export const PKI_ENTITY: EntityDefinition = {
  typeName: 'microsoft.graph.certificateBasedAuthPki',
  properties: {
    id: { type: 'string', nullable: false, filter: EQUALITY, sortable: false },
    deletedDateTime: plain('datetime'),
    displayName: { type: 'string', nullable: true, filter: STRING_OPS, sortable: true },
    status: { type: 'string', nullable: true, filter: STRING_OPS, sortable: false },
    statusDetails: plain('string'),
    lastModifiedDateTime: { type: 'datetime', nullable: false, filter: ORDERED, sortable: true },
  },
};

export const CA_ENTITY: EntityDefinition = {
  typeName: 'microsoft.graph.certificateAuthorityDetail',
  properties: {
    id: { type: 'string', nullable: false, filter: EQUALITY, sortable: false },
    deletedDateTime: plain('datetime'),
    certificateAuthorityType: {
      type: 'enum',
      nullable: true,
      filter: EQUALITY,
      sortable: false,
      enumMembers: ['root', 'intermediate'],
      enumType: 'certificateAuthorityType',
    },
    certificate: plain('binary', false),
    displayName: { type: 'string', nullable: true, filter: STRING_OPS, sortable: true },
    issuer: { type: 'string', nullable: true, filter: STRING_OPS, sortable: false },
    issuerSubjectKeyIdentifier: { type: 'string', nullable: true, filter: STRING_OPS, sortable: false },
    createdDateTime: plain('datetime'),
    expirationDateTime: { type: 'datetime', nullable: false, filter: ORDERED, sortable: true },
    thumbprint: { type: 'string', nullable: false, filter: ['eq', 'in', 'startswith'], sortable: false },
    certificateRevocationListUrl: plain('string'),
    deltaCertificateRevocationListUrl: plain('string'),
    isIssuerHintEnabled: { type: 'boolean', nullable: true, filter: ['eq', 'ne'], sortable: false },
  },
  aliases: { deltacertificateRevocationListUrl: 'deltaCertificateRevocationListUrl' },
};

/** The same entity as listed under deletedItems, where deletedDateTime can be filtered and sorted. */
export function asDeletedItems(entity: EntityDefinition): EntityDefinition {
  return {
    ...entity,
    properties: {
      ...entity.properties,
      deletedDateTime: { type: 'datetime', nullable: true, filter: ORDERED, sortable: true },
    },
  };
}

/** The property a name denotes (case-sensitive, as OData is), following aliases. */
export function propertyNamed(entity: EntityDefinition, name: string): string | undefined {
  if (Object.hasOwn(entity.properties, name)) return name;
  return entity.aliases?.[name];
}
