// microsoft.graph.user as this server serves it (../shared/spec/cba-setup-and-signin.md §1): the properties
// it stores, which $select, $filter ($filter as Graph documents them for users) and $orderby accept, the
// default set Graph returns without $select, and the JSON shape of one user.
import type { UserRecord } from '../store/user-repository.ts';
import type { EntityDefinition, FilterOperator, PropertyDefinition } from './entities.ts';

export const USER_TYPE = 'microsoft.graph.user';
export const USER_ODATA_TYPE = `#${USER_TYPE}`;

const NAME_OPS: readonly FilterOperator[] = ['eq', 'ne', 'in', 'startswith'];
const plain = (type: PropertyDefinition['type'], nullable = true): PropertyDefinition => ({ type, nullable, filter: [], sortable: false });

/** Properties in the order Graph writes them: the default set (id last, as Graph does), then the rest. */
export const USER_ENTITY: EntityDefinition = {
  typeName: USER_TYPE,
  properties: {
    businessPhones: plain('stringCollection', false),
    displayName: { type: 'string', nullable: true, filter: NAME_OPS, sortable: true },
    givenName: plain('string'),
    jobTitle: plain('string'),
    mail: { type: 'string', nullable: true, filter: NAME_OPS, sortable: false },
    mobilePhone: plain('string'),
    officeLocation: plain('string'),
    preferredLanguage: plain('string'),
    surname: plain('string'),
    userPrincipalName: { type: 'string', nullable: true, filter: NAME_OPS, sortable: true },
    id: { type: 'string', nullable: false, filter: ['eq', 'in'], sortable: false },
    accountEnabled: { type: 'boolean', nullable: true, filter: ['eq', 'ne'], sortable: false },
    authorizationInfo: { type: 'complex', nullable: true, filter: [], sortable: false, complexType: 'authorizationInfo' },
    createdDateTime: { type: 'datetime', nullable: true, filter: ['eq', 'ne', 'gt', 'ge', 'lt', 'le', 'in'], sortable: false },
    deletedDateTime: plain('datetime'),
    mailNickname: plain('string'),
    onPremisesSyncEnabled: plain('boolean'),
    onPremisesUserPrincipalName: { type: 'string', nullable: true, filter: NAME_OPS, sortable: false },
  },
  lambdaCollections: {
    'authorizationInfo/certificateUserIds': { field: 'certificateUserIds', operators: ['eq', 'in', 'startswith'] },
  },
};

/** What Graph returns for a user without $select (spec §1.1; user-list). */
export const USER_DEFAULT_PROPERTIES: readonly string[] = [
  'businessPhones', 'displayName', 'givenName', 'jobTitle', 'mail', 'mobilePhone', 'officeLocation', 'preferredLanguage', 'surname', 'userPrincipalName', 'id',
];

/** Every property of a user in Graph's JSON shape; businessPhones and the phone/office/language properties are not stored. */
export function userRepresentation(user: UserRecord): Record<string, unknown> {
  return {
    businessPhones: [],
    displayName: user.displayName,
    givenName: user.givenName,
    jobTitle: user.jobTitle,
    mail: user.mail,
    mobilePhone: null,
    officeLocation: null,
    preferredLanguage: null,
    surname: user.surname,
    userPrincipalName: user.userPrincipalName,
    id: user.id,
    accountEnabled: user.accountEnabled,
    authorizationInfo: { certificateUserIds: [...user.certificateUserIds] },
    createdDateTime: user.createdDateTime,
    deletedDateTime: user.deletedDateTime,
    mailNickname: user.mailNickname,
    onPremisesSyncEnabled: user.onPremisesSyncEnabled,
    onPremisesUserPrincipalName: user.onPremisesUserPrincipalName,
  };
}

/** The user as Graph answers: the default set without $select, else exactly the selected properties. */
export function selectUser(user: UserRecord, select: readonly string[] | undefined): Record<string, unknown> {
  const full = userRepresentation(user);
  const keep = new Set(select ?? USER_DEFAULT_PROPERTIES);
  return Object.fromEntries(Object.entries(full).filter(([key]) => keep.has(key)));
}

/**
 * A user as deletedItems shows it: typed (the list mixes directory object types), the default set and
 * deletedDateTime without $select.
 */
export function deletedUserRepresentation(user: UserRecord, select: readonly string[] | undefined): Record<string, unknown> {
  return { '@odata.type': USER_ODATA_TYPE, ...selectUser(user, select ?? [...USER_DEFAULT_PROPERTIES, 'deletedDateTime']) };
}
