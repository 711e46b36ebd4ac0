// What a verified token may do: Graph's PublicKeyInfrastructure permissions (spec §7) for the trust store,
// Graph's Policy permissions for the authentication-method policy (spec §8.2), and for delegated tokens
// also one of the directory roles Graph requires for the operation.

export const PERMISSION_READ = 'PublicKeyInfrastructure.Read.All';
export const PERMISSION_READ_WRITE = 'PublicKeyInfrastructure.ReadWrite.All';
export const PERMISSION_POLICY_READ = 'Policy.Read.All';
export const PERMISSION_POLICY_READ_WRITE_AUTHENTICATION_METHOD = 'Policy.ReadWrite.AuthenticationMethod';
export const PERMISSION_ORGANIZATION_READ = 'Organization.Read.All';
export const PERMISSION_ORGANIZATION_READ_WRITE = 'Organization.ReadWrite.All';
export const PERMISSION_USER_READ_ALL = 'User.Read.All';
export const PERMISSION_USER_READ_WRITE_ALL = 'User.ReadWrite.All';
export const PERMISSION_DIRECTORY_READ_ALL = 'Directory.Read.All';
export const PERMISSION_DIRECTORY_READ_WRITE_ALL = 'Directory.ReadWrite.All';

/** Directory role template ids (`wids` claim) that may manage the PKI trust store. */
export const DIRECTORY_ROLES = {
  privilegedAuthenticationAdministrator: '7be44c8a-adaf-4e2a-84d6-ab2649e08a13',
  authenticationAdministrator: 'c4e39bd9-1100-46d3-8c65-fb160da0071f',
} as const;

/** Directory role template ids that may read (both) or change (the administrator) authentication-method policies. */
export const POLICY_DIRECTORY_ROLES = {
  authenticationPolicyAdministrator: '0526716b-113d-4c15-b2c8-68e3c22b9f80',
  globalReader: 'f2ef992c-3afb-46b9-b7cf-a126ee74c451',
} as const;

/** Global Administrator: the only role Graph supports for the classic store (certificateBasedAuthConfiguration pages). */
export const GLOBAL_ADMINISTRATOR_ROLE = '62e90394-69f5-4237-9190-012177145e10';

/** Directory role template ids of the users API (spec cba-setup-and-signin §1.5). */
export const USER_DIRECTORY_ROLES = {
  globalAdministrator: GLOBAL_ADMINISTRATOR_ROLE,
  userAdministrator: 'fe930be7-5e62-47db-91af-98c3a49a38b1',
  privilegedAuthenticationAdministrator: DIRECTORY_ROLES.privilegedAuthenticationAdministrator,
} as const;

/**
 * What a route needs: read/write = the PKI trust store (PublicKeyInfrastructure.*), policy-read /
 * policy-write = the authentication-method policy (Policy.*), users-read / users-write = directory users
 * (User.*, Directory.*), users-write-certificate-ids = writing a user's authorizationInfo.certificateUserIds,
 * users-update = PATCH of a user, which needs one or both of the last two according to what it changes,
 * deleted-items-read/-write = /directory/deletedItems/{id}, which holds PKIs, CAs and users: either kind's
 * permission lets the request in, and the route checks the one of the item it finds.
 */
export type Access =
  | 'read'
  | 'write'
  | 'policy-read'
  | 'policy-write'
  | 'organization-read'
  | 'classic-read'
  | 'classic-write'
  | 'users-read'
  | 'users-write'
  | 'users-update'
  | 'users-write-certificate-ids'
  | 'deleted-items-read'
  | 'deleted-items-write';

interface AccessRule {
  /** Any one of these, as an application role or a delegated scope. */
  readonly permissions: ReadonlySet<string>;
  /** A delegated token also needs one of these directory roles ('any': no role, any signed-in user). */
  readonly delegatedRoles: ReadonlySet<string> | 'any';
}

const PKI_ROLES: ReadonlySet<string> = new Set(Object.values(DIRECTORY_ROLES));
const USER_WRITE_PERMISSIONS: ReadonlySet<string> = new Set([PERMISSION_USER_READ_WRITE_ALL, PERMISSION_DIRECTORY_READ_WRITE_ALL]);

