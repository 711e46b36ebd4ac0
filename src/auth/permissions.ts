// What a verified token may do: Graph's PublicKeyInfrastructure permissions (spec §7) for the trust store,
// Graph's Policy permissions for the authentication-method policy (spec §8.2), and for delegated tokens
// also one of the directory roles Graph requires for the operation.

export const PERMISSION_READ = 'PublicKeyInfrastructure.Read.All';
export const PERMISSION_READ_WRITE = 'PublicKeyInfrastructure.ReadWrite.All';
export const PERMISSION_POLICY_READ = 'Policy.Read.All';
export const PERMISSION_POLICY_READ_WRITE_AUTHENTICATION_METHOD = 'Policy.ReadWrite.AuthenticationMethod';
export const PERMISSION_ORGANIZATION_READ = 'Organization.Read.All';
export const PERMISSION_ORGANIZATION_READ_WRITE = 'Organization.ReadWrite.All';
/** Sign-in logs (spec cba-setup-and-signin.md §8; learn signin-list). */
export const PERMISSION_AUDIT_LOG_READ = 'AuditLog.Read.All';

/** Directory roles that may read sign-in logs with a delegated token (signin-list: the least privileged ones, and Global Administrator). */
export const AUDIT_LOG_DIRECTORY_ROLES = {
  reportsReader: '4a5d8f65-41da-4de4-8968-e035b65339cf',
  securityReader: '5d6b6bb7-de71-4623-b4af-96380a352509',
  securityOperator: '5f2222b1-57c3-48ba-8ad5-d4759f1fde6f',
  securityAdministrator: '194ae4cb-b126-40b2-bd5b-6091b380977d',
  globalReader: 'f2ef992c-3afb-46b9-b7cf-a126ee74c451',
  globalAdministrator: '62e90394-69f5-4237-9190-012177145e10',
} as const;

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

/**
 * What a route needs: read/write = the PKI trust store (PublicKeyInfrastructure.*), policy-read /
 * policy-write = the authentication-method policy (Policy.*).
 */
export type Access = 'read' | 'write' | 'policy-read' | 'policy-write' | 'organization-read' | 'classic-read' | 'classic-write' | 'audit-read';

interface AccessRule {
  /** Any one of these, as an application role or a delegated scope. */
  readonly permissions: ReadonlySet<string>;
  /** A delegated token also needs one of these directory roles ('any': no role, any signed-in user). */
  readonly delegatedRoles: ReadonlySet<string> | 'any';
}

const PKI_ROLES: ReadonlySet<string> = new Set(Object.values(DIRECTORY_ROLES));

const ACCESS_RULES: Readonly<Record<Access, AccessRule>> = {
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
  'audit-read': { permissions: new Set([PERMISSION_AUDIT_LOG_READ]), delegatedRoles: new Set(Object.values(AUDIT_LOG_DIRECTORY_ROLES)) },
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
  return [...ACCESS_RULES[access].permissions];
}

export function isAllowed(principal: Principal, access: Access): boolean {
  const rule = ACCESS_RULES[access];
  if (!hasAny(principal.permissions, rule.permissions)) return false;
  if (principal.kind === 'application' || rule.delegatedRoles === 'any') return true;
  return hasAny(principal.directoryRoles, rule.delegatedRoles);
}

function hasAny(held: ReadonlySet<string>, wanted: ReadonlySet<string>): boolean {
  for (const item of held) if (wanted.has(item)) return true;
  return false;
}
