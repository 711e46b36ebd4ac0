// What POST /users requires of a new user beyond its body's form (Graph: accountEnabled, displayName,
// mailNickname, userPrincipalName and passwordProfile.password), in one place: the route and seed files
// (`serve --seed`) both apply it, so a seed user is refused as the POST would refuse it. A tenant snapshot
// does not: it restores users exactly as they were stored, and a stored user need not have them (the
// password is never stored).
import { Type } from 'typebox';
import { graphErrors } from '../errors.ts';

/** microsoft.graph.passwordProfile as a client writes it: accepted, the password checked present, never stored. */
export const PasswordProfileSchema = Type.Object(
  {
    '@odata.type': Type.Optional(Type.Literal('#microsoft.graph.passwordProfile')),
    password: Type.Optional(Type.Unsafe<string | null>({ type: ['string', 'null'] })),
    forceChangePasswordNextSignIn: Type.Optional(Type.Unsafe<boolean | null>({ type: ['boolean', 'null'] })),
    forceChangePasswordNextSignInWithMfa: Type.Optional(Type.Unsafe<boolean | null>({ type: ['boolean', 'null'] })),
  },
  { additionalProperties: false, title: 'microsoft.graph.passwordProfile' },
);

/** The properties the check looks at, as a body or seed entry gives them (null and absent alike missing). */
export interface NewUserRequiredInput {
  readonly accountEnabled?: boolean | null | undefined;
  readonly displayName?: string | null | undefined;
  readonly mailNickname?: string | null | undefined;
  readonly userPrincipalName?: string | null | undefined;
  readonly passwordProfile?: { readonly password?: string | null | undefined } | null | undefined;
}

/** A new user once the check passed: every required property has a value. */
export interface NewUserRequired {
  readonly accountEnabled: boolean;
  readonly displayName: string;
  readonly mailNickname: string;
  readonly userPrincipalName: string;
}

const REQUIRED = ['accountEnabled', 'displayName', 'mailNickname', 'userPrincipalName', 'passwordProfile'] as const;

/** 400 naming the first required property missing (or null), as Graph's POST /users answers. */
export function requireNewUserProperties<T extends NewUserRequiredInput>(user: T): asserts user is T & NewUserRequired {
  for (const property of REQUIRED) {
    if (user[property] === undefined || user[property] === null) throw graphErrors.badRequest(`A value is required for property '${property}' of resource 'User'.`);
  }
  if (!user.passwordProfile?.password) throw graphErrors.badRequest("A value is required for property 'passwordProfile.password' of resource 'User'.");
}