const ACCESS_RULES: Readonly<Record<Exclude<Access, 'deleted-items-read' | 'deleted-items-write'>, AccessRule>> = {
  read: { permissions: new Set([PERMISSION_READ, PERMISSION_READ_WRITE]), delegatedRoles: PKI_ROLES },
  write: { permissions: new Set([PERMISSION_READ_WRITE]), delegatedRoles: PKI_ROLES },
  'policy-read': {
    permissions: new Set([PERMISSION_POLICY_READ, PERMISSION_POLICY_READ_WRITE_AUTHENTICATION_METHOD]),
    delegatedRoles: new Set([POLICY_DIRECTORY_ROLES.authenticationPolicyAdministrator, POLICY_DIRECTORY_ROLES.globalReader]),
  },
  'policy-write': {
    permissions: new Set([PERMISSION_POLICY_READ_WRITE_AUTHENTICATION_METHOD]),
    delegatedRoles: new Set([POLICY_DIRECTORY_ROLES.authenticationPolicyAdministrator]),
  },
  // GET /organization: any signed-in user reads their own organization (delegated User.Read suffices);
  // Directory.* are the higher privileged permissions of Graph's organization-get page.
  'organization-read': {
    permissions: new Set([PERMISSION_ORGANIZATION_READ, PERMISSION_ORGANIZATION_READ_WRITE, 'Directory.Read.All', 'Directory.ReadWrite.All', 'User.Read']),
    delegatedRoles: 'any',
  },
  // The classic store (certificateBasedAuthConfiguration get/list/create/delete pages): "Global
  // Administrator is the only role supported for this operation".
  'classic-read': {
    permissions: new Set([PERMISSION_ORGANIZATION_READ, PERMISSION_ORGANIZATION_READ_WRITE]),
    delegatedRoles: new Set([GLOBAL_ADMINISTRATOR_ROLE]),
  },
  'classic-write': { permissions: new Set([PERMISSION_ORGANIZATION_READ_WRITE]), delegatedRoles: new Set([GLOBAL_ADMINISTRATOR_ROLE]) },
  // Members read the directory by default: a delegated User.Read.All token needs no directory role.
  'users-read': {
    permissions: new Set([PERMISSION_USER_READ_ALL, PERMISSION_DIRECTORY_READ_ALL, ...USER_WRITE_PERMISSIONS]),
    delegatedRoles: 'any',
  },
  // Creating, changing and deleting other users: User Administrator (user-post-users, user-update).
  'users-write': {
    permissions: USER_WRITE_PERMISSIONS,
    delegatedRoles: new Set([USER_DIRECTORY_ROLES.userAdministrator, USER_DIRECTORY_ROLES.globalAdministrator]),
  },
  // PATCH /users/{id}: whoever may do either of the two (the route then checks what the body changes).
  'users-update': {
    permissions: USER_WRITE_PERMISSIONS,
    delegatedRoles: new Set([USER_DIRECTORY_ROLES.userAdministrator, USER_DIRECTORY_ROLES.privilegedAuthenticationAdministrator, USER_DIRECTORY_ROLES.globalAdministrator]),
  },
  // certificateUserIds of cloud users: at least Privileged Authentication Administrator (E-CUI), so not a
  // User Administrator.
  'users-write-certificate-ids': {
    permissions: USER_WRITE_PERMISSIONS,
    delegatedRoles: new Set([USER_DIRECTORY_ROLES.privilegedAuthenticationAdministrator, USER_DIRECTORY_ROLES.globalAdministrator]),
  },
};

/** A rule any principal meets who meets one of these rules (the route then checks the precise one). */
function eitherOf(...rules: readonly AccessRule[]): AccessRule {
  return {
    permissions: new Set(rules.flatMap((rule) => [...rule.permissions])),
    delegatedRoles: rules.some((rule) => rule.delegatedRoles === 'any')
      ? 'any'
      : new Set(rules.flatMap((rule) => [...(rule.delegatedRoles as ReadonlySet<string>)])),
  };
}

const RULES: Readonly<Record<Access, AccessRule>> = {
  ...ACCESS_RULES,
  'deleted-items-read': eitherOf(ACCESS_RULES.read, ACCESS_RULES['users-read']),
  'deleted-items-write': eitherOf(ACCESS_RULES.write, ACCESS_RULES['users-write']),
};

export interface Principal {
  readonly tenantId: string;
  readonly appId: string | undefined;
  readonly kind: 'application' | 'delegated';
  /** `roles` of an application token or `scp` of a delegated one. */
  readonly permissions: ReadonlySet<string>;
  readonly directoryRoles: ReadonlySet<string>;
}

/** The permissions of which a token needs one for `access` (an application role or a delegated scope). */
export function permissionsFor(access: Access): readonly string[] {
  return [...RULES[access].permissions];
}

export function isAllowed(principal: Principal, access: Access): boolean {
  const rule = RULES[access];
  if (!hasAny(principal.permissions, rule.permissions)) return false;
  if (principal.kind === 'application' || rule.delegatedRoles === 'any') return true;
  return hasAny(principal.directoryRoles, rule.delegatedRoles);
}

function hasAny(held: ReadonlySet<string>, wanted: ReadonlySet<string>): boolean {
  for (const item of held) if (wanted.has(item)) return true;
  return false;
}
