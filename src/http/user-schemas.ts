// Request bodies of /users (TypeBox → ajv, unknown properties refused, nothing coerced). The properties are
// the ones this server stores (README, Users); the read-only ones Graph returns are accepted as a client
// sends back what it read, and refused only when they would change something (the route checks).
import { Type } from 'typebox';
import { USER_ODATA_TYPE, USER_TYPE } from '../graph/user-entity.ts';
import { PasswordProfileSchema } from '../service/directory/new-user-properties.ts';

function nullableString() {
  return Type.Unsafe<string | null>({ type: ['string', 'null'] });
}

function nullableBoolean() {
  return Type.Unsafe<boolean | null>({ type: ['boolean', 'null'] });
}

const AuthorizationInfoSchema = Type.Object(
  {
    '@odata.type': Type.Optional(Type.Literal('#microsoft.graph.authorizationInfo')),
    // Items are checked by the service, which says which value is wrong and why.
    certificateUserIds: Type.Optional(Type.Unsafe<unknown[] | null>({ type: ['array', 'null'] })),
  },
  { additionalProperties: false, title: 'microsoft.graph.authorizationInfo' },
);

export const UserBodySchema = Type.Object(
  {
    '@odata.type': Type.Optional(Type.Literal(USER_ODATA_TYPE)),
    '@odata.context': Type.Optional(Type.String()),
    id: Type.Optional(Type.String()),
    accountEnabled: Type.Optional(nullableBoolean()),
    displayName: Type.Optional(nullableString()),
    givenName: Type.Optional(nullableString()),
    surname: Type.Optional(nullableString()),
    jobTitle: Type.Optional(nullableString()),
    mail: Type.Optional(nullableString()),
    mailNickname: Type.Optional(nullableString()),
    userPrincipalName: Type.Optional(Type.String()),
    passwordProfile: Type.Optional(Type.Union([PasswordProfileSchema, Type.Null()])),
    authorizationInfo: Type.Optional(Type.Union([AuthorizationInfoSchema, Type.Null()])),
    // Returned by Graph; a client may send back what it read (checked unchanged by the route).
    businessPhones: Type.Optional(Type.Array(Type.String())),
    mobilePhone: Type.Optional(nullableString()),
    officeLocation: Type.Optional(nullableString()),
    preferredLanguage: Type.Optional(nullableString()),
    createdDateTime: Type.Optional(nullableString()),
    deletedDateTime: Type.Optional(nullableString()),
    onPremisesUserPrincipalName: Type.Optional(nullableString()),
    onPremisesSyncEnabled: Type.Optional(nullableBoolean()),
  },
  { additionalProperties: false, title: USER_TYPE },
);

export const UserIdParamsSchema = Type.Object({ userId: Type.String() });
